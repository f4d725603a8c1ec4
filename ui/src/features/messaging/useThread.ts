// A thread's messages, live: the latest ones are asked again after every change (their
// states, reactions and receipts move), and older ones are added as staff scroll up.
import { useCallback, useMemo, useRef, useState } from "react";
import { messages as api } from "@/api/messages";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import type { MessageView } from "@/bindings/MessageView";

/** Messages added per scroll to the top. */
export const THREAD_PAGE = 50;
/** The most the desk gives in one page: beyond it, older pages are kept as they came. */
export const MAX_LIVE_WINDOW = 500;

export function useThread(conversationId: string) {
  const [limit, setLimit] = useState(THREAD_PAGE);
  const [older, setOlder] = useState<{ messages: MessageView[]; hasOlder: boolean } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);

  const [answeredLimit, setAnsweredLimit] = useState(0);
  const shownRecent = useRef<MessageView[]>([]);
  const latest = useDeskQuery(
    async () => ({ limit, page: await api.listMessages(conversationId, null, limit) }),
    [conversationId, limit],
    {
      onData: (answer) => {
        setAnsweredLimit(answer.limit);
        // A full window slides forward as messages come in: what slides out of it stays
        // on screen, with the older pages, rather than leaving a gap.
        const first = answer.page.messages.find((m) => m.no !== null)?.no;
        const slid =
          first == null ? [] : shownRecent.current.filter((m) => m.no !== null && m.no < first);
        shownRecent.current = answer.page.messages;
        if (slid.length > 0) {
          setOlder((o) => {
            if (!o) return o;
            const ids = new Set(o.messages.map((m) => m.id));
            return { ...o, messages: [...o.messages, ...slid.filter((m) => !ids.has(m.id))] };
          });
        }
      },
    },
  );
  useDeskEvent(api.onMessagesChanged, latest.refresh);

  const list = useMemo(() => {
    const recent = latest.data?.page.messages ?? [];
    if (!older) return recent;
    const ids = new Set(recent.map((m) => m.id));
    return [...older.messages.filter((m) => !ids.has(m.id)), ...recent];
  }, [latest.data, older]);
  const hasOlder = older ? older.hasOlder : (latest.data?.page.has_older ?? false);

  const loadOlder = useCallback(() => {
    if (!hasOlder || loadingOlder || answeredLimit !== limit) return;
    if (limit < MAX_LIVE_WINDOW) {
      setLimit((l) => Math.min(l + THREAD_PAGE, MAX_LIVE_WINDOW));
      return;
    }
    const first = list.find((m) => m.no !== null)?.no ?? null;
    if (first === null) return;
    setLoadingOlder(true);
    api.listMessages(conversationId, first, THREAD_PAGE).then(
      (page) => {
        setOlder((o) => ({ messages: [...page.messages, ...(o?.messages ?? [])], hasOlder: page.has_older }));
        setLoadingOlder(false);
      },
      (err: unknown) => {
        console.error("could not load older messages", err);
        setLoadingOlder(false);
      },
    );
  }, [answeredLimit, conversationId, hasOlder, limit, list, loadingOlder]);

  return {
    messages: list,
    hasOlder,
    loadingOlder: loadingOlder || (latest.data !== undefined && answeredLimit !== limit),
    loadOlder,
    query: latest,
  };
}
