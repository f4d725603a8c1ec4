-- Who queued each write: the staff member signed in at this desk when it was made. A
-- front-desk PC changes hands at shift change; the pusher sends only the signed-in
-- person's writes (and those of rows from before this column, NULL), so nobody's
-- writes ever reach the server under someone else's session. The others wait, shown
-- in the Sync panel, until their author signs in here again.
ALTER TABLE outbox ADD COLUMN queued_by TEXT;
