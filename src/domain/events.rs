//! The event types rarlink publishes: the one list the feed, webhook subscriptions, the
//! OpenAPI document and `docs/api-conventions.md` are checked against.

use serde::{Deserialize, Serialize};

/// What happened, as `rarlink.<resource>.<past-tense-verb>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// An organisation was registered.
    #[serde(rename = "rarlink.organisation.created")]
    OrganisationCreated,
    /// A person's details were recorded or changed.
    #[serde(rename = "rarlink.person.upserted")]
    PersonUpserted,
    /// A risk of serious harm assessment was recorded.
    #[serde(rename = "rarlink.risk.assessed")]
    RiskAssessed,
    /// A household member was recorded.
    #[serde(rename = "rarlink.household-member.added")]
    HouseholdMemberAdded,
    /// A household member's record changed.
    #[serde(rename = "rarlink.household-member.updated")]
    HouseholdMemberUpdated,
    /// The person declared who they live with or are in a relationship with.
    #[serde(rename = "rarlink.household-declaration.recorded")]
    HouseholdDeclarationRecorded,
    /// A community or suspended sentence order was recorded.
    #[serde(rename = "rarlink.order.created")]
    OrderCreated,
    /// An order was terminated after its review was signed off.
    #[serde(rename = "rarlink.order.terminated")]
    OrderTerminated,
    /// Probation drafted a referral.
    #[serde(rename = "rarlink.referral.created")]
    ReferralCreated,
    /// Probation changed a draft referral.
    #[serde(rename = "rarlink.referral.updated")]
    ReferralUpdated,
    /// Probation sent a referral with its shared context to a provider.
    #[serde(rename = "rarlink.referral.sent")]
    ReferralSent,
    /// The provider accepted a referral, having read the risk information.
    #[serde(rename = "rarlink.referral.accepted")]
    ReferralAccepted,
    /// The provider declined a referral.
    #[serde(rename = "rarlink.referral.declined")]
    ReferralDeclined,
    /// The provider assigned a worker to a referral.
    #[serde(rename = "rarlink.referral.assigned")]
    ReferralAssigned,
    /// Probation withdrew a referral.
    #[serde(rename = "rarlink.referral.withdrawn")]
    ReferralWithdrawn,
    /// Risk information changed; the provider must acknowledge the new version.
    #[serde(rename = "rarlink.referral.risk-updated")]
    ReferralRiskUpdated,
    /// The provider acknowledged the latest risk information.
    #[serde(rename = "rarlink.referral.risk-acknowledged")]
    ReferralRiskAcknowledged,
    /// The referral ended (completed or ended early).
    #[serde(rename = "rarlink.referral.ended")]
    ReferralEnded,
    /// The provider booked a session.
    #[serde(rename = "rarlink.appointment.booked")]
    AppointmentBooked,
    /// A session was moved.
    #[serde(rename = "rarlink.appointment.rescheduled")]
    AppointmentRescheduled,
    /// A session was cancelled.
    #[serde(rename = "rarlink.appointment.cancelled")]
    AppointmentCancelled,
    /// The provider recorded that the person attended.
    #[serde(rename = "rarlink.appointment.attended")]
    AppointmentAttended,
    /// The provider recorded that the person did not attend.
    #[serde(rename = "rarlink.appointment.missed")]
    AppointmentMissed,
    /// The officer decided whether a missed session was acceptable.
    #[serde(rename = "rarlink.absence.decided")]
    AbsenceDecided,
    /// The officer issued a warning for an unacceptable absence.
    #[serde(rename = "rarlink.warning.issued")]
    WarningIssued,
    /// The provider reported progress.
    #[serde(rename = "rarlink.progress-report.submitted")]
    ProgressReportSubmitted,
    /// The provider submitted its end-of-service report.
    #[serde(rename = "rarlink.end-of-service-report.submitted")]
    EndOfServiceReportSubmitted,
    /// A disclosure was recorded.
    #[serde(rename = "rarlink.disclosure.recorded")]
    DisclosureRecorded,
    /// A safeguarding action was raised for a named person.
    #[serde(rename = "rarlink.safeguarding-prompt.raised")]
    SafeguardingPromptRaised,
    /// A safeguarding action was resolved with its outcome.
    #[serde(rename = "rarlink.safeguarding-prompt.resolved")]
    SafeguardingPromptResolved,
    /// A safeguarding action passed its deadline and was escalated.
    #[serde(rename = "rarlink.safeguarding-prompt.overdue")]
    SafeguardingPromptOverdue,
    /// The officer confirmed a termination review item.
    #[serde(rename = "rarlink.termination-review.item-confirmed")]
    TerminationReviewItemConfirmed,
    /// The officer completed the termination review.
    #[serde(rename = "rarlink.termination-review.completed")]
    TerminationReviewCompleted,
    /// A manager signed off the termination review.
    #[serde(rename = "rarlink.termination-review.signed-off")]
    TerminationReviewSignedOff,
}

impl EventType {
    /// Every event type, in the order the documentation lists them.
    pub const ALL: [EventType; 34] = [
        Self::OrganisationCreated,
        Self::PersonUpserted,
        Self::RiskAssessed,
        Self::HouseholdMemberAdded,
        Self::HouseholdMemberUpdated,
        Self::HouseholdDeclarationRecorded,
        Self::OrderCreated,
        Self::OrderTerminated,
        Self::ReferralCreated,
        Self::ReferralUpdated,
        Self::ReferralSent,
        Self::ReferralAccepted,
        Self::ReferralDeclined,
        Self::ReferralAssigned,
        Self::ReferralWithdrawn,
        Self::ReferralRiskUpdated,
        Self::ReferralRiskAcknowledged,
        Self::ReferralEnded,
        Self::AppointmentBooked,
        Self::AppointmentRescheduled,
        Self::AppointmentCancelled,
        Self::AppointmentAttended,
        Self::AppointmentMissed,
        Self::AbsenceDecided,
        Self::WarningIssued,
        Self::ProgressReportSubmitted,
        Self::EndOfServiceReportSubmitted,
        Self::DisclosureRecorded,
        Self::SafeguardingPromptRaised,
        Self::SafeguardingPromptResolved,
        Self::SafeguardingPromptOverdue,
        Self::TerminationReviewItemConfirmed,
        Self::TerminationReviewCompleted,
        Self::TerminationReviewSignedOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganisationCreated => "rarlink.organisation.created",
            Self::PersonUpserted => "rarlink.person.upserted",
            Self::RiskAssessed => "rarlink.risk.assessed",
            Self::HouseholdMemberAdded => "rarlink.household-member.added",
            Self::HouseholdMemberUpdated => "rarlink.household-member.updated",
            Self::HouseholdDeclarationRecorded => "rarlink.household-declaration.recorded",
            Self::OrderCreated => "rarlink.order.created",
            Self::OrderTerminated => "rarlink.order.terminated",
            Self::ReferralCreated => "rarlink.referral.created",
            Self::ReferralUpdated => "rarlink.referral.updated",
            Self::ReferralSent => "rarlink.referral.sent",
            Self::ReferralAccepted => "rarlink.referral.accepted",
            Self::ReferralDeclined => "rarlink.referral.declined",
            Self::ReferralAssigned => "rarlink.referral.assigned",
            Self::ReferralWithdrawn => "rarlink.referral.withdrawn",
            Self::ReferralRiskUpdated => "rarlink.referral.risk-updated",
            Self::ReferralRiskAcknowledged => "rarlink.referral.risk-acknowledged",
            Self::ReferralEnded => "rarlink.referral.ended",
            Self::AppointmentBooked => "rarlink.appointment.booked",
            Self::AppointmentRescheduled => "rarlink.appointment.rescheduled",
            Self::AppointmentCancelled => "rarlink.appointment.cancelled",
            Self::AppointmentAttended => "rarlink.appointment.attended",
            Self::AppointmentMissed => "rarlink.appointment.missed",
            Self::AbsenceDecided => "rarlink.absence.decided",
            Self::WarningIssued => "rarlink.warning.issued",
            Self::ProgressReportSubmitted => "rarlink.progress-report.submitted",
            Self::EndOfServiceReportSubmitted => "rarlink.end-of-service-report.submitted",
            Self::DisclosureRecorded => "rarlink.disclosure.recorded",
            Self::SafeguardingPromptRaised => "rarlink.safeguarding-prompt.raised",
            Self::SafeguardingPromptResolved => "rarlink.safeguarding-prompt.resolved",
            Self::SafeguardingPromptOverdue => "rarlink.safeguarding-prompt.overdue",
            Self::TerminationReviewItemConfirmed => "rarlink.termination-review.item-confirmed",
            Self::TerminationReviewCompleted => "rarlink.termination-review.completed",
            Self::TerminationReviewSignedOff => "rarlink.termination-review.signed-off",
        }
    }

    /// What the event means, for the documentation.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::OrganisationCreated => "An organisation was registered.",
            Self::PersonUpserted => "A person's details were recorded or changed.",
            Self::RiskAssessed => "A risk of serious harm assessment was recorded.",
            Self::HouseholdMemberAdded => "A household member was recorded.",
            Self::HouseholdMemberUpdated => "A household member's record changed.",
            Self::HouseholdDeclarationRecorded => {
                "The person declared who they live with or are in a relationship with."
            }
            Self::OrderCreated => "A community or suspended sentence order was recorded.",
            Self::OrderTerminated => "An order was terminated after its review was signed off.",
            Self::ReferralCreated => "Probation drafted a referral.",
            Self::ReferralUpdated => "Probation changed a draft referral.",
            Self::ReferralSent => {
                "Probation sent a referral with its shared context to a provider."
            }
            Self::ReferralAccepted => {
                "The provider accepted a referral, having read the risk information."
            }
            Self::ReferralDeclined => "The provider declined a referral.",
            Self::ReferralAssigned => "The provider assigned a worker to a referral.",
            Self::ReferralWithdrawn => "Probation withdrew a referral.",
            Self::ReferralRiskUpdated => {
                "Risk information changed; the provider must acknowledge the new version."
            }
            Self::ReferralRiskAcknowledged => {
                "The provider acknowledged the latest risk information."
            }
            Self::ReferralEnded => "The referral ended (completed or ended early).",
            Self::AppointmentBooked => "The provider booked a session.",
            Self::AppointmentRescheduled => "A session was moved.",
            Self::AppointmentCancelled => "A session was cancelled.",
            Self::AppointmentAttended => "The provider recorded that the person attended.",
            Self::AppointmentMissed => "The provider recorded that the person did not attend.",
            Self::AbsenceDecided => "The officer decided whether a missed session was acceptable.",
            Self::WarningIssued => "The officer issued a warning for an unacceptable absence.",
            Self::ProgressReportSubmitted => "The provider reported progress.",
            Self::EndOfServiceReportSubmitted => {
                "The provider submitted its end-of-service report."
            }
            Self::DisclosureRecorded => "A disclosure was recorded.",
            Self::SafeguardingPromptRaised => {
                "A safeguarding action was raised for a named person."
            }
            Self::SafeguardingPromptResolved => {
                "A safeguarding action was resolved with its outcome."
            }
            Self::SafeguardingPromptOverdue => {
                "A safeguarding action passed its deadline and was escalated."
            }
            Self::TerminationReviewItemConfirmed => {
                "The officer confirmed a termination review item."
            }
            Self::TerminationReviewCompleted => "The officer completed the termination review.",
            Self::TerminationReviewSignedOff => "A manager signed off the termination review.",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The Markdown table of every event type and its meaning, as `docs/api-conventions.md` shows it.
pub fn markdown_table() -> String {
    let mut table = String::from("| event type | what happened |\n|---|---|\n");
    for t in EventType::ALL {
        table.push_str(&format!("| `{}` | {} |\n", t.as_str(), t.meaning()));
    }
    table
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_round_trips_and_serialises_as_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert!(t.as_str().starts_with("rarlink."), "{t}");
            assert!(!t.meaning().is_empty());
        }
        assert_eq!(EventType::parse("rarlink.referral.snet"), None);
    }

    #[test]
    fn the_list_has_no_duplicates() {
        let mut names: Vec<_> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventType::ALL.len());
    }
}
