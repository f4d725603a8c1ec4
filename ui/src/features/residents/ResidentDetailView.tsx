import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, ArrowLeft, Home, Mail, Phone, Users } from "lucide-react";
import { desk } from "@/api/desk";
import type { ResidentDetail } from "@/bindings/ResidentDetail";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { InstructionsSection, type StaffRef } from "@/features/instructions/InstructionsSection";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useDeskQuery } from "@/hooks/useDeskQuery";
import { describeError } from "@/lib/errors";
import { formatCalendarDate, languageName } from "@/lib/format";
import { isEditableTarget } from "@/lib/utils";

const KNOWN_METHODS = new Set(["email", "sms", "phone", "none"]);

export interface ResidentDetailViewProps {
  id: string;
  onBack: () => void;
  onOpen: (id: string) => void;
  /** Who is signed in at this desk (instructions say who wrote them). */
  staff: StaffRef;
}

export function ResidentDetailView({ id, onBack, onOpen, staff }: ResidentDetailViewProps) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const query = useDeskQuery(() => desk.getResident(id), [id]);
  useDeskEvent(desk.onDirectoryChanged, query.refresh);
  const { error, showSpinner } = query;
  // A resident gone from the directory is not shown from the last answer.
  const detail = error?.code === "not_found" ? null : (query.data ?? null);

  const loadedId = detail?.resident.id;
  useEffect(() => {
    if (loadedId) heading.current?.focus();
  }, [loadedId]);

  // Escape, or Backspace outside a text field, returns to the list.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (e.key === "Escape" || (e.key === "Backspace" && !isEditableTarget(e.target))) {
        e.preventDefault();
        onBack();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onBack]);

  const shown = detail && detail.resident.id === id ? detail : null;

  return (
    <section className="flex h-full flex-col" data-testid="resident-detail" data-resident-id={id}>
      <header className="flex items-center gap-3 border-b border-border px-6 py-3">
        <Button variant="ghost" size="sm" onClick={onBack} data-testid="resident-back" aria-keyshortcuts="Escape">
          <ArrowLeft aria-hidden="true" />
          {t("resident.back")}
          <Kbd aria-hidden="true">Esc</Kbd>
        </Button>
        {showSpinner && (
          <span className="flex items-center gap-2 text-xs text-muted-foreground" role="status">
            <Spinner className="size-3.5" />
            {t("resident.loading")}
          </span>
        )}
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto px-6 py-5">
        {error && (
          <Alert variant="destructive" role="alert" className="mb-4 max-w-3xl" data-testid="resident-error">
            <AlertCircle aria-hidden="true" />
            <div className="flex-1">
              {error.code === "not_found" ? (
                <p>{t("resident.notFound")}</p>
              ) : (
                <>
                  <p className="font-medium">{t("resident.loadFailed")}</p>
                  <p>{describeError(t, error).text}</p>
                </>
              )}
            </div>
            {error.code !== "not_found" && (
              <Button size="sm" variant="outline" onClick={query.refresh}>
                {t("app.retry")}
              </Button>
            )}
          </Alert>
        )}
        {shown && <ResidentBody detail={shown} headingRef={heading} onOpen={onOpen} staff={staff} />}
      </div>
    </section>
  );
}

function ResidentBody({
  detail,
  headingRef,
  onOpen,
  staff,
}: {
  detail: ResidentDetail;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  onOpen: (id: string) => void;
  staff: StaffRef;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const { resident: r, unit, household } = detail;
  const notProvided = <span className="text-muted-foreground">{t("common.notProvided")}</span>;
  const text = (value: string | null | undefined) => (value ? value : notProvided);
  const date = (value: string | null) => (value ? formatCalendarDate(value, lang) : notProvided);
  const method = r.preferred_notification_method;
  const methodText = method
    ? KNOWN_METHODS.has(method.toLowerCase())
      ? t(`resident.notificationMethods.${method.toLowerCase()}`)
      : method
    : null;

  return (
    <div className="max-w-3xl space-y-4">
      <div className="space-y-2">
        <h1
          ref={headingRef}
          tabIndex={-1}
          data-testid="resident-name"
          className="text-2xl font-semibold tracking-tight outline-none"
        >
          {r.first_name} {r.last_name}
        </h1>
        <div className="flex flex-wrap items-center gap-2">
          {unit && <Badge variant="secondary">{t("residents.unit", { number: unit.unit_number })}</Badge>}
          <Badge variant={r.is_owner ? "default" : "outline"}>
            {r.is_owner ? t("residents.owner") : t("residents.tenant")}
          </Badge>
          {r.is_primary_resident && <Badge variant="outline">{t("resident.primary")}</Badge>}
        </div>
      </div>

      {/* One above the other, at the page's full width: side by side, the text of each
          instruction was squeezed beside its Edit and Delete buttons (a few words a line,
          worse in French). */}
      <div className="space-y-4">
        <InstructionsSection
          key={`resident:${r.id}`}
          target={{ type: "resident", id: r.id }}
          title={t("instructions.residentTitle")}
          testId="instructions-resident"
          shortcut="i"
          staff={staff}
        />
        {unit && (
          <InstructionsSection
            key={`unit:${unit.id}`}
            target={{ type: "unit", id: unit.id }}
            title={t("instructions.unitTitle", { number: unit.unit_number })}
            testId="instructions-unit"
            shortcut="u"
            staff={staff}
          />
        )}
      </div>

      <div className="grid gap-4 md:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <Home aria-hidden="true" className="size-4 text-muted-foreground" />
              {t("resident.unit")}
            </CardTitle>
          </CardHeader>
          <CardContent>
            {unit ? (
              <Fields
                rows={[
                  [t("resident.unitNumber"), <span data-testid="resident-unit">{unit.unit_number}</span>],
                  [t("resident.floor"), unit.floor_number !== null ? String(unit.floor_number) : notProvided],
                  [t("resident.unitType"), text(unit.unit_type)],
                ]}
              />
            ) : (
              <p className="text-sm text-muted-foreground">{t("resident.noUnit")}</p>
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2">
              <Mail aria-hidden="true" className="size-4 text-muted-foreground" />
              {t("resident.contact")}
            </CardTitle>
          </CardHeader>
          <CardContent>
            <Fields
              rows={[
                [t("resident.email"), <span data-testid="resident-email" className="break-all">{text(r.email)}</span>],
                [
                  t("resident.phone"),
                  <span data-testid="resident-phone" className="inline-flex items-center gap-1 tabular-nums">
                    {r.phone && <Phone aria-hidden="true" className="size-3.5 text-muted-foreground" />}
                    {text(r.phone)}
                  </span>,
                ],
                [t("resident.language"), r.preferred_language ? languageName(r.preferred_language, lang) : notProvided],
                [t("resident.notification"), text(methodText)],
              ]}
            />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>{t("resident.residency")}</CardTitle>
          </CardHeader>
          <CardContent>
            <Fields
              rows={[
                [t("resident.ownership"), r.is_owner ? t("residents.owner") : t("residents.tenant")],
                [t("resident.primary"), r.is_primary_resident ? t("common.yes") : t("common.no")],
                [t("resident.moveIn"), date(r.move_in_date)],
                [t("resident.moveOut"), date(r.move_out_date)],
              ]}
            />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>{t("resident.notes")}</CardTitle>
          </CardHeader>
          <CardContent>
            {r.notes ? (
              <p className="text-sm whitespace-pre-wrap" data-testid="resident-notes">
                {r.notes}
              </p>
            ) : (
              <p className="text-sm text-muted-foreground">{t("resident.noNotes")}</p>
            )}
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <CardTitle className="flex items-center gap-2">
            <Users aria-hidden="true" className="size-4 text-muted-foreground" />
            {t("resident.household")}
          </CardTitle>
        </CardHeader>
        <CardContent>
          {household.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("resident.householdEmpty")}</p>
          ) : (
            <ul className="divide-y divide-border" data-testid="resident-household">
              {household.map((m) => (
                <li key={m.id}>
                  <button
                    type="button"
                    onClick={() => onOpen(m.id)}
                    data-testid="household-member"
                    data-resident-id={m.id}
                    className="flex w-full items-center gap-3 rounded-md px-2 py-2 text-left text-sm outline-none hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring"
                  >
                    <span className="flex-1 font-medium">
                      {m.first_name} {m.last_name}
                    </span>
                    <span className="truncate text-muted-foreground">
                      {[m.phone, m.email].filter(Boolean).join(" · ")}
                    </span>
                    <Badge variant={m.is_owner ? "default" : "outline"}>
                      {m.is_owner ? t("residents.owner") : t("residents.tenant")}
                    </Badge>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

function Fields({ rows }: { rows: Array<[string, React.ReactNode]> }) {
  return (
    <dl className="grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-4 gap-y-1.5 text-sm">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-muted-foreground">{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
