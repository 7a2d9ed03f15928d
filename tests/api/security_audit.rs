//! Security (issue 17): every refusal on `/api/v1` is audited, naming the CRN the path named;
//! idempotent replays are re-checked and audited; callers of unknown organisations write
//! (almost) nothing.

use crate::helpers::*;
use crate::scenario::*;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let page = expect(
        app.get(
            &format!("/api/v1/audit-events?limit=200{query}"),
            &app.auditor(),
        )
        .await,
        200,
        "audit log",
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

fn summary(entries: &[Value]) -> Vec<(String, String, i64)> {
    entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"]["sub"].as_str().unwrap().to_string(),
                e["status"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn refusals_before_and_inside_the_unit_of_work_are_audited_under_the_crn_they_named() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(CRN).await;
    let person = format!("/api/v1/people/{CRN}");
    // 401: no token.
    let res = app.request(Method::GET, &person, None, None).await;
    assert_eq!(res.status().as_u16(), 401);
    // 400: malformed JSON, refused by the extractor before any unit of work.
    let res = app
        .client
        .put(app.url(&format!("{person}/risk")))
        .bearer_auth(app.pp())
        .header("content-type", "application/json")
        .body("{\"level\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    // 422: a body over its caps.
    let res = app
        .put(&person, &app.pp(), &json!({"name": "x".repeat(20_001)}))
        .await;
    assert_eq!(res.status().as_u16(), 422);
    // 404: another organisation probing the person (refused inside the unit of work).
    let res = app.get(&person, &app.other_pp()).await;
    assert_eq!(res.status().as_u16(), 404);
    // 403: a role that may never read people.
    let res = app.get(&person, &app.worker()).await;
    assert_eq!(res.status().as_u16(), 403);

    let about = entries(&app, &format!("&crn={CRN}")).await;
    let refused: Vec<_> = summary(&about)
        .into_iter()
        .filter(|(_, _, status)| *status >= 400)
        .collect();
    assert_eq!(
        refused,
        vec![
            (
                "request.unauthenticated".into(),
                "(unauthenticated)".into(),
                401
            ),
            ("request.refused".into(), "jsmith".into(), 400),
            ("request.refused".into(), "jsmith".into(), 422),
            ("person.read".into(), "nwest".into(), 404),
            ("person.read".into(), "akhan".into(), 403),
        ],
        "{about:#?}"
    );

    // 422 on a path that is not a CRN, and 409: kept under the resource the path named.
    let res = app.get("/api/v1/people/not-a-crn", &app.pp()).await;
    assert_eq!(res.status().as_u16(), 422);
    let all = entries(&app, "").await;
    let bad = all
        .iter()
        .find(|e| e["resource"] == "/api/v1/people/not-a-crn")
        .expect("the bad CRN is audited");
    assert_eq!(bad["status"], 422);
    assert_eq!(bad["action"], "request.refused");
}

#[actix_web::test]
async fn a_conflict_is_audited_once_with_the_caller_and_resource() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let referral = app.seeded.as_ref().unwrap().referral_id.clone();
    let path = format!("/api/v1/referrals/{referral}/accept");
    let res = app
        .post(
            &path,
            &app.worker(),
            &json!({"riskInformationAcknowledged": true}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 409);
    let all = entries(&app, "").await;
    let conflicts: Vec<_> = all
        .iter()
        .filter(|e| e["resource"] == path.as_str() && e["status"] == 409)
        .collect();
    assert_eq!(conflicts.len(), 1, "{all:#?}");
    assert_eq!(conflicts[0]["actor"]["sub"], "akhan");
}

#[actix_web::test]
async fn an_idempotent_replay_rechecks_the_permission_and_is_audited_as_a_replay() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(CRN).await;
    let orders = format!("/api/v1/people/{CRN}/orders");
    let post = |token: String| {
        app.client
            .post(app.url(&orders))
            .bearer_auth(token)
            .header("idempotency-key", "order-1")
            .json(&order_body())
            .send()
    };
    let first = post(app.pp()).await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let replay = post(app.pp()).await.unwrap();
    assert_eq!(replay.status().as_u16(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    // The same subject, no longer holding a role that may create orders: refused, not replayed.
    let roleless = app.token("jsmith", PROBATION, &["provider_worker"]);
    let refused = post(roleless).await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(!refused.headers().contains_key("idempotent-replayed"));

    let about = entries(&app, &format!("&crn={CRN}")).await;
    let replays: Vec<_> = summary(&about)
        .into_iter()
        .filter(|(action, _, _)| action == "request.replayed")
        .collect();
    assert_eq!(
        replays,
        vec![
            ("request.replayed".into(), "jsmith".into(), 201),
            ("request.replayed".into(), "jsmith".into(), 403),
        ],
        "{about:#?}"
    );
}

#[actix_web::test]
async fn a_caller_of_an_unknown_organisation_leaves_one_refusal_a_minute_and_no_idempotency_rows() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    let stranger = app.token("mallory", "NOWHERE", &["probation_practitioner"]);
    for i in 0..5 {
        let res = app
            .client
            .post(app.url(&format!("/api/v1/people/{CRN}/orders")))
            .bearer_auth(&stranger)
            .header("idempotency-key", format!("k-{i}"))
            .json(&order_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403, "post {i}");
        let res = app.get(&format!("/api/v1/people/{CRN}"), &stranger).await;
        assert_eq!(res.status().as_u16(), 403, "get {i}");
        let res = app
            .put(
                &format!("/api/v1/people/{CRN}"),
                &stranger,
                &json!({"bad": 1}),
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "put {i}");
    }
    let count = |app: &TestApp| {
        let db = app.state.db.clone();
        async move {
            db.run(|conn| {
                use rarlink::db::schema::{audit_events, idempotency_keys};
                let audit: i64 = audit_events::table
                    .filter(audit_events::actor_org.eq("NOWHERE"))
                    .count()
                    .get_result(conn)?;
                let keys: i64 = idempotency_keys::table.count().get_result(conn)?;
                Ok((audit, keys))
            })
            .await
            .unwrap()
        }
    };
    assert_eq!(count(&app).await, (1, 0));
    app.clock.advance(chrono::Duration::seconds(61));
    let res = app.get(&format!("/api/v1/people/{CRN}"), &stranger).await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(count(&app).await, (2, 0));
}
