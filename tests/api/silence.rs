//! Silence, through the background task: a referral nobody answered, an accepted referral with no
//! session, a session with no attendance, an order past its end. Raised once per fact, even by
//! two instances at once. The clock starts on Monday 2 March 2026, 09:00 UTC.

use crate::helpers::*;
use chrono::{TimeZone, Utc};
use rarlink::startup::Application;
use serde_json::Value;
use std::sync::Arc;

async fn open_with_rule(app: &TestApp, token: &str, rule: &str) -> Vec<Value> {
    let page = expect(
        app.get("/api/v1/safeguarding-prompts?status=OPEN&limit=200", token)
            .await,
        200,
        "list prompts",
    )
    .await;
    page["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p["rule"] == rule)
        .collect()
}

async fn silence(app: &TestApp) -> usize {
    rarlink::background::silence(&app.state).await.unwrap()
}

#[actix_web::test]
async fn a_referral_left_unanswered_for_six_working_days_is_raised_once_even_by_two_instances() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    // Sent on Monday 2 March: five working days run to Monday 9 March.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 9, 16, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 0);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    // A second instance on the same database, running its checks at the same moment.
    let other = Application::build((*app.state.settings).clone(), Arc::new(app.clock.clone()))
        .expect("second instance")
        .state();
    let (a, b) = futures_util::future::join(
        rarlink::background::silence(&app.state),
        rarlink::background::silence(&other),
    )
    .await;
    assert_eq!(
        a.unwrap() + b.unwrap(),
        2,
        "one for the officer, one for the provider"
    );
    assert_eq!(silence(&app).await, 0, "once per fact");

    let officer = open_with_rule(&app, &app.pp(), "referral-not-accepted").await;
    assert_eq!(officer.len(), 2, "probation sees both: {officer:?}");
    assert!(officer
        .iter()
        .any(|p| p["assigneeRole"] == "RESPONSIBLE_OFFICER" && p["assignee"] == "jsmith"));
    let provider = open_with_rule(&app, &app.provider_manager(), "referral-not-accepted").await;
    assert_eq!(provider.len(), 1, "{provider:?}");
    assert_eq!(provider[0]["assigneeRole"], "PROVIDER_SAFEGUARDING_LEAD");
    assert_eq!(provider[0]["dueAt"], "2026-03-11T17:00:00Z");
}

#[actix_web::test]
async fn an_accepted_referral_with_no_session_for_eleven_working_days_is_raised() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    // Accepted on Monday 2 March: ten working days run to Monday 16 March.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 16, 12, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 0);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 17, 9, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 2);
    let prompts = open_with_rule(&app, &app.pp(), "no-first-appointment").await;
    assert_eq!(prompts.len(), 2, "{prompts:?}");
    assert_eq!(silence(&app).await, 0);
}

#[actix_web::test]
async fn a_booked_session_means_the_first_appointment_is_not_missing() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    app.book_session(&case.referral_id, "2026-03-30T10:00:00Z")
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 17, 9, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 0);
}

#[actix_web::test]
async fn a_past_session_with_no_attendance_reaches_the_provider_then_the_officer() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    // Wednesday 4 March; two working days run to Friday 6 March.
    app.book_session(&case.referral_id, "2026-03-04T10:00:00Z")
        .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 6, 16, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 0);
    // Three working days later: the provider's managers.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 9, 9, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 1);
    let lead = open_with_rule(&app, &app.provider_manager(), "attendance-not-recorded").await;
    assert_eq!(lead.len(), 1, "{lead:?}");
    assert_eq!(lead[0]["assigneeRole"], "PROVIDER_SAFEGUARDING_LEAD");
    // After five working days (Wednesday 11 March), the officer too.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 12, 9, 0, 0).unwrap());
    assert_eq!(silence(&app).await, 1);
    let all = open_with_rule(&app, &app.pp(), "attendance-not-recorded").await;
    assert!(all
        .iter()
        .any(|p| p["assigneeRole"] == "RESPONSIBLE_OFFICER" && p["assignee"] == "jsmith"));
    assert_eq!(silence(&app).await, 0);
}

#[actix_web::test]
async fn an_order_still_active_after_its_end_date_goes_to_the_officer_and_the_manager() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    // The order ends on Monday 4 January 2027; the referral is overdue by then as well.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 1, 4, 12, 0, 0).unwrap());
    silence(&app).await;
    assert!(open_with_rule(&app, &app.pp(), "order-past-end")
        .await
        .is_empty());
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 1, 5, 9, 0, 0).unwrap());
    silence(&app).await;
    let past = open_with_rule(&app, &app.pp(), "order-past-end").await;
    let roles: Vec<&str> = past
        .iter()
        .map(|p| p["assigneeRole"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 2, "{past:?}");
    assert!(roles.contains(&"RESPONSIBLE_OFFICER") && roles.contains(&"PROBATION_MANAGER"));
    let overdue = open_with_rule(&app, &app.pp(), "referral-overdue").await;
    assert_eq!(
        overdue.len(),
        1,
        "completion deadline 30 September 2026: {overdue:?}"
    );
}
