// The conversations, latest activity first: a search box, the All / Unread / Important
// filters and a keyboard-driven list (arrows move, Enter opens).
import { useEffect, useId, useState, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, FileEdit, Search, Star } from "lucide-react";
import type { DeskError } from "@/api/desk";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { useNow } from "@/hooks/useNow";
import { describeError } from "@/lib/errors";
import { formatListTime } from "@/lib/format";
import { cn } from "@/lib/utils";
import { MessageStatus } from "./MessageStatus";
import { conversationName } from "./messageState";
import type { ConversationFilter } from "@/bindings/ConversationFilter";
import type { ConversationSummary } from "@/bindings/ConversationSummary";

export const FILTERS: readonly ConversationFilter[] = ["all", "unread", "important"];
/** Alt+letter of each filter. */
export const FILTER_KEYS: Record<ConversationFilter, string> = { all: "A", unread: "U", important: "I" };

export function rowId(id: string) {
  return `conversation-row-${id}`;
}

export interface ConversationListProps {
  meId: string;
  conversations: readonly ConversationSummary[] | undefined;
  error: DeskError | null;
  showSpinner: boolean;
  onRetry: () => void;
  search: string;
  onSearchChange: (text: string) => void;
  filter: ConversationFilter;
  onFilterChange: (filter: ConversationFilter) => void;
  openId: string | null;
  onOpen: (id: string) => void;
  onNew: () => void;
  /** The search box, which the screen's keys ("/", Ctrl+K) focus. */
  searchRef: RefObject<HTMLInputElement | null>;
}

export function ConversationList(props: ConversationListProps) {
  const { meId, conversations, error, showSpinner, search, filter, openId, searchRef } = props;
  const { t, i18n } = useTranslation();
  const now = useNow(60_000);
  const ids = useId();
  const [selectedId, setSelectedId] = useState<string | null>(openId);
  const list = conversations ?? [];
  const index = list.length === 0 ? -1 : Math.max(0, list.findIndex((c) => c.id === selectedId));
  const current = index >= 0 ? list[index] : undefined;

  useEffect(() => {
    if (openId !== null) setSelectedId(openId);
  }, [openId]);
  const currentId = current?.id;
  useEffect(() => {
    if (currentId) document.getElementById(rowId(currentId))?.scrollIntoView?.({ block: "nearest" });
  }, [currentId]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const inSearch = e.target instanceof HTMLInputElement;
    // In the search box the row is only highlighted; in the list, focus follows it.
    const move = (to: number) => {
      const c = list[Math.min(Math.max(to, 0), list.length - 1)];
      if (!c) return;
      setSelectedId(c.id);
      if (!inSearch) document.getElementById(rowId(c.id))?.focus();
    };
    switch (e.key) {
      case "ArrowDown":
        move(index + 1);
        break;
      case "ArrowUp":
        move(index - 1);
        break;
      case "Home":
        if (inSearch && !e.ctrlKey) return;
        move(0);
        break;
      case "End":
        if (inSearch && !e.ctrlKey) return;
        move(list.length - 1);
        break;
      case "Enter":
        if (current) props.onOpen(current.id);
        break;
      case "Escape":
        if (search === "") return;
        props.onSearchChange("");
        break;
      default:
        // Typing while a row has focus goes on in the search box.
        if (!inSearch && e.key.length === 1 && e.key !== "/" && !e.ctrlKey && !e.altKey && !e.metaKey) {
          searchRef.current?.focus();
        }
        return;
    }
    e.preventDefault();
  };

  return (
    <section
      aria-labelledby={`${ids}-title`}
      data-testid="conversation-list"
      className="flex h-full w-80 shrink-0 flex-col border-r border-border"
    >
      <header className="space-y-3 border-b border-border px-4 pt-4 pb-3">
        <div className="flex items-center justify-between gap-2">
          <h1 id={`${ids}-title`} className="text-lg font-semibold tracking-tight">
            {t("messages.title")}
          </h1>
          <Button size="sm" variant="outline" onClick={props.onNew} data-testid="new-conversation" aria-keyshortcuts="Alt+N">
            <FileEdit aria-hidden="true" />
            {t("messages.new")}
            <Kbd>Alt+N</Kbd>
          </Button>
        </div>
        <div className="relative">
          <Search
            aria-hidden="true"
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
          />
          <input
            ref={searchRef}
            type="search"
            role="combobox"
            data-testid="conversation-search"
            aria-label={t("messages.searchLabel")}
            aria-controls={`${ids}-list`}
            aria-expanded={list.length > 0}
            aria-autocomplete="list"
            aria-activedescendant={current ? rowId(current.id) : undefined}
            aria-keyshortcuts="/ Control+K"
            placeholder={t("messages.searchPlaceholder")}
            autoComplete="off"
            value={search}
            onChange={(e) => props.onSearchChange(e.target.value)}
            onKeyDown={onKeyDown}
            className="h-9 w-full rounded-md border border-input bg-background pr-16 pl-9 text-sm shadow-xs outline-none placeholder:text-muted-foreground focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 [&::-webkit-search-cancel-button]:hidden"
          />
          <div className="pointer-events-none absolute top-1/2 right-2 flex -translate-y-1/2 items-center gap-1.5">
            {showSpinner && <Spinner className="size-3.5" />}
            <Kbd>/</Kbd>
          </div>
        </div>
        <div role="radiogroup" aria-label={t("messages.filters.label")} className="flex gap-1">
          {FILTERS.map((f) => (
            <button
              key={f}
              type="button"
              role="radio"
              aria-checked={filter === f}
              aria-keyshortcuts={`Alt+${FILTER_KEYS[f]}`}
              title={t("nav.shortcut", { keys: `Alt+${FILTER_KEYS[f]}` })}
              data-testid={`conversation-filter-${f}`}
              onClick={() => props.onFilterChange(f)}
              className={cn(
                "rounded-full px-3 py-1 text-xs font-medium outline-none focus-visible:ring-2 focus-visible:ring-ring",
                filter === f ? "bg-primary text-primary-foreground" : "bg-muted text-muted-foreground hover:bg-accent",
              )}
            >
              {t(`messages.filters.${f}`)}
            </button>
          ))}
        </div>
      </header>

      {error && (
        <div className="px-4 pt-3">
          <Alert variant="destructive" role="alert" data-testid="conversation-list-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              <p className="font-medium">{t("messages.loadFailed")}</p>
              <p>{describeError(t, error).text}</p>
            </div>
            <Button size="sm" variant="outline" onClick={props.onRetry}>
              {t("app.retry")}
            </Button>
          </Alert>
        </div>
      )}

      {conversations === undefined && !error ? (
        <p className="flex items-center gap-2 px-4 py-6 text-sm text-muted-foreground" role="status">
          <Spinner className="size-3.5" />
          {t("messages.loading")}
        </p>
      ) : conversations !== undefined && list.length === 0 ? (
        <p className="px-4 py-8 text-center text-sm text-muted-foreground" data-testid="conversation-list-empty">
          {search.trim() !== "" || filter !== "all" ? t("messages.noMatch") : t("messages.none")}
        </p>
      ) : (
        <ul
          id={`${ids}-list`}
          role="listbox"
          aria-label={t("messages.title")}
          className="min-h-0 flex-1 overflow-y-auto p-1"
          onKeyDown={onKeyDown}
        >
          {list.map((c) => {
            const last = c.last_message;
            const name = conversationName(c, meId, t);
            const preview = !last
              ? t("messages.noMessagesYet")
              : last.deleted
                ? t("messages.deleted")
                : last.text || t("messages.attachments.count", { count: last.attachments });
            return (
              <li
                key={c.id}
                id={rowId(c.id)}
                role="option"
                aria-selected={c.id === current?.id}
                aria-current={c.id === openId ? "true" : undefined}
                data-testid="conversation-row"
                data-conversation-id={c.id}
                data-unread={c.unread}
                tabIndex={-1}
                onClick={() => {
                  setSelectedId(c.id);
                  props.onOpen(c.id);
                }}
                className={cn(
                  "cursor-pointer rounded-md px-3 py-2 outline-none",
                  c.id === current?.id && "bg-accent",
                  c.id === openId && "ring-1 ring-primary/40",
                )}
              >
                <div className="flex items-baseline gap-2">
                  <span className={cn("flex-1 truncate text-sm", c.unread > 0 ? "font-semibold" : "font-medium")}>
                    {name}
                  </span>
                  {c.important && (
                    <Star aria-label={t("messages.important")} className="size-3.5 shrink-0 fill-warning text-warning" />
                  )}
                  <time className="shrink-0 text-xs text-muted-foreground tabular-nums">
                    {formatListTime(c.last_activity_ms, now, i18n.language)}
                  </time>
                </div>
                <div className="flex items-center gap-2">
                  {last?.own && last.state && <MessageStatus state={last.state} />}
                  <span className="flex-1 truncate text-xs text-muted-foreground" data-testid="conversation-preview">
                    {c.has_draft ? <span className="font-medium text-destructive">{t("messages.draft")} </span> : null}
                    {last && !last.own && c.kind === "group" && last.sender_name ? `${last.sender_name}: ` : ""}
                    {last?.own ? `${t("messages.you")}: ` : ""}
                    {preview}
                  </span>
                  {c.pending && <span className="text-xs text-muted-foreground">{t("messages.pending")}</span>}
                  {c.unread > 0 && (
                    <span
                      data-testid="conversation-unread"
                      aria-label={t("messages.unreadCount", { count: c.unread })}
                      className="min-w-5 rounded-full bg-primary px-1.5 text-center text-[11px] font-semibold text-primary-foreground tabular-nums"
                    >
                      {c.unread}
                    </span>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <p className="border-t border-border px-4 py-2 text-[11px] text-muted-foreground">{t("messages.keyboardHint")}</p>
    </section>
  );
}
