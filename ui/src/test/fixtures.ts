import type { Bootstrap } from "@/bindings/Bootstrap";
import type { ConnectionState } from "@/bindings/ConnectionState";
import type { InstructionTarget } from "@/bindings/InstructionTarget";
import type { InstructionView } from "@/bindings/InstructionView";
import type { MutationBody } from "@/bindings/MutationBody";
import type { OutboxItem } from "@/bindings/OutboxItem";
import type { PackageReport } from "@/bindings/PackageReport";
import type { ResidentDetail } from "@/bindings/ResidentDetail";
import type { ResidentHit } from "@/bindings/ResidentHit";
import type { ResidentSearch } from "@/bindings/ResidentSearch";
import type { SignedIn } from "@/bindings/SignedIn";
import type { SyncStatus } from "@/bindings/SyncStatus";
import type { Resident } from "@/bindings/Resident";
import type { Unit } from "@/bindings/Unit";
import type { MessageLimits } from "@/bindings/MessageLimits";

export const BUILDING_ID = "0190a0b0-0000-7000-8000-000000000001";

export const signedIn: SignedIn = {
  staff: {
    id: "0190a0b0-0000-7000-8000-0000000000aa",
    building_id: BUILDING_ID,
    name: "Marie Tremblay",
    email: "marie@loftsdesarts.ca",
    role: "doorman",
    disabled: false,
  },
  building: {
    id: BUILDING_ID,
    name: "Lofts des Arts",
    address: "1 rue des Arts",
    city: "Montréal",
    province: "QC",
    postal_code: "H2X 0A1",
    country: "CA",
  },
  expires_at_ms: Date.now() + 86_400_000,
};

export function status(connection: ConnectionState = { state: "online" }, more: Partial<SyncStatus> = {}): SyncStatus {
  return {
    connection,
    last_sync_ms: Date.now(),
    queued: 0,
    oldest_queued_ms: null,
    rejected: 0,
    cursor: 42,
    last_full_resync_ms: null,
    ...more,
  };
}

export function bootstrap(more: Partial<Bootstrap> = {}): Bootstrap {
  return {
    server_url: "https://desk.loftsdesarts.ca",
    language: "en",
    signed_in: signedIn,
    session_storage: "keyring",
    status: status(),
    ...more,
  };
}

const unit804: Unit = {
  id: "unit-804",
  building_id: BUILDING_ID,
  unit_number: "804",
  floor_number: 8,
  square_footage: 850,
  bedrooms: 2,
  bathrooms: 1,
  is_occupied: true,
  unit_type: "Condo",
  occupant_name: null,
};

function resident(id: string, first: string, last: string, more: Partial<Resident> = {}): Resident {
  return {
    id,
    building_id: BUILDING_ID,
    unit_id: unit804.id,
    user_id: null,
    first_name: first,
    last_name: last,
    email: null,
    phone: null,
    is_owner: false,
    is_primary_resident: false,
    move_in_date: null,
    move_out_date: null,
    preferred_language: null,
    preferred_notification_method: null,
    notes: null,
    ...more,
  };
}

export const residents: Resident[] = [
  resident("r-1", "Amélie", "Bélanger", {
    email: "amelie@example.com",
    phone: "514-555-0101",
    is_owner: true,
    is_primary_resident: true,
    move_in_date: "2021-07-01",
    preferred_language: "fr",
    preferred_notification_method: "email",
    notes: "Parcels to the back door <b>please</b>",
  }),
  resident("r-2", "Hugo", "Bélanger", {
    email: "hugo@example.com",
    phone: "514-555-0102",
    move_in_date: "2022-03-15",
    move_out_date: "2026-06-30",
    preferred_language: "en",
    preferred_notification_method: "sms",
  }),
  resident("r-3", "Chloé", "Côté", { unit_id: null, email: "chloe@example.com" }),
];

export function hitOf(r: Resident): ResidentHit {
  return {
    id: r.id,
    first_name: r.first_name,
    last_name: r.last_name,
    unit_id: r.unit_id,
    unit_number: r.unit_id ? unit804.unit_number : null,
    email: r.email,
    phone: r.phone,
    is_owner: r.is_owner,
  };
}

export const hits: ResidentHit[] = residents.map(hitOf);

export function detailOf(id: string): ResidentDetail {
  const r = residents.find((x) => x.id === id);
  if (!r) throw { code: "not_found", message: `no resident ${id}` };
  return {
    resident: r,
    unit: r.unit_id ? unit804 : null,
    household: r.unit_id ? residents.filter((x) => x.unit_id === r.unit_id && x.id !== r.id).map(hitOf) : [],
  };
}

/** A naive stand-in for the Rust search, good enough to drive the UI. */
export function fakeSearch(args: Record<string, unknown>): ResidentSearch {
  const q = String(args.query ?? "").toLowerCase();
  const found = hits.filter((h) =>
    [h.first_name, h.last_name, h.unit_number, h.email, h.phone].some((v) => v?.toLowerCase().includes(q)),
  );
  return page(found);
}

/** A search answer holding all of `found`. */
export function page(found: ResidentHit[], total = found.length): ResidentSearch {
  return { hits: found, total };
}

/** A standing instruction as list_instructions answers it. */
export function instructionView(
  id: string,
  target: InstructionTarget,
  text: string,
  more: { pending?: boolean; updated_by?: string; updated_at_ms?: number } = {},
): InstructionView {
  return {
    instruction: {
      id,
      building_id: BUILDING_ID,
      target,
      text,
      updated_by: more.updated_by ?? signedIn.staff.id,
      updated_at_ms: more.updated_at_ms ?? new Date("2025-03-10T14:05:00").getTime(),
    },
    pending: more.pending ?? false,
  };
}

/** A queued or refused write as list_outbox answers it. */
export function outboxItem(mutationId: string, body: MutationBody, more: Partial<OutboxItem> = {}): OutboxItem {
  return {
    mutation: { id: mutationId, client_time_ms: new Date("2025-03-10T14:05:00").getTime(), body },
    state: "pending",
    reject_code: null,
    reject_reason: null,
    attempts: 0,
    last_error: null,
    queued_by: null,
    queued_by_name: null,
    ...more,
  };
}

/** A package report as package_report answers it: three days around Montréal's clock change. */
export function packageReport(more: Partial<PackageReport> = {}): PackageReport {
  return {
    from_ms: 1_793_419_200_000,
    to_ms: 1_793_682_000_000,
    time_zone: "America/Toronto",
    waiting_days: 3,
    generated_at_ms: 1_793_984_400_000,
    received: 6,
    by_day: [
      { date: "2026-10-31", start_ms: 1_793_419_200_000, parcels: 1 },
      { date: "2026-11-01", start_ms: 1_793_505_600_000, parcels: 3 },
      { date: "2026-11-02", start_ms: 1_793_595_600_000, parcels: 2 },
    ],
    by_carrier: [
      { carrier: "ups", carrier_name: "UPS", parcels: 2 },
      { carrier: "canada_post", carrier_name: "Canada Post", parcels: 1 },
      { carrier: null, carrier_name: null, parcels: 1 },
    ],
    pickup: { parcels: 4, median_ms: 7_200_000, p90_ms: 604_800_000 },
    overdue: [
      {
        package_id: "pC",
        code: "CCCC-0003",
        unit_id: "unit-804",
        unit_number: "804",
        resident_id: "r-1",
        recipient: "Amélie Bélanger",
        carrier: null,
        carrier_name: null,
        shelf: "B",
        note: "=1+1",
        status: "waiting",
        received_at_ms: 1_793_505_660_000,
        days_waiting: 5,
        pending: false,
      },
      {
        package_id: "pQ",
        code: "QQQQ-0010",
        unit_id: "unit-804",
        unit_number: "804",
        resident_id: "r-2",
        recipient: "Hugo Bélanger",
        carrier: "dhl",
        carrier_name: "DHL",
        shelf: "A",
        note: null,
        status: "notified",
        received_at_ms: 1_793_642_400_000,
        days_waiting: 3,
        pending: true,
      },
    ],
    by_staff: [
      { staff_id: "staff-a", name: "Marie Tremblay", parcels: 5 },
      { staff_id: "staff-gone", name: null, parcels: 1 },
    ],
    ...more,
  };
}

/** The protocol's messaging limits, as the `message_limits` command answers them. */
export const messageLimits: MessageLimits = {
  max_message_chars: 4000,
  max_attachments_per_message: 10,
  max_attachment_bytes: 10 * 1024 * 1024,
};
