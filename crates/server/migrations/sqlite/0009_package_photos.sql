-- Photos of parcels, taken with the webcam at intake (issue 5). The JPEG is a blob
-- (0008), uploaded by the desk before the mutation that adds it; any staff member of
-- the building may then read that blob, as they see the parcel. Keep identical to
-- ../postgres (see 0001).
CREATE TABLE package_photos (
    building_id TEXT NOT NULL REFERENCES buildings (id),
    package_id  TEXT NOT NULL REFERENCES packages (id),
    sha256      TEXT NOT NULL,
    -- The desk's clock when it was taken (the mutation's client_time_ms).
    taken_at_ms INTEGER NOT NULL,
    taken_by    TEXT NOT NULL REFERENCES staff (id),
    PRIMARY KEY (package_id, sha256),
    FOREIGN KEY (building_id, sha256) REFERENCES blobs (building_id, sha256)
);
-- Who may read a blob (blobs::readable_blob) asks whether a photo shows it.
CREATE INDEX package_photos_by_blob ON package_photos (building_id, sha256);
