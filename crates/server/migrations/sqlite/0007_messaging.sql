-- Staff messaging (mutations conversation_*, message_*, reaction_set, receipt_mark), and
-- who may see each change of the log. Keep identical to ../postgres (see 0001).

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY NOT NULL,
    building_id     TEXT NOT NULL REFERENCES buildings (id),
    -- direct or group (protocol::ConversationKind).
    kind            TEXT NOT NULL,
    title           TEXT,
    created_by      TEXT NOT NULL REFERENCES staff (id),
    created_at_ms   INTEGER NOT NULL,
    -- The `no` of its latest message: the next one gets this plus one, in commit order.
    last_message_no INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_building ON conversations (building_id);

CREATE TABLE conversation_participants (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    -- owner or member (protocol::ParticipantRole).
    role            TEXT NOT NULL,
    joined_at_ms    INTEGER NOT NULL,
    left_at_ms      INTEGER,
    -- The seq of the change that recorded their leaving: they are served the
    -- conversation's changes up to it (NULL while they are in it).
    left_seq        INTEGER,
    PRIMARY KEY (conversation_id, staff_id)
);
-- A WebSocket connection loads its staff member's conversations when it starts.
CREATE INDEX conversation_participants_staff ON conversation_participants (staff_id, conversation_id);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    message_no      INTEGER NOT NULL,
    -- text or system (protocol::MessageKind).
    kind            TEXT NOT NULL,
    sender_id       TEXT NOT NULL REFERENCES staff (id),
    -- Empty once deleted.
    text            TEXT NOT NULL,
    -- JSON of protocol::SystemEvent, for system messages.
    system          TEXT,
    sent_at_ms      INTEGER NOT NULL,
    committed_at_ms INTEGER NOT NULL,
    edited_at_ms    INTEGER,
    deleted_at_ms   INTEGER,
    UNIQUE (conversation_id, message_no)
);

-- A message's files, each a blob of the building (`blobs`, migration 0008) named by its
-- sha256; fetching a blob is allowed to the participants of a conversation that has a
-- message with it (the blob route joins this table with messages and participants).
CREATE TABLE message_attachments (
    message_id      TEXT NOT NULL REFERENCES messages (id),
    position        INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    name            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    content_type    TEXT NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX message_attachments_sha256 ON message_attachments (sha256);

-- One per (message, staff member, kind): set or cleared, the last one committed wins.
CREATE TABLE reactions (
    message_id      TEXT NOT NULL REFERENCES messages (id),
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    reaction        TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    active          INTEGER NOT NULL,
    at_ms           INTEGER NOT NULL,
    PRIMARY KEY (message_id, staff_id, reaction)
);

-- Per-(conversation, staff member) watermarks over messages.message_no: they only go up.
CREATE TABLE receipts (
    conversation_id   TEXT NOT NULL REFERENCES conversations (id),
    staff_id          TEXT NOT NULL REFERENCES staff (id),
    delivered_through INTEGER NOT NULL,
    read_through      INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, staff_id)
);

-- A staff member's own flags on a conversation, seen by nobody else.
CREATE TABLE conversation_prefs (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    important       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, staff_id)
);

-- Who may see a change (protocol::ChangeBody::audience): both NULL for the whole
-- building; a conversation's id for its participants; a staff id for that one person.
-- A pull walks the log by (building_id, seq), its primary key, and checks each
-- restricted row against conversation_participants' primary key; nothing else is
-- needed to filter. Compaction finds a conversation's leavers by the same key.
ALTER TABLE changes ADD COLUMN audience_conversation TEXT;
ALTER TABLE changes ADD COLUMN audience_staff TEXT;
