//! Attendance (the provider) and the responsible officer's absence decision (probation), and
//! what each calls for: absence decisions, the disengagement pattern, provider concerns,
//! warnings and breach referrals.

use super::appointments::{self, event, history, AppointmentRecord};
use super::change::{self, CaseResource, Expect};
use super::delivery::{case_ref, raise_on_referral};
use super::prompts::{self, Raised};
use super::referrals::apply;
use super::{access, case_rules};
use crate::db::appointments::{self as rows, AppointmentRow, WarningRow};
use crate::db::orders;
use crate::db::prompts::{self as prompt_rows, PromptRow};
use crate::db::referrals as referral_rows;
use crate::domain::appointment::{
    AbsenceDecision, AbsenceVerdict, AppointmentChange, AppointmentStatus, Attendance, Attended,
    NoAttendanceReason,
};
use crate::domain::events::{AbsenceDecided, AppointmentFacts, DomainEvent, WarningIssued};
use crate::domain::ids::AppointmentId;
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::{Action, ReferralStatus};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::rules::attendance::{self as rules, Enforcement, SessionFact};
use crate::rules::working_days::{add_working_days, london_date, HolidayCalendar};
use crate::work::{Event, Work};
use chrono::{DateTime, NaiveDate, Utc};

/// Working days, after the provider recorded an absence as acceptable, in which the officer may
/// overturn that judgement.
pub const OVERTURN_WORKING_DAYS: u32 = 5;

/// The appointment after a change, and what the change raised or recorded.
pub struct Outcome {
    pub appointment: AppointmentRecord,
    /// How many prompts the change raised, for anyone.
    pub prompts_raised_count: usize,
    /// The raised prompts the caller may see.
    pub prompts_raised: Vec<PromptRow>,
    /// The warning an unacceptable absence was recorded as.
    pub warning: Option<WarningRow>,
}

impl Outcome {
    fn new(
        w: &mut Work,
        row: AppointmentRow,
        raised: Raised,
        warning: Option<WarningRow>,
    ) -> Result<Self, ApiError> {
        let prompts_raised_count = raised.new.len();
        let prompts_raised = raised
            .new
            .into_iter()
            .filter(|p| access::prompt_visible_to(p, w.me))
            .collect();
        Ok(Self {
            appointment: appointments::record(w, row)?,
            prompts_raised_count,
            prompts_raised,
            warning,
        })
    }
}

/// An appointment whose attendance is being recorded: the same row, refused to the other side
/// in the words used for attendance.
struct AttendanceOf(AppointmentRow);

impl CaseResource for AttendanceOf {
    type Id = crate::domain::ids::AppointmentId;

    fn load(w: &mut Work, id: Self::Id) -> Result<Self, ApiError> {
        AppointmentRow::load(w, id).map(Self)
    }

    fn save(&self, w: &mut Work) -> Result<(), ApiError> {
        self.0.save(w)
    }

    fn wrong_side(_: OrgKind) -> ApiError {
        ApiError::Forbidden("attendance is recorded by the provider".into())
    }
}

/// Records (or, with a reason, corrects) attendance and raises what it calls for.
pub fn record_attendance(
    w: &mut Work,
    id: AppointmentId,
    expect: Expect<AppointmentRow>,
    attendance: Attendance,
) -> Result<Outcome, ApiError> {
    let (AttendanceOf(row), raised) = change::change(
        w,
        id,
        OrgKind::Provider,
        &|w, a: &AttendanceOf| expect(w, &a.0),
        |w, a| record(w, &mut a.0, attendance),
    )?;
    Outcome::new(w, row, raised, None)
}

fn record(
    w: &mut Work,
    appointment: &mut AppointmentRow,
    attendance: Attendance,
) -> Result<(Event, Raised), ApiError> {
    let mut referral = access::referral_in_case(w, &appointment.referral_id)?;
    let referral_status = referral.status;
    if !referral_status.is_active() {
        return Err(ApiError::invalid_state(
            "attendance is recorded on an accepted referral that has not ended",
            referral_status.as_str(),
        ));
    }
    if appointment.status == AppointmentStatus::Cancelled {
        return Err(ApiError::invalid_state(
            "the appointment was cancelled",
            AppointmentStatus::Cancelled.as_str(),
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
    appointment.attended = Some(attendance.attended);
    appointment.no_attendance_reason = attendance.no_attendance_reason;
    appointment.reason_detail = attendance.reason_detail.clone();
    appointment.engagement = attendance.engagement.clone();
    appointment.behaviour_concern = attendance.behaviour_concern;
    appointment.concern_detail = attendance.concern_detail.clone();
    appointment.notify_responsible_officer = attendance.notify_responsible_officer;
    appointment.attendance_recorded_at = Some(w.now.naive_utc());
    appointment.attendance_recorded_by = Some(w.me.caller.sub.clone());
    history(
        w,
        appointment,
        if correcting {
            AppointmentChange::AttendanceCorrected
        } else {
            AppointmentChange::AttendanceRecorded
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
    if attendance.attended == Attended::No
        && attendance.no_attendance_reason == Some(NoAttendanceReason::PopAcceptable)
    {
        // Deduplicated by appointment: a correction that records the same absence again finds
        // the open prompt and raises nothing new.
        specs.push(rules::accepted_absence_review(
            &case,
            &appointment.id,
            appointment.starts_at.and_utc(),
            attendance.reason_detail.as_deref(),
            OVERTURN_WORKING_DAYS,
        ));
    }
    if attendance.behaviour_concern || attendance.notify_responsible_officer {
        specs.push(rules::provider_notification(
            &case,
            &appointment.id,
            &concern_words(&attendance),
        ));
    }
    if attendance.person_missed()
        && attendance.no_attendance_reason != Some(NoAttendanceReason::PopAcceptable)
    {
        specs.extend(case_rules::missed_session(
            w,
            &referral.crn,
            &appointment.id,
            appointment.starts_at.and_utc(),
            &referral.provider_org,
        )?);
    }
    if attendance.person_missed() {
        let sessions = rows::for_referral(w.conn, &referral.id)?;
        let facts = session_facts(&sessions, appointment, w.now);
        if let Some(pattern) = rules::disengagement(&case, &facts, w.rules.disengagement) {
            specs.push(pattern);
        }
    }
    if correcting {
        // One read of the session's prompts for every prompt the correction makes moot.
        let mut moot = Vec::with_capacity(2);
        if !attendance.needs_absence_decision() {
            moot.push((
                crate::rules::RuleId::AbsenceDecision,
                "attendance was corrected; no absence to decide",
            ));
        }
        if attendance.no_attendance_reason != Some(NoAttendanceReason::PopAcceptable) {
            moot.push((
                crate::rules::RuleId::AcceptedAbsenceReview,
                "attendance was corrected; the provider no longer judges an absence acceptable",
            ));
        }
        close_prompts(w, &appointment.id, &moot)?;
    }
    let raised = raise_on_referral(
        w,
        &referral,
        TriggerKind::Appointment,
        &appointment.id,
        specs,
    )?;
    let (make, what): (fn(AppointmentFacts) -> DomainEvent, _) = if attendance.attended.attended() {
        (DomainEvent::AppointmentAttended, "attended")
    } else {
        (DomainEvent::AppointmentMissed, "missed")
    };
    let description = format!(
        "Session {what}{}",
        if correcting { " (corrected)" } else { "" }
    );
    Ok((event(appointment, make, description), raised))
}

/// What the provider said about a concern, in its own words.
fn concern_words(attendance: &Attendance) -> String {
    let words: Vec<&str> = [
        attendance.concern_detail.as_deref(),
        attendance.engagement.as_deref(),
        attendance.reason_detail.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect();
    if words.is_empty() {
        "(no detail given)".to_string()
    } else {
        words.join(" / ")
    }
}

/// Past, non-cancelled sessions of a referral with recorded attendance, oldest first, with
/// `current` as it is being changed (not yet saved) in place of its stored row. A session lost
/// to the provider's logistics is not the person's.
fn session_facts(
    sessions: &[AppointmentRow],
    current: &AppointmentRow,
    now: DateTime<Utc>,
) -> Vec<SessionFact> {
    sessions
        .iter()
        .map(|a| if a.id == current.id { current } else { a })
        .filter(|a| a.status != AppointmentStatus::Cancelled && a.starts_at.and_utc() <= now)
        .filter_map(|a| {
            let missed = a.attended? == Attended::No;
            let logistics = a.no_attendance_reason == Some(NoAttendanceReason::Logistics);
            (!(missed && logistics)).then(|| SessionFact {
                appointment_id: a.id.clone(),
                starts_at: a.starts_at.and_utc(),
                missed,
            })
        })
        .collect()
}

/// Closes (as done) the open prompts raised on the appointment whose rule is listed, each with
/// its rule's note; reads the appointment's prompts once, and not at all for an empty list.
fn close_prompts(
    w: &mut Work,
    appointment_id: &str,
    rules_to_close: &[(crate::rules::RuleId, &str)],
) -> Result<(), ApiError> {
    if rules_to_close.is_empty() {
        return Ok(());
    }
    for p in prompt_rows::triggered_by(w.conn, appointment_id)? {
        if p.status != crate::domain::prompt::PromptStatus::Open {
            continue;
        }
        if let Some(&(_, note)) = rules_to_close.iter().find(|(rule, _)| *rule == p.rule) {
            prompts::resolve_as_done(w, p, note.to_string())?;
        }
    }
    Ok(())
}

/// The last London day on which the officer may overturn an absence the provider judged
/// acceptable: the [`OVERTURN_WORKING_DAYS`]th working day after attendance was recorded.
fn overturn_last_day(appointment: &AppointmentRow, calendar: &HolidayCalendar) -> NaiveDate {
    let recorded = appointment
        .attendance_recorded_at
        .map(|t| london_date(t.and_utc()))
        .unwrap_or_else(|| london_date(appointment.starts_at.and_utc()));
    add_working_days(recorded, OVERTURN_WORKING_DAYS, calendar)
}

/// Until when the officer may overturn the provider's judgement that the absence was acceptable:
/// only for a `POP_ACCEPTABLE` absence the officer has not yet decided.
pub fn overturnable_until(
    appointment: &AppointmentRow,
    calendar: &HolidayCalendar,
) -> Option<NaiveDate> {
    (appointment.attended == Some(Attended::No)
        && appointment.no_attendance_reason == Some(NoAttendanceReason::PopAcceptable)
        && appointment.absence_decided_at.is_none())
    .then(|| overturn_last_day(appointment, calendar))
}

/// What an absence decision led to, as the `rarlink.absence.decided` event names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AbsenceOutcome {
    Acceptable,
    UnacceptableWarning,
    UnacceptableBreach,
}

impl AbsenceOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Acceptable => "ACCEPTABLE",
            Self::UnacceptableWarning => "UNACCEPTABLE_WARNING",
            Self::UnacceptableBreach => "UNACCEPTABLE_BREACH",
        }
    }
}

/// Records the officer's decision on an absence: acceptable, or unacceptable → a warning, or a
/// mandatory breach-referral prompt if a warning was given in the previous 12 months.
pub fn decide_absence(
    w: &mut Work,
    id: AppointmentId,
    expect: Expect<AppointmentRow>,
    decision: AbsenceDecision,
) -> Result<Outcome, ApiError> {
    let (row, (raised, warning)) = change::change(w, id, OrgKind::Probation, expect, |w, a| {
        decide(w, a, decision)
    })?;
    Outcome::new(w, row, raised, warning)
}

fn decide(
    w: &mut Work,
    appointment: &mut AppointmentRow,
    decision: AbsenceDecision,
) -> Result<(Event, (Raised, Option<WarningRow>)), ApiError> {
    if appointment.attended != Some(Attended::No) {
        return Err(ApiError::invalid_state(
            "only a session the person did not attend needs an absence decision",
            appointment
                .attended
                .map_or("NOT_RECORDED", Attended::as_str),
        ));
    }
    if appointment.absence_decided_at.is_some() {
        return Err(ApiError::conflict("the absence has already been decided"));
    }
    if appointment.no_attendance_reason == Some(NoAttendanceReason::Logistics) {
        return Err(ApiError::invalid_state(
            "the session did not happen for the provider's reasons (LOGISTICS); there is no absence to decide",
            NoAttendanceReason::Logistics.as_str(),
        ));
    }
    let referral = access::referral_in_case(w, &appointment.referral_id)?;
    let verdict = decision.verdict();
    let acceptable = verdict == AbsenceVerdict::Acceptable;
    if appointment.no_attendance_reason == Some(NoAttendanceReason::PopAcceptable) && !acceptable {
        // The provider judged the absence acceptable: the officer may overturn that within a
        // window, so a decision cannot hang over the person indefinitely.
        let last_day = overturn_last_day(appointment, &w.rules.calendar);
        if london_date(w.now) > last_day {
            return Err(ApiError::conflict(format!(
                "the provider judged this absence acceptable; it could be overturned until {last_day} ({OVERTURN_WORKING_DAYS} working days after attendance was recorded)"
            )));
        }
    }
    let note = decision.note.trim().to_string();
    let before = appointment.clone();
    appointment.absence_acceptable = Some(acceptable);
    appointment.absence_note = Some(note.clone());
    appointment.absence_decided_at = Some(w.now.naive_utc());
    appointment.absence_decided_by = Some(w.me.caller.sub.clone());
    history(
        w,
        appointment,
        AppointmentChange::AbsenceDecided,
        Some(&before),
        None,
        Some(note.clone()),
    )?;
    let decided = "the responsible officer decided the absence";
    close_prompts(
        w,
        &appointment.id,
        &[
            (crate::rules::RuleId::AbsenceDecision, decided),
            (crate::rules::RuleId::AcceptedAbsenceReview, decided),
        ],
    )?;

    let mut warning = None;
    let mut raised = Raised::default();
    let mut outcome = AbsenceOutcome::Acceptable;
    if !acceptable {
        let failure_at = appointment.starts_at.and_utc();
        // Warnings count per order (Sch. 10 para 6: a warning under that order).
        let previous: Vec<_> = rows::warnings_for(w.conn, &appointment.crn)?
            .into_iter()
            .filter(|w| w.order_id == referral.order_id)
            .map(|w| w.issued_at.and_utc())
            .collect();
        let enforcement = match verdict {
            AbsenceVerdict::Breach => None,
            _ => Some(rules::enforcement(failure_at, &previous)),
        };
        match enforcement {
            None => {
                let order = orders::get(w.conn, &referral.order_id)?;
                let spec = rules::breach_without_warning(
                    &case_ref(&referral, &order),
                    &appointment.id,
                    failure_at,
                    &note,
                );
                raised = raise_on_referral(
                    w,
                    &referral,
                    TriggerKind::Appointment,
                    &appointment.id,
                    vec![spec],
                )?;
                outcome = AbsenceOutcome::UnacceptableBreach;
            }
            Some(Enforcement::Warning) => {
                let row = WarningRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    crn: appointment.crn.clone(),
                    order_id: referral.order_id.clone(),
                    appointment_id: appointment.id.clone(),
                    issued_at: w.now.naive_utc(),
                    issued_by: w.me.caller.sub.clone(),
                    note: note.clone(),
                };
                rows::insert_warning(w.conn, &row)?;
                w.emit(Event {
                    payload: DomainEvent::WarningIssued(WarningIssued {
                        warning_id: row.id.clone(),
                        appointment_id: appointment.id.clone(),
                    }),
                    description: "Warning recorded for an unacceptable absence".into(),
                    detail_path: format!("/api/v1/appointments/{}", appointment.id),
                    crn: Some(appointment.crn.clone()),
                    org: appointment.probation_org.clone(),
                    provider_org: None,
                });
                warning = Some(row);
                outcome = AbsenceOutcome::UnacceptableWarning;
            }
            Some(Enforcement::BreachReferral { warning_at }) => {
                let order = orders::get(w.conn, &referral.order_id)?;
                let spec = rules::breach_referral(
                    &case_ref(&referral, &order),
                    &appointment.id,
                    failure_at,
                    warning_at,
                );
                raised = raise_on_referral(
                    w,
                    &referral,
                    TriggerKind::Appointment,
                    &appointment.id,
                    vec![spec],
                )?;
                outcome = AbsenceOutcome::UnacceptableBreach;
            }
        }
    }
    let decided = Event {
        payload: DomainEvent::AbsenceDecided(AbsenceDecided {
            appointment_id: appointment.id.clone(),
            acceptable,
            outcome: outcome.as_str().to_string(),
        }),
        description: format!("Absence decided: {}", outcome.as_str()),
        detail_path: format!("/api/v1/appointments/{}", appointment.id),
        crn: Some(appointment.crn.clone()),
        org: appointment.probation_org.clone(),
        provider_org: None,
    };
    Ok((decided, (raised, warning)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::appointment::{AppointmentKind, Method};
    use chrono::TimeZone;

    fn session(id: &str, day: u32, attended: Option<Attended>) -> AppointmentRow {
        AppointmentRow {
            id: id.into(),
            referral_id: "r".into(),
            crn: "X123456".into(),
            probation_org: "PDU".into(),
            provider_org: "MIND".into(),
            kind: AppointmentKind::Delivery,
            method: Method::Phone,
            location: None,
            starts_at: Utc
                .with_ymd_and_hms(2026, 3, day, 10, 0, 0)
                .unwrap()
                .naive_utc(),
            duration_minutes: 60,
            status: AppointmentStatus::Scheduled,
            created_at: Utc
                .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
                .unwrap()
                .naive_utc(),
            created_by: "w".into(),
            attended,
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
            provider_reference: None,
        }
    }

    #[test]
    fn the_session_being_recorded_counts_as_changed_and_others_as_stored() {
        let now = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
        let mut cancelled = session("c", 3, Some(Attended::No));
        cancelled.status = AppointmentStatus::Cancelled;
        let mut logistics = session("l", 4, Some(Attended::No));
        logistics.no_attendance_reason = Some(NoAttendanceReason::Logistics);
        let stored = vec![
            session("a", 2, Some(Attended::Yes)),
            cancelled,
            logistics,
            session("n", 5, None),
            session("m", 6, None),
            session("future", 25, Some(Attended::No)),
        ];
        let current = session("m", 6, Some(Attended::No));
        let facts: Vec<(String, bool)> = session_facts(&stored, &current, now)
            .into_iter()
            .map(|f| (f.appointment_id, f.missed))
            .collect();
        assert_eq!(facts, vec![("a".into(), false), ("m".into(), true)]);
    }
}
