// A signature as the desk keeps it: the pen's strokes as SVG path data in a 1000×400 box,
// integers only, `M x y L x y …` with one `M` per stroke. Small enough to queue with the
// pickup, and shown back with an <svg><path/></svg> after checking it is only that.

import { MAX_SIGNATURE_CHARS, SIGNATURE_HEIGHT, SIGNATURE_WIDTH } from "@/bindings/limits";

// The box and the longest path are the protocol's (normalize_signature checks them on push).
export { MAX_SIGNATURE_CHARS, SIGNATURE_HEIGHT, SIGNATURE_WIDTH };
/** Points closer than this (box units) to the previous one kept are dropped. */
export const MIN_POINT_DISTANCE = 2;

/** Path data made by `encodeStrokes`: digits, spaces, M and L, nothing else. */
const SIGNATURE_PATH = /^(M \d+ \d+( L \d+ \d+)*\s?)+$/;

/** A point in the signature box (not rounded yet). */
export type Point = readonly [number, number];
export type Stroke = readonly Point[];

function clamp(value: number, max: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(Math.max(Math.round(value), 0), max);
}

/** One stroke as integer points, without the ones closer than `minDistance` to the last kept. */
function thin(stroke: Stroke, minDistance: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [rx, ry] of stroke) {
    const x = clamp(rx, SIGNATURE_WIDTH);
    const y = clamp(ry, SIGNATURE_HEIGHT);
    const last = out[out.length - 1];
    if (last && Math.hypot(x - last[0], y - last[1]) < minDistance) continue;
    out.push([x, y]);
  }
  return out;
}

/** The strokes as path data; empty strokes are left out, so no strokes give "". */
export function encodeStrokes(strokes: readonly Stroke[], minDistance = MIN_POINT_DISTANCE): string {
  const parts: string[] = [];
  for (const stroke of strokes) {
    const points = thin(stroke, minDistance);
    const [first, ...rest] = points;
    if (!first) continue;
    parts.push([`M ${first[0]} ${first[1]}`, ...rest.map(([x, y]) => `L ${x} ${y}`)].join(" "));
  }
  return parts.join(" ");
}

export type SignatureResult =
  | { kind: "empty" }
  | { kind: "ok"; path: string }
  /** Too long even simplified: staff ask for a simpler signature. */
  | { kind: "too_long" };

/** The signature to send: simplified (coarser and coarser) until it fits MAX_SIGNATURE_CHARS. */
export function signaturePath(strokes: readonly Stroke[]): SignatureResult {
  for (const minDistance of [MIN_POINT_DISTANCE, 4, 8, 12]) {
    const path = encodeStrokes(strokes, minDistance);
    if (path === "") return { kind: "empty" };
    if (path.length <= MAX_SIGNATURE_CHARS) return { kind: "ok", path };
  }
  return { kind: "too_long" };
}

/** True for path data safe to put in a `d` attribute as is (what `encodeStrokes` makes). */
export function isSignaturePath(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_SIGNATURE_CHARS && SIGNATURE_PATH.test(value);
}
