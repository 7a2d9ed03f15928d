//! Action plans: the provider drafts and submits, the officer approves or sends back; versions
//! are kept, one approved plan is current, and it limits the delivery sessions booked.

use crate::helpers::*;
use crate::scenario::*;
use serde_json::{json, Value};

async fn app() -> (TestApp, Case, String) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().expect("seeded case");
    let referral = expect(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.pp(),
        )
        .await,
        200,
        "referral",
    )
    .await;
    let outcome = referral["desiredOutcomes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (app, case, outcome)
}

fn plans(case: &Case) -> String {
    format!("/api/v1/referrals/{}/action-plans", case.referral_id)
}

fn plan_body(outcome: &str, sessions: u32) -> Value {
    json!({"activities": [{"description": "Weekly one-to-one on escalation in relationships", "desiredOutcomeId": outcome}],
           "numberOfSessions": sessions})
}

async fn draft(app: &TestApp, case: &Case, outcome: &str, sessions: u32) -> String {
    id_of(
        &expect(
            app.post(&plans(case), &app.worker(), &plan_body(outcome, sessions))
                .await,
            201,
            "draft plan",
        )
        .await,
    )
}

async fn act(app: &TestApp, case: &Case, plan: &str, action: &str, token: &str) -> Value {
    expect(
        app.post(
            &format!("{}/{plan}/{action}", plans(case)),
            token,
            &json!({}),
        )
        .await,
        200,
        action,
    )
    .await
}

/// An approved plan of `sessions` sessions, as a new version.
async fn approved(app: &TestApp, case: &Case, outcome: &str, sessions: u32) -> String {
    let plan = draft(app, case, outcome, sessions).await;
    act(app, case, &plan, "submit", &app.worker()).await;
    act(app, case, &plan, "approve", &app.pp()).await;
    plan
}

#[actix_web::test]
async fn a_plan_goes_draft_submitted_approved_and_a_second_version_supersedes_it() {
    let (app, case, outcome) = app().await;
    let first = draft(&app, &case, &outcome, 6).await;
    // Approving a plan that is not submitted is a conflict.
    let p = problem(
        app.post(
            &format!("{}/{first}/approve", plans(&case)),
            &app.pp(),
            &json!({}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "DRAFT");
    // While a version is open no other is started.
    problem(
        app.post(&plans(&case), &app.worker(), &plan_body(&outcome, 8))
            .await,
        409,
    )
    .await;

    assert_eq!(
        act(&app, &case, &first, "submit", &app.worker()).await["status"],
        "SUBMITTED"
    );
    let approved_first = act(&app, &case, &first, "approve", &app.pp()).await;
    assert_eq!(approved_first["status"], "APPROVED");
    assert_eq!(approved_first["decidedBy"], "jsmith");

    let second = approved(&app, &case, &outcome, 8).await;
    let list = expect(app.get(&plans(&case), &app.pp()).await, 200, "versions").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], second.as_str());
    assert_eq!(items[0]["version"], 2);
    assert_eq!(items[0]["status"], "APPROVED");
    assert_eq!(items[1]["status"], "SUPERSEDED");
    assert_eq!(list["currentApproved"], second.as_str());

    let events = expect(
        app.get(
            "/api/v1/events?type=rarlink.action-plan.approved",
            &app.worker(),
        )
        .await,
        200,
        "events",
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn the_officer_sends_a_plan_back_with_a_note_and_the_provider_writes_a_new_version() {
    let (app, case, outcome) = app().await;
    let plan = draft(&app, &case, &outcome, 6).await;
    act(&app, &case, &plan, "submit", &app.worker()).await;
    let path = format!("{}/{plan}/request-changes", plans(&case));
    let p = problem(app.post(&path, &app.pp(), &json!({"note": " "})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "note");
    let back = expect(
        app.post(&path, &app.pp(), &json!({"note": "Add work on alcohol"}))
            .await,
        200,
        "request changes",
    )
    .await;
    assert_eq!(back["status"], "CHANGES_REQUESTED");
    assert_eq!(back["changeRequestNote"], "Add work on alcohol");
    let next = draft(&app, &case, &outcome, 8).await;
    assert_ne!(next, plan);
    // An activity against an outcome the referral does not have is refused.
    let bad = app
        .post(
            &plans(&case),
            &app.worker(),
            &plan_body(&uuid::Uuid::now_v7().to_string(), 8),
        )
        .await;
    let p = problem(bad, 422).await;
    assert_eq!(p["errors"][0]["field"], "activities[0].desiredOutcomeId");
}

#[actix_web::test]
async fn booking_beyond_the_approved_sessions_is_refused_until_a_new_version_is_approved() {
    let (app, case, outcome) = app().await;
    approved(&app, &case, &outcome, 2).await;
    app.book_session(&case.referral_id, "2026-03-04T10:00:00Z")
        .await;
    app.book_session(&case.referral_id, "2026-03-05T10:00:00Z")
        .await;
    let third = json!({"startsAt": "2026-03-06T10:00:00Z", "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"});
    let path = format!("/api/v1/referrals/{}/appointments", case.referral_id);
    let p = problem(app.post(&path, &app.worker(), &third).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("allows 2"), "{p}");
    // An assessment is not a delivery session and is not limited.
    let assessment = json!({"startsAt": "2026-03-06T11:00:00Z", "durationMinutes": 60, "kind": "ASSESSMENT", "method": "PHONE"});
    expect(
        app.post(&path, &app.worker(), &assessment).await,
        201,
        "assessment",
    )
    .await;

    approved(&app, &case, &outcome, 3).await;
    expect(
        app.post(&path, &app.worker(), &third).await,
        201,
        "third session",
    )
    .await;
}

#[actix_web::test]
async fn another_organisation_sees_no_plan_and_each_side_does_only_its_part() {
    let (app, case, outcome) = app().await;
    let plan = draft(&app, &case, &outcome, 6).await;
    for token in [app.other_worker(), app.other_pp()] {
        problem(app.get(&plans(&case), &token).await, 404).await;
    }
    problem(
        app.post(&plans(&case), &app.other_worker(), &plan_body(&outcome, 6))
            .await,
        404,
    )
    .await;
    problem(
        app.post(
            &format!("{}/{plan}/submit", plans(&case)),
            &app.other_worker(),
            &json!({}),
        )
        .await,
        404,
    )
    .await;
    // The provider does not approve its own plan; probation does not draft one.
    problem(
        app.post(
            &format!("{}/{plan}/approve", plans(&case)),
            &app.worker(),
            &json!({}),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.post(&plans(&case), &app.pp(), &plan_body(&outcome, 6))
            .await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn the_termination_review_notes_planned_activities_never_delivered() {
    let (app, case, outcome) = app().await;
    approved(&app, &case, &outcome, 4).await;
    let review = expect(
        app.get(
            &format!("/api/v1/orders/{}/termination-review", case.order_id),
            &app.pp(),
        )
        .await,
        200,
        "termination review",
    )
    .await;
    let item = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "ACTION_PLAN")
        .unwrap_or_else(|| panic!("no action plan item in {review}"));
    assert_eq!(item["id"], format!("action-plan-{}", case.referral_id));
    assert_eq!(item["state"], "OUTSTANDING");
    assert!(item["confirmable"].as_bool().unwrap());
    let evidence = item["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("never delivered")
            && evidence.contains("Weekly one-to-one on escalation in relationships"),
        "{evidence}"
    );
}
