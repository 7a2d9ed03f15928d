//! Security (issue 17): limits on what one caller may consume — the rate limit, the body read
//! timeout, caps on every request field, validation before the write transaction, and the walk
//! of the audit chain.

use crate::helpers::*;
use crate::scenario::*;
use reqwest::Method;
use serde_json::{json, Value};

/// An app whose callers may send `burst` requests at once, then one a second.
async fn limited_app(burst: u32) -> TestApp {
    TestApp::builder()
        .settings(move |s| {
            s.limits.rate_per_second = 1;
            s.limits.rate_burst = burst;
        })
        .spawn()
        .await
}

#[actix_web::test]
async fn a_caller_over_its_rate_gets_429_with_retry_after_until_its_bucket_refills() {
    let app = limited_app(3).await;
    let admin = app.admin();
    for i in 0..3 {
        let res = app.get("/api/v1/organisations", &admin).await;
        assert_eq!(res.status().as_u16(), 200, "request {i}");
    }
    let res = app.get("/api/v1/organisations", &admin).await;
    assert_eq!(res.headers()["retry-after"], "1");
    let p = problem(res, 429).await;
    assert_eq!(p["type"], "/problems/too-many-requests");

    // Another caller of the same organisation has a bucket of its own.
    let other_admin = app.token("admin2", "RARLINK", &["admin"]);
    expect(
        app.get("/api/v1/organisations", &other_admin).await,
        200,
        "admin2",
    )
    .await;
    // Probes and scraping are never limited.
    for path in ["/health/live", "/health/ready", "/metrics"] {
        for _ in 0..5 {
            let res = app.request(Method::GET, path, None, None).await;
            assert_ne!(res.status().as_u16(), 429, "{path}");
        }
    }
    app.clock.advance(chrono::Duration::seconds(1));
    expect(
        app.get("/api/v1/organisations", &admin).await,
        200,
        "refilled",
    )
    .await;
}

#[actix_web::test]
async fn requests_without_a_valid_token_are_limited_by_client_address() {
    let app = limited_app(2).await;
    for _ in 0..2 {
        let res = app.get("/api/v1/people", "not-a-token").await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let res = app.request(Method::GET, "/api/v1/people", None, None).await;
    assert!(res.headers().contains_key("retry-after"));
    problem(res, 429).await;
    // A caller with a valid token is counted as itself, not by address.
    expect(
        app.get("/api/v1/organisations", &app.admin()).await,
        200,
        "admin",
    )
    .await;
}

#[actix_web::test]
async fn a_body_that_does_not_arrive_in_time_is_refused_with_408() {
    let app = TestApp::builder()
        .seeded(Seed::Organisations)
        .settings(|s| s.limits.body_read_timeout = std::time::Duration::from_secs(1))
        .spawn()
        .await;
    let address = app.address.trim_start_matches("http://").to_string();
    let token = app.pp();
    let answer = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let head = format!(
            "PUT /api/v1/people/X123456 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"crn\":"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = vec![0u8; 4096];
        let n = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..n]).to_string()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("/problems/request-timeout"), "{answer}");
}

#[actix_web::test]
async fn strings_arrays_and_objects_over_their_caps_are_422_naming_the_field() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(CRN).await;
    let pp = app.pp();
    let orders = format!("/api/v1/people/{CRN}/orders");

    let mut body = order_body();
    let offence = body["offences"][0].clone();
    body["offences"] = Value::Array(vec![offence.clone(); 21]);
    let p = problem(app.post(&orders, &pp, &body).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "offences", "{p}");
    assert_eq!(p["errors"][0]["code"], "too_many");

    body["offences"] = Value::Array(vec![offence.clone(); 101]);
    let p = problem(app.post(&orders, &pp, &body).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "offences", "{p}");

    let mut body = order_body();
    body["offences"][1]["description"] = json!("x".repeat(20_001));
    let p = problem(app.post(&orders, &pp, &body).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "offences[1].description", "{p}");
    assert_eq!(p["errors"][0]["code"], "too_long");

    let wide: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
    let p = problem(
        app.put(&format!("/api/v1/people/{CRN}"), &pp, &Value::Object(wide))
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "body", "{p}");

    let mut deep = json!(1);
    for _ in 0..12 {
        deep = json!([deep]);
    }
    let p = problem(
        app.post(&orders, &pp, &json!({"offences": deep})).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "too_deep", "{p}");
}

#[actix_web::test]
async fn a_report_listing_an_outcome_twice_is_refused_before_any_referral_is_read() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let outcome = uuid::Uuid::new_v4();
    let entry = json!({"desiredOutcomeId": outcome, "progress": "SOME_PROGRESS"});
    let body = json!({"summary": "Going well", "outcomes": [entry, entry]});
    // Checked before the unit of work: even a referral that does not exist gets the 422.
    let unknown = uuid::Uuid::new_v4();
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{unknown}/progress-reports"),
            &app.worker(),
            &body,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "outcomes[1].desiredOutcomeId");
    assert_eq!(p["errors"][0]["code"], "duplicate");
    let many: Vec<Value> = (0..21)
        .map(|_| json!({"desiredOutcomeId": uuid::Uuid::new_v4(), "achievementLevel": "ACHIEVED"}))
        .collect();
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{unknown}/end-of-service-report"),
            &app.worker(),
            &json!({"outcomes": many}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "too_many", "{p}");
}

#[actix_web::test]
async fn only_the_platform_auditor_verifies_the_chain_and_not_too_often() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    let org_auditor = app.token("aud", PROBATION, &["auditor"]);
    let p = problem(
        app.get("/api/v1/audit-events/verify", &org_auditor).await,
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("operator"), "{p}");
    // Its own organisation's entries stay readable to it.
    expect(
        app.get("/api/v1/audit-events", &org_auditor).await,
        200,
        "list",
    )
    .await;

    for i in 0..3 {
        let verdict = expect(
            app.get("/api/v1/audit-events/verify", &app.auditor()).await,
            200,
            &format!("walk {i}"),
        )
        .await;
        assert_eq!(verdict["valid"], true);
    }
    let res = app.get("/api/v1/audit-events/verify", &app.auditor()).await;
    assert_eq!(res.headers()["retry-after"], "60");
    problem(res, 429).await;
    app.clock.advance(chrono::Duration::seconds(60));
    expect(
        app.get("/api/v1/audit-events/verify", &app.auditor()).await,
        200,
        "a minute later",
    )
    .await;
}
