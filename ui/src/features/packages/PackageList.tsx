// The list of parcels: filters, a search box for scans, and a keyboard-driven list.
// It stays mounted (hidden) while a parcel's page is open, so filters, selection and
// scroll are as they were on the way back.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, PackageSearch, Search } from "lucide-react";
import { desk } from "@/api/desk";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageView } from "@/bindings/PackageView";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Kbd } from "@/components/ui/kbd";
import { NativeSelect } from "@/components/ui/native-select";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { useNow } from "@/hooks/useNow";
import { describeError } from "@/lib/errors";
import { cn, isEditableTarget } from "@/lib/utils";
import { FlagIcons, OverdueBadge, ParcelCells, PendingBadge, StatusBadge } from "./PackageBits";
import {
  AGE_FILTERS,
  initialFilters,
  LIST_LIMIT,
  queryKey,
  SORT_ORDERS,
  sortViews,
  STATUS_FILTERS,
  toQuery,
  type PackageFilters,
  type SortOrder,
  type StatusFilter,
} from "./query";

/** A list answered faster than this shows no spinner: no flicker while typing. */
const PAGE = 10;
const COLUMNS = "grid-cols-[7.5rem_minmax(9rem,1.6fr)_minmax(5rem,0.9fr)_4.5rem_minmax(6rem,0.9fr)_minmax(9rem,1.4fr)]";

export interface PackageListProps {
  /** False while a parcel's page is shown over the list. */
  active: boolean;
  /** The parcel whose page is open (the list selects it, to come back to its row). */
  openId: string | null;
  carriers: readonly CarrierOption[];
  onOpen: (id: string) => void;
  /** Where focus goes when the list shows again after a parcel's page. */
  returnFocus?: ReturnFocus;
}

/** The row of the parcel that was open ("row") or the search box ("/" on the page). */
export type ReturnFocus = "row" | "search";

export function rowId(id: string) {
  return `package-row-${id}`;
}

export function PackageList({ active, openId, carriers, onOpen, returnFocus = "row" }: PackageListProps) {
  const { t } = useTranslation();
  const now = useNow(30_000);
  const [filters, setFilters] = useState<PackageFilters>(initialFilters);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const answeredKey = useRef<string | null>(null);
  const requestedKey = useRef<string | null>(null);
  /** Enter pressed in the search box before the answer to what was typed arrived (a scan). */
  const openOnAnswer = useRef(false);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  // Read when an answer arrives: a new callback from the parent is no new question.
  const onOpenRef = useRef(onOpen);
  onOpenRef.current = onOpen;
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const ids = useId();

  const text = filters.text.trim();
  const unit = filters.unit.trim();
  const { status, carrier, ageDays } = filters;

  const shownOf = useCallback(
    (found: readonly PackageView[], f: PackageFilters) => sortViews(found.slice(0, LIST_LIMIT), f.sort),
    [],
  );

  // Ask the desk on every change of what it filters (and on refresh); only the latest answer counts.
  const query = useDeskQuery(
    async () => {
      const f: PackageFilters = { ...filtersRef.current, status, carrier, ageDays, unit, text };
      const key = queryKey(f);
      requestedKey.current = key;
      return { key, found: await desk.listPackages(toQuery(f, Date.now())) };
    },
    [status, carrier, ageDays, unit, text],
    {
      onData: ({ key, found }) => {
        // A new question starts again from the first row; a refresh keeps the selection.
        if (answeredKey.current !== null && answeredKey.current !== key) setSelectedId(null);
        answeredKey.current = key;
        if (openOnAnswer.current) {
          openOnAnswer.current = false;
          const first = shownOf(found, filtersRef.current)[0];
          if (first) {
            setSelectedId(first.package.id);
            onOpenRef.current(first.package.id);
          }
        }
      },
      onError: () => {
        openOnAnswer.current = false;
      },
    },
  );
  const views: PackageView[] | null = query.data?.found ?? null;
  const { loading, showSpinner, error, refresh } = query;
  useDeskEvent(desk.onPackagesChanged, refresh);

  // A page opened from elsewhere (Intake, Pickup): its row is the one to come back to.
  useEffect(() => {
    if (openId !== null) setSelectedId(openId);
  }, [openId]);

  const shown = useMemo(() => (views ? shownOf(views, filters) : []), [views, filters, shownOf]);
  const cut = views !== null && views.length > LIST_LIMIT;
  const activeIndex = shown.length === 0 ? -1 : Math.max(0, shown.findIndex((v) => v.package.id === selectedId));
  const current = activeIndex >= 0 ? shown[activeIndex] : undefined;

  // Focus: the search box when the list first shows; the row again when coming back from a page.
  const wasActive = useRef<boolean | null>(null);
  useEffect(() => {
    const before = wasActive.current;
    wasActive.current = active;
    if (!active) return;
    if (before === null) {
      searchRef.current?.focus();
      return;
    }
    if (before === false) {
      const row = current && returnFocus === "row" ? document.getElementById(rowId(current.package.id)) : null;
      if (row) row.focus();
      else searchRef.current?.focus();
    }
  }, [active, current, returnFocus]);

  // "/" from anywhere in the list focuses the search box.
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.key !== "/" || isEditableTarget(e.target)) return;
      if (e.ctrlKey || e.altKey || e.metaKey) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [active]);

  const currentId = current?.package.id;
  useEffect(() => {
    if (!currentId) return;
    document.getElementById(rowId(currentId))?.scrollIntoView?.({ block: "nearest" });
  }, [currentId]);

  const set = <K extends keyof PackageFilters>(key: K, value: PackageFilters[K]) =>
    setFilters((f) => ({ ...f, [key]: value }));

  const select = (index: number, focusRow: boolean) => {
    const view = shown[Math.min(Math.max(index, 0), shown.length - 1)];
    if (!view) return;
    setSelectedId(view.package.id);
    if (focusRow) document.getElementById(rowId(view.package.id))?.focus();
  };

  const open = (id: string) => {
    setSelectedId(id);
    onOpen(id);
  };

  /** Keys shared by the search box and the rows. Returns true when handled. */
  const navigate = (e: React.KeyboardEvent, inList: boolean): boolean => {
    switch (e.key) {
      case "ArrowDown":
        select(activeIndex + 1, inList);
        return true;
      case "ArrowUp":
        select(activeIndex - 1, inList);
        return true;
      case "PageDown":
        select(activeIndex + PAGE, inList);
        return true;
      case "PageUp":
        select(activeIndex - PAGE, inList);
        return true;
      case "Home":
      case "End":
        if (!inList && !e.ctrlKey) return false;
        select(e.key === "Home" ? 0 : shown.length - 1, inList);
        return true;
      default:
        return false;
    }
  };

  const onSearchKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Escape" && filters.text !== "") {
      e.preventDefault();
      set("text", "");
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      // A scanner types the code and Enter at once: open what answers the code, not the
      // row that was first before it.
      if (loading && requestedKey.current !== answeredKey.current) openOnAnswer.current = true;
      else if (current) open(current.package.id);
      return;
    }
    if (navigate(e, false)) e.preventDefault();
  };

  const onListKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      if (current) open(current.package.id);
      return;
    }
    if (navigate(e, true)) {
      e.preventDefault();
      return;
    }
    // Typing (or scanning) while a row has focus goes on in the search box.
    if (e.key.length === 1 && e.key !== "/" && e.key !== " " && !e.ctrlKey && !e.altKey && !e.metaKey) {
      searchRef.current?.focus();
    }
  };

  const settled = views !== null && !error;
  const countText = !settled
    ? ""
    : cut
      ? t("packageList.truncated", { limit: LIST_LIMIT })
      : t("packageList.count", { count: shown.length });

  return (
    <section
      aria-labelledby={`${ids}-title`}
      className="flex h-full flex-col"
      hidden={!active}
      data-testid="package-list"
    >
      <header className="space-y-3 border-b border-border px-6 pt-5 pb-4">
        <div className="flex items-baseline justify-between gap-4">
          <h1 id={`${ids}-title`} className="text-lg font-semibold tracking-tight">
            {t("packageList.title")}
          </h1>
          <p
            className={cn("text-xs", cut ? "font-medium text-warning-foreground" : "text-muted-foreground")}
            aria-live="polite"
            data-testid="package-count"
          >
            {countText}
          </p>
        </div>
        <div className="relative">
          <Search
            aria-hidden="true"
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
          />
          <input
            ref={searchRef}
            data-testid="package-search"
            type="search"
            role="combobox"
            aria-label={t("packageList.searchLabel")}
            aria-expanded={shown.length > 0}
            aria-controls={`${ids}-results`}
            aria-autocomplete="list"
            aria-activedescendant={current ? rowId(current.package.id) : undefined}
            aria-keyshortcuts="/"
            placeholder={t("packageList.searchPlaceholder")}
            autoComplete="off"
            spellCheck={false}
            value={filters.text}
            onChange={(e) => set("text", e.target.value)}
            onKeyDown={onSearchKeyDown}
            className="h-10 w-full rounded-md border border-input bg-background pr-20 pl-9 font-mono text-sm shadow-xs outline-none placeholder:font-sans placeholder:text-muted-foreground focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 [&::-webkit-search-cancel-button]:hidden"
          />
          <div className="pointer-events-none absolute top-1/2 right-3 flex -translate-y-1/2 items-center gap-2">
            {showSpinner && (
              <span className="flex items-center gap-1 text-xs text-muted-foreground" data-testid="package-list-loading">
                <Spinner className="size-3.5" />
                <span className="sr-only">{t("packageList.refreshing")}</span>
              </span>
            )}
            <Kbd>/</Kbd>
          </div>
        </div>
        <div className="flex flex-wrap items-end gap-3" role="group" aria-label={t("packageList.filters")}>
          <Filter label={t("packageList.statusFilter")} id={`${ids}-status`}>
            <NativeSelect
              id={`${ids}-status`}
              data-testid="package-filter-status"
              value={filters.status}
              onChange={(e) => set("status", e.target.value as StatusFilter)}
              className="w-40"
            >
              {STATUS_FILTERS.map((s) => (
                <option key={s} value={s}>
                  {t(`packageList.statusOptions.${s}`)}
                </option>
              ))}
            </NativeSelect>
          </Filter>
          <Filter label={t("packageList.carrierFilter")} id={`${ids}-carrier`}>
            <NativeSelect
              id={`${ids}-carrier`}
              data-testid="package-filter-carrier"
              value={filters.carrier}
              onChange={(e) => set("carrier", e.target.value)}
              className="w-44"
            >
              <option value="">{t("packageList.carrierAll")}</option>
              {carriers.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </NativeSelect>
          </Filter>
          <Filter label={t("packageList.ageFilter")} id={`${ids}-age`}>
            <NativeSelect
              id={`${ids}-age`}
              data-testid="package-filter-age"
              value={String(filters.ageDays)}
              onChange={(e) => set("ageDays", Number(e.target.value))}
              className="w-44"
            >
              {AGE_FILTERS.map((days) => (
                <option key={days} value={String(days)}>
                  {days === 0 ? t("packageList.ageAny") : t("packageList.olderThan", { count: days })}
                </option>
              ))}
            </NativeSelect>
          </Filter>
          <Filter label={t("packageList.unitFilter")} id={`${ids}-unit`}>
            <Input
              id={`${ids}-unit`}
              data-testid="package-filter-unit"
              value={filters.unit}
              onChange={(e) => set("unit", e.target.value)}
              placeholder={t("packageList.unitPlaceholder")}
              autoComplete="off"
              spellCheck={false}
              className="w-28 tabular-nums"
            />
          </Filter>
          <Filter label={t("packageList.sortLabel")} id={`${ids}-sort`}>
            <NativeSelect
              id={`${ids}-sort`}
              data-testid="package-sort"
              value={filters.sort}
              onChange={(e) => set("sort", e.target.value as SortOrder)}
              className="w-40"
            >
              {SORT_ORDERS.map((s) => (
                <option key={s} value={s}>
                  {t(`packageList.sort.${s}`)}
                </option>
              ))}
            </NativeSelect>
          </Filter>
        </div>
        <p className="text-xs text-muted-foreground">{t("packageList.keyboardHint")}</p>
      </header>

      {error && (
        <div className="px-6 pt-4">
          <Alert variant="destructive" role="alert" data-testid="package-list-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              <p className="font-medium">{t("packageList.loadFailed")}</p>
              <p>{describeError(t, error).text}</p>
            </div>
            <Button size="sm" variant="outline" onClick={refresh}>
              {t("app.retry")}
            </Button>
          </Alert>
        </div>
      )}

      {views === null && !error && (
        <p className="flex items-center gap-2 px-6 py-6 text-sm text-muted-foreground" role="status">
          <Spinner className="size-3.5" />
          {t("packageList.loading")}
        </p>
      )}

      {settled && shown.length === 0 ? (
        <div
          className="flex flex-1 flex-col items-center justify-center gap-2 p-8 text-center text-muted-foreground"
          data-testid="package-empty"
        >
          <PackageSearch aria-hidden="true" className="size-8 opacity-60" />
          <p className="font-medium text-foreground">{t("packageList.empty")}</p>
          <p className="text-sm">{t("packageList.emptyHint")}</p>
        </div>
      ) : views !== null ? (
        <div className="flex min-h-0 flex-1 flex-col">
          <div
            aria-hidden="true"
            className={cn(
              "grid gap-3 border-b border-border px-6 py-2 text-xs font-medium text-muted-foreground",
              COLUMNS,
            )}
          >
            <span>{t("packageList.columns.code")}</span>
            <span>{t("packageList.columns.recipient")}</span>
            <span>{t("packageList.columns.carrier")}</span>
            <span>{t("packageList.columns.shelf")}</span>
            <span>{t("packageList.columns.received")}</span>
            <span>{t("packageList.columns.status")}</span>
          </div>
          <div
            ref={listRef}
            id={`${ids}-results`}
            role="listbox"
            aria-label={t("packageList.resultsLabel")}
            aria-busy={loading || undefined}
            onKeyDown={onListKeyDown}
            className={cn("min-h-0 flex-1 overflow-y-auto px-3 py-2", showSpinner && "opacity-70")}
          >
            {shown.map((view) => (
              <PackageRow
                key={view.package.id}
                view={view}
                active={view.package.id === currentId}
                carriers={carriers}
                now={now}
                onSelect={() => setSelectedId(view.package.id)}
                onOpen={() => open(view.package.id)}
              />
            ))}
          </div>
        </div>
      ) : null}
    </section>
  );
}

function Filter({ label, id, children }: { label: string; id: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
        {label}
      </label>
      {children}
    </div>
  );
}

function PackageRow({
  view,
  active,
  carriers,
  now,
  onSelect,
  onOpen,
}: {
  view: PackageView;
  active: boolean;
  carriers: readonly CarrierOption[];
  now: number;
  onSelect: () => void;
  onOpen: () => void;
}) {
  const p = view.package;

  return (
    <div
      id={rowId(p.id)}
      role="option"
      aria-selected={active}
      tabIndex={active ? 0 : -1}
      data-testid="package-row"
      data-package-id={p.id}
      data-status={p.status}
      onFocus={active ? undefined : onSelect}
      onClick={onOpen}
      className={cn(
        "grid cursor-pointer items-center gap-3 rounded-md px-3 py-2 text-sm outline-none focus-visible:ring-2 focus-visible:ring-ring",
        COLUMNS,
        active ? "bg-primary/10 ring-1 ring-primary/30" : "hover:bg-accent",
      )}
    >
      <ParcelCells
        view={view}
        carriers={carriers}
        now={now}
        testIds={{ code: "package-code", recipient: "package-recipient", unit: "package-unit" }}
      />
      <span className="flex flex-wrap items-center gap-1.5">
        <StatusBadge status={p.status} />
        {view.overdue && <OverdueBadge />}
        {view.pending && <PendingBadge />}
        <FlagIcons flags={p.flags} />
      </span>
    </div>
  );
}
