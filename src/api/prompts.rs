//! `/api/v1/safeguarding-prompts`: who must act, on what, by when and why; resolved only with an outcome.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, PROBATION_FIRST};
use super::pagination::{self, check_limit, Page};
use super::prompt_groups::{self as groups, GroupBy, PromptListing};
use crate::auth::Permission;
use crate::db::from_json;
use crate::db::prompt_steps::{AgencyReferralRow, HistoryRow};
use crate::db::prompts::PromptRow;
use crate::domain::ids::PromptId;
use crate::domain::prompt::{Agency, AgencyDecision, PromptStep, ReferralMethod};
use crate::domain::prompt::{AssigneeRole, Outcome, PromptStatus, TriggerKind};
use crate::domain::rule_id::RuleId;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::prompt_lifecycle::{self as lifecycle, AgencyReferral, PromptRecord};
use crate::services::prompts::{self as service, ListQuery, ResolveRequest};
use crate::work::Work;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_prompts)
        .service(get_prompt)
        .service(resolve_prompt);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "list_prompts",
        Permission::ReadPrompts,
        PROBATION_FIRST,
        OwnOrganisation,
    ),
    op("get_prompt", Permission::ReadPrompts, PROBATION_FIRST, Case),
    op(
        "resolve_prompt",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
];

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggeredBy {
    /// `DISCLOSURE`, `DECLARATION`, `HOUSEHOLD_MEMBER`, `RISK_ASSESSMENT`, `APPOINTMENT`, `REFERRAL`,
    /// `ORDER`, `CASE_NOTE` or `PROMPT` (an agency's decision on the referral another prompt asked
    /// for).
    #[schema(value_type = String)]
    pub kind: TriggerKind,
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    #[schema(value_type = String)]
    pub outcome: Outcome,
    pub note: String,
    pub external_reference: Option<String>,
    pub resolved_at: DateTime<Utc>,
    pub resolved_by: String,
    pub resolved_by_role: Option<String>,
}

/// The referral made to an agency in answer to a prompt, and the agency's decision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgencyReferralView {
    #[schema(value_type = String)]
    pub agency: Agency,
    #[schema(value_type = String)]
    pub method: ReferralMethod,
    pub referred_on: NaiveDate,
    pub reference: Option<String>,
    /// When the agency's decision is chased (working days per agency after `referredOn`).
    pub follow_up_due_at: DateTime<Utc>,
    pub response: Option<AgencyResponseView>,
}

/// The agency's decision.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgencyResponseView {
    pub received_on: NaiveDate,
    #[schema(value_type = String)]
    pub decision: AgencyDecision,
    pub reference: Option<String>,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// One step of a prompt's history: who, in which role, when, why.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// `RAISED`, `RESOLVED`, `REFERRED`, `AGENCY_RESPONDED`, `PROPOSED_NOT_REQUIRED`, `APPROVED`,
    /// `REJECTED`, `FOLLOW_UP_DUE`, `REASSIGNED`, `REOPENED`, `DUE_SOON`, `FACTS_ADDED`.
    #[schema(value_type = String)]
    pub step: PromptStep,
    pub from_status: Option<PromptStatus>,
    pub to_status: PromptStatus,
    pub at: DateTime<Utc>,
    /// The subject who acted (`system` for background steps).
    pub by: String,
    pub role: Option<String>,
    pub note: Option<String>,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Outcome>,
}

/// A safeguarding prompt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromptView {
    pub id: uuid::Uuid,
    pub crn: String,
    pub order_id: Option<String>,
    pub referral_id: Option<String>,
    /// The rule that raised it, e.g. `pregnancy-da-mash-referral`.
    #[schema(value_type = String)]
    pub rule: RuleId,
    pub title: String,
    /// What to consider or do.
    pub action: String,
    /// Which facts fired the rule.
    pub rationale: String,
    pub guidance: Vec<String>,
    pub triggered_by: TriggeredBy,
    pub assignee_role: AssigneeRole,
    /// The named person who must act, where known (the responsible officer).
    pub assignee: Option<String>,
    /// The organisation whose people must act.
    pub org: String,
    pub mandatory: bool,
    pub raised_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: PromptStatus,
    /// True while open, or pending a manager's approval, past its due time.
    pub overdue: bool,
    /// When it was escalated to managers for being overdue.
    pub escalated_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    /// The referral made (outcome `REFERRED`) and the agency's decision once received.
    pub referral: Option<AgencyReferralView>,
    /// True while the agency's decision is awaited past `referral.followUpDueAt`.
    pub follow_up_overdue: bool,
    /// Later disclosures of the same facts (within the deduplication window), linked to this
    /// prompt instead of raising it again.
    pub related_disclosures: Vec<String>,
    /// Every transition, oldest first (on a single prompt's read and on changes; absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
}

/// The view of a freshly raised prompt at `now` (no referral, no history yet).
pub fn prompt_view(row: PromptRow, now: DateTime<Utc>) -> Result<PromptView, ApiError> {
    record_view(
        PromptRecord {
            row,
            referral: None,
            history: None,
            related_disclosures: Vec::new(),
        },
        now,
    )
}

fn referral_view(r: AgencyReferralRow) -> AgencyReferralView {
    let response = match (r.response_received_on, r.decision, r.responded_at) {
        (Some(received_on), Some(decision), Some(at)) => Some(AgencyResponseView {
            received_on,
            decision,
            reference: r.response_reference,
            note: r.response_note.unwrap_or_default(),
            recorded_at: at.and_utc(),
            recorded_by: r.responded_by.unwrap_or_default(),
        }),
        _ => None,
    };
    AgencyReferralView {
        agency: r.agency,
        method: r.method,
        referred_on: r.referred_on,
        reference: r.reference,
        follow_up_due_at: r.follow_up_due_at.and_utc(),
        response,
    }
}

fn history_entry(h: HistoryRow) -> HistoryEntry {
    HistoryEntry {
        step: h.step,
        from_status: h.from_status,
        to_status: h.to_status,
        at: h.at.and_utc(),
        by: h.actor,
        role: h.actor_role,
        note: h.note,
        outcome: h.outcome,
    }
}

/// The view of a prompt with its referral (and history, when loaded) at `now`.
pub fn record_view(record: PromptRecord, now: DateTime<Utc>) -> Result<PromptView, ApiError> {
    let PromptRecord {
        row,
        referral,
        history,
        related_disclosures,
    } = record;
    let follow_up_overdue = row.status == PromptStatus::AwaitingResponse
        && referral
            .as_ref()
            .is_some_and(|r| r.decision.is_none() && r.follow_up_due_at.and_utc() < now);
    let resolution = match (row.outcome, row.resolved_at, &row.resolved_by) {
        (Some(outcome), Some(at), Some(by)) => Some(Resolution {
            outcome,
            note: row.resolution_note.clone().unwrap_or_default(),
            external_reference: row.external_reference.clone(),
            resolved_at: at.and_utc(),
            resolved_by: by.clone(),
            resolved_by_role: row.resolved_by_role.clone(),
        }),
        _ => None,
    };
    Ok(PromptView {
        id: crate::db::stored_id(&row.id)?,
        guidance: from_json(&row.guidance, "prompt guidance")?,
        assignee_role: row.assignee_role,
        overdue: matches!(
            row.status,
            PromptStatus::Open | PromptStatus::PendingApproval
        ) && row.due_at.and_utc() < now,
        crn: row.crn,
        order_id: row.order_id,
        referral_id: row.referral_id,
        rule: row.rule,
        title: row.title,
        action: row.action,
        rationale: row.rationale,
        triggered_by: TriggeredBy {
            kind: row.triggered_by_kind,
            id: row.triggered_by_id,
        },
        assignee: row.assignee,
        org: row.org,
        mandatory: row.mandatory,
        raised_at: row.raised_at.and_utc(),
        due_at: row.due_at.and_utc(),
        status: row.status,
        escalated_at: row.escalated_at.map(|t| t.and_utc()),
        resolution,
        referral: referral.map(referral_view),
        follow_up_overdue,
        related_disclosures,
        history: history.map(|h| h.into_iter().map(history_entry).collect()),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct PromptQuery {
    pub status: Option<PromptStatus>,
    /// Prompts named to me, or unnamed for my role; for a manager, also every escalated prompt.
    pub assigned_to_me: Option<bool>,
    /// Open prompts past their due time.
    pub overdue: Option<bool>,
    pub escalated: Option<bool>,
    pub crn: Option<String>,
    /// `trigger`: one entry per fact (disclosure, appointment, ...) with its prompts inside,
    /// newest fact first; `limit` then counts groups.
    pub group_by: Option<GroupBy>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List safeguarding prompts
///
/// By due time. Probation sees every prompt on its organisation's cases; a provider sees the
/// prompts addressed to it. With `groupBy=trigger`, the same prompts grouped by the fact that
/// raised them (`groups`, newest fact first, each with its counts), so one response
/// (`POST /api/v1/safeguarding-prompts/respond`) can answer a whole group.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(PromptQuery),
    responses(
        (status = 200, description = "Prompts by due time (`items`), or with `groupBy=trigger` groups by fact (`groups`)", body = PromptListing),
        (status = 400, description = "Unknown `status` or `groupBy`"),
        (status = 422, description = "A malformed `crn`, a `limit` out of range, or a cursor this API did not issue"),
    ),
    security(("bearer" = []))
)]
#[get("/safeguarding-prompts")]
pub async fn list_prompts(
    ctx: Ctx,
    query: web::Query<PromptQuery>,
) -> Result<web::Json<PromptListing>, ApiError> {
    let q = query.into_inner();
    let limit = check_limit(q.limit)?;
    if let Some(crn) = &q.crn {
        super::parse::crn_param(crn)?;
    }
    let list = ListQuery {
        status: q.status,
        crn: q.crn,
        overdue: q.overdue == Some(true),
        escalated: q.escalated,
        assigned_to_me: q.assigned_to_me == Some(true),
    };
    if q.group_by == Some(GroupBy::Trigger) {
        let before = groups::before_trigger(q.cursor.as_deref())?;
        let page = ctx
            .read(Permission::ReadPrompts, "prompt.list", move |w| {
                let found = service::list_by_trigger(w, list, before, limit)?;
                groups::group_page(w, found, limit)
            })
            .await?;
        return Ok(web::Json(PromptListing::Groups(page)));
    }
    let after = pagination::after_key::<NaiveDateTime>(q.cursor.as_deref())?;
    let page = ctx
        .read(Permission::ReadPrompts, "prompt.list", move |w| {
            let records = service::list(w, list, after, limit)?;
            let key = |r: &PromptRecord| pagination::key(&r.row.due_at, &r.row.id);
            Page::try_from_rows(records, limit, key, |r| record_view(r, w.now))
        })
        .await?;
    Ok(web::Json(PromptListing::Prompts(page)))
}

/// Read a safeguarding prompt
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    responses(
        (status = 200, description = "The prompt", body = PromptView),
        (status = 404, description = "No such prompt visible to your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/safeguarding-prompts/{id}")]
pub async fn get_prompt(ctx: Ctx, id: web::Path<PromptId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadPrompts, "prompt.read", move |w| {
            let row = service::get(w, id)?;
            record_view(lifecycle::record(w, row)?, w.now)
        })
        .await?;
    Ok(tagged(actix_web::http::StatusCode::OK, &view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolvePrompt {
    pub outcome: Outcome,
    /// What was done, or why it is not needed. Required.
    #[schema(example = "Referred to MASH by phone; written referral sent")]
    pub note: String,
    /// E.g. the MASH referral number.
    #[serde(default)]
    pub external_reference: Option<String>,
    /// The referral made; required with outcome `REFERRED`, refused otherwise.
    #[serde(default)]
    pub referral: Option<ReferralBody>,
}

/// A referral to an agency (outcome `REFERRED`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferralBody {
    pub agency: Agency,
    pub method: ReferralMethod,
    /// The date the referral was made (London); not in the future.
    pub referred_on: NaiveDate,
    /// The agency's reference, e.g. the MASH contact number.
    #[serde(default)]
    pub reference: Option<String>,
}

impl ResolvePrompt {
    /// The request, once its note (up to 4,000 characters) and reference (200) are checked, and
    /// a referral given exactly when the outcome is `REFERRED`. `prefix` names the item in a
    /// bulk response (`items[2].`).
    pub fn checked_as(self, prefix: &str, e: &mut Errors) -> Option<ResolveRequest> {
        e.text(&format!("{prefix}note"), &self.note, 4000);
        e.optional_text(
            &format!("{prefix}externalReference"),
            self.external_reference.as_deref(),
            200,
        );
        match (&self.referral, self.outcome) {
            (None, Outcome::Referred) => e.required(&format!("{prefix}referral")),
            (Some(_), outcome) if outcome != Outcome::Referred => e.add(
                &format!("{prefix}referral"),
                "not_allowed",
                "referral is given only with outcome REFERRED",
            ),
            (Some(r), _) => {
                e.plausible_date(&format!("{prefix}referral.referredOn"), r.referred_on);
                e.optional_text(
                    &format!("{prefix}referral.reference"),
                    r.reference.as_deref(),
                    200,
                );
            }
            _ => {}
        }
        Some(ResolveRequest {
            outcome: self.outcome,
            note: self.note,
            external_reference: self.external_reference,
            referral: self.referral.map(|r| AgencyReferral {
                agency: r.agency,
                method: r.method,
                referred_on: r.referred_on,
                reference: r.reference.map(|s| s.trim().to_string()),
            }),
        })
    }

    fn checked(self) -> Result<ResolveRequest, ApiError> {
        let mut e = Errors::default();
        let request = self.checked_as("", &mut e);
        e.into_result()?;
        request.ok_or_else(|| ApiError::internal("a checked request went missing"))
    }
}

/// Resolve a safeguarding prompt
///
/// Answers an open prompt with an outcome and a note. `ACTIONED` (optionally with
/// `externalReference`) and `NOT_REQUIRED` on a prompt that is not mandatory resolve it;
/// `REFERRED` with `referral` leaves it `AWAITING_RESPONSE` until the agency's decision is
/// recorded (`followUpDueAt` set per agency); `NOT_REQUIRED` on a mandatory prompt leaves it
/// `PENDING_APPROVAL` for a manager who is not the proposer. Every step is kept in `history`.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = ResolvePrompt,
    responses(
        (status = 200, description = "Resolved, awaiting the agency's response, or pending approval", body = PromptView),
        (status = 403, description = "The prompt is addressed to the provider's safeguarding lead and the caller is not a provider manager"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "The prompt is not OPEN (`currentState` says where it is)"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "Unknown outcome, agency or method; note missing; referral missing with REFERRED or given with another outcome; referredOn in the future"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/resolve")]
pub async fn resolve_prompt(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<ResolvePrompt>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let request = body.into_inner().checked()?;
    let view = ctx
        .write(Permission::ResolvePrompts, "prompt.resolve", move |w| {
            let expect = current_etag(&if_match);
            let row = service::resolve_by_caller(w, id, &expect, request)?;
            record_view(lifecycle::record(w, row)?, w.now)
        })
        .await?;
    Ok(web::Json(view))
}

/// The `If-Match` precondition on a prompt, against the ETag of its full view (as `GET` returns it).
pub fn current_etag(
    if_match: &IfMatch,
) -> impl Fn(&mut Work, &PromptRow) -> Result<(), ApiError> + '_ {
    move |w: &mut Work, row: &PromptRow| {
        if_match.check_with(|| {
            let record = lifecycle::record(w, row.clone())?;
            Ok(etag_of(&record_view(record, w.now)?))
        })
    }
}
