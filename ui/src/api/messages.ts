// Staff messaging: the desk commands and events of the Messages screen, the unread badge
// and desktop notifications. Same rules as desk.ts: every call goes through here.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { openUrl } from "@tauri-apps/plugin-opener";
import type { Attachment } from "@/bindings/Attachment";
import type { ReactionKind } from "@/bindings/ReactionKind";
import type { ConversationDetail } from "@/bindings/ConversationDetail";
import type { ConversationQuery } from "@/bindings/ConversationQuery";
import type { ConversationSummary } from "@/bindings/ConversationSummary";
import type { MessageAlert } from "@/bindings/MessageAlert";
import type { MessageLimits } from "@/bindings/MessageLimits";
import type { MessagePage } from "@/bindings/MessagePage";
import type { StaffOption } from "@/bindings/StaffOption";
import { call, toDeskError } from "./desk";

/** The header that carries an attached file's name next to its raw bytes. */
export const ATTACHMENT_NAME_HEADER = "x-attachment-name";

export const messages = {
  /** Conversations matching the query, latest activity first. */
  listConversations: (query: ConversationQuery) => call<ConversationSummary[]>("list_conversations", { query }),
  /** One conversation: header, participants, this staff member's read watermark and draft. */
  getConversation: (id: string) => call<ConversationDetail>("get_conversation", { id }),
  /** A page of a thread, oldest first: the `limit` messages before `beforeNo` (the latest when null). */
  listMessages: (conversationId: string, beforeNo: number | null, limit: number) =>
    call<MessagePage>("list_messages", { conversationId, beforeNo, limit }),
  /** Messages from others not yet read, over every conversation. */
  unreadTotal: () => call<number>("unread_total"),
  /** Everyone one may start a conversation with, by name. */
  staffDirectory: () => call<StaffOption[]>("staff_directory"),
  /** Opens a conversation with these others (one and no title: their direct one, reused). Resolves to its id. */
  startConversation: (participantIds: string[], title: string | null) =>
    call<string>("start_conversation", { participantIds, title }),
  /** Queues a message (its draft goes with it). Resolves to the message id. */
  sendMessage: (conversationId: string, text: string, attachments: Attachment[]) =>
    call<string>("send_message", { conversationId, text, attachments }),
  /** Sends a refused message again. */
  retryMessage: (id: string) => call<null>("retry_message", { id }),
  /** Drops a refused message (the server never had it). */
  discardFailedMessage: (id: string) => call<null>("discard_failed_message", { id }),
  setReaction: (messageId: string, reaction: ReactionKind, active: boolean) =>
    call<null>("set_reaction", { messageId, reaction, active }),
  /** Everything held of the conversation is read here (queues nothing when it already is). */
  markRead: (conversationId: string) => call<null>("mark_conversation_read", { conversationId }),
  setImportant: (conversationId: string, important: boolean) =>
    call<null>("set_conversation_important", { conversationId, important }),
  /** Keeps the composer's text for the conversation (empty removes it). */
  saveDraft: (conversationId: string, text: string) => call<null>("save_draft", { conversationId, text }),
  /** Stores a file for a message; the desk checks its type by content. Sent as raw bytes. */
  attachFile: async (bytes: Uint8Array, name: string): Promise<Attachment> => {
    try {
      return await invoke<Attachment>("attach_file", bytes, {
        headers: { [ATTACHMENT_NAME_HEADER]: encodeURIComponent(name) },
      });
    } catch (err) {
      throw toDeskError(err);
    }
  },
  /** An attachment's bytes, from this desk's store (fetched from the server when missing). */
  blob: (sha256: string) => call<ArrayBuffer>("get_blob", { sha256 }),
  /** Text and attachment limits, as the protocol defines them. */
  limits: () => call<MessageLimits>("message_limits"),
  /** Shows the unread total on the tray icon and the window badge. */
  setUnreadCount: (count: number) => call<null>("set_unread_count", { count }),
  /** Opens a link from a message in the system browser. */
  openLink: (url: string) => openUrl(url),

  /** Fires after conversations or messages changed here or from the server. */
  onMessagesChanged: (handler: () => void): Promise<UnlistenFn> =>
    listen<null>("messages-changed", () => handler()),
  /** Fires once for each new message from someone else (what a notification shows). */
  onMessageAlert: (handler: (alert: MessageAlert) => void): Promise<UnlistenFn> =>
    listen<MessageAlert>("message-received", (event) => handler(event.payload)),
};

export type Messages = typeof messages;
