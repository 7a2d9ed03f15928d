//! The events rarlink publishes: one list ([`domain_events!`]) gives every event type its name,
//! its meaning and its typed payload. The feed, webhook subscriptions, the OpenAPI document and
//! `docs/api-conventions.md` are all checked against it.

pub use super::event_payloads::*;
use serde::{Deserialize, Serialize};

/// Declares the event types and the domain events that carry them, from one list: a variant,
/// its payload type, its name and what it means.
macro_rules! domain_events {
    ($( $variant:ident($payload:ty) = $name:literal, $meaning:literal; )*) => {
        /// What happened, as `rarlink.<resource>.<past-tense-verb>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventType {
            $( #[doc = $meaning] #[serde(rename = $name)] $variant, )*
        }

        /// A domain event with what it carries; its type follows from the variant.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum DomainEvent {
            $( #[doc = $meaning] $variant($payload), )*
        }

        impl EventType {
            /// Every event type, in the order the documentation lists them.
            pub const ALL: &'static [EventType] = &[ $( Self::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $name, )* }
            }

            /// What the event means, for the documentation.
            pub fn meaning(self) -> &'static str {
                match self { $( Self::$variant => $meaning, )* }
            }

            /// Its payload's type as the list writes it (e.g. `OnReferral<ReferralEnded>`).
            pub fn payload_type(self) -> &'static str {
                match self { $( Self::$variant => stringify!($payload), )* }
            }
        }

        impl DomainEvent {
            pub fn event_type(&self) -> EventType {
                match self { $( Self::$variant(_) => EventType::$variant, )* }
            }
        }

        /// Each event type with the OpenAPI schema of what it carries (its
        /// `additionalInformation`), in the order of [`EventType::ALL`]; the schemas those refer
        /// to are added to `refs`. The OpenAPI document types the event envelope from this.
        pub fn payload_schemas(
            refs: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
        ) -> Vec<(EventType, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)> {
            vec![ $( {
                <$payload as utoipa::ToSchema>::schemas(refs);
                (EventType::$variant, <$payload as utoipa::PartialSchema>::schema())
            }, )* ]
        }
    };
}

domain_events! {
    OrganisationCreated(OrganisationCreated) = "rarlink.organisation.created", "An organisation was registered.";
    PersonUpserted(PersonUpserted) = "rarlink.person.upserted", "A person's details were recorded or changed.";
    RiskAssessed(RiskAssessed) = "rarlink.risk.assessed", "A risk of serious harm assessment was recorded.";
    HouseholdMemberAdded(HouseholdRecord) = "rarlink.household-member.added", "A household member was recorded.";
    HouseholdMemberUpdated(HouseholdRecord) = "rarlink.household-member.updated", "A household member's record changed.";
    HouseholdDeclarationRecorded(HouseholdRecord) = "rarlink.household-declaration.recorded", "The person declared who they live with or are in a relationship with.";
    OrderCreated(OrderCreated) = "rarlink.order.created", "A community or suspended sentence order was recorded.";
    OrderTerminated(OrderTerminated) = "rarlink.order.terminated", "An order was terminated after its review was signed off.";
    OrderTransferred(OrderTransferred) = "rarlink.order.transferred", "A manager transferred an order to another responsible officer; its open prompts moved too.";
    ReferralCreated(OnReferral<Nothing>) = "rarlink.referral.created", "Probation drafted a referral.";
    ReferralUpdated(OnReferral<Nothing>) = "rarlink.referral.updated", "Probation changed a draft referral.";
    ReferralSent(OnReferral<ReferralSent>) = "rarlink.referral.sent", "Probation sent a referral with its shared context to a provider.";
    ReferralAccepted(OnReferral<ReferralAccepted>) = "rarlink.referral.accepted", "The provider accepted a referral, having read the risk information.";
    ReferralDeclined(OnReferral<ReferralDeclined>) = "rarlink.referral.declined", "The provider declined a referral.";
    ReferralAssigned(OnReferral<ReferralAssigned>) = "rarlink.referral.assigned", "The provider assigned a worker to a referral.";
    ReferralWithdrawn(OnReferral<ReferralWithdrawn>) = "rarlink.referral.withdrawn", "Probation withdrew a referral.";
    ReferralRiskUpdated(OnReferral<ReferralRiskUpdated>) = "rarlink.referral.risk-updated", "Risk information changed; the provider must acknowledge the new version.";
    ReferralRiskAcknowledged(OnReferral<ContextVersion>) = "rarlink.referral.risk-acknowledged", "The provider acknowledged the latest risk information.";
    ReferralAmended(OnReferral<ReferralAmended>) = "rarlink.referral.amended", "Probation amended a sent referral (deadline, RAR days, outcomes, needs or history), with a reason.";
    ReferralProviderReferenceSet(OnReferral<Nothing>) = "rarlink.referral.provider-reference-set", "The provider recorded its own reference for a referral.";
    ReferralEnded(OnReferral<ReferralEnded>) = "rarlink.referral.ended", "The referral ended (completed or ended early).";
    ActionPlanSubmitted(OnReferral<ActionPlanFacts>) = "rarlink.action-plan.submitted", "The provider submitted a version of its action plan for approval.";
    ActionPlanApproved(OnReferral<ActionPlanFacts>) = "rarlink.action-plan.approved", "The officer approved a version of the action plan; it replaces any earlier approved version.";
    ActionPlanChangesRequested(OnReferral<ActionPlanFacts>) = "rarlink.action-plan.changes-requested", "The officer sent a submitted action plan back with a note.";
    AppointmentBooked(AppointmentFacts) = "rarlink.appointment.booked", "The provider booked a session.";
    AppointmentRescheduled(AppointmentFacts) = "rarlink.appointment.rescheduled", "A session was moved.";
    AppointmentCancelled(AppointmentFacts) = "rarlink.appointment.cancelled", "A session was cancelled.";
    AppointmentAttended(AppointmentFacts) = "rarlink.appointment.attended", "The provider recorded that the person attended.";
    AppointmentMissed(AppointmentFacts) = "rarlink.appointment.missed", "The provider recorded that the person did not attend.";
    AbsenceDecided(AbsenceDecided) = "rarlink.absence.decided", "The officer decided whether a missed session was acceptable.";
    WarningIssued(WarningIssued) = "rarlink.warning.issued", "The officer issued a warning for an unacceptable absence.";
    ProgressReportSubmitted(OnReferral<ProgressReportSubmitted>) = "rarlink.progress-report.submitted", "The provider reported progress.";
    EndOfServiceReportSubmitted(OnReferral<Nothing>) = "rarlink.end-of-service-report.submitted", "The provider submitted its end-of-service report.";
    CaseNoteAdded(OnReferral<CaseNoteAdded>) = "rarlink.case-note.added", "A case note was added to a referral (the event never carries its subject or body).";
    DisclosureRecorded(DisclosureRecorded) = "rarlink.disclosure.recorded", "A disclosure was recorded.";
    SafeguardingPromptRaised(PromptFacts) = "rarlink.safeguarding-prompt.raised", "A safeguarding action was raised for a named person.";
    SafeguardingPromptResolved(PromptFacts) = "rarlink.safeguarding-prompt.resolved", "A safeguarding action was resolved with its outcome.";
    SafeguardingPromptOverdue(PromptFacts) = "rarlink.safeguarding-prompt.overdue", "A safeguarding action passed its deadline and was escalated.";
    SafeguardingPromptDueSoon(PromptFacts) = "rarlink.safeguarding-prompt.due-soon", "A safeguarding action is half-way to its deadline and still open.";
    SafeguardingPromptReferred(PromptFacts) = "rarlink.safeguarding-prompt.referred", "A safeguarding action was answered by a referral to an agency; its decision is awaited.";
    SafeguardingPromptAgencyResponded(PromptFacts) = "rarlink.safeguarding-prompt.agency-responded", "The agency's decision on a referral was recorded and the action resolved.";
    SafeguardingPromptFollowUpDue(PromptFacts) = "rarlink.safeguarding-prompt.follow-up-due", "An agency's decision on a referral is past its follow-up date; chase it.";
    SafeguardingPromptApprovalRequested(PromptFacts) = "rarlink.safeguarding-prompt.approval-requested", "Not required was proposed on a mandatory safeguarding action; a manager must decide.";
    SafeguardingPromptProposalRejected(PromptFacts) = "rarlink.safeguarding-prompt.proposal-rejected", "A manager rejected a proposed not required; the action is open again.";
    SafeguardingPromptReassigned(PromptFacts) = "rarlink.safeguarding-prompt.reassigned", "A safeguarding action was given to another person (by a manager, or with the order's transfer).";
    SafeguardingPromptReopened(PromptFacts) = "rarlink.safeguarding-prompt.reopened", "A manager reopened a resolved safeguarding action.";
    SafeguardingPromptFactsAdded(PromptFacts) = "rarlink.safeguarding-prompt.facts-added", "A later disclosure of the same facts added to an unresolved safeguarding action.";
    TerminationReviewItemConfirmed(ReviewItemConfirmed) = "rarlink.termination-review.item-confirmed", "The officer confirmed a termination review item.";
    TerminationReviewCompleted(ReviewCompleted) = "rarlink.termination-review.completed", "The officer completed the termination review.";
    TerminationReviewSignedOff(ReviewSignedOff) = "rarlink.termination-review.signed-off", "A manager signed off the termination review.";
    WebhookSubscriptionDisabled(WebhookSubscriptionDisabled) = "rarlink.webhook-subscription.disabled", "A webhook subscription failed every delivery for three days and was turned off.";
    PersonTransferred(PersonTransferred) = "rarlink.person.transferred", "A manager moved the person's case to another probation organisation; orders, referrals and open prompts moved with it.";
}

impl EventType {
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == s)
    }
}

impl DomainEvent {
    /// The payload as the `additionalInformation` of the published envelope.
    pub fn payload(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

/// The Markdown table of every event type and its meaning, as `docs/api-conventions.md` shows it.
pub fn markdown_table() -> String {
    let mut table = String::from("| event type | what happened |\n|---|---|\n");
    for &t in EventType::ALL {
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
        for &t in EventType::ALL {
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

    #[test]
    fn a_referral_event_carries_the_referral_and_what_it_adds_side_by_side() {
        let event = DomainEvent::ReferralWithdrawn(OnReferral {
            referral_id: "r1".into(),
            order_id: "o1".into(),
            status: crate::domain::referral::ReferralStatus::Withdrawn,
            provider_org: "MIND-CAMBS".into(),
            provider_reference: None,
            detail: ReferralWithdrawn {
                code: Some("OTHER".into()),
            },
        });
        assert_eq!(event.event_type().as_str(), "rarlink.referral.withdrawn");
        assert_eq!(
            event.payload().unwrap(),
            serde_json::json!({"referralId": "r1", "orderId": "o1", "status": "WITHDRAWN",
                "providerOrg": "MIND-CAMBS", "code": "OTHER"})
        );
    }

    #[test]
    fn a_domain_event_names_its_type_and_serialises_its_payload_flat() {
        let event = DomainEvent::WarningIssued(WarningIssued {
            warning_id: "w1".into(),
            appointment_id: "a1".into(),
        });
        assert_eq!(event.event_type(), EventType::WarningIssued);
        assert_eq!(
            event.payload().unwrap(),
            serde_json::json!({"warningId": "w1", "appointmentId": "a1"})
        );
    }
}
