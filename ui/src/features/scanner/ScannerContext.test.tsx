import { useState } from "react";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { scanBurst } from "@/test/scanner";
import { ScannerProvider, useScanHandler } from "./ScannerContext";

function Screen({ name, onScan }: { name: string; onScan: (who: string, text: string) => void }) {
  useScanHandler((text) => onScan(name, text));
  return null;
}

function Note() {
  const [note, setNote] = useState("");
  return <input aria-label="Note" value={note} onChange={(e) => setNote(e.target.value)} />;
}

describe("scanner provider", () => {
  it("takes the scanned characters back out of the field and hands the code to the screen", async () => {
    const scans: Array<[string, string]> = [];
    render(
      <ScannerProvider settings={{ max_key_gap_ms: 40, min_length: 8 }}>
        <Note />
        <Screen name="intake" onScan={(who, text) => scans.push([who, text])} />
      </ScannerProvider>,
    );
    const note = screen.getByLabelText("Note");
    note.focus();
    // Typed slowly by a person: stays in the field, and Enter is just Enter.
    expect(scanBurst("fragile", { gapMs: 150 })).toBe(false);
    expect(note).toHaveValue("fragile");
    // Then a scan while the note has focus.
    expect(scanBurst("1Z12345E0205271686")).toBe(true);
    expect(note).toHaveValue("fragile");
    expect(scans).toEqual([["intake", "1Z12345E0205271686"]]);
  });

  it("a screen's handler wins over the shell's fallback, whatever the mount order", () => {
    const scans: string[] = [];
    function Shell({ withScreen }: { withScreen: boolean }) {
      useScanHandler(() => scans.push("shell"), { fallback: true });
      return withScreen ? <Screen name="pickup" onScan={(who) => scans.push(who)} /> : null;
    }
    const { rerender } = render(
      <ScannerProvider settings={{ max_key_gap_ms: 40, min_length: 8 }}>
        <Shell withScreen />
      </ScannerProvider>,
    );
    scanBurst("TBA123456789012");
    rerender(
      <ScannerProvider settings={{ max_key_gap_ms: 40, min_length: 8 }}>
        <Shell withScreen={false} />
      </ScannerProvider>,
    );
    scanBurst("TBA123456789012");
    expect(scans).toEqual(["pickup", "shell"]);
  });
});
