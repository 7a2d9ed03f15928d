//! `/api/v1/safeguarding-prompts`: who must act, on what, by when and why; resolved only with an outcome.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, PROBATION_FIRST};
use super::pagination::{self, check_limit, Page};
use crate::auth::Permission;
use crate::db::from_json;
use crate::db::prompts::PromptRow;
use crate::domain::ids::PromptId;
use crate::domain::prompt::{AssigneeRole, Outcome, PromptStatus, TriggerKind};
use crate::domain::rule_id::RuleId;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::prompts::{self as service, ListQuery, ResolveRequest};
use crate::work::Work;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
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
    /// `ORDER` or `CASE_NOTE`.
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
    /// True while open past its due time.
    pub overdue: bool,
    /// When it was escalated to managers for being overdue.
    pub escalated_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
}

/// The view of a loaded prompt at `now` (which says whether it is overdue).
pub fn prompt_view(row: PromptRow, now: DateTime<Utc>) -> Result<PromptView, ApiError> {
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
        overdue: row.status == PromptStatus::Open && row.due_at.and_utc() < now,
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
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List safeguarding prompts
///
/// By due time. Probation sees every prompt on its organisation's cases; a provider sees the
/// prompts addressed to it.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(PromptQuery),
    responses((status = 200, description = "Prompts by due time", body = Page<PromptView>)),
    security(("bearer" = []))
)]
#[get("/safeguarding-prompts")]
pub async fn list_prompts(
    ctx: Ctx,
    query: web::Query<PromptQuery>,
) -> Result<web::Json<Page<PromptView>>, ApiError> {
    let q = query.into_inner();
    let limit = check_limit(q.limit)?;
    let after = pagination::after_key::<NaiveDateTime>(q.cursor.as_deref())?;
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
    let page = ctx
        .read(Permission::ReadPrompts, "prompt.list", move |w| {
            let rows = service::list(w, list, after, limit)?;
            let key = |r: &PromptRow| pagination::key(&r.due_at, &r.id);
            Page::try_from_rows(rows, limit, key, |r| prompt_view(r, w.now))
        })
        .await?;
    Ok(web::Json(page))
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
            prompt_view(service::get(w, id)?, w.now)
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
}

impl ResolvePrompt {
    /// The request, once its note (up to 4,000 characters) and reference (200) are checked.
    fn checked(self) -> Result<ResolveRequest, ApiError> {
        let mut e = Errors::default();
        e.text("note", &self.note, 4000);
        e.optional_text("externalReference", self.external_reference.as_deref(), 200);
        e.into_result()?;
        Ok(ResolveRequest {
            outcome: self.outcome,
            note: self.note,
            external_reference: self.external_reference,
        })
    }
}

/// Resolve a safeguarding prompt
///
/// Closes the prompt with an outcome and a note. `NOT_REQUIRED` on a mandatory prompt is a
/// manager's decision. Resolved prompts are kept.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = ResolvePrompt,
    responses(
        (status = 200, description = "Resolved", body = PromptView),
        (status = 403, description = "The prompt is addressed to the provider's safeguarding lead and the caller is not a provider manager, or it is mandatory and only a manager may judge it not required"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "Already resolved"),
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
            let expect = |w: &mut Work, row: &PromptRow| {
                if_match.check_with(|| Ok(etag_of(&prompt_view(row.clone(), w.now)?)))
            };
            let row = service::resolve_by_caller(w, id, &expect, request)?;
            prompt_view(row, w.now)
        })
        .await?;
    Ok(web::Json(view))
}
