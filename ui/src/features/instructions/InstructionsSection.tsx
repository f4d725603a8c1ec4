// Standing front-desk instructions ("consignes") on a resident or a unit: listed newest
// first, added, edited and deleted from the keyboard. Writes are applied by the desk at once
// and queued for the server, so after each write the list is simply fetched again: the
// queued version comes back marked `pending`.
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, ClipboardList, CloudUpload, Pencil, Plus, Trash2 } from "lucide-react";
import { desk, type DeskError } from "@/api/desk";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { InstructionView } from "@/bindings/InstructionView";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { Textarea } from "@/components/ui/textarea";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { cn, isEditableTarget } from "@/lib/utils";
import { MAX_INSTRUCTION_CHARS } from "@/bindings/limits";

/** The counter appears from this many characters on. */
export const COUNTER_FROM = MAX_INSTRUCTION_CHARS - 200;

/** Characters as Rust counts them (Unicode scalar values) in the text it will store (trimmed). */
export function instructionLength(text: string): number {
  return [...text.trim()].length;
}

export interface StaffRef {
  id: string;
  name: string;
}

export interface InstructionsSectionProps {
  target: InstructionTarget;
  title: string;
  /** "instructions-resident" or "instructions-unit" (WebDriver selectors). */
  testId: string;
  /** A single key that opens the editor when focus is not in a text field. */
  shortcut?: string;
  staff: StaffRef;
}

type Editor = { id: string | null; text: string };

/** A DeskError as lines of text, with the desk's message whenever it says more. */
function errorLines(t: ReturnType<typeof useTranslation>["t"], error: DeskError): string[] {
  const d = describeError(t, error);
  if (d.details) return [d.text, d.details];
  if (error.code === "not_found" && error.message) return [d.text, t("errors.details", { message: error.message })];
  return [d.text];
}

function excerpt(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function InstructionsSection({ target, title, testId, shortcut, staff }: InstructionsSectionProps) {
  const { t } = useTranslation();
  const [editor, setEditor] = useState<Editor | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<DeskError | null>(null);
  const [confirmingId, setConfirmingId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<DeskError | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  /** What gets focus once the list has re-rendered: the add button, or an item's button. */
  const focusNext = useRef<{ id: string | null; button: "edit" | "delete" } | null>(null);
  const targetType = target.type;
  const targetId = target.id;

  const query = useDeskQuery(
    () => desk.listInstructions({ type: targetType, id: targetId } as InstructionTarget),
    [targetType, targetId],
  );
  const items: InstructionView[] | null = query.data ?? null;
  const loadError = query.error;
  const refresh = query.refresh;
  useDeskEvent(desk.onInstructionsChanged, refresh);

  useEffect(() => {
    const next = focusNext.current;
    if (!next || editor !== null || confirmingId !== null) return;
    if (next.id === null) {
      addButton.current?.focus();
      focusNext.current = null;
      return;
    }
    const item = [...(sectionRef.current?.querySelectorAll<HTMLElement>("[data-instruction-id]") ?? [])].find(
      (el) => el.dataset.instructionId === next.id,
    );
    const button = item?.querySelector<HTMLButtonElement>(`[data-testid="instruction-${next.button}"]`);
    if (button) {
      button.focus();
      focusNext.current = null;
    }
  });

  const openEditor = useCallback((id: string | null, text: string) => {
    setEditor({ id, text });
    setSaveError(null);
    setConfirmingId(null);
  }, []);

  // The shortcut key (e.g. "i") opens a new instruction from anywhere on the page.
  useEffect(() => {
    if (!shortcut) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
      if (e.key.toLowerCase() !== shortcut || isEditableTarget(e.target)) return;
      e.preventDefault();
      if (editor) textareaRef.current?.focus();
      else openEditor(null, "");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [shortcut, editor, openEditor]);

  const closeEditor = () => {
    focusNext.current = { id: editor?.id ?? null, button: "edit" };
    setEditor(null);
    setSaveError(null);
  };

  const save = async () => {
    if (!editor || saving) return;
    setSaving(true);
    setSaveError(null);
    try {
      await desk.saveInstruction(editor.id, { type: targetType, id: targetId } as InstructionTarget, editor.text);
      focusNext.current = { id: editor.id, button: "edit" };
      setEditor(null);
      refresh();
    } catch (err) {
      setSaveError(err as DeskError);
      textareaRef.current?.focus();
    } finally {
      setSaving(false);
    }
  };

  const askDelete = (id: string) => {
    setEditor(null);
    setDeleteError(null);
    setConfirmingId(id);
  };

  const cancelDelete = () => {
    focusNext.current = confirmingId ? { id: confirmingId, button: "delete" } : null;
    setConfirmingId(null);
  };

  const confirmDelete = async () => {
    if (!confirmingId || deleting) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await desk.deleteInstruction(confirmingId);
      focusNext.current = { id: null, button: "edit" };
      setConfirmingId(null);
      refresh();
    } catch (err) {
      setDeleteError(err as DeskError);
      focusNext.current = { id: confirmingId, button: "delete" };
      setConfirmingId(null);
    } finally {
      setDeleting(false);
    }
  };

  const editorFor = (id: string | null) =>
    editor && editor.id === id ? (
      <InstructionEditor
        text={editor.text}
        onChange={(text) => setEditor({ ...editor, text })}
        onSave={() => void save()}
        onCancel={closeEditor}
        saving={saving}
        error={saveError}
        textareaRef={textareaRef}
      />
    ) : null;

  const headingId = useId();

  return (
    <Card>
      <section ref={sectionRef} data-testid={testId} aria-labelledby={headingId}>
        <CardHeader className="flex-row items-center justify-between gap-3">
          <CardTitle id={headingId} className="flex items-center gap-2">
            <ClipboardList aria-hidden="true" className="size-4 text-muted-foreground" />
            {title}
          </CardTitle>
          <Button
            ref={addButton}
            size="sm"
            variant="outline"
            onClick={() => openEditor(null, "")}
            disabled={editor !== null && editor.id === null}
            data-testid="instruction-add"
            aria-keyshortcuts={shortcut?.toUpperCase()}
            aria-label={t("instructions.add")}
            title={shortcut ? t("instructions.shortcutHint", { key: shortcut.toUpperCase() }) : undefined}
          >
            <Plus aria-hidden="true" />
            {t("instructions.add")}
            {shortcut && <Kbd aria-hidden="true">{shortcut.toUpperCase()}</Kbd>}
          </Button>
        </CardHeader>
        <CardContent className="space-y-3">
          {editorFor(null)}
          {/* Being edited but gone from the list (deleted elsewhere): keep the text on screen. */}
          {editor?.id != null &&
            items !== null &&
            !items.some((v) => v.instruction.id === editor.id) &&
            editorFor(editor.id)}
          {deleteError && (
            <Alert variant="destructive" role="alert" data-testid="instruction-delete-error">
              <AlertCircle aria-hidden="true" />
              <div className="flex-1">
                <p className="font-medium">{t("instructions.deleteFailed")}</p>
                {errorLines(t, deleteError).map((line) => (
                  <p key={line}>{line}</p>
                ))}
              </div>
            </Alert>
          )}
          {loadError && (
            <Alert variant="destructive" role="alert" data-testid="instructions-error">
              <AlertCircle aria-hidden="true" />
              <div className="flex-1">
                <p className="font-medium">{t("instructions.loadFailed")}</p>
                {errorLines(t, loadError).map((line) => (
                  <p key={line}>{line}</p>
                ))}
              </div>
              <Button size="sm" variant="outline" onClick={refresh}>
                {t("app.retry")}
              </Button>
            </Alert>
          )}
          {items === null && !loadError && (
            <p className="flex items-center gap-2 text-sm text-muted-foreground">
              <Spinner className="size-3.5" />
              {t("instructions.loading")}
            </p>
          )}
          {items !== null && items.length === 0 && !editor && (
            <p className="text-sm text-muted-foreground" data-testid="instructions-empty">
              {t("instructions.empty")}
            </p>
          )}
          {items !== null && items.length > 0 && (
            <ul className="divide-y divide-border">
              {items.map((view) => (
                <InstructionItem
                  key={view.instruction.id}
                  view={view}
                  staff={staff}
                  editor={editorFor(view.instruction.id)}
                  confirming={confirmingId === view.instruction.id}
                  deleting={deleting}
                  onEdit={() => openEditor(view.instruction.id, view.instruction.text)}
                  onDelete={() => askDelete(view.instruction.id)}
                  onConfirmDelete={() => void confirmDelete()}
                  onCancelDelete={cancelDelete}
                />
              ))}
            </ul>
          )}
        </CardContent>
      </section>
    </Card>
  );
}

function InstructionItem({
  view,
  staff,
  editor,
  confirming,
  deleting,
  onEdit,
  onDelete,
  onConfirmDelete,
  onCancelDelete,
}: {
  view: InstructionView;
  staff: StaffRef;
  editor: React.ReactNode;
  confirming: boolean;
  deleting: boolean;
  onEdit: () => void;
  onDelete: () => void;
  onConfirmDelete: () => void;
  onCancelDelete: () => void;
}) {
  const { t, i18n } = useTranslation();
  const { instruction: ins, pending } = view;
  const when = formatDateTime(ins.updated_at_ms, i18n.language);
  const who =
    ins.updated_by === staff.id
      ? t("instructions.byYou", { name: staff.name, when })
      : t("instructions.byOther", { when });

  return (
    <li
      data-testid="instruction"
      data-instruction-id={ins.id}
      data-pending={pending ? "true" : "false"}
      className="py-2.5 first:pt-0 last:pb-0"
    >
      {editor ?? (
        <div className="flex items-start gap-3">
          <div className="min-w-0 flex-1 space-y-1">
            <p className="text-sm break-words whitespace-pre-wrap" data-testid="instruction-body">
              {ins.text}
            </p>
            <p className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
              <span data-testid="instruction-meta">{who}</span>
              {pending && (
                <Badge variant="warning" title={t("instructions.pendingHelp")} data-testid="instruction-pending">
                  <CloudUpload aria-hidden="true" className="mr-1 size-3" />
                  {t("instructions.pending")}
                </Badge>
              )}
            </p>
          </div>
          {!confirming && (
            <div className="flex shrink-0 gap-1">
              <Button
                size="sm"
                variant="ghost"
                onClick={onEdit}
                data-testid="instruction-edit"
                aria-label={t("instructions.editLabel", { text: excerpt(ins.text) })}
              >
                <Pencil aria-hidden="true" />
                {t("instructions.edit")}
              </Button>
              <Button
                size="sm"
                variant="ghost"
                onClick={onDelete}
                data-testid="instruction-delete"
                aria-label={t("instructions.deleteLabel", { text: excerpt(ins.text) })}
                className="text-destructive hover:text-destructive"
              >
                <Trash2 aria-hidden="true" />
                {t("instructions.delete")}
              </Button>
            </div>
          )}
        </div>
      )}
      {confirming && <DeleteConfirm deleting={deleting} onConfirm={onConfirmDelete} onCancel={onCancelDelete} />}
    </li>
  );
}

function DeleteConfirm({
  deleting,
  onConfirm,
  onCancel,
}: {
  deleting: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const labelId = useId();
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmButton.current?.focus(), []);

  return (
    <div
      role="group"
      aria-labelledby={labelId}
      data-testid="instruction-delete-prompt"
      className="mt-2 flex flex-wrap items-center gap-2 rounded-md border border-destructive/30 bg-destructive/5 px-3 py-2 text-sm"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      <span id={labelId} className="font-medium text-destructive">
        {t("instructions.deleteConfirm")}
      </span>
      <Button
        ref={confirmButton}
        size="sm"
        variant="destructive"
        onClick={onConfirm}
        disabled={deleting}
        data-testid="instruction-delete-confirm"
        aria-keyshortcuts="Enter"
      >
        {deleting ? <Spinner className="size-3.5" /> : <Trash2 aria-hidden="true" />}
        {t("instructions.deleteYes")}
      </Button>
      <Button size="sm" variant="outline" onClick={onCancel} disabled={deleting} aria-keyshortcuts="Escape">
        {t("instructions.deleteNo")}
      </Button>
      <span className="text-xs text-muted-foreground">{t("instructions.deleteHint")}</span>
    </div>
  );
}

function InstructionEditor({
  text,
  onChange,
  onSave,
  onCancel,
  saving,
  error,
  textareaRef,
}: {
  text: string;
  onChange: (text: string) => void;
  onSave: () => void;
  onCancel: () => void;
  saving: boolean;
  error: DeskError | null;
  textareaRef: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const { t } = useTranslation();
  const id = useId();
  const length = instructionLength(text);
  const tooLong = length > MAX_INSTRUCTION_CHARS;
  const showCounter = length >= COUNTER_FROM;

  useEffect(() => {
    const el = textareaRef.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, [textareaRef]);

  return (
    <div className="space-y-2" data-testid="instruction-editor">
      <label htmlFor={id} className="sr-only">
        {t("instructions.textLabel")}
      </label>
      <Textarea
        id={id}
        ref={textareaRef}
        value={text}
        rows={3}
        placeholder={t("instructions.placeholder")}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSave();
          } else if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            if (!saving) onCancel();
          }
        }}
        aria-invalid={tooLong || error !== null ? true : undefined}
        aria-describedby={`${id}-hint`}
        aria-keyshortcuts="Control+Enter Escape"
        readOnly={saving}
        data-testid="instruction-text"
      />
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" onClick={onSave} disabled={saving} data-testid="instruction-save">
          {saving && <Spinner className="size-3.5" />}
          {saving ? t("instructions.saving") : t("instructions.save")}
        </Button>
        <Button size="sm" variant="outline" onClick={onCancel} disabled={saving} data-testid="instruction-cancel">
          {t("instructions.cancel")}
        </Button>
        <span id={`${id}-hint`} className="text-xs text-muted-foreground">
          {t("instructions.editorHint")}
        </span>
        {showCounter && (
          <span
            aria-live="polite"
            data-testid="instruction-counter"
            className={cn("ml-auto text-xs tabular-nums", tooLong ? "font-medium text-destructive" : "text-muted-foreground")}
          >
            {tooLong
              ? t("instructions.tooLong", { count: length, max: MAX_INSTRUCTION_CHARS })
              : t("instructions.counter", { count: length, max: MAX_INSTRUCTION_CHARS })}
          </span>
        )}
      </div>
      {error && (
        <Alert variant="destructive" role="alert" data-testid="instruction-error">
          <AlertCircle aria-hidden="true" />
          <div className="flex-1">
            <p className="font-medium">{t("instructions.saveFailed")}</p>
            {errorLines(t, error).map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
        </Alert>
      )}
    </div>
  );
}
