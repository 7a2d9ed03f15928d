//! What officers and managers look at: the caseload, most urgent first, and the team dashboard
//! of either side, showing what the clock made overdue and the sessions left unrecorded.

use crate::helpers::*;
use crate::prompt_lifecycle::pregnancy_reported;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

async fn caseload(app: &TestApp, token: &str, query: &str) -> Value {
    expect(
        app.get(&format!("/api/v1/caseload?{query}"), token).await,
        200,
        "caseload",
    )
    .await
}

async fn dashboard(app: &TestApp, token: &str) -> Value {
    expect(app.get("/api/v1/dashboard", token).await, 200, "dashboard").await
}

fn ids(section: &Value) -> Vec<String> {
    section["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {section}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// A second person on jsmith's caseload with nothing waiting, ending later.
async fn quiet_case(app: &TestApp) {
    let crn = "Y654321";
    expect(
        app.put(&format!("/api/v1/people/{crn}"), &app.pp(), &person_body())
            .await,
        201,
        "create quiet person",
    )
    .await;
    app.create_order(crn).await;
}

#[actix_web::test]
async fn the_caseload_and_dashboards_show_what_the_clock_made_overdue_and_the_unrecorded_session() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    quiet_case(&app).await;
    // Tuesday 3 March: the provider reports a pregnancy, which raises actions for the officer;
    // a session is booked for Wednesday.
    let open = pregnancy_reported(&app).await;
    assert!(!open.is_empty());
    let session = app
        .book_session(&case.referral_id, "2026-03-04T10:00:00Z")
        .await;

    // Before anything is due: the case with open actions comes first, none overdue.
    let before = caseload(&app, &app.pp(), "").await;
    assert_eq!(before["officer"], "jsmith");
    let first = &before["items"][0];
    assert_eq!(first["crn"], CRN);
    assert_eq!(first["urgency"], "ACTION_DUE", "{first}");
    assert_eq!(first["overdueActions"], 0);
    assert_eq!(first["nextSession"]["startsAt"], "2026-03-04T10:00:00Z");
    assert_eq!(before["items"][1]["crn"], "Y654321");
    assert_eq!(before["items"][1]["urgency"], "ROUTINE");

    // Two weeks on, nothing done: the actions are overdue and the session has no attendance.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 17, 9, 0, 0).unwrap());
    let overdue_ids: Vec<String> = app
        .prompts(&app.pp())
        .await
        .iter()
        .filter(|p| p["org"] == PROBATION && p["overdue"] == true)
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!overdue_ids.is_empty(), "the clock made actions overdue");

    let now = caseload(&app, &app.pp(), "").await;
    let entry = &now["items"][0];
    assert_eq!(entry["crn"], CRN);
    assert_eq!(entry["firstName"], "Stephen");
    assert_eq!(entry["urgency"], "OVERDUE");
    assert_eq!(entry["overdueActions"], overdue_ids.len());
    assert!(entry["openActions"].as_u64().unwrap() >= overdue_ids.len() as u64);
    assert_eq!(entry["orderType"], "COMMUNITY_ORDER");
    assert_eq!(entry["orderEndDate"], "2027-01-04");
    assert_eq!(entry["rarDays"], json!({"delivered": 0, "required": 20}));
    assert_eq!(entry["liveReferrals"][0]["id"], case.referral_id.as_str());
    assert_eq!(entry["liveReferrals"][0]["status"], "ACCEPTED");
    assert_eq!(entry["nextSession"], Value::Null, "the session has passed");
    assert_eq!(entry["lastAttendance"], Value::Null);
    assert_eq!(entry["terminationReview"], "NOT_COMPLETED");

    // Paged one at a time, the same order.
    let page1 = caseload(&app, &app.pp(), "limit=1").await;
    assert_eq!(page1["items"][0]["crn"], CRN);
    let cursor = page1["nextCursor"].as_str().unwrap();
    let page2 = caseload(&app, &app.pp(), &format!("limit=1&cursor={cursor}")).await;
    assert_eq!(page2["items"][0]["crn"], "Y654321");
    assert_eq!(page2["nextCursor"], Value::Null);

    // The probation manager's dashboard lists the overdue actions under the officer, and the
    // session without attendance.
    let team = dashboard(&app, &app.spo()).await;
    assert_eq!(team["side"], "probation");
    let listed = ids(&team["overdueActions"]);
    for id in &overdue_ids {
        assert!(listed.contains(id), "{id} not in {listed:?}");
    }
    assert_eq!(team["overdueActions"]["count"], overdue_ids.len());
    assert_eq!(team["overdueActions"]["truncated"], false);
    let jsmith = team["perAssignee"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["assignee"] == "jsmith")
        .unwrap_or_else(|| panic!("no jsmith in {team}"));
    assert!(jsmith["overdue"].as_i64().unwrap() >= 1);
    assert_eq!(
        ids(&team["sessionsWithoutAttendance"]),
        vec![session.to_string()]
    );
    assert_eq!(team["sessionsWithoutAttendance"]["items"][0]["crn"], CRN);
    assert_eq!(team["referralsNotAccepted"]["count"], 0);
    assert_eq!(team["awaitingSignOff"]["count"], 0);
    assert_eq!(team["listCap"], 50);

    // The provider manager's dashboard: the provider's session without attendance, no CRN, and
    // nothing of probation's (sign-offs, order ends).
    let provider = dashboard(&app, &app.provider_manager()).await;
    assert_eq!(provider["side"], "provider");
    assert_eq!(
        ids(&provider["sessionsWithoutAttendance"]),
        vec![session.to_string()]
    );
    assert!(provider["sessionsWithoutAttendance"]["items"][0]
        .get("crn")
        .is_none());
    assert_eq!(provider["awaitingSignOff"], Value::Null);
    assert_eq!(provider["ordersEnding"], Value::Null);

    // Attendance recorded: it leaves the dashboard, and the caseload shows it and the RAR day.
    expect(
        app.put(
            &format!("/api/v1/appointments/{session}/attendance"),
            &app.worker(),
            &json!({"attended": "YES", "engagement": "Engaged well", "behaviourConcern": false, "notifyResponsibleOfficer": false}),
        )
        .await,
        200,
        "record attendance",
    )
    .await;
    let after = caseload(&app, &app.pp(), "").await;
    assert_eq!(after["items"][0]["lastAttendance"]["attended"], "YES");
    assert_eq!(after["items"][0]["rarDays"]["delivered"], 1);
    let provider = dashboard(&app, &app.provider_manager()).await;
    assert_eq!(provider["sessionsWithoutAttendance"]["count"], 0);
}

#[actix_web::test]
async fn another_officers_caseload_is_for_a_manager_and_the_dashboard_for_managers_only() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    // The manager reads jsmith's caseload; a practitioner may not read another's.
    let theirs = caseload(&app, &app.spo(), "officer=jsmith").await;
    assert_eq!(theirs["officer"], "jsmith");
    assert_eq!(theirs["items"][0]["crn"], CRN);
    assert_eq!(theirs["items"][0]["liveReferrals"][0]["status"], "SENT");
    problem(
        app.get("/api/v1/caseload?officer=mgreen", &app.pp()).await,
        403,
    )
    .await;
    // The manager's own caseload is empty; another organisation's officer sees nothing of ours.
    assert_eq!(caseload(&app, &app.spo(), "").await["items"], json!([]));
    let other = app.token("jsmith", OTHER_PROBATION, &["probation_practitioner"]);
    assert_eq!(caseload(&app, &other, "").await["items"], json!([]));
    // A cursor we did not issue is named.
    let p = problem(
        app.get("/api/v1/caseload?cursor=Zm9v", &app.pp()).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "cursor");

    // The dashboard: the referral waits for the provider on both sides; practitioners and
    // workers are refused.
    let team = dashboard(&app, &app.spo()).await;
    let referral = app.seeded.clone().unwrap().referral_id;
    assert_eq!(
        ids(&team["referralsNotAccepted"]),
        vec![referral.to_string()]
    );
    let provider = dashboard(&app, &app.provider_manager()).await;
    assert_eq!(ids(&provider["referralsNotAccepted"]), [referral]);
    let other_provider = app.token("pm2", OTHER_PROVIDER, &["provider_manager"]);
    assert_eq!(
        dashboard(&app, &other_provider).await["referralsNotAccepted"]["count"],
        0
    );
    problem(app.get("/api/v1/dashboard", &app.pp()).await, 403).await;
    problem(app.get("/api/v1/dashboard", &app.worker()).await, 403).await;
}

async fn attend(app: &TestApp, session: &str, attendance: Value) {
    expect(
        app.put(
            &format!("/api/v1/appointments/{session}/attendance"),
            &app.worker(),
            &attendance,
        )
        .await,
        200,
        "record attendance",
    )
    .await;
}

fn at(month: u32, day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
}

#[actix_web::test]
async fn the_commissioning_report_for_a_month_matches_the_figures_counted_by_hand() {
    // Monday 2 March, 09:00: referral A is sent (the seeded case), and referral B.
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    let a = app.seeded.clone().unwrap();
    let b = app.draft_referral(&a.order_id, &complete_draft()).await;
    app.send_referral(&b).await;
    // A accepted Wednesday 4 March (2 working days); sessions Thu 5 (attended), Fri 6 (missed,
    // no acceptable reason), Mon 9 (late).
    app.clock.set(at(3, 4, 9));
    app.accept_referral(&a.referral_id).await;
    let a1 = app
        .book_session(&a.referral_id, "2026-03-05T10:00:00Z")
        .await;
    let a2 = app
        .book_session(&a.referral_id, "2026-03-06T10:00:00Z")
        .await;
    let a3 = app
        .book_session(&a.referral_id, "2026-03-09T10:00:00Z")
        .await;
    // B accepted Tuesday 10 March (6 working days); one session Wed 11 (attended).
    app.clock.set(at(3, 10, 9));
    app.accept_referral(&b).await;
    let b1 = app.book_session(&b, "2026-03-11T10:00:00Z").await;
    let yes = json!({"attended": "YES", "engagement": "Engaged well", "behaviourConcern": false, "notifyResponsibleOfficer": false});
    attend(&app, &a1, yes.clone()).await;
    attend(&app, &a2, json!({"attended": "NO", "noAttendanceReason": "POP_UNACCEPTABLE", "reasonDetail": "Did not answer the phone", "behaviourConcern": false, "notifyResponsibleOfficer": false})).await;
    attend(&app, &a3, json!({"attended": "LATE", "engagement": "Arrived 20 minutes late", "behaviourConcern": false, "notifyResponsibleOfficer": false})).await;
    app.clock.set(at(3, 11, 12));
    attend(&app, &b1, yes).await;
    // Referral C is sent on 1 April: outside the month.
    app.clock.set(at(4, 1, 9));
    let order2 = app.create_order(CRN).await;
    let c = app.draft_referral(&order2, &complete_draft()).await;
    app.send_referral(&c).await;

    let path = "/api/v1/reports/commissioning?from=2026-03-01&to=2026-03-31";
    let report = expect(app.get(path, &app.spo()).await, 200, "report").await;
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{report}");
    let g = &groups[0];
    assert_eq!(g["provider"], PROVIDER);
    assert_eq!(g["interventionType"], "Mental health one-to-one sessions");
    assert_eq!(g["referrals"]["sent"], 2, "C was sent in April");
    assert_eq!(g["referrals"]["accepted"], 2);
    assert_eq!(g["referrals"]["declined"], 0);
    // Accept: 2 and 6 working days; first session: 3 (2→5 March) and 7 (2→11 March).
    assert_eq!(
        g["workingDaysToAccept"],
        json!({"n": 2, "median": 4.0, "p90": 6})
    );
    assert_eq!(
        g["workingDaysToFirstSession"],
        json!({"n": 2, "median": 5.0, "p90": 7})
    );
    assert_eq!(
        g["sessions"],
        json!({"booked": 4, "attended": 2, "late": 1, "missedAcceptable": 0,
               "missedUnacceptable": 1, "attendanceRate": 0.75})
    );
    // Delivered: A on 5 and 9 March, B on 11 March.
    assert_eq!(g["rarDays"], json!({"commissioned": 20, "delivered": 3}));
    let defined: Vec<&str> = report["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(defined.contains(&"workingDaysToAccept") && defined.contains(&"rarDays.delivered"));

    // The provider's manager sees its own; another provider nothing; the platform auditor all.
    let theirs = expect(
        app.get(path, &app.provider_manager()).await,
        200,
        "provider",
    )
    .await;
    assert_eq!(theirs["groups"][0]["referrals"]["sent"], 2);
    let other = app.token("pm2", OTHER_PROVIDER, &["provider_manager"]);
    let none = expect(app.get(path, &other).await, 200, "other provider").await;
    assert_eq!(none["groups"], json!([]));
    app.register_platform().await;
    let audit = expect(app.get(path, &app.auditor()).await, 200, "auditor").await;
    assert_eq!(audit["groups"][0]["sessions"]["booked"], 4);

    // CSV: a header, the group's row, and the footnote.
    let res = app.get(&format!("{path}&format=csv"), &app.spo()).await;
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("provider,interventionType,sent,accepted"));
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("MIND-CAMBS,Mental health one-to-one sessions,2,2,0,0,0,0,0,0,2,4,6,2,5,7,4,2,1,0,1,0.7500,20,3"),
        "{csv}"
    );
    assert!(csv.contains("# workingDaysToAccept: Working days"));

    // Practitioners may not; a backwards period is refused, naming the field.
    problem(app.get(path, &app.pp()).await, 403).await;
    let p = problem(
        app.get(
            "/api/v1/reports/commissioning?from=2026-03-31&to=2026-03-01",
            &app.spo(),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "from");
}
