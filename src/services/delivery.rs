//! Delivery use cases: RAR days delivered, recording attendance and what it triggers (absence
//! decisions, the disengagement pattern, provider concerns), and the officer's absence decision.

use super::access;
use super::prompts::{self, Origin, Raised};
use super::referrals::apply;
use crate::db::appointments::{self as rows, AppointmentRow, HistoryRow, WarningRow};
use crate::db::orders::{self, OrderRow};
use crate::db::prompts as prompt_rows;
use crate::db::referrals::{self as referral_rows, ReferralRow};
use crate::db::{to_json, DbConnection};
use crate::domain::appointment::{enum_str, Attendance};
use crate::domain::events::EventType;
use crate::domain::prompt::{PromptStatus, TriggerKind};
use crate::domain::referral::{Action, ReferralStatus};
use crate::error::ApiError;
use crate::rules::attendance::{self as rules, CaseRef, Enforcement, SessionFact};
use crate::rules::prompt::PromptSpec;
use crate::rules::working_days::london_date;
use crate::rules::RuleId;
use crate::work::{Event, Work};
use std::collections::BTreeSet;

/// RAR days delivered by a referral: distinct London dates with an attended delivery session,
/// never more than the referral's days.
pub fn delivered_days(conn: &mut DbConnection, referral: &ReferralRow) -> Result<u32, ApiError> {
    let dates: BTreeSet<_> = rows::attended_delivery_starts(conn, &referral.id)?
        .into_iter()
        .map(|t| london_date(t.and_utc()))
        .collect();
    let cap = referral.rar_days.unwrap_or(0).max(0) as u32;
    Ok((dates.len() as u32).min(cap))
}

/// RAR days delivered under an order: distinct London dates with an attended delivery session
/// across all its referrals (two providers on the same date make one day), never above the maximum.
pub fn order_delivered_days(
    conn: &mut DbConnection,
    order: &OrderRow,
    referrals: &[ReferralRow],
) -> Result<u32, ApiError> {
    let mut dates = BTreeSet::new();
    for r in referrals {
        for t in rows::attended_delivery_starts(conn, &r.id)? {
            dates.insert(london_date(t.and_utc()));
        }
    }
    Ok((dates.len() as u32).min(order.rar_max_days.max(0) as u32))
}

fn case_ref<'a>(referral: &'a ReferralRow, order: &'a OrderRow) -> CaseRef<'a> {
    CaseRef {
        crn: &referral.crn,
        referral_id: &referral.id,
        provider_org: &referral.provider_org,
        responsible_officer: Some(&order.responsible_officer),
    }
}

/// Raises officer prompts about an appointment.
pub fn raise_for_appointment(
    w: &mut Work,
    referral: &ReferralRow,
    appointment_id: &str,
    specs: Vec<PromptSpec>,
) -> Result<Raised, ApiError> {
    let origin = Origin {
        crn: &referral.crn,
        probation_org: &referral.probation_org,
        provider_org: Some(&referral.provider_org),
        order_id: Some(&referral.order_id),
        referral_id: Some(&referral.id),
        kind: TriggerKind::Appointment,
        id: appointment_id,
    };
    prompts::raise(w, specs, &origin)
}

pub fn history(
    w: &mut Work,
    appointment: &AppointmentRow,
    change: &str,
    before: Option<&AppointmentRow>,
    requested_by: Option<String>,
    reason: Option<String>,
) -> Result<(), ApiError> {
    rows::insert_history(
        w.conn,
        &HistoryRow {
            id: uuid::Uuid::now_v7().to_string(),
            appointment_id: appointment.id.clone(),
            change: change.to_string(),
            at: w.now.naive_utc(),
            by_sub: w.me.caller.sub.clone(),
            requested_by,
            reason,
            before: before.map(to_json).transpose()?,
            after: to_json(appointment)?,
        },
    )?;
    Ok(())
}

pub fn appointment_event(
    w: &mut Work,
    a: &AppointmentRow,
    event_type: EventType,
    description: String,
) {
    w.emit(Event {
        event_type,
        description,
        detail_path: format!("/api/v1/appointments/{}", a.id),
        additional_information: serde_json::json!({
            "appointmentId": a.id,
            "referralId": a.referral_id,
            "kind": a.kind,
            "startsAt": a.starts_at.and_utc(),
            "attended": a.attended,
            "noAttendanceReason": a.no_attendance_reason,
        }),
        crn: Some(a.crn.clone()),
        org: a.probation_org.clone(),
        provider_org: Some(a.provider_org.clone()),
    });
}

/// Records (or, with a reason, corrects) attendance and raises what it calls for.
pub fn record_attendance(
    w: &mut Work,
    mut appointment: AppointmentRow,
    attendance: Attendance,
) -> Result<(AppointmentRow, Raised), ApiError> {
    let mut referral = access::referral_in_case(w, &appointment.referral_id)?;
    let referral_status = referral.status;
    if !referral_status.is_active() {
        return Err(ApiError::invalid_state(
            "attendance is recorded on an accepted referral that has not ended",
            referral_status.as_str(),
        ));
    }
    if appointment.status == rows::CANCELLED {
        return Err(ApiError::invalid_state(
            "the appointment was cancelled",
            rows::CANCELLED,
        ));
    }
    if appointment.starts_at.and_utc() > w.now {
        return Err(ApiError::field(
            "attended",
            "not_started",
            format!(
                "the session starts at {}; attendance can be recorded once it has started",
                appointment.starts_at.and_utc()
            ),
        ));
    }
    let correcting = appointment.attended.is_some();
    if correcting
        && attendance
            .correction_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        return Err(ApiError::conflict(
            "attendance is already recorded for this session; to correct it, send correctionReason",
        ));
    }
    if correcting && appointment.absence_decided_at.is_some() {
        return Err(ApiError::conflict(
            "the responsible officer has already decided on this absence; ask them before correcting attendance",
        ));
    }
    let before = appointment.clone();
    appointment.attended = Some(enum_str(&attendance.attended));
    appointment.no_attendance_reason = attendance.no_attendance_reason.map(|r| enum_str(&r));
    appointment.reason_detail = attendance.reason_detail.clone();
    appointment.engagement = attendance.engagement.clone();
    appointment.behaviour_concern = attendance.behaviour_concern;
    appointment.concern_detail = attendance.concern_detail.clone();
    appointment.notify_responsible_officer = attendance.notify_responsible_officer;
    appointment.attendance_recorded_at = Some(w.now.naive_utc());
    appointment.attendance_recorded_by = Some(w.me.caller.sub.clone());
    rows::save(w.conn, &appointment)?;
    history(
        w,
        &appointment,
        if correcting {
            "ATTENDANCE_CORRECTED"
        } else {
            "ATTENDANCE_RECORDED"
        },
        correcting.then_some(&before),
        None,
        attendance.correction_reason.clone(),
    )?;
    if attendance.attended.attended() && referral_status == ReferralStatus::Accepted {
        apply(&mut referral, Action::StartDelivery)?;
        referral.updated_at = w.now.naive_utc();
        referral_rows::save(w.conn, &referral)?;
    }

    let order = orders::get(w.conn, &referral.order_id)?;
    let case = case_ref(&referral, &order);
    let mut specs = Vec::new();
    if attendance.needs_absence_decision() {
        specs.push(rules::absence_decision(
            &case,
            &appointment.id,
            appointment.starts_at.and_utc(),
            attendance.reason_detail.as_deref(),
        ));
    }
    if attendance.behaviour_concern || attendance.notify_responsible_officer {
        let words: Vec<&str> = [
            attendance.concern_detail.as_deref(),
            attendance.engagement.as_deref(),
            attendance.reason_detail.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect();
        let words = if words.is_empty() {
            "(no detail given)".to_string()
        } else {
            words.join(" / ")
        };
        specs.push(rules::provider_notification(&case, &appointment.id, &words));
    }
    if attendance.person_missed() {
        let sessions = session_facts(w.conn, &referral.id, w.now)?;
        if let Some(pattern) = rules::disengagement(&case, &sessions, w.rules.disengagement) {
            specs.push(pattern);
        }
    }
    if correcting && !attendance.needs_absence_decision() {
        close_absence_prompt(
            w,
            &appointment.id,
            "attendance was corrected; no absence to decide",
        )?;
    }
    let raised = raise_for_appointment(w, &referral, &appointment.id, specs)?;
    let (event, what) = if attendance.attended.attended() {
        (EventType::AppointmentAttended, "attended")
    } else {
        (EventType::AppointmentMissed, "missed")
    };
    appointment_event(
        w,
        &appointment,
        event,
        format!(
            "Session {what}{}",
            if correcting { " (corrected)" } else { "" }
        ),
    );
    Ok((appointment, raised))
}

/// Past, non-cancelled sessions of a referral with recorded attendance, oldest first.
fn session_facts(
    conn: &mut DbConnection,
    referral_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<SessionFact>, ApiError> {
    Ok(rows::for_referral(conn, referral_id)?
        .into_iter()
        .filter(|a| a.status != rows::CANCELLED && a.starts_at.and_utc() <= now)
        .filter_map(|a| {
            let attended = a.attended.as_deref()?;
            let logistics = a.no_attendance_reason.as_deref() == Some("LOGISTICS");
            (!(attended == "NO" && logistics)).then(|| SessionFact {
                appointment_id: a.id,
                starts_at: a.starts_at.and_utc(),
                missed: attended == "NO",
            })
        })
        .collect())
}

fn close_absence_prompt(w: &mut Work, appointment_id: &str, note: &str) -> Result<(), ApiError> {
    for p in prompt_rows::triggered_by(w.conn, appointment_id)? {
        if p.rule == RuleId::AbsenceDecision && p.status == PromptStatus::Open {
            prompts::resolve_as_done(w, p, note.to_string())?;
        }
    }
    Ok(())
}

/// What the officer's decision on an absence led to.
pub struct Decision {
    pub appointment: AppointmentRow,
    pub warning: Option<WarningRow>,
    pub raised: Raised,
}

/// Records the officer's decision on an absence: acceptable, or unacceptable → a warning, or a
/// mandatory breach-referral prompt if a warning was given in the previous 12 months.
pub fn decide_absence(
    w: &mut Work,
    mut appointment: AppointmentRow,
    acceptable: bool,
    note: String,
) -> Result<Decision, ApiError> {
    if appointment.attended.as_deref() != Some("NO") {
        return Err(ApiError::invalid_state(
            "only a session the person did not attend needs an absence decision",
            appointment
                .attended
                .clone()
                .unwrap_or_else(|| "NOT_RECORDED".into()),
        ));
    }
    if appointment.absence_decided_at.is_some() {
        return Err(ApiError::conflict("the absence has already been decided"));
    }
    if appointment.no_attendance_reason.as_deref() == Some("LOGISTICS") {
        return Err(ApiError::invalid_state(
            "the session did not happen for the provider's reasons (LOGISTICS); there is no absence to decide",
            "LOGISTICS",
        ));
    }
    let referral = access::referral_in_case(w, &appointment.referral_id)?;
    let before = appointment.clone();
    appointment.absence_acceptable = Some(acceptable);
    appointment.absence_note = Some(note.trim().to_string());
    appointment.absence_decided_at = Some(w.now.naive_utc());
    appointment.absence_decided_by = Some(w.me.caller.sub.clone());
    rows::save(w.conn, &appointment)?;
    history(
        w,
        &appointment,
        "ABSENCE_DECIDED",
        Some(&before),
        None,
        Some(note.trim().to_string()),
    )?;
    close_absence_prompt(
        w,
        &appointment.id,
        "the responsible officer decided the absence",
    )?;

    let mut warning = None;
    let mut raised = Raised::default();
    let mut outcome = "ACCEPTABLE";
    if !acceptable {
        let failure_at = appointment.starts_at.and_utc();
        let previous: Vec<_> = rows::warnings_for(w.conn, &appointment.crn)?
            .into_iter()
            .map(|w| w.issued_at.and_utc())
            .collect();
        match rules::enforcement(failure_at, &previous) {
            Enforcement::Warning => {
                let row = WarningRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    crn: appointment.crn.clone(),
                    order_id: referral.order_id.clone(),
                    appointment_id: appointment.id.clone(),
                    issued_at: w.now.naive_utc(),
                    issued_by: w.me.caller.sub.clone(),
                    note: note.trim().to_string(),
                };
                rows::insert_warning(w.conn, &row)?;
                w.emit(Event {
                    event_type: EventType::WarningIssued,
                    description: "Warning recorded for an unacceptable absence".into(),
                    detail_path: format!("/api/v1/appointments/{}", appointment.id),
                    additional_information: serde_json::json!({"warningId": row.id, "appointmentId": appointment.id}),
                    crn: Some(appointment.crn.clone()),
                    org: appointment.probation_org.clone(),
                    provider_org: None,
                });
                warning = Some(row);
                outcome = "UNACCEPTABLE_WARNING";
            }
            Enforcement::BreachReferral { warning_at } => {
                let order = orders::get(w.conn, &referral.order_id)?;
                let spec = rules::breach_referral(
                    &case_ref(&referral, &order),
                    &appointment.id,
                    failure_at,
                    warning_at,
                );
                raised = raise_for_appointment(w, &referral, &appointment.id, vec![spec])?;
                outcome = "UNACCEPTABLE_BREACH";
            }
        }
    }
    w.emit(Event {
        event_type: EventType::AbsenceDecided,
        description: format!("Absence decided: {outcome}"),
        detail_path: format!("/api/v1/appointments/{}", appointment.id),
        additional_information: serde_json::json!({"appointmentId": appointment.id, "acceptable": acceptable, "outcome": outcome}),
        crn: Some(appointment.crn.clone()),
        org: appointment.probation_org.clone(),
        provider_org: None,
    });
    Ok(Decision {
        appointment,
        warning,
        raised,
    })
}
