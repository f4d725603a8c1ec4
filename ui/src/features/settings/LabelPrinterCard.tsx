// The desk's label printer and stock, with a test print. The address is checked by the desk
// when saved (and a test print tells whether the printer answers).
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, Printer } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { LabelSettings } from "@/bindings/LabelSettings";
import type { LabelSize } from "@/bindings/LabelSize";
import type { PrinterConfig } from "@/bindings/PrinterConfig";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import { describeError } from "@/lib/errors";

const SIZES: readonly LabelSize[] = ["dymo-30334", "4x6"];

/** The form's fields; every kind's fields are kept while switching, so nothing typed is lost. */
interface Fields {
  kind: PrinterConfig["kind"];
  address: string;
  dpi: 203 | 300;
  systemName: string;
  size: LabelSize;
  printOnIntake: boolean;
}

function fieldsOf(s: LabelSettings): Fields {
  return {
    kind: s.printer.kind,
    address: s.printer.kind === "zpl" ? s.printer.address : "",
    dpi: s.printer.kind === "zpl" ? s.printer.dpi : 203,
    systemName: s.printer.kind === "system" ? (s.printer.name ?? "") : "",
    size: s.size,
    printOnIntake: s.print_on_intake,
  };
}

function settingsOf(f: Fields): LabelSettings {
  const printer: PrinterConfig =
    f.kind === "zpl"
      ? { kind: "zpl", address: f.address, dpi: f.dpi }
      : f.kind === "system"
        ? { kind: "system", name: f.systemName.trim() === "" ? null : f.systemName }
        : { kind: "none" };
  return { printer, size: f.size, print_on_intake: f.printOnIntake };
}

type Outcome = { kind: "saved" } | { kind: "tested" } | { kind: "failed"; error: DeskError } | null;

export function LabelPrinterCard() {
  const { t } = useTranslation();
  const [fields, setFields] = useState<Fields | null>(null);
  const [loadError, setLoadError] = useState<DeskError | null>(null);
  const [busy, setBusy] = useState<"save" | "test" | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  useEffect(() => {
    desk.labelSettings().then(
      (s) => setFields(fieldsOf(s)),
      (err: unknown) => setLoadError(err as DeskError),
    );
  }, []);

  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => {
    setFields((f) => (f ? { ...f, [key]: value } : f));
    setOutcome(null);
  };

  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!fields || busy) return;
    setBusy("save");
    try {
      setFields(fieldsOf(await desk.setLabelSettings(settingsOf(fields))));
      setOutcome({ kind: "saved" });
    } catch (err) {
      setOutcome({ kind: "failed", error: err as DeskError });
    } finally {
      setBusy(null);
    }
  };

  const test = async () => {
    if (!fields || busy) return;
    setBusy("test");
    try {
      await desk.testPrint(settingsOf(fields));
      setOutcome({ kind: "tested" });
    } catch (err) {
      setOutcome({ kind: "failed", error: err as DeskError });
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card data-testid="settings-label-printer">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Printer aria-hidden="true" className="size-4 text-muted-foreground" />
          {t("labelSettings.title")}
        </CardTitle>
        <CardDescription>{t("labelSettings.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {loadError && (
          <Alert variant="destructive" role="alert">
            <AlertCircle aria-hidden="true" />
            <p>{describeError(t, loadError).text}</p>
          </Alert>
        )}
        {!fields && !loadError && <Spinner />}
        {fields && (
          <form className="space-y-3" onSubmit={(e) => void save(e)}>
            <div className="space-y-1.5">
              <Label htmlFor="printer-kind">{t("labelSettings.kind")}</Label>
              <NativeSelect
                id="printer-kind"
                className="w-full"
                value={fields.kind}
                onChange={(e) => set("kind", e.target.value as Fields["kind"])}
              >
                {(["none", "zpl", "system"] as const).map((k) => (
                  <option key={k} value={k}>
                    {t(`labelSettings.kinds.${k}`)}
                  </option>
                ))}
              </NativeSelect>
            </div>
            {fields.kind === "zpl" && (
              <div className="grid gap-3 sm:grid-cols-[1fr_auto]">
                <div className="space-y-1.5">
                  <Label htmlFor="printer-address">{t("labelSettings.address")}</Label>
                  <Input
                    id="printer-address"
                    value={fields.address}
                    placeholder={t("labelSettings.addressHint")}
                    onChange={(e) => set("address", e.target.value)}
                  />
                </div>
                <div className="space-y-1.5">
                  <Label htmlFor="printer-dpi">{t("labelSettings.dpi")}</Label>
                  <NativeSelect
                    id="printer-dpi"
                    value={String(fields.dpi)}
                    onChange={(e) => set("dpi", e.target.value === "300" ? 300 : 203)}
                  >
                    <option value="203">203 dpi</option>
                    <option value="300">300 dpi</option>
                  </NativeSelect>
                </div>
              </div>
            )}
            {fields.kind === "system" && (
              <div className="space-y-1.5">
                <Label htmlFor="printer-name">{t("labelSettings.systemName")}</Label>
                <Input
                  id="printer-name"
                  value={fields.systemName}
                  placeholder={t("labelSettings.systemNameHint")}
                  onChange={(e) => set("systemName", e.target.value)}
                />
              </div>
            )}
            <div className="space-y-1.5">
              <Label htmlFor="label-size">{t("labelSettings.size")}</Label>
              <NativeSelect id="label-size" value={fields.size} onChange={(e) => set("size", e.target.value as LabelSize)}>
                {SIZES.map((s) => (
                  <option key={s} value={s}>
                    {t(`labelSettings.sizes.${s}`)}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                id="print-on-intake"
                checked={fields.printOnIntake}
                onChange={(e) => set("printOnIntake", e.target.checked)}
              />
              {t("labelSettings.printOnIntake")}
            </label>
            <div className="flex flex-wrap gap-2">
              <Button type="submit" disabled={busy !== null} data-testid="label-settings-save">
                {busy === "save" && <Spinner />}
                {t("labelSettings.save")}
              </Button>
              <Button
                type="button"
                variant="outline"
                disabled={busy !== null || fields.kind === "none"}
                onClick={() => void test()}
                data-testid="label-settings-test"
              >
                {busy === "test" && <Spinner />}
                {t("labelSettings.testPrint")}
              </Button>
            </div>
            <div aria-live="polite" data-testid="label-settings-outcome" data-state={outcome?.kind ?? ""}>
              {outcome?.kind === "saved" && <p className="text-sm text-success">{t("labelSettings.saved")}</p>}
              {outcome?.kind === "tested" && <p className="text-sm text-success">{t("labelSettings.testPrinted")}</p>}
              {outcome?.kind === "failed" && (
                <Alert variant="destructive" role="alert">
                  <AlertCircle aria-hidden="true" />
                  <div>
                    <p>{describeError(t, outcome.error).text}</p>
                    <p className="text-xs">{outcome.error.message}</p>
                  </div>
                </Alert>
              )}
            </div>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
