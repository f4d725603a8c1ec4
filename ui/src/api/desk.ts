// The one module that talks to the Rust side. Every Tauri command and event the UI uses
// goes through here, typed with the bindings generated from Rust (src/bindings/).
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Bootstrap } from "@/bindings/Bootstrap";
import type { CameraDevice } from "@/bindings/CameraDevice";
import type { CameraSettings } from "@/bindings/CameraSettings";
import type { PreviewStart } from "@/bindings/PreviewStart";
import type { DeskError } from "@/bindings/DeskError";
import type { DeskErrorCode } from "@/bindings/DeskErrorCode";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { InstructionView } from "@/bindings/InstructionView";
import type { LabelSettings } from "@/bindings/LabelSettings";
import type { NewPackage } from "@/bindings/NewPackage";
import type { PackageDetail } from "@/bindings/PackageDetail";
import type { PackageEdit } from "@/bindings/PackageEdit";
import type { PackageQuery } from "@/bindings/PackageQuery";
import type { PackageTransition } from "@/bindings/PackageTransition";
import type { PackagePhotoView } from "@/bindings/PackagePhotoView";
import type { PackageView } from "@/bindings/PackageView";
import type { ScanLookup } from "@/bindings/ScanLookup";
import type { ScannerSettings } from "@/bindings/ScannerSettings";
import type { OutboxItem } from "@/bindings/OutboxItem";
import type { PackageReport } from "@/bindings/PackageReport";
import type { ReportRequest } from "@/bindings/ReportRequest";
import type { ReportTable } from "@/bindings/ReportTable";
import type { ResidentDetail } from "@/bindings/ResidentDetail";
import type { ResidentSearch } from "@/bindings/ResidentSearch";
import type { SignedIn } from "@/bindings/SignedIn";
import type { SyncStatus } from "@/bindings/SyncStatus";

export type { DeskError, DeskErrorCode };

/** Minutes east of UTC of this computer's clock now (Montréal in winter: -300), for times
 *  the desk prints. */
export function utcOffsetMinutes(at: Date = new Date()): number {
  return -at.getTimezoneOffset();
}

/** The UI language as stored by the desk; `null` follows the operating system. */
export type LanguageSetting = "en" | "fr" | null;

const DESK_ERROR_CODES: ReadonlySet<string> = new Set<DeskErrorCode>([
  "network",
  "bad_response",
  "invalid_server_url",
  "invalid_credentials",
  "account_disabled",
  "rate_limited",
  "not_signed_in",
  "not_found",
  "invalid_input",
  "conflict",
  "cursor_expired",
  "print_failed",
  "resync_failed",
  "attachment_too_large",
  "attachment_type",
  "storage",
  "internal",
]);

export function isDeskError(value: unknown): value is DeskError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    DESK_ERROR_CODES.has((value as { code: string }).code) &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** Anything a command rejects with becomes a DeskError, so callers handle one shape. */
export function toDeskError(value: unknown): DeskError {
  if (isDeskError(value)) return value;
  const message =
    value instanceof Error ? value.message : typeof value === "string" ? value : JSON.stringify(value);
  return { code: "internal", message: message ?? "unknown error" };
}

/** Invokes a desk command; whatever it rejects with becomes a DeskError. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw toDeskError(err);
  }
}

export const desk = {
  bootstrap: () => call<Bootstrap>("bootstrap"),
  signIn: (serverUrl: string, email: string, password: string) =>
    call<SignedIn>("sign_in", { serverUrl, email, password }),
  signOut: () => call<null>("sign_out"),
  syncStatus: () => call<SyncStatus>("sync_status"),
  syncNow: () => call<SyncStatus>("sync_now"),
  searchResidents: (query: string, limit: number) =>
    call<ResidentSearch>("search_residents", { query, limit }),
  getResident: (id: string) => call<ResidentDetail>("get_resident", { id }),
  setLanguage: (language: LanguageSetting) => call<null>("set_language", { language }),

  /** Standing instructions on a unit or a resident, newest first (queued versions included). */
  listInstructions: (target: InstructionTarget) => call<InstructionView[]>("list_instructions", { target }),
  /** New instruction when `id` is null, else a new version of that one. Applied here at once, queued. */
  saveInstruction: (id: string | null, target: InstructionTarget, text: string) =>
    call<null>("save_instruction", { id, target, text }),
  deleteInstruction: (id: string) => call<null>("delete_instruction", { id }),
  /** Queued and refused writes, oldest first (the Sync panel). */
  listOutbox: () => call<OutboxItem[]>("list_outbox"),
  /** Forget a refused write once staff have read why. */
  dismissRejected: (mutationId: string) => call<null>("dismiss_rejected", { mutationId }),
  /** The package report for a period, computed from the local store (queued writes included). */
  packageReport: (request: ReportRequest) => call<PackageReport>("package_report", { request }),
  /** Saves one table of that report as a new CSV file in the Downloads folder; resolves to its path. */
  exportReportCsv: (request: ReportRequest, table: ReportTable) =>
    call<string>("export_report_csv", { request, table }),

  /** Parcels matching the query, newest first, this desk's queued writes included. */
  listPackages: (query: PackageQuery) => call<PackageView[]>("list_packages", { query }),
  /** One parcel and its history (oldest first). */
  getPackage: (id: string) => call<PackageDetail>("get_package", { id }),
  /** Takes a parcel in: stored here at once and queued for the server. */
  intakePackage: (pkg: NewPackage) => call<PackageView>("intake_package", { package: pkg }),
  /** Corrects a parcel on the shelf, or assigns its recipient (bulk intake). */
  editPackage: (edit: PackageEdit) => call<null>("edit_package", { edit }),
  /** Moves parcels along their lifecycle, all or none (a pickup of a unit's parcels). */
  transitionPackages: (moves: PackageTransition[]) => call<null>("transition_packages", { moves }),
  /** What a scan or typed text is: one of our label codes, or a tracking number. */
  lookupScan: (text: string) => call<ScanLookup>("lookup_scan", { text }),
  /** The shelf of the last parcel taken in at this desk. */
  lastShelf: () => call<string | null>("last_shelf"),
  listCarriers: () => call<CarrierOption[]>("list_carriers"),
  scannerSettings: () => call<ScannerSettings>("scanner_settings"),
  setScannerSettings: (settings: ScannerSettings) =>
    call<ScannerSettings>("set_scanner_settings", { settings }),
  labelSettings: () => call<LabelSettings>("label_settings"),
  setLabelSettings: (settings: LabelSettings) => call<LabelSettings>("set_label_settings", { settings }),
  /** A parcel's label as PNG bytes, as this desk's printer prints it. */
  labelPreview: (id: string) =>
    call<ArrayBuffer>("label_preview", { id, utcOffsetMinutes: utcOffsetMinutes() }),
  /** Prints (or reprints) a parcel's label; rejects with `print_failed` and the reason. */
  printLabel: (id: string) => call<null>("print_label", { id, utcOffsetMinutes: utcOffsetMinutes() }),
  /** Prints a test label with these settings (saved or not). */
  testPrint: (settings: LabelSettings) =>
    call<null>("test_print", { settings, utcOffsetMinutes: utcOffsetMinutes() }),

  /** The cameras connected now (empty: no camera found). */
  listCameras: () => call<CameraDevice[]>("list_cameras"),
  cameraSettings: () => call<CameraSettings>("camera_settings"),
  setCameraSettings: (settings: CameraSettings) => call<CameraSettings>("set_camera_settings", { settings }),
  /** Starts the camera preview; its binary messages (see features/scanner/previewMessage.ts)
   *  arrive at `onMessage` until it is stopped. */
  startCameraPreview: (onMessage: (data: ArrayBuffer) => void) => {
    const channel = new Channel<ArrayBuffer>();
    channel.onmessage = onMessage;
    return call<PreviewStart>("start_camera_preview", { channel });
  },
  /** Stops the preview and releases the camera. */
  stopCameraPreview: () => call<boolean>("stop_camera_preview"),
  /** What the preview shows now, as JPEG bytes. */
  cameraStill: () => call<ArrayBuffer>("camera_still"),
  /** Keeps what the camera shows now as a photo of the parcel: kept here, queued for the server. */
  takePackagePhoto: (packageId: string) => call<PackagePhotoView>("take_package_photo", { packageId }),
  packagePhotos: (packageId: string) => call<PackagePhotoView[]>("package_photos", { packageId }),
  /** A photo's JPEG bytes: a blob like an attachment's, fetched from the server when not here. */
  packagePhoto: (sha256: string) => call<ArrayBuffer>("get_blob", { sha256 }),

  /** Fires whenever the sync status changes. Resolves to the function that stops listening. */
  onSyncStatus: (handler: (status: SyncStatus) => void): Promise<UnlistenFn> =>
    listen<SyncStatus>("sync-status", (event) => handler(event.payload)),
  /** Fires after a pull changed the local directory: refresh what is on screen. */
  onDirectoryChanged: (handler: () => void): Promise<UnlistenFn> =>
    listen<null>("directory-changed", () => handler()),
  /** Fires after instructions changed here or from a pull: refresh the visible ones. */
  onInstructionsChanged: (handler: () => void): Promise<UnlistenFn> =>
    listen<null>("instructions-changed", () => handler()),
  /** Fires after parcels changed here or from the server: refresh the visible ones. */
  onPackagesChanged: (handler: () => void): Promise<UnlistenFn> =>
    listen<null>("packages-changed", () => handler()),
  /** Fires when the queue of writes changed (queued, sent, refused, dismissed). */
  onOutboxChanged: (handler: () => void): Promise<UnlistenFn> =>
    listen<null>("outbox-changed", () => handler()),
};

export type Desk = typeof desk;
