//! The apply connection leaves the WAL to the checkpointer: a live frame never pays for
//! copying the log into the database file, and `Store::checkpoint` copies it all.

use frontdesk_desk_core::store::{FrameOutcome, Store};
use frontdesk_protocol::{Change, ChangeBody, Instruction, InstructionTarget};

#[tokio::test]
async fn live_frames_leave_the_wal_to_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).await.unwrap();
    store.checkpoint().await.unwrap();
    // Each frame's commit writes a few pages: past SQLite's automatic threshold (1000)
    // many times over.
    for seq in 1..=800 {
        let change = Change {
            seq,
            committed_at_ms: seq,
            mutation_id: None,
            body: ChangeBody::InstructionUpserted(Instruction {
                id: format!("i-{}", seq % 20),
                building_id: "b".into(),
                target: InstructionTarget::Unit("u-1".into()),
                text: format!("Leave parcels at the desk ({seq})"),
                updated_by: "s-1".into(),
                updated_at_ms: seq,
            }),
        };
        let outcome = store.apply_range(&[change], seq - 1, seq, 0).await.unwrap();
        assert!(matches!(outcome, FrameOutcome::Applied(_)), "{outcome:?}");
    }
    let done = store.checkpoint().await.unwrap();
    assert!(
        done.in_log > 1500,
        "the applies checkpointed by themselves: only {} frames in the WAL",
        done.in_log
    );
    assert_eq!(
        done.copied, done.in_log,
        "nothing reads: all of it is copied"
    );
    assert_eq!(store.sync_cursor().await.unwrap().0, 800);
}
