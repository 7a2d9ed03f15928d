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
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
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

async fn start_receiver(fail_first: u32) -> (String, Receiver) {
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
            &app.admin(),
            &json!({"url": url, "eventTypes": ["rarlink.person.upserted"], "org": PROBATION}),
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
            &app.admin(),
        )
        .await,
    )
    .await;
    assert_eq!(log["items"][0]["status"], "PENDING");
    assert_eq!(log["items"][0]["lastStatusCode"], 500);
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
            &app.admin(),
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

#[actix_web::test]
async fn only_admins_manage_subscriptions_and_bad_urls_are_refused() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let body_json = json!({"url": "http://127.0.0.1:9/hook", "org": PROBATION});
    problem(
        app.post("/api/v1/webhook-subscriptions", &app.pp(), &body_json)
            .await,
        403,
    )
    .await;
    problem(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.admin(),
            &json!({"url": "ftp://x", "org": PROBATION}),
        )
        .await,
        422,
    )
    .await;
    problem(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.admin(),
            &json!({"url": "http://127.0.0.1:9/hook", "org": "NOWHERE"}),
        )
        .await,
        422,
    )
    .await;
    let list = body(app.get("/api/v1/webhook-subscriptions", &app.admin()).await).await;
    assert_eq!(list["items"], json!([]));
}
