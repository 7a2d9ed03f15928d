//! Webhooks: events pushed to an integrator's URL, signed, retried, logged, sent once.

use crate::helpers::*;
use crate::scenario::*;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::json;
use sha2::Sha256;
use std::sync::{Arc, Mutex};

/// (webhook-id, webhook-timestamp, webhook-signature, body) of one request.
type Received = (String, String, String, String);

#[derive(Clone, Default)]
pub struct Receiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<Mutex<u32>>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let h = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    state.received.lock().unwrap().push((
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
        String::from_utf8_lossy(&body).into_owned(),
    ));
    let mut fail = state.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::NoContent().finish()
}

pub async fn start_receiver(fail_first: u32) -> (String, Receiver) {
    let receiver = Receiver::default();
    *receiver.fail_first.lock().unwrap() = fail_first;
    let data = web::Data::new(receiver.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hook", web::post().to(receive))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    actix_web::rt::spawn(server.run());
    (format!("http://127.0.0.1:{port}/hook"), receiver)
}

#[actix_web::test]
async fn events_are_pushed_signed_retried_after_a_failure_and_sent_once() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let (url, receiver) = start_receiver(1).await;
    let res = app
        .post(
            "/api/v1/webhook-subscriptions",
            &app.spo(),
            &json!({"url": url, "eventTypes": ["rarlink.person.upserted"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let sub = body(res).await;
    let secret = sub["secret"].as_str().unwrap().to_string();
    let sub_id = sub["id"].as_str().unwrap().to_string();
    app.create_person(CRN).await;

    assert_eq!(
        rarlink::background::deliver_webhooks(&app.state)
            .await
            .unwrap(),
        1
    );
    let log = body(
        app.get(
            &format!("/api/v1/webhook-subscriptions/{sub_id}/deliveries"),
            &app.spo(),
        )
        .await,
    )
    .await;
    assert_eq!(log["items"][0]["status"], "PENDING");
    assert_eq!(log["items"][0]["lastStatusCode"], 500);
    assert_eq!(log["items"][0]["lastError"], "HTTP 500");
    assert!(log["items"][0]["lastDurationMs"].is_i64());
    assert_eq!(
        rarlink::background::deliver_webhooks(&app.state)
            .await
            .unwrap(),
        0,
        "back-off before the retry"
    );

    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        rarlink::background::deliver_webhooks(&app.state)
            .await
            .unwrap(),
        1
    );
    let log = body(
        app.get(
            &format!("/api/v1/webhook-subscriptions/{sub_id}/deliveries"),
            &app.spo(),
        )
        .await,
    )
    .await;
    assert_eq!(log["items"][0]["status"], "DELIVERED");
    assert_eq!(log["items"][0]["attempts"], 2);
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        rarlink::background::deliver_webhooks(&app.state)
            .await
            .unwrap(),
        0,
        "sent once"
    );

    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let (id, ts, sig, body_text) = &received[1];
    let envelope: serde_json::Value = serde_json::from_str(body_text).unwrap();
    assert_eq!(envelope["eventType"], "rarlink.person.upserted");
    assert_eq!(envelope["personReference"]["identifiers"][0]["value"], CRN);
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body_text}").as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(sig, &expected);
}

/// Whether `header` (space-separated `v1,` signatures) holds a valid signature with `secret`,
/// computed independently of rarlink's code.
fn verifies(secret: &str, id: &str, ts: &str, body_text: &str, header: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{body_text}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

pub async fn deliver(app: &TestApp) -> usize {
    rarlink::background::deliver_webhooks(&app.state)
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_provider_manager_subscribes_its_system_rotates_the_secret_redelivers_and_deletes() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let pm = app.provider_manager();
    let (url, receiver) = start_receiver(0).await;
    let sub = expect(
        app.post(
            "/api/v1/webhook-subscriptions",
            &pm,
            &json!({"url": url, "eventTypes": ["rarlink.referral.sent", "rarlink.referral.accepted"]}),
        )
        .await,
        201,
        "subscribe",
    )
    .await;
    assert_eq!(sub["org"], PROVIDER);
    let old_secret = sub["secret"].as_str().unwrap().to_string();
    let sub_path = format!(
        "/api/v1/webhook-subscriptions/{}",
        sub["id"].as_str().unwrap()
    );

    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let order_id = app.create_order(CRN).await;
    let referral_id = app.draft_referral(&order_id, &complete_draft()).await;
    app.send_referral(&referral_id).await;
    assert_eq!(deliver(&app).await, 1);
    let (id, ts, sig, text) = receiver.received.lock().unwrap()[0].clone();
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(envelope["eventType"], "rarlink.referral.sent");
    assert!(verifies(&old_secret, &id, &ts, &text, &sig));

    let rotated = expect(
        app.post(&format!("{sub_path}/rotate-secret"), &pm, &json!({}))
            .await,
        200,
        "rotate",
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["previousSecretExpiresAt"].is_string());
    app.accept_referral(&referral_id).await;
    assert_eq!(deliver(&app).await, 1);
    let (id, ts, sig, text) = receiver.received.lock().unwrap()[1].clone();
    assert_eq!(sig.split(' ').count(), 2, "{sig}");
    assert!(verifies(&new_secret, &id, &ts, &text, &sig), "new secret");
    assert!(
        verifies(&old_secret, &id, &ts, &text, &sig),
        "old secret, in the overlap"
    );

    let log = expect(
        app.get(&format!("{sub_path}/deliveries"), &pm).await,
        200,
        "log",
    )
    .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|d| d["status"] == "DELIVERED"));
    let first = items[0]["id"].as_str().unwrap();
    let again = expect(
        app.post(
            &format!("/api/v1/webhook-deliveries/{first}/redeliver"),
            &pm,
            &json!({}),
        )
        .await,
        200,
        "redeliver",
    )
    .await;
    assert_eq!(again["status"], "PENDING");
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(receiver.received.lock().unwrap().len(), 3);

    // After the overlap only the new secret signs.
    app.clock.advance(Duration::hours(25));
    let ping = expect(
        app.post(&format!("{sub_path}/test"), &pm, &json!({})).await,
        200,
        "ping",
    )
    .await;
    assert_eq!(ping["delivered"], true);
    let (id, ts, sig, text) = receiver.received.lock().unwrap()[3].clone();
    assert!(text.contains("rarlink.ping"), "{text}");
    assert_eq!(sig.split(' ').count(), 1, "{sig}");
    assert!(verifies(&new_secret, &id, &ts, &text, &sig));

    expect(
        app.request(reqwest::Method::DELETE, &sub_path, Some(&pm), None)
            .await,
        204,
        "delete",
    )
    .await;
    problem(app.get(&sub_path, &pm).await, 404).await;
}

#[actix_web::test]
async fn refused_urls_and_unknown_event_types_are_422_and_nothing_is_stored() {
    let app = spawn_app_with(|s| s.webhook_allow_hosts = Default::default()).await;
    app.setup_orgs().await;
    for url in [
        "http://127.0.0.1/x",
        "https://10.0.0.5/x",
        "https://[::1]/x",
        "https://169.254.169.254/x",
        "https://0x7f000001/x",
        "https://[::ffff:192.168.0.1]/x",
        "https://localhost/x",
        "http://hooks.example.org/x",
    ] {
        let p = problem(
            app.post(
                "/api/v1/webhook-subscriptions",
                &app.spo(),
                &json!({"url": url}),
            )
            .await,
            422,
        )
        .await;
        assert!(p.to_string().contains("url"), "{url}: {p}");
    }
    let p = problem(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.spo(),
            &json!({"url": "https://hooks.example.org/x", "eventTypes": ["rarlink.referral.snet"]}),
        )
        .await,
        422,
    )
    .await;
    assert!(p.to_string().contains("eventTypes[0]"), "{p}");
    let list = body(app.get("/api/v1/webhook-subscriptions", &app.spo()).await).await;
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn a_host_that_resolves_to_a_refused_address_at_send_time_is_not_contacted() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let (url, receiver) = start_receiver(0).await;
    let sub = expect(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.spo(),
            &json!({"url": url, "eventTypes": ["rarlink.person.upserted"]}),
        )
        .await,
        201,
        "subscribe",
    )
    .await;
    // As if the name pointed somewhere public when saved and at loopback now.
    let port = url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let id = sub["id"].as_str().unwrap().to_string();
    app.state
        .db
        .run(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE webhook_subscriptions SET url = 'https://localhost:{port}/hook' WHERE id = '{id}'"
            ))
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    app.create_person(CRN).await;
    assert_eq!(deliver(&app).await, 1);
    assert!(receiver.received.lock().unwrap().is_empty());
    let log = body(
        app.get(
            &format!(
                "/api/v1/webhook-subscriptions/{}/deliveries",
                sub["id"].as_str().unwrap()
            ),
            &app.spo(),
        )
        .await,
    )
    .await;
    assert_eq!(log["items"][0]["lastError"], "refused address");
    assert_eq!(log["items"][0]["lastStatusCode"], json!(null));
}

#[actix_web::test]
async fn admin_counts_only_in_the_registered_platform_organisation() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let body_json = json!({"url": "http://127.0.0.1:9/hook", "org": PROBATION});
    // The platform organisation is not registered yet.
    problem(
        app.post("/api/v1/webhook-subscriptions", &app.admin(), &body_json)
            .await,
        403,
    )
    .await;
    problem(
        app.get(
            "/api/v1/webhook-subscriptions",
            &app.token("x", "NOWHERE", &["admin"]),
        )
        .await,
        403,
    )
    .await;
    // An admin role in an ordinary organisation is not honoured; nor is a worker's.
    let local_admin = app.token("y", PROBATION, &["admin"]);
    problem(
        app.get("/api/v1/webhook-subscriptions", &local_admin).await,
        403,
    )
    .await;
    problem(
        app.get("/api/v1/webhook-subscriptions", &app.worker())
            .await,
        403,
    )
    .await;

    app.register_platform().await;
    let theirs = expect(
        app.post("/api/v1/webhook-subscriptions", &app.admin(), &body_json)
            .await,
        201,
        "platform admin subscribes an organisation",
    )
    .await;
    assert_eq!(theirs["org"], PROBATION);
    // A manager subscribes only its own organisation.
    let p = problem(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.provider_manager(),
            &json!({"url": "http://127.0.0.1:9/hook", "org": PROBATION}),
        )
        .await,
        422,
    )
    .await;
    assert!(p.to_string().contains("org"), "{p}");
    let mine = expect(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.provider_manager(),
            &json!({"url": "http://127.0.0.1:9/hook"}),
        )
        .await,
        201,
        "provider manager subscribes",
    )
    .await;

    // Each organisation sees its own; another organisation's is 404 everywhere.
    let listed = body(
        app.get("/api/v1/webhook-subscriptions", &app.provider_manager())
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["id"], mine["id"]);
    let all = body(app.get("/api/v1/webhook-subscriptions", &app.admin()).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let other = format!(
        "/api/v1/webhook-subscriptions/{}",
        theirs["id"].as_str().unwrap()
    );
    let pm = app.provider_manager();
    problem(app.get(&other, &pm).await, 404).await;
    problem(app.patch(&other, &pm, &json!({"active": false})).await, 404).await;
    problem(app.get(&format!("{other}/deliveries"), &pm).await, 404).await;
    problem(
        app.post(&format!("{other}/rotate-secret"), &pm, &json!({}))
            .await,
        404,
    )
    .await;
    problem(
        app.post(&format!("{other}/test"), &pm, &json!({})).await,
        404,
    )
    .await;
    problem(
        app.request(reqwest::Method::DELETE, &other, Some(&pm), None)
            .await,
        404,
    )
    .await;
    // The integration client of the owning organisation manages it.
    let integration = app.token("ndelius", PROBATION, &["integration"]);
    let changed = expect(
        app.patch(
            &other,
            &integration,
            &json!({"active": false, "eventTypes": ["rarlink.referral.sent"]}),
        )
        .await,
        200,
        "integration turns it off",
    )
    .await;
    assert_eq!(changed["active"], false);
    assert_eq!(changed["eventTypes"], json!(["rarlink.referral.sent"]));
    problem(
        app.patch(&other, &integration, &json!({"url": "https://10.1.2.3/x"}))
            .await,
        422,
    )
    .await;
}

#[actix_web::test]
async fn a_subscription_failing_for_three_days_is_turned_off_and_an_event_says_so() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let (url, _receiver) = start_receiver(1000).await;
    let sub = expect(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.spo(),
            &json!({"url": url, "eventTypes": ["rarlink.person.upserted"]}),
        )
        .await,
        201,
        "subscribe",
    )
    .await;
    let path = format!(
        "/api/v1/webhook-subscriptions/{}",
        sub["id"].as_str().unwrap()
    );
    app.create_person(CRN).await;
    assert_eq!(deliver(&app).await, 1);
    let failing = body(app.get(&path, &app.spo()).await).await;
    assert!(failing["failingSince"].is_string());
    assert_eq!(failing["active"], true);
    for i in 0..12 {
        app.clock.advance(Duration::hours(7));
        app.create_person(&format!("X{}", 200000 + i)).await;
        deliver(&app).await;
    }
    let off = body(app.get(&path, &app.spo()).await).await;
    assert_eq!(off["active"], false, "{off}");
    app.clock.advance(Duration::hours(7));
    assert_eq!(
        deliver(&app).await,
        0,
        "a turned-off subscription is sent nothing"
    );
    let events = body(
        app.get(
            "/api/v1/events?type=rarlink.webhook-subscription.disabled",
            &app.spo(),
        )
        .await,
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(
        events["items"][0]["additionalInformation"]["subscriptionId"],
        sub["id"]
    );
    // Turned on again, it is no longer counted as failing.
    let on = expect(
        app.patch(&path, &app.spo(), &json!({"active": true})).await,
        200,
        "on",
    )
    .await;
    assert_eq!(on["failingSince"], json!(null));
}
