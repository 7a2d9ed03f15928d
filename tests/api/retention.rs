//! Retention and the keyed audit chain: a case past its retention period is deleted, the CRN in
//! the audit log and events becomes its keyed pseudonym, the chain still verifies (through the API
//! and independently from an export), and a live case is untouched. In-process and through the
//! `rarlink` binary.

use crate::helpers::*;
use crate::scenario::*;
use chrono::{Duration, TimeZone, Utc};
use rarlink::config::DatabaseTarget;
use rarlink::operator::RetentionRun;
use serde_json::{json, Value};

const ENDED: &str = "X100001";
const LIVE: &str = "X100002";

fn order_between(start: &str, end: &str) -> Value {
    let mut order = order_body();
    order["startDate"] = json!(start);
    order["endDate"] = json!(end);
    order["offences"][0]
        .as_object_mut()
        .expect("an offence")
        .remove("date");
    order
}

impl TestApp {
    /// A person with an order between the dates, read once more so the audit log names them.
    async fn person_with_order(&self, crn: &str, start: &str, end: &str) -> String {
        self.create_person(crn).await;
        let path = format!("/api/v1/people/{crn}/orders");
        let order = expect(
            self.post(&path, &self.pp(), &order_between(start, end))
                .await,
            201,
            "create order",
        )
        .await;
        expect(
            self.get(&format!("/api/v1/people/{crn}"), &self.pp()).await,
            200,
            "read person",
        )
        .await;
        id_of(&order)
    }

    async fn chain_verdict(&self) -> Value {
        expect(
            self.get("/api/v1/audit-events/verify", &self.auditor())
                .await,
            200,
            "verify the chain",
        )
        .await
    }

    async fn audit_about(&self, crn: &str) -> Vec<Value> {
        let page = expect(
            self.get(
                &format!("/api/v1/audit-events?crn={crn}&limit=200"),
                &self.auditor(),
            )
            .await,
            200,
            "audit entries",
        )
        .await;
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

#[actix_web::test]
async fn retention_eight_years_on_deletes_the_ended_case_keeps_the_chain_and_the_live_case() {
    let app = TestApp::builder().spawn().await;
    app.setup_orgs().await;
    app.person_with_order(ENDED, "2026-01-05", "2027-01-04")
        .await;
    app.record_risk(ENDED, &risk_body()).await;
    assert!(app.audit_about(ENDED).await.len() >= 3);

    // Eight years after the order ended; meanwhile another person's order began.
    app.clock
        .set(Utc.with_ymd_and_hms(2034, 6, 1, 9, 0, 0).unwrap());
    let live_order = app
        .person_with_order(LIVE, "2034-05-01", "2036-04-30")
        .await;
    app.clock.advance(Duration::days(280));

    let due = match rarlink::operator::retention(&app.state, false)
        .await
        .unwrap()
    {
        RetentionRun::DryRun(due) => due,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        due.iter().map(|d| d.crn.as_str()).collect::<Vec<_>>(),
        [ENDED]
    );
    // A dry run changes nothing.
    expect(
        app.get(&format!("/api/v1/people/{ENDED}"), &app.pp()).await,
        200,
        "the ended case is still there after a dry run",
    )
    .await;

    let deleted = match rarlink::operator::retention(&app.state, true)
        .await
        .unwrap()
    {
        RetentionRun::Applied(deleted) => deleted,
        other => panic!("{other:?}"),
    };
    assert_eq!(deleted.len(), 1);
    let pseudonym = app.state.audit_key.pseudonym(ENDED);
    assert_eq!(deleted[0].pseudonym, pseudonym);
    assert!(deleted[0].rows_deleted >= 3, "{deleted:?}");

    problem(
        app.get(&format!("/api/v1/people/{ENDED}"), &app.pp()).await,
        404,
    )
    .await;
    expect(
        app.get(&format!("/api/v1/orders/{live_order}"), &app.pp())
            .await,
        200,
        "the live case is untouched",
    )
    .await;
    expect(
        app.get(&format!("/api/v1/people/{LIVE}"), &app.pp()).await,
        200,
        "the live person is untouched",
    )
    .await;

    let verdict = app.chain_verdict().await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    assert_eq!(verdict["legacyEntries"], 0);
    // The only entries still naming the CRN are the refusals of the probes made after the
    // deletion (a refused request is audited under the CRN its path named).
    let probes = app.audit_about(ENDED).await;
    assert!(probes.iter().all(|e| e["status"] == 404), "{probes:?}");
    let renamed = app.audit_about(&pseudonym).await;
    assert!(renamed.len() >= 4, "{renamed:?}");
    assert!(renamed
        .iter()
        .any(|e| e["action"] == "retention.delete" && e["actor"]["sub"] == "rarlink-retention"));
    assert!(renamed
        .iter()
        .all(|e| !e["resource"].as_str().unwrap().contains(ENDED)));
    let events = expect(
        app.get("/api/v1/events?limit=200", &app.pp()).await,
        200,
        "events",
    )
    .await;
    let text = events.to_string();
    assert!(!text.contains(ENDED), "{text}");
    assert!(text.contains(&pseudonym));
    assert!(text.contains(LIVE));

    // Nothing more is due: the live case stays whatever the number of runs.
    match rarlink::operator::retention(&app.state, true)
        .await
        .unwrap()
    {
        RetentionRun::Applied(again) => assert!(again.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[actix_web::test]
async fn an_open_prompt_keeps_a_case_past_its_retention_period() {
    let app = TestApp::builder().spawn().await;
    app.setup_orgs().await;
    app.person_with_order(ENDED, "2026-01-05", "2027-01-04")
        .await;
    app.record_risk(ENDED, &risk_body()).await;
    let path = format!("/api/v1/people/{ENDED}/disclosures");
    let body = json!({"type": "NEW_RELATIONSHIP", "disclosedAt": "2026-03-01T10:00:00Z",
                      "disclosedBy": "PERSON_ON_PROBATION", "summary": "Has a new partner",
                      "details": {"partnerName": "Jane Doe", "relationshipStartedOn": "2026-01-10"}});
    let res = app.post(&path, &app.pp(), &body).await;
    let status = res.status().as_u16();
    let open = app.prompts(&app.pp()).await;
    assert!(status == 201 && !open.is_empty(), "{status} {open:?}");
    app.clock.advance(Duration::days(365 * 9));
    match rarlink::operator::retention(&app.state, true)
        .await
        .unwrap()
    {
        RetentionRun::Applied(deleted) => assert!(deleted.is_empty(), "{deleted:?}"),
        other => panic!("{other:?}"),
    }
    expect(
        app.get(&format!("/api/v1/people/{ENDED}"), &app.pp()).await,
        200,
        "kept",
    )
    .await;
}

/// The `rarlink` binary on the test app's database, with its audit key.
fn rarlink(app: &TestApp, args: &[&str]) -> std::process::Output {
    let url = match &app.state.settings.database {
        DatabaseTarget::Sqlite { path } => path.display().to_string(),
        DatabaseTarget::Postgres { url } => url.expose().to_string(),
    };
    std::process::Command::new(env!("CARGO_BIN_EXE_rarlink"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RARLINK_AUDIT_KEY", AUDIT_KEY)
        .env("RARLINK_LOG", "error")
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[actix_web::test]
async fn the_retention_command_deletes_an_ended_case_and_the_exported_chain_verifies() {
    // The binary runs on the real clock: the ended case's order ended in 2018.
    let app = TestApp::builder()
        .clock_at(Utc.with_ymd_and_hms(2017, 3, 6, 9, 0, 0).unwrap())
        .spawn()
        .await;
    app.setup_orgs().await;
    app.person_with_order(ENDED, "2017-01-09", "2018-01-08")
        .await;
    let now = Utc::now();
    app.clock.set(now - Duration::days(30));
    let start = (now - Duration::days(60)).date_naive().to_string();
    let end = (now + Duration::days(300)).date_naive().to_string();
    app.person_with_order(LIVE, &start, &end).await;

    let dry = rarlink(&app, &["retention", "--dry-run"]);
    assert!(dry.status.success(), "{dry:?}");
    let listed = stdout(&dry);
    assert!(listed.contains(ENDED) && !listed.contains(LIVE), "{listed}");
    assert!(listed.contains("1 case(s) would be deleted"), "{listed}");

    let applied = rarlink(&app, &["retention", "--apply"]);
    assert!(applied.status.success(), "{applied:?}");
    assert!(stdout(&applied).contains("1 case(s) deleted"));
    let verified = rarlink(&app, &["audit", "verify"]);
    assert!(verified.status.success(), "{verified:?}");
    assert!(stdout(&verified).contains("audit chain valid"));

    let file = std::env::temp_dir().join(format!("rarlink-audit-{}.jsonl", uuid::Uuid::new_v4()));
    let exported = rarlink(
        &app,
        &["audit", "export", "--output", file.to_str().unwrap()],
    );
    assert!(exported.status.success(), "{exported:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    // (Entries written after retention, such as a probe of the deleted CRN, may name it.)
    let named: Vec<&str> = text.lines().filter(|l| l.contains(ENDED)).collect();
    assert!(named.is_empty(), "{named:?}");
    let from_export = rarlink(
        &app,
        &["audit", "verify", "--from-export", file.to_str().unwrap()],
    );
    assert!(from_export.status.success(), "{from_export:?}");

    // An export altered after the fact, or checked with another key, does not verify.
    std::fs::write(&file, text.replacen("\"jsmith\"", "\"someone-else\"", 1)).unwrap();
    let tampered = rarlink(
        &app,
        &["audit", "verify", "--from-export", file.to_str().unwrap()],
    );
    assert!(!tampered.status.success());
    assert!(String::from_utf8_lossy(&tampered.stderr).contains("BROKEN"));
    std::fs::write(&file, &text).unwrap();
    let other_key = std::process::Command::new(env!("CARGO_BIN_EXE_rarlink"))
        .args(["audit", "verify", "--from-export", file.to_str().unwrap()])
        .env(
            "RARLINK_AUDIT_KEY",
            "another-key-another-key-another-key-0123",
        )
        .output()
        .unwrap();
    assert!(!other_key.status.success());
    std::fs::remove_file(file).unwrap();

    problem(
        app.get(&format!("/api/v1/people/{ENDED}"), &app.pp()).await,
        404,
    )
    .await;
    expect(
        app.get(&format!("/api/v1/people/{LIVE}"), &app.pp()).await,
        200,
        "the live case is untouched",
    )
    .await;
}

#[actix_web::test]
async fn retention_deletes_every_record_of_a_full_case_once_its_prompts_are_resolved() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    expect(
        app.post(
            &format!("/api/v1/people/{CRN}/household-members"),
            &app.pp(),
            &json!({"name": "Jane Doe", "relationship": "PARTNER", "livesInHousehold": true,
                    "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-02-01"}, "verified": false}),
        )
        .await,
        201,
        "household member",
    )
    .await;
    app.provider_disclosure(
        &case.referral_id,
        &json!({"type": "PREGNANCY", "disclosedAt": "2026-03-02T08:00:00Z",
                "disclosedBy": "PERSON_ON_PROBATION", "summary": "Partner is pregnant",
                "details": {"whoIsPregnant": "PARTNER"}}),
    )
    .await;
    app.book_session(&case.referral_id, "2026-03-04T10:00:00Z")
        .await;
    expect(
        app.post(
            &format!("/api/v1/referrals/{}/case-notes", case.referral_id),
            &app.worker(),
            &json!({"subject": "Session 1", "body": "Went well", "sensitivity": "STANDARD"}),
        )
        .await,
        201,
        "case note",
    )
    .await;
    assert!(!app.prompts(&app.pp()).await.is_empty());
    // Eight years on, with every prompt long resolved (set directly: resolving is tested elsewhere).
    app.state
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use rarlink::db::schema::safeguarding_prompts::dsl::*;
            diesel::update(safeguarding_prompts)
                .set(status.eq("RESOLVED"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    app.clock.advance(Duration::days(365 * 9));
    let deleted = match rarlink::operator::retention(&app.state, true)
        .await
        .unwrap()
    {
        RetentionRun::Applied(deleted) => deleted,
        other => panic!("{other:?}"),
    };
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert!(deleted[0].rows_deleted >= 8, "{deleted:?}");
    problem(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.worker(),
        )
        .await,
        404,
    )
    .await;
    let verdict = app.chain_verdict().await;
    assert_eq!(verdict["valid"], true, "{verdict}");
}
