-- Desk writes (`POST /v1/sync/push`). Keep identical to ../postgres (see 0001).

-- Standing front-desk instructions on a unit or a resident.
CREATE TABLE instructions (
    id            TEXT PRIMARY KEY NOT NULL,
    building_id   TEXT NOT NULL REFERENCES buildings (id),
    -- 'unit' or 'resident'; target_id is that record's id, in the same building.
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    text          TEXT NOT NULL,
    -- Staff id of whoever wrote this version, and when (by the desk's clock).
    updated_by    TEXT NOT NULL REFERENCES staff (id),
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX instructions_building ON instructions (building_id);
CREATE INDEX instructions_target ON instructions (target_type, target_id);

-- Every desk mutation ever answered, by its id (the idempotency key): a repeat gets
-- `outcome` back instead of being applied again, across restarts.
CREATE TABLE mutations (
    id             TEXT PRIMARY KEY NOT NULL,
    building_id    TEXT NOT NULL REFERENCES buildings (id),
    staff_id       TEXT NOT NULL REFERENCES staff (id),
    received_at_ms BIGINT NOT NULL,
    -- JSON of protocol::MutationOutcome.
    outcome        TEXT NOT NULL
);
