//! What follows an agency's decision on a safeguarding referral: a "no further action" from
//! children's social care on a domestic-abuse case with a pregnancy or children is a decision the
//! officer's manager should consider challenging (the case review's chain broke exactly there).

use super::prompt::{AssigneeRole, PromptSpec, CASE_REVIEW, WORKING_TOGETHER};
use super::working_days::DeadlinePolicy;
use crate::domain::prompt::{Agency, AgencyDecision};
use crate::domain::rule_id::RuleId;
use chrono::NaiveDate;

/// The agency's decision and what is known about the case when it arrives.
#[derive(Debug, Clone)]
pub struct DecisionFacts<'a> {
    pub crn: &'a str,
    /// The prompt answered by the referral.
    pub prompt_id: &'a str,
    pub prompt_title: &'a str,
    pub agency: Agency,
    pub decision: AgencyDecision,
    pub received_on: NaiveDate,
    pub reference: Option<&'a str>,
    /// The case has a domestic-abuse profile (`CaseFacts::domestic_abuse_concern`).
    pub domestic_abuse_concern: bool,
    /// What is known of a pregnancy or children, in words (one line each); empty when nothing.
    pub children: &'a [String],
}

/// `challenge-agency-decision`: children's social care decided `NO_FURTHER_ACTION` on a case with
/// a domestic-abuse profile and a pregnancy or children. The officer's manager considers
/// challenging it under the local resolution-of-professional-disagreement procedure within 2
/// working days. Raised once per answered prompt.
pub fn challenge(f: &DecisionFacts) -> Option<PromptSpec> {
    let fires = f.agency == Agency::ChildrensSocialCare
        && f.decision == AgencyDecision::NoFurtherAction
        && f.domestic_abuse_concern
        && !f.children.is_empty();
    if !fires {
        return None;
    }
    let reference = f
        .reference
        .map(|r| format!(" (reference {r})"))
        .unwrap_or_default();
    Some(PromptSpec {
        rule: RuleId::ChallengeAgencyDecision,
        title: "Consider challenging children's social care's 'no further action'".into(),
        action: "Review the decision with the officer; if it does not reflect what probation knows, challenge it under the local resolution of professional disagreement (escalation) procedure and record the outcome.".into(),
        assignee_role: AssigneeRole::ProbationManager,
        assignee: None,
        deadline: DeadlinePolicy::WorkingDays(2),
        mandatory: false,
        rationale: format!(
            "Children's social care decided NO_FURTHER_ACTION on {}{} in answer to '{}', although the case has a domestic-abuse profile and: {}",
            f.received_on,
            reference,
            f.prompt_title,
            f.children.join("; ")
        ),
        guidance: vec![WORKING_TOGETHER, CASE_REVIEW],
        dedup_key: format!("{}|{}|prompt:{}", RuleId::ChallengeAgencyDecision.as_str(), f.crn, f.prompt_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        agency: Agency,
        decision: AgencyDecision,
        da: bool,
        children: &'a [String],
    ) -> DecisionFacts<'a> {
        DecisionFacts {
            crn: "X123456",
            prompt_id: "p1",
            prompt_title: "Refer to MASH",
            agency,
            decision,
            received_on: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            reference: Some("CSC-1"),
            domestic_abuse_concern: da,
            children,
        }
    }

    #[test]
    fn only_a_no_further_action_from_childrens_social_care_on_a_da_case_with_children_fires() {
        let pregnancy = vec!["PREGNANCY disclosed 2026-03-03: due in August".to_string()];
        let none: Vec<String> = Vec::new();
        use AgencyDecision::*;
        let csc = Agency::ChildrensSocialCare;
        let cases: &[(Agency, AgencyDecision, bool, &[String], bool)] = &[
            (csc, NoFurtherAction, true, &pregnancy, true),
            (csc, NoFurtherAction, false, &pregnancy, false),
            (csc, NoFurtherAction, true, &none, false),
            (csc, EarlyHelp, true, &pregnancy, false),
            (csc, Section47Enquiry, true, &pregnancy, false),
            (Agency::Police, NoFurtherAction, true, &pregnancy, false),
        ];
        for (agency, decision, da, children, fires) in cases {
            let spec = challenge(&facts(*agency, *decision, *da, children));
            assert_eq!(spec.is_some(), *fires, "{agency:?} {decision:?} da={da}");
        }
    }

    #[test]
    fn the_challenge_goes_to_the_manager_within_two_working_days_citing_the_decision_and_facts() {
        let pregnancy = vec!["PREGNANCY disclosed 2026-03-03: due in August".to_string()];
        let spec = challenge(&facts(
            Agency::ChildrensSocialCare,
            AgencyDecision::NoFurtherAction,
            true,
            &pregnancy,
        ))
        .unwrap();
        assert_eq!(spec.assignee_role, AssigneeRole::ProbationManager);
        assert_eq!(spec.deadline, DeadlinePolicy::WorkingDays(2));
        assert!(spec.rationale.contains("2026-03-05") && spec.rationale.contains("CSC-1"));
        assert!(spec.rationale.contains("due in August"));
        assert_eq!(
            spec.dedup_key,
            "challenge-agency-decision|X123456|prompt:p1"
        );
    }
}
