//! Attendance (provider) and the responsible officer's absence decision (probation).

use super::appointments::{appointment_view, precondition, AppointmentView};
use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION, PROVIDER};
use super::prompts::{prompt_view, PromptView};
use crate::auth::Permission;
use crate::db::appointments::WarningRow;
use crate::domain::appointment::{AbsenceDecision, Attendance};
use crate::domain::ids::AppointmentId;
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::{ApiJson, Ctx};
use crate::services::attendance::{self as service, Outcome};
use actix_web::{post, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_attendance).service(absence_decision);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "put_attendance",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op("absence_decision", Permission::Commission, PROBATION, Case),
];

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

impl From<WarningRow> for WarningView {
    fn from(w: WarningRow) -> Self {
        WarningView {
            id: w.id,
            issued_at: w.issued_at.and_utc(),
            issued_by: w.issued_by,
        }
    }
}

impl AppointmentOutcome {
    /// The outcome as the API shows it; prompts show how long they have left at `now`.
    fn new(outcome: Outcome, now: DateTime<Utc>) -> Result<Self, ApiError> {
        Ok(AppointmentOutcome {
            appointment: appointment_view(outcome.appointment)?,
            prompts_raised_count: outcome.prompts_raised_count,
            prompts_raised: outcome
                .prompts_raised
                .into_iter()
                .map(|p| prompt_view(p, now))
                .collect::<Result<_, _>>()?,
            warning: outcome.warning.map(WarningView::from),
        })
    }
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
    id: web::Path<AppointmentId>,
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
                let expect = precondition(&if_match);
                let outcome = service::record_attendance(w, id, &expect, body)?;
                AppointmentOutcome::new(outcome, w.now)
            },
        )
        .await?;
    Ok(web::Json(outcome))
}

/// Decide an absence
///
/// The responsible officer decides whether a missed session was acceptable (`decision`, or
/// `acceptable` as before). `UNACCEPTABLE` is recorded as a warning; if a warning was given under
/// the same order in the previous 12 months, a mandatory breach-referral prompt is raised instead
/// (Sentencing Act 2020 Sch. 10 paras 6–7). `BREACH` raises the breach-referral prompt without a
/// prior warning. An absence the provider judged acceptable (`POP_ACCEPTABLE`) can be overturned
/// within 5 working days of the attendance record; the decision is audited like every write.
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Appointment id")),
    request_body = AbsenceDecision,
    responses(
        (status = 200, description = "Decided", body = AppointmentOutcome),
        (status = 404, description = "No such appointment in your organisation"),
        (status = 409, description = "The person attended, attendance is not recorded, the absence is already decided, or the window to overturn the provider's acceptable judgement has closed"),
        (status = 422, description = "No decision, a decision that contradicts `acceptable`, or no note"),
    ),
    security(("bearer" = []))
)]
#[post("/appointments/{id}/absence-decision")]
pub async fn absence_decision(
    ctx: Ctx,
    id: web::Path<AppointmentId>,
    if_match: IfMatch,
    body: ApiJson<AbsenceDecision>,
) -> Result<web::Json<AppointmentOutcome>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let outcome = ctx
        .write(
            Permission::Commission,
            "appointment.absence-decision",
            move |w| {
                let expect = precondition(&if_match);
                let outcome = service::decide_absence(w, id, &expect, body)?;
                AppointmentOutcome::new(outcome, w.now)
            },
        )
        .await?;
    Ok(web::Json(outcome))
}
