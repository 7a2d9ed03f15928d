//! Safeguarding prompts: raising them from rule output (with deduplication and working-day due
//! dates), listing and reading them, resolving them with an outcome, and escalating overdue ones
//! in the background.

use super::access;
use super::change::{change, CaseResource, Expect};
use super::prompt_lifecycle::{self as lifecycle, AgencyReferral};
use crate::auth::Role;
use crate::db::prompt_steps::{self, AgencyReferralRow};
use crate::db::prompts::{self as rows, PromptFilter, PromptRow, Viewer};
use crate::db::{to_json, write_transaction, DbConnection};
use crate::domain::events::{DomainEvent, PromptFacts};
use crate::domain::ids::PromptId;
use crate::domain::prompt::{Outcome, PromptStatus, PromptStep, TriggerKind};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::rules::prompt::{AssigneeRole, PromptSpec};
use crate::rules::repeat_facts;
use crate::work::{Actor, Event, Work};
use chrono::{DateTime, NaiveDateTime, Utc};

/// Where a prompt belongs: the case, and what raised it.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub crn: &'a str,
    pub probation_org: &'a str,
    /// The provider organisation, for prompts addressed to a provider.
    pub provider_org: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub referral_id: Option<&'a str>,
    pub kind: TriggerKind,
    pub id: &'a str,
}

/// The result of raising: the new prompts, and the prompts that already covered the same facts
/// (unresolved, or for a disclosure raised within the deduplication window).
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
        if let Some((mut existing, merged, added)) = covering(w, &spec.dedup_key, origin)? {
            if origin.kind == TriggerKind::Disclosure {
                prompt_steps::link_disclosure(w.conn, &existing.id, origin.id, w.now.naive_utc())?;
            }
            if !added.is_empty() && existing.status != PromptStatus::Resolved {
                add_facts(w, &mut existing, merged, &added, origin)?;
            }
            raised.already_open.push(existing);
            continue;
        }
        let due = w.rules.due(w.now, spec.rule, spec.deadline);
        let row = open_row(spec, origin, w.now, due)?;
        rows::insert(w.conn, &row)?;
        lifecycle::record_step(w, &row, PromptStep::Raised, None, None)?;
        w.emit(prompt_event(
            &row,
            DomainEvent::SafeguardingPromptRaised,
            format!("Prompt raised: {}", row.title),
        ));
        raised.new.push(row);
    }
    Ok(raised)
}

/// A new open prompt for `spec`, addressed to the provider for its safeguarding lead and to
/// probation otherwise.
fn open_row(
    spec: PromptSpec,
    origin: &Origin,
    now: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Result<PromptRow, ApiError> {
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
    Ok(PromptRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: origin.crn.to_string(),
        probation_org: origin.probation_org.to_string(),
        org: org.to_string(),
        order_id: origin.order_id.map(str::to_string),
        referral_id: origin.referral_id.map(str::to_string),
        rule: spec.rule,
        title: spec.title,
        action: spec.action,
        rationale: spec.rationale,
        guidance: to_json(&spec.guidance)?,
        triggered_by_kind: origin.kind,
        triggered_by_id: origin.id.to_string(),
        assignee_role: spec.assignee_role,
        assignee: spec.assignee,
        mandatory: spec.mandatory,
        dedup_key: spec.dedup_key,
        status: PromptStatus::Open,
        raised_at: now.naive_utc(),
        due_at: due.naive_utc(),
        escalated_at: None,
        outcome: None,
        resolution_note: None,
        external_reference: None,
        resolved_at: None,
        resolved_by: None,
        resolved_by_role: None,
        // A disclosure's provider (if a provider reported it) learns what became of the prompt.
        reporting_org: match origin.kind {
            TriggerKind::Disclosure => origin.provider_org.map(str::to_string),
            _ => None,
        },
    })
}

/// Raises `spec` from background work, once per fact: nothing if a prompt with its key was ever
/// raised (open or resolved). Its own transaction, so with several instances racing, the open
/// prompt's unique key lets one insert win and the others raise nothing. True if raised.
pub fn raise_once_as_system(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &crate::rules::RulesConfig,
    spec: PromptSpec,
    origin: &Origin,
) -> Result<bool, ApiError> {
    if rows::any_with_key(conn, &spec.dedup_key)? {
        return Ok(false);
    }
    let due = rules.due(now, spec.rule, spec.deadline);
    let row = open_row(spec, origin, now, due)?;
    let outcome = write_transaction(conn, |conn| {
        rows::insert(conn, &row)?;
        let event = prompt_event(
            &row,
            DomainEvent::SafeguardingPromptRaised,
            format!("Prompt raised: {}", row.title),
        );
        super::notifications::insert_events(conn, &[event.into_row(now, Actor::System)?])?;
        Ok::<_, ApiError>(())
    });
    match outcome {
        Ok(()) => Ok(true),
        // Another instance raised it first.
        Err(ApiError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A prompt covering facts and, if it covers them, its key with what a repeat adds and the facts added.
type Covering = Option<(PromptRow, String, Vec<String>)>;

/// The prompt that already covers these facts: an unresolved one with the same key, or, for a
/// disclosure, the latest one with the same key (even resolved) raised within the deduplication
/// window, so the same fact told again soon after is linked rather than raised again; failing
/// those, for a disclosure of a pregnancy, one about the same pregnancy told with other details
/// (`rules::repeat_facts`), with what this telling adds to it.
fn covering(w: &mut Work, key: &str, origin: &Origin) -> Result<Covering, ApiError> {
    if let Some(live) = rows::open_with_key(w.conn, key)? {
        return Ok(Some((live, key.to_string(), Vec::new())));
    }
    if origin.kind != TriggerKind::Disclosure {
        return Ok(None);
    }
    let window = w.rules.dedup_window_days;
    // With no window, only unresolved prompts cover a repeat.
    let since = if window == 0 {
        (w.now + chrono::Duration::days(1)).naive_utc()
    } else {
        (w.now - chrono::Duration::days(i64::from(window))).naive_utc()
    };
    if window > 0 {
        if let Some(row) = rows::latest_with_key_since(w.conn, key, since)? {
            return Ok(Some((row, key.to_string(), Vec::new())));
        }
    }
    let Some(family) = repeat_facts::pregnancy_family(key) else {
        return Ok(None);
    };
    for row in rows::in_family(w.conn, family, since)? {
        if !row.dedup_key.starts_with(family) {
            continue;
        }
        if let Some((merged, added)) = repeat_facts::same_facts(&row.dedup_key, key) {
            return Ok(Some((row, merged, added)));
        }
    }
    Ok(None)
}

/// A repeat disclosure adds facts to an unresolved prompt: its rationale says what and when, its
/// key takes them (so a third telling matches exactly), a `FACTS_ADDED` step and
/// `rarlink.safeguarding-prompt.facts-added` tell whoever is working it.
fn add_facts(
    w: &mut Work,
    row: &mut PromptRow,
    merged_key: String,
    added: &[String],
    origin: &Origin,
) -> Result<(), ApiError> {
    let what = added.join("; ");
    row.rationale = format!(
        "{} Told again on {} (disclosure {}), adding: {what}.",
        row.rationale.trim_end(),
        crate::rules::working_days::london_date(w.now),
        origin.id
    );
    if rows::open_with_key(w.conn, &merged_key)?.is_none() {
        row.dedup_key = merged_key;
    }
    rows::save(w.conn, row)?;
    lifecycle::record_step(
        w,
        row,
        PromptStep::FactsAdded,
        Some(row.status),
        Some(format!("A later disclosure adds: {what}")),
    )?;
    w.emit(prompt_event(
        row,
        DomainEvent::SafeguardingPromptFactsAdded,
        format!("New facts ({what}): {}", row.title),
    ));
    Ok(())
}

/// How a prompt is closed.
pub struct Resolution {
    pub outcome: Outcome,
    pub note: String,
    pub external_reference: Option<String>,
    /// The role the resolver acted in.
    pub role: Option<String>,
}

/// Closes an open prompt, records the step and says what happened; the caller saves and emits.
fn close(w: &mut Work, row: &mut PromptRow, r: Resolution) -> Result<Event, ApiError> {
    let from = row.status;
    let note = r.note.clone();
    row.status = PromptStatus::Resolved;
    row.outcome = Some(r.outcome);
    row.resolution_note = Some(r.note);
    row.external_reference = r.external_reference;
    row.resolved_at = Some(w.now.naive_utc());
    row.resolved_by = Some(w.me.caller.sub.clone());
    row.resolved_by_role = r.role;
    lifecycle::record_step(w, row, PromptStep::Resolved, Some(from), Some(note))?;
    Ok(prompt_event(
        row,
        DomainEvent::SafeguardingPromptResolved,
        format!("Prompt resolved ({}): {}", r.outcome.as_str(), row.title),
    ))
}

/// Resolves an open prompt (it is kept, never deleted) and emits
/// `rarlink.safeguarding-prompt.resolved`, in the caller's transaction.
pub fn resolve(w: &mut Work, mut row: PromptRow, r: Resolution) -> Result<PromptRow, ApiError> {
    let event = close(w, &mut row, r)?;
    rows::save(w.conn, &row)?;
    w.emit(event);
    Ok(row)
}

/// Closes a prompt the system itself knows is done (e.g. the provider acknowledged).
pub fn resolve_as_done(w: &mut Work, row: PromptRow, note: String) -> Result<PromptRow, ApiError> {
    let role = w.me.caller.roles.first().map(|r| r.as_str().to_string());
    resolve(
        w,
        row,
        Resolution {
            outcome: Outcome::Actioned,
            note,
            external_reference: None,
            role,
        },
    )
}

/// A prompt is a case resource: the caller sees it through [`access::prompt`].
impl CaseResource for PromptRow {
    type Id = crate::domain::ids::PromptId;

    fn load(w: &mut Work, id: Self::Id) -> Result<Self, ApiError> {
        access::prompt(w, id)
    }

    fn save(&self, w: &mut Work) -> Result<(), ApiError> {
        Ok(rows::save(w.conn, self)?)
    }

    /// Never reached by [`resolve_by_caller`] (each side resolves as itself); a caller who may
    /// not act on the prompt is told it does not exist, as when it cannot see it.
    fn wrong_side(_: OrgKind) -> ApiError {
        ApiError::not_found("prompt")
    }
}

/// What a caller asks when resolving a prompt (already checked for shape).
pub struct ResolveRequest {
    pub outcome: Outcome,
    pub note: String,
    pub external_reference: Option<String>,
    /// The referral made, with outcome `REFERRED` (required then, refused otherwise).
    pub referral: Option<AgencyReferral>,
}

/// The role in which the caller may resolve `row`: a prompt addressed to a provider only by its
/// managers (its safeguarding leads: the provider must answer for its own staff, and no one on
/// the probation side closes it for them); a probation prompt by probation.
pub(super) fn acting_role(w: &Work, row: &PromptRow) -> Result<Role, ApiError> {
    let for_provider = row.org != row.probation_org;
    if for_provider {
        if w.me.is_provider() && w.me.has(Role::ProviderManager) {
            Ok(Role::ProviderManager)
        } else {
            Err(ApiError::Forbidden(
                "this prompt is addressed to the provider's safeguarding lead: only a provider manager may close it".into(),
            ))
        }
    } else if !w.me.is_probation() {
        Err(ApiError::not_found("prompt"))
    } else if w.me.has(Role::ProbationManager) {
        Ok(Role::ProbationManager)
    } else {
        Ok(Role::ProbationPractitioner)
    }
}

/// Resolves a prompt the caller may see with an outcome and a note. Either side may resolve a
/// prompt, so the change is made as the caller's own side; who may act on this prompt is
/// decided from the prompt (see [`acting_role`]). `REFERRED` waits for the agency's decision;
/// `NOT_REQUIRED` on a mandatory prompt waits for a manager's approval.
pub fn resolve_by_caller(
    w: &mut Work,
    id: PromptId,
    expect: Expect<PromptRow>,
    request: ResolveRequest,
) -> Result<PromptRow, ApiError> {
    let side = w.me.org_kind.ok_or_else(|| ApiError::not_found("prompt"))?;
    let (row, ()) = change(w, id, side, expect, |w, row| {
        let event = apply_resolution(w, row, request)?;
        Ok((event, ()))
    })?;
    Ok(row)
}

/// The change a resolve request makes to an open prompt the caller may act on.
pub(super) fn apply_resolution(
    w: &mut Work,
    row: &mut PromptRow,
    request: ResolveRequest,
) -> Result<Event, ApiError> {
    let role = acting_role(w, row)?;
    if row.status != PromptStatus::Open {
        return Err(ApiError::invalid_state(
            format!("the prompt is {}, not OPEN", row.status.as_str()),
            row.status.as_str(),
        ));
    }
    let note = request.note.trim().to_string();
    match (request.outcome, request.referral) {
        (Outcome::Referred, Some(referral)) => lifecycle::refer(w, row, role, note, referral),
        (Outcome::NotRequired, _) if row.mandatory => {
            lifecycle::propose_not_required(w, row, role, note)
        }
        (outcome, _) => close(
            w,
            row,
            Resolution {
                outcome,
                note,
                external_reference: request.external_reference.map(|r| r.trim().to_string()),
                role: Some(role.as_str().into()),
            },
        ),
    }
}

/// A safeguarding prompt the caller may see.
pub fn get(w: &mut Work, id: PromptId) -> Result<PromptRow, ApiError> {
    access::prompt(w, id)
}

/// Which prompts a caller lists.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub status: Option<PromptStatus>,
    pub crn: Option<String>,
    /// Open prompts past their due time.
    pub overdue: bool,
    pub escalated: Option<bool>,
    /// Prompts named to the caller, or unnamed for a role the caller acts in; for a manager,
    /// also every escalated prompt.
    pub assigned_to_me: bool,
}

/// The assignee roles a caller acts as.
fn roles_acted(w: &Work) -> Vec<AssigneeRole> {
    let mut roles = Vec::new();
    if w.me.is_probation() {
        roles.push(AssigneeRole::ResponsibleOfficer);
        if w.me.has(Role::ProbationManager) {
            roles.push(AssigneeRole::ProbationManager);
        }
    }
    if w.me.is_provider() && w.me.has(Role::ProviderManager) {
        roles.push(AssigneeRole::ProviderSafeguardingLead);
    }
    roles
}

/// The caller's side and organisation as a viewer of prompts, and the stored filter for `query`.
fn scope(w: &Work, query: ListQuery) -> (bool, String, PromptFilter) {
    let filter = PromptFilter {
        status: query.status,
        crn: query.crn,
        overdue_at: query.overdue.then(|| w.now.naive_utc()),
        escalated: query.escalated,
        assigned_to: query.assigned_to_me.then(|| {
            let manager = w.me.has(Role::ProbationManager) || w.me.has(Role::ProviderManager);
            (w.me.caller.sub.clone(), roles_acted(w), manager)
        }),
    };
    (w.me.is_probation(), w.me.org().to_string(), filter)
}

fn viewer(probation: bool, org: &str) -> Viewer<'_> {
    if probation {
        Viewer::Probation { org }
    } else {
        Viewer::Provider { org }
    }
}

/// Prompts the caller may see, by due time then id, after the cursor `(due_at, id)`: up to
/// `limit + 1` rows, the extra one only saying that more exist. Probation sees every prompt on
/// its organisation's cases; a provider the prompts addressed to it.
/// Each with its agency referral and linked disclosures: two static statements for the usual
/// shape of list ([`rows::PlainPage`]), three otherwise.
pub fn list(
    w: &mut Work,
    query: ListQuery,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<lifecycle::PromptRecord>, ApiError> {
    let (probation, org, filter) = scope(w, query);
    let viewer = viewer(probation, &org);
    match rows::PlainPage::of(viewer, &filter, after.clone(), limit + 1) {
        Some(page) => {
            let found = rows::plain_page(w.conn, &page)?;
            let related = rows::plain_page_related(w.conn, &page)?;
            Ok(lifecycle::assemble(found, related))
        }
        None => {
            let found = rows::list(w.conn, viewer, &filter, after, limit + 1)?;
            lifecycle::records(w, found)
        }
    }
}

/// The prompts one fact raised, as one piece of work.
#[derive(Debug)]
pub struct TriggerGroup {
    pub kind: TriggerKind,
    pub id: String,
    /// The group's prompts that pass the list's filter, by due time.
    pub prompts: Vec<PromptRow>,
}

/// The prompts the caller may see, as [`list`] filters them, grouped by the fact that raised
/// them (a disclosure, an appointment, ...): newest fact first, after the cursor's fact id, up to
/// `limit + 1` groups (the extra one only saying that more exist).
pub fn list_by_trigger(
    w: &mut Work,
    query: ListQuery,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<TriggerGroup>, ApiError> {
    let (probation, org, filter) = scope(w, query);
    let viewer = viewer(probation, &org);
    let ids = rows::trigger_ids(w.conn, viewer, &filter, before, limit + 1)?;
    let mut prompts = rows::of_triggers(w.conn, viewer, &filter, &ids)?;
    Ok(ids
        .into_iter()
        .filter_map(|id| {
            let (mine, rest): (Vec<PromptRow>, Vec<PromptRow>) = std::mem::take(&mut prompts)
                .into_iter()
                .partition(|p| p.triggered_by_id == id);
            prompts = rest;
            let kind = mine.first()?.triggered_by_kind;
            Some(TriggerGroup {
                kind,
                id,
                prompts: mine,
            })
        })
        .collect())
}

/// An event about a prompt: visible to the case's probation organisation, and to the provider
/// when the prompt is addressed to it or, for a probation prompt, when that provider reported the
/// disclosure that raised it (it is told what became of its report; its readers get the event
/// fitted to what they may read, `services::events::fit_for_reader`).
pub fn prompt_event(
    row: &PromptRow,
    make: impl FnOnce(PromptFacts) -> DomainEvent,
    description: String,
) -> Event {
    prompt_event_with(row, None, make, description)
}

/// As [`prompt_event`], with the referral made in answer to the prompt.
pub fn prompt_event_with(
    row: &PromptRow,
    referral: Option<&AgencyReferralRow>,
    make: impl FnOnce(PromptFacts) -> DomainEvent,
    description: String,
) -> Event {
    Event {
        payload: make(PromptFacts {
            title: row.title.clone(),
            assignee_org: row.org.clone(),
            resolved_at: row.resolved_at.map(|t| t.and_utc()),
            agency: referral.map(|r| r.agency),
            follow_up_due_at: referral.map(|r| r.follow_up_due_at.and_utc()),
            decision: referral.and_then(|r| r.decision),
            prompt_id: row.id.clone(),
            disclosure_id: (row.triggered_by_kind == TriggerKind::Disclosure)
                .then(|| row.triggered_by_id.clone()),
            rule: row.rule,
            assignee_role: row.assignee_role,
            assignee: row.assignee.clone(),
            due_at: row.due_at.and_utc(),
            mandatory: row.mandatory,
            status: row.status,
            outcome: row.outcome,
        }),
        description,
        detail_path: format!("/api/v1/safeguarding-prompts/{}", row.id),
        crn: Some(row.crn.clone()),
        org: row.probation_org.clone(),
        provider_org: if row.org != row.probation_org {
            Some(row.org.clone())
        } else {
            row.reporting_org.clone()
        },
    }
}

/// Marks overdue open prompts, and proposals of "not required" whose approval is overdue, as
/// escalated (so managers see them) and emits
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
                events_out.push(
                    prompt_event(
                        &row,
                        DomainEvent::SafeguardingPromptOverdue,
                        if row.status == PromptStatus::PendingApproval {
                            format!(
                                "Approval of 'not required' overdue; escalated to managers: {}",
                                row.title
                            )
                        } else {
                            format!("Overdue and escalated to managers: {}", row.title)
                        },
                    )
                    .into_row(now, Actor::System)?,
                );
            }
            super::notifications::insert_events(conn, &events_out)?;
            Ok::<_, ApiError>(due.len())
        })?;
        total += escalated;
        if escalated < 100 {
            return Ok(total);
        }
    }
}
