// Conversations and messages as the desk answers them, for the messaging tests.
import type { ConversationDetail } from "@/bindings/ConversationDetail";
import type { ConversationSummary } from "@/bindings/ConversationSummary";
import type { MessageView } from "@/bindings/MessageView";
import type { ParticipantView } from "@/bindings/ParticipantView";
import { signedIn } from "./fixtures";

export const ME = signedIn.staff.id;
export const LUC = "0190a0b0-0000-7000-8000-0000000000bb";
export const SOPHIE = "0190a0b0-0000-7000-8000-0000000000cc";

export function participant(staffId: string, name: string, more: Partial<ParticipantView> = {}): ParticipantView {
  return { staff_id: staffId, name, role: "member", left: false, delivered_through: 0, read_through: 0, ...more };
}

export const participants: ParticipantView[] = [
  participant(ME, "Marie Tremblay", { role: "owner" }),
  participant(LUC, "Luc Gagnon"),
  participant(SOPHIE, "Sophie Roy"),
];

export function conversation(id: string, more: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    kind: "direct",
    title: null,
    participants: participants.slice(0, 2),
    unread: 0,
    important: false,
    last_message: null,
    last_activity_ms: Date.now() - 60_000,
    pending: false,
    left: false,
    has_draft: false,
    ...more,
  };
}

export function detail(summary: ConversationSummary, more: Partial<Omit<ConversationDetail, "summary">> = {}): ConversationDetail {
  return { summary, read_through: 0, draft: null, ...more };
}

let counter = 0;

export function message(more: Partial<MessageView> = {}): MessageView {
  counter += 1;
  const own = more.own ?? false;
  return {
    id: `m-${counter}`,
    conversation_id: "c-1",
    no: counter,
    kind: "text",
    sender_id: own ? ME : LUC,
    sender_name: own ? "Marie Tremblay" : "Luc Gagnon",
    own,
    text: `message ${counter}`,
    system: null,
    attachments: [],
    sent_at_ms: Date.now() - 60_000,
    edited_at_ms: null,
    deleted: false,
    state: own ? "sent" : null,
    failure: null,
    pending_change: false,
    reactions: [],
    read_by: [],
    ...more,
  };
}
