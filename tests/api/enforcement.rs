//! Enforcement corrections, through HTTP: warnings count per order, the officer may go straight to
//! a breach referral, and may overturn an absence the provider judged acceptable within 5 working
//! days. The clock starts on Monday 2 March 2026, 09:00 UTC.

use crate::helpers::*;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

async fn missed(app: &TestApp, referral: &str, starts_at: &str, reason: &str) -> String {
    let session = app.book_session(referral, starts_at).await;
    let start: chrono::DateTime<Utc> = starts_at.parse().unwrap();
    app.clock.set(start + chrono::Duration::hours(2));
    expect(
        app.put(
            &format!("/api/v1/appointments/{session}/attendance"),
            &app.worker(),
            &json!({"attended": "NO", "noAttendanceReason": reason,
                    "behaviourConcern": false, "notifyResponsibleOfficer": false}),
        )
        .await,
        200,
        "attendance",
    )
    .await;
    session
}

async fn decide(app: &TestApp, session: &str, decision: &Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/appointments/{session}/absence-decision"),
        &app.pp(),
        decision,
    )
    .await
}

async fn open_breaches(app: &TestApp) -> usize {
    let page = expect(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN&limit=200",
            &app.pp(),
        )
        .await,
        200,
        "prompts",
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rule"] == "breach-referral")
        .count()
}

#[actix_web::test]
async fn the_officer_can_go_straight_to_a_breach_referral_with_a_note() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let s = missed(
        &app,
        &case.referral_id,
        "2026-03-04T10:00:00Z",
        "POP_UNACCEPTABLE",
    )
    .await;
    let p = problem(decide(&app, &s, &json!({"note": "No excuse"})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "decision", "{p}");
    let p = problem(
        decide(
            &app,
            &s,
            &json!({"decision": "BREACH", "acceptable": true, "note": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "acceptable", "{p}");
    let out = expect(
        decide(
            &app,
            &s,
            &json!({"decision": "BREACH", "note": "Threatened staff; straight to court"}),
        )
        .await,
        200,
        "breach",
    )
    .await;
    assert!(out["warning"].is_null(), "no warning first: {out}");
    assert_eq!(out["promptsRaisedCount"], 1, "{out}");
    assert_eq!(open_breaches(&app).await, 1);
}

#[actix_web::test]
async fn a_warning_under_another_order_does_not_make_a_breach() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let first = missed(
        &app,
        &case.referral_id,
        "2026-03-04T10:00:00Z",
        "POP_UNACCEPTABLE",
    )
    .await;
    let out = expect(
        decide(
            &app,
            &first,
            &json!({"decision": "UNACCEPTABLE", "note": "No excuse"}),
        )
        .await,
        200,
        "warning",
    )
    .await;
    assert!(out["warning"].is_object(), "{out}");

    // A second order for the same person: its first unacceptable absence is a warning too.
    let other_order = app.create_order(CRN).await;
    let other = app.draft_referral(&other_order, &complete_draft()).await;
    app.send_referral(&other).await;
    app.accept_referral(&other).await;
    let second = missed(&app, &other, "2026-03-11T10:00:00Z", "POP_UNACCEPTABLE").await;
    let out = expect(
        decide(
            &app,
            &second,
            &json!({"acceptable": false, "note": "No excuse"}),
        )
        .await,
        200,
        "warning under the other order",
    )
    .await;
    assert!(out["warning"].is_object(), "{out}");
    assert_eq!(open_breaches(&app).await, 0);

    // A further failure under the first order, within 12 months of its warning: breach.
    let third = missed(
        &app,
        &case.referral_id,
        "2026-03-18T10:00:00Z",
        "POP_UNACCEPTABLE",
    )
    .await;
    let out = expect(
        decide(
            &app,
            &third,
            &json!({"decision": "UNACCEPTABLE", "note": "Again"}),
        )
        .await,
        200,
        "breach",
    )
    .await;
    assert!(out["warning"].is_null(), "{out}");
    assert_eq!(open_breaches(&app).await, 1);
}

#[actix_web::test]
async fn an_absence_the_provider_accepted_can_be_overturned_within_five_working_days() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    // Recorded on Wednesday 4 March: overturnable until Wednesday 11 March.
    let s = missed(
        &app,
        &case.referral_id,
        "2026-03-04T10:00:00Z",
        "POP_ACCEPTABLE",
    )
    .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 11, 16, 0, 0).unwrap());
    let out = expect(
        decide(
            &app,
            &s,
            &json!({"decision": "UNACCEPTABLE", "note": "He was seen in town; no excuse"}),
        )
        .await,
        200,
        "overturn",
    )
    .await;
    assert!(out["warning"].is_object(), "{out}");
    let audit = expect(
        app.get("/api/v1/audit-events?limit=200", &app.auditor())
            .await,
        200,
        "audit",
    )
    .await;
    assert!(
        audit.to_string().contains("appointment.absence-decision"),
        "the overturn is audited: {audit}"
    );

    let late = missed(
        &app,
        &case.referral_id,
        "2026-03-12T10:00:00Z",
        "POP_ACCEPTABLE",
    )
    .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap());
    let p = problem(
        decide(
            &app,
            &late,
            &json!({"decision": "UNACCEPTABLE", "note": "Too late"}),
        )
        .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("2026-03-19"), "{p}");
    // Agreeing with the provider is always possible.
    expect(
        decide(
            &app,
            &late,
            &json!({"decision": "ACCEPTABLE", "note": "Agreed"}),
        )
        .await,
        200,
        "agree",
    )
    .await;
}

/// The officer's open `accepted-absence-review` prompts.
async fn open_reviews(app: &TestApp) -> Vec<Value> {
    let page = expect(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN&limit=200",
            &app.pp(),
        )
        .await,
        200,
        "prompts",
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["rule"] == "accepted-absence-review")
        .cloned()
        .collect()
}

async fn overturnable_until(app: &TestApp, session: &str) -> Value {
    let a = expect(
        app.get(&format!("/api/v1/appointments/{session}"), &app.pp())
            .await,
        200,
        "appointment",
    )
    .await;
    a["overturnableUntil"].clone()
}

#[actix_web::test]
async fn the_officer_sees_an_accepted_absence_with_its_overturn_date_and_deciding_closes_the_prompt(
) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    // Recorded on Wednesday 4 March: overturnable until Wednesday 11 March.
    let s = missed(
        &app,
        &case.referral_id,
        "2026-03-04T10:00:00Z",
        "POP_ACCEPTABLE",
    )
    .await;
    assert_eq!(overturnable_until(&app, &s).await, "2026-03-11");
    let reviews = open_reviews(&app).await;
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert!(
        reviews[0]["dueAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-11"),
        "due at the end of the overturn window: {}",
        reviews[0]
    );
    assert_eq!(reviews[0]["mandatory"], false);

    // The provider records the same absence again: no second prompt.
    let again = expect(
        app.put(
            &format!("/api/v1/appointments/{s}/attendance"),
            &app.worker(),
            &json!({"attended": "NO", "noAttendanceReason": "POP_ACCEPTABLE",
                    "reasonDetail": "GP letter seen",
                    "behaviourConcern": false, "notifyResponsibleOfficer": false,
                    "correctionReason": "Added the reason"}),
        )
        .await,
        200,
        "again",
    )
    .await;
    assert_eq!(again["promptsRaisedCount"], 0, "{again}");
    assert_eq!(open_reviews(&app).await.len(), 1);

    // The officer overturns it within the window: the prompt closes, nothing left to overturn.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    expect(
        decide(
            &app,
            &s,
            &json!({"decision": "UNACCEPTABLE", "note": "The GP letter is for another day"}),
        )
        .await,
        200,
        "overturn",
    )
    .await;
    assert!(open_reviews(&app).await.is_empty());
    assert!(overturnable_until(&app, &s).await.is_null());
}

#[actix_web::test]
async fn after_the_window_the_overturn_is_refused_and_upholding_closes_the_accepted_absence_prompt()
{
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let s = missed(
        &app,
        &case.referral_id,
        "2026-03-12T10:00:00Z",
        "POP_ACCEPTABLE",
    )
    .await;
    assert_eq!(overturnable_until(&app, &s).await, "2026-03-19");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 20, 9, 0, 0).unwrap());
    let p = problem(
        decide(
            &app,
            &s,
            &json!({"decision": "UNACCEPTABLE", "note": "Too late"}),
        )
        .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("2026-03-19"), "{p}");
    assert_eq!(
        open_reviews(&app).await.len(),
        1,
        "still the officer's to close"
    );
    expect(
        decide(
            &app,
            &s,
            &json!({"decision": "ACCEPTABLE", "note": "Agreed with the provider"}),
        )
        .await,
        200,
        "uphold",
    )
    .await;
    assert!(open_reviews(&app).await.is_empty());
}
