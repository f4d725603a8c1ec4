-- The desk's local cache of its building: settings, the sync cursor, and the directory.
-- Rows arrive from the server's change log (pull); the desk never invents directory rows.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- One row: how far this desk has applied its building's change log.
CREATE TABLE sync_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    cursor       INTEGER NOT NULL DEFAULT 0,
    last_sync_ms INTEGER
) STRICT;
INSERT INTO sync_state (id, cursor) VALUES (1, 0);

CREATE TABLE buildings (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT,
    city        TEXT,
    province    TEXT,
    postal_code TEXT,
    country     TEXT
) STRICT;

CREATE TABLE units (
    id             TEXT PRIMARY KEY NOT NULL,
    building_id    TEXT NOT NULL,
    unit_number    TEXT NOT NULL,
    floor_number   INTEGER,
    square_footage REAL,
    bedrooms       INTEGER,
    bathrooms      REAL,
    is_occupied    INTEGER,
    unit_type      TEXT,
    occupant_name  TEXT
) STRICT;
CREATE INDEX units_by_number ON units (unit_number);

CREATE TABLE residents (
    id                            TEXT PRIMARY KEY NOT NULL,
    building_id                   TEXT NOT NULL,
    unit_id                       TEXT,
    user_id                       TEXT,
    first_name                    TEXT NOT NULL,
    last_name                     TEXT NOT NULL,
    email                         TEXT,
    phone                         TEXT,
    is_owner                      INTEGER NOT NULL,
    is_primary_resident           INTEGER NOT NULL,
    move_in_date                  TEXT,
    move_out_date                 TEXT,
    preferred_language            TEXT,
    preferred_notification_method TEXT,
    notes                         TEXT
) STRICT;
CREATE INDEX residents_by_unit ON residents (unit_id);
CREATE INDEX residents_by_name ON residents (last_name, first_name);

CREATE TABLE staff (
    id          TEXT PRIMARY KEY NOT NULL,
    building_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    disabled    INTEGER NOT NULL
) STRICT;

-- Full-text index of the directory, kept by the code that applies changes (one
-- transaction with the row it indexes). remove_diacritics 2 folds accents on both the
-- indexed text and the query, so "celine" finds "Céline". `phone` holds digit-only
-- forms of the number (whole, without area code, last four) so any of them matches.
CREATE VIRTUAL TABLE residents_fts USING fts5(
    resident_id UNINDEXED,
    name,
    unit_number,
    email,
    phone,
    tokenize = "unicode61 remove_diacritics 2"
);
