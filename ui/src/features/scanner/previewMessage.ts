// One message of the camera preview channel, as crates/scan/src/preview/message.rs writes
// it: a little-endian u32 length, that many bytes of JSON header, then the payload (the
// JPEG of a frame).
import type { PreviewMessage } from "@/bindings/PreviewMessage";

export interface ParsedPreviewMessage {
  header: PreviewMessage;
  payload: Uint8Array;
}

export function parsePreviewMessage(data: ArrayBuffer | Uint8Array | number[]): ParsedPreviewMessage | null {
  const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : Uint8Array.from(data);
  if (bytes.byteLength < 4) return null;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.byteLength) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as PreviewMessage;
    return { header, payload: bytes.subarray(4 + length) };
  } catch {
    return null;
  }
}

/** The inverse, for tests. */
export function encodePreviewMessage(header: PreviewMessage, payload: Uint8Array = new Uint8Array()): ArrayBuffer {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.byteLength + payload.byteLength);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  out.set(payload, 4 + json.byteLength);
  return out.buffer;
}
