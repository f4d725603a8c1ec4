-- What a queued write is and which conversation it is in, as columns with indexes, so
-- that the hot paths find their few rows without decoding the whole outbox (10,000
-- messages queued during an outage made each new send decode all of them first):
-- - sending a message reads the conversation's queued create and leave only;
-- - before each push, the receipt marks a later one covers are dropped
--   (`messaging::apply::supersede_receipts`).
-- The kind column replaces the expression index on the same value.
ALTER TABLE outbox ADD COLUMN kind TEXT
    GENERATED ALWAYS AS (body ->> '$.kind') VIRTUAL;
ALTER TABLE outbox ADD COLUMN conversation_id TEXT
    GENERATED ALWAYS AS (body ->> '$.payload.conversation_id') VIRTUAL;
DROP INDEX outbox_by_kind;
CREATE INDEX outbox_by_kind ON outbox (kind, seq);
CREATE INDEX outbox_by_conversation ON outbox (conversation_id, kind);
