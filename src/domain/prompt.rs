//! The vocabulary of safeguarding prompts: who must act, what raised a prompt, whether it is
//! open, and how it was closed. Each is stored as text in the prompt row and sent as that text.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who must act on a prompt.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssigneeRole {
    /// The responsible officer (named when the order names one).
    ResponsibleOfficer,
    /// A probation manager (sign-offs, escalations, mandatory decisions).
    ProbationManager,
    /// The provider's designated safeguarding lead (any provider manager may act).
    ProviderSafeguardingLead,
}

crate::stored_as_text!(AssigneeRole);

impl AssigneeRole {
    pub const ALL: [AssigneeRole; 3] = [
        Self::ResponsibleOfficer,
        Self::ProbationManager,
        Self::ProviderSafeguardingLead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ResponsibleOfficer => "RESPONSIBLE_OFFICER",
            Self::ProbationManager => "PROBATION_MANAGER",
            Self::ProviderSafeguardingLead => "PROVIDER_SAFEGUARDING_LEAD",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn is_provider(self) -> bool {
        self == Self::ProviderSafeguardingLead
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PromptStatus {
    Open,
    Resolved,
}

crate::stored_as_text!(PromptStatus);

impl PromptStatus {
    pub const ALL: [PromptStatus; 2] = [Self::Open, Self::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Resolved => "RESOLVED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s2| s2.as_str() == s)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Done; `externalReference` may carry e.g. the MASH referral number.
    Actioned,
    /// Judged not needed, with the reason in `note`. A manager's decision on a mandatory prompt.
    NotRequired,
}

crate::stored_as_text!(Outcome);

impl Outcome {
    pub const ALL: [Outcome; 2] = [Self::Actioned, Self::NotRequired];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Actioned => "ACTIONED",
            Self::NotRequired => "NOT_REQUIRED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// What kind of fact raised a prompt.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TriggerKind {
    Disclosure,
    /// The person's household declaration to the officer.
    Declaration,
    RiskAssessment,
    Appointment,
    Referral,
    Order,
}

crate::stored_as_text!(TriggerKind);

impl TriggerKind {
    pub const ALL: [TriggerKind; 6] = [
        Self::Disclosure,
        Self::Declaration,
        Self::RiskAssessment,
        Self::Appointment,
        Self::Referral,
        Self::Order,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disclosure => "DISCLOSURE",
            Self::Declaration => "DECLARATION",
            Self::RiskAssessment => "RISK_ASSESSMENT",
            Self::Appointment => "APPOINTMENT",
            Self::Referral => "REFERRAL",
            Self::Order => "ORDER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serialised<T: Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn every_value_round_trips_and_serialises_as_its_stored_text() {
        for r in AssigneeRole::ALL {
            assert_eq!(AssigneeRole::parse(r.as_str()), Some(r));
            assert_eq!(serialised(r), r.as_str());
        }
        for s in PromptStatus::ALL {
            assert_eq!(PromptStatus::parse(s.as_str()), Some(s));
            assert_eq!(serialised(s), s.as_str());
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
            assert_eq!(serialised(o), o.as_str());
        }
        for k in TriggerKind::ALL {
            assert_eq!(TriggerKind::parse(k.as_str()), Some(k));
            assert_eq!(serialised(k), k.as_str());
        }
        assert_eq!(PromptStatus::parse("open"), None);
    }
}
