//! The case-wide termination review items through HTTP: a declined referral, a warning under the
//! order, an order past its end date and a stale risk assessment each block closing until the
//! officer confirms them.

use crate::helpers::*;
use crate::termination::{confirm, kinds};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

fn review_item<'a>(review: &'a Value, kind: &str) -> Option<&'a Value> {
    review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == kind)
}

#[actix_web::test]
async fn a_declined_referral_a_warning_and_a_late_order_are_explained_before_closing() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    expect(
        app.post(
            &format!("/api/v1/referrals/{}/decline", case.referral_id),
            &app.worker(),
            &json!({"reason": "No capacity until the autumn"}),
        )
        .await,
        200,
        "decline",
    )
    .await;
    // A second referral, accepted, with a missed session judged unacceptable: a warning.
    let second = app
        .draft_referral(&case.order_id, &crate::scenario::complete_draft())
        .await;
    app.send_referral(&second).await;
    app.accept_referral(&second).await;
    let session = app.book_session(&second, "2026-03-04T10:00:00Z").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 11, 0, 0).unwrap());
    expect(
        app.put(
            &format!("/api/v1/appointments/{session}/attendance"),
            &app.worker(),
            &json!({"attended": "NO", "noAttendanceReason": "POP_UNACCEPTABLE",
                    "behaviourConcern": false, "notifyResponsibleOfficer": false}),
        )
        .await,
        200,
        "attendance",
    )
    .await;
    expect(
        app.post(
            &format!("/api/v1/appointments/{session}/absence-decision"),
            &app.pp(),
            &json!({"acceptable": false, "note": "No reasonable excuse"}),
        )
        .await,
        200,
        "absence decision",
    )
    .await;
    // The order ended on Monday 4 January 2027 and is still active.
    app.clock
        .set(Utc.with_ymd_and_hms(2027, 1, 6, 9, 0, 0).unwrap());
    let path = format!("/api/v1/orders/{}/termination-review", case.order_id);
    let review = expect(app.get(&path, &app.pp()).await, 200, "review").await;
    let declined = review_item(&review, "REFERRAL_NOT_DELIVERED").expect("declined referral item");
    assert_eq!(declined["state"], "OUTSTANDING");
    assert!(declined["evidence"]
        .as_str()
        .unwrap()
        .contains("No capacity until the autumn"));
    let enforcement = review_item(&review, "ENFORCEMENT").expect("enforcement item");
    assert!(enforcement["evidence"]
        .as_str()
        .unwrap()
        .contains("warning given 2026-03-04"));
    let late = review_item(&review, "PAST_END_DATE").expect("past end date item");
    assert!(late["evidence"].as_str().unwrap().contains("2027-01-04"));
    let risk = review_item(&review, "RISK_REVIEW").unwrap();
    assert_eq!(
        risk["state"], "OUTSTANDING",
        "an assessment from February 2026 is over six months old"
    );
    let p = problem(terminate_on(&app, &case.order_id, "2027-01-06").await, 409).await;
    let k = kinds(&p);
    for expected in [
        "REFERRAL_NOT_DELIVERED",
        "ENFORCEMENT",
        "PAST_END_DATE",
        "RISK_REVIEW",
    ] {
        assert!(
            k.contains(&expected.to_string()),
            "{expected} missing from {k:?}"
        );
    }
    for item in [
        format!("referral-not-delivered-{}", case.referral_id),
        "enforcement".into(),
        "past-end-date".into(),
    ] {
        let after = confirm(&app, &case.order_id, &item).await;
        assert_eq!(
            after["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == item.as_str())
                .unwrap()["state"],
            "CONFIRMED"
        );
    }
}

async fn terminate_on(app: &TestApp, order: &str, date: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/orders/{order}/terminate"),
        &app.pp(),
        &json!({"reason": "Order completed", "terminationDate": date}),
    )
    .await
}
