import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { Package } from "@/bindings/Package";
import type { PackageDetail } from "@/bindings/PackageDetail";
import type { PackageEventView } from "@/bindings/PackageEventView";
import type { PackageQuery } from "@/bindings/PackageQuery";
import type { PackageTransition } from "@/bindings/PackageTransition";
import type { PackageView } from "@/bindings/PackageView";
import type { StaffRole } from "@/bindings/StaffRole";
import i18n from "@/i18n";
import { BUILDING_ID } from "@/test/fixtures";
import { tauriMock } from "@/test/tauri";
import { PackagesScreen, type PackagesScreenProps } from "./PackagesScreen";
import { DAY_MS, LIST_LIMIT } from "./query";

const NOW = Date.now();
const MARIE = "0190a0b0-0000-7000-8000-0000000000aa";
const GONE_STAFF = "0190a0b0-0000-7000-8000-0000000000ee";

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
    carrier: null,
    resident_id: "r-1",
    unit_id: "unit-804",
    shelf: "A3",
    size: "small",
    flags: { perishable: false, signature_required: false, fragile: false },
    note: null,
    status: "waiting",
    received_at_ms: NOW - 2 * 3_600_000,
    received_by: MARIE,
    status_at_ms: NOW - 2 * 3_600_000,
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

const views: PackageView[] = [
  view(
    pkg("p-1", "K7QF-3MZD", {
      carrier: "ups",
      tracking_number: "1Z999AA10123456784",
      flags: { perishable: true, signature_required: true, fragile: false },
    }),
    { pending: true },
  ),
  view(pkg("p-2", "B2XR-9TLE", { carrier: "canada_post", received_at_ms: NOW - 9 * DAY_MS, status: "notified" }), {
    recipient_name: "Hugo Roy",
    unit_number: "1205",
    overdue: true,
  }),
  view(pkg("p-3", "W4NC-7HJP", { resident_id: null, unit_id: null, shelf: null, received_at_ms: NOW - 4 * DAY_MS }), {
    recipient_name: null,
    unit_number: null,
  }),
];

function event(
  id: string,
  from: PackageEventView["event"]["from"],
  to: PackageEventView["event"]["to"],
  at: number,
  more: Partial<PackageEventView["event"]> = {},
  viewMore: Partial<Omit<PackageEventView, "event">> = {},
): PackageEventView {
  return {
    event: { id, package_id: "p-2", building_id: BUILDING_ID, from, to, by: MARIE, at_ms: at, note: null, override_reason: null, signature: null, ...more },
    pending: false,
    by_name: "Marie Tremblay",
    ...viewMore,
  };
}

function detailOf(id: string): PackageDetail {
  const v = views.find((x) => x.package.id === id);
  if (!v) throw { code: "not_found", message: `no package ${id}` };
  const at = v.package.received_at_ms;
  return {
    view: v,
    events:
      id === "p-2"
        ? [
            event("e-1", null, "waiting", at),
            event("e-2", "waiting", "notified", at + 60_000, { by: GONE_STAFF, note: "Emailed" }, { by_name: null }),
            event("e-3", "notified", "lost", at + 120_000, { note: "Not on shelf B" }, { by_name: "Luc Gagnon" }),
            event(
              "e-4",
              "lost",
              "waiting",
              at + 180_000,
              { override_reason: "Found behind the counter" },
              { pending: true, by_name: "Marie Tremblay" },
            ),
          ]
        : [event("e-0", null, "waiting", at)],
    notices:
      id === "p-2"
        ? [
            {
              id: "n-1",
              package_id: "p-2",
              building_id: BUILDING_ID,
              resident_id: "r-1",
              kind: "intake",
              state: "sent",
              attempts: 2,
              last_error: null,
              last_attempt_at_ms: at + 50_000,
              sent_at_ms: at + 50_000,
              created_at_ms: at,
            },
            {
              id: "n-2",
              package_id: "p-2",
              building_id: BUILDING_ID,
              resident_id: "r-1",
              kind: "reminder",
              state: "failed",
              attempts: 3,
              last_error: "550 mailbox unavailable",
              last_attempt_at_ms: at + 3 * DAY_MS,
              sent_at_ms: null,
              created_at_ms: at + 3 * DAY_MS,
            },
          ]
        : [],
  };
}

/** list_packages answering from `all` the way the desk would (status, on shelf, text). */
function fakeList(all: PackageView[]) {
  return (a: Record<string, unknown>) => {
    const q = a.query as PackageQuery;
    return all.filter(
      (v) =>
        (!q.on_shelf || v.package.status === "waiting" || v.package.status === "notified") &&
        (q.status === null || v.package.status === q.status) &&
        (q.unit_number === null || (v.unit_number ?? "").startsWith(q.unit_number)) &&
        (q.text === null || v.package.code.startsWith(q.text.toUpperCase()) || (v.package.tracking_number ?? "").startsWith(q.text)),
    );
  };
}

function mockPackages(all: PackageView[] = views) {
  tauriMock.on("list_packages", fakeList(all));
  tauriMock.on("get_package", (a: Record<string, unknown>) => detailOf(String(a.id)));
  tauriMock.on("list_carriers", carriers);
  tauriMock.on("label_preview", () => new Uint8Array([137, 80, 78, 71]).buffer);
  tauriMock.on("package_photos", []);
  tauriMock.on("print_label", null);
  tauriMock.on("transition_packages", null);
  tauriMock.on("lookup_scan", (a: Record<string, unknown>) => ({
    input: a.text,
    package: null,
    tracking: {
      tracking_number: a.text,
      carrier: "ups",
      carrier_name: "UPS",
      service: null,
      valid: true,
      tracking_url: `https://www.ups.com/track?tracknum=${String(a.text)}`,
    },
    on_shelf: [],
  }));
}

async function renderScreen(props: Partial<PackagesScreenProps> & { staffRole?: StaffRole } = {}) {
  mockPackages();
  const user = userEvent.setup();
  const result = render(<PackagesScreen staffRole="doorman" {...props} />);
  await waitFor(() => expect(rows().length).toBeGreaterThan(0));
  return { user, ...result };
}

const rows = () => screen.queryAllByTestId("package-row");
const rowIds = () => rows().map((r) => r.getAttribute("data-package-id"));
const selectedRow = () => rows().find((r) => r.getAttribute("aria-selected") === "true");
const lastQuery = () => tauriMock.callsOf("list_packages").at(-1)?.query as PackageQuery;

async function openPage(user: ReturnType<typeof userEvent.setup>, id: string) {
  await user.click(rows().find((r) => r.getAttribute("data-package-id") === id)!);
  const page = await screen.findByTestId("package-detail");
  await within(page).findByTestId("package-detail-code");
  return page;
}

let created: string[];
beforeEach(() => {
  created = [];
  let n = 0;
  URL.createObjectURL = vi.fn(() => {
    const url = `blob:label-${++n}`;
    created.push(url);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("package list", () => {
  it("lists the parcels on the shelf with recipient, unit, carrier, overdue, pending and flags", async () => {
    await renderScreen();
    expect(tauriMock.callsOf("list_packages")[0]).toEqual({
      query: {
        on_shelf: true,
        status: null,
        unassigned: false,
        received_before_ms: null,
        unit_id: null,
        unit_number: null,
        carrier: null,
        text: null,
        limit: LIST_LIMIT + 1,
      },
    });
    expect(screen.getByTestId("package-search")).toHaveFocus();
    expect(rowIds()).toEqual(["p-1", "p-3", "p-2"]); // newest first
    const [first, unassigned, late] = rows() as [HTMLElement, HTMLElement, HTMLElement];

    expect(within(first).getByTestId("package-code")).toHaveTextContent("K7QF-3MZD");
    expect(within(first).getByTestId("package-recipient")).toHaveTextContent("Amélie Bélanger");
    expect(within(first).getByTestId("package-unit")).toHaveTextContent("Unit 804");
    expect(first).toHaveTextContent("UPS");
    expect(first).toHaveTextContent("A3");
    expect(first).toHaveTextContent("2 hours ago");
    expect(within(first).getByTestId("package-status")).toHaveTextContent("Waiting");
    expect(within(first).getByTestId("package-pending")).toHaveTextContent("Waiting to sync");
    expect(within(first).queryByTestId("package-overdue")).not.toBeInTheDocument();
    const flags = within(first).getByTestId("package-flags");
    expect(flags).toHaveTextContent("Perishable");
    expect(flags).toHaveTextContent("Signature required");
    expect(flags).not.toHaveTextContent("Fragile");

    expect(within(late).getByTestId("package-recipient")).toHaveTextContent("Hugo Roy");
    expect(within(late).getByTestId("package-unit")).toHaveTextContent("Unit 1205");
    expect(within(late).getByTestId("package-overdue")).toHaveTextContent("Overdue");
    expect(within(late).getByTestId("package-status")).toHaveTextContent("Notified");
    expect(within(late).queryByTestId("package-pending")).not.toBeInTheDocument();
    expect(late).toHaveTextContent("Canada Post");

    expect(within(unassigned).getByTestId("package-recipient")).toHaveTextContent("Not assigned yet");
    expect(within(unassigned).getByTestId("package-unit")).toHaveTextContent("No unit");
    expect(unassigned).toHaveTextContent("No shelf");
    expect(screen.getByTestId("package-count")).toHaveTextContent("3 parcels");
  });

  it("asks the desk again when the status, carrier, age or search change", async () => {
    const { user } = await renderScreen();
    await user.selectOptions(screen.getByTestId("package-filter-status"), "lost");
    expect(lastQuery()).toMatchObject({ on_shelf: false, status: "lost", text: null });
    expect(await screen.findByTestId("package-empty")).toHaveTextContent("No parcels match");

    await user.selectOptions(screen.getByTestId("package-filter-status"), "all");
    expect(lastQuery()).toMatchObject({ on_shelf: false, status: null });
    await waitFor(() => expect(rows()).toHaveLength(3));

    await user.selectOptions(screen.getByTestId("package-filter-carrier"), "canada_post");
    expect(lastQuery()).toMatchObject({ carrier: "canada_post" });

    const before = Date.now();
    await user.selectOptions(screen.getByTestId("package-filter-age"), "3");
    const q = lastQuery();
    expect(q.received_before_ms).toBeGreaterThanOrEqual(before - 3 * DAY_MS);
    expect(q.received_before_ms).toBeLessThanOrEqual(Date.now() - 3 * DAY_MS);

    await user.selectOptions(screen.getByTestId("package-filter-carrier"), "");
    await user.selectOptions(screen.getByTestId("package-filter-age"), "0");
    const count = tauriMock.callsOf("list_packages").length;
    await user.type(screen.getByTestId("package-search"), "b2x");
    const texts = tauriMock.callsOf("list_packages").slice(count).map((a) => (a?.query as PackageQuery).text);
    expect(texts).toEqual(["b", "b2", "b2x"]);
    expect(lastQuery()).toEqual({
      on_shelf: false,
      status: null,
      unassigned: false,
      received_before_ms: null,
      unit_id: null,
      unit_number: null,
      carrier: null,
      text: "b2x",
      limit: LIST_LIMIT + 1,
    });
    await waitFor(() => expect(rowIds()).toEqual(["p-2"]));
    // Escape in the search box clears it and lists everything again
    await user.keyboard("{Escape}");
    expect(lastQuery().text).toBeNull();
    await waitFor(() => expect(rows()).toHaveLength(3));
  });

  it("asks the desk for a unit number, and sorts oldest first or by unit", async () => {
    const { user } = await renderScreen();
    await user.type(screen.getByTestId("package-filter-unit"), "12");
    await waitFor(() => expect(rowIds()).toEqual(["p-2"]));
    expect(lastQuery()).toMatchObject({ unit_number: "12", unit_id: null });
    expect(screen.getByTestId("package-count")).toHaveTextContent("1 parcel");
    await user.clear(screen.getByTestId("package-filter-unit"));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(lastQuery()).toMatchObject({ unit_number: null });
    const queries = tauriMock.callsOf("list_packages").length;
    await user.selectOptions(screen.getByTestId("package-sort"), "oldest");
    expect(rowIds()).toEqual(["p-2", "p-3", "p-1"]);
    await user.selectOptions(screen.getByTestId("package-sort"), "unit");
    expect(rowIds()).toEqual(["p-1", "p-2", "p-3"]); // 804, 1205, then no unit
    expect(tauriMock.callsOf("list_packages")).toHaveLength(queries); // sorting asks nothing
  });

  it("says when the list is cut at the limit", async () => {
    const many = Array.from({ length: LIST_LIMIT + 1 }, (_, i) =>
      view(pkg(`m-${i}`, `M${String(i).padStart(3, "0")}-AAAA`, { received_at_ms: NOW - i * 60_000 })),
    );
    mockPackages(many);
    render(<PackagesScreen staffRole="doorman" />);
    await waitFor(() => expect(rows()).toHaveLength(LIST_LIMIT));
    expect(screen.getByTestId("package-count")).toHaveTextContent(
      `Only the ${LIST_LIMIT} most recent parcels are listed.`,
    );
  });

  it("shows a failed list translated, and retries", async () => {
    const { user } = await renderScreen();
    tauriMock.fail("list_packages", "storage", "database is locked");
    await user.type(screen.getByTestId("package-search"), "k");
    const alert = await screen.findByTestId("package-list-error");
    expect(alert).toHaveTextContent("The parcels could not be listed.");
    expect(alert).toHaveTextContent("Frontdesk couldn't read or write its data on this computer.");
    tauriMock.on("list_packages", fakeList(views));
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.queryByTestId("package-list-error")).not.toBeInTheDocument());
    expect(rowIds()).toEqual(["p-1"]);
  });

  it("refreshes on packages-changed and keeps the selection", async () => {
    const { user } = await renderScreen();
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-2");
    const added = view(pkg("p-9", "N3WP-4RCL", { received_at_ms: NOW }));
    tauriMock.on("list_packages", fakeList([added, ...views]));
    tauriMock.emit("packages-changed", null);
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(rowIds()[0]).toBe("p-9");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-2");
  });

  it("moves with the arrow keys, opens with Enter, and Escape comes back to the row", async () => {
    const { user } = await renderScreen();
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-1");
    await user.keyboard("{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-3");
    expect(screen.getByTestId("package-search")).toHaveAttribute("aria-activedescendant", selectedRow()!.id);
    await user.keyboard("{ArrowDown}{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-2"); // stays on the last
    await user.keyboard("{ArrowUp}");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-3");
    await user.keyboard("{Enter}");

    const page = await screen.findByTestId("package-detail");
    expect(page).toHaveAttribute("data-package-id", "p-3");
    expect(tauriMock.callsOf("get_package")).toEqual([{ id: "p-3" }]);
    expect(await within(page).findByTestId("package-detail-code")).toHaveFocus();
    expect(screen.getByTestId("package-list")).not.toBeVisible();

    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("package-detail")).not.toBeInTheDocument();
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-3");
    expect(selectedRow()).toHaveFocus();
    // in the list, the arrows move the focus with the selection; "/" goes to the search
    await user.keyboard("{ArrowDown}");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-2");
    expect(selectedRow()).toHaveFocus();
    await user.keyboard("/");
    expect(screen.getByTestId("package-search")).toHaveFocus();
    expect(screen.getByTestId("package-search")).toHaveValue("");
  });

  it("reaches the filters and the list with Tab", async () => {
    const { user } = await renderScreen();
    const order = [
      "package-filter-status",
      "package-filter-carrier",
      "package-filter-age",
      "package-filter-unit",
      "package-sort",
    ];
    for (const id of order) {
      await user.tab();
      expect(screen.getByTestId(id)).toHaveFocus();
    }
    await user.tab();
    expect(selectedRow()).toHaveFocus();
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-1");
    await user.keyboard("{End}");
    expect(selectedRow()).toHaveAttribute("data-package-id", "p-2");
    expect(selectedRow()).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("package-detail")).toHaveAttribute("data-package-id", "p-2");
  });

  it("opens what a scan finds when Enter comes before the answer", async () => {
    const { user } = await renderScreen();
    const answers: Array<() => void> = [];
    tauriMock.on(
      "list_packages",
      (a: Record<string, unknown>) =>
        new Promise((resolve) => answers.push(() => resolve(fakeList(views)(a)))),
    );
    await user.type(screen.getByTestId("package-search"), "B2XR{Enter}");
    expect(screen.queryByTestId("package-detail")).not.toBeInTheDocument();
    for (const answer of answers) answer();
    const page = await screen.findByTestId("package-detail");
    expect(page).toHaveAttribute("data-package-id", "p-2");
  });

  it("lets the parent control which page is open", async () => {
    const onOpenPackage = vi.fn();
    const { user, rerender } = await renderScreen({ onOpenPackage, openPackageId: null });
    await user.keyboard("{ArrowDown}{Enter}");
    expect(onOpenPackage).toHaveBeenCalledWith("p-3");
    expect(screen.queryByTestId("package-detail")).not.toBeInTheDocument();
    rerender(<PackagesScreen staffRole="doorman" onOpenPackage={onOpenPackage} openPackageId="p-2" />);
    const page = await screen.findByTestId("package-detail");
    expect(page).toHaveAttribute("data-package-id", "p-2");
    await user.click(within(page).getByTestId("package-back"));
    expect(onOpenPackage).toHaveBeenLastCalledWith(null);
  });
});

describe("parcel page", () => {
  it("shows every field, and the history oldest first with who and when", async () => {
    const { user } = await renderScreen();
    const page = await openPage(user, "p-2");
    expect(within(page).getByTestId("package-detail-code")).toHaveTextContent("B2XR-9TLE");
    expect(within(page).getByTestId("package-detail-code")).toHaveClass("font-mono");
    expect(within(page).getByTestId("package-detail-recipient")).toHaveTextContent("Hugo Roy");
    expect(within(page).getByTestId("package-detail-unit")).toHaveTextContent("1205");
    const fields = within(page).getByTestId("package-fields");
    expect(fields).toHaveTextContent("CarrierCanada Post");
    expect(fields).toHaveTextContent("ShelfA3");
    expect(fields).toHaveTextContent("SizeSmall");
    expect(fields).toHaveTextContent("Tracking numberNo tracking number");
    expect(fields).toHaveTextContent("Received byMarie Tremblay");
    expect(fields).toHaveTextContent("NoteNo note.");
    expect(within(page).getByTestId("package-overdue")).toBeInTheDocument();

    const items = within(page).getAllByTestId("package-event");
    expect(items.map((el) => el.getAttribute("data-event-id"))).toEqual(["e-1", "e-2", "e-3", "e-4"]);
    const steps = items.map((el) => within(el).getByTestId("package-event-step").textContent);
    expect(steps).toEqual([
      "Taken in → Waiting",
      "Waiting → Notified",
      "Notified → Lost",
      "Lost → Waiting",
    ]);
    const by = items.map((el) => within(el).getByTestId("package-event-by").textContent);
    expect(by).toEqual(["Marie Tremblay", GONE_STAFF, "Luc Gagnon", "Marie Tremblay"]);
    expect(within(items[1]!).getByTestId("package-event-note")).toHaveTextContent("Emailed");
    expect(within(items[3]!).getByTestId("package-event-override")).toHaveTextContent("Found behind the counter");
    expect(within(items[3]!).getByTestId("package-event-pending")).toHaveTextContent("Waiting to sync");
    expect(within(items[2]!).queryByTestId("package-event-pending")).not.toBeInTheDocument();
  });

  it("shows the tracking number, the carrier's tracking page as text, and the label preview", async () => {
    const { user, unmount } = await renderScreen();
    const page = await openPage(user, "p-1");
    expect(within(page).getByTestId("package-detail-tracking")).toHaveTextContent("1Z999AA10123456784");
    expect(await within(page).findByTestId("package-tracking-url")).toHaveTextContent(
      "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    );
    expect(page.querySelector("a")).toBeNull();
    expect(tauriMock.callsOf("label_preview")).toEqual([{ id: "p-1", utcOffsetMinutes: expect.any(Number) }]);
    const img = await within(page).findByTestId("package-label-preview");
    expect(img).toHaveAttribute("src", created[0]);
    expect(img).toHaveAttribute("alt", "Label of parcel K7QF-3MZD");
    expect(within(page).getByTestId("package-detail-pending")).toBeInTheDocument();
    unmount();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(created[0]);
  });

  it("says so when the label preview fails", async () => {
    const { user } = await renderScreen();
    tauriMock.fail("label_preview", "internal", "font missing");
    const page = await openPage(user, "p-1");
    const problem = await within(page).findByTestId("package-label-error");
    expect(problem).toHaveTextContent("The label preview could not be made.");
    expect(problem).toHaveTextContent("Details: font missing");
    expect(within(page).getByTestId("package-reprint")).toBeEnabled();
  });

  it("reprints the label; a print failure shows the reason and the button stays", async () => {
    const { user } = await renderScreen();
    const page = await openPage(user, "p-1");
    tauriMock.fail("print_label", "print_failed", "printer ZD421 is out of paper");
    await user.click(within(page).getByTestId("package-reprint"));
    const problem = await within(page).findByTestId("package-print-error");
    expect(problem).toHaveTextContent("The label could not be printed.");
    expect(within(problem).getByTestId("package-print-reason")).toHaveTextContent("printer ZD421 is out of paper");
    const again = within(page).getByTestId("package-reprint");
    expect(again).toBeEnabled();

    tauriMock.on("print_label", null);
    await user.click(again);
    expect(await within(page).findByTestId("package-print-ok")).toHaveTextContent("The label was sent to the printer.");
    expect(within(page).queryByTestId("package-print-error")).not.toBeInTheDocument();
    expect(tauriMock.callsOf("print_label")).toEqual([
      { id: "p-1", utcOffsetMinutes: expect.any(Number) },
      { id: "p-1", utcOffsetMinutes: expect.any(Number) },
    ]);
  });

  it("marks a parcel lost with a note: one transition, then the page is read again", async () => {
    const { user } = await renderScreen();
    const page = await openPage(user, "p-1");
    expect(within(page).queryByTestId("package-mark-found")).not.toBeInTheDocument();
    expect(within(page).queryByTestId("package-override")).not.toBeInTheDocument(); // a doorman
    const reads = tauriMock.callsOf("get_package").length;

    await user.click(within(page).getByTestId("package-mark-lost"));
    const dialog = screen.getByTestId("package-transition-dialog");
    expect(dialog).toHaveTextContent("Mark this parcel lost?");
    expect(within(dialog).getByTestId("package-transition-note")).toHaveFocus();
    await user.keyboard("Not on shelf A3 this morning{Enter}");

    await waitFor(() => expect(screen.queryByTestId("package-transition-dialog")).not.toBeInTheDocument());
    const calls = tauriMock.callsOf("transition_packages");
    expect(calls).toHaveLength(1);
    const moves = calls[0]!.moves as PackageTransition[];
    expect(moves).toEqual([
      {
        id: "p-1",
        event_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        to: "lost",
        note: "Not on shelf A3 this morning",
        collected_by: null,
        override_reason: null,
        signature: null,
      },
    ]);
    expect(await screen.findByTestId("package-notice")).toHaveTextContent("Done: the parcel is now “Lost”.");
    expect(tauriMock.callsOf("get_package").length).toBeGreaterThan(reads);
    // Escape in the dialog only closed it; the page is still there
    expect(screen.getByTestId("package-detail")).toBeInTheDocument();
  });

  it("shows the desk's reason when it refuses a transition, and Escape cancels the dialog only", async () => {
    const { user } = await renderScreen();
    const page = await openPage(user, "p-1");
    tauriMock.fail("transition_packages", "conflict", "the package was already picked up");
    await user.click(within(page).getByTestId("package-mark-returned"));
    await user.keyboard("{Enter}");
    const problem = await screen.findByTestId("package-transition-error");
    expect(problem).toHaveTextContent("The desk refused this change:");
    expect(within(problem).getByTestId("package-transition-reason")).toHaveTextContent(
      "the package was already picked up",
    );
    expect(tauriMock.callsOf("transition_packages")[0]!.moves).toMatchObject([{ to: "returned", note: null }]);
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("package-transition-dialog")).not.toBeInTheDocument();
    expect(screen.getByTestId("package-detail")).toBeInTheDocument();
    expect(within(page).getByTestId("package-mark-returned")).toHaveFocus();
  });

  it("offers managers an override that needs a reason, and Found for a lost parcel", async () => {
    const picked = view(pkg("p-1", "K7QF-3MZD", { status: "picked_up", collected_by: "Amélie Bélanger" }));
    mockPackages([picked]);
    tauriMock.on("get_package", { view: picked, events: [], notices: [] });
    const user = userEvent.setup();
    render(<PackagesScreen staffRole="manager" openPackageId="p-1" />);
    const page = await screen.findByTestId("package-detail");
    await within(page).findByTestId("package-detail-code");
    expect(within(page).getByTestId("package-detail-collected")).toHaveTextContent("Amélie Bélanger");
    expect(within(page).queryByTestId("package-mark-lost")).not.toBeInTheDocument();
    expect(within(page).queryByTestId("package-mark-returned")).not.toBeInTheDocument();

    await user.click(within(page).getByTestId("package-override"));
    const dialog = screen.getByTestId("package-transition-dialog");
    await user.selectOptions(within(dialog).getByTestId("package-override-to"), "waiting");
    await user.type(within(dialog).getByTestId("package-transition-note"), "Wrong parcel handed over{Enter}");
    expect(within(dialog).getByTestId("package-transition-missing")).toHaveTextContent("Give the reason for the override.");
    expect(tauriMock.callsOf("transition_packages")).toHaveLength(0);
    await user.type(within(dialog).getByTestId("package-override-reason"), "Resident brought it back{Enter}");
    await waitFor(() => expect(tauriMock.callsOf("transition_packages")).toHaveLength(1));
    expect(tauriMock.callsOf("transition_packages")[0]!.moves).toMatchObject([
      { id: "p-1", to: "waiting", note: "Wrong parcel handed over", override_reason: "Resident brought it back", collected_by: null },
    ]);

    const gone = view(pkg("p-1", "K7QF-3MZD", { status: "lost" }));
    tauriMock.on("get_package", { view: gone, events: [], notices: [] });
    tauriMock.emit("packages-changed", null);
    expect(await within(page).findByTestId("package-mark-found")).toHaveTextContent("Found — back on the shelf");
    await user.click(within(page).getByTestId("package-mark-found"));
    await user.keyboard("{Enter}");
    await waitFor(() => expect(tauriMock.callsOf("transition_packages")).toHaveLength(2));
    expect(tauriMock.callsOf("transition_packages")[1]!.moves).toMatchObject([
      { to: "waiting", note: null, override_reason: null },
    ]);
  });

  it("offers Hand over at Pickup only when the screen is given a way to", async () => {
    const onHandOver = vi.fn();
    const { user } = await renderScreen({ onHandOver });
    const page = await openPage(user, "p-1");
    await user.click(within(page).getByTestId("package-hand-over"));
    expect(onHandOver).toHaveBeenCalledWith("p-1");
  });

  it("shows what the server did to tell the resident, and a pickup's signature", async () => {
    mockPackages(views);
    const user = userEvent.setup();
    render(<PackagesScreen staffRole="doorman" />);
    await waitFor(() => expect(rows().length).toBeGreaterThan(1));
    const page = await openPage(user, "p-2");
    const notices = within(page).getAllByTestId("package-notice-row");
    expect(notices.map((n) => n.getAttribute("data-state"))).toEqual(["sent", "failed"]);
    expect(notices[0]).toHaveTextContent("Arrival email");
    expect(notices[0]).toHaveTextContent("2 attempts");
    expect(within(notices[1]!).getByTestId("package-notice-error")).toHaveTextContent("550 mailbox unavailable");

    const signed = view(pkg("p-9", "ZZZZ-9999", { status: "picked_up" }));
    const forged = 'M 1 1" onload="alert(1)';
    tauriMock.on("get_package", {
      view: signed,
      events: [
        event("e-1", null, "waiting", NOW - 1000),
        event("e-2", "waiting", "picked_up", NOW, { signature: "M 10 20 L 30 40" }),
        event("e-3", "picked_up", "waiting", NOW + 1, { signature: forged }),
      ],
      notices: [],
    });
    render(<PackagesScreen staffRole="doorman" openPackageId="p-9" />);
    const paths = await waitFor(() => {
      const found = [...document.querySelectorAll('[data-package-id="p-9"] [data-testid=pickup-receipt-signature] path')];
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(paths.map((p) => p.getAttribute("d"))).toEqual(["M 10 20 L 30 40"]);
  });

  it("renders notes as text, never as markup", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    const p = view(pkg("p-1", "K7QF-3MZD", { note: evil }), { recipient_name: "<b>Bob</b>" });
    mockPackages([p]);
    tauriMock.on("get_package", {
      view: p,
      events: [event("e-1", null, "waiting", NOW, { note: evil, override_reason: evil })],
      notices: [],
    });
    const user = userEvent.setup();
    render(<PackagesScreen staffRole="doorman" />);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(within(rows()[0]!).getByTestId("package-recipient").textContent).toBe("<b>Bob</b>");
    await user.keyboard("{Enter}");
    const page = await screen.findByTestId("package-detail");
    expect((await within(page).findByTestId("package-detail-note")).textContent).toBe(evil);
    expect(within(page).getByTestId("package-event-note").textContent).toBe(evil);
    expect(within(page).getByTestId("package-event-override").textContent).toBe(evil);
    expect(document.querySelector('img[src="x"]')).toBeNull();
    expect(document.querySelector("b")).toBeNull();
  });

  it("says so when the parcel is gone", async () => {
    const { user } = await renderScreen();
    await openPage(user, "p-1");
    tauriMock.fail("get_package", "not_found");
    tauriMock.emit("packages-changed", null);
    expect(await screen.findByTestId("package-error")).toHaveTextContent("This parcel is no longer at this desk.");
    await user.keyboard("{Escape}");
    expect(selectedRow()).toHaveFocus();
  });
});

describe("in French", () => {
  it("shows statuses and badges in Québec French", async () => {
    await i18n.changeLanguage("fr");
    const { user } = await renderScreen();
    const late = rows().find((r) => r.getAttribute("data-package-id") === "p-2")!;
    expect(within(late).getByTestId("package-status")).toHaveTextContent("Résident avisé");
    expect(within(late).getByTestId("package-overdue")).toHaveTextContent("En retard");
    expect(within(late).getByTestId("package-unit")).toHaveTextContent("Unité 1205");
    expect(screen.getByTestId("package-count")).toHaveTextContent("3 colis");
    expect(screen.getByRole("option", { name: "Sur la tablette" })).toBeInTheDocument();
    await user.selectOptions(screen.getByTestId("package-filter-status"), "all");
    await waitFor(() => expect(rows()).toHaveLength(3));
    const page = await openPage(user, "p-2");
    const steps = within(page).getAllByTestId("package-event-step").map((el) => el.textContent);
    expect(steps[2]).toBe("Résident avisé → Perdu");
    expect(within(page).getByTestId("package-mark-returned")).toHaveTextContent("Marquer retourné à l'expéditeur");
  });
});

describe("package photos", () => {
  const view = (sha: string, at: number, pending: boolean, by: string | null) => ({
    photo: { package_id: "p-1", building_id: "b-1", sha256: sha, taken_at_ms: at, taken_by: "s-1" },
    pending,
    taken_by_name: by,
  });

  it("a parcel's page shows its photos, who took them, and the one still waiting for the server", async () => {
    const { user } = await renderScreen();
    tauriMock.on("package_photos", (a: Record<string, unknown>) =>
      a.packageId === "p-1"
        ? [view("b".repeat(64), Date.now() - 60_000, false, "Marie Tremblay"), view("c".repeat(64), Date.now(), true, null)]
        : [],
    );
    tauriMock.on("get_blob", () => new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer);
    const page = await openPage(user, "p-1");
    await waitFor(() => expect(within(page).getAllByTestId("package-photo")).toHaveLength(2));
    const [first, second] = within(page).getAllByTestId("package-photo") as [HTMLElement, HTMLElement];
    expect(first).toHaveAccessibleName("Photo of the parcel at intake");
    expect(tauriMock.callsOf("get_blob")).toEqual([{ sha256: "b".repeat(64) }, { sha256: "c".repeat(64) }]);
    expect(created).toContain(first.getAttribute("src"));
    expect(created).toContain(second.getAttribute("src"));
    const items = within(page).getAllByTestId("package-photo-item") as [HTMLElement, HTMLElement];
    expect(items[0]).toHaveTextContent("by Marie Tremblay");
    expect(within(items[0]).queryByTestId("package-photo-pending")).toBeNull();
    expect(within(items[1]).getByTestId("package-photo-pending")).toBeInTheDocument();
  });

  it("a photo the desk cannot fetch says why, and the others still show", async () => {
    const { user } = await renderScreen();
    tauriMock.on("package_photos", (a: Record<string, unknown>) =>
      a.packageId === "p-1" ? [view("b".repeat(64), 1, false, null), view("d".repeat(64), 2, false, null)] : [],
    );
    tauriMock.on("get_blob", (a: Record<string, unknown>) => {
      if (a.sha256 === "d".repeat(64)) throw { code: "network", message: "the server cannot be reached" };
      return new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer;
    });
    const page = await openPage(user, "p-1");
    const missing = await within(page).findByTestId("package-photo-missing");
    expect(missing).toHaveTextContent("This photo could not be fetched from the server: the server cannot be reached");
    expect(within(page).getAllByTestId("package-photo")).toHaveLength(1);
    expect(within(page).queryByTestId("package-photos-error")).toBeNull();
  });

  it("a parcel without photos shows no photo section", async () => {
    const { user } = await renderScreen();
    const page = await openPage(user, "p-2");
    await waitFor(() => expect(tauriMock.callsOf("package_photos")).toContainEqual({ packageId: "p-2" }));
    expect(within(page).queryByTestId("package-photos")).toBeNull();
  });
});
