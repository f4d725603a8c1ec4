-- A pickup's signature (SVG path data, checked by the protocol's normalize_signature).
ALTER TABLE package_events ADD COLUMN signature TEXT;
