import * as React from "react";
import { cn } from "@/lib/utils";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface DialogProps extends React.HTMLAttributes<HTMLDivElement> {
  /** Called on Escape and on a click outside the dialog. */
  onClose: () => void;
  /** What gets focus on open (defaults to the dialog itself). */
  initialFocus?: React.RefObject<HTMLElement | null>;
}

/**
 * A modal dialog: focus moves in on open, stays inside (Tab wraps), returns where it was on
 * close; Escape closes. Keys pressed inside do not reach the window's shortcuts behind it.
 * Rendered only while open (mount it conditionally).
 */
export function Dialog({ onClose, initialFocus, className, children, onKeyDown, ...props }: DialogProps) {
  const panel = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (initialFocus?.current ?? panel.current)?.focus();
    return () => {
      if (before && before.isConnected) before.focus();
    };
    // On open and on close only.
  }, []);

  const handleKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    onKeyDown?.(e);
    if (e.defaultPrevented) {
      e.stopPropagation();
      return;
    }
    if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key === "Tab" && panel.current) {
      const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (items.length === 0) {
        e.preventDefault();
      } else {
        const first = items[0]!;
        const last = items[items.length - 1]!;
        const active = document.activeElement;
        if (e.shiftKey && (active === first || active === panel.current)) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && active === last) {
          e.preventDefault();
          first.focus();
        }
      }
    }
    e.stopPropagation();
  };

  return (
    <div
      className="fixed inset-0 z-50 flex items-start justify-center bg-black/40 p-6 pt-[10vh]"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        tabIndex={-1}
        onKeyDown={handleKeyDown}
        className={cn(
          "flex max-h-[80vh] w-full max-w-2xl flex-col rounded-lg border border-border bg-card text-card-foreground shadow-lg outline-none focus-visible:ring-2 focus-visible:ring-ring",
          className,
        )}
        {...props}
      >
        {children}
      </div>
    </div>
  );
}
