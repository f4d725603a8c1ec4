import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Hourglass } from "lucide-react";

export type PlaceholderId = "intake" | "pickup" | "packages" | "messages" | "reports";

/** An honest empty state for a section that a later release builds. */
export function Placeholder({ id }: { id: PlaceholderId }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);
  return (
    <section
      aria-labelledby={`placeholder-${id}`}
      data-testid={`placeholder-${id}`}
      className="flex h-full flex-col items-center justify-center gap-3 p-8 text-center"
    >
      <Hourglass aria-hidden="true" className="size-8 text-muted-foreground/60" />
      <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{t("placeholder.later")}</p>
      <h1 id={`placeholder-${id}`} ref={heading} tabIndex={-1} className="text-lg font-semibold outline-none">
        {t(`placeholder.${id}.title`)}
      </h1>
      <p className="max-w-md text-muted-foreground">{t(`placeholder.${id}.body`)}</p>
      <p className="max-w-md text-sm text-muted-foreground">{t("placeholder.meanwhile")}</p>
    </section>
  );
}
