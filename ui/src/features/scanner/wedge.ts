// Tells a USB keyboard-wedge scanner from a person typing. A scanner "types" its code in a
// burst (a key every few milliseconds) and ends it with Enter or Tab; people leave longer
// pauses, and a paste arrives as one input event without keystrokes at all. The
// thresholds come from the desk's settings (ScannerSettings, kept in Rust).
import type { ScannerSettings } from "@/bindings/ScannerSettings";

export const DEFAULT_SCANNER_SETTINGS: ScannerSettings = { max_key_gap_ms: 40, min_length: 8 };

/** What the detector makes of one keystroke. */
export type WedgeDecision =
  /** An ordinary key: let it through. */
  | { kind: "pass" }
  /** The end of a scan: `text` was scanned; the keys of the burst should be taken back. */
  | { kind: "scan"; text: string };

export interface KeyLike {
  key: string;
  /** Milliseconds, monotonic (KeyboardEvent.timeStamp). */
  timeStamp: number;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
}

export class WedgeDetector {
  private burst = "";
  private last = Number.NEGATIVE_INFINITY;
  private settings: ScannerSettings;

  constructor(settings: ScannerSettings = DEFAULT_SCANNER_SETTINGS) {
    this.settings = settings;
  }

  configure(settings: ScannerSettings) {
    this.settings = settings;
    this.reset();
  }

  reset() {
    this.burst = "";
    this.last = Number.NEGATIVE_INFINITY;
  }

  /** True while the keys so far could be the start of a scan. */
  get inBurst(): boolean {
    return this.burst.length > 0;
  }

  /** The length of the burst so far (the characters to take back from a field on a scan). */
  get burstLength(): number {
    return this.burst.length;
  }

  feed(e: KeyLike): WedgeDecision {
    const gap = e.timeStamp - this.last;
    const quick = gap <= this.settings.max_key_gap_ms;
    if (e.key === "Enter" || e.key === "Tab") {
      const text = this.burst;
      // Ctrl+Enter saves a note, Shift+Tab goes back: a scanner sends the bare key.
      const bare = !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey;
      const scanned = bare && quick && text.length >= this.settings.min_length;
      this.reset();
      return scanned ? { kind: "scan", text } : { kind: "pass" };
    }
    // Modifier chords and named keys (Shift, ArrowLeft…) are not part of a code; Shift
    // itself arrives between the characters of an upper-case scan and is skipped.
    if (e.key === "Shift") return { kind: "pass" };
    if (e.key.length !== 1 || e.ctrlKey || e.altKey || e.metaKey) {
      this.reset();
      return { kind: "pass" };
    }
    this.burst = quick ? this.burst + e.key : e.key;
    this.last = e.timeStamp;
    return { kind: "pass" };
  }
}
