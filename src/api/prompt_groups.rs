//! The prompt list grouped by the fact that raised them (`?groupBy=trigger`): one entry per
//! disclosure or event, with its prompts and where they stand, so one response answers them.

use super::pagination::{self, Page};
use super::prompts::{record_view, PromptView, TriggeredBy};
use crate::domain::prompt::PromptStatus;
use crate::error::ApiError;
use crate::services::prompt_lifecycle::{self as lifecycle};
use crate::services::prompts::TriggerGroup;
use crate::work::Work;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the prompt list is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum GroupBy {
    /// One entry per fact (disclosure, appointment, risk assessment, ...) that raised prompts.
    #[serde(rename = "trigger")]
    Trigger,
}

/// The prompts one fact raised: "the pregnancy disclosure of 3 March: 5 actions, 2 done".
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerGroupView {
    pub triggered_by: TriggeredBy,
    pub crn: String,
    /// When the first of its prompts was raised.
    pub raised_at: DateTime<Utc>,
    /// The soonest due time of its prompts not yet resolved (`null` when all are resolved).
    pub next_due_at: Option<DateTime<Utc>>,
    /// How many prompts the group holds (those passing the list's filters).
    pub total: usize,
    /// Of which resolved.
    pub resolved: usize,
    /// Of which open, awaiting an agency's response, or pending a manager's approval.
    pub unresolved: usize,
    /// Its prompts, by due time.
    pub prompts: Vec<PromptView>,
}

/// One page of groups, newest fact first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerGroupPage {
    pub groups: Vec<TriggerGroupView>,
    /// Pass as `cursor` (with `groupBy=trigger`) to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The prompt list: prompts by due time, or (with `groupBy=trigger`) groups by the fact that
/// raised them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PromptListing {
    Prompts(Page<PromptView>),
    Groups(TriggerGroupPage),
}

/// The view of one group at `now`, with its prompts' referrals.
fn group_view(
    w: &mut Work,
    group: TriggerGroup,
    now: DateTime<Utc>,
) -> Result<TriggerGroupView, ApiError> {
    let raised_at = group.prompts.iter().map(|p| p.raised_at).min();
    let next_due_at = group
        .prompts
        .iter()
        .filter(|p| p.status != PromptStatus::Resolved)
        .map(|p| p.due_at)
        .min();
    let resolved = group
        .prompts
        .iter()
        .filter(|p| p.status == PromptStatus::Resolved)
        .count();
    let total = group.prompts.len();
    let crn = group
        .prompts
        .first()
        .map(|p| p.crn.clone())
        .unwrap_or_default();
    let prompts = lifecycle::records(w, group.prompts)?
        .into_iter()
        .map(|r| record_view(r, now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TriggerGroupView {
        triggered_by: TriggeredBy {
            kind: group.kind,
            id: group.id,
        },
        crn,
        raised_at: raised_at
            .ok_or_else(|| ApiError::internal("a prompt group without prompts"))?
            .and_utc(),
        next_due_at: next_due_at.map(|t| t.and_utc()),
        total,
        resolved,
        unresolved: total - resolved,
        prompts,
    })
}

/// A page of groups from up to `limit + 1` loaded groups.
pub fn group_page(
    w: &mut Work,
    groups: Vec<TriggerGroup>,
    limit: i64,
) -> Result<TriggerGroupPage, ApiError> {
    let now = w.now;
    let page = Page::try_from_rows(groups, limit, |g| g.id.clone(), |g| group_view(w, g, now))?;
    Ok(TriggerGroupPage {
        groups: page.items,
        next_cursor: page.next_cursor,
    })
}

/// The fact id a groups cursor continues after (`422` for a cursor this API did not issue).
pub fn before_trigger(cursor: Option<&str>) -> Result<Option<String>, ApiError> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => pagination::decode_cursor(c).map(Some),
    }
}
