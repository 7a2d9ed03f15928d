//! Delivery lists page in the database by their ordering key, each item with its own history;
//! the ETag an appointment is sent with is the one its changes check.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn book(app: &TestApp, referral: &str, starts_at: &str) -> (String, String) {
    let res = app
        .post(
            &format!("/api/v1/referrals/{referral}/appointments"),
            &app.worker(),
            &json!({"startsAt": starts_at, "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    (body(res).await["id"].as_str().unwrap().to_string(), etag)
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_referrals_sessions_page_by_start_time_each_with_its_own_history() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let r = &case.referral_id;
    let (later, _) = book(&app, r, "2026-03-05T10:00:00Z").await;
    let (first, _) = book(&app, r, "2026-03-04T10:00:00Z").await;
    let (same_time, _) = book(&app, r, "2026-03-04T10:00:00Z").await;
    let moved = app
        .patch(
            &format!("/api/v1/appointments/{later}"),
            &app.worker(),
            &json!({"startsAt": "2026-03-06T10:00:00Z", "reason": "Clash", "requestedBy": "PROVIDER"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);

    let path = format!("/api/v1/referrals/{r}/appointments");
    let one = body(app.get(&format!("{path}?limit=2"), &app.pp()).await).await;
    let mut tied = vec![first.as_str(), same_time.as_str()];
    tied.sort_unstable();
    assert_eq!(ids(&one), tied, "{one}");
    let cursor = one["nextCursor"].as_str().expect("a next page");
    let two = body(
        app.get(&format!("{path}?limit=2&cursor={cursor}"), &app.pp())
            .await,
    )
    .await;
    assert_eq!(ids(&two), vec![later.as_str()], "{two}");
    assert!(two["nextCursor"].is_null());
    let changes = |item: &Value| -> Vec<String> {
        item["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["change"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(changes(&two["items"][0]), vec!["BOOKED", "RESCHEDULED"]);
    for item in one["items"].as_array().unwrap() {
        assert_eq!(changes(item), vec!["BOOKED"]);
    }

    let all = body(app.get(&path, &app.worker()).await).await;
    assert_eq!(ids(&all).len(), 3);
    assert!(all["nextCursor"].is_null());
    let p = problem(
        app.get(&format!("{path}?cursor=bm9wZQ"), &app.pp()).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "cursor");
}

#[actix_web::test]
async fn progress_reports_page_oldest_first() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let r = &case.referral_id;
    let referral = body(app.get(&format!("/api/v1/referrals/{r}"), &app.pp()).await).await;
    let outcome = referral["desiredOutcomes"][0]["id"].as_str().unwrap();
    let path = format!("/api/v1/referrals/{r}/progress-reports");
    for summary in ["First", "Second", "Third"] {
        let report = json!({"outcomes": [{"desiredOutcomeId": outcome, "progress": "SOME_PROGRESS"}], "summary": summary});
        let res = app.post(&path, &app.worker(), &report).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        app.clock.advance(chrono::Duration::minutes(5));
    }
    let summaries = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["report"]["summary"].as_str().unwrap().to_string())
            .collect()
    };
    let one = body(app.get(&format!("{path}?limit=2"), &app.pp()).await).await;
    assert_eq!(summaries(&one), vec!["First", "Second"]);
    assert_eq!(one["items"][0]["referralId"], r.as_str());
    let cursor = one["nextCursor"].as_str().expect("a next page");
    let two = body(
        app.get(&format!("{path}?limit=2&cursor={cursor}"), &app.pp())
            .await,
    )
    .await;
    assert_eq!(summaries(&two), vec!["Third"]);
    assert!(two["nextCursor"].is_null());
}

#[actix_web::test]
async fn the_etag_a_session_is_sent_with_is_the_one_its_changes_check() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let (id, booked_etag) = book(&app, &case.referral_id, "2026-03-04T10:00:00Z").await;
    let path = format!("/api/v1/appointments/{id}");
    let read = app.get(&path, &app.pp()).await;
    assert_eq!(read.headers()["etag"].to_str().unwrap(), booked_etag);
    let reschedule = |tag: &str| {
        app.client
            .patch(app.url(&path))
            .bearer_auth(app.worker())
            .header("if-match", tag.to_string())
            .json(&json!({"durationMinutes": 90, "reason": "Longer session", "requestedBy": "PROVIDER"}))
            .send()
    };
    problem(reschedule("\"stale\"").await.unwrap(), 412).await;
    let moved = reschedule(&booked_etag).await.unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let moved_etag = moved.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(moved_etag, booked_etag);
    let read = app.get(&path, &app.worker()).await;
    assert_eq!(read.headers()["etag"].to_str().unwrap(), moved_etag);

    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 4, 12, 0, 0).unwrap());
    let attend = |tag: &str| {
        app.client
            .put(app.url(&format!("{path}/attendance")))
            .bearer_auth(app.worker())
            .header("if-match", tag.to_string())
            .json(&json!({"attended": "YES"}))
            .send()
    };
    problem(attend(&booked_etag).await.unwrap(), 412).await;
    assert_eq!(attend(&moved_etag).await.unwrap().status(), StatusCode::OK);
}
