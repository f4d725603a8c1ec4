import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import i18n from "@/i18n";
import { tauriMock } from "./tauri";

// The real Tauri IPC cannot exist in jsdom: route invoke/listen to the mock.
vi.mock("@tauri-apps/api/core", async () => {
  const { tauriMock } = await import("./tauri");
  // A channel is handed to the command; tests call its onmessage to play the Rust side.
  class Channel {
    onmessage: (message: unknown) => void = () => {};
  }
  return {
    invoke: (cmd: string, args?: Record<string, unknown>, options?: { headers?: Record<string, string> }) =>
      tauriMock.invoke(cmd, args, options),
    Channel,
  };
});
vi.mock("@tauri-apps/api/event", async () => {
  const { tauriMock } = await import("./tauri");
  return {
    listen: (event: string, cb: Parameters<typeof tauriMock.listen>[1]) => tauriMock.listen(event, cb),
  };
});

// The plugins reach the OS: record what the UI asks of them instead.
vi.mock("@tauri-apps/plugin-opener", async () => {
  const { tauriMock } = await import("./tauri");
  return { openUrl: (url: string) => tauriMock.openUrl(url) };
});
vi.mock("@tauri-apps/plugin-notification", async () => {
  const { tauriMock } = await import("./tauri");
  return {
    isPermissionGranted: () => tauriMock.notification.isPermissionGranted(),
    requestPermission: () => tauriMock.notification.requestPermission(),
    sendNotification: (options: unknown) => tauriMock.notification.sendNotification(options),
  };
});

afterEach(async () => {
  cleanup();
  tauriMock.reset();
  vi.useRealTimers();
  await i18n.changeLanguage("en");
});
