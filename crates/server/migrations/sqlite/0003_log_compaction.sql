-- Log compaction (`frontdesk-server log compact`). Keep identical to ../postgres (see 0001).

-- Every change at or below this sequence number may have been compacted away: a pull
-- after a cursor below it is answered 410 cursor_expired (0: never compacted).
ALTER TABLE buildings ADD COLUMN compacted_through_seq INTEGER NOT NULL DEFAULT 0;

-- 1 for a deletion (`*_deleted`): compaction drops those at or below its horizon.
ALTER TABLE changes ADD COLUMN tombstone INTEGER NOT NULL DEFAULT 0;
UPDATE changes SET tombstone = 1
WHERE json_extract(body, '$.kind') IN ('unit_deleted', 'resident_deleted', 'instruction_deleted');

-- Finds the later changes of the same entity (what makes a change superseded).
CREATE INDEX changes_by_entity ON changes (building_id, entity, entity_id, seq);
