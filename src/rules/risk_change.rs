//! The rule for a risk change after a referral was sent: the provider must acknowledge new
//! information when risk of serious harm rose or a flag was added.

use super::prompt::{AssigneeRole, PromptSpec, RuleId, CASE_REVIEW, INFO_SHARING};
use super::working_days::DeadlinePolicy;
use crate::domain::referral::SharedContext;

/// A prompt for the provider's safeguarding lead when `next` raises RoSH or adds a flag
/// compared with what the provider was told in `previous`; `None` otherwise.
pub fn provider_acknowledgement(
    crn: &str,
    referral_id: &str,
    version: i32,
    previous: &SharedContext,
    next: &SharedContext,
) -> Option<PromptSpec> {
    let raised = next.rosh.raised_since(&previous.rosh);
    let added: Vec<String> = next
        .flags
        .iter()
        .filter(|f| !previous.flags.contains(f))
        .map(|f| format!("{f:?}"))
        .collect();
    if !raised && added.is_empty() {
        return None;
    }
    let mut why = Vec::new();
    if raised {
        why.push(format!(
            "RoSH rose (children {:?}→{:?}, public {:?}→{:?}, known adult {:?}→{:?}, staff {:?}→{:?})",
            previous.rosh.children,
            next.rosh.children,
            previous.rosh.public,
            next.rosh.public,
            previous.rosh.known_adult,
            next.rosh.known_adult,
            previous.rosh.staff,
            next.rosh.staff
        ));
    }
    if !added.is_empty() {
        why.push(format!("new flags: {}", added.join(", ")));
    }
    Some(PromptSpec {
        rule: RuleId::RiskInformationUpdated,
        title: "Acknowledge updated risk information".into(),
        action: "Read version {version} of the shared risk information, check your staff safety arrangements still fit, and acknowledge it.".replace("{version}", &version.to_string()),
        assignee_role: AssigneeRole::ProviderSafeguardingLead,
        assignee: None,
        deadline: DeadlinePolicy::WorkingDays(1),
        mandatory: true,
        rationale: format!("Probation recorded a new risk assessment: {}.", why.join("; ")),
        guidance: vec![CASE_REVIEW, INFO_SHARING],
        dedup_key: format!(
            "{}|{crn}|{referral_id}|{version}",
            RuleId::RiskInformationUpdated
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::ReferralContent;
    use crate::domain::risk::{RiskAssessment, RiskFlag, RiskToSelf, RoshLevel};
    use chrono::NaiveDate;

    fn context(children: RoshLevel, flags: &[RiskFlag]) -> SharedContext {
        let risk = RiskAssessment {
            assessed_on: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            rosh_children: children,
            rosh_public: RoshLevel::Low,
            rosh_known_adult: RoshLevel::Medium,
            rosh_staff: RoshLevel::Low,
            who_is_at_risk: "partners".into(),
            nature_of_risk: "violence".into(),
            imminence: "not imminent".into(),
            increasing_factors: vec![],
            reducing_factors: vec![],
            risk_to_self: RiskToSelf::default(),
            flags: flags.to_vec(),
            mappa: None,
            marac_count: 0,
            risk_management_plan: "plan".into(),
            staff_safety: "none".into(),
        };
        SharedContext::build(&ReferralContent::default(), &[], &risk)
    }

    #[test]
    fn a_rise_in_rosh_asks_the_provider_to_acknowledge() {
        let before = context(RoshLevel::Medium, &[]);
        let after = context(RoshLevel::High, &[]);
        let p = provider_acknowledgement("X123456", "r1", 2, &before, &after).unwrap();
        assert_eq!(p.assignee_role, AssigneeRole::ProviderSafeguardingLead);
        assert!(p.rationale.contains("Medium→High"), "{}", p.rationale);
    }

    #[test]
    fn a_new_flag_asks_the_provider_to_acknowledge() {
        let before = context(RoshLevel::Medium, &[]);
        let after = context(RoshLevel::Medium, &[RiskFlag::RiskToStaff]);
        let p = provider_acknowledgement("X123456", "r1", 2, &before, &after).unwrap();
        assert!(p.rationale.contains("RiskToStaff"));
    }

    #[test]
    fn a_lower_risk_or_a_removed_flag_raises_nothing() {
        let before = context(RoshLevel::High, &[RiskFlag::RiskToStaff]);
        let after = context(RoshLevel::Medium, &[]);
        assert!(provider_acknowledgement("X123456", "r1", 2, &before, &after).is_none());
    }
}
