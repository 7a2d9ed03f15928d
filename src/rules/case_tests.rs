//! Tables for the case rules: when each fires, when it stays silent, for whom, by when.

use super::*;
use crate::domain::household::{Source, SourceKind, Visits};
use crate::domain::risk::RiskToSelf;
use crate::rules::working_days::{due_at, HolidayCalendar, WorkingHours};
use chrono::TimeZone;

const CASE: Case = Case {
    crn: "X123456",
    responsible_officer: Some("jsmith"),
};

fn da() -> Profile {
    Profile {
        domestic_abuse: true,
        ..Profile::default()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn member(relationship: Relationship, lives: bool) -> HouseholdMember {
    HouseholdMember {
        name: "Sam".into(),
        aliases: vec![],
        date_of_birth: None,
        expected_due_date: (relationship == Relationship::UnbornChild).then(|| date(2026, 8, 1)),
        relationship,
        lives_in_household: lives,
        visits: None,
        address: None,
        parental_responsibility: None,
        putative_parent: None,
        child_status: None,
        allocated_social_worker: None,
        relationship_started_on: None,
        source: Source {
            kind: SourceKind::ProbationPractitioner,
            name: None,
            reported_on: date(2026, 3, 1),
        },
        verified: false,
        notes: None,
    }
}

#[test]
fn household_changes_raise_the_child_check_or_the_review() {
    let child = member(Relationship::Child, true);
    let visiting = HouseholdMember {
        visits: Some(Visits {
            frequency: "weekends".into(),
            overnight: false,
        }),
        ..member(Relationship::Stepchild, false)
    };
    let unborn = member(Relationship::UnbornChild, false);
    let away = member(Relationship::Child, false);
    let lodger = member(Relationship::Lodger, true);
    let on_plan = HouseholdMember {
        child_status: Some(ChildStatus::ChildProtectionPlan),
        allocated_social_worker: Some("A Jones, Peterborough CSC".into()),
        ..child.clone()
    };
    let child_risk = Profile {
        child_risk: true,
        ..Profile::default()
    };
    use RuleId::{HouseholdChangeReview as Review, HouseholdChildAdded as Added};
    let rows: Vec<(
        &str,
        Profile,
        Option<&HouseholdMember>,
        &HouseholdMember,
        RuleId,
    )> = vec![
        ("a child added to a DA household", da(), None, &child, Added),
        (
            "a visiting stepchild, child-risk profile",
            child_risk,
            None,
            &visiting,
            Added,
        ),
        ("an unborn child", da(), None, &unborn, Added),
        (
            "a child not living there or visiting",
            da(),
            None,
            &away,
            Review,
        ),
        ("a child moving in", da(), Some(&away), &child, Added),
        (
            "a child already there, unchanged",
            da(),
            Some(&child),
            &child,
            Review,
        ),
        ("a child put on a plan", da(), Some(&child), &on_plan, Added),
        (
            "a child still on a plan",
            da(),
            Some(&on_plan),
            &on_plan,
            Review,
        ),
        ("a lodger", da(), None, &lodger, Review),
        (
            "a child added, no risk profile",
            Profile::default(),
            None,
            &child,
            Review,
        ),
    ];
    for (name, profile, before, after, rule) in rows {
        let change = MemberChange {
            member_id: "m1",
            before,
            after,
        };
        let p = household_change(&CASE, &profile, &change);
        assert_eq!(p.rule, rule, "{name}");
        assert_eq!(p.assignee_role, AssigneeRole::ResponsibleOfficer, "{name}");
        assert_eq!(p.assignee.as_deref(), Some("jsmith"), "{name}");
        match rule {
            Added => {
                assert!(p.mandatory, "{name}");
                assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(1), "{name}");
            }
            _ => {
                assert!(!p.mandatory, "{name}");
                assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(5), "{name}");
            }
        }
    }
    let plan = household_change(
        &CASE,
        &da(),
        &MemberChange {
            member_id: "m1",
            before: Some(&child),
            after: &on_plan,
        },
    );
    assert!(plan.action.contains("A Jones"), "{}", plan.action);
    assert!(plan.rationale.contains("CHILD_PROTECTION_PLAN"));
    assert_eq!(
        plan.dedup_key,
        "household-child-added|X123456|member:m1:status:CHILD_PROTECTION_PLAN"
    );
}

fn assessment(children: RoshLevel, adult: RoshLevel, public: RoshLevel) -> RiskAssessment {
    RiskAssessment {
        assessed_on: date(2026, 3, 1),
        rosh_children: children,
        rosh_public: public,
        rosh_known_adult: adult,
        rosh_staff: RoshLevel::Low,
        who_is_at_risk: "partners".into(),
        nature_of_risk: "violence".into(),
        imminence: "not imminent".into(),
        increasing_factors: vec![],
        reducing_factors: vec![],
        risk_to_self: RiskToSelf::default(),
        flags: vec![],
        mappa: None,
        marac_count: 0,
        risk_management_plan: "plan".into(),
        staff_safety: "none".into(),
    }
}

#[test]
fn a_rise_in_risk_asks_the_officer_to_review_and_a_high_level_asks_the_manager() {
    use RoshLevel::*;
    let base = assessment(Medium, Medium, Low);
    let with_flag = |flag: RiskFlag| RiskAssessment {
        flags: vec![flag],
        ..base.clone()
    };
    let mappa = RiskAssessment {
        mappa: Some(crate::domain::risk::Mappa {
            category: 1,
            level: 2,
        }),
        ..base.clone()
    };
    // (name, previous, next, officer review, manager oversight)
    let rows: Vec<(&str, Option<RiskAssessment>, RiskAssessment, bool, bool)> = vec![
        (
            "children medium to high",
            Some(base.clone()),
            assessment(High, Medium, Low),
            true,
            true,
        ),
        (
            "known adult low to medium",
            Some(assessment(Medium, Low, Low)),
            base.clone(),
            true,
            false,
        ),
        (
            "public low to medium",
            Some(base.clone()),
            assessment(Medium, Medium, Medium),
            false,
            false,
        ),
        (
            "public to very high",
            Some(base.clone()),
            assessment(Medium, Medium, VeryHigh),
            true,
            true,
        ),
        (
            "child protection added",
            Some(base.clone()),
            with_flag(RiskFlag::ChildProtection),
            true,
            false,
        ),
        (
            "risk to children added",
            Some(base.clone()),
            with_flag(RiskFlag::RiskToChildren),
            true,
            false,
        ),
        ("MAPPA recorded", Some(base.clone()), mappa, true, false),
        (
            "another flag added",
            Some(base.clone()),
            with_flag(RiskFlag::RiskToStaff),
            false,
            false,
        ),
        ("unchanged", Some(base.clone()), base.clone(), false, false),
        (
            "lowered",
            Some(assessment(High, High, Low)),
            base.clone(),
            false,
            false,
        ),
        (
            "a first assessment",
            None,
            assessment(VeryHigh, VeryHigh, Low),
            false,
            false,
        ),
    ];
    for (name, previous, next, review, oversight) in rows {
        let out = risk_increase(&CASE, "a2", previous.as_ref(), &next);
        let rules: Vec<RuleId> = out.iter().map(|p| p.rule).collect();
        assert_eq!(
            rules.contains(&RuleId::RiskIncreasedReview),
            review,
            "{name}"
        );
        assert_eq!(
            rules.contains(&RuleId::RiskIncreasedOversight),
            oversight,
            "{name}"
        );
        for p in &out {
            assert!(p.mandatory, "{name}");
            assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(2), "{name}");
            match p.rule {
                RuleId::RiskIncreasedOversight => {
                    assert_eq!(p.assignee_role, AssigneeRole::ProbationManager);
                    assert_eq!(p.assignee, None);
                }
                _ => {
                    assert_eq!(p.assignee_role, AssigneeRole::ResponsibleOfficer);
                    assert_eq!(p.assignee.as_deref(), Some("jsmith"));
                }
            }
            assert!(p.dedup_key.ends_with("|X123456|assessment:a2"), "{name}");
        }
    }
    let out = risk_increase(&CASE, "a2", Some(&base), &assessment(High, Medium, Low));
    assert!(out[0].rationale.contains("RoSH to children MEDIUM → HIGH"));
}

#[test]
fn a_partner_change_in_pregnancy_is_found_from_dates_and_names() {
    let pregnancy = |partner: Option<&'static str>| PregnancyFact {
        expected_due_date: Some(date(2026, 8, 15)), // conceived about 2025-11-08
        partner,
        source: "PREGNANCY disclosure".into(),
    };
    let relationship =
        |partner: Option<&'static str>, started: Option<NaiveDate>| RelationshipFact {
            partner,
            started_on: started,
            source: "NEW_RELATIONSHIP disclosure".into(),
        };
    // (name, profile, facts, fires)
    let rows: Vec<(&str, Profile, PartnerFacts, bool)> = vec![
        (
            "relationship began after conception",
            da(),
            PartnerFacts {
                pregnancies: vec![pregnancy(Some("Jane"))],
                relationships: vec![relationship(Some("Jane"), Some(date(2026, 1, 10)))],
                declared_partner: None,
            },
            true,
        ),
        (
            "relationship began before conception",
            da(),
            PartnerFacts {
                pregnancies: vec![pregnancy(Some("Jane"))],
                relationships: vec![relationship(Some("Jane"), Some(date(2025, 6, 1)))],
                declared_partner: Some("jane "),
            },
            false,
        ),
        (
            "pregnancy names another partner than the declared one",
            da(),
            PartnerFacts {
                pregnancies: vec![pregnancy(Some("Ann"))],
                relationships: vec![],
                declared_partner: Some("Jane"),
            },
            true,
        ),
        (
            "a new relationship differs from the declared partner during a pregnancy",
            da(),
            PartnerFacts {
                pregnancies: vec![PregnancyFact {
                    expected_due_date: None,
                    partner: None,
                    source: "unborn child on the household record".into(),
                }],
                relationships: vec![relationship(Some("Ann"), None)],
                declared_partner: Some("Jane"),
            },
            true,
        ),
        (
            "a new relationship without any pregnancy",
            da(),
            PartnerFacts {
                pregnancies: vec![],
                relationships: vec![relationship(Some("Ann"), Some(date(2026, 1, 10)))],
                declared_partner: Some("Jane"),
            },
            false,
        ),
        (
            "late relationship but no DA profile",
            Profile::default(),
            PartnerFacts {
                pregnancies: vec![pregnancy(Some("Jane"))],
                relationships: vec![relationship(Some("Jane"), Some(date(2026, 1, 10)))],
                declared_partner: None,
            },
            false,
        ),
    ];
    for (name, profile, facts, fires) in rows {
        let out = pregnancy_partner_change(&CASE, &profile, &facts);
        assert_eq!(!out.is_empty(), fires, "{name}: {out:?}");
        for p in &out {
            assert_eq!(p.rule, RuleId::PregnancyPartnerChange);
            assert_eq!(p.assignee_role, AssigneeRole::ResponsibleOfficer);
            assert_eq!(p.assignee.as_deref(), Some("jsmith"));
            assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(1));
            assert!(p.mandatory);
        }
    }
    let both = PartnerFacts {
        pregnancies: vec![pregnancy(Some("Ann"))],
        relationships: vec![relationship(Some("Ann"), Some(date(2026, 1, 10)))],
        declared_partner: Some("Jane"),
    };
    let out = pregnancy_partner_change(&CASE, &da(), &both);
    assert_eq!(
        out.len(),
        1,
        "one prompt per pregnancy and partner: {out:?}"
    );
    assert_eq!(
        out[0].dedup_key,
        "pregnancy-partner-change|X123456|pregnancy:2026-08-15:ann"
    );
    assert!(
        out[0].rationale.contains("2025-11-08"),
        "{}",
        out[0].rationale
    );
}

fn at(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 10, 0, 0).unwrap() + Duration::days(days)
}

#[test]
fn three_incidents_within_ninety_days_are_a_pattern_for_the_manager() {
    let ids = ["i0", "i1", "i2", "i3"];
    let incidents = |days: &[i64]| -> Vec<Incident<'static>> {
        days.iter()
            .zip(ids)
            .map(|(d, id)| Incident {
                id,
                at: at(*d),
                summary: "police call-out",
            })
            .collect()
    };
    let rows: Vec<(&str, Vec<i64>, Option<&str>)> = vec![
        ("three in 60 days", vec![0, 30, 60], Some("i0")),
        ("three in 89 days", vec![0, 45, 89], Some("i0")),
        ("three over 90 days", vec![0, 45, 90], None),
        ("two", vec![0, 10], None),
        (
            "four, the first too old",
            vec![0, 100, 120, 150],
            Some("i1"),
        ),
        ("none", vec![], None),
    ];
    for (name, days, first) in rows {
        let p = domestic_incidents_pattern(&CASE, &incidents(&days));
        assert_eq!(
            p.as_ref().map(|p| p.dedup_key.clone()),
            first.map(|f| format!("domestic-incidents-pattern|X123456|since:{f}")),
            "{name}"
        );
        if let Some(p) = p {
            assert_eq!(p.assignee_role, AssigneeRole::ProbationManager, "{name}");
            assert_eq!(p.assignee, None);
            assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(1));
            assert!(p.mandatory);
        }
    }
}

#[test]
fn a_missed_session_is_urgent_only_when_risk_is_high() {
    let rows: Vec<(&str, Profile, bool)> = vec![
        (
            "RoSH high",
            Profile {
                highest_rosh: Some(RoshLevel::High),
                ..Profile::default()
            },
            true,
        ),
        (
            "DA with children",
            Profile {
                children_or_pregnancy: true,
                ..da()
            },
            true,
        ),
        ("DA without children", da(), false),
        (
            "children, no DA, medium RoSH",
            Profile {
                children_or_pregnancy: true,
                highest_rosh: Some(RoshLevel::Medium),
                ..Profile::default()
            },
            false,
        ),
    ];
    let raised = Utc.with_ymd_and_hms(2026, 3, 4, 11, 0, 0).unwrap();
    for (name, profile, fires) in rows {
        let p = missed_session_high_risk(&CASE, &profile, "ap1", raised, "MIND");
        assert_eq!(p.is_some(), fires, "{name}");
        if let Some(p) = p {
            assert_eq!(p.rule, RuleId::MissedSessionHighRisk);
            assert_eq!(p.assignee.as_deref(), Some("jsmith"));
            assert!(p.mandatory);
            assert_eq!(p.dedup_key, "missed-session-high-risk|X123456|ap1");
            // Due at 17:00 London on the same working day.
            let due = due_at(
                raised,
                p.deadline,
                &HolidayCalendar::england_and_wales(),
                &WorkingHours::default(),
            );
            assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 4, 17, 0, 0).unwrap());
        }
    }
}

#[test]
fn a_pregnancy_probation_recorded_asks_the_providers_lead_to_review_staff_safety() {
    let p = pregnancy_provider_review(&CASE, "MIND", "r1", "d1", " Partner is pregnant ");
    assert_eq!(p.rule, RuleId::PregnancyProviderReview);
    assert_eq!(p.assignee_role, AssigneeRole::ProviderSafeguardingLead);
    assert_eq!(p.assignee, None);
    assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(1));
    assert!(!p.mandatory);
    assert!(p.rationale.contains("\"Partner is pregnant\""));
    assert_eq!(
        p.dedup_key,
        "pregnancy-provider-review|X123456|r1|disclosure:d1"
    );
}
