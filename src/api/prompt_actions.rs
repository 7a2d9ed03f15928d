//! `/api/v1/safeguarding-prompts/{id}/agency-response` and `…/approval`: the agency's decision on
//! a referral a prompt asked for, and a manager's decision on a proposed "not required".

use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION_FIRST};
use super::prompts::{current_etag, record_view, PromptView};
use crate::auth::Permission;
use crate::domain::ids::PromptId;
use crate::domain::prompt::{AgencyDecision, ApprovalDecision};
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::{ApiJson, Ctx};
use crate::services::prompt_lifecycle::{self as lifecycle, AgencyResponse};
use actix_web::{post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_agency_response).service(decide_approval);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "record_agency_response",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
    op(
        "decide_approval",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
];

/// The agency's decision on the referral a prompt asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgencyResponseBody {
    /// When the decision was received (London date); not in the future, not before the referral.
    pub received_on: NaiveDate,
    pub decision: AgencyDecision,
    /// The agency's reference for its decision.
    #[serde(default)]
    pub reference: Option<String>,
    /// What the agency said and why. Required.
    pub note: String,
}

impl AgencyResponseBody {
    /// The response once its fields are checked; `prefix` names the item in a bulk response.
    pub fn checked_as(self, prefix: &str, e: &mut Errors) -> AgencyResponse {
        e.plausible_date(&format!("{prefix}receivedOn"), self.received_on);
        e.text(&format!("{prefix}note"), &self.note, 4000);
        e.optional_text(
            &format!("{prefix}reference"),
            self.reference.as_deref(),
            200,
        );
        AgencyResponse {
            received_on: self.received_on,
            decision: self.decision,
            reference: self.reference,
            note: self.note,
        }
    }
}

/// Record an agency's decision on a referral
///
/// Resolves a prompt that is `AWAITING_RESPONSE`. A `NO_FURTHER_ACTION` from children's social
/// care on a case with a domestic-abuse profile and a pregnancy or children raises a
/// `challenge-agency-decision` prompt for the officer's manager.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = AgencyResponseBody,
    responses(
        (status = 200, description = "Resolved with the agency's decision", body = PromptView),
        (status = 403, description = "The prompt is addressed to the provider's safeguarding lead and the caller is not a provider manager"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "The prompt is not awaiting an agency's response"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "Unknown decision, note missing, receivedOn in the future or before the referral"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/agency-response")]
pub async fn record_agency_response(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<AgencyResponseBody>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let mut e = Errors::default();
    let response = body.into_inner().checked_as("", &mut e);
    e.into_result()?;
    let view = ctx
        .write(
            Permission::ResolvePrompts,
            "prompt.agency-response",
            move |w| {
                let expect = current_etag(&if_match);
                let row = lifecycle::agency_response(w, id, &expect, response)?;
                record_view(lifecycle::record(w, row)?, w.now)
            },
        )
        .await?;
    Ok(web::Json(view))
}

/// A manager's decision on a proposed "not required".
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalBody {
    pub decision: ApprovalDecision,
    /// Why. Required.
    pub note: String,
}

/// Approve or reject a proposed "not required"
///
/// By a manager of the organisation the prompt is addressed to who did not propose it. `APPROVE`
/// resolves the prompt as `NOT_REQUIRED`; `REJECT` opens it again.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = ApprovalBody,
    responses(
        (status = 200, description = "Decided", body = PromptView),
        (status = 403, description = "Not a manager of the prompt's organisation, or the proposer"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "No proposal awaits a decision (already decided, or never proposed)"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "Unknown decision or note missing"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/approval")]
pub async fn decide_approval(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<ApprovalBody>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("note", &body.note, 4000);
    e.into_result()?;
    let view = ctx
        .write(Permission::ResolvePrompts, "prompt.approval", move |w| {
            let expect = current_etag(&if_match);
            let row = lifecycle::decide_approval(w, id, &expect, body.decision, body.note)?;
            record_view(lifecycle::record(w, row)?, w.now)
        })
        .await?;
    Ok(web::Json(view))
}
