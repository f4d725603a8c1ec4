import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, Download, FileCheck } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { ReportRequest } from "@/bindings/ReportRequest";
import type { ReportTable } from "@/bindings/ReportTable";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { describeError } from "@/lib/errors";

type Export = { state: "idle" } | { state: "saving" } | { state: "saved"; path: string } | { state: "failed"; error: DeskError };

/** Saves one table of the report as CSV and says where it went, or why it did not. */
export function ExportCsvButton({ request, table, name }: { request: ReportRequest; table: ReportTable; name: string }) {
  const { t } = useTranslation();
  const [done, setDone] = useState<Export>({ state: "idle" });

  const save = async () => {
    setDone({ state: "saving" });
    try {
      setDone({ state: "saved", path: await desk.exportReportCsv(request, table) });
    } catch (err) {
      setDone({ state: "failed", error: err as DeskError });
    }
  };

  return (
    <div className="flex flex-col items-end gap-2">
      <Button
        variant="outline"
        size="sm"
        data-testid={`export-${table}`}
        aria-label={t("reports.export.label", { table: name })}
        disabled={done.state === "saving"}
        onClick={() => void save()}
      >
        {done.state === "saving" ? <Spinner /> : <Download aria-hidden="true" />}
        {done.state === "saving" ? t("reports.export.saving") : t("reports.export.button")}
      </Button>
      {done.state === "saved" && (
        <Alert role="status" data-testid={`export-${table}-saved`} className="max-w-md">
          <FileCheck aria-hidden="true" />
          <p className="break-all">{t("reports.export.saved", { path: done.path })}</p>
        </Alert>
      )}
      {done.state === "failed" && (
        <Alert variant="destructive" role="alert" data-testid={`export-${table}-failed`} className="max-w-md">
          <AlertCircle aria-hidden="true" />
          <p>
            {t("reports.export.failed")} {describeError(t, done.error).text}
          </p>
        </Alert>
      )}
    </div>
  );
}
