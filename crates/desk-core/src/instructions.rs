//! Standing front-desk instructions on a unit or resident, as the desk sees them: the
//! server's rows with this desk's queued writes laid over them.

use std::collections::BTreeMap;

use frontdesk_protocol::{
    Instruction, InstructionTarget, Mutation, MutationBody, normalize_instruction_text,
};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{DeskError, DeskErrorCode, DeskResult};
use crate::outbox::{self, OutboxState};
use crate::store::Store;

/// An instruction as shown, with whether it still waits for the server.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InstructionView {
    pub instruction: Instruction,
    /// Written at this desk and not yet acknowledged by the server.
    pub pending: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    building_id: String,
    target_type: String,
    target_id: String,
    text: String,
    updated_by: String,
    updated_at_ms: i64,
}

impl Row {
    fn instruction(self) -> Instruction {
        let target = match self.target_type.as_str() {
            "unit" => InstructionTarget::Unit(self.target_id),
            _ => InstructionTarget::Resident(self.target_id),
        };
        Instruction {
            id: self.id,
            building_id: self.building_id,
            target,
            text: self.text,
            updated_by: self.updated_by,
            updated_at_ms: self.updated_at_ms,
        }
    }
}

pub fn target_columns(target: &InstructionTarget) -> (&'static str, &str) {
    match target {
        InstructionTarget::Unit(id) => ("unit", id),
        InstructionTarget::Resident(id) => ("resident", id),
    }
}

/// Who writes at this desk, stamped on optimistic versions.
pub struct Author<'a> {
    pub staff_id: &'a str,
    pub building_id: &'a str,
}

impl Store {
    /// The instructions on `target`, newest first, queued writes included.
    pub async fn instructions_for(
        &self,
        target: &InstructionTarget,
        author: &Author<'_>,
    ) -> DeskResult<Vec<InstructionView>> {
        let (kind, id) = target_columns(target);
        // One snapshot for the server's rows and the outbox laid over them (see
        // `outbox::overlay_in`).
        let mut snapshot = self.pool().begin().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, building_id, target_type, target_id, text, updated_by, updated_at_ms \
             FROM instructions WHERE target_type = ? AND target_id = ?",
        )
        .bind(kind)
        .bind(id)
        .fetch_all(&mut *snapshot)
        .await?;
        let mut views: BTreeMap<String, InstructionView> = rows
            .into_iter()
            .map(|r| {
                (
                    r.id.clone(),
                    InstructionView {
                        instruction: r.instruction(),
                        pending: false,
                    },
                )
            })
            .collect();
        for (mutation, state) in outbox::overlay_in(&mut snapshot).await? {
            lay_over(&mut views, &mutation, state == OutboxState::Pending, author);
        }
        snapshot.commit().await?;
        let mut shown: Vec<InstructionView> = views
            .into_values()
            .filter(|v| &v.instruction.target == target)
            .collect();
        shown.sort_by(|a, b| {
            b.instruction
                .updated_at_ms
                .cmp(&a.instruction.updated_at_ms)
        });
        Ok(shown)
    }

    /// Queues a new instruction or a new version of one (`id` given).
    pub async fn save_instruction(
        &self,
        id: Option<String>,
        target: InstructionTarget,
        text: &str,
        now_ms: i64,
    ) -> DeskResult<Mutation> {
        let text = normalize_instruction_text(text)
            .map_err(|e| DeskError::new(DeskErrorCode::InvalidInput, e))?;
        let mut tx = self.begin_write().await?;
        let exists: Option<(i64,)> = match &target {
            InstructionTarget::Unit(unit) => {
                sqlx::query_as("SELECT 1 FROM units WHERE id = ?")
                    .bind(unit)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            InstructionTarget::Resident(resident) => {
                sqlx::query_as("SELECT 1 FROM residents WHERE id = ?")
                    .bind(resident)
                    .fetch_optional(&mut *tx)
                    .await?
            }
        };
        if exists.is_none() {
            return Err(DeskError::new(
                DeskErrorCode::NotFound,
                format!("no such {} here", target_columns(&target).0),
            ));
        }
        let id = id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::InstructionSave { id, target, text },
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }

    pub async fn delete_instruction(&self, id: &str, now_ms: i64) -> DeskResult<Mutation> {
        let mut tx = self.begin_write().await?;
        let mutation = outbox::enqueue(
            &mut tx,
            MutationBody::InstructionDelete { id: id.to_owned() },
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(mutation)
    }
}

fn lay_over(
    views: &mut BTreeMap<String, InstructionView>,
    mutation: &Mutation,
    pending: bool,
    author: &Author<'_>,
) {
    match &mutation.body {
        MutationBody::InstructionSave { id, target, text } => {
            views.insert(
                id.clone(),
                InstructionView {
                    instruction: Instruction {
                        id: id.clone(),
                        building_id: author.building_id.to_owned(),
                        target: target.clone(),
                        text: text.clone(),
                        updated_by: author.staff_id.to_owned(),
                        updated_at_ms: mutation.client_time_ms,
                    },
                    pending,
                },
            );
        }
        MutationBody::InstructionDelete { id } => {
            views.remove(id);
        }
        // Other domains' writes do not touch instructions.
        _ => {}
    }
}
