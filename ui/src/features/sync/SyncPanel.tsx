// The Sync panel: the writes made at this desk that the server has not accepted yet —
// queued ones (with their attempts and last error) and refused ones (with the reason, to
// read and dismiss) — and when the desk last had to reload the building from the server
// (a full resync), or that syncing stopped because even that was refused. Opened from
// the status bar, Alt+S, or Settings.
import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { AlertCircle, AlertTriangle, CheckCircle2, CloudUpload, History, RefreshCw, X } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { MutationBody } from "@/bindings/MutationBody";
import type { OutboxItem } from "@/bindings/OutboxItem";
import type { SyncStatus } from "@/bindings/SyncStatus";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";

function targetText(t: TFunction, target: InstructionTarget): string {
  return target.type === "unit"
    ? t("sync.targetUnit", { id: target.id })
    : t("sync.targetResident", { id: target.id });
}

function flat(text: string, max = 120): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** What a queued write does, in words. */
export function describeMutation(t: TFunction, body: MutationBody): string {
  switch (body.kind) {
    case "instruction_save":
      return t("sync.instructionSave", { target: targetText(t, body.payload.target), text: flat(body.payload.text) });
    case "instruction_delete":
      return t("sync.instructionDelete", { id: body.payload.id });
    case "package_intake":
      return t("sync.packageIntake", {
        code: body.payload.code,
        tracking: body.payload.tracking_number ?? "—",
      });
    case "package_edit":
      return t("sync.packageEdit", { id: body.payload.id });
    case "package_transition":
      return t("sync.packageTransition", {
        id: body.payload.id,
        status: t(`sync.packageStatus.${body.payload.to}`),
      });
    case "package_photo_add":
      return t("sync.packagePhotoAdd", { id: body.payload.id });
    case "conversation_create":
      return t("sync.conversationCreate", { title: body.payload.title ?? "—" });
    case "conversation_add":
      return t("sync.conversationAdd", { count: body.payload.staff_ids.length });
    case "conversation_leave":
      return t("sync.conversationLeave");
    case "message_send":
      return t("sync.messageSend", { text: flat(body.payload.text) });
    case "message_edit":
      return t("sync.messageEdit", { text: flat(body.payload.text) });
    case "message_delete":
      return t("sync.messageDelete");
    case "reaction_set":
      return t(body.payload.active ? "sync.reactionAdd" : "sync.reactionRemove");
    case "receipt_mark":
      return t("sync.receiptMark");
    case "conversation_pref_set":
      return t(body.payload.important ? "sync.conversationImportant" : "sync.conversationNotImportant");
  }
}

export interface SyncPanelProps {
  onClose: () => void;
  /** The sync status, for the full-resync notes; none shown without it. */
  status?: SyncStatus;
  onStatus?: (status: SyncStatus) => void;
  /** Who is signed in: a change someone else queued here says whose it is (it waits
   * for them to sign in at this desk again). */
  currentStaffId?: string;
}

export function SyncPanel({ onClose, status, onStatus, currentStaffId }: SyncPanelProps) {
  const { t } = useTranslation();
  const [dismissError, setDismissError] = useState<DeskError | null>(null);
  const [dismissing, setDismissing] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  const query = useDeskQuery(() => desk.listOutbox(), []);
  const items: OutboxItem[] | null = query.data ?? null;
  const loadError = query.error;
  const refresh = query.refresh;
  useDeskEvent(desk.onOutboxChanged, refresh);
  useDeskEvent(desk.onSyncStatus, refresh);

  const dismiss = async (mutationId: string) => {
    setDismissing(mutationId);
    setDismissError(null);
    try {
      await desk.dismissRejected(mutationId);
      heading.current?.focus();
      refresh();
    } catch (err) {
      setDismissError(err as DeskError);
    } finally {
      setDismissing(null);
    }
  };

  const rejected = items?.filter((i) => i.state === "rejected") ?? [];
  const waiting = items?.filter((i) => i.state !== "rejected") ?? [];

  return (
    <Dialog
      onClose={onClose}
      initialFocus={heading}
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      data-testid="sync-panel"
      onKeyDown={(e) => {
        // Alt+S again closes it.
        if (e.altKey && !e.ctrlKey && !e.metaKey && (e.code === "KeyS" || e.key.toLowerCase() === "s")) {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <div className="flex items-start gap-3 border-b border-border px-5 py-3">
        <div className="min-w-0 flex-1">
          <h2 id={titleId} ref={heading} tabIndex={-1} className="text-base font-semibold tracking-tight outline-none">
            {t("sync.title")}
          </h2>
          <p id={descriptionId} className="text-sm text-muted-foreground">
            {t("sync.description")}
          </p>
        </div>
        <Button variant="ghost" size="sm" onClick={onClose} data-testid="sync-panel-close" aria-keyshortcuts="Escape">
          <X aria-hidden="true" />
          {t("sync.close")}
          <Kbd aria-hidden="true">Esc</Kbd>
        </Button>
      </div>
      <div className="min-h-0 flex-1 space-y-4 overflow-y-auto px-5 py-4">
        {status && <ResyncNotes status={status} onStatus={onStatus} />}
        {loadError && (
          <Alert variant="destructive" role="alert" data-testid="sync-panel-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              <p className="font-medium">{t("sync.loadFailed")}</p>
              <p>{describeError(t, loadError).text}</p>
            </div>
            <Button size="sm" variant="outline" onClick={refresh}>
              {t("app.retry")}
            </Button>
          </Alert>
        )}
        {dismissError && (
          <Alert variant="destructive" role="alert" data-testid="sync-dismiss-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              <p className="font-medium">{t("sync.dismissFailed")}</p>
              <p>{describeError(t, dismissError).text}</p>
              {describeError(t, dismissError).details && (
                <p className="text-xs">{describeError(t, dismissError).details}</p>
              )}
            </div>
          </Alert>
        )}
        {items === null && !loadError && (
          <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status">
            <Spinner className="size-3.5" />
            {t("sync.loading")}
          </p>
        )}
        {items !== null && items.length === 0 && (
          <div className="flex flex-col items-center gap-1 py-6 text-center" data-testid="sync-empty">
            <CheckCircle2 aria-hidden="true" className="size-8 text-success" />
            <p className="font-medium">{t("sync.empty")}</p>
            <p className="text-sm text-muted-foreground">{t("sync.emptyHint")}</p>
          </div>
        )}
        {rejected.length > 0 && (
          <section aria-labelledby={`${titleId}-rejected`} className="space-y-2">
            <h3 id={`${titleId}-rejected`} className="flex items-center gap-2 text-sm font-semibold text-destructive">
              <AlertTriangle aria-hidden="true" className="size-4" />
              {t("sync.rejectedTitle")}
            </h3>
            <ul className="space-y-2">
              {rejected.map((item) => (
                <OutboxRow
                  key={item.mutation.id}
                  item={item}
                  currentStaffId={currentStaffId}
                  dismissing={dismissing === item.mutation.id}
                  onDismiss={() => void dismiss(item.mutation.id)}
                />
              ))}
            </ul>
          </section>
        )}
        {waiting.length > 0 && (
          <section aria-labelledby={`${titleId}-pending`} className="space-y-2">
            <h3 id={`${titleId}-pending`} className="flex items-center gap-2 text-sm font-semibold">
              <CloudUpload aria-hidden="true" className="size-4 text-muted-foreground" />
              {t("sync.pendingTitle")}
            </h3>
            <ul className="space-y-2">
              {waiting.map((item) => (
                <OutboxRow
                  key={item.mutation.id}
                  item={item}
                  currentStaffId={currentStaffId}
                  dismissing={false}
                  onDismiss={() => {}}
                />
              ))}
            </ul>
          </section>
        )}
      </div>
    </Dialog>
  );
}

/** Syncing stopped after a refused reload (with a retry), or when the last reload was. */
function ResyncNotes({ status, onStatus }: { status: SyncStatus; onStatus?: (status: SyncStatus) => void }) {
  const { t, i18n } = useTranslation();
  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState<DeskError | null>(null);
  const retry = async () => {
    setRetrying(true);
    setRetryError(null);
    try {
      const next = await desk.syncNow();
      onStatus?.(next);
    } catch (err) {
      setRetryError(err as DeskError);
    } finally {
      setRetrying(false);
    }
  };
  return (
    <>
      {status.connection.state === "resync_failed" && (
        <Alert variant="destructive" role="alert" data-testid="sync-resync-failed">
          <AlertCircle aria-hidden="true" />
          <div className="flex-1 space-y-0.5">
            <p className="font-medium">{t("sync.resyncFailedTitle")}</p>
            <p>{t("status.resyncFailedHelp")}</p>
            {retryError && <p>{t("status.syncFailed", { reason: describeError(t, retryError).text })}</p>}
          </div>
          <Button size="sm" variant="outline" onClick={() => void retry()} disabled={retrying} data-testid="sync-resync-retry">
            {retrying ? <Spinner className="size-3.5" /> : <RefreshCw aria-hidden="true" />}
            {t("status.syncNow")}
          </Button>
        </Alert>
      )}
      {status.last_full_resync_ms !== null && (
        <div className="flex items-start gap-2 text-sm text-muted-foreground" data-testid="sync-reloaded">
          <History aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
          <div>
            <p className="font-medium text-foreground">
              {t("sync.reloaded", { when: formatDateTime(status.last_full_resync_ms, i18n.language) })}
            </p>
            <p>{t("sync.reloadedHelp")}</p>
          </div>
        </div>
      )}
    </>
  );
}

function OutboxRow({
  item,
  currentStaffId,
  dismissing,
  onDismiss,
}: {
  item: OutboxItem;
  currentStaffId?: string;
  dismissing: boolean;
  onDismiss: () => void;
}) {
  const { t, i18n } = useTranslation();
  const made = formatDateTime(item.mutation.client_time_ms, i18n.language);
  const isRejected = item.state === "rejected";
  const stateLabel =
    item.state === "rejected" ? t("sync.stateRejected") : item.state === "acked" ? t("sync.stateAcked") : t("sync.statePending");

  return (
    <li
      data-testid="outbox-item"
      data-state={item.state}
      data-mutation-id={item.mutation.id}
      data-kind={item.mutation.body.kind}
      className="space-y-1.5 rounded-md border border-border px-3 py-2"
    >
      <div className="flex items-start gap-2">
        <p className="min-w-0 flex-1 text-sm break-words" data-testid="outbox-description">
          {describeMutation(t, item.mutation.body)}
        </p>
        <Badge variant={isRejected ? "destructive" : "warning"}>{stateLabel}</Badge>
      </div>
      <p className="text-xs text-muted-foreground">{t("sync.madeAt", { when: made })}</p>
      {item.queued_by !== null && currentStaffId !== undefined && item.queued_by !== currentStaffId && (
        <p className="text-xs text-muted-foreground" data-testid="outbox-queued-by">
          {item.state === "pending"
            ? t("sync.queuedByOtherWaiting", { name: item.queued_by_name ?? item.queued_by })
            : t("sync.queuedByOther", { name: item.queued_by_name ?? item.queued_by })}
        </p>
      )}
      {item.state === "pending" && (
        <p className="text-xs text-muted-foreground" data-testid="outbox-attempts">
          {t("sync.attempts", { count: item.attempts })}
          {item.last_error && (
            <>
              {" · "}
              <span className="text-destructive">{t("sync.lastError", { error: item.last_error })}</span>
            </>
          )}
        </p>
      )}
      {isRejected && (
        <Alert variant="destructive" data-testid="outbox-reason">
          <AlertCircle aria-hidden="true" />
          <div className="flex-1 space-y-0.5">
            {item.reject_code && <p className="font-medium">{t(`sync.rejectCodes.${item.reject_code}`)}</p>}
            {item.reject_reason && <p className="break-words">{t("sync.rejectReason", { reason: item.reject_reason })}</p>}
          </div>
          <Button
            size="sm"
            variant="outline"
            onClick={onDismiss}
            disabled={dismissing}
            title={t("sync.dismissHelp")}
            data-testid="outbox-dismiss"
          >
            {dismissing && <Spinner className="size-3.5" />}
            {t("sync.dismiss")}
          </Button>
        </Alert>
      )}
    </li>
  );
}
