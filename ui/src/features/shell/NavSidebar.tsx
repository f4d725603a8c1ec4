import { useTranslation } from "react-i18next";
import { Building2, UserRound } from "lucide-react";
import type { SignedIn } from "@/bindings/SignedIn";
import { cn } from "@/lib/utils";
import { SECTIONS, type SectionId } from "./sections";

export interface NavSidebarProps {
  active: SectionId;
  onNavigate: (id: SectionId) => void;
  signedIn: SignedIn;
  /** Counts shown on a section's button (the Messages unread total). */
  badges?: Partial<Record<SectionId, number>>;
}

export function NavSidebar({ active, onNavigate, signedIn, badges = {} }: NavSidebarProps) {
  const { t } = useTranslation();
  return (
    <aside className="flex w-60 shrink-0 flex-col border-r border-border bg-sidebar">
      <div className="flex items-start gap-2 border-b border-border px-4 py-3">
        <Building2 aria-hidden="true" className="mt-0.5 size-5 shrink-0 text-primary" />
        <div className="min-w-0">
          <p className="truncate text-sm font-semibold" data-testid="building-name">
            {signedIn.building.name}
          </p>
          <p className="text-xs text-muted-foreground">{t("app.name")}</p>
        </div>
      </div>
      <nav aria-label={t("nav.label")} className="flex-1 overflow-y-auto p-2">
        <ul className="space-y-0.5">
          {SECTIONS.map(({ id, icon: Icon, key }) => {
            const current = id === active;
            const shortcut = `Alt+${key}`;
            const badge = badges[id] ?? 0;
            return (
              <li key={id}>
                <button
                  type="button"
                  data-testid={`nav-${id}`}
                  aria-current={current ? "page" : undefined}
                  aria-keyshortcuts={shortcut}
                  title={t("nav.shortcut", { keys: shortcut })}
                  onClick={() => onNavigate(id)}
                  className={cn(
                    "group flex w-full items-center gap-2.5 rounded-md px-2.5 py-1.5 text-left text-sm outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring",
                    current
                      ? "bg-primary/10 font-medium text-primary"
                      : "text-foreground/80 hover:bg-accent hover:text-accent-foreground",
                  )}
                >
                  <Icon aria-hidden="true" className="size-4 shrink-0" />
                  <span className="flex-1 truncate">{t(`nav.${id}`)}</span>
                  {badge > 0 && (
                    <span
                      data-testid={`nav-badge-${id}`}
                      aria-label={t("nav.unread", { count: badge })}
                      className="min-w-5 rounded-full bg-primary px-1.5 text-center text-[11px] font-semibold text-primary-foreground tabular-nums"
                    >
                      {badge > 99 ? "99+" : badge}
                    </span>
                  )}
                  <kbd
                    aria-hidden="true"
                    className="font-mono text-[10px] text-muted-foreground opacity-70 group-hover:opacity-100"
                  >
                    {shortcut}
                  </kbd>
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="flex items-center gap-2 border-t border-border px-4 py-3">
        <UserRound aria-hidden="true" className="size-4 shrink-0 text-muted-foreground" />
        <div className="min-w-0">
          <p className="truncate text-sm font-medium" data-testid="staff-name">
            {signedIn.staff.name}
          </p>
          <p className="truncate text-xs text-muted-foreground">{t(`roles.${signedIn.staff.role}`)}</p>
        </div>
      </div>
    </aside>
  );
}
