//! Rules over the case itself, through HTTP: a household that changed, risk that rose, a partner
//! change in pregnancy, police incidents seen together, a missed session when risk is high.
//! The clock starts on Monday 2 March 2026, 09:00 UTC.

use crate::helpers::*;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

async fn open_prompts(app: &TestApp) -> Vec<Value> {
    let page = expect(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN&limit=200",
            &app.pp(),
        )
        .await,
        200,
        "list prompts",
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn with_rule<'a>(list: &'a [Value], rule: &str) -> Vec<&'a Value> {
    list.iter().filter(|p| p["rule"] == rule).collect()
}

async fn add_member(app: &TestApp, member: &Value) -> Value {
    expect(
        app.post(
            &format!("/api/v1/people/{CRN}/household-members"),
            &app.pp(),
            member,
        )
        .await,
        201,
        "add household member",
    )
    .await
}

async fn probation_disclosure(app: &TestApp, disclosure: &Value) -> Value {
    expect(
        app.post(
            &format!("/api/v1/people/{CRN}/disclosures"),
            &app.pp(),
            disclosure,
        )
        .await,
        201,
        "probation disclosure",
    )
    .await
}

fn child() -> Value {
    json!({
        "name": "Lily", "relationship": "PARTNERS_CHILD", "dateOfBirth": "2021-04-01",
        "livesInHousehold": true, "allocatedSocialWorker": "A Jones, Peterborough CSC",
        "source": {"kind": "POLICE", "reportedOn": "2026-03-01"}, "verified": false
    })
}

#[actix_web::test]
async fn a_child_added_to_a_da_perpetrators_household_asks_the_officer_to_check_with_social_care() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    add_member(&app, &child()).await;
    let open = open_prompts(&app).await;
    let added = with_rule(&open, "household-child-added");
    assert_eq!(added.len(), 1, "{open:?}");
    let p = added[0];
    assert_eq!(p["assigneeRole"], "RESPONSIBLE_OFFICER");
    assert_eq!(p["assignee"], "jsmith");
    assert_eq!(p["mandatory"], true);
    assert_eq!(p["dueAt"], "2026-03-03T17:00:00Z", "one working day");
    assert!(p["action"].as_str().unwrap().contains("A Jones"), "{p}");

    // Anyone else joining the household is a review, not the child check.
    add_member(
        &app,
        &json!({"name": "Dave", "relationship": "LODGER", "livesInHousehold": true,
                "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-03-01"}, "verified": false}),
    )
    .await;
    let open = open_prompts(&app).await;
    assert_eq!(with_rule(&open, "household-child-added").len(), 1);
    let review = with_rule(&open, "household-change-review");
    assert_eq!(review.len(), 1, "{open:?}");
    assert_eq!(review[0]["mandatory"], false);
    assert_eq!(
        review[0]["dueAt"], "2026-03-09T17:00:00Z",
        "five working days"
    );
}

#[actix_web::test]
async fn a_child_added_for_a_person_without_a_risk_profile_is_only_reviewed() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(CRN).await;
    add_member(&app, &child()).await;
    let open = open_prompts(&app).await;
    assert!(
        with_rule(&open, "household-child-added").is_empty(),
        "{open:?}"
    );
    assert_eq!(with_rule(&open, "household-change-review").len(), 1);
}

#[actix_web::test]
async fn a_rise_in_rosh_to_high_asks_the_officer_to_review_and_the_manager_to_oversee() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    assert!(
        with_rule(&open_prompts(&app).await, "risk-increased-review").is_empty(),
        "the first assessment is not a rise"
    );
    let mut raised = risk_body();
    raised["roshChildren"] = json!("HIGH");
    app.record_risk(CRN, &raised).await;
    let open = open_prompts(&app).await;
    let review = with_rule(&open, "risk-increased-review");
    assert_eq!(review.len(), 1, "{open:?}");
    assert_eq!(review[0]["assignee"], "jsmith");
    assert_eq!(
        review[0]["dueAt"], "2026-03-04T17:00:00Z",
        "two working days"
    );
    assert!(review[0]["rationale"]
        .as_str()
        .unwrap()
        .contains("RoSH to children MEDIUM → HIGH"));
    let oversight = with_rule(&open, "risk-increased-oversight");
    assert_eq!(oversight.len(), 1, "{open:?}");
    assert_eq!(oversight[0]["assigneeRole"], "PROBATION_MANAGER");
    assert_eq!(oversight[0]["mandatory"], true);
    let manager = body(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN&assignedToMe=true",
            &app.spo(),
        )
        .await,
    )
    .await;
    assert!(
        manager["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["rule"] == "risk-increased-oversight"),
        "the manager finds it among their own: {manager}"
    );

    // The same assessment again is no rise; nothing new.
    app.record_risk(CRN, &raised).await;
    let open = open_prompts(&app).await;
    assert_eq!(with_rule(&open, "risk-increased-review").len(), 1);
}

#[actix_web::test]
async fn a_relationship_that_began_after_the_likely_conception_date_is_a_partner_change_in_pregnancy(
) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    // Due 15 August 2026: conceived around 8 November 2025.
    probation_disclosure(
        &app,
        &json!({"type": "PREGNANCY", "disclosedAt": "2026-03-01T10:00:00Z", "disclosedBy": "PERSON_ON_PROBATION",
                "summary": "His partner Jane is pregnant",
                "details": {"whoIsPregnant": "PARTNER", "expectedDueDate": "2026-08-15", "partnerName": "Jane Doe"}}),
    )
    .await;
    assert!(with_rule(&open_prompts(&app).await, "pregnancy-partner-change").is_empty());
    let out = probation_disclosure(
        &app,
        &json!({"type": "NEW_RELATIONSHIP", "disclosedAt": "2026-03-02T08:00:00Z", "disclosedBy": "PERSON_ON_PROBATION",
                "summary": "Says he has been with Jane since January",
                "details": {"partnerName": "Jane Doe", "relationshipStartedOn": "2026-01-10"}}),
    )
    .await;
    let open = open_prompts(&app).await;
    let change = with_rule(&open, "pregnancy-partner-change");
    assert_eq!(change.len(), 1, "{open:?}");
    let p = change[0];
    assert_eq!(p["assignee"], "jsmith");
    assert_eq!(p["mandatory"], true);
    assert_eq!(p["dueAt"], "2026-03-03T17:00:00Z");
    assert!(
        p["rationale"].as_str().unwrap().contains("2025-11-08"),
        "{p}"
    );
    assert!(
        out["promptsRaised"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "pregnancy-partner-change"),
        "the disclosure response lists it: {out}"
    );
}

#[actix_web::test]
async fn three_police_incidents_in_sixty_days_go_to_the_officers_manager_together() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let incident = |at: &str| {
        json!({"type": "DOMESTIC_ABUSE_INCIDENT", "disclosedAt": at, "disclosedBy": "THIRD_PARTY",
               "summary": "Police called to the address after a row"})
    };
    probation_disclosure(&app, &incident("2026-01-05T22:00:00Z")).await;
    probation_disclosure(&app, &incident("2026-02-01T23:00:00Z")).await;
    assert!(with_rule(&open_prompts(&app).await, "domestic-incidents-pattern").is_empty());
    probation_disclosure(&app, &incident("2026-03-01T21:00:00Z")).await;
    let open = open_prompts(&app).await;
    let pattern = with_rule(&open, "domestic-incidents-pattern");
    assert_eq!(pattern.len(), 1, "{open:?}");
    assert_eq!(pattern[0]["assigneeRole"], "PROBATION_MANAGER");
    assert_eq!(pattern[0]["mandatory"], true);
    assert_eq!(pattern[0]["dueAt"], "2026-03-03T17:00:00Z");
    assert!(pattern[0]["rationale"]
        .as_str()
        .unwrap()
        .starts_with("3 domestic abuse incidents"));
    // A fourth in the same window is covered by the open prompt.
    probation_disclosure(&app, &incident("2026-03-02T07:00:00Z")).await;
    assert_eq!(
        with_rule(&open_prompts(&app).await, "domestic-incidents-pattern").len(),
        1
    );
}

#[actix_web::test]
async fn a_missed_session_in_a_da_case_with_a_pregnancy_asks_the_officer_to_make_contact_today() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let session = app
        .book_session(&case.referral_id, "2026-03-04T10:00:00Z")
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 11, 0, 0).unwrap());
    let path = format!("/api/v1/appointments/{session}/attendance");
    let missed = json!({"attended": "NO", "noAttendanceReason": "POP_UNACCEPTABLE",
                        "behaviourConcern": false, "notifyResponsibleOfficer": false});
    // No children or pregnancy on record yet: the usual absence decision only.
    expect(
        app.put(&path, &app.worker(), &missed).await,
        200,
        "attendance",
    )
    .await;
    assert!(with_rule(&open_prompts(&app).await, "missed-session-high-risk").is_empty());

    add_member(
        &app,
        &json!({"name": "Unborn child of Jane Doe", "relationship": "UNBORN_CHILD", "expectedDueDate": "2026-08-15",
                "livesInHousehold": true, "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-03-04"}, "verified": false}),
    )
    .await;
    let second = app
        .book_session(&case.referral_id, "2026-03-04T14:00:00Z")
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 15, 0, 0).unwrap());
    expect(
        app.put(
            &format!("/api/v1/appointments/{second}/attendance"),
            &app.worker(),
            &missed,
        )
        .await,
        200,
        "attendance",
    )
    .await;
    let open = open_prompts(&app).await;
    let urgent = with_rule(&open, "missed-session-high-risk");
    assert_eq!(urgent.len(), 1, "{open:?}");
    assert_eq!(urgent[0]["assignee"], "jsmith");
    assert_eq!(urgent[0]["mandatory"], true);
    assert_eq!(
        urgent[0]["dueAt"], "2026-03-04T17:00:00Z",
        "the same working day"
    );
}

#[actix_web::test]
async fn a_pregnancy_probation_records_reaches_the_providers_lead_and_marac_is_advisory_at_medium()
{
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let out = probation_disclosure(
        &app,
        &json!({"type": "PREGNANCY", "disclosedAt": "2026-03-02T08:00:00Z", "disclosedBy": "PERSON_ON_PROBATION",
                "summary": "His partner is pregnant", "details": {"whoIsPregnant": "PARTNER"}}),
    )
    .await;
    let raised = out["promptsRaised"].as_array().unwrap();
    let marac = raised
        .iter()
        .find(|p| p["rule"] == "da-marac-rereferral")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(marac["mandatory"], false, "RoSH to a known adult is MEDIUM");
    let page = expect(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN",
            &app.provider_manager(),
        )
        .await,
        200,
        "provider prompts",
    )
    .await;
    let review: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rule"] == "pregnancy-provider-review")
        .collect();
    assert_eq!(review.len(), 1, "{page}");
    assert_eq!(review[0]["assigneeRole"], "PROVIDER_SAFEGUARDING_LEAD");
}

#[actix_web::test]
async fn a_pregnancy_for_a_person_with_children_on_plans_before_is_referred_to_social_care() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(CRN).await;
    let mut risk = risk_body();
    risk["flags"] = json!(["CHILD_PROTECTION"]);
    risk["roshChildren"] = json!("LOW");
    risk["roshKnownAdult"] = json!("LOW");
    risk["maracCount"] = json!(0);
    app.record_risk(CRN, &risk).await;
    probation_disclosure(
        &app,
        &json!({"type": "PREGNANCY", "disclosedAt": "2026-03-02T08:00:00Z", "disclosedBy": "PERSON_ON_PROBATION",
                "summary": "His partner is pregnant", "details": {"whoIsPregnant": "PARTNER"}}),
    )
    .await;
    let open = open_prompts(&app).await;
    assert_eq!(
        with_rule(&open, "pregnancy-da-mash-referral").len(),
        1,
        "{open:?}"
    );
    assert!(with_rule(&open, "da-clares-law").is_empty());
}
