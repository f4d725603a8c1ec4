-- An acknowledged write stays laid over the server's state until the cursor passes its
-- sequence number; from then on its echo is in the store, and the outbox row goes. Done
-- on the cursor's own update, so applying a live frame costs no statement for it (a
-- busy building sends each desk hundreds of frames a second).
CREATE TRIGGER outbox_forget_pulled AFTER UPDATE OF cursor ON sync_state
BEGIN
    DELETE FROM outbox WHERE state = 'acked' AND acked_seq <= NEW.cursor;
END;
