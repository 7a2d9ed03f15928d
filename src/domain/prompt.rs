//! The vocabulary of safeguarding prompts: who must act, what raised a prompt, whether it is
//! open, and how it was closed. Each is stored as text in the prompt row and sent as that text.

crate::text_enum! {
    /// Who must act on a prompt.
    pub enum AssigneeRole {
        /// The responsible officer (named when the order names one).
        ResponsibleOfficer = "RESPONSIBLE_OFFICER",
        /// A probation manager (sign-offs, escalations, mandatory decisions).
        ProbationManager = "PROBATION_MANAGER",
        /// The provider's designated safeguarding lead (any provider manager may act).
        ProviderSafeguardingLead = "PROVIDER_SAFEGUARDING_LEAD",
    }
}

impl AssigneeRole {
    pub fn is_provider(self) -> bool {
        self == Self::ProviderSafeguardingLead
    }
}

crate::text_enum! {
    pub enum PromptStatus {
        Open = "OPEN",
        Resolved = "RESOLVED",
    }
}

crate::text_enum! {
    pub enum Outcome {
        /// Done; `externalReference` may carry e.g. the MASH referral number.
        Actioned = "ACTIONED",
        /// Judged not needed, with the reason in `note`. A manager's decision on a mandatory prompt.
        NotRequired = "NOT_REQUIRED",
    }
}

crate::text_enum! {
    /// What kind of fact raised a prompt.
    pub enum TriggerKind {
        Disclosure = "DISCLOSURE",
        /// The person's household declaration to the officer.
        Declaration = "DECLARATION",
        /// A member added to or changed on the person's household record.
        HouseholdMember = "HOUSEHOLD_MEMBER",
        RiskAssessment = "RISK_ASSESSMENT",
        Appointment = "APPOINTMENT",
        Referral = "REFERRAL",
        Order = "ORDER",
        /// A case note that sounded like a disclosure.
        CaseNote = "CASE_NOTE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serialised<T: serde::Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn every_value_round_trips_and_serialises_as_its_stored_text() {
        for &r in AssigneeRole::ALL {
            assert_eq!(AssigneeRole::parse(r.as_str()), Some(r));
            assert_eq!(serialised(r), r.as_str());
        }
        for &s in PromptStatus::ALL {
            assert_eq!(PromptStatus::parse(s.as_str()), Some(s));
            assert_eq!(serialised(s), s.as_str());
        }
        for &o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
            assert_eq!(serialised(o), o.as_str());
        }
        for &k in TriggerKind::ALL {
            assert_eq!(TriggerKind::parse(k.as_str()), Some(k));
            assert_eq!(serialised(k), k.as_str());
        }
        assert_eq!(PromptStatus::parse("open"), None);
    }
}
