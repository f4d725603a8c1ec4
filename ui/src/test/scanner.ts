// A USB keyboard-wedge scanner as the window sees it: a keydown per character a few ms
// apart, each character landing in the focused field as a browser would type it, then Enter.
import { act } from "@testing-library/react";
import { setFieldValue } from "@/features/scanner/ScannerContext";

let clock = 10_000;

function press(target: EventTarget, key: string, gapMs: number): KeyboardEvent {
  const e = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true });
  Object.defineProperty(e, "timeStamp", { value: (clock += gapMs) });
  act(() => {
    target.dispatchEvent(e);
  });
  return e;
}

/** Scans `text` into whatever has focus; returns whether the final Enter was taken as a scan. */
export function scanBurst(text: string, { gapMs = 4, end = "Enter" }: { gapMs?: number; end?: string } = {}): boolean {
  clock += 1000;
  for (const ch of text) {
    const target = document.activeElement ?? document.body;
    const e = press(target, ch, gapMs);
    if (!e.defaultPrevented && (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)) {
      act(() => setFieldValue(target, target.value + ch));
    }
  }
  return press(document.activeElement ?? document.body, end, gapMs).defaultPrevented;
}
