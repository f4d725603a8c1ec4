import { useTranslation } from "react-i18next";
import type { PackageReport } from "@/bindings/PackageReport";
import type { ReportRequest } from "@/bindings/ReportRequest";
import { Badge } from "@/components/ui/badge";
import { formatCalendarDate, formatDateTime, formatDuration, formatShortDate } from "@/lib/format";
import { BarList, ColumnChart } from "./BarChart";
import { ExportCsvButton } from "./ExportCsvButton";
import { FiguresTable, ReportCard } from "./ReportCard";

interface Props {
  report: PackageReport;
  /** What the report answered, for its exports. */
  request: ReportRequest;
}

export function VolumeByDay({ report, request }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const title = t("reports.byDay.title");
  return (
    <ReportCard
      id="by-day"
      title={title}
      action={<ExportCsvButton request={request} table="by_day" name={title} />}
      chart={
        <ColumnChart
          label={t("reports.byDay.chart")}
          testId="chart-by-day"
          bars={report.by_day.map((d) => {
            const label = formatShortDate(d.date, lang);
            return { key: d.date, label, value: d.parcels, title: t("reports.bar", { label, count: d.parcels }) };
          })}
        />
      }
    >
      <FiguresTable
        testId="table-by-day"
        head={[t("reports.byDay.date"), t("reports.parcels")]}
        rows={report.by_day.map((d) => [formatCalendarDate(d.date, lang), d.parcels])}
      />
    </ReportCard>
  );
}

export function VolumeByCarrier({ report, request }: Props) {
  const { t } = useTranslation();
  const title = t("reports.byCarrier.title");
  const name = (c: PackageReport["by_carrier"][number]) =>
    c.carrier_name ?? c.carrier ?? t("reports.byCarrier.unknown");
  return (
    <ReportCard
      id="by-carrier"
      title={title}
      action={<ExportCsvButton request={request} table="by_carrier" name={title} />}
      chart={
        <BarList
          label={t("reports.byCarrier.chart")}
          testId="chart-by-carrier"
          bars={report.by_carrier.map((c) => ({
            key: c.carrier ?? "",
            label: name(c),
            value: c.parcels,
            title: t("reports.bar", { label: name(c), count: c.parcels }),
          }))}
        />
      }
    >
      <FiguresTable
        testId="table-by-carrier"
        head={[t("reports.byCarrier.carrier"), t("reports.parcels")]}
        rows={report.by_carrier.map((c) => [name(c), c.parcels])}
      />
    </ReportCard>
  );
}

export function PickupTimes({ report, request }: Props) {
  const { t, i18n } = useTranslation();
  const { pickup } = report;
  const title = t("reports.pickup.title");
  const wait = (ms: number | null) => (ms === null ? "—" : formatDuration(ms, i18n.language));
  return (
    <ReportCard
      id="pickup"
      title={title}
      description={t("reports.pickup.help")}
      action={<ExportCsvButton request={request} table="pickup_times" name={title} />}
    >
      {pickup.parcels === 0 ? (
        <p className="text-sm text-muted-foreground">{t("reports.pickup.none")}</p>
      ) : (
        <>
          <dl className="grid grid-cols-3 gap-4" data-testid="pickup-figures">
            <Figure label={t("reports.pickup.count")} value={String(pickup.parcels)} testId="pickup-count" />
            <Figure label={t("reports.pickup.median")} value={wait(pickup.median_ms)} testId="pickup-median" />
            <Figure label={t("reports.pickup.p90")} value={wait(pickup.p90_ms)} testId="pickup-p90" />
          </dl>
          <p className="mt-3 text-xs text-muted-foreground">{t("reports.pickup.definition")}</p>
        </>
      )}
    </ReportCard>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export function WaitingParcels({ report, request }: Props) {
  const { t, i18n } = useTranslation();
  const title = t("reports.overdue.title", { count: report.waiting_days });
  return (
    <ReportCard
      id="overdue"
      title={title}
      description={t("reports.overdue.help")}
      action={<ExportCsvButton request={request} table="overdue" name={title} />}
    >
      {report.overdue.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="overdue-empty">
          {t("reports.overdue.empty")}
        </p>
      ) : (
        <FiguresTable
          testId="table-overdue"
          head={[
            t("reports.overdue.code"),
            t("reports.overdue.unit"),
            t("reports.overdue.recipient"),
            t("reports.overdue.carrier"),
            t("reports.overdue.shelf"),
            t("reports.overdue.received"),
            t("reports.overdue.status"),
            t("reports.overdue.waited"),
          ]}
          rows={report.overdue.map((p) => [
            <span className="font-mono">{p.code}</span>,
            p.unit_number ?? "—",
            p.recipient ?? t("reports.overdue.unassigned"),
            p.carrier_name ?? p.carrier ?? t("reports.byCarrier.unknown"),
            p.shelf ?? "—",
            formatDateTime(p.received_at_ms, i18n.language),
            <span className="flex flex-wrap gap-1">
              <Badge variant="secondary">{t(`reports.overdue.statuses.${p.status}`)}</Badge>
              {p.pending && <Badge variant="warning">{t("reports.overdue.pending")}</Badge>}
            </span>,
            t("reports.overdue.days", { count: p.days_waiting }),
          ])}
        />
      )}
    </ReportCard>
  );
}

export function IntakeByStaff({ report, request }: Props) {
  const { t } = useTranslation();
  const title = t("reports.byStaff.title");
  return (
    <ReportCard
      id="by-staff"
      title={title}
      action={<ExportCsvButton request={request} table="by_staff" name={title} />}
    >
      <FiguresTable
        testId="table-by-staff"
        head={[t("reports.byStaff.staff"), t("reports.parcels")]}
        rows={report.by_staff.map((s) => [s.name ?? t("reports.byStaff.unknown", { id: s.staff_id }), s.parcels])}
      />
    </ReportCard>
  );
}
