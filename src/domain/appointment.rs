//! Appointments (assessment and delivery sessions), attendance and absence decisions: the
//! vocabulary stored with them and the bodies of the requests that change them.

use super::validate::Errors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    /// Whether a session still stands.
    pub enum AppointmentStatus {
        Scheduled = "SCHEDULED",
        Cancelled = "CANCELLED",
    }
}

crate::text_enum! {
    pub enum AppointmentKind {
        /// Does not count as a RAR day.
        Assessment = "ASSESSMENT",
        /// Counts as a RAR day when attended.
        Delivery = "DELIVERY",
    }
}

crate::text_enum! {
    pub enum Method {
        InPerson = "IN_PERSON",
        Phone = "PHONE",
        Video = "VIDEO",
    }
}

crate::text_enum! {
    pub enum Attended {
        Yes = "YES",
        Late = "LATE",
        No = "NO",
    }
}

impl Attended {
    pub fn attended(self) -> bool {
        matches!(self, Self::Yes | Self::Late)
    }
}

crate::text_enum! {
    /// Why a session did not happen.
    pub enum NoAttendanceReason {
        /// The person had an acceptable reason (in the provider's view; the RO decides finally).
        PopAcceptable = "POP_ACCEPTABLE",
        /// The person had no acceptable reason.
        PopUnacceptable = "POP_UNACCEPTABLE",
        /// The provider's side: staff illness, room, technology.
        Logistics = "LOGISTICS",
    }
}

crate::text_enum! {
    /// Who asked for a change to an appointment.
    pub enum RequestedBy {
        PersonOnProbation = "PERSON_ON_PROBATION",
        Provider = "PROVIDER",
        Probation = "PROBATION",
    }
}

/// What an entry of an appointment's history records. The history column stays text: tools
/// outside the service (the benchmark floor) write entries of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentChange {
    Booked,
    Rescheduled,
    Cancelled,
    AttendanceRecorded,
    AttendanceCorrected,
    AbsenceDecided,
}

impl AppointmentChange {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "BOOKED",
            Self::Rescheduled => "RESCHEDULED",
            Self::Cancelled => "CANCELLED",
            Self::AttendanceRecorded => "ATTENDANCE_RECORDED",
            Self::AttendanceCorrected => "ATTENDANCE_CORRECTED",
            Self::AbsenceDecided => "ABSENCE_DECIDED",
        }
    }
}

/// Body of `POST /referrals/{id}/appointments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAppointment {
    pub starts_at: DateTime<Utc>,
    #[schema(minimum = 5, maximum = 480, example = 60)]
    pub duration_minutes: u32,
    pub kind: AppointmentKind,
    pub method: Method,
    #[serde(default)]
    pub location: Option<String>,
    /// The provider's own id for the session (its case-management system's), unique per provider.
    #[serde(default)]
    #[schema(example = "MIND-S-0099")]
    pub provider_reference: Option<String>,
}

impl NewAppointment {
    pub fn validate(&self) -> Errors {
        let mut e = Errors::default();
        e.plausible_time("startsAt", self.starts_at);
        if !(5..=480).contains(&self.duration_minutes) {
            e.add(
                "durationMinutes",
                "out_of_range",
                "a session lasts 5 to 480 minutes",
            );
        }
        e.optional_text("location", self.location.as_deref(), 500);
        e.optional_text("providerReference", self.provider_reference.as_deref(), 100);
        e
    }
}

/// Body of `PATCH /appointments/{id}`.
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

impl Reschedule {
    pub fn validate(&self) -> Errors {
        let mut e = Errors::default();
        if let Some(t) = self.starts_at {
            e.plausible_time("startsAt", t);
        }
        e.text("reason", &self.reason, 2000);
        e.optional_text("location", self.location.as_deref(), 500);
        if self
            .duration_minutes
            .is_some_and(|d| !(5..=480).contains(&d))
        {
            e.add(
                "durationMinutes",
                "out_of_range",
                "a session lasts 5 to 480 minutes",
            );
        }
        e
    }
}

/// Body of `POST /appointments/{id}/cancel`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cancel {
    pub reason: String,
    pub requested_by: RequestedBy,
}

impl Cancel {
    pub fn validate(&self) -> Errors {
        let mut e = Errors::default();
        e.text("reason", &self.reason, 2000);
        e
    }
}

crate::text_enum! {
    /// What the responsible officer decided about an absence.
    pub enum AbsenceVerdict {
        /// The person had a reasonable excuse.
        Acceptable = "ACCEPTABLE",
        /// No reasonable excuse: a warning, or a breach referral when a warning was given under
        /// the same order in the previous 12 months.
        Unacceptable = "UNACCEPTABLE",
        /// No reasonable excuse, and straight to a breach referral without a prior warning.
        Breach = "BREACH",
    }
}

/// Body of `POST /appointments/{id}/absence-decision`: `decision`, or (as before) `acceptable`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AbsenceDecision {
    /// What the officer decided; `BREACH` refers for breach without a prior warning.
    #[serde(default)]
    pub decision: Option<AbsenceVerdict>,
    /// Whether the person had a reasonable excuse (the same as `decision` `ACCEPTABLE` or
    /// `UNACCEPTABLE`); when both are sent they must agree.
    #[serde(default)]
    pub acceptable: Option<bool>,
    /// The reasons for the decision. Required.
    pub note: String,
}

impl AbsenceDecision {
    pub fn validate(&self) -> Errors {
        let mut e = Errors::default();
        e.text("note", &self.note, 4000);
        match (self.decision, self.acceptable) {
            (None, None) => e.add(
                "decision",
                "required",
                "send decision (ACCEPTABLE, UNACCEPTABLE or BREACH) or acceptable",
            ),
            (Some(AbsenceVerdict::Acceptable), Some(false))
            | (Some(AbsenceVerdict::Unacceptable | AbsenceVerdict::Breach), Some(true)) => e.add(
                "acceptable",
                "contradicts",
                "acceptable contradicts decision; send one of them",
            ),
            _ => {}
        }
        e
    }

    /// The decision (call after [`Self::validate`]).
    pub fn verdict(&self) -> AbsenceVerdict {
        match (self.decision, self.acceptable) {
            (Some(v), _) => v,
            (None, Some(true)) => AbsenceVerdict::Acceptable,
            _ => AbsenceVerdict::Unacceptable,
        }
    }
}

/// Body of `PUT /appointments/{id}/attendance`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Attendance {
    pub attended: Attended,
    /// Required when `attended` is `NO`.
    #[serde(default)]
    pub no_attendance_reason: Option<NoAttendanceReason>,
    #[serde(default)]
    pub reason_detail: Option<String>,
    /// How the person engaged, in the worker's words.
    #[serde(default)]
    pub engagement: Option<String>,
    #[serde(default)]
    pub behaviour_concern: bool,
    #[serde(default)]
    pub concern_detail: Option<String>,
    #[serde(default)]
    pub notify_responsible_officer: bool,
    /// Required to change attendance already recorded: why the record is being corrected.
    #[serde(default)]
    pub correction_reason: Option<String>,
}

impl Attendance {
    pub fn validate(&self) -> Errors {
        let mut e = Errors::default();
        match (self.attended, self.no_attendance_reason) {
            (Attended::No, None) => e.add(
                "noAttendanceReason",
                "required",
                "say why the session did not happen: POP_ACCEPTABLE, POP_UNACCEPTABLE or LOGISTICS",
            ),
            (Attended::Yes | Attended::Late, Some(_)) => e.add(
                "noAttendanceReason",
                "invalid",
                "noAttendanceReason is only for a session that did not happen",
            ),
            _ => {}
        }
        if self.behaviour_concern
            && self
                .concern_detail
                .as_deref()
                .is_none_or(|d| d.trim().is_empty())
        {
            e.add(
                "concernDetail",
                "required",
                "describe the behaviour concern",
            );
        }
        e.optional_text("reasonDetail", self.reason_detail.as_deref(), 4000);
        e.optional_text("engagement", self.engagement.as_deref(), 4000);
        e.optional_text("concernDetail", self.concern_detail.as_deref(), 4000);
        e.optional_text("correctionReason", self.correction_reason.as_deref(), 2000);
        e
    }

    /// A failure the responsible officer must judge: the person did not attend and the
    /// provider did not already judge it acceptable (logistics are the provider's side).
    pub fn needs_absence_decision(&self) -> bool {
        self.attended == Attended::No
            && self.no_attendance_reason == Some(NoAttendanceReason::PopUnacceptable)
    }

    /// The person missed the session (whatever the reason), as opposed to the provider cancelling.
    pub fn person_missed(&self) -> bool {
        self.attended == Attended::No
            && self.no_attendance_reason != Some(NoAttendanceReason::Logistics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attendance(attended: Attended, reason: Option<NoAttendanceReason>) -> Attendance {
        Attendance {
            attended,
            no_attendance_reason: reason,
            reason_detail: None,
            engagement: None,
            behaviour_concern: false,
            concern_detail: None,
            notify_responsible_officer: false,
            correction_reason: None,
        }
    }

    #[test]
    fn every_stored_name_is_its_json_name_and_parses_back() {
        fn check<T: Copy + Serialize + PartialEq + std::fmt::Debug>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for &v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), as_str(v), "{v:?}");
                assert_eq!(parse(as_str(v)), Some(v));
            }
        }
        check(
            AppointmentStatus::ALL,
            AppointmentStatus::as_str,
            AppointmentStatus::parse,
        );
        check(
            AppointmentKind::ALL,
            AppointmentKind::as_str,
            AppointmentKind::parse,
        );
        check(Method::ALL, Method::as_str, Method::parse);
        check(Attended::ALL, Attended::as_str, Attended::parse);
        check(
            NoAttendanceReason::ALL,
            NoAttendanceReason::as_str,
            NoAttendanceReason::parse,
        );
        check(RequestedBy::ALL, RequestedBy::as_str, RequestedBy::parse);
        assert_eq!(Attended::parse("yes"), None);
    }

    #[test]
    fn a_missed_session_needs_a_reason() {
        assert!(!attendance(Attended::No, None).validate().is_empty());
        assert!(
            attendance(Attended::No, Some(NoAttendanceReason::Logistics))
                .validate()
                .is_empty()
        );
        assert!(
            !attendance(Attended::Yes, Some(NoAttendanceReason::Logistics))
                .validate()
                .is_empty()
        );
    }

    #[test]
    fn only_an_unacceptable_absence_goes_to_the_officer_for_a_decision() {
        use NoAttendanceReason::*;
        assert!(attendance(Attended::No, Some(PopUnacceptable)).needs_absence_decision());
        assert!(!attendance(Attended::No, Some(PopAcceptable)).needs_absence_decision());
        assert!(!attendance(Attended::No, Some(Logistics)).needs_absence_decision());
        assert!(!attendance(Attended::Late, None).needs_absence_decision());
    }

    #[test]
    fn a_logistics_cancellation_is_not_a_miss_by_the_person() {
        use NoAttendanceReason::*;
        assert!(attendance(Attended::No, Some(PopAcceptable)).person_missed());
        assert!(!attendance(Attended::No, Some(Logistics)).person_missed());
    }
}
