//! The safeguarding rules' ids: the one list prompts carry, deadline overrides name, and the
//! documentation lists. Stored as text in prompt rows and sent as the same kebab-case text.
//!
//! The vocabulary lives in `domain` (not `rules`) so prompt rows in `db` can hold it; the rules
//! re-export it as `rules::RuleId`.

use serde::{Deserialize, Serialize};

macro_rules! rule_ids {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)+) => {
        /// A safeguarding rule that raises prompts.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum RuleId {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)+
        }

        impl RuleId {
            /// Every rule id, in the order the documentation lists them.
            pub const ALL: &'static [RuleId] = &[$(Self::$variant,)+];

            /// The id as stored and sent, e.g. `pregnancy-da-mash-referral`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
    };
}

rule_ids! {
    PregnancyDaMashReferral = "pregnancy-da-mash-referral",
    PregnancyDaPreBirthProtocol = "pregnancy-da-pre-birth-protocol",
    RelationshipDaChildrenCheck = "relationship-da-children-check",
    DaClaresLaw = "da-clares-law",
    DaChangeRiskReview = "da-change-risk-review",
    DaMaracRereferral = "da-marac-rereferral",
    ProviderSafeguardingProcedure = "provider-safeguarding-procedure",
    HarmToChildReferral = "harm-to-child-referral",
    HarmToChildProviderReferral = "harm-to-child-provider-referral",
    HarmToChildWrittenConfirmation = "harm-to-child-written-confirmation",
    ChildrenSafeguardingReferral = "children-safeguarding-referral",
    ChangeOfAddressPermission = "change-of-address-permission",
    DomesticAbuseIncidentReview = "domestic-abuse-incident-review",
    RiskToSelfProviderAction = "risk-to-self-provider-action",
    RiskToSelfReview = "risk-to-self-review",
    SubstanceMisuseRiskReview = "substance-misuse-risk-review",
    NewOffenceRiskReview = "new-offence-risk-review",
    MentalHealthRiskReview = "mental-health-risk-review",
    WeaponRiskReview = "weapon-risk-review",
    ContradictionReconcile = "contradiction-reconcile",
    HouseholdUpdate = "household-update",
    DisclosureConsider = "disclosure-consider",
    RiskInformationUpdated = "risk-information-updated",
    AbsenceDecision = "absence-decision",
    DisengagementPattern = "disengagement-pattern",
    BreachReferral = "breach-referral",
    ProviderNotification = "provider-notification",
    ReferralEndedEarly = "referral-ended-early",
    TerminationReviewDue = "termination-review-due",
    CaseNotePossibleDisclosure = "case-note-possible-disclosure",
    HouseholdChildAdded = "household-child-added",
    HouseholdChangeReview = "household-change-review",
    RiskIncreasedReview = "risk-increased-review",
    RiskIncreasedOversight = "risk-increased-oversight",
    PregnancyPartnerChange = "pregnancy-partner-change",
    DomesticIncidentsPattern = "domestic-incidents-pattern",
    MissedSessionHighRisk = "missed-session-high-risk",
    ReferralNotAccepted = "referral-not-accepted",
    NoFirstAppointment = "no-first-appointment",
    AttendanceNotRecorded = "attendance-not-recorded",
    ReferralOverdue = "referral-overdue",
    OrderPastEnd = "order-past-end",
    PregnancyProviderReview = "pregnancy-provider-review",
    ChallengeAgencyDecision = "challenge-agency-decision",
    AcceptedAbsenceReview = "accepted-absence-review",
}

crate::stored_as_text!(RuleId);

impl RuleId {
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The configuration key for the rule's deadline: the id with `_` for `-`
    /// (`RARLINK_DEADLINE_PREGNANCY_DA_MASH_REFERRAL`, lower-cased).
    pub fn config_key(self) -> String {
        self.as_str().replace('-', "_")
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_round_trips_and_serialises_as_its_text() {
        for &rule in RuleId::ALL {
            assert_eq!(RuleId::parse(rule.as_str()), Some(rule));
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
            assert_eq!(rule.to_string(), rule.as_str());
            assert!(!rule.as_str().contains('_'), "{rule}");
        }
        assert_eq!(RuleId::ALL.len(), 45);
        assert_eq!(RuleId::parse("pregnancy_da_mash_referral"), None);
    }

    #[test]
    fn the_list_has_no_duplicates() {
        let mut ids: Vec<_> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RuleId::ALL.len());
    }
}
