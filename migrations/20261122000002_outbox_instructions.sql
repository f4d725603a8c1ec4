-- Desk writes. Tables hold the server's state only (what pulls deliver). Local writes
-- wait in the outbox, and readers lay pending and acknowledged mutations over the
-- server's rows. So a pull can never overwrite a pending local edit, and "reverting" a
-- rejected mutation is simply no longer laying it over.

-- One row per desk write, in the order staff made them (seq).
--   pending   written here, not yet acknowledged by the server
--   acked     applied by the server at acked_seq; kept until the pull cursor passes it,
--             so the screen never flickers back to the old state in between
--   rejected  refused by the server for good; kept (and shown) until dismissed
CREATE TABLE outbox (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id    TEXT NOT NULL UNIQUE,
    body           TEXT NOT NULL,
    client_time_ms INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
    acked_seq      INTEGER,
    reject_code    TEXT,
    reject_reason  TEXT,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT
) STRICT;
CREATE INDEX outbox_by_state ON outbox (state, seq);

CREATE TABLE instructions (
    id            TEXT PRIMARY KEY NOT NULL,
    building_id   TEXT NOT NULL,
    target_type   TEXT NOT NULL CHECK (target_type IN ('unit', 'resident')),
    target_id     TEXT NOT NULL,
    text          TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX instructions_by_target ON instructions (target_type, target_id);
