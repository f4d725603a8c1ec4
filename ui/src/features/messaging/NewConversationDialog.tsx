// Starting a conversation: pick one or more staff, optionally a title. One person and no
// title is the direct conversation with them, which the desk reuses when it exists.
import { useId, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle } from "lucide-react";
import { messages } from "@/api/messages";
import type { DeskError } from "@/api/desk";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Spinner } from "@/components/ui/spinner";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";

export interface NewConversationDialogProps {
  onClose: () => void;
  /** The conversation to open (a new one, or the existing direct one). */
  onStarted: (id: string) => void;
}

function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
}

export function NewConversationDialog({ onClose, onStarted }: NewConversationDialogProps) {
  const { t } = useTranslation();
  const ids = useId();
  const staff = useDeskQuery(() => messages.staffDirectory(), []);
  const [filter, setFilter] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const [title, setTitle] = useState("");
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<DeskError | null>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  const shown = useMemo(() => {
    const words = fold(filter).split(/\s+/).filter(Boolean);
    return (staff.data ?? []).filter((s) => {
      const hay = fold(`${s.name} ${s.email}`);
      return words.every((w) => hay.includes(w));
    });
  }, [staff.data, filter]);

  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));

  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    if (picked.length === 0 || starting) return;
    setStarting(true);
    setError(null);
    try {
      const id = await messages.startConversation(picked, title.trim() === "" ? null : title.trim());
      onStarted(id);
    } catch (err) {
      setError(err as DeskError);
      setStarting(false);
    }
  };

  const direct = picked.length === 1 && title.trim() === "";

  return (
    <Dialog onClose={onClose} initialFocus={filterRef} aria-labelledby={`${ids}-title`} data-testid="new-conversation-dialog">
      <form onSubmit={(e) => void start(e)} className="flex min-h-0 flex-col">
        <header className="border-b border-border px-5 py-4">
          <h2 id={`${ids}-title`} className="text-base font-semibold">
            {t("messages.newDialog.title")}
          </h2>
          <p className="text-sm text-muted-foreground">{t("messages.newDialog.help")}</p>
        </header>
        <div className="min-h-0 space-y-3 overflow-y-auto px-5 py-4">
          <div className="space-y-1.5">
            <Label htmlFor={`${ids}-filter`}>{t("messages.newDialog.staff")}</Label>
            <Input
              id={`${ids}-filter`}
              ref={filterRef}
              data-testid="new-conversation-filter"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              placeholder={t("messages.newDialog.filterPlaceholder")}
              autoComplete="off"
              onKeyDown={(e) => {
                // Enter in the filter picks the only match, or starts once someone is picked.
                if (e.key === "Enter" && shown.length === 1 && !picked.includes(shown[0]!.id)) {
                  e.preventDefault();
                  toggle(shown[0]!.id);
                  setFilter("");
                }
              }}
            />
          </div>
          {staff.error && (
            <Alert variant="destructive" role="alert">
              <AlertCircle aria-hidden="true" />
              <p className="flex-1">{describeError(t, staff.error).text}</p>
              <Button size="sm" variant="outline" onClick={staff.refresh}>
                {t("app.retry")}
              </Button>
            </Alert>
          )}
          {staff.data === undefined && !staff.error ? (
            <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status">
              <Spinner className="size-3.5" />
              {t("messages.newDialog.loading")}
            </p>
          ) : (
            <ul className="max-h-64 space-y-0.5 overflow-y-auto" aria-label={t("messages.newDialog.staff")}>
              {shown.length === 0 && staff.data !== undefined && (
                <li className="py-2 text-sm text-muted-foreground">{t("messages.newDialog.noStaff")}</li>
              )}
              {shown.map((s) => (
                <li key={s.id}>
                  <label className="flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-accent">
                    <input
                      type="checkbox"
                      data-testid="staff-option"
                      data-staff-id={s.id}
                      checked={picked.includes(s.id)}
                      onChange={() => toggle(s.id)}
                    />
                    <span className="font-medium">{s.name}</span>
                    <span className="truncate text-muted-foreground">{s.email}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <div className="space-y-1.5">
            <Label htmlFor={`${ids}-name`}>{t("messages.newDialog.name")}</Label>
            <Input
              id={`${ids}-name`}
              data-testid="new-conversation-title"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              placeholder={t("messages.newDialog.namePlaceholder")}
              autoComplete="off"
            />
            <p className="text-xs text-muted-foreground">
              {picked.length === 0
                ? t("messages.newDialog.pickSomeone")
                : direct
                  ? t("messages.newDialog.direct")
                  : t("messages.newDialog.group", { count: picked.length + 1 })}
            </p>
          </div>
          {error && (
            <Alert variant="destructive" role="alert" data-testid="new-conversation-error">
              <AlertCircle aria-hidden="true" />
              <p>{describeError(t, error).text}</p>
            </Alert>
          )}
        </div>
        <footer className="flex justify-end gap-2 border-t border-border px-5 py-3">
          <Button variant="ghost" onClick={onClose}>
            {t("messages.newDialog.cancel")}
          </Button>
          <Button type="submit" disabled={picked.length === 0 || starting} data-testid="new-conversation-start">
            {starting && <Spinner />}
            {t("messages.newDialog.start")}
          </Button>
        </footer>
      </form>
    </Dialog>
  );
}
