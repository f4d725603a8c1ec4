-- Package photos taken at this desk with the webcam (issue 5). The JPEG is a file named
-- by its SHA-256 in the desk's photos folder; it stays on this desk until the blob
-- upload of the sync engine carries it to the server.
CREATE TABLE package_photos (
    package_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    taken_at_ms INTEGER NOT NULL,
    PRIMARY KEY (package_id, sha256)
);
CREATE INDEX package_photos_by_package ON package_photos (package_id, taken_at_ms);
