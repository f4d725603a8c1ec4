// One message of a thread: own messages on the right with their state, others' on the
// left with their sender; system messages as a line of their own.
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { RotateCcw, Trash2 } from "lucide-react";
import type { ReactionKind } from "@/bindings/ReactionKind";
import type { SystemEvent } from "@/bindings/SystemEvent";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatTime } from "@/lib/format";
import { cn } from "@/lib/utils";
import { LinkifiedText } from "./LinkifiedText";
import { MessageAttachments } from "./MessageAttachments";
import { MessageStatus } from "./MessageStatus";
import { bubbleState, participantName, readByNames } from "./messageState";
import type { MessageView } from "@/bindings/MessageView";
import type { ParticipantView } from "@/bindings/ParticipantView";
import { Reactions } from "./Reactions";

export interface MessageBubbleProps {
  message: MessageView;
  participants: readonly ParticipantView[];
  /** A group conversation: who read an own message is shown. */
  group: boolean;
  onRetry: (id: string) => void;
  onDelete: (id: string) => void;
  onReact: (id: string, reaction: ReactionKind, active: boolean) => void;
}

function systemText(event: SystemEvent, participants: readonly ParticipantView[], t: TFunction): string {
  const name = (id: string) => participantName(participants.find((p) => p.staff_id === id), t);
  switch (event.event) {
    case "created":
      return t("messages.system.created", { name: name(event.by) });
    case "added":
      return t("messages.system.added", { name: name(event.by), names: event.staff_ids.map(name).join(", ") });
    case "left":
      return t("messages.system.left", { name: name(event.staff_id) });
    case "renamed":
      return event.title
        ? t("messages.system.renamed", { name: name(event.by), title: event.title })
        : t("messages.system.untitled", { name: name(event.by) });
  }
}

export function MessageBubble({ message, participants, group, onRetry, onDelete, onReact }: MessageBubbleProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const state = bubbleState(message);
  const common = {
    "data-testid": "message",
    "data-state": state,
    "data-message-id": message.id,
    "data-own": message.own,
  };

  if (message.kind === "system" && message.system) {
    return (
      <li {...common} className="py-1 text-center text-xs text-muted-foreground">
        {systemText(message.system, participants, t)} · {formatTime(message.sent_at_ms, lang)}
      </li>
    );
  }

  const sender = message.own ? t("messages.you") : (message.sender_name ?? t("messages.unknownStaff"));
  const readBy = group && message.own ? readByNames(message, participants, t) : [];
  const failed = message.own && message.state === "failed";

  return (
    <li {...common} className={cn("flex flex-col gap-1 py-1", message.own ? "items-end" : "items-start")}>
      <div
        className={cn(
          "max-w-[75%] rounded-lg border px-3 py-2 text-sm shadow-xs",
          message.own ? "border-primary/20 bg-primary/10" : "border-border bg-card",
          failed && "border-destructive/40 bg-destructive/5",
        )}
      >
        <p className="mb-0.5 flex items-baseline gap-2 text-xs text-muted-foreground">
          <span className="font-medium text-foreground" data-testid="message-sender">
            {sender}
          </span>
          <time dateTime={new Date(message.sent_at_ms).toISOString()} title={formatDateTime(message.sent_at_ms, lang)}>
            {formatTime(message.sent_at_ms, lang)}
          </time>
          {message.edited_at_ms !== null && !message.deleted && <span>{t("messages.edited")}</span>}
        </p>
        {message.deleted ? (
          <p className="italic text-muted-foreground">{t("messages.deleted")}</p>
        ) : (
          <>
            {message.text && (
              <p className="break-words whitespace-pre-wrap" data-testid="message-text">
                <LinkifiedText text={message.text} />
              </p>
            )}
            {message.attachments.length > 0 && (
              <div className="mt-1.5">
                <MessageAttachments attachments={message.attachments} />
              </div>
            )}
          </>
        )}
      </div>
      <div className={cn("flex items-center gap-2 text-xs text-muted-foreground", message.own && "flex-row-reverse")}>
        {message.own && message.state && <MessageStatus state={message.state} />}
        {!message.deleted && message.no !== null && (
          <Reactions
            reactions={message.reactions}
            participants={participants}
            onToggle={(reaction, active) => onReact(message.id, reaction, active)}
          />
        )}
        {readBy.length > 0 && (
          <span data-testid="message-read-by">{t("messages.readBy", { names: readBy.join(", ") })}</span>
        )}
      </div>
      {failed && (
        <div className="flex items-center gap-2 text-xs text-destructive" role="alert" data-testid="message-failure">
          <span>{message.failure ? t("messages.failedBecause", { reason: message.failure }) : t("messages.failed")}</span>
          <Button size="sm" variant="outline" data-testid="message-retry" onClick={() => onRetry(message.id)}>
            <RotateCcw aria-hidden="true" />
            {t("messages.retry")}
          </Button>
          <Button size="sm" variant="ghost" data-testid="message-delete" onClick={() => onDelete(message.id)}>
            <Trash2 aria-hidden="true" />
            {t("messages.discard")}
          </Button>
        </div>
      )}
    </li>
  );
}
