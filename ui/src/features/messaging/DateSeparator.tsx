// The line between two days of a thread: "Today", "Yesterday", else the day in full.
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";
import { calendarDaysAgo, formatLongDay } from "@/lib/format";

export function dayLabel(ms: number, nowMs: number, lang: string, t: TFunction): string {
  const days = calendarDaysAgo(ms, nowMs);
  if (days === 0) return t("messages.today");
  if (days === 1) return t("messages.yesterday");
  return formatLongDay(ms, lang);
}

export function DateSeparator({ ms, nowMs }: { ms: number; nowMs: number }) {
  const { t, i18n } = useTranslation();
  return (
    <li role="separator" aria-label={dayLabel(ms, nowMs, i18n.language, t)} data-testid="date-separator" className="flex items-center gap-3 py-2 text-xs text-muted-foreground">
      <span aria-hidden="true" className="h-px flex-1 bg-border" />
      <span className="font-medium">{dayLabel(ms, nowMs, i18n.language, t)}</span>
      <span aria-hidden="true" className="h-px flex-1 bg-border" />
    </li>
  );
}
