//! Reads without the write lock: each read's audit entry is committed by the audit writer (group
//! commit) before its response leaves, and a read whose entry cannot be committed sends no data.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rarlink::db::DbConnection;

/// Audit entries committed for `request_id`, read straight from the table (no sealing).
async fn committed_entries(app: &TestApp, rid: String) -> Vec<(String, i32)> {
    app.state
        .db
        .run(move |conn| {
            use rarlink::db::schema::audit_events::dsl::*;
            Ok(audit_events
                .filter(request_id.eq(rid))
                .select((action, status))
                .load::<(String, i32)>(conn)?)
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn every_concurrent_read_has_its_audit_entry_committed_when_its_response_arrives() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let worker = app.worker();
    let path = format!("/api/v1/referrals/{}", case.referral_id);
    let reads = (0..40).map(|_| app.get(&path, &worker));
    let responses = futures_util::future::join_all(reads).await;
    for res in responses {
        assert_eq!(res.status(), 200);
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        // Checked before anything else runs: the entry was committed before the response left.
        let entries = committed_entries(&app, id.clone()).await;
        assert_eq!(entries.len(), 1, "request {id}: {entries:?}");
        assert_eq!(entries[0].1, 200);
    }
}

#[actix_web::test]
async fn a_read_whose_audit_entry_cannot_be_committed_answers_an_error_without_the_data() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    // Every GET's audit entry is now refused by the database; writes are audited as before.
    app.state
        .db
        .run(|conn| {
            let sql = match conn {
                DbConnection::Sqlite(_) => {
                    "CREATE TRIGGER refuse_read_audit BEFORE INSERT ON audit_events
                     WHEN NEW.method = 'GET' BEGIN SELECT RAISE(ABORT, 'refused'); END;"
                }
                DbConnection::Postgresql(_) => {
                    "CREATE FUNCTION refuse_read_audit() RETURNS trigger AS $$
                     BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;
                     CREATE TRIGGER refuse_read_audit BEFORE INSERT ON audit_events
                     FOR EACH ROW WHEN (NEW.method = 'GET') EXECUTE FUNCTION refuse_read_audit();"
                }
            };
            Ok(conn.batch_execute(sql)?)
        })
        .await
        .unwrap();
    let res = app
        .get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.worker(),
        )
        .await;
    let problem = problem(res, 500).await;
    assert!(
        problem.get("id").is_none() && problem.get("crn").is_none(),
        "{problem}"
    );
    assert_eq!(problem["status"], 500);

    // The service keeps serving once the audit log accepts entries again.
    app.state
        .db
        .run(|conn| {
            let sql = match conn {
                DbConnection::Sqlite(_) => "DROP TRIGGER refuse_read_audit;",
                DbConnection::Postgresql(_) => "DROP TRIGGER refuse_read_audit ON audit_events;",
            };
            Ok(conn.batch_execute(sql)?)
        })
        .await
        .unwrap();
    let res = app
        .get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.worker(),
        )
        .await;
    assert_eq!(res.status(), 200);
}

/// Holds the audit log's write lock from another connection, as another process could: on
/// SQLite the database's write lock (`BEGIN IMMEDIATE`), on PostgreSQL a lock on the audit table
/// that lets reads through but no insert. Released when dropped (the connection closes).
fn hold_audit_write_lock(target: &rarlink::config::DatabaseTarget) -> DbConnection {
    use rarlink::config::DatabaseTarget;
    match target {
        DatabaseTarget::Sqlite { path } => {
            let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
            conn.batch_execute("BEGIN IMMEDIATE").unwrap();
            DbConnection::Sqlite(conn)
        }
        DatabaseTarget::Postgres { url } => {
            let mut conn = diesel::PgConnection::establish(url.expose()).unwrap();
            conn.batch_execute("BEGIN; LOCK TABLE audit_events IN EXCLUSIVE MODE")
                .unwrap();
            DbConnection::Postgresql(conn)
        }
    }
}

#[actix_web::test]
async fn a_read_whose_audit_entry_waits_on_a_lock_held_elsewhere_answers_503_within_the_pool_timeout(
) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .settings(|s| s.pool_timeout = std::time::Duration::from_millis(300))
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let path = format!("/api/v1/referrals/{}", case.referral_id);
    let worker = app.worker();
    assert_eq!(app.get(&path, &worker).await.status(), 200);

    let holder = hold_audit_write_lock(&app.state.settings.database);
    let started = std::time::Instant::now();
    let res = app.get(&path, &worker).await;
    let elapsed = started.elapsed();
    assert_eq!(
        res.status(),
        503,
        "a read must not answer before its audit entry commits"
    );
    assert_eq!(res.headers()["retry-after"], "5");
    let problem = problem(res, 503).await;
    assert!(
        problem.get("id").is_none() && problem.get("crn").is_none(),
        "no case data in the refusal: {problem}"
    );
    assert!(
        elapsed < std::time::Duration::from_millis(1500),
        "answered after {elapsed:?}; the wait is bounded by the pool timeout (300 ms)"
    );

    // Once the lock is released, the queued entries commit and reads answer again.
    drop(holder);
    let mut status = 0;
    for _ in 0..50 {
        status = app.get(&path, &worker).await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "reads answer again once the lock is released");
}
