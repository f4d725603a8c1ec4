import { useEffect } from "react";
import type { ResidentHit } from "@/bindings/ResidentHit";
import type { StaffRef } from "@/features/instructions/InstructionsSection";
import { isEditableTarget } from "@/lib/utils";
import { ResidentDetailView } from "./ResidentDetailView";
import { ResidentSearch } from "./ResidentSearch";

export interface ResidentsState {
  query: string;
  /** The last results and the query they answer (shown at once when coming back). */
  hits: ResidentHit[] | null;
  /** How many residents match in all (the hits are the first page of them). */
  total: number;
  hitsQuery: string | null;
  selectedId: string | null;
  /** The resident whose page is open, or null for the list. */
  openId: string | null;
}

export const initialResidentsState: ResidentsState = {
  query: "",
  hits: null,
  total: 0,
  hitsQuery: null,
  selectedId: null,
  openId: null,
};

export interface ResidentsScreenProps {
  state: ResidentsState;
  onStateChange: (update: (s: ResidentsState) => ResidentsState) => void;
  staff: StaffRef;
}

export function ResidentsScreen({ state, onStateChange, staff }: ResidentsScreenProps) {
  const open = state.openId !== null;

  // On the resident page, "/" or Ctrl+K goes back to the search (the list focuses it).
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      const slash = e.key === "/" && !isEditableTarget(e.target);
      const ctrlK = (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k";
      if (slash || ctrlK) {
        e.preventDefault();
        onStateChange((s) => ({ ...s, openId: null }));
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open, onStateChange]);

  if (state.openId !== null) {
    return (
      <ResidentDetailView
        id={state.openId}
        onBack={() => onStateChange((s) => ({ ...s, openId: null }))}
        onOpen={(id) => onStateChange((s) => ({ ...s, openId: id }))}
        staff={staff}
      />
    );
  }
  return <ResidentSearch state={state} onStateChange={onStateChange} />;
}
