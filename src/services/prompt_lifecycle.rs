//! A safeguarding prompt worked to closure: its stored history, a referral to an agency and the
//! agency's decision (with the follow-up when it is late, and the challenge of a "no further
//! action" that should not stand), and a manager's approval of a proposed "not required".

use super::change::{change, Expect};
use super::prompts::{self, acting_role, prompt_event_with, Origin, Raised};
use super::risk;
use crate::auth::Role;
use crate::db::disclosures as disclosure_rows;
use crate::db::prompt_steps::{self as steps, AgencyReferralRow, HistoryRow};
use crate::db::prompts::{self as rows, PromptRow};
use crate::db::{from_json, orders, people, write_transaction, DbConnection};
use crate::domain::disclosure::DisclosureType;
use crate::domain::events::DomainEvent;
use crate::domain::household::HouseholdDeclaration;
use crate::domain::ids::PromptId;
use crate::domain::order::OrderStatus;
use crate::domain::prompt::{
    Agency, AgencyDecision, ApprovalDecision, Outcome, PromptStatus, PromptStep, ReferralMethod,
    TriggerKind,
};
use crate::error::ApiError;
use crate::rules::agency_decision::{challenge, DecisionFacts};
use crate::rules::disclosure::CaseFacts;
use crate::rules::working_days::london_date;
use crate::work::{Actor, Event, Work};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// A referral made to an agency in answer to a prompt (outcome `REFERRED`).
#[derive(Debug, Clone)]
pub struct AgencyReferral {
    pub agency: Agency,
    pub method: ReferralMethod,
    pub referred_on: NaiveDate,
    pub reference: Option<String>,
}

/// The agency's decision on a referral.
#[derive(Debug, Clone)]
pub struct AgencyResponse {
    pub received_on: NaiveDate,
    pub decision: AgencyDecision,
    pub reference: Option<String>,
    pub note: String,
}

/// A prompt with what it carries beyond its row: the referral made and, when asked for, its history.
#[derive(Debug, Clone)]
pub struct PromptRecord {
    pub row: PromptRow,
    pub referral: Option<AgencyReferralRow>,
    pub history: Option<Vec<HistoryRow>>,
    /// Later disclosures of the same facts, linked instead of raising the prompt again.
    pub related_disclosures: Vec<String>,
}

/// The prompt with its referral and full history (a single prompt's read).
pub fn record(w: &mut Work, row: PromptRow) -> Result<PromptRecord, ApiError> {
    Ok(PromptRecord {
        referral: steps::referral(w.conn, &row.id)?,
        history: Some(steps::history(w.conn, &row.id)?),
        related_disclosures: steps::related_disclosures(w.conn, &[row.id.as_str()])?
            .into_iter()
            .map(|(_, d)| d)
            .collect(),
        row,
    })
}

/// Prompts with their referrals and related disclosures, in two queries (a page); without history.
pub fn records(w: &mut Work, rows: Vec<PromptRow>) -> Result<Vec<PromptRecord>, ApiError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut referrals: HashMap<String, AgencyReferralRow> = steps::referrals_of(w.conn, &ids)?
        .into_iter()
        .map(|r| (r.prompt_id.clone(), r))
        .collect();
    let related = steps::related_disclosures(w.conn, &ids)?;
    let rows = rows
        .into_iter()
        .map(|row| {
            let referral = referrals.remove(&row.id);
            (row, referral)
        })
        .collect();
    Ok(assemble(rows, related))
}

/// Prompts loaded with their referrals, and their linked disclosures as `(prompt, disclosure)`
/// in link order, as records without history.
pub fn assemble(
    rows: Vec<(PromptRow, Option<AgencyReferralRow>)>,
    linked: Vec<(String, String)>,
) -> Vec<PromptRecord> {
    let mut related: HashMap<String, Vec<String>> = HashMap::new();
    for (prompt, disclosure) in linked {
        related.entry(prompt).or_default().push(disclosure);
    }
    rows.into_iter()
        .map(|(row, referral)| PromptRecord {
            referral,
            history: None,
            related_disclosures: related.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect()
}

/// The role a caller's step is recorded under: a manager role before any other.
fn caller_role(w: &Work) -> Option<String> {
    [
        Role::ProbationManager,
        Role::ProviderManager,
        Role::ProbationPractitioner,
    ]
    .into_iter()
    .find(|r| w.me.has(*r))
    .or_else(|| w.me.caller.roles.first().copied())
    .map(|r| r.as_str().to_string())
}

/// Stores one transition of `row` (already in its new state), made by the caller.
pub fn record_step(
    w: &mut Work,
    row: &PromptRow,
    step: PromptStep,
    from: Option<PromptStatus>,
    note: Option<String>,
) -> Result<(), ApiError> {
    let entry = HistoryRow {
        id: uuid::Uuid::now_v7().to_string(),
        prompt_id: row.id.clone(),
        at: w.now.naive_utc(),
        step,
        from_status: from,
        to_status: row.status,
        actor: w.me.caller.sub.clone(),
        actor_role: caller_role(w),
        note,
        outcome: row.outcome,
    };
    Ok(steps::insert_step(w.conn, &entry)?)
}

/// `REFERRED`: the referral is stored and the prompt waits for the agency's decision, chased at
/// the agency's follow-up date.
pub(super) fn refer(
    w: &mut Work,
    row: &mut PromptRow,
    role: Role,
    note: String,
    referral: AgencyReferral,
) -> Result<Event, ApiError> {
    if referral.referred_on > london_date(w.now) {
        return Err(ApiError::field(
            "referral.referredOn",
            "future",
            "referral.referredOn cannot be in the future",
        ));
    }
    let from = row.status;
    let stored = AgencyReferralRow {
        prompt_id: row.id.clone(),
        agency: referral.agency,
        method: referral.method,
        referred_on: referral.referred_on,
        reference: referral.reference.clone(),
        follow_up_due_at: w
            .rules
            .follow_up_due(referral.referred_on, referral.agency)
            .naive_utc(),
        follow_up_notified_at: None,
        response_received_on: None,
        decision: None,
        response_reference: None,
        response_note: None,
        responded_at: None,
        responded_by: None,
    };
    steps::put_referral(w.conn, &stored)?;
    row.status = PromptStatus::AwaitingResponse;
    row.outcome = Some(Outcome::Referred);
    row.resolution_note = Some(note.clone());
    row.external_reference = referral.reference;
    row.resolved_by_role = Some(role.as_str().into());
    record_step(w, row, PromptStep::Referred, Some(from), Some(note))?;
    Ok(prompt_event_with(
        row,
        Some(&stored),
        DomainEvent::SafeguardingPromptReferred,
        format!(
            "Referred to {}; decision awaited: {}",
            referral.agency.as_str(),
            row.title
        ),
    ))
}

/// `NOT_REQUIRED` on a mandatory prompt: proposed, for a manager of the prompt's organisation
/// (not the proposer) to approve or reject.
pub(super) fn propose_not_required(
    w: &mut Work,
    row: &mut PromptRow,
    _role: Role,
    note: String,
) -> Result<Event, ApiError> {
    let from = row.status;
    row.status = PromptStatus::PendingApproval;
    record_step(
        w,
        row,
        PromptStep::ProposedNotRequired,
        Some(from),
        Some(note),
    )?;
    Ok(prompts::prompt_event(
        row,
        DomainEvent::SafeguardingPromptApprovalRequested,
        format!(
            "Not required proposed; a manager must decide: {}",
            row.title
        ),
    ))
}

/// Records the agency's decision on a prompt awaiting it (`409` otherwise) and resolves it; a
/// "no further action" that should be challenged raises `challenge-agency-decision`.
pub fn agency_response(
    w: &mut Work,
    id: PromptId,
    expect: Expect<PromptRow>,
    response: AgencyResponse,
) -> Result<PromptRow, ApiError> {
    let side = w.me.org_kind.ok_or_else(|| ApiError::not_found("prompt"))?;
    let (row, referral) = change(w, id, side, expect, |w, row| {
        apply_agency_response(w, row, response)
    })?;
    raise_challenge(w, &row, &referral)?;
    Ok(row)
}

/// The change an agency response makes, and the referral as it now stands.
pub(super) fn apply_agency_response(
    w: &mut Work,
    row: &mut PromptRow,
    response: AgencyResponse,
) -> Result<(Event, AgencyReferralRow), ApiError> {
    let role = acting_role(w, row)?;
    let not_awaiting = || {
        ApiError::invalid_state(
            format!(
                "the prompt is {}: no agency response is awaited",
                row.status.as_str()
            ),
            row.status.as_str(),
        )
    };
    if row.status != PromptStatus::AwaitingResponse {
        return Err(not_awaiting());
    }
    let mut referral = steps::referral(w.conn, &row.id)?.ok_or_else(not_awaiting)?;
    if response.received_on > london_date(w.now) {
        return Err(ApiError::field(
            "receivedOn",
            "future",
            "receivedOn cannot be in the future",
        ));
    }
    if response.received_on < referral.referred_on {
        return Err(ApiError::field(
            "receivedOn",
            "before_referral",
            format!(
                "receivedOn cannot be before the referral was made ({})",
                referral.referred_on
            ),
        ));
    }
    let note = response.note.trim().to_string();
    referral.response_received_on = Some(response.received_on);
    referral.decision = Some(response.decision);
    referral.response_reference = response.reference.map(|r| r.trim().to_string());
    referral.response_note = Some(note.clone());
    referral.responded_at = Some(w.now.naive_utc());
    referral.responded_by = Some(w.me.caller.sub.clone());
    steps::put_referral(w.conn, &referral)?;
    let from = row.status;
    row.status = PromptStatus::Resolved;
    row.resolved_at = Some(w.now.naive_utc());
    row.resolved_by = Some(w.me.caller.sub.clone());
    row.resolved_by_role = Some(role.as_str().into());
    record_step(w, row, PromptStep::AgencyResponded, Some(from), Some(note))?;
    let event = prompt_event_with(
        row,
        Some(&referral),
        DomainEvent::SafeguardingPromptAgencyResponded,
        format!(
            "{} decided {}: {}",
            referral.agency.as_str(),
            response.decision.as_str(),
            row.title
        ),
    );
    Ok((event, referral))
}

/// Raises `challenge-agency-decision` when the decision on `row`'s referral should be challenged.
pub(super) fn raise_challenge(
    w: &mut Work,
    row: &PromptRow,
    referral: &AgencyReferralRow,
) -> Result<Raised, ApiError> {
    let (Some(decision), Some(received_on)) = (referral.decision, referral.response_received_on)
    else {
        return Ok(Raised::default());
    };
    let order = match &row.order_id {
        Some(id) => Some(orders::get(w.conn, id)?),
        None => orders::for_person(w.conn, &row.crn)?
            .into_iter()
            .filter(|o| o.status == OrderStatus::Active)
            .max_by_key(|o| o.start_date),
    };
    let offences = order
        .as_ref()
        .map(super::referrals::offences)
        .transpose()?
        .unwrap_or_default();
    let current_risk = risk::current(w.conn, &row.crn)?.map(|(_, a)| a);
    let case = CaseFacts {
        crn: &row.crn,
        risk: current_risk.as_ref(),
        da_related_offence: offences.iter().any(|o| o.domestic_abuse_related),
        latest_declaration: None,
        responsible_officer: order.as_ref().map(|o| o.responsible_officer.as_str()),
    };
    let children = children_known(w, &row.crn)?;
    let facts = DecisionFacts {
        crn: &row.crn,
        prompt_id: &row.id,
        prompt_title: &row.title,
        agency: referral.agency,
        decision,
        received_on,
        reference: referral.response_reference.as_deref(),
        domestic_abuse_concern: case.domestic_abuse_concern(),
        children: &children,
    };
    let Some(spec) = challenge(&facts) else {
        return Ok(Raised::default());
    };
    let origin = Origin {
        crn: &row.crn,
        probation_org: &row.probation_org,
        provider_org: None,
        order_id: row.order_id.as_deref(),
        referral_id: None,
        kind: TriggerKind::Prompt,
        id: &row.id,
    };
    prompts::raise(w, vec![spec], &origin)
}

/// What is known of a pregnancy or children on the case, one line each: disclosures of a
/// pregnancy, children or harm to a child, and the latest declaration if it names children.
fn children_known(w: &mut Work, crn: &str) -> Result<Vec<String>, ApiError> {
    let mut known: Vec<String> = disclosure_rows::for_person(w.conn, crn)?
        .into_iter()
        .filter(|d| {
            matches!(
                d.disclosure_type,
                DisclosureType::Pregnancy
                    | DisclosureType::ChildrenInHousehold
                    | DisclosureType::ContactWithChildren
                    | DisclosureType::HarmToChild
            )
        })
        .map(|d| {
            format!(
                "{} disclosed {}: {}",
                d.disclosure_type.as_str(),
                d.disclosed_at.date(),
                d.summary
            )
        })
        .collect();
    if let Some(latest) = people::declarations(w.conn, crn)?.last() {
        let declaration: HouseholdDeclaration = from_json(&latest.body, "household declaration")?;
        if declaration.children_in_household || declaration.contact_with_children {
            known.push(format!(
                "the household declaration of {} names children",
                declaration.declared_at.date_naive()
            ));
        }
    }
    Ok(known)
}

/// A manager's decision on a proposed "not required": approve (resolved `NOT_REQUIRED`) or reject
/// (open again). Only a manager of the prompt's organisation who is not the proposer (`403`),
/// only while pending (`409`).
pub fn decide_approval(
    w: &mut Work,
    id: PromptId,
    expect: Expect<PromptRow>,
    decision: ApprovalDecision,
    note: String,
) -> Result<PromptRow, ApiError> {
    let side = w.me.org_kind.ok_or_else(|| ApiError::not_found("prompt"))?;
    let (row, ()) = change(w, id, side, expect, |w, row| {
        let manager = if w.me.is_provider() {
            Role::ProviderManager
        } else {
            Role::ProbationManager
        };
        if row.org != w.me.org() || !w.me.has(manager) {
            return Err(ApiError::Forbidden(
                "only a manager of the organisation the prompt is addressed to may decide".into(),
            ));
        }
        if row.status != PromptStatus::PendingApproval {
            return Err(ApiError::invalid_state(
                format!(
                    "the prompt is {}: no proposal awaits a decision",
                    row.status.as_str()
                ),
                row.status.as_str(),
            ));
        }
        let proposal = steps::latest_step(w.conn, &row.id, PromptStep::ProposedNotRequired)?
            .ok_or_else(|| ApiError::internal("a pending prompt has no proposal in its history"))?;
        if proposal.actor == w.me.caller.sub {
            return Err(ApiError::Forbidden(
                "the person who proposed 'not required' cannot approve or reject it".into(),
            ));
        }
        let from = row.status;
        let note = note.trim().to_string();
        let event = match decision {
            ApprovalDecision::Approve => {
                row.status = PromptStatus::Resolved;
                row.outcome = Some(Outcome::NotRequired);
                row.resolution_note = proposal.note.clone();
                row.resolved_at = Some(w.now.naive_utc());
                row.resolved_by = Some(w.me.caller.sub.clone());
                row.resolved_by_role = Some(manager.as_str().into());
                record_step(w, row, PromptStep::Approved, Some(from), Some(note))?;
                prompts::prompt_event(
                    row,
                    DomainEvent::SafeguardingPromptResolved,
                    format!("Not required, approved by a manager: {}", row.title),
                )
            }
            ApprovalDecision::Reject => {
                row.status = PromptStatus::Open;
                record_step(w, row, PromptStep::Rejected, Some(from), Some(note))?;
                prompts::prompt_event(
                    row,
                    DomainEvent::SafeguardingPromptProposalRejected,
                    format!("Not required rejected; open again: {}", row.title),
                )
            }
        };
        Ok((event, ()))
    })?;
    Ok(row)
}

/// Announces each referral whose agency's decision is past its follow-up date, once: emits
/// `rarlink.safeguarding-prompt.follow-up-due`, records the step, and escalates the prompt to
/// managers (`escalatedAt`) if it was not already.
pub fn announce_follow_ups_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let announced = write_transaction(conn, |conn| {
            let due = steps::lock_follow_ups_due(conn, now.naive_utc(), 100)?;
            let mut out = Vec::with_capacity(due.len());
            for mut referral in due.iter().cloned() {
                referral.follow_up_notified_at = Some(now.naive_utc());
                steps::put_referral(conn, &referral)?;
                let Some(mut row) = rows::get(conn, &referral.prompt_id)? else {
                    continue;
                };
                if row.escalated_at.is_none() {
                    row.escalated_at = Some(now.naive_utc());
                    rows::save(conn, &row)?;
                }
                steps::insert_step(
                    conn,
                    &HistoryRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        prompt_id: row.id.clone(),
                        at: now.naive_utc(),
                        step: PromptStep::FollowUpDue,
                        from_status: Some(row.status),
                        to_status: row.status,
                        actor: "system".into(),
                        actor_role: None,
                        note: Some(format!(
                            "No decision from {} by {}; chase it",
                            referral.agency.as_str(),
                            referral.follow_up_due_at
                        )),
                        outcome: row.outcome,
                    },
                )?;
                out.push(
                    prompt_event_with(
                        &row,
                        Some(&referral),
                        DomainEvent::SafeguardingPromptFollowUpDue,
                        format!(
                            "No decision yet from {}; chase it: {}",
                            referral.agency.as_str(),
                            row.title
                        ),
                    )
                    .into_row(now, Actor::System)?,
                );
            }
            super::notifications::insert_events(conn, &out)?;
            Ok::<_, ApiError>(due.len())
        })?;
        total += announced;
        if announced < 100 {
            return Ok(total);
        }
    }
}

/// Reminds once of each open prompt half-way to its deadline: a `DUE_SOON` step and
/// `rarlink.safeguarding-prompt.due-soon`. Pages through every open prompt not yet reminded,
/// 100 at a time, each page its own transaction.
pub fn announce_due_soon(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    const PAGE: i64 = 100;
    let mut total = 0;
    let mut after = None;
    loop {
        let (reminded, seen, last) = write_transaction(conn, |conn| {
            let candidates =
                steps::lock_due_soon_candidates(conn, now.naive_utc(), after.as_ref(), PAGE)?;
            let seen = candidates.len();
            let last = candidates.last().map(|r| (r.due_at, r.id.clone()));
            let mut out = Vec::new();
            for row in candidates {
                let half_way = row.raised_at + (row.due_at - row.raised_at) / 2;
                if half_way > now.naive_utc() {
                    continue;
                }
                remind(conn, now, &row)?;
                out.push(
                    prompts::prompt_event(
                        &row,
                        DomainEvent::SafeguardingPromptDueSoon,
                        format!("Due soon: {}", row.title),
                    )
                    .into_row(now, Actor::System)?,
                );
            }
            super::notifications::insert_events(conn, &out)?;
            Ok::<_, ApiError>((out.len(), seen, last))
        })?;
        total += reminded;
        if seen < PAGE as usize {
            return Ok(total);
        }
        after = last;
    }
}

/// Records the `DUE_SOON` step on `row` (the marker that it was reminded).
fn remind(conn: &mut DbConnection, now: DateTime<Utc>, row: &PromptRow) -> Result<(), ApiError> {
    Ok(steps::insert_step(
        conn,
        &HistoryRow {
            id: uuid::Uuid::now_v7().to_string(),
            prompt_id: row.id.clone(),
            at: now.naive_utc(),
            step: PromptStep::DueSoon,
            from_status: Some(row.status),
            to_status: row.status,
            actor: "system".into(),
            actor_role: None,
            note: Some(format!("Half-way to the deadline ({})", row.due_at)),
            outcome: row.outcome,
        },
    )?)
}
