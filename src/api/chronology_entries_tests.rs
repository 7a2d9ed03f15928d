//! Table tests of the chronology's entries: words, risk changes, merging, windows, leaving out.

use super::*;
use crate::db::people::PersonRow;
use crate::domain::case_note::Sensitivity;
use crate::domain::risk::{RiskFlag, RiskToSelf, RoshLevel};
use chrono::NaiveDate;

fn at(d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn assessment(children: RoshLevel, flags: Vec<RiskFlag>) -> RiskAssessment {
    RiskAssessment {
        assessed_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
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
        flags,
        mappa: None,
        marac_count: 0,
        risk_management_plan: "plan".into(),
        staff_safety: "none".into(),
    }
}

fn person() -> PersonRow {
    PersonRow {
        crn: "X123456".into(),
        managing_org: "PDU".into(),
        first_name: "Stephen".into(),
        last_name: "Smith".into(),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
        pnc_number: None,
        address: None,
        created_at: at(1, 9),
        updated_at: at(1, 9),
        updated_by: "jsmith".into(),
        search_name: None,
    }
}

fn event_row(id: &str, kind: &str, when: NaiveDateTime, org: Option<&str>, url: &str) -> EventRow {
    EventRow {
        id: id.into(),
        seq: Some(1),
        event_type: format!("rarlink.{kind}"),
        version: 1,
        occurred_at: when,
        description: format!("{kind} happened"),
        detail_url: url.into(),
        additional_information: r#"{"fromOfficer":"jsmith","toOfficer":"tbrown","promptsMoved":2}"#
            .into(),
        crn: Some("X123456".into()),
        org_code: "PDU".into(),
        provider_org_code: None,
        actor_sub: org.map(|_| "someone".into()),
        actor_org: org.map(str::to_string),
    }
}

fn declaration_row(id: &str, when: NaiveDateTime, statement: &str) -> DeclarationRow {
    DeclarationRow {
        id: id.into(),
        crn: "X123456".into(),
        declared_at: when,
        body: serde_json::to_string(&json!({"declaredAt": when.and_utc(),
            "childrenInHousehold": false, "contactWithChildren": false, "statement": statement}))
        .unwrap(),
        recorded_at: at(9, 9),
        recorded_by: "jsmith".into(),
    }
}

fn rows() -> ChronologyRows {
    ChronologyRows {
        person: person(),
        disclosures: vec![],
        declarations: vec![],
        attendance: vec![],
        prompts: vec![],
        risks: vec![],
        events: vec![],
        notes: HashMap::new(),
        note_bodies: true,
    }
}

fn window(limit: i64) -> Window {
    Window {
        limit,
        ..Window::default()
    }
}

#[test]
fn structured_facts_read_as_words() {
    for (value, words) in [
        (json!(null), ""),
        (json!(true), "yes"),
        (json!(3), "3"),
        (json!(["a", null, "b"]), "a, b"),
        (
            json!({"whoIsPregnant": "PARTNER", "claimsParentage": false, "x": null}),
            "claimsParentage: no; whoIsPregnant: PARTNER",
        ),
        (json!({"a": {"b": 1}}), "a: b: 1"),
    ] {
        assert_eq!(in_words(&value), words, "{value}");
    }
}

#[test]
fn a_risk_entry_says_which_levels_and_flags_changed() {
    let da = RiskFlag::DomesticAbusePerpetrator;
    let cases = [
        (
            assessment(RoshLevel::Medium, vec![da]),
            assessment(RoshLevel::High, vec![da, RiskFlag::ChildConcerns]),
            vec!["RoSH children MEDIUM to HIGH", "flag added CHILD_CONCERNS"],
        ),
        (
            assessment(RoshLevel::Medium, vec![da]),
            assessment(RoshLevel::Medium, vec![]),
            vec!["flag removed DOMESTIC_ABUSE_PERPETRATOR"],
        ),
        (
            assessment(RoshLevel::Low, vec![]),
            assessment(RoshLevel::Low, vec![]),
            vec![],
        ),
    ];
    for (before, now, expected) in cases {
        assert_eq!(risk_changes(&before, &now), expected);
    }
}

#[test]
fn entries_merge_every_source_in_the_order_things_happened_up_to_the_limit() {
    let mut r = rows();
    r.declarations = vec![declaration_row("d1", at(2, 10), "No children involved")];
    r.events = vec![
        event_row("e1", "referral.sent", at(1, 9), Some("PDU"), "/r"),
        event_row("e2", "referral.accepted", at(3, 9), Some("MIND"), "/r"),
        event_row("e3", "safeguarding-prompt.overdue", at(4, 9), None, "/p"),
    ];
    let all = entries(r, &window(10)).unwrap();
    let seen: Vec<(&str, Role)> = all.iter().map(|e| (e.kind.as_str(), e.role)).collect();
    assert_eq!(
        seen,
        [
            ("referral.sent", Role::Probation),
            ("household-declaration", Role::Probation),
            ("referral.accepted", Role::Provider),
            ("safeguarding-prompt.overdue", Role::System),
        ]
    );
    assert_eq!(all[1].occurred_at, at(2, 10).and_utc());
    assert_eq!(all[1].recorded_at, at(9, 9).and_utc());
    assert!(all[1]
        .summary
        .starts_with("No children involved; children in household: no"));
    assert_eq!(all[3].agency, "rarlink");
    let mut r = rows();
    r.events = (1..=5)
        .map(|d| {
            event_row(
                &format!("e{d}"),
                "referral.sent",
                at(d, 9),
                Some("PDU"),
                "/r",
            )
        })
        .collect();
    assert_eq!(entries(r, &window(2)).unwrap().len(), 2);
}

#[test]
fn risk_entries_outside_the_window_or_before_the_cursor_are_left_out() {
    let mut second = assessment(RoshLevel::High, vec![]);
    second.assessed_on = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
    let risk = |id: &str, a: &RiskAssessment| RiskRow {
        id: id.into(),
        crn: "X123456".into(),
        assessed_on: a.assessed_on,
        recorded_at: a.assessed_on.and_hms_opt(12, 0, 0).unwrap(),
        recorded_by: "jsmith".into(),
        body: serde_json::to_string(a).unwrap(),
    };
    let first = assessment(RoshLevel::Medium, vec![]);
    let cases = [
        (Window::default(), vec!["a", "b"]),
        (
            Window {
                from: Some(at(2, 0)),
                ..Window::default()
            },
            vec!["b"],
        ),
        (
            Window {
                after: Some((at(1, 0), "a".into())),
                ..Window::default()
            },
            vec!["b"],
        ),
        (
            Window {
                to: Some(at(1, 0)),
                ..Window::default()
            },
            vec![],
        ),
    ];
    for (mut w, expected) in cases {
        w.limit = 10;
        let mut r = rows();
        r.risks = vec![risk("a", &first), risk("b", &second)];
        let got = entries(r, &w).unwrap();
        let ids: Vec<&str> = got.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, expected, "{w:?}");
    }
    let mut r = rows();
    r.risks = vec![risk("a", &first), risk("b", &second)];
    let got = entries(r, &window(10)).unwrap();
    assert!(got[1]
        .summary
        .contains("changes: RoSH children MEDIUM to HIGH"));
    assert!(got[0].summary.contains("first assessment"));
}

#[test]
fn a_case_note_the_caller_may_not_read_is_left_out_not_shown_without_its_words() {
    let note = CaseNoteRow {
        id: "n1".into(),
        referral_id: "r1".into(),
        crn: "X123456".into(),
        probation_org: "PDU".into(),
        provider_org: "MIND".into(),
        author_org: "MIND".into(),
        author_sub: "akhan".into(),
        author_name: "A Khan".into(),
        subject: "Session 3".into(),
        body: "Mentioned a girlfriend".into(),
        sensitivity: Sensitivity::Standard,
        corrects: None,
        disclosure_id: None,
        not_a_disclosure_reason: None,
        possible_disclosure: None,
        prompt_id: None,
        created_at: at(2, 9),
    };
    for (may_read, shown) in [(true, true), (false, false)] {
        let mut r = rows();
        r.note_bodies = may_read;
        r.notes.insert("n1".into(), note.clone());
        r.events = vec![event_row(
            "e1",
            "case-note.added",
            at(2, 9),
            Some("MIND"),
            "/api/v1/case-notes/n1",
        )];
        let got = entries(r, &window(10)).unwrap();
        assert_eq!(got.len(), usize::from(shown));
        if shown {
            assert!(got[0].summary.contains("Session 3: Mentioned a girlfriend"));
            assert_eq!(got[0].detail["body"], "Mentioned a girlfriend");
        }
    }
}

#[test]
fn an_order_transfer_says_from_whom_to_whom() {
    let mut r = rows();
    r.events = vec![event_row(
        "e1",
        "order.transferred",
        at(2, 9),
        Some("PDU"),
        "/o",
    )];
    let got = entries(r, &window(10)).unwrap();
    assert_eq!(
        got[0].summary,
        "Order transferred from jsmith to tbrown; 2 open safeguarding action(s) moved with it"
    );
}
