import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertTriangle, CloudUpload, LogIn, RefreshCw } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { ConnectionState } from "@/bindings/ConnectionState";
import type { SyncStatus } from "@/bindings/SyncStatus";
import { Button } from "@/components/ui/button";
import { useNow } from "@/hooks/useNow";
import { describeError } from "@/lib/errors";
import { formatAgo, formatDateTime, formatTime, secondsUntil } from "@/lib/format";
import { cn } from "@/lib/utils";
import type { TFunction } from "i18next";

const DOT: Record<ConnectionState["state"], string> = {
  online: "bg-success",
  reconnecting: "bg-warning animate-pulse",
  offline: "bg-destructive",
  session_expired: "bg-warning",
  signed_out: "bg-muted-foreground",
  resync_failed: "bg-destructive",
};

export function connectionText(c: ConnectionState, now: number, lang: string, t: TFunction): string {
  switch (c.state) {
    case "online":
      return t("status.online");
    case "reconnecting": {
      const s = secondsUntil(c.next_attempt_at_ms, now);
      return s > 0 ? t("status.reconnectingIn", { seconds: s }) : t("status.reconnecting");
    }
    case "offline": {
      const s = secondsUntil(c.next_attempt_at_ms, now);
      const since = t("status.offlineSince", { time: formatTime(c.since_ms, lang) });
      const next = s > 0 ? t("status.nextAttemptIn", { seconds: s }) : t("status.tryingNow");
      return `${since} — ${next}`;
    }
    case "session_expired":
      return t("status.sessionExpired");
    case "signed_out":
      return t("status.signedOut");
    case "resync_failed":
      return t("status.resyncFailed");
  }
}

/** The short label for screen readers: changes only when the state does, not every second. */
function connectionLabel(c: ConnectionState, t: TFunction): string {
  switch (c.state) {
    case "online":
      return t("status.online");
    case "reconnecting":
      return t("status.reconnecting");
    case "offline":
      return t("status.offline");
    case "session_expired":
      return t("status.sessionExpired");
    case "signed_out":
      return t("status.signedOut");
    case "resync_failed":
      return t("status.resyncFailed");
  }
}

export interface StatusBarProps {
  status: SyncStatus;
  onSignInAgain: () => void;
  onStatus: (status: SyncStatus) => void;
  /** Opens the Sync panel (queued and refused writes). */
  onOpenSync?: () => void;
}

export function StatusBar({ status, onSignInAgain, onStatus, onOpenSync }: StatusBarProps) {
  const { t, i18n } = useTranslation();
  useNow(1000); // re-render every second: countdowns and "2 minutes ago" move on
  const now = Date.now();
  const lang = i18n.language;
  const [syncing, setSyncing] = useState(false);
  const [syncError, setSyncError] = useState<DeskError | null>(null);
  const c = status.connection;
  const canSync =
    c.state === "online" || c.state === "reconnecting" || c.state === "offline" || c.state === "resync_failed";

  const syncNow = async () => {
    setSyncing(true);
    setSyncError(null);
    try {
      onStatus(await desk.syncNow());
    } catch (err) {
      setSyncError(err as DeskError);
    } finally {
      setSyncing(false);
    }
  };

  const ago = status.last_sync_ms !== null ? formatAgo(status.last_sync_ms, now, lang) : null;
  const lastSync =
    status.last_sync_ms === null
      ? t("status.neverSynced")
      : ago === null
        ? t("status.lastSyncJustNow")
        : t("status.lastSync", { when: ago });

  return (
    <footer
      aria-label={t("status.label")}
      className="flex h-9 shrink-0 items-center gap-4 border-t border-border bg-card px-3 text-xs text-muted-foreground"
    >
      <span className="sr-only" role="status">
        {connectionLabel(c, t)}
      </span>
      <div
        data-testid="status-connection"
        data-state={c.state}
        className={cn(
          "flex items-center gap-2 font-medium",
          (c.state === "offline" || c.state === "resync_failed") && "text-destructive",
          c.state === "session_expired" && "text-warning-foreground",
          c.state === "online" && "text-foreground",
        )}
      >
        <span aria-hidden="true" className={cn("size-2 rounded-full", DOT[c.state])} />
        <span title={c.state === "resync_failed" ? t("status.resyncFailedHelp") : undefined}>
          {connectionText(c, now, lang, t)}
        </span>
      </div>
      {c.state === "session_expired" && (
        <Button size="sm" variant="outline" onClick={onSignInAgain} data-testid="status-sign-in-again">
          <LogIn aria-hidden="true" />
          {t("status.signInAgain")}
        </Button>
      )}
      <span
        data-testid="status-last-sync"
        title={status.last_sync_ms !== null ? formatDateTime(status.last_sync_ms, lang) : undefined}
      >
        {lastSync}
      </span>
      <button
        type="button"
        onClick={onOpenSync}
        data-testid="status-queued"
        data-count={status.queued}
        aria-haspopup="dialog"
        aria-keyshortcuts="Alt+S"
        title={t("status.openSync")}
        className={cn(
          "flex items-center gap-1 rounded px-1 outline-none hover:text-foreground hover:underline focus-visible:ring-2 focus-visible:ring-ring",
          status.queued > 0 && "font-medium text-foreground",
        )}
      >
        <CloudUpload aria-hidden="true" className="size-3.5" />
        {t("status.queued", { count: status.queued })}
      </button>
      {status.rejected > 0 && (
        <button
          type="button"
          onClick={onOpenSync}
          data-testid="status-rejected"
          data-count={status.rejected}
          aria-haspopup="dialog"
          aria-keyshortcuts="Alt+S"
          title={t("status.openSync")}
          className="flex items-center gap-1 rounded px-1 font-medium text-destructive outline-none hover:underline focus-visible:ring-2 focus-visible:ring-ring"
        >
          <AlertTriangle aria-hidden="true" className="size-3.5" />
          {t("status.rejected", { count: status.rejected })}
        </button>
      )}
      <div className="ml-auto flex items-center gap-2">
        {syncError && (
          <span role="alert" className="text-destructive" data-testid="status-sync-error">
            {t("status.syncFailed", { reason: describeError(t, syncError).text })}
          </span>
        )}
        {canSync && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => void syncNow()}
            disabled={syncing}
            data-testid="sync-now"
          >
            <RefreshCw aria-hidden="true" className={cn(syncing && "animate-spin")} />
            {syncing ? t("status.syncing") : t("status.syncNow")}
          </Button>
        )}
      </div>
    </footer>
  );
}
