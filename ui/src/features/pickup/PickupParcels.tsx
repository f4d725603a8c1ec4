// The parcels waiting on the shelf for the unit (or the resident) at the desk: one
// checkbox each, all ticked at first; ↑ ↓ move between them, Space ticks.
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { ScanLine } from "lucide-react";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageView } from "@/bindings/PackageView";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";
import { FlagIcons, OverdueBadge, ParcelCells, PendingBadge } from "@/features/packages/PackageBits";

const COLUMNS = "grid-cols-[1.5rem_7.5rem_minmax(8rem,1.5fr)_minmax(5rem,0.8fr)_4rem_minmax(6rem,0.9fr)]";

export function parcelCheckboxId(id: string) {
  return `pickup-parcel-${id}`;
}

export interface PickupParcelsProps {
  views: readonly PackageView[];
  selected: ReadonlySet<string>;
  highlightId: string | null;
  carriers: readonly CarrierOption[];
  now: number;
  disabled?: boolean;
  labelledBy: string;
  onToggle: (id: string, on: boolean) => void;
}

export function PickupParcels({
  views,
  selected,
  highlightId,
  carriers,
  now,
  disabled,
  labelledBy,
  onToggle,
}: PickupParcelsProps) {
  const { t } = useTranslation();
  const listRef = useRef<HTMLDivElement>(null);

  const boxes = () => [...(listRef.current?.querySelectorAll<HTMLInputElement>('input[type="checkbox"]') ?? [])];

  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    const all = boxes();
    const index = all.findIndex((b) => b === e.target);
    if (index < 0) return;
    let next: number | null = null;
    if (e.key === "ArrowDown") next = Math.min(index + 1, all.length - 1);
    else if (e.key === "ArrowUp") next = Math.max(index - 1, 0);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = all.length - 1;
    if (next === null) return;
    e.preventDefault();
    all[next]?.focus();
  };

  return (
    <div className="flex min-h-0 flex-col">
      <div
        aria-hidden="true"
        className={cn("grid gap-3 border-b border-border px-3 py-2 text-xs font-medium text-muted-foreground", COLUMNS)}
      >
        <span />
        <span>{t("packageList.columns.code")}</span>
        <span>{t("packageList.columns.recipient")}</span>
        <span>{t("packageList.columns.carrier")}</span>
        <span>{t("packageList.columns.shelf")}</span>
        <span>{t("packageList.columns.received")}</span>
      </div>
      <div
        ref={listRef}
        role="group"
        aria-labelledby={labelledBy}
        onKeyDown={onKeyDown}
        className="space-y-1 py-2"
        data-testid="pickup-parcels"
      >
        {views.map((view) => (
          <ParcelRow
            key={view.package.id}
            view={view}
            checked={selected.has(view.package.id)}
            highlighted={view.package.id === highlightId}
            carriers={carriers}
            now={now}
            disabled={disabled}
            onToggle={onToggle}
          />
        ))}
      </div>
    </div>
  );
}

function ParcelRow({
  view,
  checked,
  highlighted,
  carriers,
  now,
  disabled,
  onToggle,
}: {
  view: PackageView;
  checked: boolean;
  highlighted: boolean;
  carriers: readonly CarrierOption[];
  now: number;
  disabled?: boolean;
  onToggle: (id: string, on: boolean) => void;
}) {
  const { t } = useTranslation();
  const p = view.package;
  const inputId = parcelCheckboxId(p.id);

  return (
    <div
      data-testid="pickup-parcel"
      data-package-id={p.id}
      data-selected={checked || undefined}
      data-highlighted={highlighted || undefined}
      className={cn(
        "rounded-md px-3 py-2 text-sm",
        checked ? "bg-primary/5" : "opacity-75",
        highlighted ? "ring-2 ring-primary/50" : checked ? "ring-1 ring-primary/20" : "ring-1 ring-border",
      )}
    >
      <label htmlFor={inputId} className={cn("grid cursor-pointer items-center gap-3", COLUMNS)}>
        <input
          id={inputId}
          type="checkbox"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onToggle(p.id, e.target.checked)}
          aria-label={t("pickup.selectParcel", { code: p.code })}
          data-testid="pickup-parcel-check"
          className="size-4 accent-primary"
        />
        <ParcelCells view={view} carriers={carriers} now={now} testIds={{ code: "pickup-parcel-code" }} />
      </label>
      {(highlighted || view.overdue || view.pending || hasFlag(view)) && (
        <div className="mt-1.5 flex flex-wrap items-center gap-1.5 pl-9">
          {highlighted && (
            <Badge variant="default" data-testid="pickup-parcel-scanned">
              <ScanLine aria-hidden="true" className="mr-1 size-3" />
              {t("pickup.scanned")}
            </Badge>
          )}
          {view.overdue && <OverdueBadge />}
          {view.pending && <PendingBadge />}
          <FlagIcons flags={p.flags} labels />
        </div>
      )}
    </div>
  );
}

function hasFlag(view: PackageView): boolean {
  const f = view.package.flags;
  return f.perishable || f.signature_required || f.fragile;
}
