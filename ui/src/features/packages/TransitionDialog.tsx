// Moving a parcel along its lifecycle: a small dialog asking for an optional note (and,
// for a manager's override, the new status and a reason). The desk decides whether the
// move is allowed; a refusal comes back as a `conflict` whose message says why.
import { useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { PackageStatus } from "@/bindings/PackageStatus";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import { describeError } from "@/lib/errors";

export type TransitionKind =
  | { kind: "returned" }
  | { kind: "lost" }
  | { kind: "found" }
  | { kind: "override" };

const ALL_STATUSES: readonly PackageStatus[] = ["waiting", "notified", "picked_up", "returned", "lost"];

export function targetOf(kind: TransitionKind["kind"]): PackageStatus | null {
  switch (kind) {
    case "returned":
      return "returned";
    case "lost":
      return "lost";
    case "found":
      return "waiting";
    case "override":
      return null;
  }
}

export interface TransitionDialogProps {
  packageId: string;
  code: string;
  from: PackageStatus;
  kind: TransitionKind["kind"];
  onDone: (to: PackageStatus) => void;
  onCancel: () => void;
}

export function TransitionDialog({ packageId, code, from, kind, onDone, onCancel }: TransitionDialogProps) {
  const { t } = useTranslation();
  const ids = useId();
  const firstField = useRef<HTMLInputElement>(null);
  const firstSelect = useRef<HTMLSelectElement>(null);
  const override = kind === "override";
  const targets = ALL_STATUSES.filter((s) => s !== from);
  const [to, setTo] = useState<PackageStatus>(targetOf(kind) ?? targets[0] ?? "waiting");
  const [note, setNote] = useState("");
  const [reason, setReason] = useState("");
  const [collectedBy, setCollectedBy] = useState("");
  const [missing, setMissing] = useState<"reason" | "collectedBy" | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  // One event per intent: trying again after a failure sends the same event.
  const eventId = useRef<string>(crypto.randomUUID());

  const submit = async () => {
    if (saving) return;
    if (override && reason.trim() === "") {
      setMissing("reason");
      document.getElementById(`${ids}-reason`)?.focus();
      return;
    }
    if (override && to === "picked_up" && collectedBy.trim() === "") {
      setMissing("collectedBy");
      document.getElementById(`${ids}-collected`)?.focus();
      return;
    }
    setMissing(null);
    setSaving(true);
    setError(null);
    try {
      await desk.transitionPackages([
        {
          id: packageId,
          event_id: eventId.current,
          to,
          note: note.trim() === "" ? null : note.trim(),
          collected_by: override && to === "picked_up" ? collectedBy.trim() : null,
          override_reason: override ? reason.trim() : null,
          signature: null,
        },
      ]);
      onDone(to);
    } catch (err) {
      setError(err as DeskError);
      setSaving(false);
    }
  };

  const described = error ? describeError(t, error) : null;

  return (
    <Dialog
      onClose={() => {
        if (!saving) onCancel();
      }}
      initialFocus={override ? firstSelect : firstField}
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-hint`}
      className="max-w-md"
      data-testid="package-transition-dialog"
      data-kind={kind}
    >
      <form
        className="space-y-4 p-5"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="space-y-1">
          <h2 id={`${ids}-title`} className="text-base font-semibold">
            {t(`packageList.dialog.title.${kind}`)}
          </h2>
          <p className="font-mono text-sm text-muted-foreground">{code}</p>
          {override && <p className="text-sm text-muted-foreground">{t("packageList.dialog.overrideHelp")}</p>}
        </div>

        {override && (
          <div className="space-y-1.5">
            <label htmlFor={`${ids}-to`} className="text-sm font-medium">
              {t("packageList.dialog.overrideTo")}
            </label>
            <NativeSelect
              id={`${ids}-to`}
              ref={firstSelect}
              value={to}
              onChange={(e) => setTo(e.target.value as PackageStatus)}
              disabled={saving}
              data-testid="package-override-to"
              className="w-full"
            >
              {targets.map((s) => (
                <option key={s} value={s}>
                  {t(`packageList.status.${s}`)}
                </option>
              ))}
            </NativeSelect>
          </div>
        )}

        {override && to === "picked_up" && (
          <div className="space-y-1.5">
            <label htmlFor={`${ids}-collected`} className="text-sm font-medium">
              {t("packageList.dialog.collectedBy")}
            </label>
            <Input
              id={`${ids}-collected`}
              value={collectedBy}
              onChange={(e) => setCollectedBy(e.target.value)}
              readOnly={saving}
              aria-invalid={missing === "collectedBy" || undefined}
              aria-describedby={missing === "collectedBy" ? `${ids}-missing` : undefined}
              data-testid="package-override-collected"
              autoComplete="off"
            />
          </div>
        )}

        {override && (
          <div className="space-y-1.5">
            <label htmlFor={`${ids}-reason`} className="text-sm font-medium">
              {t("packageList.dialog.reason")}
            </label>
            <Input
              id={`${ids}-reason`}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              readOnly={saving}
              aria-required="true"
              aria-invalid={missing === "reason" || undefined}
              aria-describedby={missing === "reason" ? `${ids}-missing` : undefined}
              data-testid="package-override-reason"
              autoComplete="off"
            />
          </div>
        )}

        <div className="space-y-1.5">
          <label htmlFor={`${ids}-note`} className="text-sm font-medium">
            {t("packageList.dialog.note")}
          </label>
          <Input
            id={`${ids}-note`}
            ref={firstField}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            readOnly={saving}
            placeholder={t("packageList.dialog.notePlaceholder")}
            data-testid="package-transition-note"
            autoComplete="off"
          />
        </div>

        {missing && (
          <p id={`${ids}-missing`} role="alert" className="text-sm text-destructive" data-testid="package-transition-missing">
            {missing === "reason" ? t("packageList.dialog.reasonRequired") : t("packageList.dialog.collectedByRequired")}
          </p>
        )}

        {error && described && (
          <Alert variant="destructive" role="alert" data-testid="package-transition-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1 space-y-0.5">
              <p className="font-medium">
                {error.code === "conflict" ? t("packageList.dialog.refused") : t("packageList.dialog.failed")}
              </p>
              {/* A refusal says why in the desk's words: show them as they are. */}
              {error.code === "conflict" && error.message ? (
                <p data-testid="package-transition-reason">{error.message}</p>
              ) : (
                <>
                  <p>{described.text}</p>
                  {described.details && <p>{described.details}</p>}
                </>
              )}
            </div>
          </Alert>
        )}

        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={saving} data-testid="package-transition-confirm" aria-keyshortcuts="Enter">
            {saving && <Spinner className="size-3.5" />}
            {saving ? t("packageList.dialog.saving") : t(`packageList.dialog.confirm.${kind}`)}
          </Button>
          <Button variant="outline" onClick={onCancel} disabled={saving} aria-keyshortcuts="Escape">
            {t("packageList.dialog.cancel")}
          </Button>
          <span id={`${ids}-hint`} className="text-xs text-muted-foreground">
            {t("packageList.dialog.hint")}
          </span>
        </div>
      </form>
    </Dialog>
  );
}
