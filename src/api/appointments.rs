//! Appointments on a referral: booked, rescheduled (with who asked and why) and cancelled by the
//! provider; read by both sides. Every change is kept in the appointment's history.

use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::appointments::{self as rows, AppointmentRow, SCHEDULED};
use crate::db::{orders, DbConnection};
use crate::domain::appointment::{
    enum_parse, enum_str, AppointmentKind, Attended, Method, NewAppointment, NoAttendanceReason,
    RequestedBy,
};
use crate::domain::events::EventType;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::delivery::{appointment_event, history};
use crate::work::Work;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(book_appointment)
        .service(list_appointments)
        .service(get_appointment)
        .service(reschedule_appointment)
        .service(cancel_appointment);
}

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
    /// `SCHEDULED` or `CANCELLED`.
    pub status: String,
    pub attendance: Option<AttendanceView>,
    pub absence_decision: Option<AbsenceDecisionView>,
    pub history: Vec<ChangeView>,
}

/// An id this service stored; one that does not parse is an internal error, never a default.
pub fn stored_id(id: &str) -> Result<uuid::Uuid, ApiError> {
    id.parse()
        .map_err(|e| ApiError::internal_from(format!("stored id {id:?}"), e))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    enum_parse(s).ok_or_else(|| ApiError::internal(format!("stored value {s}")))
}

pub fn appointment_view(
    conn: &mut DbConnection,
    a: AppointmentRow,
) -> Result<AppointmentView, ApiError> {
    let history = rows::history(conn, &a.id)?
        .into_iter()
        .map(|h| ChangeView {
            change: h.change,
            at: h.at.and_utc(),
            by: h.by_sub,
            requested_by: h.requested_by,
            reason: h.reason,
        })
        .collect();
    let attendance = match &a.attended {
        Some(att) => Some(AttendanceView {
            attended: parse(att)?,
            no_attendance_reason: a.no_attendance_reason.as_deref().map(parse).transpose()?,
            reason_detail: a.reason_detail.clone(),
            engagement: a.engagement.clone(),
            behaviour_concern: a.behaviour_concern,
            concern_detail: a.concern_detail.clone(),
            notify_responsible_officer: a.notify_responsible_officer,
            recorded_at: a.attendance_recorded_at.map(|t| t.and_utc()),
            recorded_by: a.attendance_recorded_by.clone(),
        }),
        None => None,
    };
    Ok(AppointmentView {
        id: a.id.parse().unwrap_or_default(),
        referral_id: a.referral_id.parse().unwrap_or_default(),
        kind: parse(&a.kind)?,
        method: parse(&a.method)?,
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
        status: a.status,
        attendance,
        history,
    })
}

/// The session must fall within the order, and not before the referral reached the provider.
fn check_time(
    w: &mut Work,
    referral_order: &str,
    sent_at: Option<chrono::NaiveDateTime>,
    starts_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let order = orders::get(w.conn, referral_order)?;
    let date = crate::rules::working_days::london_date(starts_at);
    let mut e = Errors::default();
    if date < order.start_date || date > order.end_date {
        e.add(
            "startsAt",
            "outside_order",
            format!(
                "the session must fall within the order ({} to {})",
                order.start_date, order.end_date
            ),
        );
    } else if sent_at.is_some_and(|s| starts_at < s.and_utc()) {
        e.add(
            "startsAt",
            "before_referral",
            "the session cannot be before the referral reached the provider",
        );
    }
    e.into_result()
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
    id: web::Path<uuid::Uuid>,
    body: ApiJson<NewAppointment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate().into_result()?;
    let view = ctx
        .create(Permission::DeliverReferral, "appointment.book", move |w| {
            let referral = access::referral(w, &id)?;
            if !w.me.is_provider() {
                return Err(ApiError::not_found("referral"));
            }
            let s = referral.status;
            if !s.is_active() {
                return Err(ApiError::invalid_state(
                    "sessions are booked on an accepted referral that has not ended",
                    s.as_str(),
                ));
            }
            check_time(w, &referral.order_id, referral.sent_at, body.starts_at)?;
            let row = AppointmentRow {
                id: uuid::Uuid::now_v7().to_string(),
                referral_id: referral.id.clone(),
                crn: referral.crn.clone(),
                probation_org: referral.probation_org.clone(),
                provider_org: referral.provider_org.clone(),
                kind: enum_str(&body.kind),
                method: enum_str(&body.method),
                location: body.location.map(|l| l.trim().to_string()),
                starts_at: body.starts_at.naive_utc(),
                duration_minutes: body.duration_minutes as i32,
                status: SCHEDULED.into(),
                created_at: w.now.naive_utc(),
                created_by: w.me.caller.sub.clone(),
                attended: None,
                no_attendance_reason: None,
                reason_detail: None,
                engagement: None,
                behaviour_concern: false,
                concern_detail: None,
                notify_responsible_officer: false,
                attendance_recorded_at: None,
                attendance_recorded_by: None,
                absence_acceptable: None,
                absence_note: None,
                absence_decided_at: None,
                absence_decided_by: None,
            };
            rows::insert(w.conn, &row)?;
            history(w, &row, "BOOKED", None, Some("PROVIDER".into()), None)?;
            appointment_event(
                w,
                &row,
                EventType::AppointmentBooked,
                format!("{} session booked", row.kind),
            );
            appointment_view(w.conn, row)
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
    id: web::Path<uuid::Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<AppointmentView>>, ApiError> {
    let id = id.into_inner();
    let list = ctx
        .read(Permission::ReadReferrals, "appointment.list", move |w| {
            let referral = access::referral(w, &id)?;
            rows::for_referral(w.conn, &referral.id)?
                .into_iter()
                .map(|a| appointment_view(w.conn, a))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(Page::of_list(list, &page, |i| i.id.to_string())?))
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
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadReferrals, "appointment.read", move |w| {
            let a = access::appointment(w, &id)?;
            appointment_view(w.conn, a)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reschedule {
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    #[serde(default)]
    pub method: Option<Method>,
    #[serde(default)]
    pub location: Option<String>,
    /// Why it moved. Required.
    pub reason: String,
    pub requested_by: RequestedBy,
}

/// Only the provider changes appointments, only on an active referral, and only before
/// attendance is recorded.
fn changeable(w: &mut Work, a: &AppointmentRow) -> Result<(), ApiError> {
    if !w.me.is_provider() {
        return Err(ApiError::Forbidden(
            "appointments are changed by the provider".into(),
        ));
    }
    let referral = access::referral_in_case(w, &a.referral_id)?;
    let s = referral.status;
    if !s.is_active() {
        return Err(ApiError::invalid_state(
            "the referral is not active",
            s.as_str(),
        ));
    }
    if a.status != SCHEDULED {
        return Err(ApiError::invalid_state(
            "the appointment was cancelled",
            a.status.clone(),
        ));
    }
    if a.attended.is_some() {
        return Err(ApiError::invalid_state(
            "attendance is already recorded for this session",
            "ATTENDANCE_RECORDED",
        ));
    }
    Ok(())
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
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<Reschedule>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    if let Some(t) = body.starts_at {
        e.plausible_time("startsAt", t);
    }
    e.text("reason", &body.reason, 2000);
    e.optional_text("location", body.location.as_deref(), 500);
    if body
        .duration_minutes
        .is_some_and(|d| !(5..=480).contains(&d))
    {
        e.add(
            "durationMinutes",
            "out_of_range",
            "a session lasts 5 to 480 minutes",
        );
    }
    e.into_result()?;
    let view = ctx
        .write(
            Permission::DeliverReferral,
            "appointment.reschedule",
            move |w| {
                let mut a = access::appointment(w, &id)?;
                changeable(w, &a)?;
                if_match.check_with(|| Ok(etag_of(&appointment_view(w.conn, a.clone())?)))?;
                let referral = access::referral_in_case(w, &a.referral_id)?;
                let before = a.clone();
                if let Some(t) = body.starts_at {
                    check_time(w, &referral.order_id, referral.sent_at, t)?;
                    a.starts_at = t.naive_utc();
                }
                if let Some(d) = body.duration_minutes {
                    a.duration_minutes = d as i32;
                }
                if let Some(m) = body.method {
                    a.method = enum_str(&m);
                }
                if let Some(l) = body.location {
                    a.location = Some(l.trim().to_string());
                }
                rows::save(w.conn, &a)?;
                history(
                    w,
                    &a,
                    "RESCHEDULED",
                    Some(&before),
                    Some(enum_str(&body.requested_by)),
                    Some(body.reason.trim().to_string()),
                )?;
                appointment_event(
                    w,
                    &a,
                    EventType::AppointmentRescheduled,
                    "Session rescheduled".into(),
                );
                appointment_view(w.conn, a)
            },
        )
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cancel {
    pub reason: String,
    pub requested_by: RequestedBy,
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
    id: web::Path<uuid::Uuid>,
    body: ApiJson<Cancel>,
) -> Result<web::Json<AppointmentView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("reason", &body.reason, 2000);
    e.into_result()?;
    let view = ctx
        .write(
            Permission::DeliverReferral,
            "appointment.cancel",
            move |w| {
                let mut a = access::appointment(w, &id)?;
                changeable(w, &a)?;
                let before = a.clone();
                a.status = rows::CANCELLED.into();
                rows::save(w.conn, &a)?;
                history(
                    w,
                    &a,
                    "CANCELLED",
                    Some(&before),
                    Some(enum_str(&body.requested_by)),
                    Some(body.reason.trim().to_string()),
                )?;
                appointment_event(
                    w,
                    &a,
                    EventType::AppointmentCancelled,
                    "Session cancelled".into(),
                );
                appointment_view(w.conn, a)
            },
        )
        .await?;
    Ok(web::Json(view))
}
