//! Feedback to whoever reported a disclosure: what became of each prompt it raised (who had to
//! act, where it stands, the outcome, the agency and its decision), never the notes.

use super::access;
use super::disclosures::DisclosureRecord;
use super::prompt_lifecycle::{records, PromptRecord};
use crate::db::disclosures as rows;
use crate::db::prompts as prompt_rows;
use crate::domain::ids::DisclosureId;
use crate::error::ApiError;
use crate::work::Work;
use chrono::NaiveDateTime;
use std::collections::HashMap;

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

/// Up to `limit` disclosures the caller's organisation recorded (only the caller's own when
/// `mine`), newest first, before `before`; each with every prompt it raised, whoever had to act.
pub fn recorded(
    w: &mut Work,
    mine: bool,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<(DisclosureRecord, Vec<PromptRecord>)>, ApiError> {
    let sub = mine.then(|| w.me.sub().to_string());
    let page = rows::page_recorded_by(w.conn, w.me.org(), sub.as_deref(), before, limit)?;
    let ids: Vec<&str> = page.iter().map(|d| d.id.as_str()).collect();
    let triggered = prompt_rows::triggered_by_any(w.conn, &ids)?;
    let prompts = records(w, triggered)?;
    let mut raised: HashMap<String, Vec<PromptRecord>> = HashMap::new();
    for p in prompts {
        raised
            .entry(p.row.triggered_by_id.clone())
            .or_default()
            .push(p);
    }
    Ok(page
        .into_iter()
        .map(|row| {
            let prompts = raised.remove(&row.id).unwrap_or_default();
            let prompt_ids = prompts.iter().map(|p| p.row.id.clone()).collect();
            (DisclosureRecord { row, prompt_ids }, prompts)
        })
        .collect())
}
