import type { TFunction } from "i18next";
import type { DeskError } from "@/api/desk";

// Codes whose server/desk message helps support staff; the others say all in translation.
const WITH_DETAILS: ReadonlySet<DeskError["code"]> = new Set([
  "bad_response",
  "invalid_input",
  "conflict",
  "print_failed",
  "storage",
  "internal",
]);

/** A DeskError as text for people: translated by code, plus the detail where it helps. */
export function describeError(t: TFunction, error: DeskError): { text: string; details?: string } {
  const text = t(`errors.${error.code}`);
  if (WITH_DETAILS.has(error.code) && error.message) {
    return { text, details: t("errors.details", { message: error.message }) };
  }
  return { text };
}
