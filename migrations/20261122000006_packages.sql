-- Parcels, as the server's change log delivers them (package_upserted,
-- package_event_added). What this desk has queued is laid over them from the outbox
-- when read (see desk-core packages).

CREATE TABLE packages (
    id                 TEXT PRIMARY KEY NOT NULL,
    building_id        TEXT NOT NULL,
    code               TEXT NOT NULL,
    tracking_number    TEXT,
    carrier            TEXT,
    resident_id        TEXT,
    unit_id            TEXT,
    shelf              TEXT,
    size               TEXT,
    perishable         INTEGER NOT NULL,
    signature_required INTEGER NOT NULL,
    fragile            INTEGER NOT NULL,
    note               TEXT,
    status             TEXT NOT NULL,
    received_at_ms     INTEGER NOT NULL,
    received_by        TEXT NOT NULL,
    status_at_ms       INTEGER NOT NULL,
    collected_by       TEXT
) STRICT;
CREATE INDEX packages_by_code ON packages (code);
CREATE INDEX packages_by_tracking ON packages (tracking_number);
CREATE INDEX packages_by_unit ON packages (unit_id, status);
CREATE INDEX packages_by_status ON packages (status, received_at_ms);

CREATE TABLE package_events (
    id              TEXT PRIMARY KEY NOT NULL,
    package_id      TEXT NOT NULL,
    building_id     TEXT NOT NULL,
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    by_staff        TEXT NOT NULL,
    at_ms           INTEGER NOT NULL,
    note            TEXT,
    override_reason TEXT
) STRICT;
CREATE INDEX package_events_by_package ON package_events (package_id, at_ms);
