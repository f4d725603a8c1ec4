// TEMPORARY: replaced by ui/src/bindings at merge.
// Copies of the desk-core messaging view types (crates/desk-core/src/messaging/views.rs on
// branch msg-desk), field for field as serde writes them. At merge, delete this file and
// import each type from "@/bindings/<Name>" instead; `MessageLimits` is the shape of the
// `message_limits` command (src-tauri/src/message_limits.rs), which has no ts-rs binding.
import type { Attachment } from "@/bindings/Attachment";
import type { ConversationKind } from "@/bindings/ConversationKind";
import type { MessageKind } from "@/bindings/MessageKind";
import type { ParticipantRole } from "@/bindings/ParticipantRole";
import type { ReactionKind } from "@/bindings/ReactionKind";
import type { SystemEvent } from "@/bindings/SystemEvent";

export type ConversationFilter = "all" | "unread" | "important";

export type ConversationQuery = { search: string | null; filter: ConversationFilter; limit: number | null };

export type MessageState = "sending" | "sent" | "delivered" | "read" | "failed";

export type ParticipantView = {
  staff_id: string;
  name: string | null;
  role: ParticipantRole;
  left: boolean;
  delivered_through: number;
  read_through: number;
};

export type MessagePreview = {
  message_id: string;
  sender_id: string;
  sender_name: string | null;
  own: boolean;
  kind: MessageKind;
  text: string;
  deleted: boolean;
  attachments: number;
  at_ms: number;
  state: MessageState | null;
};

export type ConversationSummary = {
  id: string;
  kind: ConversationKind;
  title: string | null;
  participants: Array<ParticipantView>;
  unread: number;
  important: boolean;
  last_message: MessagePreview | null;
  last_activity_ms: number;
  pending: boolean;
  left: boolean;
  has_draft: boolean;
};

export type ReactionCount = { reaction: ReactionKind; count: number; staff_ids: Array<string>; mine: boolean };

export type MessageView = {
  id: string;
  conversation_id: string;
  no: number | null;
  kind: MessageKind;
  sender_id: string;
  sender_name: string | null;
  own: boolean;
  text: string;
  system: SystemEvent | null;
  attachments: Array<Attachment>;
  sent_at_ms: number;
  edited_at_ms: number | null;
  deleted: boolean;
  state: MessageState | null;
  failure: string | null;
  pending_change: boolean;
  reactions: Array<ReactionCount>;
  read_by: Array<string>;
};

export type MessagePage = { messages: Array<MessageView>; has_older: boolean };

export type ConversationDetail = { summary: ConversationSummary; read_through: number; draft: string | null };

export type StaffOption = { id: string; name: string; email: string };

export type MessageAlert = {
  conversation_id: string;
  message_id: string;
  sender_id: string;
  sender_name: string | null;
  conversation_title: string | null;
  preview: string;
};

export type MessageLimits = {
  max_message_chars: number;
  max_attachments_per_message: number;
  max_attachment_bytes: number;
};
