//! The widened gates of the disclosure rules: MARAC advisory below HIGH, the children's referral
//! mandatory for a DA profile.

use super::tests::{case, da_perpetrator, disclosure, risk};
use super::*;
use crate::domain::disclosure::DisclosureType;
use crate::domain::risk::{RiskFlag, RoshLevel};

#[test]
fn marac_is_mandatory_only_at_high_risk_to_a_known_adult_and_children_referral_for_da() {
    let find = |prompts: &[PromptSpec], rule: RuleId| {
        prompts
            .iter()
            .find(|p| p.rule == rule)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule}"))
    };
    let medium = da_perpetrator();
    let high = risk(
        &[RiskFlag::DomesticAbusePerpetrator, RiskFlag::Marac],
        RoshLevel::Medium,
        RoshLevel::High,
        5,
    );
    for (r, mandatory) in [(&medium, false), (&high, true)] {
        let prompts = evaluate(
            &disclosure(DisclosureType::Pregnancy, false),
            &case(Some(r), None),
        );
        let marac = find(&prompts, RuleId::DaMaracRereferral);
        assert_eq!(marac.mandatory, mandatory);
        assert!(marac.title.contains("MARAC coordinator"));
    }
    let child_only = risk(
        &[RiskFlag::ChildConcerns],
        RoshLevel::Low,
        RoshLevel::Low,
        0,
    );
    for (r, mandatory) in [(&medium, true), (&child_only, false)] {
        let prompts = evaluate(
            &disclosure(DisclosureType::ChildrenInHousehold, false),
            &case(Some(r), None),
        );
        assert_eq!(
            find(&prompts, RuleId::ChildrenSafeguardingReferral).mandatory,
            mandatory
        );
    }
}
