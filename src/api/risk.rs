//! `/api/v1/people/{crn}/risk`: risk assessments, appended (never overwritten) and re-shared with providers.

use super::operations::Reach::Case;
use super::operations::{op, Access, CASE_RECORD};
use super::pagination::{self, Page, PageQuery};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::stored_id;
use crate::domain::risk::RiskAssessment;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::risk::{self, Recorded, Risk};
use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_risk)
        .service(current_risk)
        .service(risk_history);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "current_risk",
        Permission::ReadCaseRecord,
        CASE_RECORD,
        Case,
    ),
    op(
        "record_risk",
        Permission::WriteCaseRecord,
        CASE_RECORD,
        Case,
    ),
    op(
        "risk_history",
        Permission::ReadCaseRecord,
        CASE_RECORD,
        Case,
    ),
];

/// A recorded assessment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RiskView {
    pub id: uuid::Uuid,
    pub crn: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    #[serde(flatten)]
    pub assessment: RiskAssessment,
}

/// The response to recording an assessment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RiskRecorded {
    #[serde(flatten)]
    pub risk: RiskView,
    /// Referrals whose providers were sent a new version of the risk information to acknowledge.
    pub referrals_reshared: Vec<uuid::Uuid>,
}

fn view(risk: Risk) -> Result<RiskView, ApiError> {
    Ok(RiskView {
        id: stored_id(&risk.row.id)?,
        crn: risk.row.crn,
        recorded_at: risk.row.recorded_at.and_utc(),
        recorded_by: risk.row.recorded_by,
        assessment: risk.assessment,
    })
}

fn recorded_view(recorded: Recorded) -> Result<RiskRecorded, ApiError> {
    Ok(RiskRecorded {
        referrals_reshared: recorded
            .reshared
            .iter()
            .map(|id| stored_id(id))
            .collect::<Result<_, _>>()?,
        risk: view(recorded.risk)?,
    })
}

/// Record a risk assessment
///
/// Appends a new assessment; earlier ones stay in the history. Providers with a live referral
/// are sent a new version of the shared risk context when what they were told changes, and must
/// acknowledge it.
#[utoipa::path(
    tag = "risk",
    params(("crn" = String, Path, description = "Case reference number")),
    request_body = RiskAssessment,
    responses(
        (status = 201, description = "Recorded", body = RiskRecorded),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[put("/people/{crn}/risk")]
pub async fn record_risk(
    ctx: Ctx,
    crn: web::Path<String>,
    body: ApiJson<RiskAssessment>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let assessment = body.into_inner();
    let recorded = ctx
        .create(Permission::WriteCaseRecord, "risk.record", move |w| {
            recorded_view(risk::record(w, &crn, assessment)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Read the current risk assessment
#[utoipa::path(
    tag = "risk",
    params(("crn" = String, Path, description = "Case reference number")),
    responses(
        (status = 200, description = "The latest assessment", body = RiskView),
        (status = 404, description = "No such person in your organisation, or no assessment recorded"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/risk")]
pub async fn current_risk(
    ctx: Ctx,
    crn: web::Path<String>,
) -> Result<web::Json<RiskView>, ApiError> {
    let crn = crn_param(&crn)?;
    let current = ctx
        .read(Permission::ReadCaseRecord, "risk.read", move |w| {
            view(risk::current_of(w, &crn)?)
        })
        .await?;
    Ok(web::Json(current))
}

/// Read every risk assessment
///
/// Newest first.
#[utoipa::path(
    tag = "risk",
    params(("crn" = String, Path, description = "Case reference number"), PageQuery),
    responses(
        (status = 200, description = "Assessments, newest first", body = Page<RiskView>),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/risk/history")]
pub async fn risk_history(
    ctx: Ctx,
    crn: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<RiskView>>, ApiError> {
    let crn = crn_param(&crn)?;
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let history = ctx
        .read(Permission::ReadCaseRecord, "risk.history", move |w| {
            let risks = risk::history(w, &crn, after, limit + 1)?;
            Page::try_from_rows(
                risks,
                limit,
                |r| pagination::key(&r.row.recorded_at, &r.row.id),
                view,
            )
        })
        .await?;
    Ok(web::Json(history))
}
