// The messaging limits, asked of the desk once (they come from the protocol).
import { useEffect, useState } from "react";
import { messages } from "@/api/messages";
import type { MessageLimits } from "@/bindings/MessageLimits";

let cached: Promise<MessageLimits> | null = null;

/** Forget the cached answer (tests start each from a fresh desk). */
export function resetLimitsCache() {
  cached = null;
}

/** The limits, or null until the desk answered (the desk refuses what is over them anyway). */
export function useMessageLimits(): MessageLimits | null {
  const [limits, setLimits] = useState<MessageLimits | null>(null);
  useEffect(() => {
    let gone = false;
    cached ??= messages.limits();
    cached.then(
      (l) => {
        if (!gone) setLimits(l);
      },
      (err: unknown) => {
        cached = null;
        console.error("could not read the messaging limits", err);
      },
    );
    return () => {
      gone = true;
    };
  }, []);
  return limits;
}

/** Characters as the desk counts them (Unicode scalar values, like Rust's `chars()`). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
