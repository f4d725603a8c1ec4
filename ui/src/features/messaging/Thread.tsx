// An open conversation: its header, its messages and the composer. Messages are marked
// read while the thread is on screen in a focused window.
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, ArrowLeft, Star } from "lucide-react";
import { messages as api } from "@/api/messages";
import type { DeskError } from "@/api/desk";
import type { ReactionKind } from "@/bindings/ReactionKind";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { useWindowFocus } from "@/hooks/useWindowFocus";
import { describeError } from "@/lib/errors";
import { cn } from "@/lib/utils";
import { Composer, type ComposerHandle } from "./Composer";
import { conversationName, participantName } from "./messageState";
import { MessageList } from "./MessageList";
import { useThread } from "./useThread";

export interface ThreadProps {
  conversationId: string;
  meId: string;
  onBack: () => void;
}

export interface ThreadHandle {
  focusComposer: () => void;
}

export const Thread = forwardRef<ThreadHandle, ThreadProps>(function Thread({ conversationId, meId, onBack }, ref) {
  const { t } = useTranslation();
  const detail = useDeskQuery(() => api.getConversation(conversationId), [conversationId]);
  useDeskEvent(api.onMessagesChanged, detail.refresh);
  const thread = useThread(conversationId);
  const focused = useWindowFocus();
  const [actionError, setActionError] = useState<DeskError | null>(null);
  const composer = useRef<ComposerHandle>(null);
  useImperativeHandle(ref, () => ({ focusComposer: () => composer.current?.focus() }), []);

  // Where the "new messages" line goes: the watermark as it was when the thread opened.
  const readThroughAtOpen = useRef<number | null>(null);
  if (readThroughAtOpen.current === null && detail.data) readThroughAtOpen.current = detail.data.read_through;

  const summary = detail.data?.summary;
  const unread = summary?.unread ?? 0;
  useEffect(() => {
    if (!focused || unread === 0) return;
    api.markRead(conversationId).catch((err: unknown) => console.error("could not mark the conversation read", err));
  }, [conversationId, focused, unread, thread.query.version]);

  const act = useCallback((work: Promise<unknown>) => {
    setActionError(null);
    work.catch((err: unknown) => setActionError(err as DeskError));
  }, []);
  const onRetry = useCallback((id: string) => act(api.retryMessage(id)), [act]);
  const onDelete = useCallback((id: string) => act(api.discardFailedMessage(id)), [act]);
  const onReact = useCallback(
    (id: string, reaction: ReactionKind, active: boolean) => act(api.setReaction(id, reaction, active)),
    [act],
  );

  const error = detail.error ?? thread.query.error;
  // Gone from this desk: the server refused its creation, or this staff member was removed.
  const gone = error?.code === "not_found";
  const refreshAll = () => {
    detail.refresh();
    thread.query.refresh();
  };

  return (
    <section
      data-testid="thread"
      data-conversation-id={conversationId}
      aria-label={summary ? conversationName(summary, meId, t) : t("messages.thread.label")}
      className="flex h-full min-w-0 flex-1 flex-col"
    >
      <header className="flex items-center gap-3 border-b border-border px-4 py-3">
        <Button variant="ghost" size="icon" onClick={onBack} aria-label={t("common.back")} title={t("messages.thread.back")}>
          <ArrowLeft aria-hidden="true" />
        </Button>
        <div className="min-w-0 flex-1">
          <h2 className="truncate text-base font-semibold" data-testid="thread-title">
            {summary ? conversationName(summary, meId, t) : " "}
          </h2>
          {summary && summary.kind === "group" && (
            <p className="truncate text-xs text-muted-foreground" data-testid="thread-participants">
              {summary.participants
                .filter((p) => !p.left)
                .map((p) => (p.staff_id === meId ? t("messages.you") : participantName(p, t)))
                .join(", ")}
            </p>
          )}
        </div>
        {summary && (
          <Button
            variant="ghost"
            size="icon"
            data-testid="thread-important"
            aria-pressed={summary.important}
            aria-label={summary.important ? t("messages.unmarkImportant") : t("messages.markImportant")}
            title={summary.important ? t("messages.unmarkImportant") : t("messages.markImportant")}
            onClick={() => act(api.setImportant(conversationId, !summary.important))}
          >
            <Star aria-hidden="true" className={cn(summary.important && "fill-warning text-warning")} />
          </Button>
        )}
      </header>

      {gone ? (
        <div className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center" data-testid="thread-gone">
          <p className="text-sm text-muted-foreground">{t("messages.thread.gone")}</p>
          <Button variant="outline" onClick={onBack}>
            <ArrowLeft aria-hidden="true" />
            {t("messages.thread.backToList")}
          </Button>
        </div>
      ) : null}

      {!gone && (error || actionError) && (
        <div className="px-4 pt-3">
          <Alert variant="destructive" role="alert" data-testid="thread-error">
            <AlertCircle aria-hidden="true" />
            <p className="flex-1">
              {error ? t("messages.thread.loadFailed") : t("messages.thread.actionFailed")}{" "}
              {describeError(t, (error ?? actionError)!).text}
            </p>
            {error ? (
              <Button size="sm" variant="outline" onClick={refreshAll}>
                {t("app.retry")}
              </Button>
            ) : (
              <Button size="sm" variant="ghost" onClick={() => setActionError(null)}>
                {t("common.dismiss")}
              </Button>
            )}
          </Alert>
        </div>
      )}

      {gone ? null : thread.query.data === undefined && !thread.query.error ? (
        <p className="flex flex-1 items-center justify-center gap-2 text-sm text-muted-foreground" role="status">
          {thread.query.showSpinner && <Spinner className="size-3.5" />}
          {thread.query.showSpinner ? t("messages.thread.loading") : null}
        </p>
      ) : thread.messages.length === 0 && !thread.query.error ? (
        <p className="flex flex-1 items-center justify-center text-sm text-muted-foreground" data-testid="thread-empty">
          {t("messages.thread.empty")}
        </p>
      ) : (
        <MessageList
          messages={thread.messages}
          participants={summary?.participants ?? []}
          group={summary?.kind === "group"}
          readThroughAtOpen={readThroughAtOpen.current ?? Number.MAX_SAFE_INTEGER}
          hasOlder={thread.hasOlder}
          loadingOlder={thread.loadingOlder}
          onLoadOlder={thread.loadOlder}
          onRetry={onRetry}
          onDelete={onDelete}
          onReact={onReact}
        />
      )}

      {detail.data && !gone && (
        <Composer
          ref={composer}
          key={conversationId}
          conversationId={conversationId}
          initialDraft={detail.data.draft}
          readOnly={detail.data.summary.left}
          autoFocus
        />
      )}
    </section>
  );
});
