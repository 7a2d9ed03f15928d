//! Tables for the termination checklist: what is outstanding, what shrinks it, when it completes.
use super::*;
use chrono::TimeZone;

fn t(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, 10, 0, 0).unwrap()
}

fn facts() -> ReviewFacts {
    ReviewFacts {
        order_id: "o1".into(),
        referrals: vec![ReferralFact {
            id: "r1".into(),
            provider_org: "MIND".into(),
            rar_days: 10,
            delivered: 2,
            end_of_service_at: None,
            plan: None,
        }],
        disclosures: vec![DisclosureFact {
            id: "d1".into(),
            kind: "PREGNANCY".into(),
            summary: "dad soon".into(),
            disclosed_at: t(1),
            recorded_at: t(1),
            agency: "MIND".into(),
            changes_household: true,
        }],
        prompts: vec![PromptFact {
            id: "p1".into(),
            title: "Refer to MASH".into(),
            raised_at: t(1),
            resolved_at: None,
            not_required: false,
            org: "PDU".into(),
        }],
        ..Default::default()
    }
}

fn outstanding(items: &[Item]) -> Vec<String> {
    blocking_completion(items)
        .iter()
        .map(|i| i.id.clone())
        .collect()
}

fn confirm(f: &mut ReviewFacts, id: &str, day: u32) {
    f.confirmations.insert(
        id.into(),
        Confirmation {
            at: t(day),
            by: "jsmith".into(),
            note: "done".into(),
        },
    );
}

#[test]
fn everything_providers_reported_is_outstanding_until_considered() {
    let f = facts();
    let items = checklist(&f);
    assert_eq!(
        outstanding(&items),
        vec![
            "rar-days-r1",
            "provider-report-r1",
            "disclosure-d1",
            "prompt-p1",
            "household"
        ]
    );
    assert_eq!(status(&f, &items, false), ReviewStatus::InProgress);
}

#[test]
fn resolving_and_confirming_shrinks_the_list_until_it_can_be_completed() {
    let mut f = facts();
    f.prompts[0].resolved_at = Some(t(2));
    confirm(&mut f, "disclosure-d1", 3);
    confirm(&mut f, "household", 3);
    assert_eq!(
        outstanding(&checklist(&f)),
        vec!["rar-days-r1", "provider-report-r1"]
    );
    f.referrals[0].end_of_service_at = Some(t(3));
    confirm(&mut f, "rar-days-r1", 4);
    let items = checklist(&f);
    assert!(outstanding(&items).is_empty());
    assert_eq!(status(&f, &items, true), ReviewStatus::ReadyToComplete);
    f.completion = Some(Completion {
        completed_at: t(5),
        risk_of_reoffending: RiskChange::Same,
        risk_of_serious_harm: RiskChange::Increased,
        agencies_notified: vec![police()],
        signed_off_at: None,
    });
    let items = checklist(&f);
    assert_eq!(status(&f, &items, true), ReviewStatus::AwaitingSignOff);
    f.completion.as_mut().unwrap().signed_off_at = Some(t(6));
    assert_eq!(status(&f, &checklist(&f), true), ReviewStatus::Complete);
}

#[test]
fn a_disclosure_after_completion_reopens_the_review() {
    let mut f = facts();
    f.prompts.clear();
    f.referrals[0].delivered = 10;
    f.referrals[0].end_of_service_at = Some(t(2));
    confirm(&mut f, "disclosure-d1", 3);
    confirm(&mut f, "household", 3);
    f.completion = Some(Completion {
        completed_at: t(4),
        risk_of_reoffending: RiskChange::Same,
        risk_of_serious_harm: RiskChange::Same,
        agencies_notified: vec![police()],
        signed_off_at: None,
    });
    assert_eq!(status(&f, &checklist(&f), false), ReviewStatus::Complete);
    f.disclosures.push(DisclosureFact {
        id: "d2".into(),
        kind: "NEW_RELATIONSHIP".into(),
        summary: "new partner".into(),
        disclosed_at: t(5),
        recorded_at: t(5),
        agency: "MIND".into(),
        changes_household: true,
    });
    let items = checklist(&f);
    assert_eq!(
        outstanding(&items),
        vec!["disclosure-d2", "household"],
        "the household must be reviewed again too"
    );
    assert_eq!(status(&f, &items, false), ReviewStatus::InProgress);
    confirm(&mut f, "disclosure-d2", 6);
    confirm(&mut f, "household", 6);
    assert_eq!(
        status(&f, &checklist(&f), false),
        ReviewStatus::ReadyToComplete,
        "the old completion is stale"
    );
}

#[test]
fn sign_off_is_needed_when_risk_rose_the_rar_fell_short_or_a_prompt_was_not_required() {
    let mut f = facts();
    assert_eq!(
        sign_off_reasons(&f, RiskChange::Same, RiskChange::Same).len(),
        1,
        "RAR shortfall"
    );
    f.referrals[0].delivered = 10;
    assert!(sign_off_reasons(&f, RiskChange::Reduced, RiskChange::Same).is_empty());
    assert_eq!(
        sign_off_reasons(&f, RiskChange::Increased, RiskChange::Same).len(),
        1
    );
    f.prompts[0].not_required = true;
    assert_eq!(
        sign_off_reasons(&f, RiskChange::Same, RiskChange::Same).len(),
        1
    );
}

#[test]
fn a_prompt_cannot_be_confirmed_away_only_resolved() {
    let mut f = facts();
    confirm(&mut f, "prompt-p1", 2);
    let items = checklist(&f);
    let prompt = items.iter().find(|i| i.id == "prompt-p1").unwrap();
    assert_eq!(prompt.state, ItemState::Outstanding);
    assert!(!prompt.confirmable);
}

#[test]
fn activities_of_the_approved_plan_never_delivered_are_noted_until_the_officer_confirms() {
    let plan = |attended: u32| PlanFact {
        version: 2,
        sessions: 6,
        attended,
        activities: vec!["Anger work".into(), "Relationships".into()],
        approved_at: Some(t(1)),
    };
    let cases = [
        (
            0,
            ItemState::Outstanding,
            "never delivered: Anger work; Relationships",
        ),
        (
            3,
            ItemState::Outstanding,
            "3 of 6 planned sessions attended; sessions are not linked",
        ),
        (6, ItemState::Satisfied, "6 of 6 planned sessions attended"),
    ];
    for (attended, state, evidence) in cases {
        let mut f = facts();
        f.referrals[0].plan = Some(plan(attended));
        let items = checklist(&f);
        let item = items.iter().find(|i| i.id == "action-plan-r1").unwrap();
        assert_eq!(item.kind, ItemKind::ActionPlan);
        assert_eq!(item.state, state, "{attended}");
        assert!(item.evidence.contains(evidence), "{}", item.evidence);
    }
    let mut f = facts();
    f.referrals[0].plan = Some(plan(0));
    confirm(&mut f, "action-plan-r1", 2);
    let items = checklist(&f);
    assert!(!outstanding(&items).contains(&"action-plan-r1".to_string()));
    assert!(checklist(&facts())
        .iter()
        .all(|i| i.kind != ItemKind::ActionPlan));
}

fn police() -> crate::domain::agency_notice::AgencyNotified {
    crate::domain::agency_notice::AgencyNotified::new(
        crate::domain::prompt::Agency::Police,
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        None,
    )
}
