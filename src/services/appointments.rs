//! Appointment use cases: the provider books, reschedules and cancels sessions on an active
//! referral; both sides read them. Every change is kept in the appointment's history.

use super::access;
use super::change::{self, CaseResource, Expect};
use crate::db::appointments::{self as rows, AppointmentRow, HistoryRow};
use crate::db::orders;
use crate::db::referrals::ReferralRow;
use crate::db::to_json;
use crate::domain::appointment::{
    AppointmentChange, AppointmentStatus, Cancel, NewAppointment, RequestedBy, Reschedule,
};
use crate::domain::events::{AppointmentFacts, DomainEvent};
use crate::domain::ids::{AppointmentId, ReferralId};
use crate::domain::validate::Errors;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::work::{Event, Work};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::HashMap;

/// An appointment with its history, oldest change first: all its view shows.
#[derive(Debug, Clone)]
pub struct AppointmentRecord {
    pub row: AppointmentRow,
    pub history: Vec<HistoryRow>,
    /// Until when the officer may overturn the provider's acceptable judgement (working days
    /// need the calendar, so it is worked out here rather than in the view).
    pub overturnable_until: Option<chrono::NaiveDate>,
}

/// The appointment's record as stored now (its history read in one query).
pub fn record(w: &mut Work, row: AppointmentRow) -> Result<AppointmentRecord, ApiError> {
    let history = rows::history(w.conn, &row.id)?;
    let overturnable_until = super::attendance::overturnable_until(&row, &w.rules.calendar);
    Ok(AppointmentRecord {
        row,
        history,
        overturnable_until,
    })
}

/// The records of several appointments, their histories read in one query.
fn records(w: &mut Work, rows: Vec<AppointmentRow>) -> Result<Vec<AppointmentRecord>, ApiError> {
    let ids: Vec<&str> = rows.iter().map(|a| a.id.as_str()).collect();
    let mut by_appointment: HashMap<String, Vec<HistoryRow>> = HashMap::new();
    for h in rows::history_of(w.conn, &ids)? {
        by_appointment
            .entry(h.appointment_id.clone())
            .or_default()
            .push(h);
    }
    Ok(rows
        .into_iter()
        .map(|row| AppointmentRecord {
            history: by_appointment.remove(&row.id).unwrap_or_default(),
            overturnable_until: super::attendance::overturnable_until(&row, &w.rules.calendar),
            row,
        })
        .collect())
}

impl CaseResource for AppointmentRow {
    type Id = crate::domain::ids::AppointmentId;

    fn load(w: &mut Work, id: Self::Id) -> Result<Self, ApiError> {
        access::appointment(w, id)
    }

    fn save(&self, w: &mut Work) -> Result<(), ApiError> {
        Ok(rows::save(w.conn, self)?)
    }

    fn wrong_side(side: OrgKind) -> ApiError {
        ApiError::Forbidden(
            match side {
                OrgKind::Provider => "appointments are changed by the provider",
                OrgKind::Probation => "absences are decided by the responsible officer",
            }
            .into(),
        )
    }
}

/// Adds an entry to the appointment's history: the change, who made it, who asked and why, and
/// the appointment before and after.
pub(super) fn history(
    w: &mut Work,
    appointment: &AppointmentRow,
    change: AppointmentChange,
    before: Option<&AppointmentRow>,
    requested_by: Option<RequestedBy>,
    reason: Option<String>,
) -> Result<HistoryRow, ApiError> {
    let row = HistoryRow {
        id: uuid::Uuid::now_v7().to_string(),
        appointment_id: appointment.id.clone(),
        change: change.as_str().to_string(),
        at: w.now.naive_utc(),
        by_sub: w.me.caller.sub.clone(),
        requested_by,
        reason,
        before: before.map(to_json).transpose()?,
        after: to_json(appointment)?,
    };
    rows::insert_history(w.conn, &row)?;
    Ok(row)
}

/// The event about an appointment, seen by both sides of its referral.
pub(super) fn event(
    a: &AppointmentRow,
    make: impl FnOnce(AppointmentFacts) -> DomainEvent,
    description: String,
) -> Event {
    Event {
        payload: make(AppointmentFacts {
            appointment_id: a.id.clone(),
            referral_id: a.referral_id.clone(),
            kind: a.kind,
            starts_at: a.starts_at.and_utc(),
            attended: a.attended,
            no_attendance_reason: a.no_attendance_reason,
            provider_reference: a.provider_reference.clone(),
        }),
        description,
        detail_path: format!("/api/v1/appointments/{}", a.id),
        crn: Some(a.crn.clone()),
        org: a.probation_org.clone(),
        provider_org: Some(a.provider_org.clone()),
    }
}

/// The session must fall within the order, and not before the referral reached the provider.
fn check_time(
    w: &mut Work,
    referral: &ReferralRow,
    starts_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let order = orders::get(w.conn, &referral.order_id)?;
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
    } else if referral.sent_at.is_some_and(|s| starts_at < s.and_utc()) {
        e.add(
            "startsAt",
            "before_referral",
            "the session cannot be before the referral reached the provider",
        );
    }
    e.into_result()
}

/// Books a session on an accepted referral sent to the caller's organisation.
pub fn book(
    w: &mut Work,
    referral_id: ReferralId,
    new: NewAppointment,
) -> Result<AppointmentRecord, ApiError> {
    let referral = access::referral(w, referral_id)?;
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
    check_time(w, &referral, new.starts_at)?;
    super::action_plans::check_room_for_session(w, &referral, new.kind)?;
    let provider_reference = new.provider_reference.map(|r| r.trim().to_string());
    if let Some(r) = &provider_reference {
        if rows::provider_reference_taken(w.conn, &referral.provider_org, r)? {
            return Err(ApiError::conflict(
                "providerReference is already used for another of your sessions",
            ));
        }
    }
    let row = AppointmentRow {
        id: uuid::Uuid::now_v7().to_string(),
        referral_id: referral.id.clone(),
        crn: referral.crn.clone(),
        probation_org: referral.probation_org.clone(),
        provider_org: referral.provider_org.clone(),
        kind: new.kind,
        method: new.method,
        location: new.location.map(|l| l.trim().to_string()),
        starts_at: new.starts_at.naive_utc(),
        duration_minutes: new.duration_minutes as i32,
        status: AppointmentStatus::Scheduled,
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
        provider_reference,
    };
    rows::insert(w.conn, &row)?;
    let booked = history(
        w,
        &row,
        AppointmentChange::Booked,
        None,
        Some(RequestedBy::Provider),
        None,
    )?;
    w.emit(event(
        &row,
        DomainEvent::AppointmentBooked,
        format!("{} session booked", row.kind.as_str()),
    ));
    Ok(AppointmentRecord {
        row,
        history: vec![booked],
        overturnable_until: None,
    })
}

/// An appointment the caller's organisation may see.
pub fn get(w: &mut Work, id: AppointmentId) -> Result<AppointmentRecord, ApiError> {
    let row = access::appointment(w, id)?;
    record(w, row)
}

/// Up to `limit` of a referral's appointments by start time, after the cursor
/// `(starts_at, id)`.
pub fn list(
    w: &mut Work,
    referral_id: ReferralId,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<AppointmentRecord>, ApiError> {
    let referral = access::referral(w, referral_id)?;
    let page = rows::page_for_referral(w.conn, &referral.id, after, limit)?;
    records(w, page)
}

/// Only on an active referral, and only a session still scheduled whose attendance is not
/// recorded. Checked before the client's precondition, as the answer does not depend on it.
fn changeable(w: &mut Work, a: &AppointmentRow) -> Result<(), ApiError> {
    let referral = access::referral_in_case(w, &a.referral_id)?;
    let s = referral.status;
    if !s.is_active() {
        return Err(ApiError::invalid_state(
            "the referral is not active",
            s.as_str(),
        ));
    }
    if a.status != AppointmentStatus::Scheduled {
        return Err(ApiError::invalid_state(
            "the appointment was cancelled",
            a.status.as_str(),
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

/// Changes a scheduled session through the change skeleton, `changeable` first.
fn change_scheduled(
    w: &mut Work,
    id: AppointmentId,
    expect: Expect<AppointmentRow>,
    apply: impl FnOnce(&mut Work, &mut AppointmentRow) -> Result<Event, ApiError>,
) -> Result<AppointmentRecord, ApiError> {
    let (row, ()) = change::change(
        w,
        id,
        OrgKind::Provider,
        &|w, a| {
            changeable(w, a)?;
            expect(w, a)
        },
        |w, a| Ok((apply(w, a)?, ())),
    )?;
    record(w, row)
}

/// Moves a session; the history keeps when it was, who asked and why.
pub fn reschedule(
    w: &mut Work,
    id: AppointmentId,
    expect: Expect<AppointmentRow>,
    to: Reschedule,
) -> Result<AppointmentRecord, ApiError> {
    change_scheduled(w, id, expect, |w, a| {
        let before = a.clone();
        if let Some(t) = to.starts_at {
            let referral = access::referral_in_case(w, &a.referral_id)?;
            check_time(w, &referral, t)?;
            a.starts_at = t.naive_utc();
        }
        if let Some(d) = to.duration_minutes {
            a.duration_minutes = d as i32;
        }
        if let Some(m) = to.method {
            a.method = m;
        }
        if let Some(l) = to.location {
            a.location = Some(l.trim().to_string());
        }
        history(
            w,
            a,
            AppointmentChange::Rescheduled,
            Some(&before),
            Some(to.requested_by),
            Some(to.reason.trim().to_string()),
        )?;
        Ok(event(
            a,
            DomainEvent::AppointmentRescheduled,
            "Session rescheduled".into(),
        ))
    })
}

/// Cancels a session; the history keeps who asked and why.
pub fn cancel(w: &mut Work, id: AppointmentId, why: Cancel) -> Result<AppointmentRecord, ApiError> {
    change_scheduled(w, id, &change::unconditional, |w, a| {
        let before = a.clone();
        a.status = AppointmentStatus::Cancelled;
        history(
            w,
            a,
            AppointmentChange::Cancelled,
            Some(&before),
            Some(why.requested_by),
            Some(why.reason.trim().to_string()),
        )?;
        Ok(event(
            a,
            DomainEvent::AppointmentCancelled,
            "Session cancelled".into(),
        ))
    })
}
