//! Amending a sent referral: the officer changes deadline, RAR days, outcomes, needs or history
//! with a reason; the provider reads the amended referral and the before and after.

use crate::helpers::*;
use crate::scenario::*;
use serde_json::{json, Value};

async fn app() -> (TestApp, Case) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().expect("seeded case");
    (app, case)
}

fn path(case: &Case) -> String {
    format!("/api/v1/referrals/{}/amendments", case.referral_id)
}

async fn referral(app: &TestApp, case: &Case, token: &str) -> Value {
    expect(
        app.get(&format!("/api/v1/referrals/{}", case.referral_id), token)
            .await,
        200,
        "read referral",
    )
    .await
}

/// The fields a 422 names.
async fn fields(res: reqwest::Response) -> Vec<String> {
    let p = problem(res, 422).await;
    p["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{p}"))
        .iter()
        .filter_map(|e| e["field"].as_str().map(String::from))
        .collect()
}

#[actix_web::test]
async fn an_amended_deadline_shows_on_the_referral_and_the_provider_reads_the_before_and_after() {
    let (app, case) = app().await;
    let amendment = expect(
        app.post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"completionDeadline": "2026-11-30"}, "reason": "Court extended the order's work"}),
        )
        .await,
        201,
        "amend",
    )
    .await;
    assert_eq!(
        amendment["changes"],
        json!([{"field": "completionDeadline", "before": "2026-09-30", "after": "2026-11-30"}])
    );
    assert_eq!(amendment["amendedBy"]["sub"], "jsmith");

    assert_eq!(
        referral(&app, &case, &app.pp()).await["completionDeadline"],
        "2026-11-30"
    );
    assert_eq!(
        referral(&app, &case, &app.worker()).await["completionDeadline"],
        "2026-11-30"
    );
    let history = expect(app.get(&path(&case), &app.worker()).await, 200, "history").await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        history["items"][0]["reason"],
        "Court extended the order's work"
    );
    assert_eq!(history["items"][0]["changes"][0]["before"], "2026-09-30");

    let events = expect(
        app.get(
            "/api/v1/events?type=rarlink.referral.amended",
            &app.worker(),
        )
        .await,
        200,
        "provider's events",
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(
        events["items"][0]["additionalInformation"]["fields"],
        json!(["completionDeadline"])
    );

    // Another provider, and another probation organisation, see none of it.
    for token in [app.other_worker(), app.other_pp()] {
        problem(app.get(&path(&case), &token).await, 404).await;
    }
    problem(
        app.post(
            &path(&case),
            &app.other_pp(),
            &json!({"changes": {"rarDays": 5}, "reason": "x"}),
        )
        .await,
        404,
    )
    .await;
}

#[actix_web::test]
async fn rar_days_beyond_the_order_and_a_deadline_outside_it_are_refused_naming_the_field() {
    let (app, case) = app().await;
    let over = app
        .post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"rarDays": 21}, "reason": "More work"}),
        )
        .await;
    assert_eq!(fields(over).await, vec!["changes.rarDays"]);
    let outside = app
        .post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"completionDeadline": "2027-02-01"}, "reason": "Later"}),
        )
        .await;
    assert_eq!(fields(outside).await, vec!["changes.completionDeadline"]);
    let nothing = app
        .post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"rarDays": 10}, "reason": "Same"}),
        )
        .await;
    assert_eq!(fields(nothing).await, vec!["changes"]);
    let no_reason = app
        .post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"rarDays": 12}, "reason": " "}),
        )
        .await;
    assert_eq!(fields(no_reason).await, vec!["reason"]);
    // Within what the order has left is fine, and nothing refused was kept.
    expect(
        app.post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"rarDays": 20}, "reason": "More work"}),
        )
        .await,
        201,
        "amend within the order",
    )
    .await;
    let history = expect(app.get(&path(&case), &app.pp()).await, 200, "history").await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(referral(&app, &case, &app.pp()).await["rarDays"], 20);
    // The provider may not amend.
    problem(
        app.post(
            &path(&case),
            &app.worker(),
            &json!({"changes": {"rarDays": 5}, "reason": "x"}),
        )
        .await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn a_reworded_outcome_keeps_its_id_and_progress_against_a_removed_one_stays_readable() {
    let (app, case) = app().await;
    let before = referral(&app, &case, &app.pp()).await;
    let outcome = before["desiredOutcomes"][0]["id"].clone();
    let r = &case.referral_id;
    expect(
        app.post(
            &format!("/api/v1/referrals/{r}/progress-reports"),
            &app.worker(),
            &json!({"outcomes": [{"desiredOutcomeId": outcome, "progress": "SOME_PROGRESS", "comment": "Uses the strategies"}], "summary": "Going well"}),
        )
        .await,
        201,
        "progress",
    )
    .await;

    let reworded = expect(
        app.post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"desiredOutcomes": [{"id": outcome, "description": "Manages emotions in all relationships"}]}, "reason": "Clearer wording"}),
        )
        .await,
        201,
        "reword",
    )
    .await;
    assert_eq!(reworded["changes"][0]["after"][0]["id"], outcome);
    let shared = referral(&app, &case, &app.worker()).await;
    assert_eq!(shared["desiredOutcomes"][0]["id"], outcome);
    assert_eq!(
        shared["desiredOutcomes"][0]["description"],
        "Manages emotions in all relationships"
    );

    let replaced = expect(
        app.post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"desiredOutcomes": [{"description": "Finds stable work"}]}, "reason": "New plan"}),
        )
        .await,
        201,
        "replace",
    )
    .await;
    let new_id = replaced["changes"][0]["after"][0]["id"].clone();
    assert_ne!(new_id, outcome);
    assert_eq!(replaced["changes"][0]["before"][0]["id"], outcome);
    let progress = expect(
        app.get(
            &format!("/api/v1/referrals/{r}/progress-reports"),
            &app.pp(),
        )
        .await,
        200,
        "progress after removal",
    )
    .await;
    assert_eq!(progress["items"].as_array().unwrap().len(), 1, "{progress}");
    assert_eq!(progress["items"][0]["report"]["summary"], "Going well");

    // An outcome id the referral does not have is refused.
    let unknown = app
        .post(
            &path(&case),
            &app.pp(),
            &json!({"changes": {"desiredOutcomes": [{"id": outcome, "description": "Back again"}]}, "reason": "x"}),
        )
        .await;
    assert_eq!(fields(unknown).await, vec!["changes.desiredOutcomes[0].id"]);
}

#[actix_web::test]
async fn a_draft_or_ended_referral_is_not_amended() {
    let (app, case) = app().await;
    let draft = app.draft_referral(&case.order_id, &complete_draft()).await;
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{draft}/amendments"),
            &app.pp(),
            &json!({"changes": {"rarDays": 5}, "reason": "x"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "DRAFT");
}
