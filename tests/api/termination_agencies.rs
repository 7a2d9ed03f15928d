//! The agencies told of an order's ending, as typed entries: what the review refuses, and how a
//! review completed when they were free text reads back.

use crate::helpers::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

fn completion(agencies: Value) -> Value {
    json!({"riskOfReoffendingChange": "SAME", "riskOfSeriousHarmChange": "SAME",
           "evidence": "Engaged throughout", "agenciesNotified": agencies})
}

/// The `(field, code)` of each problem in a `422`.
fn fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn agencies_told_are_refused_when_unknown_undated_future_or_overlong() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let order = app.seeded.as_ref().unwrap().order_id.clone();
    let path = format!("/api/v1/orders/{order}/termination-review/complete");
    let told = |on: &str| json!({"agency": "CHILDRENS_SOCIAL_CARE", "notifiedOn": on});
    let many: Vec<Value> = (0..31).map(|_| told("2026-03-01")).collect();
    // Today is Monday 2 March 2026 by the test clock.
    for (agencies, expected) in [
        (
            json!([told("2026-03-03")]),
            ("agenciesNotified[0].notifiedOn", "future"),
        ),
        (
            json!([told("2026-03-01"), {"agency": "SOCIAL_SERVICES", "notifiedOn": "2026-03-01"}]),
            ("agenciesNotified[1].agency", "invalid"),
        ),
        (
            json!([told("2026-02-30")]),
            ("agenciesNotified[0].notifiedOn", "invalid"),
        ),
        (
            json!([{"agency": "POLICE", "notifiedOn": "yesterday"}]),
            ("agenciesNotified[0].notifiedOn", "invalid"),
        ),
        (
            json!([told("1899-12-31")]),
            ("agenciesNotified[0].notifiedOn", "out_of_range"),
        ),
        (
            json!([{"agency": "POLICE"}]),
            ("agenciesNotified[0]", "invalid"),
        ),
        (
            json!([{"agency": "POLICE", "notifiedOn": "2026-03-01", "reference": "x".repeat(201)}]),
            ("agenciesNotified[0].reference", "too_long"),
        ),
        (
            json!([{"agency": "POLICE", "notifiedOn": "2026-03-01", "reference": "  "}]),
            ("agenciesNotified[0].reference", "required"),
        ),
        // the free text the review took before entries were typed
        (
            json!(["CHILDRENS_SOCIAL_CARE 2026-03-01 MASH-1"]),
            ("agenciesNotified[0]", "invalid"),
        ),
        (json!([]), ("agenciesNotified", "required")),
        (json!(many), ("agenciesNotified", "too_many")),
    ] {
        let p = problem(
            app.post(&path, &app.pp(), &completion(agencies.clone()))
                .await,
            422,
        )
        .await;
        assert_eq!(
            fields(&p),
            vec![(expected.0.to_string(), expected.1.to_string())],
            "{agencies}: {p}"
        );
    }
    // "The future" is the clock's: the next day, the same entry is taken (the review then
    // refuses to complete for its outstanding items, not for the date).
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    problem(
        app.post(&path, &app.pp(), &completion(json!([told("2026-03-03")])))
            .await,
        409,
    )
    .await;
}

#[actix_web::test]
async fn a_review_completed_with_free_text_agencies_reads_them_back_typed_or_as_written() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(crate::scenario::CRN).await;
    app.record_risk(crate::scenario::CRN, &crate::scenario::risk_body())
        .await;
    let order = app.create_order(crate::scenario::CRN).await;
    let review_path = format!("/api/v1/orders/{order}/termination-review");
    let review = expect(app.get(&review_path, &app.pp()).await, 200, "review").await;
    for item in review["items"].as_array().unwrap() {
        if item["confirmable"] == true {
            let confirm = format!(
                "{review_path}/items/{}/confirm",
                item["id"].as_str().unwrap()
            );
            expect(
                app.post(&confirm, &app.pp(), &json!({"note": "Considered"}))
                    .await,
                200,
                "confirm",
            )
            .await;
        }
    }
    expect(
        app.post(
            &format!("{review_path}/complete"),
            &app.pp(),
            &completion(json!([{"agency": "POLICE", "notifiedOn": "2026-03-02"}])),
        )
        .await,
        200,
        "complete",
    )
    .await;
    // As a review completed before the entries were typed stored them.
    let order_id = order.clone();
    app.state
        .db
        .run(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE termination_reviews SET agencies_notified = \
                 '[\"CHILDRENS_SOCIAL_CARE 2026-02-27 MASH-9\", \"Police DA unit\"]' \
                 WHERE order_id = '{order_id}'"
            ))
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let review = expect(app.get(&review_path, &app.pp()).await, 200, "old review").await;
    let read_back = json!([
        {"agency": "CHILDRENS_SOCIAL_CARE", "notifiedOn": "2026-02-27", "reference": "MASH-9"},
        {"agency": "OTHER", "notifiedOn": null, "note": "Police DA unit"}
    ]);
    assert_eq!(review["agenciesNotified"], read_back, "{review}");
    let agencies = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "AGENCIES_NOTIFIED")
        .unwrap()
        .clone();
    assert_eq!(
        agencies["evidence"],
        "CHILDRENS_SOCIAL_CARE on 2026-02-27 (reference MASH-9), \"Police DA unit\" (recorded as free text)"
    );

    // A manager signs off (the RAR was not fulfilled); the order ends with the entries typed.
    let other_manager = app.token("rpatel", crate::scenario::PROBATION, &["probation_manager"]);
    let signed = expect(
        app.post(
            &format!("{review_path}/sign-off"),
            &other_manager,
            &json!({}),
        )
        .await,
        200,
        "sign off",
    )
    .await;
    assert_eq!(signed["status"], "COMPLETE", "{signed}");
    expect(
        app.post(
            &format!("/api/v1/orders/{order}/terminate"),
            &app.pp(),
            &json!({"reason": "Order completed", "terminationDate": "2026-03-02"}),
        )
        .await,
        200,
        "terminate",
    )
    .await;
    let events = expect(
        app.get("/api/v1/events?type=rarlink.order.terminated", &app.pp())
            .await,
        200,
        "events",
    )
    .await;
    assert_eq!(
        events["items"][0]["additionalInformation"]["agenciesNotified"],
        read_back
    );
}
