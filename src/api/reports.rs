//! What the provider reports back: progress against each desired outcome, the end-of-service
//! report, and ending the referral (completed, or early, which the officer must act on).

use super::operations::Reach::Case;
use super::operations::{op, Access, PROVIDER, PROVIDER_FIRST};
use super::pagination::{self, Page, PageQuery};
use super::referrals::{referral_view, ReferralView};
use crate::auth::Permission;
use crate::db::stored_id;
use crate::domain::ids::ReferralId;
use crate::domain::report::{EndOfServiceReport, EndReferral, ProgressReport};
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::reports::{self as service, EndOfServiceRecord, ProgressRecord};
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_progress)
        .service(list_progress)
        .service(submit_end_of_service)
        .service(get_end_of_service)
        .service(end_referral);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "submit_progress",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "list_progress",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
    op(
        "submit_end_of_service",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "get_end_of_service",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
    op("end_referral", Permission::DeliverReferral, PROVIDER, Case),
];

/// A submitted progress report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmittedProgressReport {
    pub referral_id: uuid::Uuid,
    pub id: String,
    pub submitted_at: DateTime<Utc>,
    pub submitted_by: String,
    pub report: ProgressReport,
}

impl TryFrom<ProgressRecord> for SubmittedProgressReport {
    type Error = ApiError;

    fn try_from(r: ProgressRecord) -> Result<Self, ApiError> {
        Ok(SubmittedProgressReport {
            referral_id: stored_id(&r.row.referral_id)?,
            id: r.row.id,
            submitted_at: r.row.submitted_at.and_utc(),
            submitted_by: r.row.submitted_by,
            report: r.report,
        })
    }
}

/// The submitted end-of-service report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmittedEndOfServiceReport {
    pub referral_id: uuid::Uuid,
    pub submitted_at: DateTime<Utc>,
    pub submitted_by: String,
    pub report: EndOfServiceReport,
}

impl TryFrom<EndOfServiceRecord> for SubmittedEndOfServiceReport {
    type Error = ApiError;

    fn try_from(r: EndOfServiceRecord) -> Result<Self, ApiError> {
        Ok(SubmittedEndOfServiceReport {
            referral_id: stored_id(&r.row.referral_id)?,
            submitted_at: r.row.submitted_at.and_utc(),
            submitted_by: r.row.submitted_by,
            report: r.report,
        })
    }
}

/// Report progress
///
/// Progress against each desired outcome, on an accepted referral.
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = ProgressReport,
    responses(
        (status = 201, description = "Submitted", body = SubmittedProgressReport),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "The referral is not active"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/progress-reports")]
pub async fn submit_progress(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<ProgressReport>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = body.into_inner();
    report.shape().into_result()?;
    let submitted = ctx
        .create(
            Permission::DeliverReferral,
            "progress-report.submit",
            move |w| SubmittedProgressReport::try_from(service::submit_progress(w, id, report)?),
        )
        .await?;
    Ok(HttpResponse::Created().json(submitted))
}

/// List progress reports
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Referral id"), PageQuery),
    responses(
        (status = 200, description = "Reports, oldest first", body = Page<SubmittedProgressReport>),
        (status = 404, description = "No such referral visible to your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/progress-reports")]
pub async fn list_progress(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<SubmittedProgressReport>>, ApiError> {
    let id = id.into_inner();
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let reports = ctx
        .read(
            Permission::ReadReferrals,
            "progress-report.list",
            move |w| {
                service::progress(w, id, after, limit + 1)?
                    .into_iter()
                    .map(SubmittedProgressReport::try_from)
                    .collect::<Result<Vec<_>, _>>()
            },
        )
        .await?;
    Ok(web::Json(Page::from_rows(
        reports,
        limit,
        |r| pagination::key(&r.submitted_at.naive_utc(), &r.id),
        |r| r,
    )))
}

/// Submit the end-of-service report
///
/// Whether each desired outcome was achieved, partially achieved or not achieved. Once per
/// referral; needed before a referral can be completed.
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = EndOfServiceReport,
    responses(
        (status = 201, description = "Submitted", body = SubmittedEndOfServiceReport),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not accepted yet, or a report was already submitted"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/end-of-service-report")]
pub async fn submit_end_of_service(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<EndOfServiceReport>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = body.into_inner();
    report.shape().into_result()?;
    let submitted = ctx
        .create(
            Permission::DeliverReferral,
            "end-of-service-report.submit",
            move |w| {
                SubmittedEndOfServiceReport::try_from(service::submit_end_of_service(
                    w, id, report,
                )?)
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(submitted))
}

/// Read the end-of-service report
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The report", body = SubmittedEndOfServiceReport),
        (status = 404, description = "No such referral visible to your organisation, or no report yet"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/end-of-service-report")]
pub async fn get_end_of_service(
    ctx: Ctx,
    id: web::Path<ReferralId>,
) -> Result<web::Json<SubmittedEndOfServiceReport>, ApiError> {
    let id = id.into_inner();
    let report = ctx
        .read(
            Permission::ReadReferrals,
            "end-of-service-report.read",
            move |w| SubmittedEndOfServiceReport::try_from(service::end_of_service(w, id)?),
        )
        .await?;
    Ok(web::Json(report))
}

/// End a referral
///
/// `COMPLETED` needs the end-of-service report. Ending early (non-engagement, provider
/// withdrawn, other) raises a prompt for the officer to decide on enforcement and on the
/// undelivered RAR days.
#[utoipa::path(
    tag = "reports",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = EndReferral,
    responses(
        (status = 200, description = "Ended", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not active, or completion without an end-of-service report"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/end")]
pub async fn end_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<EndReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let view = ctx
        .write(Permission::DeliverReferral, "referral.end", move |w| {
            let referral = service::end_referral(w, id, body)?;
            referral_view(crate::services::referrals::record(w, referral)?)
        })
        .await?;
    Ok(web::Json(view))
}
