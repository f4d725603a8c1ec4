import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App } from "@/App";
import type { Bootstrap } from "@/bindings/Bootstrap";
import { bootstrap, detailOf, fakeSearch, messageLimits, packageReport } from "./fixtures";
import { tauriMock } from "./tauri";

/** The commands a signed-in desk answers, each overridable afterwards with tauriMock.on. */
export function mockDesk(boot: Bootstrap = bootstrap()) {
  tauriMock.on("bootstrap", boot);
  tauriMock.on("sync_status", boot.status);
  tauriMock.on("sync_now", boot.status);
  tauriMock.on("search_residents", fakeSearch);
  tauriMock.on("get_resident", (a: Record<string, unknown>) => detailOf(String(a.id)));
  tauriMock.on("set_language", null);
  tauriMock.on("sign_out", null);
  tauriMock.on("list_instructions", []);
  tauriMock.on("save_instruction", null);
  tauriMock.on("delete_instruction", null);
  tauriMock.on("list_outbox", []);
  tauriMock.on("dismiss_rejected", null);
  // user-event types with no pause at all, faster than any scanner: in the whole-app tests
  // only a burst of 64 characters counts as a scan, so typed text stays typed text.
  tauriMock.on("scanner_settings", { max_key_gap_ms: 5, min_length: 64 });
  tauriMock.on("label_settings", { printer: { kind: "none" }, size: "dymo-30334", print_on_intake: true });
  tauriMock.on("camera_settings", { camera: null, frame_source: { kind: "camera" } });
  tauriMock.on("list_cameras", []);
  tauriMock.on("last_shelf", null);
  tauriMock.on("list_carriers", []);
  tauriMock.on("list_packages", []);
  tauriMock.on("package_report", packageReport());
  tauriMock.on("unread_total", 0);
  tauriMock.on("set_unread_count", null);
  tauriMock.on("message_limits", messageLimits);
  tauriMock.on("list_conversations", []);
}

/** Render the whole app after bootstrap. Returns user-event bound to it. */
export async function renderApp(boot?: Bootstrap, options?: Parameters<typeof userEvent.setup>[0]) {
  mockDesk(boot);
  const user = userEvent.setup(options);
  const result = render(<App />);
  return { user, ...result };
}

export async function renderSignedInApp(boot?: Bootstrap, options?: Parameters<typeof userEvent.setup>[0]) {
  const r = await renderApp(boot, options);
  await screen.findByTestId("app-ready");
  return r;
}
