//! Delivery and enforcement: sessions, attendance, absence decisions, warnings and breach,
//! the disengagement pattern, RAR days, reports and ending a referral.

use crate::helpers::*;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn book(app: &TestApp, referral: &str, starts_at: &str, kind: &str) -> String {
    let res = app
        .post(
            &format!("/api/v1/referrals/{referral}/appointments"),
            &app.worker(),
            &json!({"startsAt": starts_at, "durationMinutes": 60, "kind": kind, "method": "IN_PERSON", "location": "MIND office"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "book {}",
        res.text().await.unwrap()
    );
    body(res).await["id"].as_str().unwrap().to_string()
}

async fn attend(app: &TestApp, appointment: &str, attendance: Value) -> Value {
    let res = app
        .put(
            &format!("/api/v1/appointments/{appointment}/attendance"),
            &app.worker(),
            &attendance,
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "attendance {}",
        res.text().await.unwrap()
    );
    body(res).await
}

fn attended() -> Value {
    json!({"attended": "YES", "engagement": "Engaged well", "behaviourConcern": false, "notifyResponsibleOfficer": false})
}

fn missed(reason: &str) -> Value {
    json!({"attended": "NO", "noAttendanceReason": reason, "reasonDetail": "Did not answer the phone", "behaviourConcern": false, "notifyResponsibleOfficer": false})
}

async fn open_rules(app: &TestApp) -> Vec<String> {
    let page = body(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN&limit=200",
            &app.pp(),
        )
        .await,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap().to_string())
        .collect()
}

async fn decide(app: &TestApp, appointment: &str, acceptable: bool) -> Value {
    let res = app
        .post(
            &format!("/api/v1/appointments/{appointment}/absence-decision"),
            &app.pp(),
            &json!({"acceptable": acceptable, "note": "Spoke to him; no reasonable excuse"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "decide {}",
        res.text().await.unwrap()
    );
    body(res).await
}

#[actix_web::test]
async fn a_realistic_history_ends_in_a_breach_prompt_a_pattern_and_two_delivered_days() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let r = &case.referral_id;
    let assessment = book(&app, r, "2026-03-03T10:00:00Z", "ASSESSMENT").await;
    let d1 = book(&app, r, "2026-03-04T10:00:00Z", "DELIVERY").await;
    let d2 = book(&app, r, "2026-03-05T10:00:00Z", "DELIVERY").await;
    let m1 = book(&app, r, "2026-03-06T10:00:00Z", "DELIVERY").await;
    let m2 = book(&app, r, "2026-03-09T10:00:00Z", "DELIVERY").await;
    let m3 = book(&app, r, "2026-03-10T10:00:00Z", "DELIVERY").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 9, 12, 0, 0).unwrap());

    for a in [&assessment, &d1, &d2] {
        attend(&app, a, attended()).await;
    }
    let referral = body(app.get(&format!("/api/v1/referrals/{r}"), &app.pp()).await).await;
    assert_eq!(referral["status"], "IN_PROGRESS");

    // One acceptable miss: nothing for the officer to decide, only to review while it can be
    // overturned.
    let out = attend(&app, &m1, missed("POP_ACCEPTABLE")).await;
    assert_eq!(out["promptsRaisedCount"], 1, "{out}");
    assert!(open_rules(&app)
        .await
        .contains(&"accepted-absence-review".to_string()));
    // An unacceptable miss goes to the officer, who records a warning.
    let out = attend(&app, &m2, missed("POP_UNACCEPTABLE")).await;
    assert_eq!(out["promptsRaisedCount"], 1, "{out}");
    assert!(open_rules(&app)
        .await
        .contains(&"absence-decision".to_string()));
    let first = decide(&app, &m2, false).await;
    assert!(first["warning"].is_object(), "{first}");

    // The next day's miss is the third of the last four sessions: a pattern, and another decision.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap());
    let out = attend(&app, &m3, missed("POP_UNACCEPTABLE")).await;
    assert_eq!(out["promptsRaisedCount"], 2, "{out}");
    assert!(
        out["promptsRaised"].as_array().unwrap().is_empty(),
        "the officer's prompts are not the provider's to see"
    );
    let page = body(
        app.get(
            "/api/v1/safeguarding-prompts?status=OPEN&limit=200",
            &app.pp(),
        )
        .await,
    )
    .await;
    let pattern = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "disengagement-pattern")
        .expect("pattern prompt");
    assert!(
        pattern["rationale"]
            .as_str()
            .unwrap()
            .contains("3 of their last 4"),
        "{pattern}"
    );
    assert_eq!(pattern["assignee"], "jsmith");

    // A further unacceptable failure within 12 months of the warning: a mandatory breach referral.
    let second = decide(&app, &m3, false).await;
    assert!(second["warning"].is_null());
    let breach = &second["promptsRaised"][0];
    assert_eq!(breach["rule"], "breach-referral");
    assert_eq!(breach["mandatory"], true);
    let proposed = expect(
        app.post(
            &format!(
                "/api/v1/safeguarding-prompts/{}/resolve",
                breach["id"].as_str().unwrap()
            ),
            &app.pp(),
            &json!({"outcome": "NOT_REQUIRED", "note": "no"}),
        )
        .await,
        200,
        "propose not required",
    )
    .await;
    assert_eq!(
        proposed["status"], "PENDING_APPROVAL",
        "a mandatory prompt is not closed by the practitioner alone"
    );
    assert_eq!(
        open_rules(&app)
            .await
            .iter()
            .filter(|r| *r == "absence-decision")
            .count(),
        0
    );

    // The provider ends the referral for non-engagement: the officer must decide what next.
    let ended = body(
        app.post(
            &format!("/api/v1/referrals/{r}/end"),
            &app.worker(),
            &json!({"reason": "NON_ENGAGEMENT", "note": "Stopped attending"}),
        )
        .await,
    )
    .await;
    assert_eq!(ended["status"], "ENDED_EARLY");
    assert!(open_rules(&app)
        .await
        .contains(&"referral-ended-early".to_string()));
    let rar = body(
        app.get(&format!("/api/v1/orders/{}/rar", case.order_id), &app.pp())
            .await,
    )
    .await;
    assert_eq!(rar["referrals"][0]["deliveredDays"], 2, "{rar}");
    assert_eq!(rar["referrals"][0]["rarDays"], 10);
    assert_eq!(rar["deliveredDays"], 2);

    // Attendance after the referral ended is refused.
    problem(
        app.put(
            &format!("/api/v1/appointments/{m3}/attendance"),
            &app.worker(),
            &attended(),
        )
        .await,
        409,
    )
    .await;

    let events = body(app.get("/api/v1/events?limit=200", &app.pp()).await).await;
    let types: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    for t in [
        "rarlink.appointment.attended",
        "rarlink.appointment.missed",
        "rarlink.absence.decided",
        "rarlink.warning.issued",
        "rarlink.referral.ended",
    ] {
        assert!(types.contains(&t), "{t} missing");
    }
}

#[actix_web::test]
async fn two_sessions_attended_on_the_same_day_count_one_rar_day() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let morning = book(&app, &case.referral_id, "2026-03-04T09:00:00Z", "DELIVERY").await;
    let afternoon = book(&app, &case.referral_id, "2026-03-04T14:00:00Z", "DELIVERY").await;
    let assessment = book(
        &app,
        &case.referral_id,
        "2026-03-05T09:00:00Z",
        "ASSESSMENT",
    )
    .await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 6, 9, 0, 0).unwrap());
    for a in [&morning, &afternoon, &assessment] {
        attend(&app, a, attended()).await;
    }
    let rar = body(
        app.get(&format!("/api/v1/orders/{}/rar", case.order_id), &app.pp())
            .await,
    )
    .await;
    assert_eq!(rar["deliveredDays"], 1, "{rar}");
    assert_eq!(rar["remainingDays"], 19);
}

#[actix_web::test]
async fn attendance_cannot_be_recorded_before_the_session_starts_or_twice_without_a_correction() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let a = book(&app, &case.referral_id, "2026-03-04T10:00:00Z", "DELIVERY").await;
    let path = format!("/api/v1/appointments/{a}/attendance");
    let p = problem(app.put(&path, &app.worker(), &attended()).await, 422).await;
    assert_eq!(p["errors"][0]["code"], "not_started");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 10, 30, 0).unwrap());
    attend(&app, &a, missed("POP_UNACCEPTABLE")).await;
    problem(app.put(&path, &app.worker(), &attended()).await, 409).await;
    let mut correction = attended();
    correction["correctionReason"] = json!("Recorded against the wrong session");
    let out = attend(&app, &a, correction).await;
    let changes: Vec<&str> = out["appointment"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        vec!["BOOKED", "ATTENDANCE_RECORDED", "ATTENDANCE_CORRECTED"]
    );
    assert!(
        !open_rules(&app)
            .await
            .contains(&"absence-decision".to_string()),
        "the absence prompt closes when corrected"
    );
}

#[actix_web::test]
async fn sessions_are_booked_only_on_accepted_referrals_by_their_own_provider() {
    let app = spawn_app().await;
    let case = app.case(false).await;
    let body_json = json!({"startsAt": "2026-03-04T10:00:00Z", "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"});
    let path = format!("/api/v1/referrals/{}/appointments", case.referral_id);
    let p = problem(app.post(&path, &app.worker(), &body_json).await, 409).await;
    assert_eq!(p["currentState"], "SENT");
    problem(app.post(&path, &app.other_worker(), &body_json).await, 404).await;
    let accepted = app
        .post(
            &format!("/api/v1/referrals/{}/accept", case.referral_id),
            &app.worker(),
            &json!({"riskInformationAcknowledged": true}),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let a = book(&app, &case.referral_id, "2026-03-04T10:00:00Z", "DELIVERY").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap());
    problem(
        app.put(
            &format!("/api/v1/appointments/{a}/attendance"),
            &app.other_worker(),
            &attended(),
        )
        .await,
        404,
    )
    .await;
    let mut outside = body_json.clone();
    outside["startsAt"] = json!("2027-06-01T10:00:00Z");
    let p = problem(app.post(&path, &app.worker(), &outside).await, 422).await;
    assert_eq!(p["errors"][0]["code"], "outside_order");
}

#[actix_web::test]
async fn rescheduling_keeps_who_asked_and_why() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let a = book(&app, &case.referral_id, "2026-03-04T10:00:00Z", "DELIVERY").await;
    let res = app
        .patch(&format!("/api/v1/appointments/{a}"), &app.worker(), &json!({"startsAt": "2026-03-05T10:00:00Z", "reason": "He has a job interview", "requestedBy": "PERSON_ON_PROBATION"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let view = body(res).await;
    assert_eq!(view["startsAt"], "2026-03-05T10:00:00Z");
    assert_eq!(view["history"][1]["change"], "RESCHEDULED");
    assert_eq!(view["history"][1]["requestedBy"], "PERSON_ON_PROBATION");
    assert_eq!(view["history"][1]["reason"], "He has a job interview");
    problem(
        app.patch(
            &format!("/api/v1/appointments/{a}"),
            &app.worker(),
            &json!({"startsAt": "2026-03-06T10:00:00Z"}),
        )
        .await,
        422,
    )
    .await;
    let cancelled = body(
        app.post(
            &format!("/api/v1/appointments/{a}/cancel"),
            &app.worker(),
            &json!({"reason": "Provider staff ill", "requestedBy": "PROVIDER"}),
        )
        .await,
    )
    .await;
    assert_eq!(cancelled["status"], "CANCELLED");
}

#[actix_web::test]
async fn a_behaviour_concern_reaches_the_officer_in_the_providers_words() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let a = book(&app, &case.referral_id, "2026-03-04T10:00:00Z", "DELIVERY").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap());
    let out = attend(&app, &a, json!({"attended": "LATE", "behaviourConcern": true, "concernDetail": "Aggressive towards the female receptionist", "notifyResponsibleOfficer": true})).await;
    assert_eq!(out["promptsRaisedCount"], 1);
    let open = body(
        app.get("/api/v1/safeguarding-prompts?status=OPEN", &app.pp())
            .await,
    )
    .await;
    let p = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "provider-notification")
        .unwrap();
    assert!(p["rationale"]
        .as_str()
        .unwrap()
        .contains("Aggressive towards the female receptionist"));
    problem(
        app.put(
            &format!("/api/v1/appointments/{a}/attendance"),
            &app.worker(),
            &json!({"attended": "YES", "behaviourConcern": true}),
        )
        .await,
        422,
    )
    .await;
}

#[actix_web::test]
async fn a_referral_is_completed_only_with_an_end_of_service_report_covering_every_outcome() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let r = &case.referral_id;
    let p = problem(
        app.post(
            &format!("/api/v1/referrals/{r}/end"),
            &app.worker(),
            &json!({"reason": "COMPLETED"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["blockingItems"][0]["kind"], "END_OF_SERVICE_REPORT");
    let referral = body(app.get(&format!("/api/v1/referrals/{r}"), &app.pp()).await).await;
    let outcome = referral["desiredOutcomes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let bad = json!({"outcomes": [{"desiredOutcomeId": uuid::Uuid::new_v4(), "progress": "SOME_PROGRESS"}], "summary": "Going well"});
    problem(
        app.post(
            &format!("/api/v1/referrals/{r}/progress-reports"),
            &app.worker(),
            &bad,
        )
        .await,
        422,
    )
    .await;
    let progress = json!({"outcomes": [{"desiredOutcomeId": outcome, "progress": "SOME_PROGRESS", "comment": "Uses the strategies"}], "summary": "Going well"});
    assert_eq!(
        app.post(
            &format!("/api/v1/referrals/{r}/progress-reports"),
            &app.worker(),
            &progress
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let listed = body(
        app.get(
            &format!("/api/v1/referrals/{r}/progress-reports"),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(listed["items"][0]["report"]["summary"], "Going well");

    let report = json!({"outcomes": [{"desiredOutcomeId": outcome, "achievementLevel": "PARTIALLY_ACHIEVED", "comment": "Some progress"}], "furtherInformation": "Would benefit from more sessions"});
    assert_eq!(
        app.post(
            &format!("/api/v1/referrals/{r}/end-of-service-report"),
            &app.worker(),
            &report
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    problem(
        app.post(
            &format!("/api/v1/referrals/{r}/end-of-service-report"),
            &app.worker(),
            &report,
        )
        .await,
        409,
    )
    .await;
    let done = body(
        app.post(
            &format!("/api/v1/referrals/{r}/end"),
            &app.worker(),
            &json!({"reason": "COMPLETED"}),
        )
        .await,
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let eos = body(
        app.get(
            &format!("/api/v1/referrals/{r}/end-of-service-report"),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(
        eos["report"]["outcomes"][0]["achievementLevel"],
        "PARTIALLY_ACHIEVED"
    );
}

#[actix_web::test]
async fn a_session_lost_to_the_providers_logistics_is_not_the_persons_absence() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let a = book(&app, &case.referral_id, "2026-03-04T10:00:00Z", "DELIVERY").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap());
    let out = attend(&app, &a, missed("LOGISTICS")).await;
    assert_eq!(out["promptsRaisedCount"], 0);
    let p = problem(
        app.post(
            &format!("/api/v1/appointments/{a}/absence-decision"),
            &app.pp(),
            &json!({"acceptable": false, "note": "x"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "LOGISTICS");
}
