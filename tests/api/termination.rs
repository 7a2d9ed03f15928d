//! The termination review (derived live), terminating an order, and the multi-agency chronology.

use crate::helpers::*;
use crate::safeguarding::pregnancy_disclosure;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub fn kinds(problem: &Value) -> Vec<String> {
    problem["blockingItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn terminate(app: &TestApp, order: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/orders/{order}/terminate"),
        &app.pp(),
        &json!({"reason": "Order completed", "terminationDate": "2026-03-03"}),
    )
    .await
}

async fn open_prompts(app: &TestApp, token: &str) -> Vec<Value> {
    let page = body(
        app.get("/api/v1/safeguarding-prompts?status=OPEN&limit=200", token)
            .await,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

pub async fn confirm(app: &TestApp, order: &str, item: &str) -> Value {
    let res = app
        .post(
            &format!("/api/v1/orders/{order}/termination-review/items/{item}/confirm"),
            &app.pp(),
            &json!({"note": "Considered with the provider; see case notes"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "confirm {item}: {}",
        res.text().await.unwrap()
    );
    body(res).await
}

#[actix_web::test]
async fn an_order_closes_only_after_everything_providers_reported_was_considered() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    let recorded = body(
        app.post(
            &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
            &app.worker(),
            &pregnancy_disclosure(),
        )
        .await,
    )
    .await;
    let disclosure_id = recorded["id"].as_str().unwrap().to_string();

    let p = problem(terminate(&app, &case.order_id).await, 409).await;
    let k = kinds(&p);
    for expected in [
        "SAFEGUARDING_PROMPT",
        "DISCLOSURE",
        "PROVIDER_REPORT",
        "RAR_DAYS",
        "HOUSEHOLD",
        "REVIEW_NOT_COMPLETE",
    ] {
        assert!(
            k.contains(&expected.to_string()),
            "{expected} missing from {k:?}"
        );
    }
    let before = k.len();

    // Resolving the prompts shrinks the list.
    for prompt in open_prompts(&app, &app.pp()).await {
        let token = if prompt["assigneeRole"] == "PROVIDER_SAFEGUARDING_LEAD" {
            app.provider_manager()
        } else {
            app.pp()
        };
        let res = app
            .post(
                &format!(
                    "/api/v1/safeguarding-prompts/{}/resolve",
                    prompt["id"].as_str().unwrap()
                ),
                &token,
                &json!({"outcome": "ACTIONED", "note": "Done"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let p = problem(terminate(&app, &case.order_id).await, 409).await;
    let k = kinds(&p);
    assert!(!k.contains(&"SAFEGUARDING_PROMPT".to_string()), "{k:?}");
    assert!(k.len() < before);

    // A prompt item cannot be confirmed away; judgement items can.
    let review = body(
        app.get(
            &format!("/api/v1/orders/{}/termination-review", case.order_id),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(review["status"], "IN_PROGRESS");
    let rar_items: Vec<String> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "RAR_DAYS")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        rar_items.len(),
        2,
        "the order's days and the referral's days"
    );
    confirm(&app, &case.order_id, &format!("disclosure-{disclosure_id}")).await;
    confirm(&app, &case.order_id, "household").await;
    for item in &rar_items {
        confirm(&app, &case.order_id, item).await;
    }
    // The provider's end-of-service report satisfies its item.
    let referral = body(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.pp(),
        )
        .await,
    )
    .await;
    let outcome = referral["desiredOutcomes"][0]["id"].clone();
    let res = app.post(&format!("/api/v1/referrals/{}/end-of-service-report", case.referral_id), &app.worker(),
        &json!({"outcomes": [{"desiredOutcomeId": outcome, "achievementLevel": "NOT_ACHIEVED"}]})).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // A NOT_ACHIEVED outcome needs the officer's comment; with a pregnancy known, children's
    // social care must be told of the ending; the risk assessment predates the disclosure.
    let p = problem(terminate(&app, &case.order_id).await, 409).await;
    let k = kinds(&p);
    for expected in [
        "OUTCOME_NOT_ACHIEVED",
        "CHILDRENS_SOCIAL_CARE",
        "RISK_REVIEW",
    ] {
        assert!(
            k.contains(&expected.to_string()),
            "{expected} missing from {k:?}"
        );
    }
    let outcome_item = format!("outcome-{}-{}", case.referral_id, outcome.as_str().unwrap());
    let commented = confirm(&app, &case.order_id, &outcome_item).await;
    let item = commented["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == outcome_item.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["state"], "CONFIRMED");
    assert!(item["note"].as_str().is_some());
    confirm(&app, &case.order_id, "risk-review").await;

    let review = body(
        app.get(
            &format!("/api/v1/orders/{}/termination-review", case.order_id),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(review["status"], "READY_TO_COMPLETE", "{review}");
    let p = problem(terminate(&app, &case.order_id).await, 409).await;
    assert_eq!(
        kinds(&p),
        vec![
            "CHILDRENS_SOCIAL_CARE",
            "AGENCIES_NOTIFIED",
            "REVIEW_NOT_COMPLETE"
        ]
    );

    // Risk of serious harm went up: a manager must sign off. Social care told, with a date.
    let mut complete = json!({"riskOfReoffendingChange": "SAME", "riskOfSeriousHarmChange": "INCREASED",
        "evidence": "New relationship and pregnancy; MIND reports disengagement", "agenciesNotified": [
            {"agency": "POLICE", "notifiedOn": "2026-03-03", "reference": "DA unit"},
            {"agency": "OTHER", "notifiedOn": "2026-03-02", "reference": "MIND-CAMBS"}]});
    let untold = problem(
        app.post(
            &format!(
                "/api/v1/orders/{}/termination-review/complete",
                case.order_id
            ),
            &app.pp(),
            &complete,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(untold["errors"][0]["field"], "agenciesNotified", "{untold}");
    assert_eq!(
        untold["errors"][0]["code"], "childrens_social_care_required",
        "{untold}"
    );
    let told = json!({"agency": "CHILDRENS_SOCIAL_CARE", "notifiedOn": "2026-03-03", "reference": "MASH-4411"});
    complete["agenciesNotified"]
        .as_array_mut()
        .unwrap()
        .insert(0, told.clone());
    let review = body(
        app.post(
            &format!(
                "/api/v1/orders/{}/termination-review/complete",
                case.order_id
            ),
            &app.pp(),
            &complete,
        )
        .await,
    )
    .await;
    assert_eq!(review["agenciesNotified"], complete["agenciesNotified"]);
    let social_care = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "childrens-social-care")
        .unwrap()
        .clone();
    assert_eq!(social_care["state"], "SATISFIED", "{social_care}");
    assert!(
        social_care["evidence"]
            .as_str()
            .unwrap()
            .ends_with("Told: CHILDRENS_SOCIAL_CARE on 2026-03-03 (reference MASH-4411)"),
        "{social_care}"
    );
    assert_eq!(review["status"], "AWAITING_SIGN_OFF");
    assert_eq!(review["signOffRequired"], true);
    let p = problem(terminate(&app, &case.order_id).await, 409).await;
    assert_eq!(kinds(&p), vec!["SIGN_OFF"]);
    problem(
        app.post(
            &format!(
                "/api/v1/orders/{}/termination-review/sign-off",
                case.order_id
            ),
            &app.pp(),
            &json!({}),
        )
        .await,
        403,
    )
    .await;
    let signed = body(
        app.post(
            &format!(
                "/api/v1/orders/{}/termination-review/sign-off",
                case.order_id
            ),
            &app.spo(),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(signed["status"], "COMPLETE");

    let res = terminate(&app, &case.order_id).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let order = body(
        app.get(&format!("/api/v1/orders/{}", case.order_id), &app.pp())
            .await,
    )
    .await;
    assert_eq!(order["status"], "TERMINATED");
    let events = body(
        app.get("/api/v1/events?type=rarlink.order.terminated", &app.pp())
            .await,
    )
    .await;
    let info = &events["items"][0]["additionalInformation"];
    assert_eq!(info["riskOfSeriousHarmChange"], "INCREASED");
    assert_eq!(info["signedOffBy"], "mgreen");
    assert_eq!(info["agenciesNotified"], complete["agenciesNotified"]);
    assert_eq!(info["agenciesNotified"][0], told);
    problem(terminate(&app, &case.order_id).await, 409).await;
}

#[actix_web::test]
async fn a_disclosure_after_the_review_was_completed_reopens_it() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    let review = body(
        app.get(
            &format!("/api/v1/orders/{}/termination-review", case.order_id),
            &app.pp(),
        )
        .await,
    )
    .await;
    for item in review["items"].as_array().unwrap() {
        if item["confirmable"] == true {
            confirm(&app, &case.order_id, item["id"].as_str().unwrap()).await;
        }
    }
    let complete = json!({"riskOfReoffendingChange": "REDUCED", "riskOfSeriousHarmChange": "SAME", "evidence": "Engaged",
        "agenciesNotified": [{"agency": "POLICE", "notifiedOn": "2026-03-03"}]});
    let review = body(
        app.post(
            &format!(
                "/api/v1/orders/{}/termination-review/complete",
                case.order_id
            ),
            &app.pp(),
            &complete,
        )
        .await,
    )
    .await;
    assert_eq!(
        review["status"], "AWAITING_SIGN_OFF",
        "the RAR was not fulfilled: {review}"
    );

    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 11, 0, 0).unwrap());
    let mut later = pregnancy_disclosure();
    later["disclosedAt"] = json!("2026-03-03T10:30:00Z");
    app.post(
        &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
        &app.worker(),
        &later,
    )
    .await;
    let review = body(
        app.get(
            &format!("/api/v1/orders/{}/termination-review", case.order_id),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(review["status"], "IN_PROGRESS");
    assert_eq!(review["reopened"], true);
    let outstanding: Vec<&str> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "OUTSTANDING")
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        outstanding.contains(&"DISCLOSURE") && outstanding.contains(&"HOUSEHOLD"),
        "{outstanding:?}"
    );
}

#[actix_web::test]
async fn the_review_prompt_is_raised_ahead_of_the_end_date_once() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    assert_eq!(
        rarlink::background::termination_reviews_due(&app.state)
            .await
            .unwrap(),
        0
    );
    // The order ends on Monday 4 January 2027; ten working days before is mid-December.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 17, 9, 0, 0).unwrap());
    assert_eq!(
        rarlink::background::termination_reviews_due(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        rarlink::background::termination_reviews_due(&app.state)
            .await
            .unwrap(),
        0
    );
    let prompts = open_prompts(&app, &app.pp()).await;
    let p = prompts
        .iter()
        .find(|p| p["rule"] == "termination-review-due")
        .expect("review prompt");
    assert_eq!(p["assignee"], "jsmith");
    assert_eq!(p["dueAt"], "2027-01-04T17:00:00Z");
    assert_eq!(p["orderId"], case.order_id);
}

#[actix_web::test]
async fn the_chronology_lists_every_agencys_records_in_order_and_round_trips_as_csv() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    app.post(
        &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
        &app.worker(),
        &pregnancy_disclosure(),
    )
    .await;
    let page = body(
        app.get(
            &format!("/api/v1/people/{}/chronology?limit=200", case.crn),
            &app.pp(),
        )
        .await,
    )
    .await;
    let entries = page["items"].as_array().unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "person.upserted",
        "risk-assessment",
        "order.created",
        "referral.created",
        "referral.sent",
        "referral.accepted",
        "disclosure",
        "safeguarding-prompt",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let agencies: Vec<&str> = entries
        .iter()
        .map(|e| e["agency"].as_str().unwrap())
        .collect();
    assert!(
        agencies.contains(&"PDU-CAMBS") && agencies.contains(&"MIND-CAMBS"),
        "{agencies:?}"
    );
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "time order");

    let res = app
        .get(
            &format!("/api/v1/people/{}/chronology?format=csv", case.crn),
            &app.pp(),
        )
        .await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "occurredAt",
            "recordedAt",
            "agency",
            "who",
            "role",
            "kind",
            "summary",
            "link"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), entries.len());
    for (row, e) in rows.iter().zip(entries) {
        assert_eq!(&row[2], e["agency"].as_str().unwrap());
        assert_eq!(&row[5], e["kind"].as_str().unwrap());
        assert_eq!(&row[6], e["summary"].as_str().unwrap());
        assert_eq!(&row[7], e["link"].as_str().unwrap());
        let at: chrono::DateTime<Utc> = row[0].parse().unwrap();
        let json_at: chrono::DateTime<Utc> = e["occurredAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(at, json_at);
    }
    problem(
        app.get(
            &format!("/api/v1/people/{}/chronology", case.crn),
            &app.worker(),
        )
        .await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn the_manager_who_completed_a_review_cannot_sign_it_off() {
    let app = TestApp::builder().seeded(Seed::Organisations).spawn().await;
    app.create_person(crate::scenario::CRN).await;
    app.record_risk(crate::scenario::CRN, &crate::scenario::risk_body())
        .await;
    let order = app.create_order(crate::scenario::CRN).await;
    let review_path = format!("/api/v1/orders/{order}/termination-review");
    let review = body(app.get(&review_path, &app.spo()).await).await;
    for item in review["items"].as_array().unwrap() {
        if item["confirmable"] != true {
            continue;
        }
        let res = app
            .post(
                &format!(
                    "{review_path}/items/{}/confirm",
                    item["id"].as_str().unwrap()
                ),
                &app.spo(),
                &json!({"note": "Considered"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{item}");
    }
    let completed = expect(
        app.post(
            &format!("{review_path}/complete"),
            &app.spo(),
            &json!({"riskOfReoffendingChange": "SAME", "riskOfSeriousHarmChange": "INCREASED",
                    "evidence": "New relationship",
                    "agenciesNotified": [{"agency": "POLICE", "notifiedOn": "2026-03-02", "reference": "DA unit"}]}),
        )
        .await,
        200,
        "manager completes",
    )
    .await;
    assert_eq!(completed["status"], "AWAITING_SIGN_OFF");
    let sign_off = format!("{review_path}/sign-off");
    let p = problem(app.post(&sign_off, &app.spo(), &json!({})).await, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("completed"), "{p}");
    let other_manager = app.token("rpatel", crate::scenario::PROBATION, &["probation_manager"]);
    let signed = expect(
        app.post(&sign_off, &other_manager, &json!({})).await,
        200,
        "another manager signs off",
    )
    .await;
    assert_eq!(signed["status"], "COMPLETE");
}
