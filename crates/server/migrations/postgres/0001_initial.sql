-- PostgreSQL flavour of the building server schema. Keep table and column names identical to
-- ../sqlite: the server runs one set of queries against both through sqlx's Any driver,
-- which on SQLite only understands INTEGER, REAL, TEXT and BLOB columns. The same shapes are
-- used here (0/1 BIGINT booleans, Unix-millisecond `*_ms` timestamps) so rows decode alike.

CREATE TABLE buildings (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    address       TEXT,
    city          TEXT,
    province      TEXT,
    postal_code   TEXT,
    country       TEXT,
    -- Last sequence number handed out in this building's change log.
    head_seq      BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE TABLE units (
    id             TEXT PRIMARY KEY NOT NULL,
    building_id    TEXT NOT NULL REFERENCES buildings (id),
    unit_number    TEXT NOT NULL,
    floor_number   BIGINT,
    square_footage DOUBLE PRECISION,
    bedrooms       BIGINT,
    bathrooms      DOUBLE PRECISION,
    is_occupied    BIGINT,
    unit_type      TEXT,
    occupant_name  TEXT,
    created_at_ms  BIGINT NOT NULL,
    updated_at_ms  BIGINT NOT NULL
);
CREATE INDEX units_building ON units (building_id, unit_number);

CREATE TABLE residents (
    id                            TEXT PRIMARY KEY NOT NULL,
    building_id                   TEXT NOT NULL REFERENCES buildings (id),
    unit_id                       TEXT REFERENCES units (id),
    user_id                       TEXT,
    first_name                    TEXT NOT NULL,
    last_name                     TEXT NOT NULL,
    email                         TEXT,
    phone                         TEXT,
    is_owner                      BIGINT NOT NULL,
    is_primary_resident           BIGINT NOT NULL,
    move_in_date                  TEXT,
    move_out_date                 TEXT,
    preferred_language            TEXT,
    preferred_notification_method TEXT,
    notes                         TEXT,
    created_at_ms                 BIGINT NOT NULL,
    updated_at_ms                 BIGINT NOT NULL
);
CREATE INDEX residents_building ON residents (building_id);
CREATE INDEX residents_unit ON residents (unit_id);

CREATE TABLE staff (
    id            TEXT PRIMARY KEY NOT NULL,
    building_id   TEXT NOT NULL REFERENCES buildings (id),
    name          TEXT NOT NULL,
    -- Stored trimmed and lowercased, so uniqueness is case-insensitive.
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX staff_building ON staff (building_id);

CREATE TABLE sessions (
    -- sha256 of the bearer token, hex: a leaked database does not leak usable tokens.
    token_hash    TEXT PRIMARY KEY NOT NULL,
    staff_id      TEXT NOT NULL REFERENCES staff (id),
    building_id   TEXT NOT NULL REFERENCES buildings (id),
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    revoked_at_ms BIGINT
);
CREATE INDEX sessions_staff ON sessions (staff_id);

CREATE TABLE changes (
    building_id     TEXT NOT NULL REFERENCES buildings (id),
    seq             BIGINT NOT NULL,
    committed_at_ms BIGINT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    mutation_id     TEXT,
    -- JSON of protocol::ChangeBody.
    body            TEXT NOT NULL,
    PRIMARY KEY (building_id, seq)
);
