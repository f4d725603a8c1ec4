import { act, renderHook, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { message } from "@/test/messaging";
import { tauriMock } from "@/test/tauri";
import type { MessageView } from "@/bindings/MessageView";
import { MAX_LIVE_WINDOW, THREAD_PAGE, useThread } from "./useThread";

let held: MessageView[] = [];

/** The desk's paging: the `limit` messages before `beforeNo` (the latest when null), oldest first. */
function page(args: Record<string, unknown>) {
  const before = args.beforeNo as number | null;
  const limit = args.limit as number;
  const eligible = held.filter((m) => before === null || (m.no ?? Infinity) < before);
  const messages = eligible.slice(Math.max(0, eligible.length - limit));
  return { messages, has_older: eligible.length > messages.length };
}

beforeEach(() => {
  held = Array.from({ length: 600 }, (_, i) => message({ id: `n-${i + 1}`, no: i + 1 }));
  tauriMock.on("list_messages", page);
});

const nos = (list: readonly MessageView[]) => list.map((m) => m.no);

describe("useThread", () => {
  it("grows the live window page by page, then adds older pages, with no gap as new messages arrive", async () => {
    const { result } = renderHook(() => useThread("c-1"));
    await waitFor(() => expect(result.current.messages).toHaveLength(THREAD_PAGE));
    expect(result.current.hasOlder).toBe(true);

    for (let shown = THREAD_PAGE * 2; shown <= MAX_LIVE_WINDOW; shown += THREAD_PAGE) {
      act(() => result.current.loadOlder());
      await waitFor(() => expect(result.current.messages).toHaveLength(shown));
    }
    // Beyond the live window: a page before the first message held.
    act(() => result.current.loadOlder());
    await waitFor(() => expect(result.current.messages).toHaveLength(MAX_LIVE_WINDOW + THREAD_PAGE));
    expect(tauriMock.callsOf("list_messages").at(-1)).toEqual({ conversationId: "c-1", beforeNo: 101, limit: THREAD_PAGE });

    held.push(message({ id: "n-601", no: 601 }));
    tauriMock.emit("messages-changed", null);
    await waitFor(() => expect(result.current.messages.at(-1)?.no).toBe(601));
    const expected = Array.from({ length: 551 }, (_, i) => i + 51);
    expect(nos(result.current.messages)).toEqual(expected);

    act(() => result.current.loadOlder());
    await waitFor(() => expect(result.current.messages[0]?.no).toBe(1));
    expect(result.current.hasOlder).toBe(false);
    expect(nos(result.current.messages)).toEqual(Array.from({ length: 601 }, (_, i) => i + 1));
  });
});
