// Attachments as the composer and the bubbles show them: a preview for images, a chip
// with name and size for other files.
import { useTranslation } from "react-i18next";
import { FileText, X } from "lucide-react";
import { formatBytes } from "@/lib/format";

export interface AttachmentChip {
  key: string;
  name: string;
  size: number;
  contentType: string;
  /** An object URL of the image, once there is one. */
  previewUrl?: string | null;
}

export function isImage(contentType: string): boolean {
  return contentType.startsWith("image/");
}

export interface AttachmentChipsProps {
  items: readonly AttachmentChip[];
  /** Given in the composer: each chip gets a remove button. */
  onRemove?: (key: string) => void;
}

export function AttachmentChips({ items, onRemove }: AttachmentChipsProps) {
  const { t, i18n } = useTranslation();
  if (items.length === 0) return null;
  return (
    <ul className="flex flex-wrap gap-2" aria-label={t("messages.attachments.label")}>
      {items.map((item) => (
        <li
          key={item.key}
          data-testid="attachment-chip"
          data-kind={isImage(item.contentType) ? "image" : "file"}
          className="flex max-w-64 items-center gap-2 rounded-md border border-border bg-background p-1.5 text-xs"
        >
          {isImage(item.contentType) && item.previewUrl ? (
            <img src={item.previewUrl} alt={item.name} className="size-12 rounded object-cover" data-testid="attachment-preview" />
          ) : (
            <FileText aria-hidden="true" className="size-5 shrink-0 text-muted-foreground" />
          )}
          <span className="min-w-0">
            <span className="block truncate font-medium">{item.name}</span>
            <span className="text-muted-foreground">{formatBytes(item.size, i18n.language)}</span>
          </span>
          {onRemove && (
            <button
              type="button"
              onClick={() => onRemove(item.key)}
              aria-label={t("messages.attachments.remove", { name: item.name })}
              className="ml-auto rounded p-0.5 text-muted-foreground outline-none hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring"
            >
              <X aria-hidden="true" className="size-3.5" />
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
