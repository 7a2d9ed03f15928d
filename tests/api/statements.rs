//! Statements per request, counted on the connection (diesel's instrumentation): the hot reads
//! and writes stay within a fixed number of SQL statements, whatever the backend.

use crate::helpers::*;
use chrono::{TimeZone, Utc};
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::Connection;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// Records the SQL of every statement the connection starts, transaction control aside
/// (`BEGIN`, `COMMIT`, `ROLLBACK`, savepoints: counted by diesel as statements too).
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl Instrumentation for Statements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let sql = query.to_string();
            let head = sql.trim_start().to_ascii_uppercase();
            let control = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
                .iter()
                .any(|c| head.starts_with(c));
            if !control {
                self.0.lock().unwrap().push(sql);
            }
        }
    }
}

impl Statements {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// The statements in short (verb and table, conditions), for a failure message.
fn short(run: &[String]) -> Vec<String> {
    run.iter()
        .map(|sql| {
            let verb: String = sql.chars().take(12).collect();
            let rest = sql.split(" FROM ").nth(1).unwrap_or(sql);
            format!("{verb}… {}", rest.chars().take(110).collect::<String>())
        })
        .collect()
}

/// An app with one pooled connection (so every request uses the instrumented one) and no
/// background work; the seeded case is accepted.
async fn counted_app() -> (TestApp, Statements) {
    let app = TestApp::builder()
        .settings(|s| {
            s.pool_size = 1;
            s.background = false;
        })
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let statements = Statements::default();
    let installed = statements.clone();
    app.state
        .db
        .run(move |conn| {
            conn.set_instrumentation(installed);
            Ok(())
        })
        .await
        .unwrap();
    (app, statements)
}

#[actix_web::test]
async fn the_shared_view_read_runs_at_most_three_statements() {
    let (app, statements) = counted_app().await;
    let case = app.seeded.clone().unwrap();
    let path = format!("/api/v1/referrals/{}", case.referral_id);
    // The first read fills the per-instance organisation cache; count a warm read.
    expect(app.get(&path, &app.worker()).await, 200, "first read").await;
    statements.take();
    expect(app.get(&path, &app.worker()).await, 200, "read").await;
    let run = statements.take();
    assert_at_most(&run, 3);
}

/// Books a session an hour after `at` (UTC, on the default clock's day) and returns its id.
async fn session(app: &TestApp, referral: &str, at: &str) -> String {
    let booked = expect(
        app.post(
            &format!("/api/v1/referrals/{referral}/appointments"),
            &app.worker(),
            &json!({"startsAt": at, "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"}),
        )
        .await,
        201,
        "book",
    )
    .await;
    booked["id"].as_str().unwrap().to_string()
}

/// Attendance as a worker records it: attended and engaged, nothing to tell the officer.
fn attended() -> serde_json::Value {
    json!({"attended": "YES", "engagement": "Engaged", "behaviourConcern": false, "notifyResponsibleOfficer": false})
}

/// Records `body` as the attendance of session `id`.
async fn record(app: &TestApp, id: &str, body: &serde_json::Value, what: &str) {
    let path = format!("/api/v1/appointments/{id}/attendance");
    expect(app.put(&path, &app.worker(), body).await, 200, what).await;
}

/// Two delivery sessions of the seeded referral, both over by the clock set here.
async fn two_past_sessions(app: &TestApp) -> (String, String) {
    let referral = app.seeded.clone().unwrap().referral_id;
    let first = session(app, &referral, "2026-03-03T10:00:00Z").await;
    let second = session(app, &referral, "2026-03-04T10:00:00Z").await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap());
    (first, second)
}

/// Fails, listing the statements, when `run` has more than `most`.
fn assert_at_most(run: &[String], most: usize) {
    assert!(
        run.len() <= most,
        "{} statements: {:#?}",
        run.len(),
        short(run)
    );
}

#[actix_web::test]
async fn an_attendance_write_in_delivery_runs_at_most_eight_statements_on_either_backend() {
    let (app, statements) = counted_app().await;
    let (first, second) = two_past_sessions(&app).await;
    // The first attendance also starts delivery (one more update); count the steady state.
    record(&app, &first, &attended(), "first").await;
    statements.take();
    record(&app, &second, &attended(), "second").await;
    // PostgreSQL reads the session in the statement that takes the case lock (`FOR UPDATE`).
    assert_at_most(&statements.take(), 8);
}

#[actix_web::test]
async fn an_attendance_correction_reads_the_sessions_prompts_once_in_at_most_nine_statements() {
    let (app, statements) = counted_app().await;
    let (first, second) = two_past_sessions(&app).await;
    record(&app, &first, &attended(), "first").await;
    record(&app, &second, &attended(), "second").await;
    statements.take();
    let mut correction = attended();
    correction["engagement"] = json!("Engaged with support");
    correction["correctionReason"] = json!("engagement was misrecorded");
    record(&app, &second, &correction, "correction").await;
    let run = statements.take();
    let prompt_reads = run
        .iter()
        .filter(|sql| {
            sql.trim_start().starts_with("SELECT") && sql.contains("safeguarding_prompts")
        })
        .count();
    assert_eq!(prompt_reads, 1, "{:#?}", short(&run));
    assert_at_most(&run, 9);
}

/// Runs `path` once to warm the caches, then again, and returns the statements of the second.
async fn counted_read(
    app: &TestApp,
    statements: &Statements,
    path: &str,
    token: &str,
) -> Vec<String> {
    expect(app.get(path, token).await, 200, "first read").await;
    statements.take();
    expect(app.get(path, token).await, 200, "read").await;
    statements.take()
}

#[actix_web::test]
async fn the_rar_summary_read_runs_at_most_two_statements() {
    let (app, statements) = counted_app().await;
    let case = app.seeded.clone().unwrap();
    let (first, _) = two_past_sessions(&app).await;
    record(&app, &first, &attended(), "attended").await;
    let path = format!("/api/v1/orders/{}/rar", case.order_id);
    // The order with its referrals, then the attended sessions under it.
    let run = counted_read(&app, &statements, &path, &app.pp()).await;
    assert_at_most(&run, 2);
}

#[actix_web::test]
async fn the_officers_open_prompt_list_runs_at_most_two_statements() {
    let (app, statements) = counted_app().await;
    let case = app.seeded.clone().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    app.provider_disclosure(
        &case.referral_id,
        &crate::safeguarding::pregnancy_disclosure(),
    )
    .await;
    let path = "/api/v1/safeguarding-prompts?status=OPEN&assignedToMe=true";
    // The page with each prompt's agency referral, then the disclosures linked to the page.
    let run = counted_read(&app, &statements, path, &app.pp()).await;
    let listed = expect(app.get(path, &app.pp()).await, 200, "list").await;
    assert!(!listed["items"].as_array().unwrap().is_empty(), "{listed}");
    assert_at_most(&run, 2);
}

/// The referral (read with the case lock on PostgreSQL), order, risk, declarations, the
/// disclosure, two prompt look-ups for repeats, the prompt and its history, two events and the
/// audit row.
#[actix_web::test]
async fn a_disclosure_write_runs_at_most_twelve_statements_on_either_backend() {
    let (app, statements) = counted_app().await;
    let case = app.seeded.clone().unwrap();
    let path = format!("/api/v1/referrals/{}/disclosures", case.referral_id);
    let body = |n: u32| json!({"type": "OTHER", "disclosedAt": "2026-03-02T08:30:00Z", "disclosedBy": "PERSON_ON_PROBATION", "summary": format!("Disclosure {n}")});
    expect(app.post(&path, &app.worker(), &body(1)).await, 201, "first").await;
    statements.take();
    expect(
        app.post(&path, &app.worker(), &body(2)).await,
        201,
        "second",
    )
    .await;
    let run = statements.take();
    assert_at_most(&run, 12);
}
