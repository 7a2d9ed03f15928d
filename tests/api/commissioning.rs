//! Commissioning a RAR with offence and risk context: people, risk, household, orders, referrals.

use crate::helpers::*;
use crate::scenario::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[actix_web::test]
async fn a_referral_reaches_the_provider_with_offence_risk_and_staff_safety() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let order_id = app.create_order(CRN).await;

    // A draft without staff safety and outcomes cannot be sent: both are named at once.
    let mut draft = complete_draft();
    draft.as_object_mut().unwrap().remove("staffSafety");
    draft.as_object_mut().unwrap().remove("desiredOutcomes");
    let referral_id = app.draft_referral(&order_id, &draft).await;
    let send = format!("/api/v1/referrals/{referral_id}/send");
    let p = problem(app.post(&send, &app.pp(), &json!({})).await, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"staffSafety") && fields.contains(&"desiredOutcomes"),
        "{fields:?}"
    );

    // Complete it and send.
    let res = app
        .patch(
            &format!("/api/v1/referrals/{referral_id}"),
            &app.pp(),
            &json!({"staffSafety": "Female staff not to see alone; office appointments only",
                    "desiredOutcomes": [{"description": "Manages emotions without abuse"}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let sent = body(app.post(&send, &app.pp(), &json!({})).await).await;
    assert_eq!(sent["status"], "SENT");

    // The provider lists it and reads the shared view.
    let list = body(app.get("/api/v1/referrals", &app.worker()).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let shared = body(
        app.get(&format!("/api/v1/referrals/{referral_id}"), &app.worker())
            .await,
    )
    .await;
    let ctx = &shared["sharedContext"]["context"];
    assert!(ctx["offenceSummary"]
        .as_str()
        .unwrap()
        .contains("Domestic abuse"));
    assert_eq!(
        ctx["rosh"],
        json!({"children": "MEDIUM", "public": "LOW", "knownAdult": "MEDIUM", "staff": "MEDIUM"})
    );
    assert!(ctx["staffSafety"]
        .as_str()
        .unwrap()
        .contains("Female staff not to see alone"));
    assert!(ctx["flags"]
        .as_array()
        .unwrap()
        .contains(&json!("DOMESTIC_ABUSE_PERPETRATOR")));
    assert_eq!(shared["acknowledgementRequired"], true);
    assert!(
        shared.get("createdBy").is_none(),
        "the shared view is not the probation view"
    );

    // It accepts with acknowledgement; who and when are recorded.
    let accept = format!("/api/v1/referrals/{referral_id}/accept");
    problem(
        app.post(
            &accept,
            &app.worker(),
            &json!({"riskInformationAcknowledged": false}),
        )
        .await,
        422,
    )
    .await;
    let accepted = body(
        app.post(
            &accept,
            &app.worker(),
            &json!({"riskInformationAcknowledged": true}),
        )
        .await,
    )
    .await;
    assert_eq!(accepted["status"], "ACCEPTED");
    assert_eq!(accepted["acceptedBy"], "akhan");
    assert_eq!(accepted["acknowledgementRequired"], false);

    // Another provider cannot see it.
    problem(
        app.get(
            &format!("/api/v1/referrals/{referral_id}"),
            &app.other_worker(),
        )
        .await,
        404,
    )
    .await;

    // Probation raises the risk: the provider sees a new version and must acknowledge again.
    let mut raised = risk_body();
    raised["roshChildren"] = json!("HIGH");
    raised["assessedOn"] = json!("2026-03-01");
    let recorded = app.record_risk(CRN, &raised).await;
    assert_eq!(recorded["referralsReshared"], json!([referral_id]));
    let shared = body(
        app.get(&format!("/api/v1/referrals/{referral_id}"), &app.worker())
            .await,
    )
    .await;
    assert_eq!(shared["sharedContext"]["version"], 2);
    assert_eq!(
        shared["sharedContext"]["context"]["rosh"]["children"],
        "HIGH"
    );
    assert_eq!(shared["acknowledgementRequired"], true);
    let acked = body(
        app.post(
            &format!("/api/v1/referrals/{referral_id}/risk-acknowledgement"),
            &app.worker(),
            &json!({"version": 2}),
        )
        .await,
    )
    .await;
    assert_eq!(acked["acknowledgementRequired"], false);
    assert_eq!(acked["sharedContextVersions"][1]["acknowledgedBy"], "akhan");

    // The events tell the provider's system what happened, in order.
    let events = body(app.get("/api/v1/events", &app.worker()).await).await;
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "rarlink.organisation.created",
            "rarlink.referral.sent",
            "rarlink.referral.accepted",
            "rarlink.referral.risk-updated",
            "rarlink.safeguarding-prompt.raised",
            // The worker's acknowledgement leaves the safeguarding lead's prompt open.
            "rarlink.referral.risk-acknowledged"
        ]
    );
}

#[actix_web::test]
async fn a_provider_never_sees_drafts() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let order_id = app.create_order(CRN).await;
    let id = app.draft_referral(&order_id, &complete_draft()).await;
    problem(
        app.get(&format!("/api/v1/referrals/{id}"), &app.worker())
            .await,
        404,
    )
    .await;
    let list = body(app.get("/api/v1/referrals", &app.worker()).await).await;
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn sending_needs_a_risk_assessment() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let order_id = app.create_order(CRN).await;
    let id = app.draft_referral(&order_id, &complete_draft()).await;
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{id}/send"),
            &app.pp(),
            &json!({}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "rosh");
}

#[actix_web::test]
async fn allocating_more_rar_days_than_the_order_allows_is_refused() {
    let app = spawn_app().await;
    let case = app.case(false).await; // 10 of 20 days sent
    let mut draft = complete_draft();
    draft["rarDays"] = json!(11);
    draft["providerOrg"] = json!(OTHER_PROVIDER);
    let second = app.draft_referral(&case.order_id, &draft).await;
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{second}/send"),
            &app.pp(),
            &json!({}),
        )
        .await,
        422,
    )
    .await;
    let e = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "rarDays")
        .expect("rarDays error");
    assert_eq!(e["code"], "exceeds_order");
    assert!(e["message"].as_str().unwrap().contains("10"));
    let rar = body(
        app.get(&format!("/api/v1/orders/{}/rar", case.order_id), &app.pp())
            .await,
    )
    .await;
    assert_eq!(rar["maxDays"], 20);
    assert_eq!(rar["allocatedDays"], 10);
    assert_eq!(rar["unallocatedDays"], 10);
    assert_eq!(rar["deliveredDays"], 0);

    let mut too_many = complete_draft();
    too_many["rarDays"] = json!(21);
    let res = app
        .post(
            &format!("/api/v1/orders/{}/referrals", case.order_id),
            &app.pp(),
            &too_many,
        )
        .await;
    problem(res, 422).await;
}

#[actix_web::test]
async fn illegal_transitions_are_409_with_the_current_state() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{}/send", case.referral_id),
            &app.pp(),
            &json!({}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "ACCEPTED");
    let p = problem(
        app.patch(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.pp(),
            &json!({"rarDays": 2}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "ACCEPTED");
    let res = app
        .post(
            &format!("/api/v1/referrals/{}/withdraw", case.referral_id),
            &app.pp(),
            &json!({"code": "RISK_CHANGED", "note": "risk too high"}),
        )
        .await;
    assert_eq!(body(res).await["status"], "WITHDRAWN");
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{}/decline", case.referral_id),
            &app.worker(),
            &json!({"reason": "x"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "WITHDRAWN");
}

#[actix_web::test]
async fn a_provider_manager_assigns_a_worker_and_a_worker_cannot() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let path = format!("/api/v1/referrals/{}/assign", case.referral_id);
    problem(
        app.post(&path, &app.worker(), &json!({"worker": "akhan"}))
            .await,
        403,
    )
    .await;
    let res = body(
        app.post(&path, &app.provider_manager(), &json!({"worker": "akhan"}))
            .await,
    )
    .await;
    assert_eq!(res["assignedWorker"], "akhan");
}

#[actix_web::test]
async fn declining_needs_a_reason() {
    let app = spawn_app().await;
    let case = app.case(false).await;
    let path = format!("/api/v1/referrals/{}/decline", case.referral_id);
    problem(
        app.post(&path, &app.worker(), &json!({"reason": " "}))
            .await,
        422,
    )
    .await;
    let res = body(
        app.post(&path, &app.worker(), &json!({"reason": "No capacity"}))
            .await,
    )
    .await;
    assert_eq!(res["status"], "DECLINED");
}

#[actix_web::test]
async fn risk_history_is_kept_and_the_latest_is_current() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    problem(
        app.get(&format!("/api/v1/people/{CRN}/risk"), &app.pp())
            .await,
        404,
    )
    .await;
    app.record_risk(CRN, &risk_body()).await;
    let mut second = risk_body();
    second["roshStaff"] = json!("HIGH");
    app.record_risk(CRN, &second).await;
    let current = body(
        app.get(&format!("/api/v1/people/{CRN}/risk"), &app.pp())
            .await,
    )
    .await;
    assert_eq!(current["roshStaff"], "HIGH");
    let history = body(
        app.get(&format!("/api/v1/people/{CRN}/risk/history"), &app.pp())
            .await,
    )
    .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
    assert_eq!(history["items"][1]["roshStaff"], "MEDIUM");
    let first = body(
        app.get(
            &format!("/api/v1/people/{CRN}/risk/history?limit=1"),
            &app.pp(),
        )
        .await,
    )
    .await;
    let cursor = first["nextCursor"].as_str().expect("a second page");
    let second = body(
        app.get(
            &format!("/api/v1/people/{CRN}/risk/history?limit=1&cursor={cursor}"),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(second["items"][0]["roshStaff"], "MEDIUM");
    assert!(second["nextCursor"].is_null());
}

#[actix_web::test]
async fn household_members_keep_provenance_and_declarations_are_evidence() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let unborn = json!({
        "name": "Unborn child of Jane Doe", "relationship": "UNBORN_CHILD", "expectedDueDate": "2026-08-15",
        "livesInHousehold": true, "putativeParent": true,
        "source": {"kind": "PROVIDER", "name": "MIND worker", "reportedOn": "2026-02-27"}, "verified": false
    });
    let res = app
        .post(
            &format!("/api/v1/people/{CRN}/household-members"),
            &app.pp(),
            &unborn,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let member = body(res).await;
    let id = member["id"].as_str().unwrap();
    assert_eq!(member["source"]["kind"], "PROVIDER");
    assert_eq!(member["createdBy"], "jsmith");

    // An unborn child without a due date is impossible.
    let mut bad = unborn.clone();
    bad.as_object_mut().unwrap().remove("expectedDueDate");
    problem(
        app.post(
            &format!("/api/v1/people/{CRN}/household-members"),
            &app.pp(),
            &bad,
        )
        .await,
        422,
    )
    .await;

    // Verify it, with the ETag; a stale ETag is refused.
    let path = format!("/api/v1/people/{CRN}/household-members/{id}");
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(app.pp())
        .header("if-match", &etag)
        .json(&json!({"verified": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await["verified"], true);
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(app.pp())
        .header("if-match", &etag)
        .json(&json!({"notes": "stale"}))
        .send()
        .await
        .unwrap();
    problem(res, 412).await;

    let declaration = json!({"declaredAt": "2026-02-25T10:00:00Z", "childrenInHousehold": false,
                             "contactWithChildren": false, "statement": "No children involved"});
    let res = app
        .post(
            &format!("/api/v1/people/{CRN}/household-declarations"),
            &app.pp(),
            &declaration,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let list = body(
        app.get(
            &format!("/api/v1/people/{CRN}/household-declarations"),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(list["items"][0]["statement"], "No children involved");
    assert_eq!(list["items"][0]["recordedBy"], "jsmith");
    let future = json!({"declaredAt": "2030-01-01T10:00:00Z", "childrenInHousehold": false,
                        "contactWithChildren": false, "statement": "x"});
    problem(
        app.post(
            &format!("/api/v1/people/{CRN}/household-declarations"),
            &app.pp(),
            &future,
        )
        .await,
        422,
    )
    .await;
}

#[actix_web::test]
async fn bad_input_is_refused_with_a_problem_and_nothing_is_written() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    // A bad CRN.
    let p = problem(
        app.put("/api/v1/people/12345", &app.pp(), &person_body())
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "crn");
    // A person for another organisation.
    let mut other = person_body();
    other["managingOrg"] = json!(OTHER_PROBATION);
    problem(
        app.put(&format!("/api/v1/people/{CRN}"), &app.pp(), &other)
            .await,
        422,
    )
    .await;
    // A future date of birth.
    let mut unborn = person_body();
    unborn["dateOfBirth"] = json!("2099-01-01");
    problem(
        app.put(&format!("/api/v1/people/{CRN}"), &app.pp(), &unborn)
            .await,
        422,
    )
    .await;
    let list = body(app.get("/api/v1/people", &app.pp()).await).await;
    assert_eq!(list["items"], json!([]));

    app.create_person(CRN).await;
    let cases: Vec<(&str, Value)> = vec![
        ("end before start", json!({"endDate": "2025-12-01"})),
        ("negative days", json!({"rarMaxDays": -3})),
        ("zero days", json!({"rarMaxDays": 0})),
        ("unknown enum", json!({"type": "LIFE_SENTENCE"})),
        ("absurd date", json!({"endDate": "2126-01-01"})),
        ("not a date", json!({"startDate": "yesterday"})),
        ("no offences", json!({"offences": []})),
    ];
    for (name, change) in cases {
        let mut order = order_body();
        for (k, v) in change.as_object().unwrap() {
            order[k] = v.clone();
        }
        let res = app
            .post(&format!("/api/v1/people/{CRN}/orders"), &app.pp(), &order)
            .await;
        let status = res.status().as_u16();
        assert!(status == 422 || status == 400, "{name}: {status}");
        problem(res, status).await;
    }
    let orders = body(
        app.get(&format!("/api/v1/people/{CRN}/orders"), &app.pp())
            .await,
    )
    .await;
    assert_eq!(orders["items"], json!([]));
    // A bad UUID in a path.
    problem(app.get("/api/v1/orders/not-a-uuid", &app.pp()).await, 400).await;
    // A risk assessment with an unknown level.
    let mut risk = risk_body();
    risk["roshChildren"] = json!("EXTREME");
    let p = problem(
        app.put(&format!("/api/v1/people/{CRN}/risk"), &app.pp(), &risk)
            .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "roshChildren");
}

#[actix_web::test]
async fn updating_a_person_honours_if_match() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let res = app.get(&format!("/api/v1/people/{CRN}"), &app.pp()).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let mut changed = person_body();
    changed["address"] = json!("2 Canal Side");
    let send = |tag: String, b: Value| {
        app.client
            .put(app.url(&format!("/api/v1/people/{CRN}")))
            .bearer_auth(app.pp())
            .header("if-match", tag)
            .json(&b)
            .send()
    };
    let ok = send(etag.clone(), changed.clone()).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let stale = send(etag, changed).await.unwrap();
    problem(stale, 412).await;
}

#[actix_web::test]
async fn a_manager_sees_the_practitioners_cases_and_an_auditor_does_not() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let res = app.get(&format!("/api/v1/people/{CRN}"), &app.spo()).await;
    assert_eq!(res.status(), StatusCode::OK);
    problem(
        app.get(&format!("/api/v1/people/{CRN}"), &app.auditor())
            .await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn a_draft_withdrawn_before_sending_never_reaches_the_provider() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let order_id = app.create_order(CRN).await;
    let id = app.draft_referral(&order_id, &complete_draft()).await;
    let res = app
        .post(
            &format!("/api/v1/referrals/{id}/withdraw"),
            &app.pp(),
            &json!({"code": "ENTERED_IN_ERROR"}),
        )
        .await;
    assert_eq!(body(res).await["status"], "WITHDRAWN");
    problem(
        app.get(&format!("/api/v1/referrals/{id}"), &app.worker())
            .await,
        404,
    )
    .await;
    let list = body(app.get("/api/v1/referrals", &app.worker()).await).await;
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn an_integration_client_upserts_records_but_does_not_read_casework() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let svc = app.token("ndelius", PROBATION, &["integration"]);
    assert_eq!(
        app.get(&format!("/api/v1/people/{}", case.crn), &svc)
            .await
            .status(),
        StatusCode::OK
    );
    for path in [
        format!("/api/v1/people/{}/disclosures", case.crn),
        format!("/api/v1/people/{}/chronology", case.crn),
        format!("/api/v1/orders/{}/termination-review", case.order_id),
    ] {
        problem(app.get(&path, &svc).await, 403).await;
    }
}

#[actix_web::test]
async fn impossible_dates_far_in_the_past_or_future_are_422_not_500() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let res = app
        .post(
            &format!("/api/v1/referrals/{}/appointments", case.referral_id),
            &app.worker(),
            &json!({"startsAt": "-262143-01-01T00:00:00Z", "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 422, "{}", res.text().await.unwrap());
    let mut order = order_body();
    order["startDate"] = json!("0001-01-01");
    problem(
        app.post(&format!("/api/v1/people/{CRN}/orders"), &app.pp(), &order)
            .await,
        422,
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/people/{CRN}/disclosures"),
            &app.pp(),
            &json!({"type": "OTHER", "disclosedAt": "1000-01-01T00:00:00Z", "disclosedBy": "OBSERVED", "summary": "x"}),
        )
        .await;
    problem(res, 422).await;
    problem(
        app.get(
            "/api/v1/audit-events?from=0001-01-01T00:00:00Z",
            &app.auditor(),
        )
        .await,
        422,
    )
    .await;
}

#[actix_web::test]
async fn a_stale_etag_stops_an_action_and_the_current_one_lets_it_through() {
    let app = spawn_app().await;
    let case = app.case(false).await;
    let path = format!("/api/v1/referrals/{}", case.referral_id);
    let res = app.get(&path, &app.worker()).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let accept = |tag: &str| {
        app.client
            .post(app.url(&format!("{path}/accept")))
            .bearer_auth(app.worker())
            .header("if-match", tag.to_string())
            .json(&json!({"riskInformationAcknowledged": true}))
            .send()
    };
    problem(accept("\"stale\"").await.unwrap(), 412).await;
    assert_eq!(accept(&etag).await.unwrap().status(), StatusCode::OK);
}
