//! The platform's lists page in SQL: webhook subscriptions by id, a subscription's deliveries
//! oldest first, each with an opaque cursor that leads to the rest and then to none.

use crate::helpers::*;
use crate::scenario::*;
use serde_json::{json, Value};

/// Every item of a list, a page of `limit` at a time, following `nextCursor`.
async fn all_pages(app: &TestApp, path: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = body(app.get(&url, &app.admin()).await).await;
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit as usize, "{page}");
        items.extend(got.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn subscriptions_page_by_id_and_keep_their_event_types() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.register_platform().await;
    let types = [
        json!([]),
        json!(["rarlink.person.upserted"]),
        json!(["rarlink.referral.sent", "rarlink.referral.accepted"]),
    ];
    for t in &types {
        let res = app
            .post(
                "/api/v1/webhook-subscriptions",
                &app.admin(),
                &json!({"url": "http://127.0.0.1:9/hook", "eventTypes": t, "org": PROBATION}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
    }
    let paged = all_pages(&app, "/api/v1/webhook-subscriptions", 2).await;
    let whole = all_pages(&app, "/api/v1/webhook-subscriptions", 200).await;
    assert_eq!(paged, whole);
    let mut sorted = ids(&paged);
    sorted.sort();
    assert_eq!(ids(&paged), sorted, "by id");
    let mut listed: Vec<Value> = paged.iter().map(|s| s["eventTypes"].clone()).collect();
    let mut expected = types.to_vec();
    listed.sort_by_key(|v| v.to_string());
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(listed, expected);
    assert!(paged.iter().all(|s| s.get("secret").is_none()));
}

#[actix_web::test]
async fn deliveries_page_oldest_first_and_an_unknown_subscription_is_404() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.register_platform().await;
    let sub = body(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.admin(),
            &json!({"url": "http://127.0.0.1:9/hook", "org": PROBATION}),
        )
        .await,
    )
    .await;
    app.create_person(CRN).await;
    app.create_person("X654321").await;
    rarlink::background::deliver_webhooks(&app.state)
        .await
        .unwrap();

    let path = format!(
        "/api/v1/webhook-subscriptions/{}/deliveries",
        sub["id"].as_str().unwrap()
    );
    let paged = all_pages(&app, &path, 1).await;
    let whole = all_pages(&app, &path, 200).await;
    assert!(paged.len() >= 3, "{paged:?}");
    assert_eq!(paged, whole);
    let mut sorted = ids(&paged);
    sorted.sort();
    assert_eq!(ids(&paged), sorted, "oldest first");
    assert!(
        paged
            .iter()
            .all(|d| d["status"] == "PENDING" && d["attempts"] == 1),
        "{paged:?}"
    );

    let unknown = format!(
        "/api/v1/webhook-subscriptions/{}/deliveries",
        uuid::Uuid::now_v7()
    );
    problem(app.get(&unknown, &app.admin()).await, 404).await;
}
