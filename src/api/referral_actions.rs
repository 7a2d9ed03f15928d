//! Referral state changes: send (probation), accept / decline / acknowledge risk (provider),
//! assign a worker (provider manager), withdraw (probation).

use super::referrals::{referral_view, ReferralView};
use crate::auth::Permission;
use crate::db::referrals as rows;
use crate::domain::events::EventType;
use crate::domain::referral::{Action, WithdrawalCode};
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::{etag_of, IfMatch};
use crate::http::extract::parse_json;
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::referrals::{apply, close_acknowledgement_prompts, emit, send};
use crate::work::Work;
use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(send_referral)
        .service(accept_referral)
        .service(decline_referral)
        .service(assign_worker)
        .service(withdraw_referral)
        .service(acknowledge_risk);
}

/// Only the side named may act; the other side gets `404` as if the referral did not exist for it.
fn require_side(w: &Work, probation: bool) -> Result<(), ApiError> {
    let ok = if probation {
        w.me.is_probation()
    } else {
        w.me.is_provider()
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_found("referral"))
    }
}

/// Send a referral
///
/// Checks that the provider will be told everything recommendation 2 of the case review
/// requires (offence, RoSH to all four groups from the current assessment, risk management,
/// staff safety, at least one outcome, RAR days within what the order has left, a deadline within
/// the order) and snapshots it as version 1 of the shared context. `422` lists every problem.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Sent", body = ReferralView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "Not a draft"),
        (status = 422, description = "Something the provider must be told is missing or wrong"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/send")]
pub async fn send_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .write(Permission::Commission, "referral.send", move |w| {
            let row = access::referral(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            require_side(w, true)?;
            let row = send(w, row)?;
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcceptReferral {
    /// Must be `true`: the provider confirms it has read the offence and risk information.
    pub risk_information_acknowledged: bool,
}

/// Accept a referral
///
/// The provider accepts, confirming it has read the shared risk information; who and when are recorded.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = AcceptReferral,
    responses(
        (status = 200, description = "Accepted", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not awaiting acceptance"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/accept")]
pub async fn accept_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<AcceptReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    if !body.0.risk_information_acknowledged {
        return Err(ApiError::field(
            "riskInformationAcknowledged",
            "must_be_true",
            "accepting requires confirming the risk information was read",
        ));
    }
    let view = ctx
        .write(Permission::DeliverReferral, "referral.accept", move |w| {
            let mut row = access::referral(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            require_side(w, false)?;
            apply(&mut row, Action::Accept)?;
            let now = w.now.naive_utc();
            row.accepted_at = Some(now);
            row.accepted_by = Some(w.me.caller.sub.clone());
            row.acknowledged_version = row.context_version;
            row.updated_at = now;
            rows::acknowledge_contexts(
                w.conn,
                &row.id,
                row.context_version,
                now,
                &w.me.caller.sub,
            )?;
            rows::save(w.conn, &row)?;
            close_acknowledgement_prompts(w, &row.id, row.context_version)?;
            emit(
                w,
                &row,
                EventType::ReferralAccepted,
                format!("Referral accepted by {}", row.provider_org),
                serde_json::json!({"acceptedBy": w.me.caller.sub}),
            );
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclineReferral {
    #[schema(example = "No capacity for one-to-one work before the deadline")]
    pub reason: String,
}

/// Decline a referral
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = DeclineReferral,
    responses(
        (status = 200, description = "Declined", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not awaiting acceptance"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/decline")]
pub async fn decline_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<DeclineReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let reason = body.into_inner().reason;
    let mut e = Errors::default();
    e.text("reason", &reason, 2000);
    e.into_result()?;
    let view = ctx
        .write(Permission::DeliverReferral, "referral.decline", move |w| {
            let mut row = access::referral(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            require_side(w, false)?;
            apply(&mut row, Action::Decline)?;
            row.decline_reason = Some(reason.trim().to_string());
            row.updated_at = w.now.naive_utc();
            rows::save(w.conn, &row)?;
            emit(
                w,
                &row,
                EventType::ReferralDeclined,
                format!("Referral declined by {}", row.provider_org),
                serde_json::json!({"reason": row.decline_reason}),
            );
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignWorker {
    /// The worker's subject id.
    #[schema(example = "akhan")]
    pub worker: String,
}

/// Assign a provider worker
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = AssignWorker,
    responses(
        (status = 200, description = "Assigned", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not accepted, or already ended"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/assign")]
pub async fn assign_worker(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<AssignWorker>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let worker = body.into_inner().worker;
    let mut e = Errors::default();
    e.text("worker", &worker, 200);
    e.into_result()?;
    let view = ctx
        .write(Permission::AssignWorker, "referral.assign", move |w| {
            let mut row = access::referral(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            require_side(w, false)?;
            apply(&mut row, Action::Assign)?;
            row.assigned_worker = Some(worker.trim().to_string());
            row.updated_at = w.now.naive_utc();
            rows::save(w.conn, &row)?;
            emit(
                w,
                &row,
                EventType::ReferralAssigned,
                "Provider worker assigned".into(),
                serde_json::json!({"worker": row.assigned_worker}),
            );
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WithdrawReferral {
    pub code: WithdrawalCode,
    #[serde(default)]
    pub note: Option<String>,
}

/// Withdraw a referral
///
/// Probation stops the commission, with a coded reason.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = WithdrawReferral,
    responses(
        (status = 200, description = "Withdrawn", body = ReferralView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "Already ended, declined or withdrawn"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/withdraw")]
pub async fn withdraw_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<WithdrawReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.optional_text("note", body.note.as_deref(), 2000);
    e.into_result()?;
    let view = ctx
        .write(Permission::Commission, "referral.withdraw", move |w| {
            let mut row = access::referral(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            require_side(w, true)?;
            apply(&mut row, Action::Withdraw)?;
            let code = serde_json::to_value(body.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            row.withdrawal_code = Some(code.clone());
            row.withdrawal_note = body.note.map(|n| n.trim().to_string());
            row.updated_at = w.now.naive_utc();
            rows::save(w.conn, &row)?;
            emit(
                w,
                &row,
                EventType::ReferralWithdrawn,
                "Referral withdrawn by probation".into(),
                serde_json::json!({"code": code}),
            );
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskAcknowledgement {
    /// The version read; defaults to the latest. Acknowledging an older version is refused.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Acknowledge updated risk information
///
/// After probation records a risk change, the provider confirms it has read the new version of
/// the shared context.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body(content = Option<RiskAcknowledgement>, description = "Optional; an empty body acknowledges the latest version"),
    responses(
        (status = 200, description = "Acknowledged", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not live, or the version given is not the latest"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/risk-acknowledgement")]
pub async fn acknowledge_risk(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: web::Bytes,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let version = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        parse_json::<RiskAcknowledgement>(&body)?.version
    };
    let view = ctx
        .write(Permission::DeliverReferral, "referral.acknowledge-risk", move |w| {
            let mut row = access::referral(w, &id)?;
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            require_side(w, false)?;
            apply(&mut row, Action::AcknowledgeRisk)?;
            if let Some(v) = version.filter(|v| *v != row.context_version) {
                return Err(ApiError::conflict(format!(
                    "version {v} is not the latest shared context (version {}); read the referral again",
                    row.context_version
                )));
            }
            let now = w.now.naive_utc();
            rows::acknowledge_contexts(w.conn, &row.id, row.context_version, now, &w.me.caller.sub)?;
            row.acknowledged_version = row.context_version;
            row.updated_at = now;
            rows::save(w.conn, &row)?;
            close_acknowledgement_prompts(w, &row.id, row.context_version)?;
            emit(w, &row, EventType::ReferralRiskAcknowledged, "Provider acknowledged the latest risk information".into(), serde_json::json!({"contextVersion": row.context_version}));
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(web::Json(view))
}
