-- Telling residents about their parcels (see docs/notifications.md). Keep identical
-- to ../postgres (see 0001).

-- One row per package and kind of notice: queued by the intake (in the push's
-- transaction) or by the reminder pass, then sent, failed or skipped by the notifier.
CREATE TABLE package_notices (
    id                 TEXT PRIMARY KEY NOT NULL,
    package_id         TEXT NOT NULL REFERENCES packages (id),
    building_id        TEXT NOT NULL REFERENCES buildings (id),
    resident_id        TEXT REFERENCES residents (id),
    -- intake, reminder (protocol::NoticeKind).
    kind               TEXT NOT NULL,
    -- queued, sent, failed, skipped (protocol::NoticeState).
    state              TEXT NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT,
    last_attempt_at_ms INTEGER,
    sent_at_ms         INTEGER,
    created_at_ms      INTEGER NOT NULL,
    -- Queued only: not before this (the grouping window, then the retry backoff).
    due_at_ms          INTEGER,
    -- A notifier sending this notice holds it until then (another instance on the
    -- same database leaves it alone; after a crash it is sent again).
    lease_until_ms     INTEGER
);
CREATE INDEX package_notices_due ON package_notices (state, due_at_ms);
CREATE INDEX package_notices_resident ON package_notices (resident_id, kind, state);
CREATE INDEX package_notices_package ON package_notices (package_id);

-- The move to `notified` is made by the server itself, whose actor
-- (protocol::NOTIFIER_ACTOR) is no staff row: package_events.by_staff loses its
-- foreign key. SQLite cannot drop one, so the table is rebuilt (nothing references it).
CREATE TABLE package_events_rebuilt (
    id              TEXT PRIMARY KEY NOT NULL,
    package_id      TEXT NOT NULL REFERENCES packages (id),
    building_id     TEXT NOT NULL REFERENCES buildings (id),
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    -- A staff id, or protocol::NOTIFIER_ACTOR.
    by_staff        TEXT NOT NULL,
    at_ms           INTEGER NOT NULL,
    note            TEXT,
    override_reason TEXT
);
INSERT INTO package_events_rebuilt
    SELECT id, package_id, building_id, from_status, to_status, by_staff, at_ms, note,
           override_reason
    FROM package_events;
DROP TABLE package_events;
ALTER TABLE package_events_rebuilt RENAME TO package_events;
CREATE INDEX package_events_package ON package_events (package_id);
