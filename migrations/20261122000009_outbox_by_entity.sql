-- The record each queued write is about (a parcel's or an instruction's id), indexed, so
-- reading one parcel lays over only its own queued writes instead of decoding the whole
-- outbox (thousands of rows after a long outage, on every intake's read-back).
ALTER TABLE outbox ADD COLUMN entity_id TEXT
    GENERATED ALWAYS AS (json_extract(body, '$.payload.id')) VIRTUAL;
CREATE INDEX outbox_by_entity ON outbox (entity_id, seq);
