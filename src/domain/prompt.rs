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
    /// Where a prompt is: `OPEN` → (`AWAITING_RESPONSE` →) `RESOLVED`, with `PENDING_APPROVAL`
    /// while a manager decides on a proposed "not required".
    pub enum PromptStatus {
        Open = "OPEN",
        /// Referred to an agency; waiting for its decision (`followUpDueAt`).
        AwaitingResponse = "AWAITING_RESPONSE",
        /// "Not required" proposed on a mandatory prompt; a manager must approve or reject it.
        PendingApproval = "PENDING_APPROVAL",
        Resolved = "RESOLVED",
    }
}

impl PromptStatus {
    /// Not yet resolved: it still covers its facts (deduplication) and still needs someone.
    pub fn is_live(self) -> bool {
        self != Self::Resolved
    }
}

crate::text_enum! {
    pub enum Outcome {
        /// Done; `externalReference` may carry e.g. the MASH referral number.
        Actioned = "ACTIONED",
        /// Judged not needed, with the reason in `note`. A manager's decision on a mandatory prompt.
        NotRequired = "NOT_REQUIRED",
        /// Referred to an agency (`referral`); the prompt waits for the agency's decision.
        Referred = "REFERRED",
    }
}

crate::text_enum! {
    /// The agency a safeguarding referral went to.
    pub enum Agency {
        ChildrensSocialCare = "CHILDRENS_SOCIAL_CARE",
        Police = "POLICE",
        Marac = "MARAC",
        Mappa = "MAPPA",
        Health = "HEALTH",
        AdultSocialCare = "ADULT_SOCIAL_CARE",
        Other = "OTHER",
    }
}

crate::text_enum! {
    /// How a safeguarding referral was made.
    pub enum ReferralMethod {
        Phone = "PHONE",
        OnlineForm = "ONLINE_FORM",
        SecureEmail = "SECURE_EMAIL",
        Meeting = "MEETING",
        Other = "OTHER",
    }
}

crate::text_enum! {
    /// What the agency decided on a referral.
    pub enum AgencyDecision {
        NoFurtherAction = "NO_FURTHER_ACTION",
        EarlyHelp = "EARLY_HELP",
        ChildInNeedAssessment = "CHILD_IN_NEED_ASSESSMENT",
        Section47Enquiry = "SECTION_47_ENQUIRY",
        ChildProtectionPlan = "CHILD_PROTECTION_PLAN",
        AlreadyOpenToService = "ALREADY_OPEN_TO_SERVICE",
        Other = "OTHER",
    }
}

crate::text_enum! {
    /// A manager's decision on a proposed "not required".
    pub enum ApprovalDecision {
        Approve = "APPROVE",
        Reject = "REJECT",
    }
}

crate::text_enum! {
    /// One step in a prompt's history.
    pub enum PromptStep {
        Raised = "RAISED",
        Resolved = "RESOLVED",
        Referred = "REFERRED",
        AgencyResponded = "AGENCY_RESPONDED",
        ProposedNotRequired = "PROPOSED_NOT_REQUIRED",
        Approved = "APPROVED",
        Rejected = "REJECTED",
        FollowUpDue = "FOLLOW_UP_DUE",
        Reassigned = "REASSIGNED",
        Reopened = "REOPENED",
        /// Half-way to its deadline and still open; reminded once.
        DueSoon = "DUE_SOON",
        /// A later disclosure of the same facts added to them (e.g. an expected due date).
        FactsAdded = "FACTS_ADDED",
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
        /// Another prompt (e.g. the agency's decision on the referral it asked for).
        Prompt = "PROMPT",
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
        for &a in Agency::ALL {
            assert_eq!(Agency::parse(a.as_str()), Some(a));
            assert_eq!(serialised(a), a.as_str());
        }
        for &d in AgencyDecision::ALL {
            assert_eq!(AgencyDecision::parse(d.as_str()), Some(d));
        }
        for &k in TriggerKind::ALL {
            assert_eq!(TriggerKind::parse(k.as_str()), Some(k));
            assert_eq!(serialised(k), k.as_str());
        }
        assert_eq!(PromptStatus::parse("open"), None);
    }
}
