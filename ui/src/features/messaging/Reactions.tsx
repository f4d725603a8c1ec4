// A message's reactions (counts, who) and the small picker to add or remove one's own.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { SmilePlus } from "lucide-react";
import type { ReactionKind } from "@/bindings/ReactionKind";
import { cn } from "@/lib/utils";
import { participantName } from "./messageState";
import type { ParticipantView } from "@/bindings/ParticipantView";
import type { ReactionCount } from "@/bindings/ReactionCount";

/** The protocol's six reactions, in its order, as the UI draws them. */
export const REACTION_EMOJI: Record<ReactionKind, string> = {
  thumbs_up: "👍",
  heart: "❤️",
  laugh: "😄",
  check: "✅",
  eyes: "👀",
  pray: "🙏",
};
const KINDS = Object.keys(REACTION_EMOJI) as ReactionKind[];

export interface ReactionsProps {
  reactions: readonly ReactionCount[];
  participants: readonly ParticipantView[];
  /** Add (true) or remove (false) this staff member's reaction. */
  onToggle: (reaction: ReactionKind, active: boolean) => void;
  disabled?: boolean;
}

export function Reactions({ reactions, participants, onToggle, disabled }: ReactionsProps) {
  const { t } = useTranslation();
  const [picking, setPicking] = useState(false);
  const names = (r: ReactionCount) =>
    r.staff_ids.map((id) => participantName(participants.find((p) => p.staff_id === id), t)).join(", ");
  const mine = (kind: ReactionKind) => reactions.some((r) => r.reaction === kind && r.mine);

  return (
    <div className="flex flex-wrap items-center gap-1" data-testid="reactions">
      {reactions
        .filter((r) => r.count > 0)
        .map((r) => (
          <button
            key={r.reaction}
            type="button"
            disabled={disabled}
            data-testid={`reaction-${r.reaction}`}
            data-mine={r.mine}
            aria-pressed={r.mine}
            aria-label={t("messages.reactions.count", { reaction: t(`messages.reactions.kind.${r.reaction}`), count: r.count, names: names(r) })}
            title={names(r)}
            onClick={() => onToggle(r.reaction, !r.mine)}
            className={cn(
              "inline-flex h-6 items-center gap-1 rounded-full border px-2 text-xs outline-none focus-visible:ring-2 focus-visible:ring-ring",
              r.mine ? "border-primary/50 bg-primary/10 text-primary" : "border-border bg-background",
            )}
          >
            <span aria-hidden="true">{REACTION_EMOJI[r.reaction]}</span>
            <span className="tabular-nums">{r.count}</span>
          </button>
        ))}
      <div className="relative">
        <button
          type="button"
          disabled={disabled}
          data-testid="reaction-picker-toggle"
          aria-expanded={picking}
          aria-label={t("messages.reactions.add")}
          title={t("messages.reactions.add")}
          onClick={() => setPicking((p) => !p)}
          className="inline-flex size-6 items-center justify-center rounded-full text-muted-foreground outline-none hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring"
        >
          <SmilePlus aria-hidden="true" className="size-3.5" />
        </button>
        {picking && (
          <div
            role="group"
            aria-label={t("messages.reactions.pick")}
            data-testid="reaction-picker"
            className="absolute bottom-7 left-0 z-10 flex gap-0.5 rounded-full border border-border bg-card p-1 shadow-md"
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.stopPropagation();
                setPicking(false);
              }
            }}
          >
            {KINDS.map((kind) => (
              <button
                key={kind}
                type="button"
                data-testid={`pick-${kind}`}
                aria-pressed={mine(kind)}
                aria-label={t(`messages.reactions.kind.${kind}`)}
                title={t(`messages.reactions.kind.${kind}`)}
                onClick={() => {
                  setPicking(false);
                  onToggle(kind, !mine(kind));
                }}
                className={cn(
                  "inline-flex size-7 items-center justify-center rounded-full text-base outline-none hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring",
                  mine(kind) && "bg-primary/10",
                )}
              >
                <span aria-hidden="true">{REACTION_EMOJI[kind]}</span>
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}
