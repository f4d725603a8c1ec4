// What an own message's state means on screen, and who is who in a conversation.
import type { TFunction } from "i18next";
import type { ConversationSummary } from "@/bindings/ConversationSummary";
import type { MessageState } from "@/bindings/MessageState";
import type { MessageView } from "@/bindings/MessageView";
import type { ParticipantView } from "@/bindings/ParticipantView";

/** The `data-state` of a bubble: an own message's state, or "received" for others'. */
export type BubbleState = MessageState | "received";

export function bubbleState(message: MessageView): BubbleState {
  return message.own && message.state ? message.state : "received";
}

/** A participant's name, or a stand-in when the local directory does not know them. */
export function participantName(p: Pick<ParticipantView, "name"> | undefined, t: TFunction): string {
  return p?.name ?? t("messages.unknownStaff");
}

/** The names of those who read an own message, for group conversations. */
export function readByNames(message: MessageView, participants: readonly ParticipantView[], t: TFunction): string[] {
  return message.read_by.map((id) => participantName(participants.find((p) => p.staff_id === id), t));
}

/** How the list and the thread's header name a conversation: its title, else the others. */
export function conversationName(c: ConversationSummary, meId: string, t: TFunction): string {
  if (c.title) return c.title;
  const others = c.participants.filter((p) => p.staff_id !== meId && !p.left);
  if (others.length === 0) return t("messages.onlyYou");
  return others.map((p) => participantName(p, t)).join(", ");
}
