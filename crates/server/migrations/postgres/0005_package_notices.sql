-- Telling residents about their parcels (see docs/notifications.md). Keep identical
-- to ../sqlite (see 0001).

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
    attempts           BIGINT NOT NULL DEFAULT 0,
    last_error         TEXT,
    last_attempt_at_ms BIGINT,
    sent_at_ms         BIGINT,
    created_at_ms      BIGINT NOT NULL,
    -- Queued only: not before this (the grouping window, then the retry backoff).
    due_at_ms          BIGINT,
    -- A notifier sending this notice holds it until then (another instance on the
    -- same database leaves it alone; after a crash it is sent again).
    lease_until_ms     BIGINT
);
CREATE INDEX package_notices_due ON package_notices (state, due_at_ms);
CREATE INDEX package_notices_resident ON package_notices (resident_id, kind, state);
CREATE INDEX package_notices_package ON package_notices (package_id);

-- The move to `notified` is made by the server itself, whose actor
-- (protocol::NOTIFIER_ACTOR) is no staff row: package_events.by_staff loses its
-- foreign key.
ALTER TABLE package_events DROP CONSTRAINT IF EXISTS package_events_by_staff_fkey;
