// A parcel's label as this desk's printer prints it (the PNG the desk renders), with
// a reprint: on the parcel's page and after an intake.
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, Printer } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { describeError } from "@/lib/errors";
import { cn } from "@/lib/utils";

/** The label as this desk's printer prints it, and a reprint. */
export function LabelCard({ id, code, refreshTick }: { id: string; code: string; refreshTick: number }) {
  const { t } = useTranslation();
  const [src, setSrc] = useState<string | null>(null);
  const [previewError, setPreviewError] = useState<DeskError | null>(null);
  const [printing, setPrinting] = useState(false);
  const [printResult, setPrintResult] = useState<{ ok: true } | { ok: false; error: DeskError } | null>(null);

  // The preview on screen; replaced (and the old one revoked) when a new one arrives, so a
  // refresh does not blank it; revoked when the page closes.
  const shownUrl = useRef<string | null>(null);
  const replaceSrc = useCallback((url: string | null) => {
    const old = shownUrl.current;
    shownUrl.current = url;
    setSrc(url);
    if (old && old !== url) URL.revokeObjectURL(old);
  }, []);
  useEffect(
    () => () => {
      if (shownUrl.current) URL.revokeObjectURL(shownUrl.current);
      shownUrl.current = null;
    },
    [],
  );

  useEffect(() => {
    let gone = false;
    desk.labelPreview(id).then(
      (buf) => {
        if (gone) return;
        try {
          replaceSrc(URL.createObjectURL(new Blob([buf], { type: "image/png" })));
          setPreviewError(null);
        } catch (err) {
          replaceSrc(null);
          setPreviewError({ code: "internal", message: err instanceof Error ? err.message : String(err) });
        }
      },
      (err: unknown) => {
        if (gone) return;
        replaceSrc(null);
        setPreviewError(err as DeskError);
      },
    );
    return () => {
      gone = true;
    };
  }, [id, refreshTick, replaceSrc]);

  const print = async () => {
    if (printing) return;
    setPrinting(true);
    setPrintResult(null);
    try {
      await desk.printLabel(id);
      setPrintResult({ ok: true });
    } catch (err) {
      setPrintResult({ ok: false, error: err as DeskError });
    } finally {
      setPrinting(false);
    }
  };

  const previewProblem = previewError ? describeError(t, previewError) : null;

  return (
    <Card className="lg:w-80">
      <CardHeader>
        <CardTitle>{t("packageList.page.label")}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        {src ? (
          <img
            src={src}
            alt={t("packageList.page.labelAlt", { code })}
            data-testid="package-label-preview"
            className="w-full rounded border border-border bg-white"
          />
        ) : previewError && previewProblem ? (
          <Alert variant="warning" data-testid="package-label-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              <p className="font-medium">{t("packageList.page.labelFailed")}</p>
              <p>{previewError.code === "print_failed" ? previewError.message : previewProblem.text}</p>
              {previewError.code !== "print_failed" && previewProblem.details && <p>{previewProblem.details}</p>}
            </div>
          </Alert>
        ) : (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <Spinner className="size-3.5" />
            {t("packageList.page.labelLoading")}
          </p>
        )}
        <Button variant="outline" onClick={() => void print()} disabled={printing} data-testid="package-reprint">
          {printing ? <Spinner className="size-3.5" /> : <Printer aria-hidden="true" />}
          {printing ? t("packageList.page.printing") : t("packageList.page.reprint")}
        </Button>
        {printResult?.ok && (
          <p role="status" className="text-sm text-muted-foreground" data-testid="package-print-ok">
            {t("packageList.page.printed")}
          </p>
        )}
        {printResult && !printResult.ok && (
          <Alert variant="destructive" role="alert" data-testid="package-print-error">
            <AlertCircle aria-hidden="true" />
            <div className={cn("flex-1 space-y-0.5")}>
              <p className="font-medium">{t("packageList.page.printFailed")}</p>
              {printResult.error.code === "print_failed" ? (
                <p data-testid="package-print-reason">{printResult.error.message}</p>
              ) : (
                <p>{describeError(t, printResult.error).text}</p>
              )}
            </div>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
