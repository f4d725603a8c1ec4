import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SPINNER_DELAY_MS, useDeskQuery } from "./useDeskQuery";

/** A promise the test settles by hand, to answer questions in any order. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(() => vi.useRealTimers());

describe("useDeskQuery", () => {
  it("keeps only the answer to the latest question, whatever order they come back in", async () => {
    const answers = new Map<string, ReturnType<typeof deferred<string>>>();
    const load = (q: string) => {
      const d = deferred<string>();
      answers.set(q, d);
      return d.promise;
    };
    const seen: string[] = [];
    const { result, rerender } = renderHook(({ q }) => useDeskQuery(() => load(q), [q], { onData: (v) => seen.push(v) }), {
      initialProps: { q: "a" },
    });
    rerender({ q: "ab" });
    await act(async () => answers.get("ab")!.resolve("answer ab"));
    await act(async () => answers.get("a")!.resolve("answer a"));
    expect(result.current.data).toBe("answer ab");
    expect(seen).toEqual(["answer ab"]);
    expect(result.current.loading).toBe(false);
  });

  it("keeps the last answer while asking again, and reports a failure until the next answer", async () => {
    let next = deferred<number>();
    const { result } = renderHook(() => useDeskQuery(() => next.promise, []));
    await act(async () => next.resolve(1));
    expect(result.current.data).toBe(1);

    next = deferred<number>();
    act(() => result.current.refresh());
    expect(result.current.loading).toBe(true);
    expect(result.current.data).toBe(1);
    await act(async () => next.reject({ code: "database", message: "disk full" }));
    expect(result.current.error).toEqual({ code: "database", message: "disk full" });
    expect(result.current.data).toBe(1);

    next = deferred<number>();
    act(() => result.current.refresh());
    await act(async () => next.resolve(2));
    expect(result.current.error).toBeNull();
    expect(result.current.data).toBe(2);
    expect(result.current.version).toBe(2);
  });

  it("shows the spinner only for a slow answer", async () => {
    vi.useFakeTimers();
    const slow = deferred<string>();
    const { result } = renderHook(() => useDeskQuery(() => slow.promise, []));
    act(() => vi.advanceTimersByTime(SPINNER_DELAY_MS - 10));
    expect(result.current.showSpinner).toBe(false);
    act(() => vi.advanceTimersByTime(20));
    expect(result.current.showSpinner).toBe(true);
    await act(async () => slow.resolve("done"));
    expect(result.current.showSpinner).toBe(false);
    vi.useRealTimers();
    await waitFor(() => expect(result.current.data).toBe("done"));
  });
});
