//! Audit log (hash chain, tamper detection), domain events (visibility, rollback) and idempotency.

use crate::helpers::*;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn audit_entries(app: &TestApp) -> Vec<Value> {
    let page = body(
        app.get("/api/v1/audit-events?limit=200", &app.auditor())
            .await,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn every_read_and_write_is_audited_and_the_chain_verifies() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    app.get("/api/v1/organisations", &app.admin()).await;
    let refused = app
        .get(
            "/api/v1/organisations",
            &app.token("pp", "PDU-A", &["probation_practitioner"]),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let entries = audit_entries(&app).await;
    let actions: Vec<(&str, i64)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["status"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("organisation.create", 201),
            ("organisation.list", 200),
            ("organisation.list", 403)
        ]
    );
    assert_eq!(entries[0]["actor"]["sub"], "admin");
    assert_eq!(entries[0]["method"], "POST");
    assert_eq!(entries[0]["resource"], "/api/v1/organisations");
    assert!(entries[0]["requestId"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prevHash"], pair[0]["hash"]);
    }

    let verdict = body(app.get("/api/v1/audit-events/verify", &app.auditor()).await).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
}

#[actix_web::test]
async fn altering_an_audit_row_in_the_database_is_detected() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    app.register_org("PDU-B", "probation").await;
    let entries = audit_entries(&app).await;
    let victim = entries[1]["id"].as_str().unwrap().to_string();
    app.state
        .db
        .run(move |conn| {
            use rarlink::db::schema::audit_events::dsl::*;
            diesel::update(audit_events.find(victim))
                .set(actor_sub.eq("someone-else"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let verdict = body(app.get("/api/v1/audit-events/verify", &app.auditor()).await).await;
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["firstBroken"]["sequence"], 2);
}

#[actix_web::test]
async fn deleting_an_audit_row_is_detected() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    app.register_org("PDU-B", "probation").await;
    app.register_org("PDU-C", "probation").await;
    let entries = audit_entries(&app).await;
    let victim = entries[1]["id"].as_str().unwrap().to_string();
    app.state
        .db
        .run(move |conn| {
            use rarlink::db::schema::audit_events::dsl::*;
            diesel::delete(audit_events.find(victim)).execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let verdict = body(app.get("/api/v1/audit-events/verify", &app.auditor()).await).await;
    assert_eq!(verdict["valid"], false);
    assert!(verdict["firstBroken"]["reason"]
        .as_str()
        .unwrap()
        .contains("missing"));
}

#[actix_web::test]
async fn the_audit_log_filters_by_actor_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    for code in ["PDU-A", "PDU-B", "PDU-C"] {
        app.register_org(code, "probation").await;
    }
    app.get(
        "/api/v1/organisations",
        &app.token("other-admin", "RARLINK", &["admin"]),
    )
    .await;
    let page = body(
        app.get("/api/v1/audit-events?actor=admin&limit=2", &app.auditor())
            .await,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["nextCursor"].as_str().unwrap().to_string();
    let next = body(
        app.get(
            &format!("/api/v1/audit-events?actor=admin&limit=2&cursor={cursor}"),
            &app.auditor(),
        )
        .await,
    )
    .await;
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items.iter().all(|e| e["actor"]["sub"] == "admin"));
    assert!(next["nextCursor"].is_null());
}

#[actix_web::test]
async fn only_auditors_read_the_audit_log() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/audit-events", &app.admin()).await;
    problem(res, 403).await;
}

#[actix_web::test]
async fn events_are_visible_only_to_their_organisation_in_commit_order() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    app.register_org("PDU-B", "probation").await;
    let a = app.token("svc-a", "PDU-A", &["integration"]);
    let page = body(app.get("/api/v1/events", &a).await).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["eventType"], "rarlink.organisation.created");
    assert_eq!(items[0]["additionalInformation"]["code"], "PDU-A");
    let seq = items[0]["sequence"].as_i64().unwrap();
    let after = body(app.get(&format!("/api/v1/events?after={seq}"), &a).await).await;
    assert_eq!(after["items"], json!([]));
}

#[actix_web::test]
async fn a_refused_write_leaves_no_event_and_no_change_in_the_audit_log() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    let duplicate = app
        .post(
            "/api/v1/organisations",
            &app.admin(),
            &json!({"code": "PDU-A", "name": "again", "kind": "probation"}),
        )
        .await;
    problem(duplicate, 409).await;
    let a = app.token("svc-a", "PDU-A", &["integration"]);
    let page = body(app.get("/api/v1/events", &a).await).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let changes: Vec<i64> = audit_entries(&app)
        .await
        .iter()
        .filter(|e| e["action"] == "organisation.create")
        .map(|e| e["status"].as_i64().unwrap())
        .collect();
    assert_eq!(changes, vec![201, 409]);
}

#[actix_web::test]
async fn a_retried_post_with_the_same_idempotency_key_creates_one_object() {
    let app = spawn_app().await;
    let body_json = json!({"code": "PDU-A", "name": "A", "kind": "probation"});
    let send = |b: Value| {
        app.client
            .post(app.url("/api/v1/organisations"))
            .bearer_auth(app.admin())
            .header("idempotency-key", "create-pdu-a-1")
            .json(&b)
            .send()
    };
    let first = send(body_json.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body = first.text().await.unwrap();
    let second = send(body_json.clone()).await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.text().await.unwrap(), first_body);
    let list = body(app.get("/api/v1/organisations", &app.admin()).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let changed = send(json!({"code": "PDU-B", "name": "B", "kind": "probation"}))
        .await
        .unwrap();
    problem(changed, 422).await;
}

#[actix_web::test]
async fn idempotency_keys_are_scoped_per_caller() {
    let app = spawn_app().await;
    let post = |token: String, code: &str| {
        app.client
            .post(app.url("/api/v1/organisations"))
            .bearer_auth(token)
            .header("idempotency-key", "same-key")
            .json(&json!({"code": code, "name": code, "kind": "provider"}))
            .send()
    };
    let a = post(app.admin(), "PROV-A").await.unwrap();
    let b = post(app.token("admin2", "RARLINK", &["admin"]), "PROV-B")
        .await
        .unwrap();
    assert_eq!(a.status(), StatusCode::CREATED);
    assert_eq!(b.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn an_organisations_auditor_sees_only_what_its_own_staff_did() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    app.register_org("PDU-B", "probation").await;
    app.get(
        "/api/v1/events",
        &app.token("a1", "PDU-A", &["integration"]),
    )
    .await;
    app.get(
        "/api/v1/events",
        &app.token("b1", "PDU-B", &["integration"]),
    )
    .await;
    let local = body(
        app.get(
            "/api/v1/audit-events",
            &app.token("aud-a", "PDU-A", &["auditor"]),
        )
        .await,
    )
    .await;
    let actors: Vec<&str> = local["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"]["sub"].as_str().unwrap())
        .collect();
    assert_eq!(actors, vec!["a1"]);
    let platform = body(app.get("/api/v1/audit-events", &app.auditor()).await).await;
    assert!(platform["items"].as_array().unwrap().len() >= 4);
}
