// A parcel's page: every field, its full history, its label (preview and reprint) and the
// lifecycle actions the desk offers for its status.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  AlertCircle,
  ArrowLeft,
  Check,
  Copy,
  PackageCheck,
  PackageX,
  ShieldAlert,
  Undo2,
} from "lucide-react";
import { desk } from "@/api/desk";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageDetail } from "@/bindings/PackageDetail";
import type { PackageEventView } from "@/bindings/PackageEventView";
import type { PackageStatus } from "@/bindings/PackageStatus";
import type { StaffRole } from "@/bindings/StaffRole";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { isEditableTarget } from "@/lib/utils";
import { carrierName, FlagIcons, OverdueBadge, PendingBadge, StatusBadge, useRecipientText } from "./PackageBits";
import { LabelCard } from "@/features/labels/LabelCard";
import { PackagePhotos } from "./PackagePhotos";
import { SignatureImage } from "@/features/pickup/PickupReceipt";
import { TransitionDialog, type TransitionKind } from "./TransitionDialog";


export interface PackageDetailViewProps {
  id: string;
  staffRole: StaffRole;
  carriers: readonly CarrierOption[];
  /** Back to the list; "search" when the search box should get focus ("/"). */
  onBack: (focus?: "row" | "search") => void;
  /** Hand the parcel over on the Pickup screen; no button without it. */
  onHandOver?: (id: string) => void;
}

export function PackageDetailView({ id, staffRole, carriers, onBack, onHandOver }: PackageDetailViewProps) {
  const { t } = useTranslation();
  const [dialog, setDialog] = useState<TransitionKind["kind"] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const query = useDeskQuery(() => desk.getPackage(id), [id]);
  const { error, showSpinner, refresh } = query;
  useDeskEvent(desk.onPackagesChanged, refresh);
  // Only this parcel's answer is shown, and not one the desk no longer has.
  const detail =
    error?.code === "not_found" || query.data?.view.package.id !== id ? null : (query.data ?? null);

  // Another parcel: forget what was being done to the previous one.
  useEffect(() => {
    setNotice(null);
    setDialog(null);
  }, [id]);

  const loadedId = detail?.view.package.id;
  useEffect(() => {
    if (loadedId) heading.current?.focus();
  }, [loadedId]);
  // After a move the button that was pressed may be gone: keep the focus on the page.
  useEffect(() => {
    const focused = document.activeElement;
    if (detail && (focused === null || focused === document.body)) heading.current?.focus();
  }, [detail]);

  // Escape, or Backspace outside a text field, returns to the list ("/" too, to search).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey) return;
      const editable = isEditableTarget(e.target);
      if (e.key === "Escape" || (!editable && e.key === "Backspace")) {
        e.preventDefault();
        onBack("row");
      } else if (!editable && e.key === "/") {
        e.preventDefault();
        onBack("search");
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onBack]);

  const shown = detail && detail.view.package.id === id ? detail : null;

  const done = (to: PackageStatus) => {
    setDialog(null);
    setNotice(t("packageList.page.moved", { status: t(`packageList.status.${to}`) }));
    refresh();
  };

  return (
    <section className="flex h-full flex-col" data-testid="package-detail" data-package-id={id}>
      <header className="flex items-center gap-3 border-b border-border px-6 py-3">
        <Button variant="ghost" size="sm" onClick={() => onBack("row")} data-testid="package-back" aria-keyshortcuts="Escape">
          <ArrowLeft aria-hidden="true" />
          {t("packageList.page.back")}
          <Kbd aria-hidden="true">Esc</Kbd>
        </Button>
        {showSpinner && (
          <span className="flex items-center gap-2 text-xs text-muted-foreground" role="status">
            <Spinner className="size-3.5" />
            {t("packageList.page.loading")}
          </span>
        )}
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto px-6 py-5">
        {error && (
          <Alert variant="destructive" role="alert" className="mb-4 max-w-4xl" data-testid="package-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              {error.code === "not_found" ? (
                <p>{t("packageList.page.notFound")}</p>
              ) : (
                <>
                  <p className="font-medium">{t("packageList.page.loadFailed")}</p>
                  <p>{describeError(t, error).text}</p>
                </>
              )}
            </div>
            {error.code !== "not_found" && (
              <Button size="sm" variant="outline" onClick={refresh}>
                {t("app.retry")}
              </Button>
            )}
          </Alert>
        )}
        {shown && (
          <PackageBody
            detail={shown}
            staffRole={staffRole}
            carriers={carriers}
            headingRef={heading}
            notice={notice}
            onAction={(kind) => {
              setNotice(null);
              setDialog(kind);
            }}
            onHandOver={onHandOver}
            refreshTick={query.version}
          />
        )}
      </div>
      {shown && dialog && (
        <TransitionDialog
          packageId={shown.view.package.id}
          code={shown.view.package.code}
          from={shown.view.package.status}
          kind={dialog}
          onDone={done}
          onCancel={() => setDialog(null)}
        />
      )}
    </section>
  );
}

function PackageBody({
  detail,
  staffRole,
  carriers,
  headingRef,
  notice,
  onAction,
  onHandOver,
  refreshTick,
}: {
  detail: PackageDetail;
  staffRole: StaffRole;
  carriers: readonly CarrierOption[];
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  notice: string | null;
  onAction: (kind: TransitionKind["kind"]) => void;
  onHandOver?: (id: string) => void;
  refreshTick: number;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const recipientText = useRecipientText();
  const { view, events, notices } = detail;
  const p = view.package;
  const recipient = recipientText(view);
  const none = (text = t("packageList.page.none")) => <span className="text-muted-foreground">{text}</span>;
  const onShelf = p.status === "waiting" || p.status === "notified";
  const canOverride = staffRole === "manager" || staffRole === "admin";

  return (
    <div className="max-w-4xl space-y-4">
      <div className="space-y-2">
        <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">
          {t("packageList.page.code")}
        </p>
        <h1
          ref={headingRef}
          tabIndex={-1}
          data-testid="package-detail-code"
          className="font-mono text-4xl font-semibold tracking-wider outline-none select-all"
        >
          {p.code}
        </h1>
        <div className="flex flex-wrap items-center gap-2">
          <StatusBadge status={p.status} />
          {view.overdue && <OverdueBadge />}
          {view.pending && <PendingBadge testId="package-detail-pending" />}
          <FlagIcons flags={p.flags} labels />
        </div>
      </div>

      {notice && (
        <Alert role="status" data-testid="package-notice">
          <Check aria-hidden="true" />
          <p>{notice}</p>
        </Alert>
      )}

      <Card>
        <CardHeader>
          <CardTitle>{t("packageList.page.actions")}</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-wrap gap-2" data-testid="package-actions">
          {onShelf && onHandOver && (
            <Button size="sm" onClick={() => onHandOver(p.id)} data-testid="package-hand-over">
              <PackageCheck aria-hidden="true" />
              {t("packageList.page.handOver")}
            </Button>
          )}
          {onShelf && (
            <>
              <Button size="sm" variant="outline" onClick={() => onAction("returned")} data-testid="package-mark-returned">
                <Undo2 aria-hidden="true" />
                {t("packageList.page.markReturned")}
              </Button>
              <Button size="sm" variant="outline" onClick={() => onAction("lost")} data-testid="package-mark-lost">
                <PackageX aria-hidden="true" />
                {t("packageList.page.markLost")}
              </Button>
            </>
          )}
          {p.status === "lost" && (
            <Button size="sm" variant="outline" onClick={() => onAction("found")} data-testid="package-mark-found">
              <PackageCheck aria-hidden="true" />
              {t("packageList.page.markFound")}
            </Button>
          )}
          {canOverride && (
            <Button size="sm" variant="ghost" onClick={() => onAction("override")} data-testid="package-override">
              <ShieldAlert aria-hidden="true" />
              {t("packageList.page.override")}
            </Button>
          )}
          {!onShelf && p.status !== "lost" && !canOverride && (
            <p className="text-sm text-muted-foreground" data-testid="package-no-actions">
              {t("packageList.page.noActions")}
            </p>
          )}
        </CardContent>
      </Card>

      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_auto]">
        <Card>
          <CardHeader>
            <CardTitle>{t("packageList.page.details")}</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-4 gap-y-1.5 text-sm" data-testid="package-fields">
              <Field label={t("packageList.page.tracking")}>
                {p.tracking_number ? (
                  <Tracking number={p.tracking_number} carrier={p.carrier} />
                ) : (
                  none(t("packageList.page.noTracking"))
                )}
              </Field>
              <Field label={t("packageList.page.carrier")}>{carrierName(carriers, p.carrier) ?? none()}</Field>
              <Field label={t("packageList.page.recipient")}>
                <span className={recipient.known ? undefined : "text-muted-foreground"} data-testid="package-detail-recipient">
                  {recipient.text}
                </span>
              </Field>
              <Field label={t("packageList.page.unit")}>
                {view.unit_number ? <span data-testid="package-detail-unit">{view.unit_number}</span> : none()}
              </Field>
              <Field label={t("packageList.page.shelf")}>
                {p.shelf ? <span className="font-mono">{p.shelf}</span> : none()}
              </Field>
              <Field label={t("packageList.page.size")}>
                {p.size ? t(`packageList.sizes.${p.size}`) : none()}
              </Field>
              <Field label={t("packageList.page.flags")}>
                {p.flags.perishable || p.flags.signature_required || p.flags.fragile ? (
                  [
                    p.flags.perishable && t("packageList.flags.perishable"),
                    p.flags.signature_required && t("packageList.flags.signature_required"),
                    p.flags.fragile && t("packageList.flags.fragile"),
                  ]
                    .filter(Boolean)
                    .join(" · ")
                ) : (
                  none()
                )}
              </Field>
              <Field label={t("packageList.page.note")}>
                {p.note ? (
                  <span className="break-words whitespace-pre-wrap" data-testid="package-detail-note">
                    {p.note}
                  </span>
                ) : (
                  none(t("packageList.page.noNote"))
                )}
              </Field>
              <Field label={t("packageList.page.receivedBy")}>{view.received_by_name ?? p.received_by}</Field>
              <Field label={t("packageList.page.receivedAt")}>{formatDateTime(p.received_at_ms, lang)}</Field>
              <Field label={t("packageList.page.statusSince")}>{formatDateTime(p.status_at_ms, lang)}</Field>
              <Field label={t("packageList.page.collectedBy")}>
                {p.collected_by ? <span data-testid="package-detail-collected">{p.collected_by}</span> : none()}
              </Field>
            </dl>
          </CardContent>
        </Card>

        <LabelCard id={p.id} code={p.code} refreshTick={refreshTick} />
        <PackagePhotos id={p.id} refreshTick={refreshTick} />
      </div>

      <Card>
        <CardHeader>
          <CardTitle>{t("packageList.page.history")}</CardTitle>
        </CardHeader>
        <CardContent>
          {events.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("packageList.page.historyEmpty")}</p>
          ) : (
            <ol className="divide-y divide-border" data-testid="package-history">
              {events.map((e) => (
                <HistoryItem key={e.event.id} item={e} lang={lang} />
              ))}
            </ol>
          )}
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>{t("packageList.page.notices")}</CardTitle>
        </CardHeader>
        <CardContent>
          {notices.length === 0 ? (
            <p className="text-sm text-muted-foreground" data-testid="package-notices-none">
              {t("packageList.page.noticesNone")}
            </p>
          ) : (
            <ol className="divide-y divide-border" data-testid="package-notices">
              {notices.map((n) => (
                <li key={n.id} className="space-y-0.5 py-2 text-sm first:pt-0 last:pb-0" data-testid="package-notice-row" data-state={n.state}>
                  <p className="flex flex-wrap items-center gap-x-2">
                    <span className="font-medium">{t(`packageList.page.noticeKind.${n.kind}`)}</span>
                    <span>{t(`packageList.page.noticeState.${n.state}`)}</span>
                    <time className="text-muted-foreground">
                      {formatDateTime(n.sent_at_ms ?? n.last_attempt_at_ms ?? n.created_at_ms, lang)}
                    </time>
                    {n.attempts > 1 && (
                      <span className="text-muted-foreground">{t("packageList.page.noticeAttempts", { count: n.attempts })}</span>
                    )}
                  </p>
                  {n.last_error && (
                    <p className="break-words text-muted-foreground" data-testid="package-notice-error">
                      {n.last_error}
                    </p>
                  )}
                </li>
              ))}
            </ol>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="contents">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

function HistoryItem({ item, lang }: { item: PackageEventView; lang: string }) {
  const { t } = useTranslation();
  const e = item.event;
  const step = e.from
    ? t("packageList.page.step", {
        from: t(`packageList.status.${e.from}`),
        to: t(`packageList.status.${e.to}`),
      })
    : t("packageList.page.intake", { to: t(`packageList.status.${e.to}`) });
  return (
    <li
      className="space-y-0.5 py-2 text-sm first:pt-0 last:pb-0"
      data-testid="package-event"
      data-event-id={e.id}
      data-pending={item.pending ? "true" : "false"}
    >
      <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <span className="font-medium" data-testid="package-event-step">
          {step}
        </span>
        <span className="text-muted-foreground" data-testid="package-event-by">
          {item.by_name ?? e.by}
        </span>
        <span className="text-muted-foreground">·</span>
        <time className="text-muted-foreground" dateTime={new Date(e.at_ms).toISOString()}>
          {formatDateTime(e.at_ms, lang)}
        </time>
        {item.pending && <PendingBadge testId="package-event-pending" />}
      </p>
      {e.note && (
        <p className="break-words whitespace-pre-wrap">
          <span className="text-muted-foreground">{t("packageList.page.eventNote")} </span>
          <span data-testid="package-event-note">{e.note}</span>
        </p>
      )}
      {e.signature && <SignatureImage path={e.signature} label={t("packageList.page.signature")} />}
      {e.override_reason && (
        <p className="break-words whitespace-pre-wrap text-warning-foreground">
          <ShieldAlert aria-hidden="true" className="mr-1 inline size-3.5 align-[-2px]" />
          <span>{t("packageList.page.eventOverride")} </span>
          <span data-testid="package-event-override">{e.override_reason}</span>
        </p>
      )}
    </li>
  );
}

/**
 * The tracking number, and the carrier's tracking page when the desk knows it. The desk
 * has no way to open a browser from here, so the address is shown as text to copy.
 */
function Tracking({ number, carrier }: { number: string; carrier: string | null }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    setUrl(null);
    desk.lookupScan(number).then(
      (found) => {
        const info = found.tracking;
        // Only when the recognised carrier is the parcel's (staff may have chosen another).
        if (!gone && info?.tracking_url && (carrier === null || info.carrier === carrier)) setUrl(info.tracking_url);
      },
      () => {
        /* no link: the number alone is shown */
      },
    );
    return () => {
      gone = true;
    };
  }, [number, carrier]);

  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono break-all select-all" data-testid="package-detail-tracking">
          {number}
        </span>
        <CopyButton text={number} label={t("packageList.page.copyTracking")} />
      </div>
      {url && (
        <div className="flex flex-wrap items-center gap-2 text-xs">
          <span className="text-muted-foreground">{t("packageList.page.trackingLink")}</span>
          <span className="break-all select-all" data-testid="package-tracking-url">
            {url}
          </span>
          <CopyButton text={url} label={t("packageList.page.copyLink")} />
        </div>
      )}
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const id = window.setTimeout(() => setState("idle"), 2000);
    return () => window.clearTimeout(id);
  }, [state]);
  const copy = () => {
    const clipboard = typeof navigator !== "undefined" ? navigator.clipboard : undefined;
    if (!clipboard) {
      setState("failed");
      return;
    }
    clipboard.writeText(text).then(
      () => setState("copied"),
      () => setState("failed"),
    );
  };
  return (
    <>
      <Button size="sm" variant="ghost" onClick={copy} aria-label={label} title={label} className="h-6 px-1.5">
        {state === "copied" ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
        <span className="sr-only">{label}</span>
      </Button>
      <span aria-live="polite" className="text-xs text-muted-foreground">
        {state === "copied" ? t("packageList.page.copied") : state === "failed" ? t("packageList.page.copyFailed") : ""}
      </span>
    </>
  );
}

