//! Feedback to whoever reported a disclosure: what became of each prompt it raised (who had to
//! act, where it stands, the outcome, the agency and its decision), never the notes.

use super::access;
use super::disclosures::DisclosureRecord;
use super::prompt_lifecycle::{records, PromptRecord};
use crate::db::prompts as prompt_rows;
use crate::domain::ids::DisclosureId;
use crate::error::ApiError;
use crate::work::Work;

/// A disclosure the caller may read, with every prompt it raised (and its referral, if any).
pub fn read(
    w: &mut Work,
    id: DisclosureId,
) -> Result<(DisclosureRecord, Vec<PromptRecord>), ApiError> {
    let row = access::disclosure(w, id)?;
    let prompts = prompt_rows::triggered_by(w.conn, &row.id)?;
    let prompt_ids = prompts.iter().map(|p| p.id.clone()).collect();
    let prompts = records(w, prompts)?;
    Ok((DisclosureRecord { row, prompt_ids }, prompts))
}
