-- Parcels taken in at the desks (mutations package_intake, package_edit,
-- package_transition). Keep identical to ../sqlite (see 0001).

CREATE TABLE packages (
    id                 TEXT PRIMARY KEY NOT NULL,
    building_id        TEXT NOT NULL REFERENCES buildings (id),
    -- The short code on the label and in its QR code (XXXX-XXXX).
    code               TEXT NOT NULL,
    tracking_number    TEXT,
    carrier            TEXT,
    -- Who it is for; both NULL while a bulk intake has not assigned it.
    resident_id        TEXT REFERENCES residents (id),
    unit_id            TEXT REFERENCES units (id),
    shelf              TEXT,
    size               TEXT,
    perishable         BIGINT NOT NULL,
    signature_required BIGINT NOT NULL,
    fragile            BIGINT NOT NULL,
    note               TEXT,
    -- waiting, notified, picked_up, returned, lost (protocol::PackageStatus).
    status             TEXT NOT NULL,
    received_at_ms     BIGINT NOT NULL,
    received_by        TEXT NOT NULL REFERENCES staff (id),
    status_at_ms       BIGINT NOT NULL,
    collected_by       TEXT
);
-- A code names one parcel on the shelf: the desks find it by scanning the label.
CREATE INDEX packages_code ON packages (building_id, code);
CREATE INDEX packages_tracking ON packages (building_id, tracking_number);
CREATE INDEX packages_unit ON packages (unit_id);

-- The history of each parcel: its intake and every change of status.
CREATE TABLE package_events (
    id              TEXT PRIMARY KEY NOT NULL,
    package_id      TEXT NOT NULL REFERENCES packages (id),
    building_id     TEXT NOT NULL REFERENCES buildings (id),
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    by_staff        TEXT NOT NULL REFERENCES staff (id),
    at_ms           BIGINT NOT NULL,
    note            TEXT,
    override_reason TEXT
);
CREATE INDEX package_events_package ON package_events (package_id);
