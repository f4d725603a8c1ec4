// The list's filters as the desk's PackageQuery, and what the UI does itself on the
// answer (the unit filter and the sort). No lifecycle rule lives here.
import type { PackageQuery } from "@/bindings/PackageQuery";
import type { PackageStatus } from "@/bindings/PackageStatus";
import type { PackageView } from "@/bindings/PackageView";

/** How many parcels the list shows at most (the most recent ones). */
export const LIST_LIMIT = 500;

export const DAY_MS = 86_400_000;

export type StatusFilter = "on_shelf" | PackageStatus | "all";
export const STATUS_FILTERS: readonly StatusFilter[] = [
  "on_shelf",
  "waiting",
  "notified",
  "picked_up",
  "returned",
  "lost",
  "all",
];

/** "Older than N days"; 0 is any age. */
export const AGE_FILTERS: readonly number[] = [0, 1, 3, 7];

export type SortOrder = "newest" | "oldest" | "unit";
export const SORT_ORDERS: readonly SortOrder[] = ["newest", "oldest", "unit"];

export interface PackageFilters {
  status: StatusFilter;
  /** A carrier code, or "" for all. */
  carrier: string;
  /** Older than this many days; 0 for any age. */
  ageDays: number;
  /** A unit number as shown (matched here, see `matchesUnit`). */
  unit: string;
  /** Tracking number or package code, as typed or scanned. */
  text: string;
  sort: SortOrder;
}

export const initialFilters: PackageFilters = {
  status: "on_shelf",
  carrier: "",
  ageDays: 0,
  unit: "",
  text: "",
  sort: "newest",
};

/**
 * The query for the desk. One more than LIST_LIMIT is asked for, to know whether the list
 * was cut. `unit_id` stays null: the unit box holds a unit *number* as staff read it on
 * the screen, and PackageQuery.unit_id wants a unit id, so the unit filter is applied here
 * on the returned views (`matchesUnit`), on the LIST_LIMIT most recent matches.
 */
export function toQuery(f: PackageFilters, nowMs: number): PackageQuery {
  const text = f.text.trim();
  return {
    on_shelf: f.status === "on_shelf",
    status: f.status === "on_shelf" || f.status === "all" ? null : f.status,
    unassigned: false,
    received_before_ms: f.ageDays > 0 ? nowMs - f.ageDays * DAY_MS : null,
    unit_id: null,
    carrier: f.carrier === "" ? null : f.carrier,
    text: text === "" ? null : text,
    limit: LIST_LIMIT + 1,
  };
}

/** What the desk is asked, as a key: a new key is a new question (the selection restarts). */
export function queryKey(f: PackageFilters): string {
  return JSON.stringify([f.status, f.carrier, f.ageDays, f.text.trim()]);
}

/** The unit box against the unit number shown: case-insensitive prefix ("80" finds 804). */
export function matchesUnit(view: PackageView, unit: string): boolean {
  const wanted = unit.trim().toLocaleLowerCase();
  if (wanted === "") return true;
  return (view.unit_number ?? "").toLocaleLowerCase().startsWith(wanted);
}

const byUnitNumber = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export function sortViews(views: readonly PackageView[], order: SortOrder): PackageView[] {
  const out = [...views];
  const newest = (a: PackageView, b: PackageView) =>
    b.package.received_at_ms - a.package.received_at_ms || a.package.code.localeCompare(b.package.code);
  switch (order) {
    case "newest":
      out.sort(newest);
      break;
    case "oldest":
      out.sort((a, b) => -newest(a, b));
      break;
    case "unit":
      out.sort((a, b) => {
        // Parcels without a unit (not assigned yet) come last.
        if (a.unit_number === null || b.unit_number === null) {
          if (a.unit_number !== b.unit_number) return a.unit_number === null ? 1 : -1;
          return newest(a, b);
        }
        return byUnitNumber.compare(a.unit_number, b.unit_number) || newest(a, b);
      });
      break;
  }
  return out;
}
