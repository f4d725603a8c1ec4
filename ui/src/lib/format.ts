// Dates and times, always through Intl in the UI language.

export function formatTime(ms: number, lang: string): string {
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-CA" : "en-CA", {
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(ms));
}

export function formatDateTime(ms: number, lang: string): string {
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-CA" : "en-CA", {
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(ms));
}

/** A calendar date `YYYY-MM-DD` (no time zone) in the UI language; anything else as is. */
export function formatCalendarDate(value: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return value;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang === "fr" ? "fr-CA" : "en-CA", {
    dateStyle: "long",
  }).format(date);
}

/** "2 minutes ago" / "il y a 2 minutes"; null under 45 s (the caller says "just now"). */
export function formatAgo(thenMs: number, nowMs: number, lang: string): string | null {
  const seconds = Math.round((nowMs - thenMs) / 1000);
  if (seconds < 45) return null;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return rtf.format(-minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 24) return rtf.format(-hours, "hour");
  return rtf.format(-Math.round(hours / 24), "day");
}

/** Whole seconds until `atMs`, never negative. */
export function secondsUntil(atMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((atMs - nowMs) / 1000));
}

/** A language code such as "fr" as a name in the UI language ("French"/"français"). */
export function languageName(code: string, lang: string): string {
  try {
    const names = new Intl.DisplayNames([lang], { type: "language" });
    const name = names.of(code) ?? code;
    return name.charAt(0).toLocaleUpperCase(lang) + name.slice(1);
  } catch {
    return code;
  }
}

function locale(lang: string): string {
  return lang === "fr" ? "fr-CA" : "en-CA";
}

/** A calendar date `YYYY-MM-DD` as a short day ("Oct 31" / "31 oct."), for chart axes. */
export function formatShortDate(value: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return value;
  // At noon UTC and shown in UTC: the same calendar day whatever this machine's zone.
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(lang), { month: "short", day: "numeric", timeZone: "UTC" }).format(date);
}

/** A wait in the unit that reads best: minutes under an hour, hours under two days, then days. */
export function formatDuration(ms: number, lang: string): string {
  const unit = (u: "minute" | "hour" | "day", v: number) =>
    new Intl.NumberFormat(locale(lang), { style: "unit", unit: u, unitDisplay: "short", maximumFractionDigits: 1 }).format(v);
  const minutes = ms / 60_000;
  if (minutes < 60) return unit("minute", Math.round(minutes));
  const hours = minutes / 60;
  if (hours < 48) return unit("hour", Math.round(hours * 10) / 10);
  return unit("day", Math.round((hours / 24) * 10) / 10);
}

/** Calendar days from `ms` to `nowMs` on this computer's clock: 0 today, 1 yesterday. */
export function calendarDaysAgo(ms: number, nowMs: number): number {
  const day = (t: number) => {
    const d = new Date(t);
    return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  };
  return Math.round((day(nowMs) - day(ms)) / 86_400_000);
}

/** A day in full ("Monday, November 30, 2026" / "lundi 30 novembre 2026"). */
export function formatLongDay(ms: number, lang: string): string {
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: "full" }).format(new Date(ms));
}

/** A time in a list: the time today, the day this year, else the date. */
export function formatListTime(ms: number, nowMs: number, lang: string): string {
  if (calendarDaysAgo(ms, nowMs) === 0) return formatTime(ms, lang);
  const sameYear = new Date(ms).getFullYear() === new Date(nowMs).getFullYear();
  return new Intl.DateTimeFormat(locale(lang), {
    month: "short",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(new Date(ms));
}

/** A file size in the unit that reads best ("2.4 MB" / "2,4 Mo"). */
export function formatBytes(bytes: number, lang: string): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale(lang), {
    style: "unit",
    unit: units[i],
    unitDisplay: "short",
    maximumFractionDigits: i === 0 ? 0 : 1,
  }).format(value);
}
