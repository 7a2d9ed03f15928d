//! Table tests for the disclosure rules: which prompts fire, for whom, and by when.

use super::*;
use crate::domain::disclosure::{DisclosureType, PregnancyDetails, WhoIsPregnant};
use crate::domain::risk::{RiskAssessment, RiskFlag, RiskToSelf, RoshLevel};
use crate::rules::working_days::{due_at, HolidayCalendar, WorkingHours};
use chrono::{NaiveDate, TimeZone, Utc};

pub(super) fn risk(
    flags: &[RiskFlag],
    children: RoshLevel,
    known_adult: RoshLevel,
    marac: u32,
) -> RiskAssessment {
    RiskAssessment {
        assessed_on: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        rosh_children: children,
        rosh_public: RoshLevel::Low,
        rosh_known_adult: known_adult,
        rosh_staff: RoshLevel::Low,
        who_is_at_risk: "partners".into(),
        nature_of_risk: "violence".into(),
        imminence: "not imminent".into(),
        increasing_factors: vec![],
        reducing_factors: vec![],
        risk_to_self: RiskToSelf::default(),
        flags: flags.to_vec(),
        mappa: None,
        marac_count: marac,
        risk_management_plan: "plan".into(),
        staff_safety: "none".into(),
    }
}

pub(super) fn da_perpetrator() -> RiskAssessment {
    risk(
        &[RiskFlag::DomesticAbusePerpetrator, RiskFlag::Marac],
        RoshLevel::Medium,
        RoshLevel::Medium,
        5,
    )
}

fn no_flags() -> RiskAssessment {
    risk(&[], RoshLevel::Low, RoshLevel::Low, 0)
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

const PARTNER_PREGNANT: PregnancyDetails = PregnancyDetails {
    expected_due_date: None,
    who_is_pregnant: WhoIsPregnant::Partner,
    claims_parentage: Some(true),
    partner_name: None,
};

pub(super) fn disclosure(kind: DisclosureType, provider: bool) -> DisclosureFacts<'static> {
    DisclosureFacts {
        id: "d-1",
        kind,
        disclosed_at: at(2026, 2, 27, 11, 0),
        summary: "He said he is going to be a dad soon",
        pregnancy: (kind == DisclosureType::Pregnancy).then_some(&PARTNER_PREGNANT),
        partner_name: None,
        provider_org: provider.then_some("MIND-CAMBS"),
        reported_by: if provider {
            "MIND-CAMBS worker akhan"
        } else {
            "officer jsmith"
        },
    }
}

pub(super) fn case<'a>(
    risk: Option<&'a RiskAssessment>,
    declaration: Option<DeclarationFacts<'a>>,
) -> CaseFacts<'a> {
    CaseFacts {
        crn: "X123456",
        risk,
        da_related_offence: false,
        latest_declaration: declaration,
        responsible_officer: Some("jsmith"),
    }
}

fn no_children_declaration() -> DeclarationFacts<'static> {
    DeclarationFacts {
        id: "decl-1",
        declared_at: at(2026, 2, 20, 10, 0),
        statement: "No children involved",
        recorded_by: "jsmith",
        denies_children: true,
    }
}

fn rules(prompts: &[PromptSpec]) -> Vec<RuleId> {
    prompts.iter().map(|p| p.rule).collect()
}

#[test]
fn every_rule_that_fires_is_a_known_rule_id() {
    let profiles = [None, Some(no_flags()), Some(da_perpetrator())];
    for &kind in DisclosureType::ALL {
        for profile in &profiles {
            let prompts = evaluate(
                &disclosure(kind, true),
                &case(profile.as_ref(), Some(no_children_declaration())),
            );
            for p in prompts {
                assert!(
                    RuleId::ALL.contains(&p.rule),
                    "{} is not in RuleId::ALL",
                    p.rule
                );
            }
        }
    }
}

#[test]
fn every_disclosure_type_raises_at_least_one_prompt_whatever_the_flags() {
    let profiles = [None, Some(no_flags()), Some(da_perpetrator())];
    for &kind in DisclosureType::ALL {
        for profile in &profiles {
            for provider in [false, true] {
                let prompts = evaluate(&disclosure(kind, provider), &case(profile.as_ref(), None));
                assert!(
                    !prompts.is_empty(),
                    "{kind:?} {profile:?} provider={provider}"
                );
            }
        }
    }
}

/// (case, disclosure type, reported by a provider, flags profile, rules that must fire, rules that must not)
#[test]
fn the_rules_fire_when_they_should_and_stay_silent_when_they_should_not() {
    type Row = (
        &'static str,
        DisclosureType,
        bool,
        Option<RiskAssessment>,
        &'static [RuleId],
        &'static [RuleId],
    );
    let table: Vec<Row> = vec![
        (
            "pregnancy, DA perpetrator, via provider",
            DisclosureType::Pregnancy,
            true,
            Some(da_perpetrator()),
            &[
                RuleId::PregnancyDaMashReferral,
                RuleId::PregnancyDaPreBirthProtocol,
                RuleId::DaClaresLaw,
                RuleId::DaChangeRiskReview,
                RuleId::DaMaracRereferral,
                RuleId::ProviderSafeguardingProcedure,
                RuleId::HouseholdUpdate,
            ],
            &[
                RuleId::RelationshipDaChildrenCheck,
                RuleId::DisclosureConsider,
            ],
        ),
        (
            "pregnancy, no flags",
            DisclosureType::Pregnancy,
            true,
            Some(no_flags()),
            &[RuleId::HouseholdUpdate],
            &[RuleId::PregnancyDaMashReferral, RuleId::DaMaracRereferral],
        ),
        (
            "pregnancy, RoSH to children medium only",
            DisclosureType::Pregnancy,
            false,
            Some(risk(&[], RoshLevel::Medium, RoshLevel::Low, 0)),
            &[RuleId::PregnancyDaMashReferral],
            &[
                RuleId::DaMaracRereferral,
                RuleId::ProviderSafeguardingProcedure,
            ],
        ),
        (
            "new relationship, DA history",
            DisclosureType::NewRelationship,
            false,
            Some(risk(
                &[RiskFlag::DomesticAbuseHistory],
                RoshLevel::Low,
                RoshLevel::Low,
                0,
            )),
            &[
                RuleId::RelationshipDaChildrenCheck,
                RuleId::DaClaresLaw,
                RuleId::DaChangeRiskReview,
                RuleId::HouseholdUpdate,
            ],
            &[RuleId::PregnancyDaMashReferral, RuleId::DaMaracRereferral],
        ),
        (
            "harm to a child",
            DisclosureType::HarmToChild,
            true,
            Some(no_flags()),
            &[
                RuleId::HarmToChildReferral,
                RuleId::HarmToChildProviderReferral,
                RuleId::HarmToChildWrittenConfirmation,
            ],
            &[],
        ),
        (
            "self-harm via provider",
            DisclosureType::SelfHarm,
            true,
            None,
            &[RuleId::RiskToSelfProviderAction, RuleId::RiskToSelfReview],
            &[],
        ),
        (
            "suicidal thoughts told to probation",
            DisclosureType::SuicidalIdeation,
            false,
            None,
            &[RuleId::RiskToSelfReview],
            &[RuleId::RiskToSelfProviderAction],
        ),
        (
            "change of address",
            DisclosureType::ChangeOfAddress,
            false,
            None,
            &[RuleId::ChangeOfAddressPermission, RuleId::HouseholdUpdate],
            &[],
        ),
        (
            "children in household, no concern",
            DisclosureType::ChildrenInHousehold,
            false,
            Some(no_flags()),
            &[RuleId::HouseholdUpdate],
            &[RuleId::ChildrenSafeguardingReferral],
        ),
        (
            "contact with children, risk to children",
            DisclosureType::ContactWithChildren,
            false,
            Some(risk(
                &[RiskFlag::RiskToChildren],
                RoshLevel::High,
                RoshLevel::Low,
                0,
            )),
            &[
                RuleId::ChildrenSafeguardingReferral,
                RuleId::HouseholdUpdate,
            ],
            &[],
        ),
        (
            "domestic abuse incident",
            DisclosureType::DomesticAbuseIncident,
            false,
            None,
            &[RuleId::DomesticAbuseIncidentReview],
            &[],
        ),
        (
            "substance misuse, DA profile",
            DisclosureType::SubstanceMisuse,
            false,
            Some(da_perpetrator()),
            &[RuleId::SubstanceMisuseRiskReview],
            &[RuleId::DisclosureConsider],
        ),
        (
            "substance misuse, low risk: only considered",
            DisclosureType::SubstanceMisuse,
            false,
            Some(no_flags()),
            &[RuleId::DisclosureConsider],
            &[RuleId::SubstanceMisuseRiskReview],
        ),
        (
            "pregnancy, child protection registration without DA",
            DisclosureType::Pregnancy,
            true,
            Some(risk(
                &[RiskFlag::ChildProtection],
                RoshLevel::Low,
                RoshLevel::Low,
                0,
            )),
            &[
                RuleId::PregnancyDaMashReferral,
                RuleId::PregnancyDaPreBirthProtocol,
                RuleId::ProviderSafeguardingProcedure,
            ],
            &[
                RuleId::DaClaresLaw,
                RuleId::DaChangeRiskReview,
                RuleId::DaMaracRereferral,
            ],
        ),
        (
            "pregnancy, child concerns flag",
            DisclosureType::Pregnancy,
            false,
            Some(risk(
                &[RiskFlag::ChildConcerns],
                RoshLevel::Low,
                RoshLevel::Low,
                0,
            )),
            &[RuleId::PregnancyDaMashReferral],
            &[],
        ),
        (
            "new offence",
            DisclosureType::NewOffence,
            false,
            None,
            &[RuleId::NewOffenceRiskReview],
            &[],
        ),
        (
            "weapon",
            DisclosureType::Weapon,
            false,
            None,
            &[RuleId::WeaponRiskReview],
            &[],
        ),
        (
            "mental health, risk to self on record",
            DisclosureType::MentalHealthDeterioration,
            false,
            Some(risk(
                &[RiskFlag::SuicideSelfHarm],
                RoshLevel::Low,
                RoshLevel::Low,
                0,
            )),
            &[RuleId::MentalHealthRiskReview],
            &[],
        ),
        (
            "mental health, no risk profile: only considered",
            DisclosureType::MentalHealthDeterioration,
            false,
            None,
            &[RuleId::DisclosureConsider],
            &[RuleId::MentalHealthRiskReview],
        ),
        (
            "other",
            DisclosureType::Other,
            false,
            None,
            &[RuleId::DisclosureConsider],
            &[RuleId::HouseholdUpdate],
        ),
    ];
    for (name, kind, provider, profile, fire, silent) in table {
        let prompts = evaluate(&disclosure(kind, provider), &case(profile.as_ref(), None));
        let fired = rules(&prompts);
        for rule in fire {
            assert!(
                fired.contains(rule),
                "{name}: {rule} did not fire; fired {fired:?}"
            );
        }
        for rule in silent {
            assert!(
                !fired.contains(rule),
                "{name}: {rule} fired; fired {fired:?}"
            );
        }
    }
}

#[test]
fn prompts_name_the_officer_or_the_providers_lead() {
    let r = da_perpetrator();
    let prompts = evaluate(
        &disclosure(DisclosureType::Pregnancy, true),
        &case(Some(&r), None),
    );
    let mash = prompts
        .iter()
        .find(|p| p.rule == RuleId::PregnancyDaMashReferral)
        .unwrap();
    assert_eq!(mash.assignee_role, AssigneeRole::ResponsibleOfficer);
    assert_eq!(mash.assignee.as_deref(), Some("jsmith"));
    assert!(mash.mandatory);
    assert!(
        mash.rationale.contains("DOMESTIC_ABUSE_PERPETRATOR"),
        "{}",
        mash.rationale
    );
    assert!(mash.guidance.contains(&WORKING_TOGETHER));
    let lead = prompts
        .iter()
        .find(|p| p.rule == RuleId::ProviderSafeguardingProcedure)
        .unwrap();
    assert_eq!(lead.assignee_role, AssigneeRole::ProviderSafeguardingLead);
    assert_eq!(lead.assignee, None);
}

#[test]
fn a_pregnancy_contradicting_a_declaration_of_no_children_is_flagged_with_both_accounts() {
    let r = no_flags();
    let prompts = evaluate(
        &disclosure(DisclosureType::Pregnancy, true),
        &case(Some(&r), Some(no_children_declaration())),
    );
    let c = prompts
        .iter()
        .find(|p| p.rule == RuleId::ContradictionReconcile)
        .expect("contradiction");
    assert!(c.rationale.contains("No children involved"));
    assert!(c.rationale.contains("going to be a dad"));
    assert!(c.rationale.contains("2026-02-20") && c.rationale.contains("2026-02-27"));
    assert!(c.rationale.contains("MIND-CAMBS worker akhan"));
    assert!(c.mandatory);
}

#[test]
fn no_contradiction_when_the_declaration_admits_children_or_came_later() {
    let r = no_flags();
    let mut admits = no_children_declaration();
    admits.denies_children = false;
    let prompts = evaluate(
        &disclosure(DisclosureType::Pregnancy, true),
        &case(Some(&r), Some(admits)),
    );
    assert!(!rules(&prompts).contains(&RuleId::ContradictionReconcile));
    let mut later = no_children_declaration();
    later.declared_at = at(2026, 3, 1, 9, 0);
    let prompts = evaluate(
        &disclosure(DisclosureType::Pregnancy, true),
        &case(Some(&r), Some(later)),
    );
    assert!(!rules(&prompts).contains(&RuleId::ContradictionReconcile));
    let prompts = evaluate(
        &disclosure(DisclosureType::SubstanceMisuse, true),
        &case(Some(&r), Some(no_children_declaration())),
    );
    assert!(!rules(&prompts).contains(&RuleId::ContradictionReconcile));
}

#[test]
fn a_declaration_of_no_children_after_a_pregnancy_was_reported_is_a_contradiction() {
    let earlier = [EarlierDisclosure {
        id: "d-1",
        kind: DisclosureType::Pregnancy,
        disclosed_at: at(2026, 2, 10, 10, 0),
        summary: "Going to be a dad",
        reported_by: "MIND-CAMBS worker akhan",
    }];
    let decl = no_children_declaration();
    let p = contradiction_on_declaration("X123456", Some("jsmith"), &decl, &earlier).unwrap();
    assert!(
        p.rationale.contains("Going to be a dad") && p.rationale.contains("No children involved")
    );
    assert_eq!(p.assignee.as_deref(), Some("jsmith"));
    let mut admits = no_children_declaration();
    admits.denies_children = false;
    assert!(contradiction_on_declaration("X123456", None, &admits, &earlier).is_none());
    let mut before = no_children_declaration();
    before.declared_at = at(2026, 2, 1, 10, 0);
    assert!(contradiction_on_declaration("X123456", None, &before, &earlier).is_none());
}

#[test]
fn the_same_pregnancy_reported_twice_has_the_same_facts_and_a_new_one_does_not() {
    let r = da_perpetrator();
    let due = |d: u32| PregnancyDetails {
        expected_due_date: NaiveDate::from_ymd_opt(2026, 8, d),
        ..PARTNER_PREGNANT
    };
    let (a, b, c) = (due(15), due(15), due(29));
    let key = |id: &'static str, p: &PregnancyDetails| {
        let mut d = disclosure(DisclosureType::Pregnancy, true);
        d.id = id;
        d.pregnancy = Some(p);
        let prompts = evaluate(&d, &case(Some(&r), None));
        prompts
            .iter()
            .find(|p| p.rule == RuleId::PregnancyDaMashReferral)
            .unwrap()
            .dedup_key
            .clone()
    };
    let first = key("d-1", &a);
    assert_eq!(first, key("d-2", &b));
    assert_ne!(first, key("d-3", &c));
}

#[test]
fn deadlines_fall_on_working_days_in_london() {
    let cal = HolidayCalendar::england_and_wales();
    let hours = WorkingHours::default();
    let r = da_perpetrator();
    let due_for = |raised: DateTime<Utc>, rule: RuleId, kind: DisclosureType| {
        let mut d = disclosure(kind, true);
        d.disclosed_at = raised;
        let prompts = evaluate(&d, &case(Some(&r), None));
        let p = prompts.iter().find(|p| p.rule == rule).unwrap();
        due_at(raised, p.deadline, &cal, &hours)
    };
    let table = [
        // Friday afternoon → Monday 17:00 GMT.
        (
            "friday afternoon",
            at(2026, 3, 6, 15, 30),
            RuleId::PregnancyDaMashReferral,
            DisclosureType::Pregnancy,
            at(2026, 3, 9, 17, 0),
        ),
        // Thursday before Easter → Tuesday after Easter Monday, 17:00 BST.
        (
            "before a bank holiday weekend",
            at(2026, 4, 2, 10, 0),
            RuleId::PregnancyDaMashReferral,
            DisclosureType::Pregnancy,
            at(2026, 4, 7, 16, 0),
        ),
        // Raised on the bank holiday Monday itself → Tuesday.
        (
            "on a bank holiday Monday",
            at(2026, 4, 6, 10, 0),
            RuleId::PregnancyDaMashReferral,
            DisclosureType::Pregnancy,
            at(2026, 4, 7, 16, 0),
        ),
        // Clocks go forward on Sunday 29 March: Friday + 1 → Monday 17:00 BST = 16:00 UTC.
        (
            "across the spring DST change",
            at(2026, 3, 27, 10, 0),
            RuleId::PregnancyDaMashReferral,
            DisclosureType::Pregnancy,
            at(2026, 3, 30, 16, 0),
        ),
        // Christmas Eve + 1: 25th (Fri), 28th (Boxing Day substitute) are holidays → Tuesday 29th.
        (
            "christmas",
            at(2026, 12, 24, 10, 0),
            RuleId::PregnancyDaMashReferral,
            DisclosureType::Pregnancy,
            at(2026, 12, 29, 17, 0),
        ),
        // Harm to a child on a Friday evening: same working day has passed → Monday.
        (
            "harm to a child on friday evening",
            at(2026, 3, 6, 18, 30),
            RuleId::HarmToChildReferral,
            DisclosureType::HarmToChild,
            at(2026, 3, 9, 17, 0),
        ),
        (
            "harm to a child on a weekday morning",
            at(2026, 3, 4, 9, 0),
            RuleId::HarmToChildReferral,
            DisclosureType::HarmToChild,
            at(2026, 3, 4, 17, 0),
        ),
        (
            "written confirmation the next working day, never before the referral",
            at(2026, 3, 4, 9, 0),
            RuleId::HarmToChildWrittenConfirmation,
            DisclosureType::HarmToChild,
            at(2026, 3, 5, 17, 0),
        ),
    ];
    for (name, raised, rule, kind, expected) in table {
        assert_eq!(due_for(raised, rule, kind), expected, "{name}");
    }
}
