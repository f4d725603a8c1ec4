import { useEffect, useRef } from "react";
import type { UnlistenFn } from "@tauri-apps/api/event";

/**
 * Subscribe to a desk event for the lifetime of the component. `subscribe` is one of the
 * `desk.on…` functions; the latest `handler` is always the one called.
 */
export function useDeskEvent<A extends unknown[]>(
  subscribe: (handler: (...args: A) => void) => Promise<UnlistenFn>,
  handler: (...args: A) => void,
) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    let unlisten: UnlistenFn | undefined;
    let disposed = false;
    subscribe((...args) => latest.current(...args)).then(
      (fn) => {
        if (disposed) fn();
        else unlisten = fn;
      },
      (err: unknown) => console.error("could not listen to a desk event", err),
    );
    return () => {
      disposed = true;
      unlisten?.();
    };
  }, [subscribe]);
}
