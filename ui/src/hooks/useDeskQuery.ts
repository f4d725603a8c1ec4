import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import type { DeskError } from "@/api/desk";

/** A spinner shown for every keystroke's answer would flicker: only slow answers get one. */
export const SPINNER_DELAY_MS = 250;

export interface DeskQueryOptions<T> {
  /** Called with each answer that is still the latest one asked for, before it is kept. */
  onData?: (value: T) => void;
  /** Called with each failure of the latest question. */
  onError?: (error: DeskError) => void;
}

export interface DeskQuery<T> {
  /** The latest answer; kept while a newer question is on its way (no flash of empty). */
  data: T | undefined;
  /** The failure of the latest question; cleared by its next answer. */
  error: DeskError | null;
  loading: boolean;
  /** True once the latest question has taken longer than {@link SPINNER_DELAY_MS}. */
  showSpinner: boolean;
  /** How many answers have been kept: changes with each one (to refresh what depends on it). */
  version: number;
  /** Ask again (after a desk event says the answer may have changed). */
  refresh: () => void;
}

/**
 * Asks the desk `load()` whenever `deps` change or `refresh` is called. Answers can come
 * back out of order (a slow search for "a" after a quick one for "ab"): only the answer to
 * the latest question counts, and the others are dropped unseen.
 */
export function useDeskQuery<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  options: DeskQueryOptions<T> = {},
): DeskQuery<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<DeskError | null>(null);
  const [loading, setLoading] = useState(true);
  const [showSpinner, setShowSpinner] = useState(false);
  const [tick, setTick] = useState(0);
  const [version, setVersion] = useState(0);
  const latestRequest = useRef(0);
  // Read when an answer arrives, so new callbacks from a re-render are no new question.
  const loadRef = useRef(load);
  loadRef.current = load;
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    const request = ++latestRequest.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (request !== latestRequest.current) return;
        optionsRef.current.onData?.(value);
        setData(value);
        setVersion((n) => n + 1);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (request !== latestRequest.current) return;
        const e = err as DeskError;
        optionsRef.current.onError?.(e);
        setError(e);
        setLoading(false);
      },
    );
    // The caller's deps are the question; `tick` is a refresh of the same question.
  }, [...deps, tick]);

  useEffect(() => {
    if (!loading) {
      setShowSpinner(false);
      return;
    }
    const id = window.setTimeout(() => setShowSpinner(true), SPINNER_DELAY_MS);
    return () => window.clearTimeout(id);
  }, [loading]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, showSpinner, version, refresh };
}
