import { describe, expect, it } from "vitest";
import { WedgeDetector, type KeyLike } from "./wedge";

/** Keystrokes of `text` starting at `t0`, `gaps(i)` ms apart, then `end`. */
function keys(text: string, gaps: (i: number) => number, end = "Enter", t0 = 1000): KeyLike[] {
  const out: KeyLike[] = [];
  let t = t0;
  for (const [i, ch] of [...text].entries()) {
    if (i > 0) t += gaps(i);
    out.push({ key: ch, timeStamp: t });
  }
  out.push({ key: end, timeStamp: t + gaps(text.length) });
  return out;
}

function run(detector: WedgeDetector, stream: KeyLike[]) {
  return stream.map((k) => detector.feed(k)).filter((d) => d.kind === "scan");
}

describe("keyboard-wedge scanner detection", () => {
  it("takes a burst ended by Enter as a scan", () => {
    const d = new WedgeDetector();
    expect(run(d, keys("1Z12345E0205271686", () => 8))).toEqual([{ kind: "scan", text: "1Z12345E0205271686" }]);
  });

  it("takes a burst ended by Tab as a scan, and skips the Shift keys of capitals", () => {
    const d = new WedgeDetector();
    const stream: KeyLike[] = [];
    let t = 0;
    for (const ch of "TBA123456789012") {
      stream.push({ key: "Shift", timeStamp: (t += 2) });
      stream.push({ key: ch, timeStamp: (t += 3) });
    }
    stream.push({ key: "Tab", timeStamp: (t += 4) });
    expect(run(d, stream)).toEqual([{ kind: "scan", text: "TBA123456789012" }]);
  });

  it("never takes human typing for a scan, even of a long number", () => {
    const d = new WedgeDetector();
    const human = (i: number) => 120 + ((i * 37) % 90);
    expect(run(d, keys("1Z12345E0205271686", human))).toEqual([]);
  });

  it("does not take a fast typist for a scanner", () => {
    const d = new WedgeDetector();
    // About 150 words a minute: 80 ms between keys, with a few quick rolls.
    const typist = (i: number) => (i % 5 === 0 ? 35 : 80);
    expect(run(d, keys("bonjour madame", typist))).toEqual([]);
  });

  it("ignores a short quick burst (a word typed fast, then Enter)", () => {
    const d = new WedgeDetector();
    expect(run(d, keys("ok", () => 10))).toEqual([]);
    expect(run(d, keys("1234567", () => 10))).toEqual([]);
  });

  it("a paste has no keystrokes: only the Enter after it arrives, which is not a scan", () => {
    const d = new WedgeDetector();
    expect(d.feed({ key: "v", ctrlKey: true, timeStamp: 10 })).toEqual({ kind: "pass" });
    expect(d.feed({ key: "Enter", timeStamp: 15 })).toEqual({ kind: "pass" });
  });

  it("a pause inside the burst starts it again, and the tail alone may still be a scan", () => {
    const d = new WedgeDetector();
    const stream = [
      ...keys("abc", () => 10, "", 0).slice(0, 3),
      ...keys("9612019971234567", () => 10, "Enter", 500),
    ];
    expect(run(d, stream)).toEqual([{ kind: "scan", text: "9612019971234567" }]);
  });

  it("a slow Enter after a quick burst is typing", () => {
    const d = new WedgeDetector();
    const stream = keys("1Z12345E0205271686", (i) => (i === 18 ? 400 : 8));
    expect(run(d, stream)).toEqual([]);
  });

  it("a burst ended by Ctrl+Enter or Shift+Tab is typing (a note saved, a field left)", () => {
    const d = new WedgeDetector();
    const saved = keys("Perishables: call first", () => 5);
    saved[saved.length - 1] = { ...saved[saved.length - 1]!, ctrlKey: true };
    expect(run(d, saved)).toEqual([]);
    const back = keys("1Z12345E0205271686", () => 5, "Tab");
    back[back.length - 1] = { ...back[back.length - 1]!, shiftKey: true };
    expect(run(d, back)).toEqual([]);
  });

  it("follows its settings", () => {
    const d = new WedgeDetector({ max_key_gap_ms: 100, min_length: 4 });
    expect(run(d, keys("ABCD", () => 90))).toEqual([{ kind: "scan", text: "ABCD" }]);
    d.configure({ max_key_gap_ms: 20, min_length: 4 });
    expect(run(d, keys("ABCD", () => 90))).toEqual([]);
  });

  it("two scans in a row are two scans", () => {
    const d = new WedgeDetector();
    const stream = [...keys("1Z12345E0205271686", () => 5, "Enter", 0), ...keys("TBA123456789012", () => 5, "Enter", 1000)];
    expect(run(d, stream).map((s) => s.kind === "scan" && s.text)).toEqual(["1Z12345E0205271686", "TBA123456789012"]);
  });
});
