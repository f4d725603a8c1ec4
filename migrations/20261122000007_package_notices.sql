-- What the building server did to tell residents about their parcels, as its change
-- log delivers it (package_notice_upserted): shown on the package page.

CREATE TABLE package_notices (
    id                 TEXT PRIMARY KEY NOT NULL,
    package_id         TEXT NOT NULL,
    building_id        TEXT NOT NULL,
    resident_id        TEXT,
    kind               TEXT NOT NULL,
    state              TEXT NOT NULL,
    attempts           INTEGER NOT NULL,
    last_error         TEXT,
    last_attempt_at_ms INTEGER,
    sent_at_ms         INTEGER,
    created_at_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX package_notices_by_package ON package_notices (package_id, created_at_ms);
