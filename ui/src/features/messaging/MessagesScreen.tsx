// The Messages section: conversations on the left, the open one on the right.
// Keys: "/" or Ctrl+K search, arrows and Enter in the list, Escape back to the list,
// Alt+N a new conversation, Alt+A / Alt+U / Alt+I the All / Unread / Important filters.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { CloudOff, MessagesSquare } from "lucide-react";
import { messages } from "@/api/messages";
import type { SyncStatus } from "@/bindings/SyncStatus";
import { Alert } from "@/components/ui/alert";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { isEditableTarget } from "@/lib/utils";
import { ConversationList, FILTER_KEYS, FILTERS, rowId } from "./ConversationList";
import { NewConversationDialog } from "./NewConversationDialog";
import type { ConversationFilter } from "@/bindings/ConversationFilter";
import type { ConversationQuery } from "@/bindings/ConversationQuery";
import { Thread } from "./Thread";

export interface MessagesScreenProps {
  meId: string;
  status: SyncStatus;
  /** The open conversation, kept by the shell so that it is still open after a trip to another section. */
  openId?: string | null;
  onOpenChange?: (id: string | null) => void;
}

export function toConversationQuery(search: string, filter: ConversationFilter): ConversationQuery {
  const text = search.trim();
  return { search: text === "" ? null : text, filter, limit: null };
}

function filterForKey(e: KeyboardEvent): ConversationFilter | null {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  const letter = /^Key([A-Z])$/.exec(e.code)?.[1] ?? e.key.toUpperCase();
  return FILTERS.find((f) => FILTER_KEYS[f] === letter) ?? null;
}

function isNewShortcut(e: KeyboardEvent): boolean {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return false;
  return e.code === "KeyN" || e.key.toLowerCase() === "n";
}

export function MessagesScreen({ meId, status, openId: shownId, onOpenChange }: MessagesScreenProps) {
  const { t } = useTranslation();
  const [search, setSearch] = useState("");
  const [filter, setFilter] = useState<ConversationFilter>("all");
  const [localOpenId, setLocalOpenId] = useState<string | null>(shownId ?? null);
  const openId = onOpenChange ? (shownId ?? null) : localOpenId;
  const setOpenId = onOpenChange ?? setLocalOpenId;
  const [creating, setCreating] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);

  const query = toConversationQuery(search, filter);
  const conversations = useDeskQuery(() => messages.listConversations(query), [query.search, query.filter]);
  useDeskEvent(messages.onMessagesChanged, conversations.refresh);

  useEffect(() => searchRef.current?.focus(), []);

  const back = () => {
    const was = openId;
    setOpenId(null);
    // The row of the conversation just closed, else the search box.
    window.setTimeout(() => {
      const row = was ? document.getElementById(rowId(was)) : null;
      if (row) row.focus();
      else searchRef.current?.focus();
    });
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || creating) return;
      const wantsSearch =
        (e.key === "/" && !e.ctrlKey && !e.altKey && !e.metaKey && !isEditableTarget(e.target)) ||
        (e.key.toLowerCase() === "k" && e.ctrlKey && !e.altKey && !e.metaKey);
      const f = filterForKey(e);
      if (wantsSearch) {
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (isNewShortcut(e)) {
        setCreating(true);
      } else if (f) {
        setFilter(f);
      } else if (e.key === "Escape" && openId !== null) {
        back();
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const offline = status.connection.state !== "online";

  return (
    <div className="flex h-full flex-col" data-testid="messages-screen">
      {offline && (
        <Alert variant="warning" className="m-3 mb-0" data-testid="messages-offline" role="status">
          <CloudOff aria-hidden="true" />
          <p>{t("messages.offline", { count: status.queued })}</p>
        </Alert>
      )}
      <div className="flex min-h-0 flex-1">
        <ConversationList
          searchRef={searchRef}
          meId={meId}
          conversations={conversations.data}
          error={conversations.error}
          showSpinner={conversations.showSpinner}
          onRetry={conversations.refresh}
          search={search}
          onSearchChange={setSearch}
          filter={filter}
          onFilterChange={setFilter}
          openId={openId}
          onOpen={setOpenId}
          onNew={() => setCreating(true)}
        />
        {openId !== null ? (
          <Thread key={openId} conversationId={openId} meId={meId} onBack={back} />
        ) : (
          <div className="flex flex-1 flex-col items-center justify-center gap-2 p-8 text-center text-muted-foreground" data-testid="no-thread">
            <MessagesSquare aria-hidden="true" className="size-8 opacity-60" />
            <p className="text-sm">{t("messages.pick")}</p>
          </div>
        )}
      </div>
      {creating && (
        <NewConversationDialog
          onClose={() => setCreating(false)}
          onStarted={(id) => {
            setCreating(false);
            setOpenId(id);
            conversations.refresh();
          }}
        />
      )}
    </div>
  );
}
