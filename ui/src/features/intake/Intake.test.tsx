import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LabelSettings } from "@/bindings/LabelSettings";
import type { NewPackage } from "@/bindings/NewPackage";
import type { PackageView } from "@/bindings/PackageView";
import type { PreviewMessage } from "@/bindings/PreviewMessage";
import type { ScanLookup } from "@/bindings/ScanLookup";
import i18n from "@/i18n";
import { ScannerProvider } from "@/features/scanner/ScannerContext";
import { encodePreviewMessage } from "@/features/scanner/previewMessage";
import { BUILDING_ID, fakeSearch } from "@/test/fixtures";
import { scanBurst } from "@/test/scanner";
import { tauriMock } from "@/test/tauri";
import { IntakeScreen } from "./IntakeScreen";

const UPS = "1Z12345E0205271686";
const ZEBRA: LabelSettings = { printer: { kind: "zpl", address: "127.0.0.1:9100", dpi: 203 }, size: "dymo-30334", print_on_intake: true };

function lookupOf(text: string, onShelf: PackageView[] = []): ScanLookup {
  return {
    input: text,
    package: null,
    tracking: {
      tracking_number: text.trim().toUpperCase(),
      carrier: "ups",
      carrier_name: "UPS",
      service: "2nd Day Air",
      valid: true,
      tracking_url: null,
    },
    on_shelf: onShelf,
  };
}

function registered(n: NewPackage, code = "K7QF-3MZD"): PackageView {
  return {
    package: {
      id: `p-${code}`,
      building_id: BUILDING_ID,
      code,
      tracking_number: n.tracking_number,
      carrier: n.carrier ?? "ups",
      resident_id: n.resident_id,
      unit_id: n.resident_id ? "unit-804" : null,
      shelf: n.shelf,
      size: n.size,
      flags: n.flags,
      note: n.note,
      status: "waiting",
      received_at_ms: Date.now(),
      received_by: "staff-1",
      status_at_ms: Date.now(),
      collected_by: null,
    },
    pending: true,
    recipient_name: n.resident_id ? "Amélie Bélanger" : null,
    unit_number: n.resident_id ? "804" : null,
    received_by_name: "Marie Tremblay",
    overdue: false,
  };
}

function mock({ labels = ZEBRA, onShelf = [] as PackageView[] } = {}) {
  tauriMock.on("list_carriers", [{ code: "ups", name: "UPS" }]);
  tauriMock.on("label_settings", labels);
  tauriMock.on("last_shelf", "B-2");
  tauriMock.on("lookup_scan", (a: Record<string, unknown>) => lookupOf(String(a.text), onShelf));
  tauriMock.on("search_residents", fakeSearch);
  tauriMock.on("list_instructions", (a: Record<string, unknown>) => {
    const target = a.target as { type: string };
    return target.type === "unit"
      ? [{ instruction: { id: "i-1", building_id: BUILDING_ID, target: a.target, text: "Never leave parcels at the door", updated_at_ms: 1, updated_by: "s" }, pending: false }]
      : [];
  });
  tauriMock.on("intake_package", (a: Record<string, unknown>) => registered(a.package as NewPackage));
  tauriMock.on("print_label", null);
  tauriMock.on("label_preview", new ArrayBuffer(8));
  tauriMock.on("list_packages", []);
}

function renderIntake() {
  const user = userEvent.setup();
  render(
    <ScannerProvider settings={{ max_key_gap_ms: 40, min_length: 8 }}>
      <IntakeScreen />
    </ScannerProvider>,
  );
  return user;
}

beforeEach(() => {
  URL.createObjectURL = vi.fn(() => "blob:label");
  URL.revokeObjectURL = vi.fn();
});
afterEach(async () => {
  await act(() => i18n.changeLanguage("en"));
});

async function chooseAmelie(user: ReturnType<typeof userEvent.setup>) {
  const recipient = screen.getByLabelText("Recipient", { selector: "input" });
  await waitFor(() => expect(recipient).toHaveFocus());
  await user.type(recipient, "Amél");
  await screen.findByRole("option", { name: /Amélie Bélanger/ });
  await user.keyboard("{Enter}");
  await screen.findByTestId("recipient-chosen");
}

describe("intake", () => {
  it("a scan fills the number, recognises the carrier, and Enter registers, queues and prints", async () => {
    mock();
    const user = renderIntake();
    await waitFor(() => expect(screen.getByLabelText("Shelf")).toHaveValue("B-2"));
    expect(screen.getByLabelText("Tracking number")).toHaveFocus();

    expect(scanBurst(UPS)).toBe(true);
    expect(screen.getByLabelText("Tracking number")).toHaveValue(UPS);
    expect(await screen.findByTestId("intake-carrier-recognised")).toHaveTextContent("UPS");
    await chooseAmelie(user);
    // The unit's standing instructions show as soon as the recipient is chosen.
    expect(await screen.findByTestId("intake-instructions")).toHaveTextContent("Never leave parcels at the door");
    await waitFor(() => expect(screen.getByLabelText("Shelf")).toHaveFocus());
    await user.click(screen.getByTestId("intake-flag-fragile"));
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");

    await screen.findByTestId("intake-registered");
    expect(tauriMock.callsOf("intake_package")).toEqual([
      {
        package: {
          tracking_number: UPS,
          carrier: null,
          resident_id: "r-1",
          unit_id: null,
          shelf: "B-2",
          size: null,
          flags: { perishable: false, signature_required: false, fragile: true },
          note: null,
        },
      },
    ]);
    await waitFor(() => expect(screen.getByTestId("intake-print-status")).toHaveAttribute("data-state", "printed"));
    expect(tauriMock.callsOf("print_label")).toEqual([{ id: "p-K7QF-3MZD", utcOffsetMinutes: expect.any(Number) }]);
    expect(screen.getByTestId("intake-registered")).toHaveAttribute("data-package-code", "K7QF-3MZD");
    // Ready for the next parcel: number and recipient cleared, the shelf kept.
    expect(screen.getByLabelText("Tracking number")).toHaveValue("");
    expect(screen.getByLabelText("Tracking number")).toHaveFocus();
    expect(screen.queryByTestId("recipient-chosen")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Shelf")).toHaveValue("B-2");
  });

  it("the last parcel stops saying it waits to sync once the desk says parcels changed", async () => {
    mock({ labels: { printer: { kind: "none" }, size: "4x6", print_on_intake: true } });
    const user = renderIntake();
    scanBurst(UPS);
    await chooseAmelie(user);
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");
    const panel = await screen.findByTestId("intake-registered");
    expect(panel).toHaveTextContent("waiting to sync");
    const sent = tauriMock.callsOf("intake_package")[0]!.package as NewPackage;
    const synced = { ...registered(sent), pending: false };
    tauriMock.on("get_package", { view: synced, events: [], notices: [] });
    tauriMock.emit("packages-changed", null);
    await waitFor(() => expect(screen.getByTestId("intake-registered")).not.toHaveTextContent("waiting to sync"));
  });

  it("refuses to register without a recipient, and nothing is queued", async () => {
    mock();
    const user = renderIntake();
    scanBurst(UPS);
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("intake-recipient-missing")).toBeInTheDocument();
    expect(tauriMock.callsOf("intake_package")).toEqual([]);
  });

  it("warns of a tracking number already on the shelf and registers only on a second Enter", async () => {
    const existing = registered({ tracking_number: UPS, carrier: "ups", resident_id: "r-1", unit_id: null, shelf: "A", size: null, flags: { perishable: false, signature_required: false, fragile: false }, note: null }, "W4NC-7HJP");
    mock({ onShelf: [existing] });
    const user = renderIntake();
    scanBurst(UPS);
    await chooseAmelie(user);
    expect(await screen.findByTestId("intake-duplicate")).toHaveTextContent("W4NC-7HJP");
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByTestId("intake-duplicate-confirm")).toBeInTheDocument();
    expect(tauriMock.callsOf("intake_package")).toEqual([]);
    await user.keyboard("{Enter}");
    await screen.findByTestId("intake-registered");
    expect(tauriMock.callsOf("intake_package")).toHaveLength(1);
  });

  it("a print failure says why, keeps the parcel, and prints again on request", async () => {
    mock();
    tauriMock.fail("print_label", "print_failed", "the printer at 127.0.0.1:9100 refused the connection");
    const user = renderIntake();
    scanBurst(UPS);
    await chooseAmelie(user);
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");
    const status = await screen.findByTestId("intake-print-status");
    await waitFor(() => expect(status).toHaveAttribute("data-state", "failed"));
    expect(screen.getByTestId("intake-print-reason")).toHaveTextContent("refused the connection");
    expect(screen.getByTestId("intake-registered")).toHaveAttribute("data-package-code", "K7QF-3MZD");
    tauriMock.on("print_label", null);
    await user.click(within(status).getByTestId("intake-reprint"));
    await waitFor(() => expect(screen.getByTestId("intake-print-status")).toHaveAttribute("data-state", "printed"));
    expect(tauriMock.callsOf("print_label")).toHaveLength(2);
  });

  it("without a printer the label is only shown, and says so", async () => {
    mock({ labels: { printer: { kind: "none" }, size: "4x6", print_on_intake: true } });
    const user = renderIntake();
    scanBurst(UPS);
    await chooseAmelie(user);
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.getByTestId("intake-print-status")).toHaveAttribute("data-state", "skipped"));
    expect(screen.getByTestId("intake-print-status")).toHaveTextContent("No label printer is set up.");
    expect(tauriMock.callsOf("print_label")).toEqual([]);
  });

  it("bulk intake registers each scan at once without a recipient, to assign afterwards", async () => {
    mock();
    const user = renderIntake();
    await user.click(screen.getByTestId("intake-bulk"));
    screen.getByLabelText("Tracking number").focus();
    scanBurst(UPS);
    scanBurst("TBA123456789012");
    await waitFor(() => expect(tauriMock.callsOf("intake_package")).toHaveLength(2));
    const sent = tauriMock.callsOf("intake_package").map((a) => (a?.package as NewPackage).tracking_number);
    expect(sent).toEqual([UPS, "TBA123456789012"]);
    expect(tauriMock.callsOf("intake_package").every((a) => (a?.package as NewPackage).resident_id === null)).toBe(true);
    expect(tauriMock.callsOf("print_label")).toEqual([]);
    expect(screen.getByTestId("intake-bulk-list")).toBeInTheDocument();
    expect(tauriMock.callsOf("list_packages").at(-1)).toMatchObject({ query: { on_shelf: true, unassigned: true } });
  });

  it("speaks Québec French", async () => {
    mock();
    await act(() => i18n.changeLanguage("fr"));
    renderIntake();
    expect(screen.getByRole("heading", { name: "Réception de colis" })).toBeInTheDocument();
    expect(screen.getByLabelText("Numéro de suivi")).toBeInTheDocument();
    expect(screen.getByLabelText("Tablette")).toBeInTheDocument();
  });
});

describe("intake with the camera", () => {
  function cameraMessage(header: PreviewMessage) {
    const channel = tauriMock.callsOf("start_camera_preview").at(-1)?.channel as { onmessage: (m: ArrayBuffer) => void };
    act(() => channel.onmessage(encodePreviewMessage(header)));
  }

  it("a code the camera accepts fills the form exactly as a USB scan, and Alt+P photographs the parcel", async () => {
    mock();
    tauriMock.on("start_camera_preview", { state: "live", source: "HD Webcam" });
    tauriMock.on("stop_camera_preview", true);
    tauriMock.on("take_package_photo", (a: Record<string, unknown>) => ({
      photo: { package_id: a.packageId, building_id: "b-1", sha256: "a".repeat(64), taken_at_ms: 1, taken_by: "s-1" },
      pending: true,
      taken_by_name: null,
    }));
    const user = renderIntake();
    await waitFor(() => expect(screen.getByLabelText("Shelf")).toHaveValue("B-2"));
    await user.keyboard("{Alt>}c{/Alt}");
    await waitFor(() => expect(screen.getByTestId("camera-panel")).toHaveAttribute("data-state", "live"));

    // Before any parcel is registered there is nothing to photograph.
    await user.keyboard("{Alt>}p{/Alt}");
    expect(await screen.findByTestId("intake-photo-status")).toHaveAttribute("data-state", "no_parcel");
    expect(tauriMock.callsOf("take_package_photo")).toEqual([]);

    cameraMessage({ kind: "accepted", text: UPS, symbology: "code128", reason: "check_digit" });
    expect(screen.getByLabelText("Tracking number")).toHaveValue(UPS);
    expect(await screen.findByTestId("intake-carrier-recognised")).toHaveTextContent("UPS");
    expect(tauriMock.callsOf("lookup_scan")).toContainEqual({ text: UPS });
    await chooseAmelie(user);
    screen.getByLabelText("Shelf").focus();
    await user.keyboard("{Enter}");
    const registeredParcel = await screen.findByTestId("intake-registered");

    await user.keyboard("{Alt>}p{/Alt}");
    await waitFor(() => expect(screen.getByTestId("intake-photo-status")).toHaveAttribute("data-state", "taken"));
    expect(tauriMock.callsOf("take_package_photo")).toEqual([
      { packageId: registeredParcel.getAttribute("data-package-id") },
    ]);
    expect(screen.getByTestId("intake-photo-status")).toHaveTextContent(
      `Photo kept with ${registeredParcel.getAttribute("data-package-code")}.`,
    );
    // The panel's button does the same, for the mouse.
    await user.click(screen.getByTestId("camera-photo"));
    await waitFor(() => expect(tauriMock.callsOf("take_package_photo")).toHaveLength(2));
  });
});
