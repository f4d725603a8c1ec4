// Type-ahead over the local directory (names, unit numbers, phones): ArrowUp/ArrowDown move,
// Enter chooses, Escape clears. The search itself is desk-core's (accents, partial names).
import { forwardRef, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { X } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { ResidentHit } from "@/bindings/ResidentHit";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { describeError } from "@/lib/errors";
import { cn } from "@/lib/utils";

const LIMIT = 8;

export interface RecipientPickerProps {
  id: string;
  value: ResidentHit | null;
  onChange: (hit: ResidentHit | null) => void;
  /** After a choice with Enter: the next field takes focus. */
  onChosen?: () => void;
  label: string;
  className?: string;
}

export function residentName(hit: ResidentHit): string {
  return `${hit.first_name} ${hit.last_name}`.trim();
}

export const RecipientPicker = forwardRef<HTMLInputElement, RecipientPickerProps>(function RecipientPicker(
  { id, value, onChange, onChosen, label, className },
  ref,
) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [hits, setHits] = useState<ResidentHit[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<DeskError | null>(null);
  const latest = useRef(0);
  const listId = useId();

  useEffect(() => {
    if (value) return;
    const query = text.trim();
    if (query === "") {
      setHits([]);
      return;
    }
    const request = ++latest.current;
    desk.searchResidents(query, LIMIT).then(
      (found) => {
        if (request !== latest.current) return;
        setHits(found.hits);
        setActive(0);
        setError(null);
      },
      (err: unknown) => {
        if (request === latest.current) setError(err as DeskError);
      },
    );
  }, [text, value]);

  const choose = (hit: ResidentHit) => {
    onChange(hit);
    setText("");
    setHits([]);
    onChosen?.();
  };

  if (value) {
    return (
      <div className={cn("flex items-center gap-2 rounded-md border border-input bg-muted/40 px-3 py-1.5", className)} data-testid="recipient-chosen" data-resident-id={value.id}>
        <span className="font-medium">{residentName(value)}</span>
        {value.unit_number && (
          <span className="text-muted-foreground">{t("intake.unit", { unit: value.unit_number })}</span>
        )}
        <Button
          type="button"
          size="sm"
          variant="ghost"
          className="ml-auto h-6 px-1.5"
          onClick={() => onChange(null)}
          aria-label={t("intake.changeRecipient")}
          title={t("intake.changeRecipient")}
        >
          <X aria-hidden="true" />
        </Button>
      </div>
    );
  }

  return (
    <div className={cn("relative", className)}>
      <Input
        id={id}
        ref={ref}
        value={text}
        autoComplete="off"
        role="combobox"
        aria-label={label}
        aria-expanded={hits.length > 0}
        aria-controls={listId}
        aria-activedescendant={hits[active] ? `${listId}-${hits[active].id}` : undefined}
        placeholder={t("intake.recipientPlaceholder")}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && hits.length > 0) {
            e.preventDefault();
            setActive((i) => Math.min(i + 1, hits.length - 1));
          } else if (e.key === "ArrowUp" && hits.length > 0) {
            e.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter" && hits[active]) {
            e.preventDefault();
            e.stopPropagation();
            choose(hits[active]);
          } else if (e.key === "Escape" && text !== "") {
            e.preventDefault();
            e.stopPropagation();
            setText("");
          }
        }}
      />
      {error && (
        <p role="alert" className="mt-1 text-sm text-destructive">
          {describeError(t, error).text}
        </p>
      )}
      {text.trim() !== "" && hits.length === 0 && !error && (
        <p className="mt-1 text-sm text-muted-foreground" data-testid="recipient-none">
          {t("intake.noResident")}
        </p>
      )}
      {hits.length > 0 && (
        <ul
          id={listId}
          role="listbox"
          aria-label={label}
          className="absolute z-10 mt-1 max-h-72 w-full overflow-auto rounded-md border border-border bg-card p-1 shadow-md"
        >
          {hits.map((hit, i) => (
            <li
              key={hit.id}
              id={`${listId}-${hit.id}`}
              role="option"
              aria-selected={i === active}
              data-resident-id={hit.id}
              className={cn(
                "flex cursor-pointer items-baseline justify-between gap-3 rounded px-2 py-1.5",
                i === active && "bg-accent text-accent-foreground",
              )}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(hit);
              }}
            >
              <span>{residentName(hit)}</span>
              <span className="text-sm text-muted-foreground">
                {hit.unit_number ? t("intake.unit", { unit: hit.unit_number }) : t("intake.noUnit")}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
