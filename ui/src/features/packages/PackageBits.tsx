// Small pieces shared by the parcel list and the parcel page.
import { useTranslation } from "react-i18next";
import { Clock, CloudUpload, GlassWater, Signature, Snowflake, type LucideIcon } from "lucide-react";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageFlags } from "@/bindings/PackageFlags";
import type { PackageStatus } from "@/bindings/PackageStatus";
import type { PackageView } from "@/bindings/PackageView";
import { Badge, type BadgeProps } from "@/components/ui/badge";
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
