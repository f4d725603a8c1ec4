import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, Inbox } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { PackageReport } from "@/bindings/PackageReport";
import type { ReportRequest } from "@/bindings/ReportRequest";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { describeError } from "@/lib/errors";
import { formatCalendarDate } from "@/lib/format";
import { PERIOD_KINDS, initialPeriod, isoDate, periodRange, reportRequest, type PeriodChoice } from "./period";
import { IntakeByStaff, PickupTimes, VolumeByCarrier, VolumeByDay, WaitingParcels } from "./ReportTables";

type Shown =
  | { state: "loading"; report: PackageReport | null; request: ReportRequest | null }
  | { state: "ready"; report: PackageReport; request: ReportRequest }
  | { state: "failed"; error: DeskError };

/** Package reports for a chosen period, from this desk's own data (so offline too). */
export function ReportsScreen() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const heading = useRef<HTMLHeadingElement>(null);
  const [period, setPeriod] = useState<PeriodChoice>(() => initialPeriod(new Date()));
  // Empty: the desk's default threshold, which the report then shows.
  const [waitingText, setWaitingText] = useState("");
  const [shown, setShown] = useState<Shown>({ state: "loading", report: null, request: null });
  const [reloads, setReloads] = useState(0);
  const asked = useRef(0);

  useEffect(() => heading.current?.focus(), []);

  const waitingDays = /^\d{1,3}$/.test(waitingText.trim()) ? Number(waitingText.trim()) : null;
  const waitingInvalid = waitingText.trim() !== "" && waitingDays === null;
  // Recomputed when the choice changes (and on a reload, so "today" follows midnight).
  const range = useMemo(() => periodRange(period, new Date()), [period, reloads]);

  useEffect(() => {
    if (!range || waitingInvalid) return;
    const request = reportRequest(range, waitingDays);
    const n = ++asked.current;
    setShown((s) =>
      s.state === "failed" ? { state: "loading", report: null, request: null } : { state: "loading", report: s.report, request: s.request },
    );
    desk.packageReport(request).then(
      (report) => n === asked.current && setShown({ state: "ready", report, request }),
      (error: DeskError) => n === asked.current && setShown({ state: "failed", error }),
    );
  }, [range, waitingDays, waitingInvalid, reloads]);

  const reload = useCallback(() => setReloads((r) => r + 1), []);
  useDeskEvent(desk.onPackagesChanged, reload);
  useDeskEvent(desk.onOutboxChanged, reload);

  const report = shown.state === "failed" ? null : shown.report;
  const request = shown.state === "failed" ? null : shown.request;

  return (
    <section aria-labelledby="reports-title" className="h-full overflow-y-auto px-6 py-5" data-testid="reports">
      <h1 id="reports-title" ref={heading} tabIndex={-1} className="text-lg font-semibold tracking-tight outline-none">
        {t("reports.title")}
      </h1>
      <p className="mb-4 text-sm text-muted-foreground">{t("reports.subtitle")}</p>

      <div className="mb-4 flex flex-wrap items-end gap-4" role="group" aria-label={t("reports.controls")}>
        <div className="space-y-1.5">
          <Label htmlFor="report-period">{t("reports.period")}</Label>
          <NativeSelect
            id="report-period"
            data-testid="report-period"
            className="w-48"
            value={period.kind}
            onChange={(e) => setPeriod((p) => ({ ...p, kind: e.target.value as PeriodChoice["kind"] }))}
          >
            {PERIOD_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`reports.periods.${k}`)}
              </option>
            ))}
          </NativeSelect>
        </div>
        {period.kind === "custom" && (
          <>
            <div className="space-y-1.5">
              <Label htmlFor="report-from">{t("reports.from")}</Label>
              <Input
                id="report-from"
                data-testid="report-from"
                type="date"
                className="w-44"
                value={period.from}
                max={isoDate(new Date())}
                aria-invalid={range === null}
                onChange={(e) => setPeriod((p) => ({ ...p, from: e.target.value }))}
              />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="report-to">{t("reports.to")}</Label>
              <Input
                id="report-to"
                data-testid="report-to"
                type="date"
                className="w-44"
                value={period.to}
                aria-invalid={range === null}
                onChange={(e) => setPeriod((p) => ({ ...p, to: e.target.value }))}
              />
            </div>
          </>
        )}
        <div className="space-y-1.5">
          <Label htmlFor="report-waiting-days">{t("reports.waitingDays")}</Label>
          <Input
            id="report-waiting-days"
            data-testid="report-waiting-days"
            inputMode="numeric"
            className="w-24"
            placeholder={report ? String(report.waiting_days) : undefined}
            value={waitingText}
            aria-invalid={waitingInvalid}
            aria-describedby={waitingInvalid ? "report-waiting-invalid" : undefined}
            onChange={(e) => setWaitingText(e.target.value)}
          />
        </div>
        {shown.state === "loading" && (
          <p className="flex h-9 items-center gap-2 text-sm text-muted-foreground" role="status" data-testid="report-loading">
            <Spinner />
            {t("reports.loading")}
          </p>
        )}
      </div>

      {range === null && (
        <Alert variant="warning" role="alert" className="mb-4 max-w-xl" data-testid="report-dates-invalid">
          <AlertCircle aria-hidden="true" />
          <p>{t("reports.customInvalid")}</p>
        </Alert>
      )}
      {waitingInvalid && (
        <Alert variant="warning" role="alert" id="report-waiting-invalid" className="mb-4 max-w-xl">
          <AlertCircle aria-hidden="true" />
          <p>{t("reports.waitingInvalid")}</p>
        </Alert>
      )}

      {shown.state === "failed" && (
        <Alert variant="destructive" role="alert" className="mb-4 max-w-xl items-start" data-testid="report-error">
          <AlertCircle aria-hidden="true" />
          <div className="space-y-2">
            <p>
              {t("reports.loadFailed")} {describeError(t, shown.error).text}
            </p>
            {describeError(t, shown.error).details && (
              <p className="text-xs">{describeError(t, shown.error).details}</p>
            )}
            <Button variant="outline" size="sm" onClick={reload}>
              {t("app.retry")}
            </Button>
          </div>
        </Alert>
      )}

      {report && request && (
        <div className="space-y-4" data-testid="report" aria-busy={shown.state === "loading"}>
          <p className="text-sm" data-testid="report-summary">
            {t("reports.summary", {
              count: report.received,
              from: formatCalendarDate(report.by_day[0]?.date ?? "", lang),
              to: formatCalendarDate(report.by_day[report.by_day.length - 1]?.date ?? "", lang),
            })}
          </p>
          {report.received === 0 && report.pickup.parcels === 0 ? (
            <Card data-testid="report-empty">
              <CardContent className="flex items-center gap-3 pt-4">
                <Inbox aria-hidden="true" className="size-6 text-muted-foreground/70" />
                <div>
                  <p className="font-medium">{t("reports.empty")}</p>
                  <p className="text-sm text-muted-foreground">{t("reports.emptyHint")}</p>
                </div>
              </CardContent>
            </Card>
          ) : (
            <>
              <VolumeByDay report={report} request={request} />
              <div className="grid gap-4 xl:grid-cols-2">
                <VolumeByCarrier report={report} request={request} />
                <PickupTimes report={report} request={request} />
              </div>
            </>
          )}
          <WaitingParcels report={report} request={request} />
          {report.by_staff.length > 0 && <IntakeByStaff report={report} request={request} />}
        </div>
      )}
    </section>
  );
}
