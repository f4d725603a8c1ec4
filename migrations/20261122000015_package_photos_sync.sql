-- Package photos travel to the server now (issue 5). `package_photos` holds the photos
-- the server has, as pulls deliver them; a photo taken here is a queued
-- `package_photo_add` (its JPEG a blob) laid over them until its echo, like every write.
--
-- Photos taken before this were kept only at this desk: each becomes a queued write
-- now, in the order they were taken, sendable by whoever is signed in (queued_by is
-- unknown). The mutation id is a UUID v7 made from the time the photo was taken; its
-- JPEG moves from photos/ to blobs/ when the desk opens (photos::adopt_photo_folder).
INSERT INTO outbox (mutation_id, body, client_time_ms)
SELECT printf('%08x-%04x-7%03x-%04x-%012x',
              taken_at_ms >> 16, taken_at_ms & 65535,
              abs(random()) % 4096, 32768 + abs(random()) % 16384,
              abs(random()) % 281474976710656),
       json_object('kind', 'package_photo_add',
                   'payload', json_object('id', package_id, 'sha256', sha256)),
       taken_at_ms
FROM package_photos ORDER BY taken_at_ms, sha256;

DROP TABLE package_photos;
CREATE TABLE package_photos (
    package_id  TEXT NOT NULL,
    building_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    taken_at_ms INTEGER NOT NULL,
    taken_by    TEXT NOT NULL,
    PRIMARY KEY (package_id, sha256)
) STRICT;
