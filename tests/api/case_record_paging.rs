//! The case record's lists page in SQL by their ordering key: every item once, in the list's
//! order, whatever the page size, even when items share the key (same instant, same date).

use crate::helpers::*;
use crate::scenario::*;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every item of a list, `limit` at a time, following `nextCursor` to the end.
async fn all_pages(app: &TestApp, path: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit={limit}&cursor={c}"),
            None => format!("{path}?limit={limit}"),
        };
        let res = app.get(&url, &app.pp()).await;
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        let page = body(res).await;
        let got = page["items"].as_array().expect("items").clone();
        assert!(got.len() <= limit, "{url}: more than the limit");
        items.extend(got);
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

/// The list in every page size gives the same items, each once, and `field` of them in order.
async fn assert_pages(app: &TestApp, path: &str, field: &str, expected: &[&str]) {
    for limit in [1, 2, 50] {
        let items = all_pages(app, path, limit).await;
        let got: Vec<&str> = items.iter().map(|i| i[field].as_str().unwrap()).collect();
        assert_eq!(got, expected, "{path} with limit {limit}");
    }
}

fn member(name: &str) -> Value {
    json!({
        "name": name, "relationship": "SIBLING", "livesInHousehold": false,
        "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-02-27"}, "verified": false
    })
}

#[actix_web::test]
async fn household_members_page_in_the_order_they_were_recorded() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let path = format!("/api/v1/people/{CRN}/household-members");
    // Two at the same instant, then one recorded "earlier" (a clock set back): by time, then id.
    for name in ["A", "B"] {
        let res = app.post(&path, &app.pp(), &member(name)).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    app.clock.set(default_start() - Duration::hours(1));
    let res = app.post(&path, &app.pp(), &member("C")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_pages(&app, &path, "name", &["C", "A", "B"]).await;
}

#[actix_web::test]
async fn declarations_page_in_the_order_they_were_made() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let path = format!("/api/v1/people/{CRN}/household-declarations");
    for (at, statement) in [
        ("2026-02-25T10:00:00Z", "latest"),
        ("2026-02-20T10:00:00.123456789Z", "first"),
        ("2026-02-20T10:00:00.123456789Z", "second"),
    ] {
        let declaration = json!({"declaredAt": at, "childrenInHousehold": true,
                                 "contactWithChildren": true, "statement": statement});
        let res = app.post(&path, &app.pp(), &declaration).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    assert_pages(&app, &path, "statement", &["first", "second", "latest"]).await;
}

#[actix_web::test]
async fn orders_page_by_start_date() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let path = format!("/api/v1/people/{CRN}/orders");
    let mut ids = Vec::new();
    for start in ["2026-01-05", "2026-01-05", "2025-12-01"] {
        let mut order = order_body();
        order["startDate"] = json!(start);
        order["offences"][0]["date"] = json!("2025-10-12");
        let res = app.post(&path, &app.pp(), &order).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.push(body(res).await["id"].as_str().unwrap().to_string());
    }
    let expected = [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()];
    assert_pages(&app, &path, "id", &expected).await;
}

#[actix_web::test]
async fn risk_history_pages_newest_first() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let mut ids = Vec::new();
    for offset in [0, 0, 1] {
        app.clock.set(default_start() + Duration::hours(offset));
        let recorded = app.record_risk(CRN, &risk_body()).await;
        ids.push(recorded["id"].as_str().unwrap().to_string());
    }
    let expected = [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()];
    let path = format!("/api/v1/people/{CRN}/risk/history");
    assert_pages(&app, &path, "id", &expected).await;
}

#[actix_web::test]
async fn a_cursor_this_api_did_not_issue_is_refused() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    // "nonsense" and "x|y" in unpadded URL-safe base64: no key, and a key that is not a time.
    for cursor in ["bm9uc2Vuc2U", "eHx5"] {
        for list in [
            "household-members",
            "household-declarations",
            "orders",
            "risk/history",
        ] {
            let path = format!("/api/v1/people/{CRN}/{list}?cursor={cursor}");
            let p = problem(app.get(&path, &app.pp()).await, 422).await;
            assert_eq!(p["errors"][0]["field"], "cursor", "{path}");
        }
    }
}
