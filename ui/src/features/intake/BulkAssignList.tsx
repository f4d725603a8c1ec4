// Parcels taken in by bulk intake that still have no recipient: pick one for each (the
// same type-ahead as intake), and its label prints then.
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { desk, type DeskError } from "@/api/desk";
import type { LabelSettings } from "@/bindings/LabelSettings";
import type { PackageView } from "@/bindings/PackageView";
import type { ResidentHit } from "@/bindings/ResidentHit";
import { Alert } from "@/components/ui/alert";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { describeError } from "@/lib/errors";
import { RecipientPicker } from "./RecipientPicker";

export function BulkAssignList({ refreshTick, labels }: { refreshTick: number; labels: LabelSettings | null }) {
  const { t } = useTranslation();
  const [views, setViews] = useState<PackageView[] | null>(null);
  const [error, setError] = useState<DeskError | null>(null);
  const [tick, setTick] = useState(0);
  const [notice, setNotice] = useState<{ code: string; print: "printed" | "skipped" | DeskError } | null>(null);

  useEffect(() => {
    let gone = false;
    desk
      .listPackages({
        on_shelf: true,
        status: null,
        unassigned: true,
        received_before_ms: null,
        unit_id: null,
        unit_number: null,
        carrier: null,
        text: null,
        limit: 200,
      })
      .then(
        (list) => {
          if (gone) return;
          setViews(list);
          setError(null);
        },
        (err: unknown) => {
          if (!gone) setError(err as DeskError);
        },
      );
    return () => {
      gone = true;
    };
  }, [refreshTick, tick]);

  useDeskEvent(
    desk.onPackagesChanged,
    useCallback(() => setTick((n) => n + 1), []),
  );

  const assign = async (view: PackageView, hit: ResidentHit) => {
    const p = view.package;
    try {
      await desk.editPackage({
        id: p.id,
        carrier: p.carrier,
        resident_id: hit.id,
        unit_id: null,
        shelf: p.shelf,
        size: p.size,
        flags: p.flags,
        note: p.note,
      });
    } catch (err) {
      setError(err as DeskError);
      return;
    }
    setTick((n) => n + 1);
    if (!labels || labels.printer.kind === "none" || !labels.print_on_intake) {
      setNotice({ code: p.code, print: "skipped" });
      return;
    }
    try {
      await desk.printLabel(p.id);
      setNotice({ code: p.code, print: "printed" });
    } catch (err) {
      setNotice({ code: p.code, print: err as DeskError });
    }
  };

  return (
    <section aria-labelledby="bulk-title" data-testid="intake-bulk-list" className="space-y-2">
      <h2 id="bulk-title" className="font-medium">
        {t("intake.toAssign", { count: views?.length ?? 0 })}
      </h2>
      {error && (
        <Alert variant="destructive" role="alert">
          <p>{describeError(t, error).text}</p>
          {describeError(t, error).details && <p className="text-xs">{describeError(t, error).details}</p>}
        </Alert>
      )}
      {notice && (
        <p role="status" className="text-sm" data-testid="intake-bulk-notice">
          {notice.print === "printed"
            ? t("intake.assignedPrinted", { code: notice.code })
            : notice.print === "skipped"
              ? t("intake.assigned", { code: notice.code })
              : t("intake.assignedPrintFailed", { code: notice.code, reason: notice.print.message })}
        </p>
      )}
      {views && views.length === 0 && <p className="text-sm text-muted-foreground">{t("intake.noneToAssign")}</p>}
      <ul className="divide-y divide-border">
        {views?.map((v) => (
          <li key={v.package.id} className="flex flex-wrap items-center gap-3 py-2" data-package-code={v.package.code}>
            <span className="w-28 font-mono">{v.package.code}</span>
            <span className="w-56 truncate font-mono text-sm text-muted-foreground">{v.package.tracking_number ?? "—"}</span>
            <RecipientPicker
              id={`assign-${v.package.id}`}
              className="min-w-64 flex-1"
              label={t("intake.assignTo", { code: v.package.code })}
              value={null}
              onChange={(hit) => {
                if (hit) void assign(v, hit);
              }}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
