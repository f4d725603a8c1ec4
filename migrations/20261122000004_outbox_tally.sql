-- The status bar reads the outbox counts after every write and every applied frame.
-- Counting rows would cost time proportional to the queue (10,000 writes queued during
-- an outage make each write slower); triggers keep the counts current in O(1) instead,
-- in the same transaction as the change they count.
CREATE TABLE outbox_tally (
    state TEXT PRIMARY KEY NOT NULL CHECK (state IN ('pending', 'acked', 'rejected')),
    n     INTEGER NOT NULL CHECK (n >= 0)
) STRICT, WITHOUT ROWID;

INSERT INTO outbox_tally (state, n)
SELECT s.state, (SELECT COUNT(*) FROM outbox o WHERE o.state = s.state)
FROM (SELECT 'pending' AS state UNION ALL SELECT 'acked' UNION ALL SELECT 'rejected') s;

CREATE TRIGGER outbox_tally_insert AFTER INSERT ON outbox
BEGIN
    UPDATE outbox_tally SET n = n + 1 WHERE state = NEW.state;
END;

CREATE TRIGGER outbox_tally_delete AFTER DELETE ON outbox
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE state = OLD.state;
END;

CREATE TRIGGER outbox_tally_update AFTER UPDATE OF state ON outbox
WHEN OLD.state <> NEW.state
BEGIN
    UPDATE outbox_tally SET n = n - 1 WHERE state = OLD.state;
    UPDATE outbox_tally SET n = n + 1 WHERE state = NEW.state;
END;
