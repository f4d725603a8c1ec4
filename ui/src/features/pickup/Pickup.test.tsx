import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { Package } from "@/bindings/Package";
import type { PackageQuery } from "@/bindings/PackageQuery";
import type { PackageTransition } from "@/bindings/PackageTransition";
import type { PackageView } from "@/bindings/PackageView";
import type { ScanLookup } from "@/bindings/ScanLookup";
import i18n from "@/i18n";
import { BUILDING_ID, fakeSearch, instructionView } from "@/test/fixtures";
import { tauriMock } from "@/test/tauri";
import { ScannerProvider } from "@/features/scanner/ScannerContext";
import { PickupScreen, looksLikeCode, type PickupScreenProps } from "./PickupScreen";
import { encodeStrokes, isSignaturePath, MAX_SIGNATURE_CHARS, signaturePath } from "./signature";

const NOW = Date.now();
const HOUR = 3_600_000;
const MARIE = "0190a0b0-0000-7000-8000-0000000000aa";
const SIGNATURE = /^(M \d+ \d+( L \d+ \d+)*\s?)+$/;

const carriers: CarrierOption[] = [
  { code: "ups", name: "UPS" },
  { code: "canada_post", name: "Canada Post" },
];

function pkg(id: string, code: string, more: Partial<Package> = {}): Package {
  return {
    id,
    building_id: BUILDING_ID,
    code,
    tracking_number: null,
    carrier: "ups",
    resident_id: "r-1",
    unit_id: "unit-804",
    shelf: "A3",
    size: "small",
    flags: { perishable: false, signature_required: false, fragile: false },
    note: null,
    status: "waiting",
    received_at_ms: NOW - 2 * HOUR,
    received_by: MARIE,
    status_at_ms: NOW - 2 * HOUR,
    collected_by: null,
    ...more,
  };
}

function view(p: Package, more: Partial<Omit<PackageView, "package">> = {}): PackageView {
  return {
    package: p,
    pending: false,
    recipient_name: "Amélie Bélanger",
    unit_number: "804",
    received_by_name: "Marie Tremblay",
    overdue: false,
    ...more,
  };
}

const p1 = view(pkg("p-1", "K7QF-3MZD", { tracking_number: "1Z999AA10123456784", shelf: "A3" }), { pending: true });
const p2 = view(
  pkg("p-2", "B2XR-9TLE", {
    carrier: "canada_post",
    shelf: "B1",
    resident_id: "r-2",
    status: "notified",
    flags: { perishable: false, signature_required: true, fragile: false },
    received_at_ms: NOW - 9 * 24 * HOUR,
  }),
  { recipient_name: "Hugo Bélanger", overdue: true },
);
const p3 = view(pkg("p-3", "W4NC-7HJP", { shelf: "A1", flags: { perishable: true, signature_required: false, fragile: false } }));
const p9 = view(pkg("p-9", "M3TT-8PQR", { unit_id: "unit-1205", resident_id: "r-9", shelf: "C2" }), {
  recipient_name: "Jean Roy",
  unit_number: "1205",
});
const p10 = view(pkg("p-10", "X5ZZ-4KMN", { unit_id: null, resident_id: "r-3", shelf: null }), {
  recipient_name: "Chloé Côté",
  unit_number: null,
});
const pickedUp = view(
  pkg("p-5", "Q8WZ-2HXC", { status: "picked_up", status_at_ms: NOW - 24 * HOUR, collected_by: "Paul Gagnon (proxy)" }),
);

let shelf: PackageView[];

function fakeList(a: Record<string, unknown>) {
  const q = a.query as PackageQuery;
  return shelf.filter(
    (v) =>
      (!q.on_shelf || v.package.status === "waiting" || v.package.status === "notified") &&
      (q.status === null || v.package.status === q.status) &&
      (q.unit_id === null || v.package.unit_id === q.unit_id),
  );
}

function fakeLookup(a: Record<string, unknown>): ScanLookup {
  const text = String(a.text).trim().toUpperCase();
  const all = [...shelf, pickedUp];
  const byCode = all.find((v) => v.package.code.replace("-", "") === text.replace("-", ""));
  if (byCode) return { input: String(a.text), package: byCode, tracking: null, on_shelf: [] };
  return {
    input: String(a.text),
    package: null,
    tracking: { tracking_number: text, carrier: "ups", carrier_name: "UPS", service: null, valid: true, tracking_url: null },
    on_shelf: shelf.filter((v) => v.package.tracking_number === text),
  };
}

function instructionsOf(a: Record<string, unknown>) {
  const target = a.target as InstructionTarget;
  if (target.type === "unit" && target.id === "unit-804") {
    return [instructionView("i-1", target, "Leave perishables with the neighbour in 806")];
  }
  if (target.type === "resident" && target.id === "r-2") {
    return [instructionView("i-2", target, "Never accept signature-required on my behalf <b>!</b>")];
  }
  return [];
}

function mockDesk() {
  shelf = [p1, p2, p3, p9, p10];
  tauriMock.on("list_carriers", carriers);
  tauriMock.on("list_packages", fakeList);
  tauriMock.on("lookup_scan", fakeLookup);
  tauriMock.on("search_residents", fakeSearch);
  tauriMock.on("list_instructions", instructionsOf);
  tauriMock.on("transition_packages", null);
  tauriMock.on("get_package", (a: Record<string, unknown>) => {
    const v = shelf.find((x) => x.package.id === a.id)!;
    return { view: { ...v, pending: true, package: { ...v.package, status: "picked_up" } }, events: [] };
  });
}

function renderScreen(props: Partial<PickupScreenProps> = {}) {
  const user = userEvent.setup();
  const result = render(<PickupScreen {...props} />);
  return { user, ...result };
}

const find = () => screen.getByTestId("pickup-find") as HTMLInputElement;
const parcels = () => screen.queryAllByTestId("pickup-parcel");
const parcelIds = () => parcels().map((r) => r.getAttribute("data-package-id"));
const checkOf = (id: string) =>
  within(parcels().find((r) => r.getAttribute("data-package-id") === id)!).getByTestId(
    "pickup-parcel-check",
  ) as HTMLInputElement;
const moves = (n = 0) => (tauriMock.callsOf("transition_packages")[n]?.moves ?? []) as PackageTransition[];

async function lookUp(user: ReturnType<typeof userEvent.setup>, text: string) {
  await user.clear(find());
  await user.type(find(), `${text}{Enter}`);
}

async function shelfOf804(user: ReturnType<typeof userEvent.setup>) {
  await lookUp(user, "K7QF-3MZD");
  await waitFor(() => expect(parcels()).toHaveLength(3));
}

beforeEach(() => {
  mockDesk();
  // jsdom has no 2D canvas: the pad works from the strokes it keeps.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("finding the parcels", () => {
  it("opens with the find box focused and an empty state", async () => {
    renderScreen();
    await act(async () => {});
    expect(find()).toHaveFocus();
    expect(find().id).toBe("pickup-find");
    expect(screen.getByTestId("pickup-start")).toBeInTheDocument();
  });

  it("a label code lists every parcel of that unit, all selected, the scanned one highlighted", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    expect(tauriMock.callsOf("lookup_scan")[0]).toEqual({ text: "K7QF-3MZD" });
    const q = tauriMock.callsOf("list_packages").at(-1)?.query as PackageQuery;
    expect(q).toMatchObject({ on_shelf: true, unit_id: "unit-804" });
    // Shelf order: A1, A3, B1.
    expect(parcelIds()).toEqual(["p-3", "p-1", "p-2"]);
    for (const id of ["p-1", "p-2", "p-3"]) expect(checkOf(id)).toBeChecked();
    expect(screen.getByTestId("pickup-shelf-title")).toHaveTextContent("Parcels waiting for unit 804");
    expect(screen.getByTestId("pickup-selected-count")).toHaveTextContent("3 of 3 parcels selected");
    const scanned = parcels().find((r) => r.getAttribute("data-package-id") === "p-1")!;
    expect(scanned).toHaveAttribute("data-highlighted", "true");
    expect(within(scanned).getByTestId("package-pending")).toBeInTheDocument();
    const sig = parcels().find((r) => r.getAttribute("data-package-id") === "p-2")!;
    expect(within(sig).getByTestId("package-overdue")).toBeInTheDocument();
    expect(within(sig).getByText("Signature required")).toBeInTheDocument();
    expect(within(sig).getByText("Canada Post")).toBeInTheDocument();
    // Collected by: the scanned parcel's recipient, by default.
    expect(screen.getByRole("radio", { name: "Amélie Bélanger" })).toBeChecked();
  });

  it("shows the unit's and the recipients' standing instructions, as text", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    const box = screen.getByTestId("pickup-instructions");
    expect(await within(box).findByText("Leave perishables with the neighbour in 806")).toBeInTheDocument();
    expect(within(box).getByText("Never accept signature-required on my behalf <b>!</b>")).toBeInTheDocument();
    expect(box.querySelector("b")).toBeNull();
    expect(tauriMock.callsOf("list_instructions")).toEqual(
      expect.arrayContaining([
        { target: { type: "unit", id: "unit-804" } },
        { target: { type: "resident", id: "r-1" } },
        { target: { type: "resident", id: "r-2" } },
      ]),
    );
  });

  it("a code no longer on the shelf says who collected it and when, and offers its page", async () => {
    const onOpenPackage = vi.fn();
    const { user } = renderScreen({ onOpenPackage });
    await lookUp(user, "Q8WZ-2HXC");
    const notice = await screen.findByTestId("pickup-not-on-shelf");
    expect(notice).toHaveAttribute("data-status", "picked_up");
    expect(within(notice).getByTestId("pickup-not-on-shelf-text")).toHaveTextContent(
      /Q8WZ-2HXC was picked up on .+ by Paul Gagnon \(proxy\)\./,
    );
    expect(tauriMock.callsOf("list_packages")).toHaveLength(0);
    await user.click(within(notice).getByTestId("pickup-open-package"));
    expect(onOpenPackage).toHaveBeenCalledWith("p-5");
  });

  it("a tracking number lists the unit of the parcel with it; none on the shelf says so", async () => {
    const { user } = renderScreen();
    await lookUp(user, "1Z999AA10123456784");
    await waitFor(() => expect(parcels()).toHaveLength(3));
    expect(parcels().find((r) => r.getAttribute("data-package-id") === "p-1")).toHaveAttribute("data-highlighted", "true");

    await lookUp(user, "1Z999AA10000000000");
    expect(await screen.findByTestId("pickup-no-tracking")).toHaveTextContent("No parcel on the shelf with this number");
    // What was on screen stays.
    expect(parcels()).toHaveLength(3);
  });

  it("a lookup that fails says so and retries", async () => {
    tauriMock.fail("lookup_scan", "storage", "disk full");
    const { user } = renderScreen();
    await lookUp(user, "K7QF-3MZD");
    const alert = await screen.findByTestId("pickup-lookup-error");
    expect(alert).toHaveTextContent("couldn't read or write its data");
    tauriMock.on("lookup_scan", fakeLookup);
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(parcels()).toHaveLength(3));
  });

  it("resident type-ahead, ↓ and Enter list that resident's unit", async () => {
    const { user } = renderScreen();
    await user.type(find(), "Bélanger");
    const list = await screen.findByTestId("pickup-residents");
    await waitFor(() => expect(within(list).getAllByTestId("pickup-resident")).toHaveLength(2));
    expect(find()).toHaveAttribute("aria-expanded", "true");
    await user.keyboard("{ArrowDown}{Enter}");
    await waitFor(() => expect(parcels()).toHaveLength(3));
    expect(tauriMock.callsOf("lookup_scan")).toHaveLength(0);
    expect(screen.getByRole("radio", { name: "Hugo Bélanger" })).toBeChecked();
    expect(screen.queryByTestId("pickup-residents")).toBeNull();
    expect(parcels().some((r) => r.hasAttribute("data-highlighted"))).toBe(false);
  });

  it("a resident without a unit gets their own parcels only", async () => {
    const { user } = renderScreen();
    await user.type(find(), "Chlo");
    await screen.findByText("Chloé Côté");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(parcelIds()).toEqual(["p-10"]));
    expect(screen.getByTestId("pickup-shelf-title")).toHaveTextContent("Parcels waiting for Chloé Côté");
  });

  it("handles an initial scan from another screen and says it was used", async () => {
    const onInitialScanUsed = vi.fn();
    renderScreen({ initialScan: "B2XR-9TLE", onInitialScanUsed });
    await waitFor(() => expect(parcels()).toHaveLength(3));
    expect(onInitialScanUsed).toHaveBeenCalled();
    expect(tauriMock.callsOf("lookup_scan")[0]).toEqual({ text: "B2XR-9TLE" });
    expect(parcels().find((r) => r.getAttribute("data-package-id") === "p-2")).toHaveAttribute("data-highlighted", "true");
    expect(screen.getByRole("radio", { name: "Hugo Bélanger" })).toBeChecked();
  });

  it("takes scans from the USB scanner", async () => {
    render(
      <ScannerProvider settings={{ max_key_gap_ms: 40, min_length: 8 }}>
        <PickupScreen />
      </ScannerProvider>,
    );
    let t = 1000;
    const key = (k: string) => {
      const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true });
      Object.defineProperty(e, "timeStamp", { value: (t += 5) });
      act(() => {
        find().dispatchEvent(e);
      });
    };
    for (const ch of "W4NC-7HJP") key(ch);
    key("Enter");
    await waitFor(() => expect(parcels()).toHaveLength(3));
    expect(tauriMock.callsOf("lookup_scan")[0]).toEqual({ text: "W4NC-7HJP" });
    expect(find().value).toBe("");
  });
});

describe("the selection", () => {
  it("a second label of the same unit keeps it selected and highlights it", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-3"));
    expect(checkOf("p-3")).not.toBeChecked();
    await lookUp(user, "W4NC-7HJP");
    await waitFor(() => expect(checkOf("p-3")).toBeChecked());
    expect(parcels().find((r) => r.getAttribute("data-package-id") === "p-3")).toHaveAttribute("data-highlighted", "true");
    expect(screen.queryByTestId("pickup-switch")).toBeNull();
  });

  it("a label of another unit asks whether to switch", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await lookUp(user, "M3TT-8PQR");
    const prompt = await screen.findByTestId("pickup-switch");
    expect(prompt).toHaveTextContent("M3TT-8PQR is for unit 1205 (Jean Roy). The parcels on screen are for unit 804 (Amélie Bélanger).");
    expect(within(prompt).getByTestId("pickup-switch-confirm")).toHaveFocus();
    // Escape stays.
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("pickup-switch")).toBeNull();
    expect(parcels()).toHaveLength(3);

    await lookUp(user, "M3TT-8PQR");
    await screen.findByTestId("pickup-switch");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(parcelIds()).toEqual(["p-9"]));
    expect(screen.getByTestId("pickup-shelf-title")).toHaveTextContent("unit 1205");
    expect(screen.getByRole("radio", { name: "Jean Roy" })).toBeChecked();
  });

  it("Space ticks and ↑ ↓ move between the parcels", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await screen.findByText("Leave perishables with the neighbour in 806");
    act(() => checkOf("p-3").focus());
    await user.keyboard("{ArrowDown}");
    expect(checkOf("p-1")).toHaveFocus();
    await user.keyboard(" ");
    expect(checkOf("p-1")).not.toBeChecked();
    await user.keyboard("{ArrowUp} ");
    expect(checkOf("p-3")).not.toBeChecked();
    expect(screen.getByTestId("pickup-selected-count")).toHaveTextContent("1 of 3 parcels selected");
  });

  it("a parcel picked up at another desk disappears, and if it was ticked it says so", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    shelf = shelf.filter((v) => v.package.id !== "p-3");
    tauriMock.emit("packages-changed", null);
    await waitFor(() => expect(parcels()).toHaveLength(2));
    expect(screen.getByTestId("pickup-vanished")).toHaveTextContent("W4NC-7HJP is no longer on the shelf");
    expect(checkOf("p-1")).toBeChecked();
  });

  it("a shelf that cannot be listed shows the error and retries", async () => {
    tauriMock.fail("list_packages", "storage", "locked");
    const { user } = renderScreen();
    await lookUp(user, "K7QF-3MZD");
    const alert = await screen.findByTestId("pickup-shelf-error");
    tauriMock.on("list_packages", fakeList);
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(parcels()).toHaveLength(3));
    for (const id of ["p-1", "p-2", "p-3"]) expect(checkOf(id)).toBeChecked();
  });

  it("a unit with nothing on the shelf says so", async () => {
    shelf = [p9];
    tauriMock.on("search_residents", fakeSearch);
    const { user } = renderScreen();
    await user.type(find(), "Amélie");
    await screen.findByText("Amélie Bélanger");
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("pickup-empty")).toHaveTextContent("No parcel is waiting on the shelf");
  });
});

describe("handing over", () => {
  it("sends one transition_packages with only the ticked parcels, picked up by the recipient", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-2"));
    // No signature-required parcel is ticked any more: no pad.
    expect(screen.queryByTestId("pickup-signature")).toBeNull();
    await user.click(screen.getByTestId("pickup-confirm"));
    await screen.findByTestId("pickup-receipt");
    expect(tauriMock.callsOf("transition_packages")).toHaveLength(1);
    const sent = moves();
    expect(sent.map((m) => m.id).sort()).toEqual(["p-1", "p-3"]);
    for (const m of sent) {
      expect(m).toMatchObject({
        to: "picked_up",
        collected_by: "Amélie Bélanger",
        note: null,
        override_reason: null,
        signature: null,
      });
      expect(m.event_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(sent.map((m) => m.event_id)).size).toBe(2);
  });

  it("Enter on the empty find box confirms, and the receipt shows what was handed over", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-2"));
    find().focus();
    await user.keyboard("{Enter}");
    const receipt = await screen.findByTestId("pickup-receipt");
    expect(receipt).toHaveTextContent("2 parcels handed over");
    expect(within(receipt).getByTestId("pickup-receipt-collected-by")).toHaveTextContent("Amélie Bélanger");
    expect(within(receipt).getAllByTestId("pickup-receipt-parcel").map((r) => r.textContent)).toEqual([
      expect.stringContaining("W4NC-7HJP"),
      expect.stringContaining("K7QF-3MZD"),
    ]);
    // The desk is offline: the re-read parcels come back pending.
    expect(await within(receipt).findByTestId("pickup-receipt-pending")).toHaveTextContent("Waiting to sync");
    const print = vi.spyOn(window, "print").mockImplementation(() => {});
    await user.click(within(receipt).getByTestId("pickup-receipt-print"));
    expect(print).toHaveBeenCalled();
    // Escape: the next pickup.
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("pickup-receipt")).toBeNull();
    expect(screen.getByTestId("pickup-start")).toBeInTheDocument();
    expect(find()).toHaveFocus();
  });

  it("a proxy's name is required and sent", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-2"));
    await user.click(screen.getByTestId("pickup-collector-proxy"));
    await waitFor(() => expect(screen.getByTestId("pickup-proxy-name")).toHaveFocus());
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("pickup-missing")).toHaveTextContent("Enter the name of the person collecting");
    expect(tauriMock.callsOf("transition_packages")).toHaveLength(0);
    await user.type(screen.getByTestId("pickup-proxy-name"), "  Paul Gagnon {Enter}");
    await screen.findByTestId("pickup-receipt");
    expect(moves().map((m) => m.collected_by)).toEqual(["Paul Gagnon", "Paul Gagnon"]);
  });

  it("a signature-required parcel blocks confirming until something is drawn, then sends the path", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    const pad = screen.getByTestId("pickup-signature-pad");
    await user.click(screen.getByTestId("pickup-confirm"));
    expect(screen.getByTestId("pickup-missing")).toHaveTextContent("sign in the box first");
    expect(tauriMock.callsOf("transition_packages")).toHaveLength(0);

    // Two strokes with a pen; the second one's points are close together (thinned).
    fireEvent.pointerDown(pad, { pointerId: 1, pointerType: "pen", button: 0, clientX: 100, clientY: 200 });
    fireEvent.pointerMove(pad, { pointerId: 1, pointerType: "pen", clientX: 150.4, clientY: 180.6 });
    fireEvent.pointerMove(pad, { pointerId: 1, pointerType: "pen", clientX: 151, clientY: 181 });
    fireEvent.pointerMove(pad, { pointerId: 1, pointerType: "pen", clientX: 220, clientY: 260 });
    fireEvent.pointerUp(pad, { pointerId: 1, pointerType: "pen", clientX: 220, clientY: 260 });
    fireEvent.pointerDown(pad, { pointerId: 2, pointerType: "touch", button: 0, clientX: 300, clientY: 100 });
    fireEvent.pointerMove(pad, { pointerId: 2, pointerType: "touch", clientX: 1400, clientY: -20 });
    fireEvent.pointerUp(pad, { pointerId: 2, pointerType: "touch" });
    expect(pad).toHaveAttribute("data-strokes", "2");
    expect(screen.queryByTestId("pickup-missing")).toBeNull();

    // Clear, then sign again.
    await user.click(screen.getByTestId("pickup-signature-clear"));
    expect(pad).toHaveAttribute("data-strokes", "0");
    fireEvent.pointerDown(pad, { pointerId: 3, pointerType: "mouse", button: 0, clientX: 100, clientY: 200 });
    fireEvent.pointerMove(pad, { pointerId: 3, pointerType: "mouse", clientX: 150.4, clientY: 180.6 });
    fireEvent.pointerMove(pad, { pointerId: 3, pointerType: "mouse", clientX: 151, clientY: 181 });
    fireEvent.pointerMove(pad, { pointerId: 3, pointerType: "mouse", clientX: 220, clientY: 260 });
    fireEvent.pointerUp(pad, { pointerId: 3, pointerType: "mouse" });
    fireEvent.pointerDown(pad, { pointerId: 4, pointerType: "touch", button: 0, clientX: 300, clientY: 100 });
    fireEvent.pointerMove(pad, { pointerId: 4, pointerType: "touch", clientX: 1400, clientY: -20 });
    fireEvent.pointerUp(pad, { pointerId: 4, pointerType: "touch" });

    await user.click(screen.getByTestId("pickup-confirm"));
    await screen.findByTestId("pickup-receipt");
    const sent = moves();
    expect(sent.map((m) => m.id).sort()).toEqual(["p-1", "p-2", "p-3"]);
    const signed = sent.find((m) => m.id === "p-2")!;
    expect(signed.signature).toMatch(SIGNATURE);
    expect(signed.signature).toBe("M 100 200 L 150 181 L 220 260 M 300 100 L 1000 0");
    expect(sent.filter((m) => m.id !== "p-2").map((m) => m.signature)).toEqual([null, null]);
    const svg = screen.getByTestId("pickup-receipt-signature");
    expect(svg.querySelector("path")).toHaveAttribute("d", signed.signature);
  });

  it("a refusal shows the desk's reason, keeps the selection, and a retry resends the same events", async () => {
    tauriMock.fail("transition_packages", "conflict", "W4NC-7HJP was already picked up at another desk");
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-2"));
    await user.click(screen.getByTestId("pickup-confirm"));
    const alert = await screen.findByTestId("pickup-error");
    expect(within(alert).getByTestId("pickup-error-reason")).toHaveTextContent(
      "W4NC-7HJP was already picked up at another desk",
    );
    expect(screen.queryByTestId("pickup-receipt")).toBeNull();
    expect(checkOf("p-1")).toBeChecked();
    expect(checkOf("p-3")).toBeChecked();
    expect(checkOf("p-2")).not.toBeChecked();

    tauriMock.on("transition_packages", null);
    await user.click(screen.getByTestId("pickup-confirm"));
    await screen.findByTestId("pickup-receipt");
    const first = moves(0);
    const second = moves(1);
    expect(second.map((m) => [m.id, m.event_id])).toEqual(first.map((m) => [m.id, m.event_id]));
  });

  it("an other error is described and can be retried", async () => {
    tauriMock.fail("transition_packages", "storage", "disk full");
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-2"));
    await user.click(screen.getByTestId("pickup-confirm"));
    const alert = await screen.findByTestId("pickup-error");
    expect(alert).toHaveTextContent("The hand-over could not be saved.");
    expect(alert).toHaveTextContent("Details: disk full");
    expect(screen.getByTestId("pickup-confirm")).toHaveTextContent("Try again: hand over 2 parcels");
  });

  it("nothing ticked: says so instead of sending", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(screen.getByTestId("pickup-select-all"));
    await user.click(screen.getByTestId("pickup-confirm"));
    expect(screen.getByTestId("pickup-missing")).toHaveTextContent("Tick at least one parcel");
    expect(tauriMock.callsOf("transition_packages")).toHaveLength(0);
  });

  it("a new scan after a receipt starts the next pickup", async () => {
    const { user } = renderScreen();
    await shelfOf804(user);
    await user.click(checkOf("p-2"));
    await user.click(screen.getByTestId("pickup-confirm"));
    await screen.findByTestId("pickup-receipt");
    await lookUp(user, "M3TT-8PQR");
    await waitFor(() => expect(parcelIds()).toEqual(["p-9"]));
    expect(screen.queryByTestId("pickup-receipt")).toBeNull();
    expect(screen.queryByTestId("pickup-switch")).toBeNull();
  });
});

describe("in French", () => {
  it("renders the screen in Québec French", async () => {
    await i18n.changeLanguage("fr");
    const { user } = renderScreen();
    expect(screen.getByRole("heading", { level: 1 })).toHaveTextContent("Cueillette");
    await shelfOf804(user);
    expect(screen.getByTestId("pickup-shelf-title")).toHaveTextContent("Colis en attente pour l'unité 804");
    expect(screen.getByTestId("pickup-confirm")).toHaveTextContent("Remettre 3 colis");
    expect(within(screen.getByTestId("pickup-signature")).getByRole("heading")).toHaveTextContent("Signature requise");
    expect(screen.getByText("Une autre personne (mandataire)")).toBeInTheDocument();
    expect(screen.getByTestId("pickup-collector")).toHaveTextContent("Remis à");
    await lookUp(user, "Q8WZ-2HXC");
    expect(await screen.findByTestId("pickup-not-on-shelf-text")).toHaveTextContent(
      /Q8WZ-2HXC a été ramassé le .+ par Paul Gagnon \(proxy\)\./,
    );
  });
});

describe("signature path data", () => {
  it("is integers in the 1000×400 box, one M per stroke, close points dropped", () => {
    expect(encodeStrokes([])).toBe("");
    expect(encodeStrokes([[[10.2, 20.7]]])).toBe("M 10 21");
    expect(
      encodeStrokes([
        [
          [0, 0],
          [1, 1],
          [5, 5],
        ],
        [[-5, 999]],
      ]),
    ).toBe("M 0 0 L 5 5 M 0 400");
    expect(isSignaturePath("M 1 2 L 3 4 M 5 6")).toBe(true);
    expect(isSignaturePath('M 1 2"/><script>')).toBe(false);
    expect(isSignaturePath("M 1 2 Z")).toBe(false);
    expect(isSignaturePath("")).toBe(false);
  });

  it("is simplified until it fits, or refused", () => {
    const zigzag = Array.from({ length: 6000 }, (_, i) => [(i * 3) % 1000, i % 2 === 0 ? 100 : 103] as const);
    const made = signaturePath([zigzag]);
    expect(made.kind).toBe("ok");
    if (made.kind === "ok") {
      expect(made.path.length).toBeLessThanOrEqual(MAX_SIGNATURE_CHARS);
      expect(made.path).toMatch(SIGNATURE);
    }
    const scribble = Array.from({ length: 40000 }, (_, i) => [(i * 37) % 1000, (i * 53) % 400] as const);
    expect(signaturePath([scribble]).kind).toBe("too_long");
  });

  it("tells codes from names and units", () => {
    expect(looksLikeCode("K7QF-3MZD")).toBe(true);
    expect(looksLikeCode("1Z999AA10123456784")).toBe(true);
    expect(looksLikeCode("Bélanger")).toBe(false);
    expect(looksLikeCode("804")).toBe(false);
    expect(looksLikeCode("Amélie B")).toBe(false);
  });
});
