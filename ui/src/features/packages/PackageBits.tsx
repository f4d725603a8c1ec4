// Small pieces shared by the parcel list, the parcel page and the pickup list.
import { useTranslation } from "react-i18next";
import { Clock, CloudUpload, GlassWater, Signature, Snowflake, type LucideIcon } from "lucide-react";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageFlags } from "@/bindings/PackageFlags";
import type { PackageStatus } from "@/bindings/PackageStatus";
import type { PackageView } from "@/bindings/PackageView";
import { Badge, type BadgeProps } from "@/components/ui/badge";
import { formatAgo, formatDateTime } from "@/lib/format";
import { cn } from "@/lib/utils";

const STATUS_VARIANT: Record<PackageStatus, BadgeProps["variant"]> = {
  waiting: "secondary",
  notified: "default",
  picked_up: "outline",
  returned: "outline",
  lost: "destructive",
};

export function StatusBadge({ status, className }: { status: PackageStatus; className?: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant={STATUS_VARIANT[status]} data-testid="package-status" data-status={status} className={className}>
      {t(`packageList.status.${status}`)}
    </Badge>
  );
}

export function OverdueBadge() {
  const { t } = useTranslation();
  return (
    <Badge variant="warning" title={t("packageList.overdueHelp")} data-testid="package-overdue">
      <Clock aria-hidden="true" className="mr-1 size-3" />
      {t("packageList.overdue")}
    </Badge>
  );
}

export function PendingBadge({ testId = "package-pending" }: { testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant="warning" title={t("packageList.pendingHelp")} data-testid={testId}>
      <CloudUpload aria-hidden="true" className="mr-1 size-3" />
      {t("packageList.pending")}
    </Badge>
  );
}

const FLAG_ICONS: Array<[keyof PackageFlags, LucideIcon]> = [
  ["perishable", Snowflake],
  ["signature_required", Signature],
  ["fragile", GlassWater],
];

/** The flags set on a parcel: icons with their names for screen readers and on hover,
 *  or the names written out (`labels`). */
export function FlagIcons({ flags, labels = false }: { flags: PackageFlags; labels?: boolean }) {
  const { t } = useTranslation();
  const set = FLAG_ICONS.filter(([key]) => flags[key]);
  if (set.length === 0) return null;
  return (
    <span className={cn("inline-flex items-center", labels ? "flex-wrap gap-2" : "gap-1")} data-testid="package-flags">
      {set.map(([key, Icon]) => {
        const name = t(`packageList.flags.${key}`);
        return (
          <span
            key={key}
            title={name}
            data-flag={key}
            className={cn(
              "inline-flex items-center gap-1 text-warning-foreground",
              labels && "rounded-full border border-warning/40 bg-warning/10 px-2 py-0.5 text-xs font-medium",
            )}
          >
            <Icon aria-hidden="true" className="size-4" />
            <span className={labels ? undefined : "sr-only"}>{name}</span>
          </span>
        );
      })}
    </span>
  );
}

/** A carrier code as its name; unknown codes as they are. */
export function carrierName(carriers: readonly CarrierOption[], code: string | null): string | null {
  if (code === null) return null;
  return carriers.find((c) => c.code === code)?.name ?? code;
}

/** Who a parcel is for, as text: the name, or why there is none. */
export function useRecipientText() {
  const { t } = useTranslation();
  return (view: PackageView): { text: string; known: boolean } => {
    if (view.recipient_name) return { text: view.recipient_name, known: true };
    if (view.package.resident_id === null) return { text: t("packageList.unassigned"), known: false };
    return { text: t("packageList.unknownRecipient"), known: false };
  };
}

/**
 * A parcel's code, recipient and unit, carrier, shelf and received time, as cells of the
 * caller's grid row (the Packages list and the Pickup list show them the same way).
 */
export function ParcelCells({
  view,
  carriers,
  now,
  testIds,
}: {
  view: PackageView;
  carriers: readonly CarrierOption[];
  now: number;
  testIds: { code: string; recipient?: string; unit?: string };
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const recipient = useRecipientText()(view);
  const p = view.package;
  const carrier = carrierName(carriers, p.carrier);
  const ago = formatAgo(p.received_at_ms, now, lang) ?? t("packageList.justNow");
  const absolute = formatDateTime(p.received_at_ms, lang);
  return (
    <>
      <span className="truncate font-mono font-medium tracking-wide" data-testid={testIds.code}>
        {p.code}
      </span>
      <span className="min-w-0">
        <span
          className={cn("block truncate", recipient.known ? "font-medium" : "text-muted-foreground italic")}
          data-testid={testIds.recipient}
        >
          {recipient.text}
        </span>
        <span className="block truncate text-xs text-muted-foreground tabular-nums" data-testid={testIds.unit}>
          {view.unit_number ? t("packageList.unit", { number: view.unit_number }) : t("packageList.noUnit")}
        </span>
      </span>
      <span className={cn("truncate", !carrier && "text-muted-foreground")}>
        {carrier ?? t("packageList.noCarrier")}
      </span>
      <span className={cn("truncate font-mono", !p.shelf && "font-sans text-muted-foreground")}>
        {p.shelf ?? t("packageList.noShelf")}
      </span>
      <span className="truncate text-muted-foreground" title={absolute}>
        <time dateTime={new Date(p.received_at_ms).toISOString()}>{ago}</time>
        <span className="sr-only"> ({absolute})</span>
      </span>
    </>
  );
}
