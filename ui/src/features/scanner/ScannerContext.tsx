// Scans from a USB keyboard-wedge scanner, anywhere in the window. The provider watches
// every keystroke (capture phase, before any field sees it), tells scans from typing with
// the WedgeDetector, takes the scanned characters back out of the field they were typed
// into, and hands the code to the screen that asked for scans (the most recently mounted
// handler wins: Intake and Pickup register one). The app shell registers a fallback, used
// only when no screen asked (React mounts parents after their children, so "most recent"
// alone would let the shell win).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, type ReactNode } from "react";
import { desk } from "@/api/desk";
import type { ScannerSettings } from "@/bindings/ScannerSettings";
import { WedgeDetector } from "./wedge";

export type ScanHandler = (text: string) => void;

interface ScannerApi {
  /** Registers a handler; returns the function that removes it. */
  register: (handler: ScanHandler, fallback: boolean) => () => void;
  /** Applies new thresholds at once (after Settings saved them). */
  configure: (settings: ScannerSettings) => void;
  /** Hands a code read another way (the webcam) to the handler a USB scan would reach. */
  dispatch: ScanHandler;
}

const ScannerContext = createContext<ScannerApi | null>(null);

/** What a field held when a burst began, to put back if the burst was a scan. */
interface Snapshot {
  element: HTMLInputElement | HTMLTextAreaElement;
  value: string;
  selectionStart: number | null;
  selectionEnd: number | null;
}

function editableField(target: EventTarget | null): HTMLInputElement | HTMLTextAreaElement | null {
  if (target instanceof HTMLTextAreaElement) return target;
  if (target instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit", "reset"].includes(target.type)) {
    return target;
  }
  return null;
}

/** Sets a field's value so that React's onChange sees it (React tracks the native setter). */
export function setFieldValue(element: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = element instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value")?.set?.call(element, value);
  element.dispatchEvent(new Event("input", { bubbles: true }));
}

export function ScannerProvider({ children, settings }: { children: ReactNode; settings?: ScannerSettings }) {
  const detector = useRef(new WedgeDetector());
  const handlers = useRef<ScanHandler[]>([]);
  const fallbacks = useRef<ScanHandler[]>([]);
  const snapshot = useRef<Snapshot | null>(null);

  const configure = useCallback((s: ScannerSettings) => detector.current.configure(s), []);
  const dispatch = useCallback((text: string) => {
    const handler = handlers.current.at(-1) ?? fallbacks.current.at(-1);
    handler?.(text);
  }, []);

  useEffect(() => {
    if (settings) {
      configure(settings);
      return;
    }
    let gone = false;
    desk.scannerSettings().then(
      (s) => {
        if (!gone) configure(s);
      },
      // The defaults stay in force; Settings shows the stored ones or the error.
      (err: unknown) => console.warn("scanner settings could not be read; using the defaults", err),
    );
    return () => {
      gone = true;
    };
  }, [settings, configure]);

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.isComposing) return;
      const d = detector.current;
      const decision = d.feed(e);
      if (decision.kind === "pass") {
        // The first character of what may be a scan: remember the field as it was.
        if (d.burstLength === 1 && e.key.length === 1) {
          const field = editableField(e.target);
          snapshot.current = field
            ? {
                element: field,
                value: field.value,
                selectionStart: field.selectionStart,
                selectionEnd: field.selectionEnd,
              }
            : null;
        }
        return;
      }
      e.preventDefault();
      e.stopPropagation();
      const before = snapshot.current;
      snapshot.current = null;
      if (before && before.element.isConnected) {
        setFieldValue(before.element, before.value);
        try {
          before.element.setSelectionRange(before.selectionStart, before.selectionEnd);
        } catch {
          // Some input types (email, number) have no selection; the value is what matters.
        }
      }
      dispatch(decision.text);
    };
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, [dispatch]);

  const register = useCallback((handler: ScanHandler, fallback: boolean) => {
    const list = fallback ? fallbacks.current : handlers.current;
    list.push(handler);
    return () => {
      const i = list.lastIndexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }, []);

  const api = useMemo(() => ({ register, configure, dispatch }), [register, configure, dispatch]);
  return <ScannerContext.Provider value={api}>{children}</ScannerContext.Provider>;
}

/**
 * Receive scans while this component is mounted (and `enabled`); the latest handler is
 * called. A `fallback` handler only gets the scans no other handler takes.
 */
export function useScanHandler(handler: ScanHandler, { enabled = true, fallback = false } = {}) {
  const api = useContext(ScannerContext);
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!api || !enabled) return;
    return api.register((text) => latest.current(text), fallback);
  }, [api, enabled, fallback]);
}

/** Send a code to whoever takes scans now, exactly as a USB scan of it would be. */
export function useScanDispatch(): ScanHandler | null {
  return useContext(ScannerContext)?.dispatch ?? null;
}

/** Apply new scanner thresholds at once (Settings). */
export function useScannerConfigure(): ((settings: ScannerSettings) => void) | null {
  return useContext(ScannerContext)?.configure ?? null;
}
