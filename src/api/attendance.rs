//! Attendance (provider) and the responsible officer's absence decision (probation).

use super::appointments::{appointment_view, AppointmentView};
use super::prompts::{prompt_view, PromptView};
use crate::auth::Permission;
use crate::domain::appointment::Attendance;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::{etag_of, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::delivery::{decide_absence, record_attendance};
use crate::work::Principal;
use actix_web::{post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_attendance).service(absence_decision);
}

/// The appointment after a change, with the prompts it raised for the caller's organisation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentOutcome {
    pub appointment: AppointmentView,
    /// How many prompts the change raised, for anyone.
    pub prompts_raised_count: usize,
    /// The raised prompts the caller may see.
    pub prompts_raised: Vec<PromptView>,
    /// Present when an unacceptable absence was recorded as a warning.
    pub warning: Option<WarningView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WarningView {
    pub id: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
}

fn visible_prompts(
    rows: Vec<crate::db::prompts::PromptRow>,
    me: &Principal,
    now: DateTime<Utc>,
) -> Result<Vec<PromptView>, ApiError> {
    rows.into_iter()
        .filter(|p| access::prompt_visible_to(p, me))
        .map(|p| prompt_view(p, now))
        .collect()
}

/// Record attendance
///
/// The provider records whether the person attended, how they engaged, and anything the
/// officer must know. Not before the session starts. Recording again is a correction and needs
/// `correctionReason`; the history keeps both. A missed session the provider did not judge
/// acceptable goes to the officer to decide; missed sessions are also judged as a pattern.
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Appointment id")),
    request_body = Attendance,
    responses(
        (status = 200, description = "Recorded", body = AppointmentOutcome),
        (status = 404, description = "No such appointment visible to your organisation"),
        (status = 409, description = "The referral is not active, the session was cancelled, or attendance exists and no correctionReason was given"),
        (status = 422, description = "Invalid attendance, or the session has not started yet"),
    ),
    security(("bearer" = []))
)]
#[put("/appointments/{id}/attendance")]
pub async fn put_attendance(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<Attendance>,
) -> Result<web::Json<AppointmentOutcome>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let outcome = ctx
        .write(
            Permission::DeliverReferral,
            "appointment.attendance",
            move |w| {
                let a = access::appointment(w, &id)?;
                if_match.check_with(|| Ok(etag_of(&appointment_view(w.conn, a.clone())?)))?;
                if !w.me.is_provider() {
                    return Err(ApiError::Forbidden(
                        "attendance is recorded by the provider".into(),
                    ));
                }
                let (a, raised) = record_attendance(w, a, body)?;
                let count = raised.new.len();
                Ok(AppointmentOutcome {
                    appointment: appointment_view(w.conn, a)?,
                    prompts_raised_count: count,
                    prompts_raised: visible_prompts(raised.new, w.me, w.now)?,
                    warning: None,
                })
            },
        )
        .await?;
    Ok(web::Json(outcome))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AbsenceDecision {
    /// Whether the person had a reasonable excuse.
    pub acceptable: bool,
    /// The reasons for the decision. Required.
    pub note: String,
}

/// Decide an absence
///
/// The responsible officer decides whether a missed session was acceptable. An unacceptable
/// absence is recorded as a warning; if a warning was given in the previous 12 months, a
/// mandatory breach-referral prompt is raised instead (Sentencing Act 2020 Sch. 10 paras 6–7).
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Appointment id")),
    request_body = AbsenceDecision,
    responses(
        (status = 200, description = "Decided", body = AppointmentOutcome),
        (status = 404, description = "No such appointment in your organisation"),
        (status = 409, description = "The person attended, attendance is not recorded, or the absence is already decided"),
    ),
    security(("bearer" = []))
)]
#[post("/appointments/{id}/absence-decision")]
pub async fn absence_decision(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<AbsenceDecision>,
) -> Result<web::Json<AppointmentOutcome>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("note", &body.note, 4000);
    e.into_result()?;
    let outcome = ctx
        .write(
            Permission::Commission,
            "appointment.absence-decision",
            move |w| {
                let a = access::appointment(w, &id)?;
                if_match.check_with(|| Ok(etag_of(&appointment_view(w.conn, a.clone())?)))?;
                let decision = decide_absence(w, a, body.acceptable, body.note)?;
                let count = decision.raised.new.len();
                Ok(AppointmentOutcome {
                    appointment: appointment_view(w.conn, decision.appointment)?,
                    prompts_raised_count: count,
                    prompts_raised: visible_prompts(decision.raised.new, w.me, w.now)?,
                    warning: decision.warning.map(|wr| WarningView {
                        id: wr.id,
                        issued_at: wr.issued_at.and_utc(),
                        issued_by: wr.issued_by,
                    }),
                })
            },
        )
        .await?;
    Ok(web::Json(outcome))
}
