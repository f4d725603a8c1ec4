// The standing instructions that matter at a hand-over ("never accept signature-required
// on my behalf"): the unit's and each recipient's, read-only.
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, ClipboardList } from "lucide-react";
import { desk } from "@/api/desk";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { InstructionView } from "@/bindings/InstructionView";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";
import { PendingBadge } from "@/features/packages/PackageBits";

export interface InstructionSource {
  target: InstructionTarget;
  /** "Unit 804" or the resident's name. */
  title: string;
}

interface Loaded {
  source: InstructionSource;
  items: InstructionView[];
}

export function PickupInstructions({ sources }: { sources: readonly InstructionSource[] }) {
  const { t } = useTranslation();
  const key = JSON.stringify(sources.map((s) => [s.target.type, s.target.id, s.title]));
  const sourcesRef = useRef(sources);
  sourcesRef.current = sources;
  const query = useDeskQuery(async () => {
    const wanted = sourcesRef.current;
    const lists = await Promise.all(wanted.map((source) => desk.listInstructions(source.target)));
    return { key, loaded: wanted.map((source, i): Loaded => ({ source, items: lists[i] ?? [] })) };
  }, [key]);
  // Other people's instructions never stand in for these while they load.
  const loaded = query.data?.key === key ? query.data.loaded : null;
  const error = query.error;
  const refresh = query.refresh;
  useDeskEvent(desk.onInstructionsChanged, refresh);

  if (sources.length === 0) return null;
  const withItems = (loaded ?? []).filter((l) => l.items.length > 0);

  return (
    <section aria-labelledby="pickup-instructions-title" className="space-y-2" data-testid="pickup-instructions">
      <h2 id="pickup-instructions-title" className="flex items-center gap-2 text-sm font-semibold">
        <ClipboardList aria-hidden="true" className="size-4 text-muted-foreground" />
        {t("pickup.instructions.title")}
      </h2>
      {error ? (
        <Alert variant="destructive" role="alert" data-testid="pickup-instructions-error">
          <AlertCircle aria-hidden="true" />
          <div className="flex-1">
            <p className="font-medium">{t("pickup.instructions.loadFailed")}</p>
            <p>{describeError(t, error).text}</p>
          </div>
          <Button size="sm" variant="outline" onClick={refresh}>
            {t("app.retry")}
          </Button>
        </Alert>
      ) : loaded === null ? (
        <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status">
          <Spinner className="size-3.5" />
          {t("pickup.instructions.loading")}
        </p>
      ) : withItems.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="pickup-instructions-empty">
          {t("pickup.instructions.empty")}
        </p>
      ) : (
        <ul className="space-y-2">
          {withItems.map(({ source, items }) => (
            <li
              key={`${source.target.type}-${source.target.id}`}
              className="rounded-md border border-warning/40 bg-warning/10 px-3 py-2"
              data-testid="pickup-instruction-group"
              data-target={source.target.type}
            >
              <p className="text-xs font-medium text-warning-foreground">{source.title}</p>
              <ul className="mt-1 space-y-1">
                {items.map((item) => (
                  <li key={item.instruction.id} className="text-sm whitespace-pre-wrap" data-testid="pickup-instruction">
                    {item.instruction.text}
                    {item.pending && (
                      <>
                        {" "}
                        <PendingBadge testId="pickup-instruction-pending" />
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
