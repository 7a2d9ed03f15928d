//! Appointments on a referral: booked, rescheduled (with who asked and why) and cancelled by the
//! provider; read by both sides. Every change is kept in the appointment's history.

use super::operations::Reach::Case;
use super::operations::{op, Access, PROVIDER, PROVIDER_FIRST};
use super::pagination::{self, Page, PageQuery};
use crate::auth::Permission;
use crate::db::appointments::{AppointmentRow, HistoryRow};
use crate::db::stored_id;
use crate::domain::appointment::{
    AppointmentKind, Attended, Cancel, Method, NewAppointment, NoAttendanceReason, Reschedule,
};
use crate::domain::ids::{AppointmentId, ReferralId};
use crate::error::ApiError;
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::appointments::{self as service, AppointmentRecord};
use crate::work::Work;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(book_appointment)
        .service(list_appointments)
        .service(get_appointment)
        .service(reschedule_appointment)
        .service(cancel_appointment);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "book_appointment",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "list_appointments",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
    op(
        "get_appointment",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
    op(
        "reschedule_appointment",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "cancel_appointment",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
];

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceView {
    pub attended: Attended,
    pub no_attendance_reason: Option<NoAttendanceReason>,
    pub reason_detail: Option<String>,
    pub engagement: Option<String>,
    pub behaviour_concern: bool,
    pub concern_detail: Option<String>,
    pub notify_responsible_officer: bool,
    pub recorded_at: Option<DateTime<Utc>>,
    pub recorded_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsenceDecisionView {
    pub acceptable: bool,
    pub note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeView {
    /// `BOOKED`, `RESCHEDULED`, `CANCELLED`, `ATTENDANCE_RECORDED`, `ATTENDANCE_CORRECTED`, `ABSENCE_DECIDED`.
    pub change: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub requested_by: Option<String>,
    pub reason: Option<String>,
}

/// An appointment with its attendance, the officer's decision and its history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentView {
    pub id: uuid::Uuid,
    pub referral_id: uuid::Uuid,
    pub crn: String,
    pub kind: AppointmentKind,
    pub method: Method,
    pub location: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    /// The provider's own id for the session, when it gave one.
    pub provider_reference: Option<String>,
    /// `SCHEDULED` or `CANCELLED`.
    pub status: String,
    pub attendance: Option<AttendanceView>,
    pub absence_decision: Option<AbsenceDecisionView>,
    /// For an absence the provider judged acceptable (`POP_ACCEPTABLE`) and the responsible
    /// officer has not decided: the last London day on which the officer may overturn it
    /// (`UNACCEPTABLE` or `BREACH`), 5 working days after attendance was recorded.
    pub overturnable_until: Option<chrono::NaiveDate>,
    pub history: Vec<ChangeView>,
}

impl From<HistoryRow> for ChangeView {
    fn from(h: HistoryRow) -> Self {
        ChangeView {
            change: h.change,
            at: h.at.and_utc(),
            by: h.by_sub,
            requested_by: h.requested_by.map(|r| r.as_str().to_string()),
            reason: h.reason,
        }
    }
}

fn attendance_view(a: &AppointmentRow) -> Option<AttendanceView> {
    Some(AttendanceView {
        attended: a.attended?,
        no_attendance_reason: a.no_attendance_reason,
        reason_detail: a.reason_detail.clone(),
        engagement: a.engagement.clone(),
        behaviour_concern: a.behaviour_concern,
        concern_detail: a.concern_detail.clone(),
        notify_responsible_officer: a.notify_responsible_officer,
        recorded_at: a.attendance_recorded_at.map(|t| t.and_utc()),
        recorded_by: a.attendance_recorded_by.clone(),
    })
}

/// The appointment as the API shows it, from its record alone.
pub fn appointment_view(record: AppointmentRecord) -> Result<AppointmentView, ApiError> {
    let AppointmentRecord {
        row: a,
        history,
        overturnable_until,
    } = record;
    Ok(AppointmentView {
        id: stored_id(&a.id)?,
        referral_id: stored_id(&a.referral_id)?,
        kind: a.kind,
        method: a.method,
        attendance: attendance_view(&a),
        absence_decision: a.absence_acceptable.map(|acceptable| AbsenceDecisionView {
            acceptable,
            note: a.absence_note.clone(),
            decided_at: a.absence_decided_at.map(|t| t.and_utc()),
            decided_by: a.absence_decided_by.clone(),
        }),
        crn: a.crn,
        location: a.location,
        starts_at: a.starts_at.and_utc(),
        duration_minutes: a.duration_minutes,
        provider_reference: a.provider_reference,
        status: a.status.as_str().to_string(),
        overturnable_until,
        history: history.into_iter().map(ChangeView::from).collect(),
    })
}

/// The client's `If-Match` on an appointment, checked against the ETag of the same view a read
/// returns (built only when the header was sent).
pub fn precondition(
    if_match: &IfMatch,
) -> impl Fn(&mut Work, &AppointmentRow) -> Result<(), ApiError> + '_ {
    move |w, a| {
        if_match.check_with(|| Ok(etag_of(&appointment_view(service::record(w, a.clone())?)?)))
    }
}

/// Book an appointment
///
/// The provider books an assessment or a delivery session on an accepted referral. Sessions held
/// in the past may be recorded after the fact.
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = NewAppointment,
    responses(
        (status = 201, description = "Booked", body = AppointmentView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "The referral is not accepted or has ended"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/appointments")]
pub async fn book_appointment(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<NewAppointment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let view = ctx
        .create(Permission::DeliverReferral, "appointment.book", move |w| {
            appointment_view(service::book(w, id, body)?)
        })
        .await?;
    Ok(tagged(StatusCode::CREATED, &view))
}

/// List a referral's appointments
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Referral id"), PageQuery),
    responses(
        (status = 200, description = "Appointments by start time", body = Page<AppointmentView>),
        (status = 404, description = "No such referral visible to your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/appointments")]
pub async fn list_appointments(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<AppointmentView>>, ApiError> {
    let id = id.into_inner();
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let views = ctx
        .read(Permission::ReadReferrals, "appointment.list", move |w| {
            service::list(w, id, after, limit + 1)?
                .into_iter()
                .map(appointment_view)
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        views,
        limit,
        |v| pagination::key(&v.starts_at.naive_utc(), &v.id),
        |v| v,
    )))
}

/// Read an appointment
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "The appointment", body = AppointmentView),
        (status = 404, description = "No such appointment visible to your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/appointments/{id}")]
pub async fn get_appointment(
    ctx: Ctx,
    id: web::Path<AppointmentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadReferrals, "appointment.read", move |w| {
            appointment_view(service::get(w, id)?)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// Reschedule an appointment
///
/// Moves the session; the history keeps when it was, who asked and why.
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Appointment id")),
    request_body = Reschedule,
    responses(
        (status = 200, description = "Rescheduled", body = AppointmentView),
        (status = 404, description = "No such appointment visible to your organisation"),
        (status = 409, description = "Cancelled, or attendance already recorded"),
        (status = 412, description = "If-Match does not match the current ETag"),
    ),
    security(("bearer" = []))
)]
#[patch("/appointments/{id}")]
pub async fn reschedule_appointment(
    ctx: Ctx,
    id: web::Path<AppointmentId>,
    if_match: IfMatch,
    body: ApiJson<Reschedule>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let view = ctx
        .write(
            Permission::DeliverReferral,
            "appointment.reschedule",
            move |w| {
                let expect = precondition(&if_match);
                appointment_view(service::reschedule(w, id, &expect, body)?)
            },
        )
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// Cancel an appointment
#[utoipa::path(
    tag = "appointments",
    params(("id" = uuid::Uuid, Path, description = "Appointment id")),
    request_body = Cancel,
    responses(
        (status = 200, description = "Cancelled", body = AppointmentView),
        (status = 404, description = "No such appointment visible to your organisation"),
        (status = 409, description = "Already cancelled, or attendance already recorded"),
    ),
    security(("bearer" = []))
)]
#[post("/appointments/{id}/cancel")]
pub async fn cancel_appointment(
    ctx: Ctx,
    id: web::Path<AppointmentId>,
    body: ApiJson<Cancel>,
) -> Result<web::Json<AppointmentView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let view = ctx
        .write(
            Permission::DeliverReferral,
            "appointment.cancel",
            move |w| appointment_view(service::cancel(w, id, body)?),
        )
        .await?;
    Ok(web::Json(view))
}
