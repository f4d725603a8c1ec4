import { BarChart3, Package, PackageCheck, PackagePlus, MessagesSquare, Settings, Users, type LucideIcon } from "lucide-react";

export type SectionId = "intake" | "pickup" | "packages" | "messages" | "residents" | "reports" | "settings";

export interface Section {
  id: SectionId;
  icon: LucideIcon;
  /** The digit of its Alt+digit shortcut. */
  key: string;
}

export const SECTIONS: readonly Section[] = [
  { id: "intake", icon: PackagePlus, key: "1" },
  { id: "pickup", icon: PackageCheck, key: "2" },
  { id: "packages", icon: Package, key: "3" },
  { id: "messages", icon: MessagesSquare, key: "4" },
  { id: "residents", icon: Users, key: "5" },
  { id: "reports", icon: BarChart3, key: "6" },
  { id: "settings", icon: Settings, key: "7" },
];

/** The section an Alt+digit key event asks for, if any. */
export function sectionForShortcut(e: KeyboardEvent): SectionId | null {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  const digit = /^Digit([1-7])$/.exec(e.code)?.[1] ?? (/^[1-7]$/.test(e.key) ? e.key : null);
  if (!digit) return null;
  return SECTIONS.find((s) => s.key === digit)?.id ?? null;
}
