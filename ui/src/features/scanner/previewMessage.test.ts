import { describe, expect, it } from "vitest";
import { encodePreviewMessage, parsePreviewMessage } from "./previewMessage";

describe("preview messages", () => {
  it("splits the header from the JPEG", () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
    const buffer = encodePreviewMessage(
      { kind: "frame", seq: 3, width: 640, height: 360, aim: [160, 72, 320, 216], code: null },
      jpeg,
    );
    const parsed = parsePreviewMessage(buffer);
    expect(parsed?.header).toEqual({ kind: "frame", seq: 3, width: 640, height: 360, aim: [160, 72, 320, 216], code: null });
    expect([...(parsed?.payload ?? [])]).toEqual([...jpeg]);
  });

  it("refuses a message cut short or with a broken header", () => {
    const whole = new Uint8Array(encodePreviewMessage({ kind: "ended", reason: "failed", message: "unplugged" }));
    expect(parsePreviewMessage(whole.subarray(0, 3))).toBeNull();
    expect(parsePreviewMessage(whole.subarray(0, whole.byteLength - 1))).toBeNull();
    const broken = new Uint8Array([2, 0, 0, 0, 0x7b, 0x7b]);
    expect(parsePreviewMessage(broken)).toBeNull();
  });
});
