-- Attachment content, named by its SHA-256 (lower-case hex) within a building. The
-- bytes live in the database rather than on the server's disk, so that several server
-- instances on one PostgreSQL serve the same blobs, and a database backup holds every
-- attachment its messages refer to (see docs/blobs.md).
CREATE TABLE blobs (
    building_id   TEXT NOT NULL REFERENCES buildings (id),
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    -- Sniffed from the bytes (protocol's sniff_content_type), never what a client said.
    content_type  TEXT NOT NULL,
    -- The staff member whose upload stored it; a later upload of the same bytes
    -- writes nothing.
    uploaded_by   TEXT NOT NULL REFERENCES staff (id),
    created_at_ms BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    PRIMARY KEY (building_id, sha256)
);
