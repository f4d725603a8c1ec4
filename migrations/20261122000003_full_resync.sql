-- Full resync: the server no longer serves this desk's cursor (410 cursor_expired: its
-- change log was compacted past it, or it is behind the cursor), so the desk reloads
-- its building from 0, keeping the outbox.

-- The compaction horizon of the last page applied, sent back with the next pull: it
-- lets a desk reading the compacted log from 0 go on while its cursor is below the
-- horizon. NULL until the first page from a server that reports one.
ALTER TABLE sync_state ADD COLUMN horizon_seq INTEGER;
-- When this desk last started a full resync (NULL: never).
ALTER TABLE sync_state ADD COLUMN last_resync_ms INTEGER;
