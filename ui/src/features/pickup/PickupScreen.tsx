// The Pickup screen: a concierge hands parcels over to a resident. Keyboard-first:
//   1. Find — scan a label or a tracking barcode, type a package code, or a resident's
//      name or unit (type-ahead, ↑ ↓ Enter);
//   2. Select — every parcel waiting for that unit, all ticked (Space unticks);
//   3. Who collects them — the recipient, or someone else (a proxy) by name;
//   4. Signature — on the pad, when a ticked parcel needs one;
//   5. Confirm — Enter: one transition_packages call for all, then a receipt.
// The desk decides whether each move is allowed; a refusal is shown in its words.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { AlertCircle, ArrowRightLeft, ExternalLink, Info, PackageOpen, ScanLine, Search, X } from "lucide-react";
import { desk, toDeskError, type DeskError } from "@/api/desk";
import type { CarrierOption } from "@/bindings/CarrierOption";
import type { PackageQuery } from "@/bindings/PackageQuery";
import type { PackageTransition } from "@/bindings/PackageTransition";
import type { PackageView } from "@/bindings/PackageView";
import type { ResidentHit } from "@/bindings/ResidentHit";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Kbd } from "@/components/ui/kbd";
import { Spinner } from "@/components/ui/spinner";
import { useDeskEvent } from "@/hooks/useDeskEvent";
import { useNow } from "@/hooks/useNow";
import { describeError } from "@/lib/errors";
import { formatDateTime } from "@/lib/format";
import { cn } from "@/lib/utils";
import { CameraPanel } from "@/features/scanner/CameraPanel";
import { useScanHandler } from "@/features/scanner/ScannerContext";
import { PickupInstructions, type InstructionSource } from "./PickupInstructions";
import { PickupParcels } from "./PickupParcels";
import { PickupReceipt, type Receipt } from "./PickupReceipt";
import { SignaturePad } from "./SignaturePad";
import { signaturePath, type Stroke } from "./signature";

export interface PickupScreenProps {
  /** A scan made on another screen that brought the user here. */
  initialScan?: string | null;
  onInitialScanUsed?: () => void;
  onOpenPackage?: (id: string) => void;
}

/** Residents shown under the find box. */
const TYPEAHEAD_LIMIT = 8;
/** A lookup answered faster than this shows no spinner. */
const SPINNER_DELAY_MS = 250;

/** Whose parcels are on screen. */
type Scope =
  | { kind: "unit"; unitId: string; unitNumber: string | null }
  /** A resident without a unit: their parcels alone. */
  | { kind: "resident"; residentId: string }
  /** Parcels without a unit, scanned one by one. */
  | { kind: "parcels"; ids: string[] };

interface Target {
  scope: Scope;
  /** The recipient at the desk (their instructions show; their name is the default collector). */
  residentId: string | null;
  recipientName: string | null;
  /** The parcel just scanned. */
  highlightId: string | null;
}

type Notice =
  | { kind: "not_on_shelf"; view: PackageView }
  | { kind: "no_tracking"; number: string }
  | { kind: "nothing"; text: string }
  | { kind: "lookup_failed"; text: string; error: DeskError };

type Missing = "selection" | "collector" | "signature" | "signature_too_long";

interface SwitchPrompt {
  target: Target;
  view: PackageView;
}

function isOnShelf(v: PackageView): boolean {
  return v.package.status === "waiting" || v.package.status === "notified";
}

/** A package code (`XXXX-XXXX`) or a tracking number, rather than a name or a unit number. */
export function looksLikeCode(text: string): boolean {
  const t = text.trim();
  if (/^[0-9a-z]{4}-[0-9a-z]{4}$/i.test(t)) return true;
  return !/\s/.test(t) && t.length >= 8 && /\d/.test(t);
}

function scopeKey(scope: Scope): string {
  switch (scope.kind) {
    case "unit":
      return `unit:${scope.unitId}`;
    case "resident":
      return `resident:${scope.residentId}`;
    case "parcels":
      return `parcels:${[...scope.ids].sort().join(",")}`;
  }
}

function shelfQuery(scope: Scope): PackageQuery {
  return {
    on_shelf: true,
    status: null,
    unassigned: false,
    received_before_ms: null,
    unit_id: scope.kind === "unit" ? scope.unitId : null,
    unit_number: null,
    carrier: null,
    text: null,
    limit: 0,
  };
}

/** Whether a parcel is one of those the scope lists. */
function belongsTo(scope: Scope, v: PackageView): boolean {
  switch (scope.kind) {
    case "unit":
      return v.package.unit_id === scope.unitId;
    case "resident":
      return v.package.unit_id === null && v.package.resident_id === scope.residentId;
    case "parcels":
      return scope.ids.includes(v.package.id);
  }
}

const byShelf = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Shelf order (what staff walk along), then oldest first. */
function sortShelf(views: PackageView[]): PackageView[] {
  return [...views].sort((a, b) => {
    const sa = a.package.shelf;
    const sb = b.package.shelf;
    if (sa !== sb) {
      if (sa === null) return 1;
      if (sb === null) return -1;
      const c = byShelf.compare(sa, sb);
      if (c !== 0) return c;
    }
    return a.package.received_at_ms - b.package.received_at_ms || a.package.code.localeCompare(b.package.code);
  });
}

/** The shelf a found parcel belongs on: its unit's, or just the parcels found when they have none. */
function targetOf(found: readonly PackageView[], primary: PackageView): Target {
  const withUnit = primary.package.unit_id !== null ? primary : found.find((v) => v.package.unit_id !== null);
  const scope: Scope =
    withUnit && withUnit.package.unit_id !== null
      ? { kind: "unit", unitId: withUnit.package.unit_id, unitNumber: withUnit.unit_number }
      : { kind: "parcels", ids: found.map((v) => v.package.id) };
  const who = withUnit ?? primary;
  return {
    scope,
    residentId: who.package.resident_id,
    recipientName: who.recipient_name,
    highlightId: primary.package.id,
  };
}

function residentName(h: ResidentHit): string {
  return `${h.first_name} ${h.last_name}`.trim();
}

function optionId(id: string) {
  return `pickup-resident-${id}`;
}

export function PickupScreen({ initialScan, onInitialScanUsed, onOpenPackage }: PickupScreenProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const now = useNow(30_000);
  const findRef = useRef<HTMLInputElement>(null);
  const proxyRef = useRef<HTMLInputElement>(null);

  const [carriers, setCarriers] = useState<CarrierOption[]>([]);

  // --- find ---------------------------------------------------------------------------
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<ResidentHit[] | null>(null);
  const [hitsFor, setHitsFor] = useState("");
  const [hitIndex, setHitIndex] = useState(0);
  const [hitsOpen, setHitsOpen] = useState(false);
  const [searchError, setSearchError] = useState<DeskError | null>(null);
  const [searchTick, setSearchTick] = useState(0);
  const searchRequest = useRef(0);
  /** Enter pressed on a name before its residents arrived: choose the first on arrival. */
  const chooseOnAnswer = useRef(false);
  const [looking, setLooking] = useState<string | null>(null);
  const [showLookingSpinner, setShowLookingSpinner] = useState(false);
  const lookupRequest = useRef(0);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [switchPrompt, setSwitchPrompt] = useState<SwitchPrompt | null>(null);

  // --- the shelf ------------------------------------------------------------------------
  const [target, setTargetState] = useState<Target | null>(null);
  const targetRef = useRef<Target | null>(null);
  const setTarget = useCallback((next: Target | null) => {
    targetRef.current = next;
    setTargetState(next);
  }, []);
  /** A new generation is a new hand-over: its first list ticks every parcel. */
  const [generation, setGeneration] = useState(0);
  const loadedGeneration = useRef(-1);
  const [views, setViews] = useState<PackageView[] | null>(null);
  const viewsRef = useRef<PackageView[] | null>(null);
  viewsRef.current = views;
  const [shelfError, setShelfError] = useState<DeskError | null>(null);
  const [shelfTick, setShelfTick] = useState(0);
  const shelfRequest = useRef(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  /** Parcels scanned but not in the list yet: ticked when the list comes back with them. */
  const wantSelected = useRef(new Set<string>());
  /** Codes of ticked parcels that left the shelf meanwhile (another desk). */
  const [vanished, setVanished] = useState<string[]>([]);

  // --- who, signature, confirm ----------------------------------------------------------
  const [choice, setChoice] = useState<string | null>(null);
  const [proxyName, setProxyName] = useState("");
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const [missing, setMissing] = useState<Missing | null>(null);
  const [saving, setSaving] = useState(false);
  const savingRef = useRef(false);
  const [saveError, setSaveError] = useState<DeskError | null>(null);
  /** One history event per parcel per hand-over: a retry sends the same ids. */
  const eventIds = useRef(new Map<string, string>());
  const refreshAfterSave = useRef(false);
  const [receipt, setReceiptState] = useState<Receipt | null>(null);
  const receiptRef = useRef<Receipt | null>(null);
  const setReceipt = useCallback((next: Receipt | null | ((r: Receipt | null) => Receipt | null)) => {
    const value = typeof next === "function" ? next(receiptRef.current) : next;
    receiptRef.current = value;
    setReceiptState(value);
  }, []);
  const receiptRequest = useRef(0);

  useEffect(() => {
    findRef.current?.focus();
    let gone = false;
    desk.listCarriers().then(
      (list) => {
        if (!gone) setCarriers(list);
      },
      (err: unknown) => console.error("could not list the carriers", err),
    );
    return () => {
      gone = true;
    };
  }, []);

  // --- starting and ending a hand-over ---------------------------------------------------

  const clearHandOver = useCallback(() => {
    setViews(null);
    setSelected(new Set());
    setShelfError(null);
    setProxyName("");
    setStrokes([]);
    setMissing(null);
    setSaveError(null);
    setVanished([]);
    setSwitchPrompt(null);
    eventIds.current = new Map();
    wantSelected.current = new Set();
  }, []);

  const startTarget = useCallback(
    (next: Target) => {
      clearHandOver();
      setReceipt(null);
      setTarget(next);
      setChoice(next.recipientName);
      setGeneration((g) => g + 1);
    },
    [clearHandOver, setReceipt, setTarget],
  );

  /** Back to an empty screen: the next pickup. */
  const nextPickup = useCallback(() => {
    clearHandOver();
    setReceipt(null);
    setTarget(null);
    setChoice(null);
    setNotice(null);
    setQuery("");
    setHitsOpen(false);
    findRef.current?.focus();
  }, [clearHandOver, setReceipt, setTarget]);

  // --- the shelf's parcels -------------------------------------------------------------

  const currentScopeKey = target ? scopeKey(target.scope) : null;
  useEffect(() => {
    const current = targetRef.current;
    if (!current || currentScopeKey === null) return;
    const request = ++shelfRequest.current;
    const gen = generation;
    const scope = current.scope;
    desk.listPackages(shelfQuery(scope)).then(
      (found) => {
        if (request !== shelfRequest.current) return;
        const list = sortShelf(found.filter((v) => isOnShelf(v) && belongsTo(scope, v)));
        const ids = new Set(list.map((v) => v.package.id));
        const before = viewsRef.current;
        setShelfError(null);
        setViews(list);
        if (loadedGeneration.current !== gen) {
          loadedGeneration.current = gen;
          setSelected(ids);
        } else {
          const was = selectedRef.current;
          const gone = (before ?? []).filter((v) => was.has(v.package.id) && !ids.has(v.package.id));
          if (gone.length > 0) {
            setVanished((codes) => [...new Set([...codes, ...gone.map((v) => v.package.code)])]);
          }
          const next = new Set([...was].filter((id) => ids.has(id)));
          for (const id of wantSelected.current) if (ids.has(id)) next.add(id);
          setSelected(next);
        }
        wantSelected.current = new Set();
      },
      (err: unknown) => {
        if (request !== shelfRequest.current) return;
        setShelfError(toDeskError(err));
      },
    );
  }, [currentScopeKey, generation, shelfTick]);

  const refreshShelf = useCallback(() => setShelfTick((n) => n + 1), []);

  const refreshReceipt = useCallback(
    (r: Receipt) => {
      const request = ++receiptRequest.current;
      Promise.all(r.parcels.map((v) => desk.getPackage(v.package.id))).then(
        (details) => {
          if (request !== receiptRequest.current) return;
          const pendingIds = new Set(details.filter((d) => d.view.pending).map((d) => d.view.package.id));
          setReceipt((cur) => (cur && cur.atMs === r.atMs ? { ...cur, pendingIds } : cur));
        },
        // The receipt stands without it; only the "waiting to sync" mark is unknown.
        (err: unknown) => console.warn("could not re-read the parcels handed over", err),
      );
    },
    [setReceipt],
  );

  useDeskEvent(
    desk.onPackagesChanged,
    useCallback(() => {
      if (receiptRef.current) refreshReceipt(receiptRef.current);
      else if (savingRef.current) refreshAfterSave.current = true;
      else if (targetRef.current) refreshShelf();
    }, [refreshReceipt, refreshShelf]),
  );

  // --- adding scanned parcels ------------------------------------------------------------

  const addToShelf = useCallback(
    (found: readonly PackageView[], primary: PackageView) => {
      const current = targetRef.current;
      if (!current) return;
      const ids = found.map((v) => v.package.id);
      let scope = current.scope;
      if (scope.kind === "parcels") {
        const more = ids.filter((id) => !(scope as { ids: string[] }).ids.includes(id));
        if (more.length > 0) scope = { kind: "parcels", ids: [...scope.ids, ...more] };
      }
      setTarget({ ...current, scope, highlightId: primary.package.id });
      const listed = new Set((viewsRef.current ?? []).map((v) => v.package.id));
      const missingIds = ids.filter((id) => !listed.has(id));
      setSelected((s) => new Set([...s, ...ids.filter((id) => listed.has(id))]));
      if (missingIds.length > 0) {
        for (const id of missingIds) wantSelected.current.add(id);
        // A new parcels scope reloads by itself; a unit's list is asked again.
        if (scope === current.scope) refreshShelf();
      }
      setMissing(null);
    },
    [refreshShelf, setTarget],
  );

  const onShelfFound = useCallback(
    (found: readonly PackageView[], primary: PackageView) => {
      const current = targetRef.current;
      if (!current || receiptRef.current) {
        startTarget(targetOf(found, primary));
        return;
      }
      const next = targetOf(found, primary);
      const same =
        belongsTo(current.scope, primary) ||
        (current.scope.kind === "parcels" && next.scope.kind === "parcels");
      if (same) addToShelf(found, primary);
      else setSwitchPrompt({ target: next, view: primary });
    },
    [addToShelf, startTarget],
  );

  const lookup = useCallback(
    (text: string) => {
      const request = ++lookupRequest.current;
      setLooking(text);
      setNotice(null);
      desk.lookupScan(text).then(
        (r) => {
          if (request !== lookupRequest.current) return;
          setLooking(null);
          if (r.package) {
            if (isOnShelf(r.package)) onShelfFound([r.package], r.package);
            else setNotice({ kind: "not_on_shelf", view: r.package });
          } else if (r.on_shelf.length > 0) {
            const [first] = r.on_shelf;
            if (first) onShelfFound(r.on_shelf, first);
          } else if (r.tracking) {
            setNotice({ kind: "no_tracking", number: r.tracking.tracking_number });
          } else {
            setNotice({ kind: "nothing", text });
          }
        },
        (err: unknown) => {
          if (request !== lookupRequest.current) return;
          setLooking(null);
          setNotice({ kind: "lookup_failed", text, error: toDeskError(err) });
        },
      );
    },
    [onShelfFound],
  );

  useEffect(() => {
    if (looking === null) {
      setShowLookingSpinner(false);
      return;
    }
    const id = window.setTimeout(() => setShowLookingSpinner(true), SPINNER_DELAY_MS);
    return () => window.clearTimeout(id);
  }, [looking]);

  const handleScan = useCallback(
    (raw: string) => {
      const text = raw.trim();
      if (text === "") return;
      if (receiptRef.current) nextPickup();
      setQuery("");
      setHitsOpen(false);
      chooseOnAnswer.current = false;
      lookup(text);
    },
    [lookup, nextPickup],
  );

  useScanHandler(handleScan);

  // A scan made elsewhere that brought staff here.
  const handleScanRef = useRef(handleScan);
  handleScanRef.current = handleScan;
  const onInitialScanUsedRef = useRef(onInitialScanUsed);
  onInitialScanUsedRef.current = onInitialScanUsed;
  useEffect(() => {
    if (!initialScan) return;
    handleScanRef.current(initialScan);
    onInitialScanUsedRef.current?.();
  }, [initialScan]);

  // --- residents type-ahead --------------------------------------------------------------

  const chooseResident = useCallback(
    (h: ResidentHit) => {
      chooseOnAnswer.current = false;
      setQuery("");
      setHitsOpen(false);
      setNotice(null);
      const name = residentName(h);
      startTarget({
        scope: h.unit_id ? { kind: "unit", unitId: h.unit_id, unitNumber: h.unit_number } : { kind: "resident", residentId: h.id },
        residentId: h.id,
        recipientName: name,
        highlightId: null,
      });
    },
    [startTarget],
  );
  const chooseResidentRef = useRef(chooseResident);
  chooseResidentRef.current = chooseResident;
  const lookupRef = useRef(lookup);
  lookupRef.current = lookup;

  const trimmedQuery = query.trim();
  const searchable = trimmedQuery !== "" && !looksLikeCode(trimmedQuery);
  useEffect(() => {
    const request = ++searchRequest.current;
    if (!searchable) {
      setHits(null);
      setSearchError(null);
      return;
    }
    const q = trimmedQuery;
    desk.searchResidents(q, TYPEAHEAD_LIMIT).then(
      (found) => {
        if (request !== searchRequest.current) return;
        setSearchError(null);
        setHits(found.hits);
        setHitsFor(q);
        setHitIndex(0);
        if (chooseOnAnswer.current) {
          chooseOnAnswer.current = false;
          const first = found.hits[0];
          if (first) chooseResidentRef.current(first);
          else {
            setQuery("");
            lookupRef.current(q);
          }
        }
      },
      (err: unknown) => {
        if (request !== searchRequest.current) return;
        chooseOnAnswer.current = false;
        setSearchError(toDeskError(err));
      },
    );
  }, [trimmedQuery, searchable, searchTick]);

  const shownHits = searchable && hits && hitsFor === trimmedQuery ? hits : null;
  const dropdownOpen = hitsOpen && searchable && (shownHits !== null || searchError !== null);
  const activeHit = shownHits?.[Math.min(hitIndex, shownHits.length - 1)];

  // --- the hand-over ----------------------------------------------------------------------

  const chosen = useMemo(() => (views ?? []).filter((v) => selected.has(v.package.id)), [views, selected]);
  const needsSignature = chosen.some((v) => v.package.flags.signature_required);
  const names = useMemo(() => {
    const out: string[] = [];
    const add = (n: string | null | undefined) => {
      const name = n?.trim();
      if (name && !out.includes(name)) out.push(name);
    };
    add(target?.recipientName);
    for (const v of views ?? []) add(v.recipient_name);
    return out;
  }, [target, views]);
  const collectedBy = (choice ?? proxyName).trim();

  const confirm = useCallback(async () => {
    if (savingRef.current || !targetRef.current || receiptRef.current || !viewsRef.current) return;
    const parcels = viewsRef.current.filter((v) => selectedRef.current.has(v.package.id));
    if (parcels.length === 0) {
      setMissing("selection");
      return;
    }
    if (collectedBy === "") {
      setMissing("collector");
      proxyRef.current?.focus();
      return;
    }
    let signature: string | null = null;
    if (parcels.some((v) => v.package.flags.signature_required)) {
      const made = signaturePath(strokes);
      if (made.kind !== "ok") {
        setMissing(made.kind === "empty" ? "signature" : "signature_too_long");
        return;
      }
      signature = made.path;
    }
    setMissing(null);
    const moves: PackageTransition[] = parcels.map((v) => {
      let eventId = eventIds.current.get(v.package.id);
      if (!eventId) {
        eventId = crypto.randomUUID();
        eventIds.current.set(v.package.id, eventId);
      }
      return {
        id: v.package.id,
        event_id: eventId,
        to: "picked_up",
        note: null,
        collected_by: collectedBy,
        override_reason: null,
        signature: v.package.flags.signature_required ? signature : null,
      };
    });
    savingRef.current = true;
    setSaving(true);
    setSaveError(null);
    try {
      await desk.transitionPackages(moves);
    } catch (err) {
      savingRef.current = false;
      setSaving(false);
      setSaveError(toDeskError(err));
      if (refreshAfterSave.current) {
        refreshAfterSave.current = false;
        refreshShelf();
      }
      return;
    }
    savingRef.current = false;
    refreshAfterSave.current = false;
    setSaving(false);
    const done: Receipt = { parcels, collectedBy, atMs: Date.now(), signature, pendingIds: null };
    clearHandOver();
    setTarget(null);
    setChoice(null);
    setNotice(null);
    setReceipt(done);
    refreshReceipt(done);
    findRef.current?.focus();
  }, [collectedBy, strokes, clearHandOver, refreshReceipt, refreshShelf, setReceipt, setTarget]);

  // --- keys -----------------------------------------------------------------------------

  const onFindKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!shownHits || shownHits.length === 0) return;
      e.preventDefault();
      setHitsOpen(true);
      const delta = e.key === "ArrowDown" ? 1 : -1;
      setHitIndex((i) => Math.min(Math.max(i + delta, 0), shownHits.length - 1));
      return;
    }
    if (e.key === "Escape") {
      if (dropdownOpen) {
        e.preventDefault();
        setHitsOpen(false);
      } else if (query !== "") {
        e.preventDefault();
        setQuery("");
      }
      return;
    }
    if (e.key !== "Enter") return;
    e.preventDefault();
    const q = query.trim();
    if (q === "") {
      if (targetRef.current && !receiptRef.current) void confirm();
      return;
    }
    if (looksLikeCode(q)) {
      handleScan(q);
      return;
    }
    if (shownHits && !searchError) {
      const hit = activeHit;
      if (hit) chooseResident(hit);
      else handleScan(q);
      return;
    }
    // The residents for what was typed are on their way: choose the first when they come.
    chooseOnAnswer.current = true;
  };

  // Enter anywhere in the hand-over (but on a button, the pad or the find box) confirms.
  const onScreenKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== "Enter" || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const el = e.target as HTMLElement;
    if (el.closest("button, a, textarea, [data-signature-pad], #pickup-find")) return;
    if (!targetRef.current || receiptRef.current) return;
    e.preventDefault();
    void confirm();
  };

  // Escape: leave a question, start the next pickup after a receipt, else back to the find box.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      if (switchPrompt) {
        e.preventDefault();
        setSwitchPrompt(null);
        findRef.current?.focus();
      } else if (receiptRef.current) {
        e.preventDefault();
        nextPickup();
      } else if (document.activeElement !== findRef.current) {
        findRef.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [switchPrompt, nextPickup]);

  const switchButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (switchPrompt) switchButton.current?.focus();
  }, [switchPrompt]);

  // --- what is shown --------------------------------------------------------------------

  const instructionSources = useMemo<InstructionSource[]>(() => {
    if (!target) return [];
    const out: InstructionSource[] = [];
    if (target.scope.kind === "unit") {
      out.push({
        target: { type: "unit", id: target.scope.unitId },
        title: target.scope.unitNumber
          ? t("pickup.instructions.unit", { number: target.scope.unitNumber })
          : t("pickup.instructions.unitUnknown"),
      });
    }
    const seen = new Set<string>();
    const addResident = (id: string | null, name: string | null) => {
      if (!id || seen.has(id)) return;
      seen.add(id);
      out.push({ target: { type: "resident", id }, title: name ?? t("packageList.unknownRecipient") });
    };
    addResident(target.residentId, target.recipientName);
    for (const v of views ?? []) addResident(v.package.resident_id, v.recipient_name);
    return out;
  }, [target, views, t]);

  const shelfTitle = !target
    ? ""
    : target.scope.kind === "unit"
      ? target.scope.unitNumber
        ? t("pickup.shelfTitle.unit", { number: target.scope.unitNumber })
        : t("pickup.shelfTitle.unitUnknown")
      : target.scope.kind === "resident" && target.recipientName
        ? t("pickup.shelfTitle.resident", { name: target.recipientName })
        : t("pickup.shelfTitle.parcels");

  const described = saveError ? describeError(t, saveError) : null;
  const signatureCodes = chosen.filter((v) => v.package.flags.signature_required).map((v) => v.package.code);

  return (
    <div className="flex h-full flex-col" data-testid="pickup-screen" onKeyDown={onScreenKeyDown}>
      <header className="space-y-3 border-b border-border px-6 pt-5 pb-4 print:hidden">
        <h1 className="text-lg font-semibold tracking-tight">{t("pickup.title")}</h1>
        <div className="relative">
          <Search
            aria-hidden="true"
            className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted-foreground"
          />
          <input
            ref={findRef}
            id="pickup-find"
            data-testid="pickup-find"
            type="search"
            role="combobox"
            aria-label={t("pickup.find.label")}
            aria-expanded={dropdownOpen}
            aria-controls="pickup-residents"
            aria-autocomplete="list"
            aria-activedescendant={dropdownOpen && activeHit ? optionId(activeHit.id) : undefined}
            aria-describedby="pickup-find-hint"
            placeholder={t("pickup.find.placeholder")}
            autoComplete="off"
            spellCheck={false}
            value={query}
            onChange={(e) => {
              if (receiptRef.current) nextPickup();
              setQuery(e.target.value);
              setHitsOpen(true);
              chooseOnAnswer.current = false;
            }}
            onKeyDown={onFindKeyDown}
            onBlur={() => setHitsOpen(false)}
            className="h-11 w-full rounded-md border border-input bg-background pr-10 pl-9 text-base shadow-xs outline-none placeholder:text-muted-foreground focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/40 [&::-webkit-search-cancel-button]:hidden"
          />
          <div className="pointer-events-none absolute top-1/2 right-3 flex -translate-y-1/2 items-center gap-2">
            {showLookingSpinner ? (
              <Spinner className="size-4 text-muted-foreground" />
            ) : (
              <ScanLine aria-hidden="true" className="size-4 text-muted-foreground" />
            )}
          </div>
          {dropdownOpen && (
            <div
              id="pickup-residents"
              role="listbox"
              aria-label={t("pickup.find.residents")}
              className="absolute inset-x-0 top-full z-20 mt-1 max-h-80 overflow-y-auto rounded-md border border-border bg-card p-1 text-card-foreground shadow-lg"
              data-testid="pickup-residents"
            >
              {searchError ? (
                <div className="flex items-center gap-2 px-2 py-1.5 text-sm text-destructive" role="alert">
                  <AlertCircle aria-hidden="true" className="size-4" />
                  <span className="flex-1">
                    {t("pickup.find.searchFailed")} {describeError(t, searchError).text}
                  </span>
                  <Button
                    size="sm"
                    variant="outline"
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => setSearchTick((n) => n + 1)}
                  >
                    {t("app.retry")}
                  </Button>
                </div>
              ) : shownHits && shownHits.length === 0 ? (
                <p className="px-2 py-1.5 text-sm text-muted-foreground" data-testid="pickup-residents-empty">
                  {t("pickup.find.noResident", { query: trimmedQuery })}
                </p>
              ) : (
                shownHits?.map((h, i) => (
                  <div
                    key={h.id}
                    id={optionId(h.id)}
                    role="option"
                    aria-selected={h.id === activeHit?.id}
                    data-testid="pickup-resident"
                    data-resident-id={h.id}
                    onMouseDown={(e) => e.preventDefault()}
                    onMouseMove={() => setHitIndex(i)}
                    onClick={() => chooseResident(h)}
                    className={cn(
                      "flex cursor-pointer items-center justify-between gap-3 rounded px-2 py-1.5 text-sm",
                      h.id === activeHit?.id ? "bg-primary/10 ring-1 ring-primary/30" : "hover:bg-accent",
                    )}
                  >
                    <span className="truncate font-medium">{residentName(h)}</span>
                    <span className={cn("shrink-0 tabular-nums", !h.unit_number && "text-muted-foreground")}>
                      {h.unit_number ? t("pickup.unit", { number: h.unit_number }) : t("pickup.noUnit")}
                    </span>
                  </div>
                ))
              )}
            </div>
          )}
        </div>
        <p id="pickup-find-hint" className="text-xs text-muted-foreground">
          {t("pickup.find.hint")}
        </p>
        <CameraPanel />
      </header>

      <div className="min-h-0 flex-1 space-y-4 overflow-y-auto px-6 py-4">
        <div aria-live="polite" className="space-y-3 print:hidden">
          {looking !== null && showLookingSpinner && (
            <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status" data-testid="pickup-looking">
              <Spinner className="size-3.5" />
              {t("pickup.find.looking", { text: looking })}
            </p>
          )}
          {notice && (
            <NoticeView
              notice={notice}
              lang={lang}
              onOpenPackage={onOpenPackage}
              onRetry={(text) => lookup(text)}
              onDismiss={() => setNotice(null)}
            />
          )}
          {switchPrompt && target && (
            <Alert variant="warning" role="alert" data-testid="pickup-switch">
              <ArrowRightLeft aria-hidden="true" />
              <div className="flex-1 space-y-2">
                <p>
                  {t("pickup.switch.prompt", {
                    code: switchPrompt.view.package.code,
                    to: whereOf(t, switchPrompt.target, switchPrompt.view.recipient_name),
                    from: whereOf(t, target, target.recipientName),
                  })}
                </p>
                <div className="flex flex-wrap gap-2">
                  <Button
                    ref={switchButton}
                    size="sm"
                    onClick={() => {
                      startTarget(switchPrompt.target);
                      findRef.current?.focus();
                    }}
                    data-testid="pickup-switch-confirm"
                  >
                    {t("pickup.switch.confirm")}
                  </Button>
                  <Button
                    size="sm"
                    variant="outline"
                    onClick={() => {
                      setSwitchPrompt(null);
                      findRef.current?.focus();
                    }}
                    aria-keyshortcuts="Escape"
                    data-testid="pickup-switch-stay"
                  >
                    {t("pickup.switch.stay")}
                  </Button>
                </div>
              </div>
            </Alert>
          )}
        </div>

        {receipt && <PickupReceipt receipt={receipt} carriers={carriers} onNext={nextPickup} />}

        {!receipt && !target && (
          <div
            className="flex flex-col items-center justify-center gap-2 p-10 text-center text-muted-foreground print:hidden"
            data-testid="pickup-start"
          >
            <PackageOpen aria-hidden="true" className="size-8 opacity-60" />
            <p className="font-medium text-foreground">{t("pickup.start.title")}</p>
            <p className="max-w-md text-sm">{t("pickup.start.body")}</p>
          </div>
        )}

        {!receipt && target && (
          <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] print:hidden" data-testid="pickup-handover">
            <section aria-labelledby="pickup-shelf-title" className="min-w-0 space-y-3">
              <div className="flex flex-wrap items-baseline justify-between gap-3">
                <h2 id="pickup-shelf-title" className="text-base font-semibold" data-testid="pickup-shelf-title">
                  {shelfTitle}
                </h2>
                {views && views.length > 0 && (
                  <div className="flex items-center gap-2">
                    <p className="text-xs text-muted-foreground" aria-live="polite" data-testid="pickup-selected-count">
                      {t("pickup.selectedCount", { selected: chosen.length, count: views.length })}
                    </p>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={saving}
                      onClick={() => {
                        setSelected(
                          chosen.length === views.length ? new Set() : new Set(views.map((v) => v.package.id)),
                        );
                        setMissing(null);
                      }}
                      data-testid="pickup-select-all"
                    >
                      {chosen.length === views.length ? t("pickup.selectNone") : t("pickup.selectAll")}
                    </Button>
                  </div>
                )}
              </div>

              {vanished.length > 0 && (
                <Alert variant="warning" role="alert" data-testid="pickup-vanished">
                  <Info aria-hidden="true" />
                  <p className="flex-1">{t("pickup.vanished", { count: vanished.length, codes: vanished.join(", ") })}</p>
                  <Button size="sm" variant="ghost" onClick={() => setVanished([])} aria-label={t("common.dismiss")}>
                    <X aria-hidden="true" />
                  </Button>
                </Alert>
              )}

              {shelfError && (
                <Alert variant="destructive" role="alert" data-testid="pickup-shelf-error">
                  <AlertCircle aria-hidden="true" />
                  <div className="flex-1">
                    <p className="font-medium">{t("pickup.loadFailed")}</p>
                    <p>{describeError(t, shelfError).text}</p>
                  </div>
                  <Button size="sm" variant="outline" onClick={refreshShelf}>
                    {t("app.retry")}
                  </Button>
                </Alert>
              )}

              {views === null && !shelfError && (
                <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status" data-testid="pickup-loading">
                  <Spinner className="size-3.5" />
                  {t("pickup.loading")}
                </p>
              )}

              {views !== null && views.length === 0 && (
                <div
                  className="flex flex-col items-center gap-2 rounded-md border border-dashed border-border p-8 text-center text-muted-foreground"
                  data-testid="pickup-empty"
                >
                  <PackageOpen aria-hidden="true" className="size-7 opacity-60" />
                  <p className="font-medium text-foreground">{t("pickup.empty")}</p>
                  <p className="text-sm">{t("pickup.emptyHint")}</p>
                </div>
              )}

              {views !== null && views.length > 0 && (
                <>
                  <PickupParcels
                    views={views}
                    selected={selected}
                    highlightId={target.highlightId}
                    carriers={carriers}
                    now={now}
                    disabled={saving}
                    labelledBy="pickup-shelf-title"
                    onToggle={(id, on) => {
                      setMissing(null);
                      setSelected((s) => {
                        const next = new Set(s);
                        if (on) next.add(id);
                        else next.delete(id);
                        return next;
                      });
                    }}
                  />
                  <p className="text-xs text-muted-foreground">{t("pickup.listHint")}</p>
                </>
              )}
            </section>

            <aside className="space-y-5" aria-label={t("pickup.handOverLabel")}>
              <PickupInstructions sources={instructionSources} />

              <fieldset className="space-y-2" disabled={saving} data-testid="pickup-collector">
                <legend className="mb-1 text-sm font-semibold">{t("pickup.collector.title")}</legend>
                {names.map((name) => (
                  <label key={name} className="flex items-center gap-2 text-sm">
                    <input
                      type="radio"
                      name="pickup-collector"
                      value={name}
                      checked={choice === name}
                      onChange={() => {
                        setChoice(name);
                        setMissing(null);
                      }}
                      data-testid="pickup-collector-option"
                      className="size-4 accent-primary"
                    />
                    <span className="font-medium">{name}</span>
                  </label>
                ))}
                {names.length > 0 && (
                  <label className="flex items-center gap-2 text-sm">
                    <input
                      type="radio"
                      name="pickup-collector"
                      value=""
                      checked={choice === null}
                      onChange={() => {
                        setChoice(null);
                        setMissing(null);
                        window.setTimeout(() => proxyRef.current?.focus(), 0);
                      }}
                      data-testid="pickup-collector-proxy"
                      className="size-4 accent-primary"
                    />
                    {t("pickup.collector.proxy")}
                  </label>
                )}
                {choice === null && (
                  <div className="space-y-1.5 pl-6">
                    <label htmlFor="pickup-proxy-name" className="text-xs font-medium text-muted-foreground">
                      {t("pickup.collector.proxyName")}
                    </label>
                    <Input
                      id="pickup-proxy-name"
                      ref={proxyRef}
                      value={proxyName}
                      onChange={(e) => {
                        setProxyName(e.target.value);
                        setMissing(null);
                      }}
                      placeholder={t("pickup.collector.proxyPlaceholder")}
                      autoComplete="off"
                      maxLength={500}
                      aria-required="true"
                      aria-invalid={missing === "collector" || undefined}
                      aria-describedby={missing === "collector" ? "pickup-missing" : undefined}
                      data-testid="pickup-proxy-name"
                    />
                  </div>
                )}
              </fieldset>

              {needsSignature && (
                <section aria-labelledby="pickup-signature-title" className="space-y-2" data-testid="pickup-signature">
                  <h2 id="pickup-signature-title" className="text-sm font-semibold">
                    {t("pickup.signature.title")}
                  </h2>
                  <p id="pickup-signature-help" className="text-xs text-muted-foreground">
                    {t("pickup.signature.help", { count: signatureCodes.length, codes: signatureCodes.join(", ") })}
                  </p>
                  <SignaturePad
                    strokes={strokes}
                    onChange={(s) => {
                      setStrokes(s);
                      setMissing(null);
                    }}
                    disabled={saving}
                    invalid={missing === "signature" || missing === "signature_too_long"}
                    describedBy="pickup-signature-help"
                    label={t("pickup.signature.padLabel")}
                  />
                </section>
              )}

              <div className="space-y-3">
                {missing && (
                  <p id="pickup-missing" role="alert" className="text-sm text-destructive" data-testid="pickup-missing">
                    {t(`pickup.missing.${missing}`)}
                  </p>
                )}

                {saveError && described && (
                  <Alert variant="destructive" role="alert" data-testid="pickup-error">
                    <AlertCircle aria-hidden="true" />
                    <div className="flex-1 space-y-0.5">
                      <p className="font-medium">
                        {saveError.code === "conflict" ? t("pickup.refused") : t("pickup.failed")}
                      </p>
                      {/* A refusal says why in the desk's words: shown as they are (text). */}
                      {saveError.code === "conflict" && saveError.message ? (
                        <p data-testid="pickup-error-reason">{saveError.message}</p>
                      ) : (
                        <>
                          <p>{described.text}</p>
                          {described.details && <p>{described.details}</p>}
                        </>
                      )}
                      <p className="text-xs">{t("pickup.nothingLost")}</p>
                    </div>
                  </Alert>
                )}

                <div className="flex flex-wrap items-center gap-2">
                  <Button
                    size="lg"
                    onClick={() => void confirm()}
                    disabled={saving || views === null}
                    aria-keyshortcuts="Enter"
                    data-testid="pickup-confirm"
                  >
                    {saving && <Spinner className="size-3.5" />}
                    {saving
                      ? t("pickup.saving")
                      : saveError
                        ? t("pickup.retry", { count: chosen.length })
                        : t("pickup.confirm", { count: chosen.length })}
                  </Button>
                  <Button variant="ghost" onClick={nextPickup} disabled={saving} data-testid="pickup-cancel">
                    {t("pickup.cancel")}
                  </Button>
                </div>
                <p className="flex items-center gap-1.5 text-xs text-muted-foreground">
                  <Kbd>Enter</Kbd>
                  {t("pickup.confirmHint")}
                </p>
              </div>
            </aside>
          </div>
        )}
      </div>
    </div>
  );
}

/** "unit 804 (Amélie Bélanger)", or just the name, for the switch question. */
function whereOf(t: ReturnType<typeof useTranslation>["t"], target: Target, name: string | null): string {
  const unit = target.scope.kind === "unit" ? target.scope.unitNumber : null;
  if (unit && name) return t("pickup.switch.unitNamed", { number: unit, name });
  if (unit) return t("pickup.switch.unit", { number: unit });
  return name ?? t("pickup.switch.noUnit");
}

function NoticeView({
  notice,
  lang,
  onOpenPackage,
  onRetry,
  onDismiss,
}: {
  notice: Notice;
  lang: string;
  onOpenPackage?: (id: string) => void;
  onRetry: (text: string) => void;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  const dismiss = (
    <Button size="sm" variant="ghost" onClick={onDismiss} aria-label={t("common.dismiss")}>
      <X aria-hidden="true" />
    </Button>
  );

  switch (notice.kind) {
    case "not_on_shelf": {
      const v = notice.view;
      const p = v.package;
      const when = formatDateTime(p.status_at_ms, lang);
      const text =
        p.status === "picked_up"
          ? p.collected_by
            ? t("pickup.notOnShelf.picked_up", { code: p.code, when, who: p.collected_by })
            : t("pickup.notOnShelf.picked_up_unknown", { code: p.code, when })
          : p.status === "returned"
            ? t("pickup.notOnShelf.returned", { code: p.code, when })
            : t("pickup.notOnShelf.lost", { code: p.code, when });
      return (
        <Alert variant="warning" role="alert" data-testid="pickup-not-on-shelf" data-status={p.status}>
          <Info aria-hidden="true" />
          <div className="flex-1 space-y-2">
            <p className="font-medium">{t("pickup.notOnShelf.title")}</p>
            <p data-testid="pickup-not-on-shelf-text">{text}</p>
            {v.pending && <p className="text-xs">{t("pickup.notOnShelf.pending")}</p>}
            {onOpenPackage && (
              <Button size="sm" variant="outline" onClick={() => onOpenPackage(p.id)} data-testid="pickup-open-package">
                <ExternalLink aria-hidden="true" />
                {t("pickup.openPackage")}
              </Button>
            )}
          </div>
          {dismiss}
        </Alert>
      );
    }
    case "no_tracking":
      return (
        <Alert variant="warning" role="alert" data-testid="pickup-no-tracking">
          <Info aria-hidden="true" />
          <div className="flex-1">
            <p className="font-medium">{t("pickup.noTracking")}</p>
            <p className="font-mono text-xs">{notice.number}</p>
          </div>
          {dismiss}
        </Alert>
      );
    case "nothing":
      return (
        <Alert variant="warning" role="alert" data-testid="pickup-nothing">
          <Info aria-hidden="true" />
          <p className="flex-1">{t("pickup.nothing", { text: notice.text })}</p>
          {dismiss}
        </Alert>
      );
    case "lookup_failed": {
      const d = describeError(t, notice.error);
      return (
        <Alert variant="destructive" role="alert" data-testid="pickup-lookup-error">
          <AlertCircle aria-hidden="true" />
          <div className="flex-1">
            <p className="font-medium">{t("pickup.lookupFailed", { text: notice.text })}</p>
            <p>{d.text}</p>
            {d.details && <p>{d.details}</p>}
          </div>
          <Button size="sm" variant="outline" onClick={() => onRetry(notice.text)}>
            {t("app.retry")}
          </Button>
        </Alert>
      );
    }
  }
}
