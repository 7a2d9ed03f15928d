//! The PostgreSQL database floor measured by `pgbench` itself: custom scripts with the
//! statements of one shared-view read (with its audit row) and of one attendance write, at the
//! service's concurrency, so the floor owes nothing to our code (not even diesel).

use diesel::prelude::*;
use diesel::sql_types::Text;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One provider's shared-view read, statement for statement as the service makes it (its
/// organisation, the referral scoped to it, the shared context versions, the person, the order),
/// then its audit row. `bench_ids` only maps pgbench's random number to a seeded referral.
const READ: &str = r#"\set n random(1, :count)
SELECT id AS rid, crn AS rcrn, order_id AS roid FROM bench_ids WHERE kind = 'referral' AND n = :n \gset
SELECT * FROM organisations WHERE code = 'MIND-BENCH' LIMIT 1;
SELECT * FROM referrals WHERE id = :rid AND provider_org = 'MIND-BENCH' AND sent_at IS NOT NULL LIMIT 1;
SELECT * FROM referral_contexts WHERE referral_id = :rid ORDER BY version;
SELECT * FROM people WHERE crn = :rcrn LIMIT 1;
SELECT * FROM orders WHERE id = :roid LIMIT 1;
INSERT INTO audit_events (id, at, actor_sub, actor_org, actor_roles, action, method, resource, crn, request_id, status)
  VALUES (gen_random_uuid()::text, now() AT TIME ZONE 'utc', 'floor', 'MIND-BENCH', 'provider_worker',
          'referral.read', 'GET', '/floor', NULL, 'floor', 200);
"#;

/// One attendance write as the service makes it, without its repeated reads: the organisation,
/// then in one transaction the case lock, the session, its referral, order and history (for the
/// rules), the update, the history row, the event and the audit row.
const WRITE: &str = r#"\set n random(1, :count)
SELECT id AS aid, crn AS acrn, order_id AS aoid, referral_id AS arid FROM bench_ids WHERE kind = 'appointment' AND n = :n \gset
SELECT * FROM organisations WHERE code = 'MIND-BENCH' LIMIT 1;
BEGIN;
SELECT crn FROM people WHERE crn = :acrn LIMIT 1 FOR UPDATE;
SELECT * FROM appointments WHERE id = :aid AND provider_org = 'MIND-BENCH' LIMIT 1;
SELECT * FROM referrals WHERE id = :arid LIMIT 1;
SELECT * FROM orders WHERE id = :aoid LIMIT 1;
SELECT * FROM appointment_history WHERE appointment_id = :aid ORDER BY at;
UPDATE appointments SET attended = 'YES', attendance_recorded_at = now() AT TIME ZONE 'utc', attendance_recorded_by = 'floor' WHERE id = :aid;
INSERT INTO appointment_history (id, appointment_id, change, at, by_sub, after)
  VALUES (gen_random_uuid()::text, :aid, 'FLOOR', now() AT TIME ZONE 'utc', 'floor', '{}');
INSERT INTO domain_events (id, event_type, version, occurred_at, description, detail_url, additional_information, org_code)
  VALUES (gen_random_uuid()::text, 'rarlink.floor', 1, now() AT TIME ZONE 'utc', 'floor', '/floor', '{}', 'NOBODY');
INSERT INTO audit_events (id, at, actor_sub, actor_org, actor_roles, action, method, resource, crn, request_id, status)
  VALUES (gen_random_uuid()::text, now() AT TIME ZONE 'utc', 'floor', 'MIND-BENCH', 'provider_worker',
          'attendance.record', 'PUT', '/floor', NULL, 'floor', 200);
COMMIT;
"#;

/// `pgbench` from PATH or Debian's PostgreSQL directories.
pub fn find(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("pgbench"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin/pgbench"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

/// A rate (per second) and the concurrency that gave it.
pub type Best = (f64, usize);

/// The best read and write rates (transactions per second) pgbench reaches at any concurrency
/// from 1 to `clients` (`secs` at each level), each with the concurrency that gave it.
pub fn measure(
    pgbench: &Path,
    database: &str,
    clients: usize,
    secs: u64,
) -> Result<(Best, Best), String> {
    let mut conn = diesel::PgConnection::establish(database).map_err(|e| e.to_string())?;
    let setup = [
        "DROP TABLE IF EXISTS bench_ids",
        "CREATE TABLE bench_ids (kind TEXT, n INTEGER, id TEXT, crn TEXT, order_id TEXT, \
         referral_id TEXT, PRIMARY KEY (kind, n))",
        "INSERT INTO bench_ids SELECT 'referral', row_number() OVER (ORDER BY id), id, crn, order_id, id \
         FROM referrals WHERE provider_org = 'MIND-BENCH' AND status <> 'DRAFT'",
        "INSERT INTO bench_ids SELECT 'appointment', row_number() OVER (ORDER BY a.id), a.id, a.crn, \
         r.order_id, a.referral_id FROM appointments a JOIN referrals r ON r.id = a.referral_id \
         WHERE a.provider_org = 'MIND-BENCH'",
        "ANALYZE bench_ids",
    ];
    for sql in setup {
        diesel::sql_query(sql)
            .execute(&mut conn)
            .map_err(|e| format!("{sql}: {e}"))?;
    }
    let mut count = |kind: &str| -> Result<usize, String> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM bench_ids WHERE kind = $1")
            .bind::<Text, _>(kind)
            .get_result::<Count>(&mut conn)
            .map(|c| c.n as usize)
            .map_err(|e| e.to_string())
    };
    let (referrals, appointments) = (count("referral")?, count("appointment")?);
    let dir = std::env::temp_dir().join(format!("rarlink-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let run = |name: &str, script: &str, count: usize, concurrency: usize| -> Result<f64, String> {
        let file = dir.join(name);
        std::fs::write(&file, script).map_err(|e| e.to_string())?;
        let out = Command::new(pgbench)
            .args(["-n", "-M", "prepared", "-c", &concurrency.to_string()])
            .args([
                "-j",
                &concurrency.min(4).to_string(),
                "-T",
                &secs.to_string(),
            ])
            .args(["-D", &format!("count={}", count.max(1))])
            .arg("-f")
            .arg(&file)
            .arg(database)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", pgbench.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find(|l| l.starts_with("tps = "))
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| {
                format!(
                    "pgbench gave no rate: {}{}",
                    text,
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    };
    let best = |name: &str, script: &str, count: usize| -> Result<Best, String> {
        let mut best = (0.0, 1);
        for c in super::floor::levels(clients) {
            let rate = run(name, script, count, c)?;
            if rate > best.0 {
                best = (rate, c);
            }
        }
        Ok(best)
    };
    let read = best("read.sql", READ, referrals);
    let write = best("write.sql", WRITE, appointments);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = diesel::sql_query("DROP TABLE bench_ids").execute(&mut conn);
    Ok((read?, write?))
}
