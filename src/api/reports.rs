//! What the provider reports back: progress against each desired outcome, the end-of-service
//! report, and ending the referral (completed, or early, which the officer must act on).

use super::pagination::{Page, PageQuery};
use super::referrals::{referral_view, ReferralView};
use crate::auth::Permission;
use crate::db::reports::{self as rows, EndOfServiceRow, ProgressRow};
use crate::db::{from_json, orders, referrals as referral_rows, to_json};
use crate::domain::appointment::enum_str;
use crate::domain::events::EventType;
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::{Action, EndReason, ReferralContent};
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::rules::attendance::{ended_early, CaseRef};
use crate::services::access;
use crate::services::delivery::delivered_days;
use crate::services::prompts::{self, Origin};
use crate::services::referrals::{apply, content, emit};
use crate::work::Work;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_progress)
        .service(list_progress)
        .service(submit_end_of_service)
        .service(get_end_of_service)
        .service(end_referral);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Progress {
    NotStarted,
    SomeProgress,
    Achieved,
    NotAchieved,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeProgress {
    pub desired_outcome_id: uuid::Uuid,
    pub progress: Progress,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressReport {
    pub outcomes: Vec<OutcomeProgress>,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AchievementLevel {
    Achieved,
    PartiallyAchieved,
    NotAchieved,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeAchievement {
    pub desired_outcome_id: uuid::Uuid,
    pub achievement_level: AchievementLevel,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndOfServiceReport {
    /// One entry for every desired outcome of the referral.
    pub outcomes: Vec<OutcomeAchievement>,
    #[serde(default)]
    pub further_information: Option<String>,
}

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

/// The submitted end-of-service report.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubmittedEndOfServiceReport {
    pub referral_id: uuid::Uuid,
    pub submitted_at: DateTime<Utc>,
    pub submitted_by: String,
    pub report: EndOfServiceReport,
}

/// Every id must be one of the referral's desired outcomes; with `all`, each must appear once.
fn check_outcomes(content: &ReferralContent, ids: &[uuid::Uuid], all: bool, e: &mut Errors) {
    let known: Vec<uuid::Uuid> = content.desired_outcomes.iter().map(|o| o.id).collect();
    for (i, id) in ids.iter().enumerate() {
        if !known.contains(id) {
            e.add(
                &format!("outcomes[{i}].desiredOutcomeId"),
                "unknown",
                "not a desired outcome of this referral",
            );
        }
        if ids[..i].contains(id) {
            e.add(
                &format!("outcomes[{i}].desiredOutcomeId"),
                "duplicate",
                "this outcome is listed twice",
            );
        }
    }
    if ids.is_empty() {
        e.add(
            "outcomes",
            "required",
            "report on at least one desired outcome",
        );
    }
    if all {
        for k in known.iter().filter(|k| !ids.contains(k)) {
            e.add(
                "outcomes",
                "missing",
                format!("desired outcome {k} has no entry"),
            );
        }
    }
}

fn provider_referral(
    w: &mut Work,
    id: &uuid::Uuid,
) -> Result<crate::db::referrals::ReferralRow, ApiError> {
    let r = access::referral(w, id)?;
    if !w.me.is_provider() {
        return Err(ApiError::Forbidden(
            "reports are submitted by the provider".into(),
        ));
    }
    Ok(r)
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
    id: web::Path<uuid::Uuid>,
    body: ApiJson<ProgressReport>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = body.into_inner();
    let submitted = ctx
        .create(
            Permission::DeliverReferral,
            "progress-report.submit",
            move |w| {
                let referral = provider_referral(w, &id)?;
                let s = referral.status;
                if !s.is_active() {
                    return Err(ApiError::invalid_state(
                        "progress is reported on an accepted referral that has not ended",
                        s.as_str(),
                    ));
                }
                let mut e = Errors::default();
                e.text("summary", &report.summary, 8000);
                let ids: Vec<_> = report
                    .outcomes
                    .iter()
                    .map(|o| o.desired_outcome_id)
                    .collect();
                check_outcomes(&content(&referral)?, &ids, false, &mut e);
                for (i, o) in report.outcomes.iter().enumerate() {
                    e.optional_text(
                        &format!("outcomes[{i}].comment"),
                        o.comment.as_deref(),
                        4000,
                    );
                }
                e.into_result()?;
                let row = ProgressRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    referral_id: referral.id.clone(),
                    submitted_at: w.now.naive_utc(),
                    submitted_by: w.me.caller.sub.clone(),
                    body: to_json(&report)?,
                };
                rows::insert_progress(w.conn, &row)?;
                emit(
                    w,
                    &referral,
                    EventType::ProgressReportSubmitted,
                    "Progress report submitted".into(),
                    serde_json::json!({"reportId": row.id}),
                );
                Ok(SubmittedProgressReport {
                    referral_id: id,
                    id: row.id,
                    submitted_at: row.submitted_at.and_utc(),
                    submitted_by: row.submitted_by,
                    report,
                })
            },
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
    id: web::Path<uuid::Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<SubmittedProgressReport>>, ApiError> {
    let id = id.into_inner();
    let list = ctx
        .read(
            Permission::ReadReferrals,
            "progress-report.list",
            move |w| {
                let referral = access::referral(w, &id)?;
                rows::progress_for(w.conn, &referral.id)?
                    .into_iter()
                    .map(|r| {
                        Ok(SubmittedProgressReport {
                            referral_id: id,
                            report: from_json(&r.body, "progress report")?,
                            id: r.id,
                            submitted_at: r.submitted_at.and_utc(),
                            submitted_by: r.submitted_by,
                        })
                    })
                    .collect::<Result<Vec<_>, ApiError>>()
            },
        )
        .await?;
    Ok(web::Json(Page::of_list(list, &page, |i| i.id.to_string())?))
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
    id: web::Path<uuid::Uuid>,
    body: ApiJson<EndOfServiceReport>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = body.into_inner();
    let submitted = ctx
        .create(
            Permission::DeliverReferral,
            "end-of-service-report.submit",
            move |w| {
                let referral = provider_referral(w, &id)?;
                let s = referral.status;
                if referral.accepted_at.is_none()
                    || matches!(s, crate::domain::referral::ReferralStatus::Withdrawn)
                {
                    return Err(ApiError::invalid_state(
                        "an end-of-service report is for a referral the provider accepted",
                        s.as_str(),
                    ));
                }
                if rows::end_of_service(w.conn, &referral.id)?.is_some() {
                    return Err(ApiError::conflict(
                        "an end-of-service report was already submitted for this referral",
                    ));
                }
                let mut e = Errors::default();
                let ids: Vec<_> = report
                    .outcomes
                    .iter()
                    .map(|o| o.desired_outcome_id)
                    .collect();
                check_outcomes(&content(&referral)?, &ids, true, &mut e);
                e.optional_text(
                    "furtherInformation",
                    report.further_information.as_deref(),
                    8000,
                );
                e.into_result()?;
                let row = EndOfServiceRow {
                    referral_id: referral.id.clone(),
                    submitted_at: w.now.naive_utc(),
                    submitted_by: w.me.caller.sub.clone(),
                    body: to_json(&report)?,
                };
                rows::insert_end_of_service(w.conn, &row)?;
                emit(
                    w,
                    &referral,
                    EventType::EndOfServiceReportSubmitted,
                    "End-of-service report submitted".into(),
                    serde_json::json!({}),
                );
                Ok(SubmittedEndOfServiceReport {
                    referral_id: id,
                    submitted_at: row.submitted_at.and_utc(),
                    submitted_by: row.submitted_by,
                    report,
                })
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
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<SubmittedEndOfServiceReport>, ApiError> {
    let id = id.into_inner();
    let report = ctx
        .read(
            Permission::ReadReferrals,
            "end-of-service-report.read",
            move |w| {
                let referral = access::referral(w, &id)?;
                let row = rows::end_of_service(w.conn, &referral.id)?.ok_or_else(|| {
                    ApiError::NotFound("no end-of-service report has been submitted".into())
                })?;
                Ok(SubmittedEndOfServiceReport {
                    referral_id: id,
                    report: from_json(&row.body, "end-of-service report")?,
                    submitted_at: row.submitted_at.and_utc(),
                    submitted_by: row.submitted_by,
                })
            },
        )
        .await?;
    Ok(web::Json(report))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndReferral {
    pub reason: EndReason,
    #[serde(default)]
    pub note: Option<String>,
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
    id: web::Path<uuid::Uuid>,
    body: ApiJson<EndReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.optional_text("note", body.note.as_deref(), 4000);
    if body.reason != EndReason::Completed
        && body.note.as_deref().is_none_or(|n| n.trim().is_empty())
    {
        e.add("note", "required", "say why the referral is ending early");
    }
    e.into_result()?;
    let view = ctx
        .write(Permission::DeliverReferral, "referral.end", move |w| {
            let mut referral = provider_referral(w, &id)?;
            apply(&mut referral, Action::End(body.reason))?;
            if body.reason == EndReason::Completed
                && rows::end_of_service(w.conn, &referral.id)?.is_none()
            {
                return Err(ApiError::Conflict {
                    detail:
                        "a referral is completed only after its end-of-service report is submitted"
                            .into(),
                    current_state: None,
                    blocking_items: vec![crate::error::BlockingItem {
                        kind: "END_OF_SERVICE_REPORT".into(),
                        description: "No end-of-service report".into(),
                        link: Some(format!(
                            "/api/v1/referrals/{}/end-of-service-report",
                            referral.id
                        )),
                    }],
                });
            }
            let now = w.now.naive_utc();
            referral.end_reason = Some(enum_str(&body.reason));
            referral.end_note = body.note.clone().map(|n| n.trim().to_string());
            referral.ended_at = Some(now);
            referral.ended_by = Some(w.me.caller.sub.clone());
            referral.updated_at = now;
            referral_rows::save(w.conn, &referral)?;
            if body.reason != EndReason::Completed {
                let delivered = delivered_days(w.conn, &referral)?;
                let order = orders::get(w.conn, &referral.order_id)?;
                let spec = ended_early(
                    &CaseRef {
                        crn: &referral.crn,
                        referral_id: &referral.id,
                        provider_org: &referral.provider_org,
                        responsible_officer: Some(&order.responsible_officer),
                    },
                    &enum_str(&body.reason),
                    delivered,
                    referral.rar_days.unwrap_or(0).max(0) as u32,
                    body.note.as_deref(),
                );
                let origin = Origin {
                    crn: &referral.crn,
                    probation_org: &referral.probation_org,
                    provider_org: Some(&referral.provider_org),
                    order_id: Some(&referral.order_id),
                    referral_id: Some(&referral.id),
                    kind: TriggerKind::Referral,
                    id: &referral.id,
                };
                prompts::raise(w, vec![spec], &origin)?;
            }
            emit(
                w,
                &referral,
                EventType::ReferralEnded,
                format!("Referral ended: {}", enum_str(&body.reason)),
                serde_json::json!({"reason": body.reason, "note": body.note}),
            );
            referral_view(w.conn, w.me, referral)
        })
        .await?;
    Ok(web::Json(view))
}
