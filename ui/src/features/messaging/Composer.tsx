// Writing a message: Enter sends, Shift+Enter starts a new line; the draft is kept by the
// desk per conversation; files come from the picker, a drop or a pasted image, and are
// checked against the limits before the desk stores anything.
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Paperclip, SendHorizontal } from "lucide-react";
import { messages } from "@/api/messages";
import { toDeskError } from "@/api/desk";
import type { Attachment } from "@/bindings/Attachment";
import { Button } from "@/components/ui/button";
import { describeError } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import { cn } from "@/lib/utils";
import { AttachmentChips, isImage } from "./AttachmentChips";
import { charCount, useMessageLimits } from "./limits";

/** Typing pauses this long before the draft is saved. */
export const DRAFT_SAVE_DELAY_MS = 600;

interface Pending {
  attachment: Attachment;
  previewUrl: string | null;
}

export interface ComposerProps {
  conversationId: string;
  /** The draft the desk kept for this conversation. */
  initialDraft: string | null;
  /** This staff member left the conversation: nothing may be written. */
  readOnly?: boolean;
  /** A message was queued. */
  onSent?: () => void;
  /** Take the focus when shown (the thread was opened from the keyboard). */
  autoFocus?: boolean;
}

export interface ComposerHandle {
  focus: () => void;
}

/** A file's bytes (FileReader: the one way every webview, and jsdom, reads a File). */
function readBytes(file: File): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsArrayBuffer(file);
  });
}

function previewOf(file: File): string | null {
  if (!isImage(file.type) || typeof URL.createObjectURL !== "function") return null;
  return URL.createObjectURL(file);
}

export const Composer = forwardRef<ComposerHandle, ComposerProps>(function Composer(
  { conversationId, initialDraft, readOnly, onSent, autoFocus },
  ref,
) {
  const { t, i18n } = useTranslation();
  const limits = useMessageLimits();
  const [text, setText] = useState(initialDraft ?? "");
  const [pending, setPending] = useState<Pending[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [sending, setSending] = useState(false);
  const [attaching, setAttaching] = useState(0);
  const [dragging, setDragging] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  // What the desk holds as the draft, so only real changes are saved.
  const savedDraft = useRef(initialDraft ?? "");
  const unsaved = useRef<string | null>(null);
  // The last draft save on its way: a send waits for it, or the desk could keep a draft
  // of what was just sent (the two commands run side by side).
  const saving = useRef<Promise<unknown>>(Promise.resolve());

  useImperativeHandle(ref, () => ({ focus: () => textarea.current?.focus() }), []);

  const saveDraft = (value: string) => {
    unsaved.current = null;
    if (value === savedDraft.current) return;
    savedDraft.current = value;
    saving.current = messages
      .saveDraft(conversationId, value)
      .catch((err: unknown) => console.error("could not save the draft", err));
  };

  // Saved after a pause in typing, and at once when the conversation closes.
  useEffect(() => {
    if (text === savedDraft.current) return;
    unsaved.current = text;
    const id = window.setTimeout(() => saveDraft(text), DRAFT_SAVE_DELAY_MS);
    return () => window.clearTimeout(id);
  }, [text]);
  // Also when the window loses the focus or goes away: a draft typed just before the app
  // is closed is not lost to the pause.
  useEffect(() => {
    const flush = () => {
      if (unsaved.current !== null) saveDraft(unsaved.current);
    };
    window.addEventListener("blur", flush);
    window.addEventListener("pagehide", flush);
    return () => {
      window.removeEventListener("blur", flush);
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, []);
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  useEffect(
    () => () => pendingRef.current.forEach((p) => p.previewUrl && URL.revokeObjectURL?.(p.previewUrl)),
    [],
  );

  const chars = charCount(text);
  const maxChars = limits?.max_message_chars ?? null;
  const tooLong = maxChars !== null && chars > maxChars;
  const showCounter = maxChars !== null && chars > maxChars * 0.9;
  const empty = text.trim() === "" && pending.length === 0;

  const addFiles = async (files: File[]) => {
    if (files.length === 0 || readOnly) return;
    const found: string[] = [];
    let accepted = files;
    if (limits) {
      const room = limits.max_attachments_per_message - pending.length - attaching;
      if (files.length > room) {
        found.push(t("messages.composer.tooManyFiles", { count: limits.max_attachments_per_message }));
        accepted = [];
      } else {
        accepted = files.filter((f) => {
          if (f.size <= limits.max_attachment_bytes) return true;
          found.push(
            t("messages.composer.fileTooLarge", {
              name: f.name,
              max: formatBytes(limits.max_attachment_bytes, i18n.language),
            }),
          );
          return false;
        });
      }
    }
    setProblems(found);
    setAttaching((n) => n + accepted.length);
    for (const file of accepted) {
      try {
        const bytes = await readBytes(file);
        const attachment = await messages.attachFile(bytes, file.name || t("messages.composer.pastedImage"));
        setPending((p) => [...p, { attachment, previewUrl: previewOf(file) }]);
      } catch (err) {
        const reason = describeError(t, toDeskError(err));
        const detail = reason.details ? ` ${reason.details}` : "";
        setProblems((p) => [...p, t("messages.composer.fileRefused", { name: file.name, reason: reason.text + detail })]);
      } finally {
        setAttaching((n) => n - 1);
      }
    }
  };

  const removeAttachment = (sha256: string) =>
    setPending((p) => {
      const gone = p.find((x) => x.attachment.sha256 === sha256);
      if (gone?.previewUrl) URL.revokeObjectURL?.(gone.previewUrl);
      return p.filter((x) => x.attachment.sha256 !== sha256);
    });

  const send = async () => {
    if (sending || readOnly || empty || attaching > 0) return;
    if (tooLong) {
      setProblems([t("messages.composer.tooLong", { max: maxChars })]);
      return;
    }
    setSending(true);
    try {
      await saving.current;
      await messages.sendMessage(conversationId, text, pending.map((p) => p.attachment));
      // The desk removed the draft in the same write.
      savedDraft.current = "";
      unsaved.current = null;
      pending.forEach((p) => p.previewUrl && URL.revokeObjectURL?.(p.previewUrl));
      setText("");
      setPending([]);
      setProblems([]);
      onSent?.();
    } catch (err) {
      const reason = describeError(t, toDeskError(err));
      setProblems([t("messages.composer.sendFailed", { reason: reason.text })]);
    } finally {
      setSending(false);
      textarea.current?.focus();
    }
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const onPaste = (e: React.ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...e.clipboardData.files];
    if (files.length === 0) return;
    e.preventDefault();
    void addFiles(files);
  };

  if (readOnly) {
    return (
      <p className="border-t border-border px-4 py-3 text-sm text-muted-foreground" data-testid="composer-read-only">
        {t("messages.composer.readOnly")}
      </p>
    );
  }

  return (
    <div
      data-testid="composer"
      data-dragging={dragging}
      className={cn("border-t border-border px-4 py-3", dragging && "bg-primary/5 ring-2 ring-primary/40 ring-inset")}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void addFiles([...e.dataTransfer.files]);
      }}
    >
      {problems.length > 0 && (
        <ul role="alert" data-testid="composer-problems" className="mb-2 space-y-0.5 text-sm text-destructive">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <div className="mb-2 empty:hidden">
        <AttachmentChips
          items={pending.map((p) => ({
            key: p.attachment.sha256,
            name: p.attachment.name,
            size: p.attachment.size,
            contentType: p.attachment.content_type,
            previewUrl: p.previewUrl,
          }))}
          onRemove={removeAttachment}
        />
      </div>
      <div className="flex items-end gap-2">
        <Button
          variant="ghost"
          size="icon"
          data-testid="composer-attach"
          aria-label={t("messages.composer.attach")}
          title={t("messages.composer.attach")}
          onClick={() => fileInput.current?.click()}
        >
          <Paperclip aria-hidden="true" />
        </Button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="composer-file-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = "";
            void addFiles(files);
          }}
        />
        <textarea
          ref={textarea}
          data-testid="composer-input"
          aria-label={t("messages.composer.label")}
          aria-invalid={tooLong || undefined}
          aria-describedby={showCounter ? `${conversationId}-counter` : undefined}
          placeholder={t("messages.composer.placeholder")}
          rows={2}
          autoFocus={autoFocus}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          className="max-h-40 min-h-10 flex-1 resize-none rounded-md border border-input bg-background px-3 py-2 text-sm shadow-xs outline-none placeholder:text-muted-foreground focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 aria-invalid:border-destructive"
        />
        <Button
          data-testid="composer-send"
          onClick={() => void send()}
          disabled={empty || sending || attaching > 0 || tooLong}
          aria-label={t("messages.composer.send")}
          title={t("messages.composer.sendHint")}
        >
          <SendHorizontal aria-hidden="true" />
        </Button>
      </div>
      <div className="mt-1 flex justify-between text-xs text-muted-foreground">
        <span>{attaching > 0 ? t("messages.composer.attaching") : t("messages.composer.keys")}</span>
        {showCounter && (
          <span
            id={`${conversationId}-counter`}
            data-testid="composer-counter"
            className={cn("tabular-nums", tooLong && "font-medium text-destructive")}
          >
            {t("messages.composer.counter", { count: chars, max: maxChars })}
          </span>
        )}
      </div>
    </div>
  );
});
