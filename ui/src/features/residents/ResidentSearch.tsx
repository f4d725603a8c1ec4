import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, Search, UserRoundSearch } from "lucide-react";
import { desk } from "@/api/desk";
import type { ResidentHit } from "@/bindings/ResidentHit";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";
import { cn, isEditableTarget } from "@/lib/utils";
import type { ResidentsState } from "./ResidentsScreen";

export const SEARCH_LIMIT = 100;
/** A search answered faster than this shows no spinner at all: no flicker while typing. */
const PAGE = 10;

interface Props {
  state: ResidentsState;
  onStateChange: (update: (s: ResidentsState) => ResidentsState) => void;
}

export function ResidentSearch({ state, onStateChange }: Props) {
  const { t } = useTranslation();
  const { query, hits, selectedId } = state;
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  // Search on every change of the query (and on refresh); only the latest answer counts.
  const search = useDeskQuery(() => desk.searchResidents(query, SEARCH_LIMIT), [query], {
    onData: (found) =>
      onStateChange((s) => {
        const sameQuery = s.hitsQuery === query;
        const keep = sameQuery && s.selectedId !== null && found.hits.some((h) => h.id === s.selectedId);
        return {
          ...s,
          hits: found.hits,
          total: found.total,
          hitsQuery: query,
          selectedId: keep ? s.selectedId : (found.hits[0]?.id ?? null),
        };
      }),
  });
  const { loading, showSpinner, error } = search;
  useDeskEvent(desk.onDirectoryChanged, search.refresh);

  // Focus the search on open; "/" or Ctrl+K from anywhere in the screen focuses it again.
  useEffect(() => {
    inputRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      const slash = e.key === "/" && !isEditableTarget(e.target);
      const ctrlK = (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k";
      if (slash || ctrlK) {
        e.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const list = hits ?? [];
  const activeIndex = list.length === 0 ? -1 : Math.max(0, list.findIndex((h) => h.id === selectedId));
  const active = activeIndex >= 0 ? list[activeIndex] : undefined;

  useEffect(() => {
    if (!active) return;
    const el = document.getElementById(optionId(active.id));
    el?.scrollIntoView?.({ block: "nearest" });
  }, [active]);

  const select = (index: number) => {
    const hit = list[Math.min(Math.max(index, 0), list.length - 1)];
    if (hit) onStateChange((s) => ({ ...s, selectedId: hit.id }));
  };
  const openResident = (id: string) => onStateChange((s) => ({ ...s, selectedId: id, openId: id }));

  /** Keys shared by the search box and the list. Returns true when handled. */
  const navigate = (e: React.KeyboardEvent, inList: boolean): boolean => {
    switch (e.key) {
      case "ArrowDown":
        select(activeIndex + 1);
        return true;
      case "ArrowUp":
        select(activeIndex - 1);
        return true;
      case "PageDown":
        select(activeIndex + PAGE);
        return true;
      case "PageUp":
        select(activeIndex - PAGE);
        return true;
      case "Home":
      case "End":
        // In the search box plain Home/End move the caret; Ctrl+Home/End move in the list.
        if (!inList && !e.ctrlKey) return false;
        select(e.key === "Home" ? 0 : list.length - 1);
        return true;
      case "Enter":
        if (active) openResident(active.id);
        return true;
      default:
        return false;
    }
  };

  const onInputKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Escape" && query !== "") {
      e.preventDefault();
      onStateChange((s) => ({ ...s, query: "" }));
      return;
    }
    if (navigate(e, false)) e.preventDefault();
  };

  const onListKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (navigate(e, true)) {
      e.preventDefault();
      return;
    }
    // Typing while the list has focus goes on typing in the search box.
    if (e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey && e.key !== "/") {
      inputRef.current?.focus();
    }
  };

  const trimmed = query.trim();
  const settled = hits !== null && !error;

  return (
    <section aria-labelledby="residents-title" className="flex h-full flex-col">
      <header className="space-y-3 border-b border-border px-6 pt-5 pb-4">
        <div className="flex items-baseline justify-between gap-4">
          <h1 id="residents-title" className="text-lg font-semibold tracking-tight">
            {t("residents.title")}
          </h1>
          <p className="text-xs text-muted-foreground" aria-live="polite" data-testid="resident-count">
            {settled
              ? state.total > list.length
                ? t("residents.countOf", { shown: list.length, count: state.total })
                : t("residents.count", { count: list.length })
              : ""}
          </p>
        </div>
        <div className="relative">
          <Search
            aria-hidden="true"
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
          />
          <input
            ref={inputRef}
            data-testid="resident-search"
            type="search"
            role="combobox"
            aria-label={t("residents.searchLabel")}
            aria-expanded={list.length > 0}
            aria-controls="resident-results"
            aria-autocomplete="list"
            aria-activedescendant={active ? optionId(active.id) : undefined}
            aria-keyshortcuts="/ Control+K"
            placeholder={t("residents.searchPlaceholder")}
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(e) => {
              const value = e.target.value;
              onStateChange((s) => ({ ...s, query: value }));
            }}
            onKeyDown={onInputKeyDown}
            className="h-10 w-full rounded-md border border-input bg-background pr-28 pl-9 text-sm shadow-xs outline-none placeholder:text-muted-foreground focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 [&::-webkit-search-cancel-button]:hidden"
          />
          <div className="pointer-events-none absolute top-1/2 right-3 flex -translate-y-1/2 items-center gap-2">
            {showSpinner && (
              <span className="flex items-center gap-1 text-xs text-muted-foreground" data-testid="resident-search-loading">
                <Spinner className="size-3.5" />
                <span className="sr-only">{t("residents.searching")}</span>
              </span>
            )}
            <Kbd>{t("residents.searchShortcut")}</Kbd>
          </div>
        </div>
        <p className="text-xs text-muted-foreground">{t("residents.keyboardHint")}</p>
      </header>

      {error && (
        <div className="px-6 pt-4">
          <Alert variant="destructive" role="alert" data-testid="resident-search-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              <p className="font-medium">{t("residents.searchFailed")}</p>
              <p>{describeError(t, error).text}</p>
            </div>
            <Button size="sm" variant="outline" onClick={search.refresh}>
              {t("app.retry")}
            </Button>
          </Alert>
        </div>
      )}

      {settled && list.length === 0 ? (
        <div
          className="flex flex-1 flex-col items-center justify-center gap-2 p-8 text-center text-muted-foreground"
          data-testid="resident-empty"
        >
          <UserRoundSearch aria-hidden="true" className="size-8 opacity-60" />
          {trimmed ? (
            <>
              <p className="font-medium text-foreground">{t("residents.empty", { query: trimmed })}</p>
              <p className="text-sm">{t("residents.emptyHint")}</p>
            </>
          ) : (
            <p>{t("residents.emptyDirectory")}</p>
          )}
        </div>
      ) : (
        <div
          ref={listRef}
          id="resident-results"
          role="listbox"
          aria-label={t("residents.resultsLabel")}
          aria-activedescendant={active ? optionId(active.id) : undefined}
          aria-busy={loading || undefined}
          tabIndex={list.length > 0 ? 0 : -1}
          onKeyDown={onListKeyDown}
          className={cn(
            "min-h-0 flex-1 overflow-y-auto px-3 py-2 outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-inset",
            showSpinner && "opacity-70",
          )}
        >
          {list.map((hit) => (
            <HitRow
              key={hit.id}
              hit={hit}
              active={hit.id === active?.id}
              onSelect={() => onStateChange((s) => ({ ...s, selectedId: hit.id }))}
              onOpen={() => openResident(hit.id)}
            />
          ))}
        </div>
      )}
    </section>
  );
}

function optionId(id: string) {
  return `resident-option-${id}`;
}

function HitRow({
  hit,
  active,
  onSelect,
  onOpen,
}: {
  hit: ResidentHit;
  active: boolean;
  onSelect: () => void;
  onOpen: () => void;
}) {
  const { t } = useTranslation();
  const contact = [hit.phone, hit.email].filter(Boolean).join(" · ");
  return (
    <div
      id={optionId(hit.id)}
      role="option"
      aria-selected={active}
      data-testid="resident-hit"
      data-resident-id={hit.id}
      onMouseDown={(e) => e.preventDefault() /* keep focus where it is */}
      onMouseMove={active ? undefined : onSelect}
      onClick={onOpen}
      className={cn(
        "grid cursor-pointer grid-cols-[minmax(10rem,1.3fr)_6.5rem_minmax(0,2fr)_auto] items-center gap-3 rounded-md px-3 py-2 text-sm",
        active ? "bg-primary/10 ring-1 ring-primary/30" : "hover:bg-accent",
      )}
    >
      <span className="truncate font-medium">
        {hit.first_name} {hit.last_name}
      </span>
      <span className={cn("truncate tabular-nums", !hit.unit_number && "text-muted-foreground")}>
        {hit.unit_number ? t("residents.unit", { number: hit.unit_number }) : t("residents.noUnit")}
      </span>
      <span className="truncate text-muted-foreground">{contact}</span>
      <Badge variant={hit.is_owner ? "default" : "outline"}>
        {hit.is_owner ? t("residents.owner") : t("residents.tenant")}
      </Badge>
    </div>
  );
}
