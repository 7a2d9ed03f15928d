//! Raising safeguarding prompts from rule output (with deduplication and working-day due dates),
//! and escalating overdue ones in the background.

use crate::db::events::{self, NewEventRow};
use crate::db::prompts::{self as rows, PromptRow, OPEN};
use crate::db::{to_json, write_transaction, DbConnection};
use crate::domain::events::EventType;
use crate::error::ApiError;
use crate::rules::prompt::{AssigneeRole, PromptSpec};
use crate::work::{Event, Work};
use chrono::{DateTime, Utc};

/// The actor recorded for what rarlink itself does (escalation, scheduled prompts).
pub const SYSTEM_ACTOR: &str = "rarlink";

/// Where a prompt belongs: the case, and what raised it.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub crn: &'a str,
    pub probation_org: &'a str,
    /// The provider organisation, for prompts addressed to a provider.
    pub provider_org: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub referral_id: Option<&'a str>,
    /// `DISCLOSURE`, `RISK_ASSESSMENT`, `APPOINTMENT`, `REFERRAL`, `ORDER`.
    pub kind: &'static str,
    pub id: &'a str,
}

/// The result of raising: the new prompts, and open prompts that already covered the same facts.
#[derive(Debug, Default)]
pub struct Raised {
    pub new: Vec<PromptRow>,
    pub already_open: Vec<PromptRow>,
}

/// Stores each specification as an open prompt unless an open prompt for the same rule and
/// facts exists. Emits `rarlink.safeguarding-prompt.raised` for each new one.
pub fn raise(w: &mut Work, specs: Vec<PromptSpec>, origin: &Origin) -> Result<Raised, ApiError> {
    let mut raised = Raised::default();
    for spec in specs {
        if let Some(existing) = rows::open_with_key(w.conn, &spec.dedup_key)? {
            raised.already_open.push(existing);
            continue;
        }
        let org = match (spec.assignee_role, origin.provider_org) {
            (AssigneeRole::ProviderSafeguardingLead, Some(provider)) => provider,
            (AssigneeRole::ProviderSafeguardingLead, None) => {
                return Err(ApiError::internal(format!(
                    "rule {} addressed a provider with none involved",
                    spec.rule
                )))
            }
            _ => origin.probation_org,
        };
        let due = w.rules.due(w.now, spec.rule, spec.deadline);
        let row = PromptRow {
            id: uuid::Uuid::now_v7().to_string(),
            crn: origin.crn.to_string(),
            probation_org: origin.probation_org.to_string(),
            org: org.to_string(),
            order_id: origin.order_id.map(str::to_string),
            referral_id: origin.referral_id.map(str::to_string),
            rule: spec.rule.to_string(),
            title: spec.title,
            action: spec.action,
            rationale: spec.rationale,
            guidance: to_json(&spec.guidance)?,
            triggered_by_kind: origin.kind.to_string(),
            triggered_by_id: origin.id.to_string(),
            assignee_role: spec.assignee_role.as_str().to_string(),
            assignee: spec.assignee,
            mandatory: spec.mandatory,
            dedup_key: spec.dedup_key,
            status: OPEN.to_string(),
            raised_at: w.now.naive_utc(),
            due_at: due.naive_utc(),
            escalated_at: None,
            outcome: None,
            resolution_note: None,
            external_reference: None,
            resolved_at: None,
            resolved_by: None,
            resolved_by_role: None,
        };
        rows::insert(w.conn, &row)?;
        w.emit(prompt_event(
            &row,
            EventType::SafeguardingPromptRaised,
            format!("Prompt raised: {}", row.title),
        ));
        raised.new.push(row);
    }
    Ok(raised)
}

/// How a prompt is closed.
pub struct Resolution<'a> {
    /// `ACTIONED` or `NOT_REQUIRED`.
    pub outcome: &'a str,
    pub note: String,
    pub external_reference: Option<String>,
    /// The role the resolver acted in.
    pub role: Option<String>,
}

/// Resolves an open prompt (it is kept, never deleted) and emits
/// `rarlink.safeguarding-prompt.resolved`, in the caller's transaction.
pub fn resolve(w: &mut Work, mut row: PromptRow, r: Resolution) -> Result<PromptRow, ApiError> {
    row.status = rows::RESOLVED.into();
    row.outcome = Some(r.outcome.into());
    row.resolution_note = Some(r.note);
    row.external_reference = r.external_reference;
    row.resolved_at = Some(w.now.naive_utc());
    row.resolved_by = Some(w.me.caller.sub.clone());
    row.resolved_by_role = r.role;
    rows::save(w.conn, &row)?;
    w.emit(prompt_event(
        &row,
        EventType::SafeguardingPromptResolved,
        format!("Prompt resolved ({}): {}", r.outcome, row.title),
    ));
    Ok(row)
}

/// Closes a prompt the system itself knows is done (e.g. the provider acknowledged).
pub fn resolve_as_done(w: &mut Work, row: PromptRow, note: String) -> Result<PromptRow, ApiError> {
    let role = w.me.caller.roles.first().map(|r| r.as_str().to_string());
    resolve(
        w,
        row,
        Resolution {
            outcome: "ACTIONED",
            note,
            external_reference: None,
            role,
        },
    )
}

/// An event about a prompt: visible to the case's probation organisation, and to the provider
/// when the prompt is addressed to it.
pub fn prompt_event(row: &PromptRow, event_type: EventType, description: String) -> Event {
    Event {
        event_type,
        description,
        detail_path: format!("/api/v1/safeguarding-prompts/{}", row.id),
        additional_information: serde_json::json!({
            "promptId": row.id,
            "rule": row.rule,
            "assigneeRole": row.assignee_role,
            "assignee": row.assignee,
            "dueAt": row.due_at.and_utc(),
            "mandatory": row.mandatory,
            "status": row.status,
            "outcome": row.outcome,
        }),
        crn: Some(row.crn.clone()),
        org: row.probation_org.clone(),
        provider_org: (row.org != row.probation_org).then(|| row.org.clone()),
    }
}

/// The stored form of an event that rarlink itself causes (no request, no caller).
pub fn system_event_row(e: Event, now: DateTime<Utc>) -> NewEventRow {
    NewEventRow {
        id: uuid::Uuid::now_v7().to_string(),
        event_type: e.event_type.to_string(),
        version: 1,
        occurred_at: now.naive_utc(),
        description: e.description,
        detail_url: e.detail_path,
        additional_information: e.additional_information.to_string(),
        crn: e.crn,
        org_code: e.org,
        provider_org_code: e.provider_org,
        actor_sub: Some(SYSTEM_ACTOR.into()),
        actor_org: None,
    }
}

/// Marks overdue open prompts as escalated (so managers see them) and emits
/// `rarlink.safeguarding-prompt.overdue` for each, once, even with several instances running.
pub fn escalate_overdue(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let escalated = write_transaction(conn, |conn| {
            let due = rows::lock_overdue(conn, now.naive_utc(), 100)?;
            let mut events_out = Vec::with_capacity(due.len());
            for mut row in due.iter().cloned() {
                row.escalated_at = Some(now.naive_utc());
                rows::save(conn, &row)?;
                events_out.push(system_event_row(
                    prompt_event(
                        &row,
                        EventType::SafeguardingPromptOverdue,
                        format!("Overdue and escalated to managers: {}", row.title),
                    ),
                    now,
                ));
            }
            events::insert_all(conn, &events_out)?;
            Ok::<_, ApiError>(due.len())
        })?;
        total += escalated;
        if escalated < 100 {
            return Ok(total);
        }
    }
}
