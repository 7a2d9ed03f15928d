//! `/api/v1/safeguarding-prompts`: who must act, on what, by when and why; resolved only with an outcome.

use super::pagination::{check_limit, decode_cursor, encode_cursor, given, Page};
use crate::auth::{Permission, Role};
use crate::db::from_json;
use crate::db::prompts::{self as rows, PromptFilter, PromptRow, Viewer, OPEN, RESOLVED};
use crate::domain::validate::Errors;
use crate::error::{ApiError, FieldError};
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::rules::prompt::AssigneeRole;
use crate::services::access;
use crate::services::prompts::{self as prompt_service, resolve};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PromptStatus {
    Open,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Done; `externalReference` may carry e.g. the MASH referral number.
    Actioned,
    /// Judged not needed, with the reason in `note`. A manager's decision on a mandatory prompt.
    NotRequired,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Actioned => "ACTIONED",
            Self::NotRequired => "NOT_REQUIRED",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggeredBy {
    /// `DISCLOSURE`, `RISK_ASSESSMENT`, `APPOINTMENT`, `REFERRAL` or `ORDER`.
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub outcome: String,
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
    pub rule: String,
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

pub fn prompt_view(row: PromptRow, now: DateTime<Utc>) -> Result<PromptView, ApiError> {
    let status = if row.status == RESOLVED {
        PromptStatus::Resolved
    } else {
        PromptStatus::Open
    };
    let resolution = match (&row.outcome, row.resolved_at, &row.resolved_by) {
        (Some(outcome), Some(at), Some(by)) => Some(Resolution {
            outcome: outcome.clone(),
            note: row.resolution_note.clone().unwrap_or_default(),
            external_reference: row.external_reference.clone(),
            resolved_at: at.and_utc(),
            resolved_by: by.clone(),
            resolved_by_role: row.resolved_by_role.clone(),
        }),
        _ => None,
    };
    Ok(PromptView {
        id: row.id.parse().unwrap_or_default(),
        guidance: from_json(&row.guidance, "prompt guidance")?,
        assignee_role: AssigneeRole::parse(&row.assignee_role)
            .ok_or_else(|| ApiError::internal(format!("assignee role {}", row.assignee_role)))?,
        overdue: status == PromptStatus::Open && row.due_at.and_utc() < now,
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
        status,
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

fn parse_cursor(cursor: &str) -> Result<(NaiveDateTime, String), ApiError> {
    let bad = || {
        ApiError::Validation(vec![FieldError::new(
            "cursor",
            "invalid",
            "cursor is not one this API issued",
        )])
    };
    let raw = decode_cursor(cursor)?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros)
        .filter(|t| crate::domain::validate::plausible(*t))
        .ok_or_else(bad)?
        .naive_utc();
    Ok((at, id.to_string()))
}

/// The assignee roles a caller acts as.
fn roles_acted(w: &Work) -> Vec<String> {
    let mut roles = Vec::new();
    if w.me.is_probation() {
        roles.push(AssigneeRole::ResponsibleOfficer.as_str().to_string());
        if w.me.has(Role::ProbationManager) {
            roles.push(AssigneeRole::ProbationManager.as_str().to_string());
        }
    }
    if w.me.is_provider() && w.me.has(Role::ProviderManager) {
        roles.push(AssigneeRole::ProviderSafeguardingLead.as_str().to_string());
    }
    roles
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
    let after = given(q.cursor.as_deref()).map(parse_cursor).transpose()?;
    if let Some(crn) = &q.crn {
        super::people::crn_param(crn)?;
    }
    let page = ctx
        .read(Permission::ReadPrompts, "prompt.list", move |w| {
            let viewer = if w.me.is_probation() {
                Viewer::Probation { org: w.me.org() }
            } else {
                Viewer::Provider { org: w.me.org() }
            };
            let filter = PromptFilter {
                status: q.status.map(|s| {
                    if s == PromptStatus::Open {
                        OPEN
                    } else {
                        RESOLVED
                    }
                    .to_string()
                }),
                crn: q.crn.clone(),
                overdue_at: q.overdue.filter(|o| *o).map(|_| w.now.naive_utc()),
                escalated: q.escalated,
                assigned_to: q.assigned_to_me.filter(|a| *a).map(|_| {
                    let manager =
                        w.me.has(Role::ProbationManager) || w.me.has(Role::ProviderManager);
                    (w.me.caller.sub.clone(), roles_acted(w), manager)
                }),
            };
            let rows = rows::list(w.conn, viewer, &filter, after, limit + 1)?;
            let more = rows.len() as i64 > limit;
            let rows: Vec<PromptRow> = rows.into_iter().take(limit as usize).collect();
            let next_cursor = if more {
                rows.last().map(|r| {
                    encode_cursor(&format!(
                        "{}|{}",
                        r.due_at.and_utc().timestamp_micros(),
                        r.id
                    ))
                })
            } else {
                None
            };
            let items = rows
                .into_iter()
                .map(|r| prompt_view(r, w.now))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page { items, next_cursor })
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
pub async fn get_prompt(ctx: Ctx, id: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadPrompts, "prompt.read", move |w| {
            let row = access::prompt(w, &id)?;
            prompt_view(row, w.now)
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
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<ResolvePrompt>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("note", &body.note, 4000);
    e.optional_text("externalReference", body.external_reference.as_deref(), 200);
    e.into_result()?;
    let view = ctx
        .write(Permission::ResolvePrompts, "prompt.resolve", move |w| {
            let row = access::prompt(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&prompt_view(row.clone(), w.now)?)))?;
            let for_provider = row.org != row.probation_org;
            let acting_role = if for_provider {
                if w.me.is_provider() && w.me.has(Role::ProviderManager) {
                    Role::ProviderManager
                } else if w.me.is_probation() && w.me.has(Role::ProbationManager) {
                    // A provider that stops responding must not block the case for ever.
                    Role::ProbationManager
                } else {
                    return Err(ApiError::Forbidden(
                        "this prompt is addressed to the provider's safeguarding lead (a provider manager); a probation manager may also close it".into(),
                    ));
                }
            } else {
                if !w.me.is_probation() {
                    return Err(ApiError::not_found("prompt"));
                }
                if w.me.has(Role::ProbationManager) {
                    Role::ProbationManager
                } else {
                    Role::ProbationPractitioner
                }
            };
            if row.status != OPEN {
                return Err(ApiError::invalid_state("the prompt is already resolved", row.status.clone()));
            }
            let manager = matches!(acting_role, Role::ProbationManager | Role::ProviderManager);
            if row.mandatory && body.outcome == Outcome::NotRequired && !manager {
                return Err(ApiError::Forbidden(
                    "this prompt is mandatory: only a manager may judge it not required".into(),
                ));
            }
            let row = resolve(w, row, prompt_service::Resolution {
                outcome: body.outcome.as_str(),
                note: body.note.trim().to_string(),
                external_reference: body.external_reference.map(|r| r.trim().to_string()),
                role: Some(acting_role.as_str().into()),
            })?;
            prompt_view(row, w.now)
        })
        .await?;
    Ok(web::Json(view))
}
