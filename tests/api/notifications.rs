//! E-mail notifications through a real SMTP server: who is told what, what an e-mail may say,
//! the staff directory, and an SMTP server that is down losing nothing.

use crate::helpers::*;
use crate::safeguarding::pregnancy_disclosure;
use crate::scenario::*;
use crate::smtp::{free_port, Mail, SmtpSink};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rarlink::config::{MailSettings, Secret};
use serde_json::{json, Value};

/// An app sending e-mail to `smtp_url`.
async fn app_mailing(smtp_url: String) -> TestApp {
    TestApp::builder()
        .settings(move |s| {
            s.mail = Some(MailSettings {
                smtp_url: Secret::new(smtp_url),
                from: "rarlink <rarlink@rarlink.test>".into(),
            })
        })
        .spawn()
        .await
}

/// A manager records a member of their organisation in the staff directory.
async fn record_staff(app: &TestApp, manager: &str, sub: &str, email: &str, is_manager: bool) {
    expect(
        app.put(
            &format!("/api/v1/staff/{sub}"),
            manager,
            &json!({"name": sub, "email": email, "notifications": true, "manager": is_manager}),
        )
        .await,
        201,
        "record a staff member",
    )
    .await;
}

/// Runs the background sender once, as an instance would.
async fn send_due(app: &TestApp) -> usize {
    rarlink::background::send_notifications(&app.state)
        .await
        .expect("the sender runs")
}

async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let page = expect(
        app.get("/api/v1/notifications?limit=200", token).await,
        200,
        "list notifications",
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

fn to(mails: &[Mail], address: &str) -> Vec<Mail> {
    mails
        .iter()
        .filter(|m| m.rcpt_tos.iter().any(|r| r == address))
        .cloned()
        .collect()
}

/// The morning after the case was set up.
fn next_morning(app: &TestApp) {
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
}

#[actix_web::test]
async fn a_pregnancy_disclosure_in_a_da_case_e_mails_the_officer_once_with_the_deadline_and_a_link_and_no_name_or_crn(
) {
    let sink = SmtpSink::start();
    let app = app_mailing(sink.url()).await;
    let case = app.case(true).await;
    record_staff(&app, &app.spo(), "jsmith", "jsmith@probation.test", false).await;
    next_morning(&app);

    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    assert!(send_due(&app).await >= 1);

    let mails = to(&sink.wait_for(1), "jsmith@probation.test");
    assert_eq!(mails.len(), 1, "one e-mail for the actions raised at once");
    let mail = &mails[0];
    assert_eq!(mail.mail_from, "rarlink@rarlink.test");
    assert_eq!(
        mail.subject(),
        "rarlink: a mandatory safeguarding action needs you"
    );
    let body = mail.body();
    let open = app.prompts(&app.pp()).await;
    let mash = open
        .iter()
        .find(|p| p["rule"] == "pregnancy-da-mash-referral")
        .expect("the MASH referral prompt");
    let due: DateTime<Utc> = mash["dueAt"].as_str().unwrap().parse().unwrap();
    assert!(body.contains("pregnancy-da-mash-referral"), "{body}");
    assert!(
        body.contains(&due.format("Deadline: %A %-d %B %Y, %H:%M UTC").to_string()),
        "{body}"
    );
    assert!(
        body.contains("https://rarlink.test/api/v1/safeguarding-prompts"),
        "{body}"
    );
    for secret in ["Stephen", "Smith", CRN, "Jane", "Doe", "Assault", "dad"] {
        assert!(!mail.data.contains(secret), "{secret} in {}", mail.data);
    }

    let log = notifications(&app, &app.spo()).await;
    let sent: Vec<&Value> = log.iter().filter(|n| n["recipient"] == "jsmith").collect();
    assert_eq!(sent.len(), 1, "{log:?}");
    assert_eq!(sent[0]["status"], "SENT");
    assert_eq!(sent[0]["kind"], "ACTION_RAISED");
    assert_eq!(sent[0]["to"], "jsmith@probation.test");
    assert!(sent[0]["sentAt"].is_string());
    // The provider's lead has no address in the directory: recorded, not lost.
    let provider_log = notifications(&app, &app.provider_manager()).await;
    assert!(
        provider_log
            .iter()
            .any(|n| n["status"] == "SKIPPED" && n["recipient"].is_null()),
        "{provider_log:?}"
    );
    // A second run sends nothing twice.
    send_due(&app).await;
    assert_eq!(to(&sink.messages(), "jsmith@probation.test").len(), 1);
}

#[actix_web::test]
async fn an_smtp_server_that_is_down_fails_no_request_and_loses_no_notification() {
    let port = free_port();
    let app = app_mailing(format!("smtp://127.0.0.1:{port}")).await;
    let case = app.case(true).await;
    record_staff(&app, &app.spo(), "jsmith", "jsmith@probation.test", false).await;
    next_morning(&app);

    // The server is down: the disclosure is still recorded.
    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    send_due(&app).await;
    let log = notifications(&app, &app.spo()).await;
    let waiting = log
        .iter()
        .find(|n| n["recipient"] == "jsmith")
        .expect("the officer's notification");
    assert_eq!(waiting["status"], "PENDING", "{waiting}");
    assert_eq!(waiting["attempts"], 1);
    assert_eq!(waiting["lastError"], "could not connect");
    assert!(waiting["nextAttemptAt"].is_string());

    // Up again: the retry after the back-off sends it.
    let sink = SmtpSink::start_on(port, None);
    send_due(&app).await;
    assert!(sink.messages().is_empty(), "not before its back-off");
    app.clock.advance(Duration::minutes(1));
    send_due(&app).await;
    let mails = to(&sink.wait_for(1), "jsmith@probation.test");
    assert_eq!(mails.len(), 1);
    let log = notifications(&app, &app.spo()).await;
    let sent = log.iter().find(|n| n["recipient"] == "jsmith").unwrap();
    assert_eq!(sent["status"], "SENT", "{sent}");
    assert_eq!(sent["attempts"], 2);
    assert!(sent["lastError"].is_null());
}

#[actix_web::test]
async fn the_provider_managers_hear_of_a_referral_and_each_side_of_the_others_case_notes_and_an_early_end(
) {
    let sink = SmtpSink::start();
    let app = app_mailing(sink.url()).await;
    app.setup_orgs().await;
    record_staff(
        &app,
        &app.provider_manager(),
        "blee",
        "blee@mind.test",
        true,
    )
    .await;
    record_staff(
        &app,
        &app.provider_manager(),
        "akhan",
        "akhan@mind.test",
        false,
    )
    .await;
    record_staff(&app, &app.spo(), "jsmith", "jsmith@probation.test", false).await;
    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let order_id = app.create_order(CRN).await;
    let referral_id = app.draft_referral(&order_id, &complete_draft()).await;
    app.send_referral(&referral_id).await;
    send_due(&app).await;
    let received = to(&sink.wait_for(1), "blee@mind.test");
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].subject(), "rarlink: a new referral has arrived");
    assert!(received[0].body().contains(&format!(
        "https://rarlink.test/api/v1/referrals/{referral_id}"
    )));
    assert!(
        to(&sink.messages(), "akhan@mind.test").is_empty(),
        "not a manager"
    );

    app.accept_referral(&referral_id).await;
    let notes = format!("/api/v1/referrals/{referral_id}/case-notes");
    let note = json!({"subject": "Session 3", "body": "Attended and engaged well", "sensitivity": "STANDARD"});
    expect(
        app.post(&notes, &app.worker(), &note).await,
        201,
        "provider note",
    )
    .await;
    send_due(&app).await;
    let officer = to(&sink.wait_for(2), "jsmith@probation.test");
    assert_eq!(officer.len(), 1);
    assert_eq!(officer[0].subject(), "rarlink: a new case note");
    assert!(!officer[0].data.contains("engaged"), "no content");

    // A probation note goes to the provider's managers while nobody is assigned.
    expect(
        app.post(&notes, &app.pp(), &note).await,
        201,
        "probation note",
    )
    .await;
    send_due(&app).await;
    let managers = to(&sink.wait_for(3), "blee@mind.test");
    assert_eq!(managers.len(), 2, "the referral, then the note");
    assert_eq!(managers[1].subject(), "rarlink: a new case note");

    expect(
        app.post(
            &format!("/api/v1/referrals/{referral_id}/end"),
            &app.worker(),
            &json!({"reason": "NON_ENGAGEMENT", "note": "Stopped attending"}),
        )
        .await,
        200,
        "end early",
    )
    .await;
    send_due(&app).await;
    let officer = to(&sink.wait_for(5), "jsmith@probation.test");
    let ended: Vec<&Mail> = officer
        .iter()
        .filter(|m| m.subject() == "rarlink: a referral ended early")
        .collect();
    assert_eq!(ended.len(), 1, "{officer:?}");
    assert!(!ended[0].data.contains("Stopped attending"));
    assert!(ended[0].body().contains(&format!(
        "https://rarlink.test/api/v1/referrals/{referral_id}"
    )));
}

#[actix_web::test]
async fn without_smtp_notifications_are_recorded_as_skipped_and_readiness_says_e_mail_is_off() {
    let app = spawn_app().await;
    let ready = expect(
        app.request(reqwest::Method::GET, "/health/ready", None, None)
            .await,
        200,
        "ready",
    )
    .await;
    assert_eq!(ready["email"], "off");
    let case = app.case(true).await;
    record_staff(&app, &app.spo(), "jsmith", "jsmith@probation.test", false).await;
    next_morning(&app);
    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    assert_eq!(send_due(&app).await, 0);
    let log = notifications(&app, &app.spo()).await;
    let officer = log.iter().find(|n| n["recipient"] == "jsmith").unwrap();
    assert_eq!(officer["status"], "SKIPPED");
    assert!(
        officer["lastError"]
            .as_str()
            .unwrap()
            .contains("RARLINK_SMTP_URL"),
        "{officer}"
    );
    // Auditors read the log too; practitioners do not.
    let auditor = app.token("audit1", PROBATION, &["auditor"]);
    assert!(!notifications(&app, &auditor).await.is_empty());
    problem(app.get("/api/v1/notifications", &app.pp()).await, 403).await;
}

#[actix_web::test]
async fn readiness_says_e_mail_is_on_when_an_smtp_server_is_set() {
    let app = app_mailing("smtp://127.0.0.1:25".into()).await;
    let ready = expect(
        app.request(reqwest::Method::GET, "/health/ready", None, None)
            .await,
        200,
        "ready",
    )
    .await;
    assert_eq!(ready["email"], "on");
}

#[actix_web::test]
async fn the_staff_directory_is_kept_by_each_organisations_managers_and_refuses_bad_addresses() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let path = "/api/v1/staff/jsmith";
    let entry = json!({"name": "J Smith", "email": "jsmith@probation.test", "notifications": true});

    let bad = problem(
        app.put(
            path,
            &app.spo(),
            &json!({"name": "J", "email": "not an address", "notifications": true}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "email", "{bad}");
    problem(app.put(path, &app.pp(), &entry).await, 403).await;
    expect(app.put(path, &app.spo(), &entry).await, 201, "record").await;
    let changed =
        json!({"name": "J Smith", "email": "j.smith@probation.test", "notifications": false});
    let updated = expect(app.put(path, &app.spo(), &changed).await, 200, "update").await;
    assert_eq!(updated["email"], "j.smith@probation.test");
    assert_eq!(updated["notifications"], false);
    assert_eq!(updated["manager"], false);
    // Another organisation's manager cannot take the entry over, nor see it.
    let other = app.token("nboss", OTHER_PROBATION, &["probation_manager"]);
    problem(app.put(path, &other, &entry).await, 404).await;
    let theirs = expect(app.get("/api/v1/staff", &other).await, 200, "list").await;
    assert_eq!(theirs["items"], json!([]));
    let ours = expect(app.get("/api/v1/staff", &app.spo()).await, 200, "list").await;
    assert_eq!(ours["items"][0]["sub"], "jsmith");
}

#[actix_web::test]
async fn a_token_with_an_email_claim_keeps_its_owners_entry_in_step() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let mut claims = claims("mgreen", PROBATION, &["probation_manager"]);
    claims["email"] = json!("m.green@probation.test");
    claims["name"] = json!("M Green");
    let token = sign_hs256(&claims, SECRET);
    expect(
        app.put("/api/v1/people/X999999", &token, &person_body())
            .await,
        201,
        "a change by the manager",
    )
    .await;
    let list = expect(app.get("/api/v1/staff", &token).await, 200, "list").await;
    let me = &list["items"][0];
    assert_eq!(me["sub"], "mgreen");
    assert_eq!(me["email"], "m.green@probation.test");
    assert_eq!(me["name"], "M Green");
    assert_eq!(me["manager"], true, "learnt from the token's roles");
    assert_eq!(me["notifications"], true);
}

#[actix_web::test]
async fn a_reassigned_action_e_mails_its_new_assignee_and_an_overdue_one_the_managers() {
    let sink = SmtpSink::start();
    let app = app_mailing(sink.url()).await;
    let case = app.case(true).await;
    record_staff(&app, &app.spo(), "kbrown", "kbrown@probation.test", false).await;
    record_staff(&app, &app.spo(), "mgreen", "mgreen@probation.test", true).await;
    next_morning(&app);
    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    let open = app.prompts(&app.pp()).await;
    let mash = open
        .iter()
        .find(|p| p["rule"] == "pregnancy-da-mash-referral")
        .expect("the MASH referral prompt");
    expect(
        app.post(
            &format!(
                "/api/v1/safeguarding-prompts/{}/reassign",
                mash["id"].as_str().unwrap()
            ),
            &app.spo(),
            &json!({"assignee": "kbrown", "note": "Knows the family"}),
        )
        .await,
        200,
        "reassign",
    )
    .await;
    send_due(&app).await;
    let given = to(&sink.wait_for(1), "kbrown@probation.test");
    assert_eq!(given.len(), 1);
    assert_eq!(
        given[0].subject(),
        "rarlink: a safeguarding action was given to you"
    );
    assert!(given[0].body().contains("pregnancy-da-mash-referral"));
    assert!(!given[0].data.contains("Knows the family"));

    app.clock.advance(Duration::days(30));
    assert!(rarlink::background::escalate(&app.state).await.unwrap() >= 1);
    send_due(&app).await;
    let managers = to(&sink.wait_for(2), "mgreen@probation.test");
    let overdue: Vec<&Mail> = managers
        .iter()
        .filter(|m| m.subject() == "rarlink: a safeguarding action is overdue")
        .collect();
    assert_eq!(
        overdue.len(),
        1,
        "the actions escalated at once make one e-mail"
    );
    assert!(overdue[0].body().contains("pregnancy-da-mash-referral"));
    for secret in ["Stephen", CRN, "Jane"] {
        assert!(!overdue[0].data.contains(secret));
    }
}
