import { screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderSignedInApp } from "@/test/render";
import { LUC } from "@/test/messaging";
import { tauriMock } from "@/test/tauri";
import { resetNotificationPermission } from "./attention";
import type { MessageAlert } from "@/bindings/MessageAlert";

const alert: MessageAlert = {
  conversation_id: "c-1",
  message_id: "m-1",
  sender_id: LUC,
  sender_name: "Luc Gagnon",
  conversation_title: null,
  preview: "Parcel for 804 is fragile",
};

beforeEach(() => resetNotificationPermission());

/** The app subscribes to desk events asynchronously: one emitted before that reaches no one. */
async function subscribed(event: string) {
  await waitFor(() => expect(tauriMock.listenerCount(event)).toBeGreaterThan(0));
}
afterEach(() => vi.restoreAllMocks());

describe("unread badge", () => {
  it("shows the desk's unread total on the Messages button and the tray, live", async () => {
    let total = 3;
    await renderSignedInApp();
    tauriMock.on("unread_total", () => total);
    await subscribed("messages-changed");
    tauriMock.emit("messages-changed", null);
    const badge = await screen.findByTestId("nav-badge-messages");
    expect(badge).toHaveTextContent("3");
    expect(badge).toHaveAccessibleName("3 unread messages");
    await waitFor(() => expect(tauriMock.callsOf("set_unread_count").at(-1)).toEqual({ count: 3 }));

    total = 0;
    await subscribed("messages-changed");
    tauriMock.emit("messages-changed", null);
    await waitFor(() => expect(screen.queryByTestId("nav-badge-messages")).not.toBeInTheDocument());
    await waitFor(() => expect(tauriMock.callsOf("set_unread_count").at(-1)).toEqual({ count: 0 }));
  });

  it("clears the tray's count on sign-out", async () => {
    const { user } = await renderSignedInApp();
    tauriMock.on("unread_total", 4);
    await subscribed("messages-changed");
    tauriMock.emit("messages-changed", null);
    await waitFor(() => expect(tauriMock.callsOf("set_unread_count").at(-1)).toEqual({ count: 4 }));
    await user.keyboard("{Alt>}7{/Alt}");
    await user.click(await screen.findByTestId("sign-out"));
    await screen.findByTestId("sign-in-submit");
    expect(tauriMock.callsOf("set_unread_count").at(-1)).toEqual({ count: 0 });
  });

  it("keeps the app working when the tray cannot show the count", async () => {
    await renderSignedInApp();
    tauriMock.fail("set_unread_count", "internal", "no tray");
    tauriMock.on("unread_total", 1);
    await subscribed("messages-changed");
    tauriMock.emit("messages-changed", null);
    expect(await screen.findByTestId("nav-badge-messages")).toHaveTextContent("1");
  });
});

describe("desktop notifications", () => {
  it("notifies a new message while the window is not focused", async () => {
    vi.spyOn(document, "hasFocus").mockReturnValue(false);
    await renderSignedInApp();
    await subscribed("message-received");
    tauriMock.emit("message-received", alert);
    await waitFor(() =>
      expect(tauriMock.notification.sendNotification).toHaveBeenCalledWith({
        title: "Luc Gagnon",
        body: "Parcel for 804 is fragile",
      }),
    );
    tauriMock.emit("message-received", { ...alert, message_id: "m-2", conversation_title: "Night shift", preview: "" });
    await waitFor(() =>
      expect(tauriMock.notification.sendNotification).toHaveBeenLastCalledWith({
        title: "Luc Gagnon in Night shift",
        body: "Sent an attachment",
      }),
    );
  });

  it("stays quiet while staff are looking at the window", async () => {
    vi.spyOn(document, "hasFocus").mockReturnValue(true);
    await renderSignedInApp();
    await subscribed("message-received");
    tauriMock.emit("message-received", alert);
    await new Promise((r) => setTimeout(r, 0));
    expect(tauriMock.notification.sendNotification).not.toHaveBeenCalled();
  });

  it("asks for the permission once, and respects a refusal", async () => {
    vi.spyOn(document, "hasFocus").mockReturnValue(false);
    tauriMock.notification.isPermissionGranted.mockResolvedValue(false);
    tauriMock.notification.requestPermission.mockResolvedValue("denied");
    await renderSignedInApp();
    await subscribed("message-received");
    tauriMock.emit("message-received", alert);
    await waitFor(() => expect(tauriMock.notification.requestPermission).toHaveBeenCalledTimes(1));
    tauriMock.emit("message-received", { ...alert, message_id: "m-2" });
    await new Promise((r) => setTimeout(r, 0));
    expect(tauriMock.notification.requestPermission).toHaveBeenCalledTimes(1);
    expect(tauriMock.notification.sendNotification).not.toHaveBeenCalled();
  });
});
