-- Staff messaging, as the server's change log delivers it to this desk's signed-in staff
-- member (conversation_upserted, message_upserted, reaction_upserted, receipt_upserted,
-- conversation_pref_upserted). What this desk has queued (messages being sent, edits,
-- reactions, receipts, flags) is laid over these rows from the outbox when read (see
-- desk-core messaging). Only drafts are the desk's own.

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY NOT NULL,
    building_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    title         TEXT,
    created_by    TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE conversation_participants (
    conversation_id TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    role            TEXT NOT NULL,
    joined_at_ms    INTEGER NOT NULL,
    left_at_ms      INTEGER,
    PRIMARY KEY (conversation_id, staff_id)
) STRICT, WITHOUT ROWID;
-- "My conversations", and the ones whose search row names a renamed staff member.
CREATE INDEX participants_by_staff ON conversation_participants (staff_id, conversation_id);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL,
    no              INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    text            TEXT NOT NULL,
    system          TEXT,          -- SystemEvent as JSON
    attachments     TEXT NOT NULL, -- [Attachment] as JSON
    sent_at_ms      INTEGER NOT NULL,
    committed_at_ms INTEGER NOT NULL,
    edited_at_ms    INTEGER,
    deleted_at_ms   INTEGER
) STRICT;
-- A thread's pages, its last message, and unread counts all walk this index.
CREATE UNIQUE INDEX messages_by_no ON messages (conversation_id, no);

CREATE TABLE message_reactions (
    message_id      TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    reaction        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    active          INTEGER NOT NULL,
    at_ms           INTEGER NOT NULL,
    PRIMARY KEY (message_id, staff_id, reaction)
) STRICT, WITHOUT ROWID;

-- Watermarks only move forward: applying keeps the larger value.
CREATE TABLE message_receipts (
    conversation_id   TEXT NOT NULL,
    staff_id          TEXT NOT NULL,
    delivered_through INTEGER NOT NULL,
    read_through      INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, staff_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE conversation_prefs (
    conversation_id TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    important       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, staff_id)
) STRICT, WITHOUT ROWID;

-- The composer's unsent text, per staff member and conversation: the desk's own, kept
-- across restarts, never sent.
CREATE TABLE message_drafts (
    staff_id        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    text            TEXT NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (staff_id, conversation_id)
) STRICT, WITHOUT ROWID;

-- What a message being sent here attaches, in full (the queued mutation names the blobs
-- only), to show it before the server's row comes back. The desk's own.
CREATE TABLE outgoing_attachments (
    message_id  TEXT PRIMARY KEY NOT NULL,
    attachments TEXT NOT NULL -- [Attachment] as JSON
) STRICT;

-- New messages from others that arrived with a pull or live frame, waiting for the desk
-- to raise a notification; written in the apply's transaction, taken once.
CREATE TABLE message_alerts (
    message_id      TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    text            TEXT NOT NULL
) STRICT;

-- Conversations this desk's staff member was added to after their older messages went
-- by in the log: their history is fetched from the server (GET
-- /v1/conversations/{id}/messages), then the row goes.
CREATE TABLE conversation_backfills (
    conversation_id TEXT PRIMARY KEY NOT NULL
) STRICT;

-- Search over message text, and over conversation titles and participant names, kept by
-- the code that applies changes (one transaction with the rows indexed). Accents fold as
-- in the directory search, which LIKE cannot do. Measured on 10,000 messages (debug
-- build): a word in one message is found in 0.4 ms against 2.4 ms for a LIKE scan, one
-- in a twelfth of them in about the same time either way.
-- A search row's rowid is its message's (or conversation's) rowid.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    conversation_id UNINDEXED,
    text,
    tokenize = "unicode61 remove_diacritics 2"
);
CREATE VIRTUAL TABLE conversations_fts USING fts5(
    conversation_id UNINDEXED,
    title,
    names,
    tokenize = "unicode61 remove_diacritics 2"
);

-- Messaging reads lay only messaging writes over their rows: find them by kind without
-- decoding the whole outbox (thousands of rows after an outage).
CREATE INDEX outbox_by_kind ON outbox (json_extract(body, '$.kind'), seq);
