//! Property-based tests of the outbox and the cursor. Random interleavings of local
//! writes, pushes (answered, answer lost, refused), other desks' writes, pulls in
//! random page sizes, and crashes (the store closed and reopened), against an
//! in-memory model of the server's rules. After every step: the cursor never passes
//! the server's head; pending writes keep their order; and what the desk shows is the
//! server's state at the cursor with the desk's unsettled writes laid over it. After
//! draining: the desk shows exactly the server's state, and every write not refused
//! is on the server exactly once.

use std::collections::{BTreeMap, HashMap};

use frontdesk_desk_core::instructions::Author;
use frontdesk_desk_core::outbox::OutboxState;
use frontdesk_desk_core::store::Store;
use frontdesk_protocol::{
    Change, ChangeBody, Instruction, InstructionTarget, Mutation, MutationBody, MutationOutcome,
    MutationResult, RejectCode, Unit,
};
use proptest::prelude::*;
use uuid::Uuid;

const ME: Author<'static> = Author {
    staff_id: "me",
    building_id: "b",
};
const REFUSED_TEXT: &str = "refused by the server";

fn target() -> InstructionTarget {
    InstructionTarget::Unit("u1".into())
}

#[derive(Debug, Clone)]
enum Op {
    Save { id: u8, text: u8 },
    Delete { id: u8 },
    Push { max: u8, answer_lost: bool },
    OtherDesk { id: u8, text: Option<u8> },
    Pull { limit: u8 },
    Crash,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3u8, 0..4u8).prop_map(|(id, text)| Op::Save { id, text }),
        1 => (0..3u8).prop_map(|id| Op::Delete { id }),
        2 => (1..4u8, any::<bool>()).prop_map(|(max, answer_lost)| Op::Push { max, answer_lost }),
        2 => (0..3u8, proptest::option::of(0..3u8)).prop_map(|(id, text)| Op::OtherDesk { id, text }),
        2 => (1..4u8).prop_map(|limit| Op::Pull { limit }),
        1 => Just(Op::Crash),
    ]
}

fn text_of(n: u8) -> String {
    // One text in four is one the server refuses: the desk cannot know in advance.
    if n == 3 {
        REFUSED_TEXT.into()
    } else {
        format!("text {n}")
    }
}

/// The server's rules, in memory: applies each mutation id at most once, refuses the
/// marked text, last writer wins, every applied mutation logs one change.
#[derive(Default)]
struct ModelServer {
    log: Vec<Change>,
    outcomes: HashMap<Uuid, MutationOutcome>,
}

impl ModelServer {
    fn head(&self) -> i64 {
        self.log.len() as i64
    }

    fn apply(&mut self, m: &Mutation) -> MutationResult {
        if let Some(first) = self.outcomes.get(&m.id) {
            return MutationResult {
                id: m.id,
                duplicate: true,
                outcome: first.clone(),
            };
        }
        let outcome = match &m.body {
            MutationBody::InstructionSave { text, .. } if text == REFUSED_TEXT => {
                MutationOutcome::Rejected {
                    code: RejectCode::Invalid,
                    reason: "no".into(),
                }
            }
            body => {
                self.append(Some(m.id), body, "me");
                MutationOutcome::Applied { seq: self.head() }
            }
        };
        self.outcomes.insert(m.id, outcome.clone());
        MutationResult {
            id: m.id,
            duplicate: false,
            outcome,
        }
    }

    fn append(&mut self, mutation_id: Option<Uuid>, body: &MutationBody, by: &str) {
        let body = match body {
            MutationBody::InstructionSave { id, target, text } => {
                ChangeBody::InstructionUpserted(Instruction {
                    id: id.clone(),
                    building_id: "b".into(),
                    target: target.clone(),
                    text: text.clone(),
                    updated_by: by.into(),
                    updated_at_ms: 0,
                })
            }
            MutationBody::InstructionDelete { id } => {
                ChangeBody::InstructionDeleted { id: id.clone() }
            }
            other => panic!("the model makes instruction writes only, not {other:?}"),
        };
        let seq = self.head() + 1;
        self.log.push(Change {
            seq,
            committed_at_ms: 0,
            mutation_id,
            body,
        });
    }

    /// Instruction texts by id after the first `upto` changes.
    fn state_at(&self, upto: i64) -> BTreeMap<String, String> {
        let mut state = BTreeMap::new();
        for change in self.log.iter().take(upto.max(0) as usize) {
            match &change.body {
                ChangeBody::InstructionUpserted(i) => {
                    state.insert(i.id.clone(), i.text.clone());
                }
                ChangeBody::InstructionDeleted { id } => {
                    state.remove(id);
                }
                _ => {}
            }
        }
        state
    }
}

/// The desk's writes as the spec says they should stand.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Pending,
    Acked(i64),
    Refused,
}

async fn open(path: &std::path::Path) -> Store {
    Store::open(path).await.expect("open store")
}

async fn shown(store: &Store) -> BTreeMap<String, String> {
    store
        .instructions_for(&target(), &ME)
        .await
        .expect("read instructions")
        .into_iter()
        .map(|v| (v.instruction.id, v.instruction.text))
        .collect()
}

fn lay_over(
    mut state: BTreeMap<String, String>,
    writes: &[(Mutation, Expect)],
    cursor: i64,
) -> BTreeMap<String, String> {
    for (m, expect) in writes {
        let unsettled = match expect {
            Expect::Pending => true,
            Expect::Acked(seq) => *seq > cursor,
            Expect::Refused => false,
        };
        if !unsettled {
            continue;
        }
        match &m.body {
            MutationBody::InstructionSave { id, text, .. } => {
                state.insert(id.clone(), text.clone());
            }
            MutationBody::InstructionDelete { id } => {
                state.remove(id);
            }
            other => panic!("the model makes instruction writes only, not {other:?}"),
        }
    }
    state
}

async fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut store = open(&path).await;
    let unit = Unit {
        id: "u1".into(),
        building_id: "b".into(),
        unit_number: "101".into(),
        floor_number: None,
        square_footage: None,
        bedrooms: None,
        bathrooms: None,
        is_occupied: None,
        unit_type: None,
        occupant_name: None,
    };
    let mut server = ModelServer::default();
    // The unit comes through the log like everything else.
    server.log.push(Change {
        seq: 1,
        committed_at_ms: 0,
        mutation_id: None,
        body: ChangeBody::UnitUpserted(unit),
    });
    store.apply_changes(&server.log, 0).await.unwrap();
    let mut writes: Vec<(Mutation, Expect)> = Vec::new();

    for op in ops {
        match op {
            Op::Save { id, text } => {
                let m = store
                    .save_instruction(Some(format!("i{id}")), target(), &text_of(text), 0)
                    .await
                    .unwrap();
                writes.push((m, Expect::Pending));
            }
            Op::Delete { id } => {
                let m = store
                    .delete_instruction(&format!("i{id}"), 0)
                    .await
                    .unwrap();
                writes.push((m, Expect::Pending));
            }
            Op::Push { max, answer_lost } => {
                let batch = store
                    .pending_batch(u32::from(max), "staff-1")
                    .await
                    .unwrap();
                let results: Vec<MutationResult> = batch.iter().map(|m| server.apply(m)).collect();
                if !answer_lost {
                    store.record_push_results(&results).await.unwrap();
                    for r in &results {
                        let w = writes
                            .iter_mut()
                            .find(|(m, _)| m.id == r.id)
                            .expect("pushed a known write");
                        if w.1 == Expect::Pending {
                            w.1 = match &r.outcome {
                                MutationOutcome::Applied { seq } => Expect::Acked(*seq),
                                MutationOutcome::Rejected { .. } => Expect::Refused,
                            };
                        }
                    }
                }
            }
            Op::OtherDesk { id, text } => {
                let body = match text {
                    Some(t) => MutationBody::InstructionSave {
                        id: format!("i{id}"),
                        target: target(),
                        text: format!("other {t}"),
                    },
                    None => MutationBody::InstructionDelete {
                        id: format!("i{id}"),
                    },
                };
                server.append(Some(Uuid::now_v7()), &body, "other");
            }
            Op::Pull { limit } => {
                let (cursor, _) = store.sync_cursor().await.unwrap();
                let page: Vec<Change> = server
                    .log
                    .iter()
                    .skip(cursor as usize)
                    .take(usize::from(limit))
                    .cloned()
                    .collect();
                store.apply_changes(&page, 0).await.unwrap();
                // An echo settles a write whose push answer was lost.
                for change in &page {
                    if let Some(w) = writes
                        .iter_mut()
                        .find(|(m, _)| Some(m.id) == change.mutation_id)
                        && w.1 == Expect::Pending
                    {
                        w.1 = Expect::Acked(change.seq);
                    }
                }
            }
            Op::Crash => {
                store.pool().close().await;
                store = open(&path).await;
            }
        }

        let (cursor, _) = store.sync_cursor().await.unwrap();
        assert!(
            cursor <= server.head(),
            "cursor {cursor} passed the head {}",
            server.head()
        );
        let pending: Vec<Uuid> = store
            .pending_batch(1_000, "staff-1")
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect();
        let expected_pending: Vec<Uuid> = writes
            .iter()
            .filter(|(_, e)| *e == Expect::Pending)
            .map(|(m, _)| m.id)
            .collect();
        assert_eq!(
            pending, expected_pending,
            "pending writes, in the order made"
        );
        let items = store.outbox_items().await.unwrap();
        let counts = store.outbox_counts().await.unwrap();
        assert_eq!(
            (counts.queued as usize, counts.rejected as usize),
            (
                pending.len(),
                items
                    .iter()
                    .filter(|i| i.state == OutboxState::Rejected)
                    .count()
            ),
            "the status bar's counts match the outbox"
        );
        assert_eq!(
            counts.oldest_queued_ms,
            items
                .iter()
                .filter(|i| i.state == OutboxState::Pending)
                .map(|i| i.mutation.client_time_ms)
                .next(),
            "oldest queued write"
        );
        let want = lay_over(server.state_at(cursor), &writes, cursor);
        assert_eq!(
            shown(&store).await,
            want,
            "what the desk shows at cursor {cursor}"
        );
    }

    // Drain: push everything (answers arrive), pull everything.
    loop {
        let batch = store.pending_batch(100, "staff-1").await.unwrap();
        if batch.is_empty() {
            break;
        }
        let results: Vec<MutationResult> = batch.iter().map(|m| server.apply(m)).collect();
        store.record_push_results(&results).await.unwrap();
    }
    let (cursor, _) = store.sync_cursor().await.unwrap();
    let rest: Vec<Change> = server.log.iter().skip(cursor as usize).cloned().collect();
    store.apply_changes(&rest, 0).await.unwrap();
    assert_eq!(store.sync_cursor().await.unwrap().0, server.head());
    assert_eq!(
        shown(&store).await,
        server.state_at(server.head()),
        "drained: the desk shows the server's state"
    );
    assert!(
        store.overlay().await.unwrap().is_empty(),
        "nothing left to lay over"
    );
    for (m, _) in &writes {
        let in_log = server
            .log
            .iter()
            .filter(|c| c.mutation_id == Some(m.id))
            .count();
        let refused = matches!(
            server.outcomes.get(&m.id),
            Some(MutationOutcome::Rejected { .. })
        );
        assert_eq!(
            in_log,
            usize::from(!refused),
            "write {} applied exactly once unless refused",
            m.id
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_outbox_and_cursor_keep_their_invariants(ops in proptest::collection::vec(op(), 1..40)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(ops));
    }
}
