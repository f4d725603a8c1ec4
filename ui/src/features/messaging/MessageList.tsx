// The scrolling part of a thread: days apart, the "new messages" line where staff stopped
// reading, and the scroll rules: follow new messages while at the bottom; scrolled up,
// count them on a button instead; near the top, ask for older ones and stay in place.
import { Fragment, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ArrowDown } from "lucide-react";
import type { ReactionKind } from "@/bindings/ReactionKind";
import { Spinner } from "@/components/ui/spinner";
import { useNow } from "@/hooks/useNow";
import { calendarDaysAgo } from "@/lib/format";
import { DateSeparator } from "./DateSeparator";
import { MessageBubble } from "./MessageBubble";
import type { MessageView } from "@/bindings/MessageView";
import type { ParticipantView } from "@/bindings/ParticipantView";

/** Closer than this to an edge counts as being at it. */
const EDGE_PX = 48;

export interface MessageListProps {
  messages: readonly MessageView[];
  participants: readonly ParticipantView[];
  group: boolean;
  /** This staff member's read watermark when the thread opened: the "new messages" line goes after it. */
  readThroughAtOpen: number;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onRetry: (id: string) => void;
  onDelete: (id: string) => void;
  onReact: (id: string, reaction: ReactionKind, active: boolean) => void;
  /** Whether the bottom of the thread is in view (read receipts wait for it). */
  onAtBottomChange?: (atBottom: boolean) => void;
}

interface Seen {
  firstId: string | undefined;
  lastId: string | undefined;
  scrollHeight: number;
  scrollTop: number;
}

export function MessageList(props: MessageListProps) {
  const { messages, participants, group, readThroughAtOpen, hasOlder, loadingOlder, onLoadOlder } = props;
  const { t } = useTranslation();
  const now = useNow(60_000);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const seen = useRef<Seen | null>(null);
  const [unseen, setUnseen] = useState(0);
  const onAtBottomChange = useRef(props.onAtBottomChange);
  onAtBottomChange.current = props.onAtBottomChange;

  const firstId = messages[0]?.id;
  const lastId = messages[messages.length - 1]?.id;

  const toBottom = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setUnseen(0);
    onAtBottomChange.current?.(true);
  };

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = seen.current;
    if (before === null || before.lastId === undefined) {
      el.scrollTop = el.scrollHeight;
    } else if (before.lastId === lastId && before.firstId !== firstId) {
      // Older messages came in above: what was on screen stays where it was.
      el.scrollTop = el.scrollHeight - before.scrollHeight + before.scrollTop;
    } else if (before.lastId !== lastId) {
      const at = messages.findIndex((m) => m.id === before.lastId);
      const added = at < 0 ? messages.slice(-1) : messages.slice(at + 1);
      const mine = added.some((m) => m.own);
      if (atBottom.current || mine) toBottom();
      else setUnseen((n) => n + added.filter((m) => !m.own).length);
    }
    seen.current = { firstId, lastId, scrollHeight: el.scrollHeight, scrollTop: el.scrollTop };
  }, [firstId, lastId, messages]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight <= EDGE_PX;
    if (bottom !== atBottom.current) onAtBottomChange.current?.(bottom);
    atBottom.current = bottom;
    if (bottom) setUnseen(0);
    if (el.scrollTop <= EDGE_PX && hasOlder && !loadingOlder) onLoadOlder();
    seen.current = { firstId, lastId, scrollHeight: el.scrollHeight, scrollTop: el.scrollTop };
  };

  // A short thread with more held above cannot be scrolled: ask for more at once.
  useEffect(() => {
    const el = scroller.current;
    if (el && hasOlder && !loadingOlder && el.scrollHeight > 0 && el.scrollHeight <= el.clientHeight) onLoadOlder();
  }, [hasOlder, loadingOlder, onLoadOlder, messages.length]);

  const firstUnread = messages.find((m) => !m.own && m.no !== null && m.no > readThroughAtOpen)?.id;

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scroller}
        onScroll={onScroll}
        data-testid="message-scroller"
        className="h-full overflow-y-auto px-4 py-2"
        tabIndex={0}
        aria-label={t("messages.thread.label")}
      >
        {loadingOlder && (
          <p className="flex items-center justify-center gap-2 py-2 text-xs text-muted-foreground" role="status">
            <Spinner className="size-3.5" />
            {t("messages.thread.loadingOlder")}
          </p>
        )}
        {!hasOlder && messages.length > 0 && (
          <p className="py-2 text-center text-xs text-muted-foreground" data-testid="thread-start">
            {t("messages.thread.start")}
          </p>
        )}
        <ol className="flex flex-col" aria-live="polite" aria-relevant="additions">
          {messages.map((m, i) => {
            const prev = messages[i - 1];
            const newDay = !prev || calendarDaysAgo(prev.sent_at_ms, m.sent_at_ms) !== 0;
            return (
              <Fragment key={m.id}>
                {newDay && <DateSeparator ms={m.sent_at_ms} nowMs={now} />}
                {m.id === firstUnread && (
                  <li data-testid="unread-divider" className="flex items-center gap-3 py-2 text-xs font-medium text-primary">
                    <span aria-hidden="true" className="h-px flex-1 bg-primary/40" />
                    {t("messages.thread.newSince")}
                    <span aria-hidden="true" className="h-px flex-1 bg-primary/40" />
                  </li>
                )}
                <MessageBubble
                  message={m}
                  participants={participants}
                  group={group}
                  onRetry={props.onRetry}
                  onDelete={props.onDelete}
                  onReact={props.onReact}
                />
              </Fragment>
            );
          })}
        </ol>
      </div>
      {unseen > 0 && (
        <button
          type="button"
          data-testid="new-messages-button"
          data-count={unseen}
          onClick={toBottom}
          className="absolute bottom-3 left-1/2 flex -translate-x-1/2 items-center gap-1.5 rounded-full bg-primary px-3 py-1.5 text-xs font-medium text-primary-foreground shadow-md outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          <ArrowDown aria-hidden="true" className="size-3.5" />
          {t("messages.thread.newMessages", { count: unseen })}
        </button>
      )}
    </div>
  );
}
