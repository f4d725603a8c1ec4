// The small mark under an own message: sending (clock), sent (one check), delivered (two
// checks), read (two checks, coloured), failed (a warning).
import { useTranslation } from "react-i18next";
import { AlertCircle, Check, CheckCheck, Clock } from "lucide-react";
import { cn } from "@/lib/utils";
import type { MessageState } from "@/bindings/MessageState";

const ICONS = { sending: Clock, sent: Check, delivered: CheckCheck, read: CheckCheck, failed: AlertCircle } as const;

export function MessageStatus({ state }: { state: MessageState }) {
  const { t } = useTranslation();
  const Icon = ICONS[state];
  const label = t(`messages.state.${state}`);
  return (
    <span
      data-testid="message-state"
      data-state={state}
      role="img"
      aria-label={label}
      title={label}
      className={cn(
        "inline-flex items-center",
        state === "read" && "text-primary",
        state === "failed" && "text-destructive",
      )}
    >
      <Icon aria-hidden="true" className="size-3.5" />
    </span>
  );
}
