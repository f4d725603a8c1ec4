// Intake: a parcel arrives, staff scan it, pick the resident, press Enter. The parcel is
// stored and queued by the desk at once, and its label printed. Keyboard-first: a scan
// anywhere on this screen starts a new parcel; Enter in any field registers it.
// Bulk mode takes a stack in (scan, scan, scan) without recipients, to assign afterwards.
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { AlertTriangle, CheckCircle2, PackagePlus, ScanLine } from "lucide-react";
import { desk, toDeskError, type DeskError } from "@/api/desk";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { InstructionView } from "@/bindings/InstructionView";
import type { LabelSettings } from "@/bindings/LabelSettings";
import type { PackageFlags } from "@/bindings/PackageFlags";
import type { PackageSize } from "@/bindings/PackageSize";
import type { PackageView } from "@/bindings/PackageView";
import type { ResidentHit } from "@/bindings/ResidentHit";
import type { ScanLookup } from "@/bindings/ScanLookup";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Kbd } from "@/components/ui/kbd";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { LabelCard } from "@/features/labels/LabelCard";
import { CameraPanel } from "@/features/scanner/CameraPanel";
import { useScanHandler } from "@/features/scanner/ScannerContext";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { describeError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { BulkAssignList } from "./BulkAssignList";
import { RecipientPicker } from "./RecipientPicker";

const SIZES: readonly PackageSize[] = ["envelope", "small", "medium", "large", "oversized"];
const NO_FLAGS: PackageFlags = { perishable: false, signature_required: false, fragile: false };

interface Form {
  tracking: string;
  /** "" follows the recognition. */
  carrier: string;
  recipient: ResidentHit | null;
  shelf: string;
  size: PackageSize | "";
  flags: PackageFlags;
  note: string;
}

function emptyForm(shelf: string): Form {
  return { tracking: "", carrier: "", recipient: null, shelf, size: "", flags: NO_FLAGS, note: "" };
}

/** What became of the last parcel's label. */
type PrintState =
  | { state: "printing" }
  | { state: "printed" }
  | { state: "skipped"; why: "no_printer" | "off" | "bulk" }
  | { state: "failed"; error: DeskError };

interface Registered {
  view: PackageView;
  print: PrintState;
}

export interface IntakeScreenProps {
  onOpenPackage?: (id: string) => void;
  onOpenSettings?: () => void;
}

export function IntakeScreen({ onOpenPackage, onOpenSettings }: IntakeScreenProps) {
  const { t, i18n } = useTranslation();
  const [form, setForm] = useState<Form>(() => emptyForm(""));
  const [bulk, setBulk] = useState(false);
  const [lookup, setLookup] = useState<ScanLookup | null>(null);
  const [carriers, setCarriers] = useState<CarrierOption[]>([]);
  const [labels, setLabels] = useState<LabelSettings | null>(null);
  const [instructions, setInstructions] = useState<InstructionView[]>([]);
  const [error, setError] = useState<DeskError | null>(null);
  const [missingRecipient, setMissingRecipient] = useState(false);
  const [confirmDuplicate, setConfirmDuplicate] = useState(false);
  const [saving, setSaving] = useState(false);
  const [recent, setRecent] = useState<Registered[]>([]);
  const [bulkTick, setBulkTick] = useState(0);
  useEffect(() => {
    recentIds.current = recent.map((r) => r.view.package.id);
  }, [recent]);
  const trackingRef = useRef<HTMLInputElement>(null);
  const recipientRef = useRef<HTMLInputElement>(null);
  const shelfRef = useRef<HTMLInputElement>(null);
  const lookupRequest = useRef(0);
  // Bulk scans arrive faster than the desk answers: each waits for the one before, none is dropped.
  const bulkQueue = useRef<Promise<void>>(Promise.resolve());
  const savingNow = useRef(false);
  const recentIds = useRef<string[]>([]);

  useEffect(() => {
    trackingRef.current?.focus();
    desk.listCarriers().then(setCarriers, (err: unknown) => console.error("carriers", err));
    desk.labelSettings().then(setLabels, (err: unknown) => setError(err as DeskError));
    desk.lastShelf().then(
      (shelf) => setForm((f) => (f.shelf === "" && shelf ? { ...f, shelf } : f)),
      (err: unknown) => console.warn("last shelf", err),
    );
  }, []);

  const readTracking = useCallback(async (text: string) => {
    const request = ++lookupRequest.current;
    if (text.trim() === "") {
      setLookup(null);
      return;
    }
    try {
      const found = await desk.lookupScan(text);
      if (request === lookupRequest.current) setLookup(found);
    } catch (err) {
      if (request === lookupRequest.current) setError(err as DeskError);
    }
  }, []);

  // Typed by hand: read it once typing pauses.
  useEffect(() => {
    const id = window.setTimeout(() => void readTracking(form.tracking), 250);
    return () => window.clearTimeout(id);
  }, [form.tracking, readTracking]);

  // The standing instructions of whoever the parcel is for, shown as soon as they are chosen.
  useEffect(() => {
    const r = form.recipient;
    if (!r) {
      setInstructions([]);
      return;
    }
    let gone = false;
    const asks = [desk.listInstructions({ type: "resident", id: r.id })];
    if (r.unit_id) asks.push(desk.listInstructions({ type: "unit", id: r.unit_id }));
    Promise.all(asks).then(
      (lists) => {
        if (!gone) setInstructions(lists.flat());
      },
      (err: unknown) => {
        if (!gone) setError(err as DeskError);
      },
    );
    return () => {
      gone = true;
    };
  }, [form.recipient]);

  // The parcels listed here change state after registration (sent to the server, picked up
  // at another desk): read them again when the desk says parcels changed.
  useDeskEvent(
    desk.onPackagesChanged,
    useCallback(() => {
      const ids = recentIds.current;
      Promise.all(ids.map((id) => desk.getPackage(id).then((d) => d.view, () => null))).then((views) => {
        const fresh = new Map(views.filter((v): v is PackageView => v !== null).map((v) => [v.package.id, v]));
        setRecent((list) =>
          list.map((r) => {
            const v = fresh.get(r.view.package.id);
            return v ? { ...r, view: v } : r;
          }),
        );
      });
    }, []),
  );

  const printFor = useCallback(
    async (view: PackageView, settings: LabelSettings | null) => {
      const update = (print: PrintState) =>
        setRecent((list) => list.map((r) => (r.view.package.id === view.package.id ? { ...r, print } : r)));
      if (!settings || settings.printer.kind === "none") return update({ state: "skipped", why: "no_printer" });
      if (!settings.print_on_intake) return update({ state: "skipped", why: "off" });
      update({ state: "printing" });
      try {
        await desk.printLabel(view.package.id);
        update({ state: "printed" });
      } catch (err) {
        update({ state: "failed", error: err as DeskError });
      }
    },
    [],
  );

  const register = useCallback(
    async (f: Form, inBulk: boolean, confirmed: boolean) => {
      // A second Enter while the first is being stored would register the same parcel twice.
      if (savingNow.current) return;
      if (!inBulk && !f.recipient) {
        setMissingRecipient(true);
        recipientRef.current?.focus();
        return;
      }
      savingNow.current = true;
      setSaving(true);
      setError(null);
      try {
        // Read the number again now, not from the last lookup while typing: a parcel taken
        // in twice must be caught even when Enter comes right after the scan.
        if (f.tracking.trim() !== "" && !confirmed) {
          const found = await desk.lookupScan(f.tracking);
          setLookup(found);
          if (found.on_shelf.length > 0) {
            setConfirmDuplicate(true);
            return;
          }
        }
        const view = await desk.intakePackage({
          tracking_number: f.tracking.trim() === "" ? null : f.tracking,
          carrier: f.carrier === "" ? null : f.carrier,
          resident_id: f.recipient?.id ?? null,
          unit_id: null,
          shelf: f.shelf.trim() === "" ? null : f.shelf,
          size: f.size === "" ? null : f.size,
          flags: f.flags,
          note: f.note.trim() === "" ? null : f.note,
        });
        const print: PrintState = inBulk ? { state: "skipped", why: "bulk" } : { state: "printing" };
        setRecent((list) => [{ view, print }, ...list].slice(0, 20));
        setForm(emptyForm(f.shelf));
        setLookup(null);
        setConfirmDuplicate(false);
        setMissingRecipient(false);
        trackingRef.current?.focus();
        if (inBulk) setBulkTick((n) => n + 1);
        else void printFor(view, labels);
      } catch (err) {
        // Nothing was stored: the form stays as typed, to correct and press Enter again.
        setError(err as DeskError);
      } finally {
        savingNow.current = false;
        setSaving(false);
      }
    },
    [labels, printFor],
  );

  // A scan starts a new parcel (keeping the shelf); in bulk mode it is registered at once.
  useScanHandler((text) => {
    setError(null);
    setConfirmDuplicate(false);
    setMissingRecipient(false);
    const next = { ...emptyForm(form.shelf), tracking: text };
    setForm(next);
    if (bulk) {
      bulkQueue.current = bulkQueue.current.then(() => register(next, true, false));
      return;
    }
    void readTracking(text);
    recipientRef.current?.focus();
  });

  // Alt+P with the camera on: a photo of the parcel just registered (its label is on
  // it by then), kept with the parcel at this desk.
  const [photo, setPhoto] = useState<
    { state: "taken"; code: string } | { state: "no_parcel" } | { state: "failed"; reason: string } | null
  >(null);
  const takePhoto = async () => {
    const parcel = recent[0]?.view.package;
    if (!parcel) {
      setPhoto({ state: "no_parcel" });
      return;
    }
    try {
      await desk.takePackagePhoto(parcel.id);
      setPhoto({ state: "taken", code: parcel.code });
    } catch (err) {
      setPhoto({ state: "failed", reason: toDeskError(err).message });
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void register(form, bulk, confirmDuplicate);
  };

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const tracking = lookup?.tracking ?? null;
  const labelCode = lookup?.package ?? null;
  const duplicates = lookup && lookup.input === form.tracking ? lookup.on_shelf : [];
  const lang = i18n.language;
  const last = recent[0] ?? null;

  return (
    <section aria-labelledby="intake-title" data-testid="intake-screen" className="flex h-full flex-col gap-4 overflow-auto p-6">
      <header className="flex flex-wrap items-center gap-3">
        <PackagePlus aria-hidden="true" className="size-5 text-muted-foreground" />
        <h1 id="intake-title" className="text-lg font-semibold">
          {t("intake.title")}
        </h1>
        <label className="ml-auto flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={bulk}
            data-testid="intake-bulk"
            onChange={(e) => {
              setBulk(e.target.checked);
              trackingRef.current?.focus();
            }}
          />
          {t("intake.bulk")}
        </label>
      </header>
      <p className="text-sm text-muted-foreground">
        <ScanLine aria-hidden="true" className="mr-1 inline size-4" />
        {bulk ? t("intake.bulkHint") : t("intake.hint")} <Kbd>Enter</Kbd>
      </p>

      <div className="flex flex-col gap-6 lg:flex-row">
        <form onSubmit={onSubmit} className="flex-1 space-y-4" aria-label={t("intake.formLabel")} data-testid="intake-form">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="intake-tracking">{t("intake.tracking")}</Label>
            <Input
              id="intake-tracking"
              ref={trackingRef}
              value={form.tracking}
              autoComplete="off"
              spellCheck={false}
              className="font-mono"
              placeholder={t("intake.trackingPlaceholder")}
              onChange={(e) => {
                set("tracking", e.target.value);
                setConfirmDuplicate(false);
              }}
              onKeyDown={(e) => {
                // Enter in the number field moves on to the recipient, as after a scan.
                if (e.key === "Enter" && !bulk && !form.recipient) {
                  e.preventDefault();
                  void readTracking(form.tracking);
                  recipientRef.current?.focus();
                }
              }}
            />
            <div data-testid="intake-tracking-info" aria-live="polite" className="min-h-5 text-sm">
              {labelCode && (
                <p className="text-warning-foreground">{t("intake.isLabelCode", { code: labelCode.package.code })}</p>
              )}
              {tracking && !labelCode && (
                <p className="flex flex-wrap items-center gap-2">
                  {tracking.carrier_name ? (
                    <Badge data-testid="intake-carrier-recognised" data-carrier={tracking.carrier ?? ""}>
                      {tracking.carrier_name}
                    </Badge>
                  ) : (
                    <Badge variant="outline">{t("intake.carrierUnknown")}</Badge>
                  )}
                  {tracking.service && <span className="text-muted-foreground">{tracking.service}</span>}
                  {tracking.carrier && !tracking.valid && (
                    <span className="text-destructive" data-testid="intake-check-digit">
                      {t("intake.checkDigitWrong")}
                    </span>
                  )}
                  {tracking.tracking_number !== form.tracking.trim() && (
                    <span className="font-mono text-muted-foreground">{tracking.tracking_number}</span>
                  )}
                </p>
              )}
            </div>
          </div>

          {duplicates.length > 0 && (
            <Alert variant="warning" role="alert" data-testid="intake-duplicate">
              <AlertTriangle aria-hidden="true" />
              <div className="space-y-1">
                <p className="font-medium">{t("intake.duplicate", { count: duplicates.length })}</p>
                <ul>
                  {duplicates.map((d) => (
                    <li key={d.package.id}>
                      <span className="font-mono">{d.package.code}</span> · {d.recipient_name ?? t("intake.unassigned")}
                      {d.unit_number ? ` · ${t("intake.unit", { unit: d.unit_number })}` : ""} ·{" "}
                      {formatDateTime(d.package.received_at_ms, lang)}
                    </li>
                  ))}
                </ul>
                {confirmDuplicate && <p data-testid="intake-duplicate-confirm">{t("intake.duplicateConfirm")}</p>}
              </div>
            </Alert>
          )}

          <div className="grid gap-4 sm:grid-cols-2">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="intake-carrier">{t("intake.carrier")}</Label>
              <NativeSelect id="intake-carrier" value={form.carrier} onChange={(e) => set("carrier", e.target.value)}>
                <option value="">
                  {tracking?.carrier_name
                    ? t("intake.carrierAuto", { name: tracking.carrier_name })
                    : form.tracking.trim() === ""
                      ? t("intake.carrierFromNumber")
                      : t("intake.carrierUnknown")}
                </option>
                {carriers.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name}
                  </option>
                ))}
              </NativeSelect>
            </div>
            {!bulk && (
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="intake-recipient">{t("intake.recipient")}</Label>
                <RecipientPicker
                  id="intake-recipient"
                  ref={recipientRef}
                  label={t("intake.recipient")}
                  value={form.recipient}
                  onChange={(r) => {
                    set("recipient", r);
                    setMissingRecipient(false);
                    if (!r) window.setTimeout(() => recipientRef.current?.focus(), 0);
                  }}
                  onChosen={() => window.setTimeout(() => shelfRef.current?.focus(), 0)}
                />
                {missingRecipient && (
                  <p role="alert" className="text-sm text-destructive" data-testid="intake-recipient-missing">
                    {t("intake.recipientMissing")}
                  </p>
                )}
              </div>
            )}
          </div>

          {instructions.length > 0 && (
            <Alert data-testid="intake-instructions">
              <AlertTriangle aria-hidden="true" />
              <div>
                <p className="font-medium">{t("intake.instructions")}</p>
                <ul className="list-disc pl-4">
                  {instructions.map((i) => (
                    <li key={i.instruction.id} className="whitespace-pre-wrap">
                      {i.instruction.text}
                    </li>
                  ))}
                </ul>
              </div>
            </Alert>
          )}

          <div className="grid gap-4 sm:grid-cols-2">
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="intake-shelf">{t("intake.shelf")}</Label>
              <Input id="intake-shelf" ref={shelfRef} value={form.shelf} onChange={(e) => set("shelf", e.target.value)} />
            </div>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="intake-size">{t("intake.size")}</Label>
              <NativeSelect id="intake-size" value={form.size} onChange={(e) => set("size", e.target.value as PackageSize | "")}>
                <option value="">{t("intake.sizeNone")}</option>
                {SIZES.map((s) => (
                  <option key={s} value={s}>
                    {t(`intake.sizes.${s}`)}
                  </option>
                ))}
              </NativeSelect>
            </div>
          </div>

          <fieldset className="flex flex-wrap gap-4">
            <legend className="sr-only">{t("intake.flags")}</legend>
            {(["perishable", "signature_required", "fragile"] as const).map((flag) => (
              <label key={flag} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  data-testid={`intake-flag-${flag}`}
                  checked={form.flags[flag]}
                  onChange={(e) => set("flags", { ...form.flags, [flag]: e.target.checked })}
                />
                {t(`intake.flag.${flag}`)}
              </label>
            ))}
          </fieldset>

          <div className="flex flex-col gap-1.5">
            <Label htmlFor="intake-note">{t("intake.note")}</Label>
            <Input id="intake-note" value={form.note} onChange={(e) => set("note", e.target.value)} />
          </div>

          {error && (
            <Alert variant="destructive" role="alert" data-testid="intake-error">
              <AlertTriangle aria-hidden="true" />
              <div>
                <p>{describeError(t, error).text}</p>
                {describeError(t, error).details && <p className="text-xs">{describeError(t, error).details}</p>}
              </div>
            </Alert>
          )}

          <Button type="submit" disabled={saving} data-testid="intake-register">
            {confirmDuplicate ? t("intake.registerAnyway") : bulk ? t("intake.registerUnassigned") : t("intake.register")}
            <Kbd className="ml-2">Enter</Kbd>
          </Button>
        </form>

        <aside className="space-y-3 lg:w-80" aria-label={t("intake.lastRegistered")}>
          <CameraPanel onPhoto={() => void takePhoto()} />
          {photo && (
            <p
              aria-live="polite"
              data-testid="intake-photo-status"
              data-state={photo.state}
              className={photo.state === "failed" ? "text-sm text-destructive" : "text-sm text-muted-foreground"}
            >
              {photo.state === "taken"
                ? t("intake.photo.taken", { code: photo.code })
                : photo.state === "no_parcel"
                  ? t("intake.photo.noParcel")
                  : t("intake.photo.failed", { reason: photo.reason })}
            </p>
          )}
          {last ? (
            <div data-testid="intake-registered" data-package-id={last.view.package.id} data-package-code={last.view.package.code} className="space-y-2">
              <p className="flex items-center gap-2 font-medium">
                <CheckCircle2 aria-hidden="true" className="size-4 text-success" />
                {t("intake.registered", { code: last.view.package.code })}
              </p>
              <p className="text-sm text-muted-foreground">
                {last.view.recipient_name ?? t("intake.unassigned")}
                {last.view.unit_number ? ` · ${t("intake.unit", { unit: last.view.unit_number })}` : ""}
                {last.view.pending ? ` · ${t("intake.queued")}` : ""}
              </p>
              <PrintStatus print={last.print} onRetry={() => void printFor(last.view, labels)} onOpenSettings={onOpenSettings} />
              {last.print.state !== "skipped" || last.print.why !== "bulk" ? (
                <LabelCard id={last.view.package.id} code={last.view.package.code} refreshTick={0} />
              ) : null}
              {onOpenPackage && (
                <Button variant="link" className="px-0" onClick={() => onOpenPackage(last.view.package.id)}>
                  {t("intake.openPackage")}
                </Button>
              )}
            </div>
          ) : (
            <p className="text-sm text-muted-foreground">{t("intake.nothingYet")}</p>
          )}
          {recent.length > 1 && (
            <div>
              <h2 className="text-sm font-medium">{t("intake.recent")}</h2>
              <ul className="text-sm" data-testid="intake-recent">
                {recent.slice(1).map((r) => (
                  <li key={r.view.package.id} className="flex justify-between gap-2">
                    <span className="font-mono">{r.view.package.code}</span>
                    <span className="truncate text-muted-foreground">{r.view.recipient_name ?? t("intake.unassigned")}</span>
                    {r.print.state === "failed" && <span className="text-destructive">{t("intake.print.failedShort")}</span>}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </aside>
      </div>

      {bulk && <BulkAssignList refreshTick={bulkTick} labels={labels} />}
    </section>
  );
}

function PrintStatus({ print, onRetry, onOpenSettings }: { print: PrintState; onRetry: () => void; onOpenSettings?: () => void }) {
  const { t } = useTranslation();
  const common = { "data-testid": "intake-print-status", "data-state": print.state } as const;
  switch (print.state) {
    case "printing":
      return (
        <p {...common} role="status" className="text-sm text-muted-foreground">
          {t("intake.print.printing")}
        </p>
      );
    case "printed":
      return (
        <p {...common} role="status" className="text-sm text-success">
          {t("intake.print.printed")}
        </p>
      );
    case "skipped":
      return (
        <p {...common} className="text-sm text-muted-foreground">
          {t(`intake.print.skipped.${print.why}`)}{" "}
          {print.why === "no_printer" && onOpenSettings && (
            <Button variant="link" className="h-auto px-0" onClick={onOpenSettings}>
              {t("intake.print.setUp")}
            </Button>
          )}
        </p>
      );
    case "failed":
      return (
        <Alert {...common} variant="destructive" role="alert">
          <AlertTriangle aria-hidden="true" />
          <div className="space-y-1">
            <p className="font-medium">{t("intake.print.failed")}</p>
            <p data-testid="intake-print-reason">{print.error.message}</p>
            <Button size="sm" variant="outline" onClick={onRetry} data-testid="intake-reprint">
              {t("intake.print.retry")}
            </Button>
          </div>
        </Alert>
      );
  }
}

