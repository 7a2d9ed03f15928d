//! `/api/v1/people/{crn}/risk`: risk assessments, appended (never overwritten) and re-shared with providers.

use super::pagination::{Page, PageQuery};
use super::people::crn_param;
use crate::auth::Permission;
use crate::db::people::{self as rows, RiskRow};
use crate::db::{from_json, to_json};
use crate::domain::events::EventType;
use crate::domain::risk::RiskAssessment;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::{referrals, risk};
use crate::work::Event;
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

fn view(row: RiskRow) -> Result<RiskView, ApiError> {
    Ok(RiskView {
        id: row.id.parse().unwrap_or_default(),
        assessment: from_json(&row.body, "risk assessment")?,
        crn: row.crn,
        recorded_at: row.recorded_at.and_utc(),
        recorded_by: row.recorded_by,
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
    let today = crate::rules::working_days::london_date(ctx.now());
    let recorded = ctx
        .create(Permission::WriteCaseRecord, "risk.record", move |w| {
            let person = access::person(w, &crn)?;
            assessment
                .validate(today, Some(person.date_of_birth))
                .into_result()?;
            let row = RiskRow {
                id: uuid::Uuid::now_v7().to_string(),
                crn: person.crn.clone(),
                assessed_on: assessment.assessed_on,
                recorded_at: w.now.naive_utc(),
                recorded_by: w.me.caller.sub.clone(),
                body: to_json(&assessment)?,
            };
            rows::insert_risk(w.conn, &row)?;
            w.emit(Event {
                event_type: EventType::RiskAssessed,
                description: format!("Risk assessment recorded for {}", person.crn),
                detail_path: format!("/api/v1/people/{}/risk", person.crn),
                additional_information: serde_json::json!({
                    "assessmentId": row.id,
                    "highestRosh": assessment.rosh().highest(),
                    "flags": assessment.flags,
                }),
                crn: Some(person.crn.clone()),
                org: person.managing_org.clone(),
                provider_org: None,
            });
            let reshared =
                referrals::reshare_after_risk_change(w, &person.crn, &row.id, &assessment)?;
            Ok(RiskRecorded {
                risk: view(row)?,
                referrals_reshared: reshared
                    .iter()
                    .map(|(r, _, _)| r.id.parse().unwrap_or_default())
                    .collect(),
            })
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
            let person = access::person(w, &crn)?;
            let (row, _) = risk::current(w.conn, &person.crn)?.ok_or_else(|| {
                ApiError::NotFound("no risk assessment is recorded for this person".into())
            })?;
            view(row)
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
    let history = ctx
        .read(Permission::ReadCaseRecord, "risk.history", move |w| {
            let person = access::person(w, &crn)?;
            rows::risk_history(w.conn, &person.crn)?
                .into_iter()
                .map(view)
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(Page::of_list(history, &page, |i| {
        i.id.to_string()
    })?))
}
