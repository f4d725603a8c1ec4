// The period staff pick, as the instants a report asks for. Days start at this desk's
// local midnight (the browser knows the zone and its clock changes); the report counts
// its days in the same zone, which it is told by name.
import type { ReportRequest } from "@/bindings/ReportRequest";

export type PeriodKind = "today" | "last7" | "last30" | "custom";
export const PERIOD_KINDS: readonly PeriodKind[] = ["today", "last7", "last30", "custom"];

export interface PeriodChoice {
  kind: PeriodKind;
  /** For `custom`: the first and the last day shown, `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
}

/** `YYYY-MM-DD` of a local date. */
export function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function localMidnight(iso: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d;
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

export function initialPeriod(now: Date): PeriodChoice {
  return { kind: "last7", from: isoDate(addDays(now, -6)), to: isoDate(now) };
}

/** `[from, to)` of the choice, or null when custom dates are missing or reversed. */
export function periodRange(choice: PeriodChoice, now: Date): { from_ms: number; to_ms: number } | null {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const lastDays = (n: number) => ({ from_ms: addDays(today, 1 - n).getTime(), to_ms: addDays(today, 1).getTime() });
  switch (choice.kind) {
    case "today":
      return lastDays(1);
    case "last7":
      return lastDays(7);
    case "last30":
      return lastDays(30);
    case "custom": {
      const from = localMidnight(choice.from);
      const to = localMidnight(choice.to);
      if (!from || !to || to < from) return null;
      return { from_ms: from.getTime(), to_ms: addDays(to, 1).getTime() };
    }
  }
}

/** The IANA zone of this desk (`America/Toronto` in Montréal). */
export function deskTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function reportRequest(
  range: { from_ms: number; to_ms: number },
  waitingDays: number | null,
): ReportRequest {
  return { ...range, time_zone: deskTimeZone(), waiting_days: waitingDays };
}
