// The list's filters as the desk's PackageQuery, and the sort of its answer. No rule lives
// here: the desk filters (the unit number too, over every parcel, not just those listed).
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
  /** A unit number as shown: the desk lists the units whose number starts with it. */
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

/** The query for the desk. One more than LIST_LIMIT is asked for, to know whether the list was cut. */
export function toQuery(f: PackageFilters, nowMs: number): PackageQuery {
  const text = f.text.trim();
  return {
    on_shelf: f.status === "on_shelf",
    status: f.status === "on_shelf" || f.status === "all" ? null : f.status,
    unassigned: false,
    received_before_ms: f.ageDays > 0 ? nowMs - f.ageDays * DAY_MS : null,
    unit_id: null,
    unit_number: f.unit.trim() === "" ? null : f.unit.trim(),
    carrier: f.carrier === "" ? null : f.carrier,
    text: text === "" ? null : text,
    limit: LIST_LIMIT + 1,
  };
}

/** What the desk is asked, as a key: a new key is a new question (the selection restarts). */
export function queryKey(f: PackageFilters): string {
  return JSON.stringify([f.status, f.carrier, f.ageDays, f.unit.trim(), f.text.trim()]);
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
