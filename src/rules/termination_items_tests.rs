//! Tables for the case-wide termination items: present, outstanding, satisfied, confirmable.

use super::*;
use crate::rules::termination::{checklist, Completion, Confirmation, ItemState, RiskChange};
use chrono::TimeZone;

fn t(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, 10, 0, 0).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn facts(case: CaseReviewFacts) -> ReviewFacts {
    ReviewFacts {
        order_id: "o1".into(),
        case,
        ..Default::default()
    }
}

fn base() -> CaseReviewFacts {
    CaseReviewFacts {
        today: Some(day(12, 1)),
        end_date: Some(day(12, 31)),
        latest_risk_on: Some(day(10, 1)),
        ..Default::default()
    }
}

fn state(f: &ReviewFacts, id: &str) -> Option<ItemState> {
    checklist(f)
        .into_iter()
        .find(|i| i.id == id)
        .map(|i| i.state)
}

#[test]
fn each_case_item_appears_when_its_fact_does_and_blocks_until_resolved() {
    use ItemState::*;
    let outcome = ShortOutcome {
        referral_id: "r1".into(),
        provider_org: "MIND".into(),
        outcome_id: "x".into(),
        description: "Manages emotions".into(),
        level: "NOT_ACHIEVED".into(),
        provider_comment: None,
        submitted_at: t(11, 20),
    };
    let declined = UnrunReferral {
        id: "r2".into(),
        provider_org: "NACRO".into(),
        status: "DECLINED".into(),
        reason: Some("No capacity".into()),
        changed_at: t(6, 1),
    };
    // (name, facts, item id, expected state; None = the item is absent)
    let rows: Vec<(&str, CaseReviewFacts, &str, Option<ItemState>)> = vec![
        ("no outcome shortfall", base(), "outcome-r1-x", None),
        (
            "an outcome not achieved",
            CaseReviewFacts {
                short_outcomes: vec![outcome.clone()],
                ..base()
            },
            "outcome-r1-x",
            Some(Outstanding),
        ),
        (
            "a declined referral",
            CaseReviewFacts {
                unrun_referrals: vec![declined.clone()],
                ..base()
            },
            "referral-not-delivered-r2",
            Some(Outstanding),
        ),
        ("no children", base(), "childrens-social-care", None),
        (
            "a pregnancy known",
            CaseReviewFacts {
                children_known: vec!["PREGNANCY disclosure".into()],
                ..base()
            },
            "childrens-social-care",
            Some(Outstanding),
        ),
        (
            "a current assessment",
            base(),
            "risk-review",
            Some(Satisfied),
        ),
        (
            "an assessment over 6 months old",
            CaseReviewFacts {
                latest_risk_on: Some(day(5, 31)),
                ..base()
            },
            "risk-review",
            Some(Outstanding),
        ),
        (
            "an assessment older than a prompting disclosure",
            CaseReviewFacts {
                last_prompting_disclosure: Some(day(11, 2)),
                ..base()
            },
            "risk-review",
            Some(Outstanding),
        ),
        (
            "no assessment",
            CaseReviewFacts {
                latest_risk_on: None,
                ..base()
            },
            "risk-review",
            Some(Outstanding),
        ),
        ("nothing in flight", base(), "enforcement", None),
        (
            "a warning this year",
            CaseReviewFacts {
                recent_warnings: vec![t(9, 1)],
                ..base()
            },
            "enforcement",
            Some(Outstanding),
        ),
        (
            "a breach undecided",
            CaseReviewFacts {
                open_breach_prompts: vec![("p1".into(), t(11, 1))],
                ..base()
            },
            "enforcement",
            Some(Outstanding),
        ),
        ("before the end date", base(), "past-end-date", None),
        (
            "past the end date",
            CaseReviewFacts {
                end_date: Some(day(11, 30)),
                ..base()
            },
            "past-end-date",
            Some(Outstanding),
        ),
    ];
    for (name, case, id, expected) in rows {
        assert_eq!(state(&facts(case), id), expected, "{name}");
    }
}

#[test]
fn an_officer_comment_confirms_an_outcome_and_a_dated_entry_tells_social_care() {
    let mut f = facts(CaseReviewFacts {
        short_outcomes: vec![ShortOutcome {
            referral_id: "r1".into(),
            provider_org: "MIND".into(),
            outcome_id: "x".into(),
            description: "Manages emotions".into(),
            level: "PARTIALLY_ACHIEVED".into(),
            provider_comment: Some("Some progress".into()),
            submitted_at: t(11, 20),
        }],
        children_known: vec!["unborn child on the household record".into()],
        ..base()
    });
    // A comment made before the report arrived does not count.
    f.confirmations.insert(
        "outcome-r1-x".into(),
        Confirmation {
            at: t(11, 1),
            by: "jsmith".into(),
            note: "early".into(),
        },
    );
    assert_eq!(state(&f, "outcome-r1-x"), Some(ItemState::Outstanding));
    f.confirmations.insert(
        "outcome-r1-x".into(),
        Confirmation {
            at: t(11, 21),
            by: "jsmith".into(),
            note: "Will continue in supervision".into(),
        },
    );
    assert_eq!(state(&f, "outcome-r1-x"), Some(ItemState::Confirmed));

    let complete = |agencies: Vec<AgencyNotified>| Completion {
        completed_at: t(11, 30),
        risk_of_reoffending: RiskChange::Same,
        risk_of_serious_harm: RiskChange::Same,
        agencies_notified: agencies,
        signed_off_at: None,
    };
    let csc = Agency::ChildrensSocialCare;
    f.completion = Some(complete(vec![
        AgencyNotified::new(Agency::Police, day(11, 29), None),
        AgencyNotified::from_text("Children's social care"),
    ]));
    assert_eq!(
        state(&f, "childrens-social-care"),
        Some(ItemState::Outstanding)
    );
    let told = AgencyNotified::new(csc, day(11, 29), Some("MASH-4411".into()));
    f.completion = Some(complete(vec![told.clone()]));
    let item = checklist(&f)
        .into_iter()
        .find(|i| i.id == "childrens-social-care")
        .unwrap();
    assert_eq!(item.state, ItemState::Satisfied);
    assert!(
        item.evidence
            .ends_with("Told: CHILDRENS_SOCIAL_CARE on 2026-11-29 (reference MASH-4411)"),
        "{}",
        item.evidence
    );

    let today = day(12, 1);
    for (entry, told) in [
        (told.clone(), true),
        (AgencyNotified::new(csc, day(12, 1), None), true),
        (AgencyNotified::new(csc, day(12, 2), None), false),
        (
            AgencyNotified::new(Agency::Police, day(11, 29), None),
            false,
        ),
        // read from an old free-text row
        (
            AgencyNotified::from_text("CHILDRENS_SOCIAL_CARE 2026-11-29 MASH-4411"),
            true,
        ),
        (AgencyNotified::from_text("CHILDRENS_SOCIAL_CARE"), false),
        (AgencyNotified::from_text("Children's social care"), false),
    ] {
        assert_eq!(
            social_care_told(std::slice::from_ref(&entry), today).is_some(),
            told,
            "{entry}"
        );
    }
}
