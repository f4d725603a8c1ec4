// Attention outside the Messages screen: the unread total (nav badge, tray icon, window
// badge) and a desktop notification for each new message while the window is unattended.
import { useEffect, useRef } from "react";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
import type { TFunction } from "i18next";
import { messages } from "@/api/messages";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { isWindowAttended } from "@/hooks/useWindowFocus";
import type { MessageAlert } from "@/bindings/MessageAlert";

/** Messages from others not yet read, live; 0 until the desk answered. */
export function useUnreadTotal(): number {
  const total = useDeskQuery(() => messages.unreadTotal(), []);
  useDeskEvent(messages.onMessagesChanged, total.refresh);
  const count = total.data ?? 0;
  useEffect(() => {
    messages.setUnreadCount(count).catch((err: unknown) => console.warn("could not show the unread count", err));
  }, [count]);
  // Signed out: the tray no longer speaks for anyone.
  useEffect(
    () => () => {
      messages.setUnreadCount(0).catch(() => {});
    },
    [],
  );
  return count;
}

/** Asked once per run: staff who said no are not asked again at every message. */
let permission: Promise<boolean> | null = null;

export function resetNotificationPermission() {
  permission = null;
}

async function mayNotify(): Promise<boolean> {
  permission ??= (async () => {
    if (await isPermissionGranted()) return true;
    return (await requestPermission()) === "granted";
  })().catch((err: unknown) => {
    console.warn("desktop notifications are not available", err);
    return false;
  });
  return permission;
}

export function notificationOf(alert: MessageAlert, t: TFunction): { title: string; body: string } {
  const sender = alert.sender_name ?? t("messages.unknownStaff");
  return {
    title: alert.conversation_title ? t("messages.notification.inConversation", { sender, title: alert.conversation_title }) : sender,
    body: alert.preview || t("messages.notification.attachment"),
  };
}

/** Shows each new message from someone else as an OS notification when the window is not attended. */
export function useMessageNotifications(t: TFunction) {
  const tRef = useRef(t);
  tRef.current = t;
  useDeskEvent(messages.onMessageAlert, (alert) => {
    if (isWindowAttended()) return;
    void mayNotify().then((allowed) => {
      if (allowed) sendNotification(notificationOf(alert, tRef.current));
    });
  });
}
