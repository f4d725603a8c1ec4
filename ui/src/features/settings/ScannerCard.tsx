// How this desk tells a USB scanner from typing, and a place to try a scan.
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, ScanLine } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { ScannerSettings } from "@/bindings/ScannerSettings";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useScanHandler, useScannerConfigure } from "@/features/scanner/ScannerContext";
import { describeError } from "@/lib/errors";

export function ScannerCard() {
  const { t } = useTranslation();
  const configure = useScannerConfigure();
  const [gap, setGap] = useState("");
  const [minLength, setMinLength] = useState("");
  const [outcome, setOutcome] = useState<{ ok: true } | { ok: false; error: DeskError } | null>(null);
  const [lastScan, setLastScan] = useState<string | null>(null);

  const show = (s: ScannerSettings) => {
    setGap(String(s.max_key_gap_ms));
    setMinLength(String(s.min_length));
  };

  useEffect(() => {
    desk.scannerSettings().then(show, (err: unknown) => setOutcome({ ok: false, error: err as DeskError }));
  }, []);

  // While Settings is open, a scan is shown here rather than sent to Pickup.
  useScanHandler(setLastScan);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const saved = await desk.setScannerSettings({
        max_key_gap_ms: Number.parseInt(gap, 10) || 0,
        min_length: Number.parseInt(minLength, 10) || 0,
      });
      show(saved);
      configure?.(saved);
      setOutcome({ ok: true });
    } catch (err) {
      setOutcome({ ok: false, error: err as DeskError });
    }
  };

  return (
    <Card data-testid="settings-scanner">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <ScanLine aria-hidden="true" className="size-4 text-muted-foreground" />
          {t("scannerSettings.title")}
        </CardTitle>
        <CardDescription>{t("scannerSettings.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="space-y-3" onSubmit={(e) => void save(e)}>
          <div className="grid gap-3 sm:grid-cols-2">
            <div className="space-y-1.5">
              <Label htmlFor="scanner-gap">{t("scannerSettings.gap")}</Label>
              <Input id="scanner-gap" inputMode="numeric" value={gap} onChange={(e) => setGap(e.target.value)} />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="scanner-min-length">{t("scannerSettings.minLength")}</Label>
              <Input
                id="scanner-min-length"
                inputMode="numeric"
                value={minLength}
                onChange={(e) => setMinLength(e.target.value)}
              />
            </div>
          </div>
          <Button type="submit" data-testid="scanner-settings-save">
            {t("scannerSettings.save")}
          </Button>
          <div aria-live="polite">
            {outcome?.ok && <p className="text-sm text-success">{t("scannerSettings.saved")}</p>}
            {outcome && !outcome.ok && (
              <Alert variant="destructive" role="alert">
                <AlertCircle aria-hidden="true" />
                <div>
                  <p>{describeError(t, outcome.error).text}</p>
                  <p className="text-xs">{outcome.error.message}</p>
                </div>
              </Alert>
            )}
          </div>
          <p className="text-sm text-muted-foreground" data-testid="scanner-last-scan">
            {lastScan === null ? t("scannerSettings.test") : t("scannerSettings.lastScan", { text: lastScan })}
          </p>
        </form>
      </CardContent>
    </Card>
  );
}
