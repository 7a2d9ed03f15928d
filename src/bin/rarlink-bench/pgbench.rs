//! The PostgreSQL database floors measured by `pgbench` itself (`-M prepared`): custom scripts
//! with the statements of one shared-view read, one attendance write and one disclosure write as
//! the service runs them (its statement log), at every concurrency 1, 2, 4, … up to the client
//! count, so the floor owes nothing to our code (not even diesel).
//!
//! The read is measured both ways the diesel floor is (`super::floor`): *group commit*, the
//! three reads in a `REPEATABLE READ` transaction while a second script, weighted 1 to the
//! read's `c` (the concurrency), inserts `c` audit rows in one statement (the audit writer's
//! batch when every client has a read waiting); and *one transaction*, reads and audit row in
//! one transaction. The rate is the read script's transactions per second.

use super::floor::{Floor, Kind, Level, Variant};
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared-view read's three statements (the referral scoped to the provider, its shared
/// context versions, the order with its person). `bench_ids` only maps pgbench's random number to
/// a seeded referral, inside the first statement (no extra round trip).
const READS: &str = r#"SELECT r.id AS rid, r.order_id AS roid FROM referrals r WHERE r.id = (SELECT id FROM bench_ids WHERE kind = 'referral' AND n = :n) AND r.provider_org = 'MIND-BENCH' AND r.sent_at IS NOT NULL LIMIT 1 \gset
SELECT * FROM referral_contexts WHERE referral_id = :rid ORDER BY version;
SELECT * FROM orders INNER JOIN people ON people.crn = orders.crn WHERE orders.id = :roid LIMIT 1;
"#;

const AUDIT_ROW: &str =
    "(gen_random_uuid()::text, now() AT TIME ZONE 'utc', 'floor', 'MIND-BENCH', \
'provider_worker', 'referral.read', 'GET', '/floor', NULL, 'floor', 200)";

const AUDIT_COLUMNS: &str =
    "audit_events (id, at, actor_sub, actor_org, actor_roles, action, method, resource, crn, request_id, status)";

fn read_group_commit() -> String {
    format!("\\set n random(1, :count)\nBEGIN ISOLATION LEVEL REPEATABLE READ;\n{READS}COMMIT;\n")
}

/// `:batch` audit rows in one statement, as the audit writer commits them.
fn audit_batch() -> String {
    format!(
        "INSERT INTO {AUDIT_COLUMNS} SELECT gen_random_uuid()::text, now() AT TIME ZONE 'utc', 'floor', \
         'MIND-BENCH', 'provider_worker', 'referral.read', 'GET', '/floor', NULL, 'floor', 200 \
         FROM generate_series(1, :batch);\n"
    )
}

fn read_one_transaction() -> String {
    format!(
        "\\set n random(1, :count)\nBEGIN;\n{READS}INSERT INTO {AUDIT_COLUMNS} VALUES {AUDIT_ROW};\nCOMMIT;\n"
    )
}

/// One attendance correction as the service runs it (9 statements, see `super::writes`): the
/// session read in the statement that takes the case lock (`FROM people JOIN appointments …
/// FOR UPDATE`), its referral, the history row, the order, the prompts it raised (once), the
/// update, its history, the
/// event and the audit row. `\gset a_` / `r_` keep the rows' columns as variables (`:a_id`,
/// `:r_order_id`).
const ATTENDANCE: &str = r#"\set n random(1, :count)
BEGIN;
SELECT a.* FROM people p JOIN appointments a ON a.crn = p.crn WHERE a.id = (SELECT id FROM bench_ids WHERE kind = 'appointment' AND n = :n) AND a.provider_org = 'MIND-BENCH' LIMIT 1 FOR UPDATE \gset a_
SELECT * FROM referrals WHERE id = :a_referral_id AND provider_org = 'MIND-BENCH' AND sent_at IS NOT NULL LIMIT 1 \gset r_
INSERT INTO appointment_history (id, appointment_id, change, at, by_sub, reason, before, after)
  VALUES (gen_random_uuid()::text, :a_id, 'ATTENDANCE_CORRECTED', now() AT TIME ZONE 'utc', 'floor', 'Benchmark correction', '{"attended":"YES"}', '{}');
SELECT * FROM orders WHERE id = :r_order_id LIMIT 1;
SELECT * FROM safeguarding_prompts WHERE triggered_by_id = :a_id ORDER BY id;
UPDATE appointments SET attended = 'YES', engagement = 'Engaged', behaviour_concern = false, notify_responsible_officer = false,
  attendance_recorded_at = now() AT TIME ZONE 'utc', attendance_recorded_by = 'floor' WHERE id = :a_id;
SELECT * FROM appointment_history WHERE appointment_id = :a_id ORDER BY at, id;
INSERT INTO domain_events (id, event_type, version, occurred_at, description, detail_url, additional_information, crn, org_code, provider_org_code, actor_sub, actor_org)
  VALUES (gen_random_uuid()::text, 'rarlink.appointment.attendance', 1, now() AT TIME ZONE 'utc', 'floor', '/floor', '{}', :a_crn, 'PDU-BENCH', 'MIND-BENCH', 'floor', 'MIND-BENCH');
INSERT INTO audit_events (id, at, actor_sub, actor_org, actor_roles, action, method, resource, crn, request_id, status)
  VALUES (gen_random_uuid()::text, now() AT TIME ZONE 'utc', 'floor', 'MIND-BENCH', 'provider_worker',
          'attendance.record', 'PUT', '/floor', :a_crn, 'floor', 200);
COMMIT;
"#;

/// One provider's `OTHER` disclosure as the service runs it (12 statements, see
/// `super::writes`): the referral read in the statement that takes the case lock (`FROM people
/// JOIN referrals … FOR UPDATE`), its order, the current risk, the declarations, the
/// disclosure, the two dedup look-ups, the prompt and its first step, two events and the audit
/// row (no case-wide checks: `OTHER` has no case-wide rule). `\gset r_` keeps the referral's
/// columns as variables (`:r_id`, `:r_crn`, `:r_order_id`).
const DISCLOSURE: &str = r#"\set n random(1, :count)
BEGIN;
SELECT r.* FROM people p JOIN referrals r ON r.crn = p.crn WHERE r.id = (SELECT id FROM bench_ids WHERE kind = 'referral' AND n = :n) AND r.provider_org = 'MIND-BENCH' AND r.sent_at IS NOT NULL LIMIT 1 FOR UPDATE \gset r_
SELECT * FROM orders WHERE id = :r_order_id LIMIT 1;
SELECT * FROM risk_assessments WHERE crn = :r_crn ORDER BY recorded_at DESC, id DESC LIMIT 1;
SELECT * FROM household_declarations WHERE crn = :r_crn ORDER BY declared_at, id;
INSERT INTO disclosures (id, crn, probation_org, referral_id, order_id, provider_org, disclosure_type, disclosed_at, disclosed_by, summary, recorded_at, recorded_by, recorded_by_org, predates_referral)
  VALUES (gen_random_uuid()::text, :r_crn, 'PDU-BENCH', :r_id, :r_order_id, 'MIND-BENCH', 'OTHER', now() AT TIME ZONE 'utc', 'PERSON_ON_PROBATION', 'Benchmark floor disclosure', now() AT TIME ZONE 'utc', 'floor', 'MIND-BENCH', false)
  RETURNING id AS did, 'disclosure-consider|' || crn || '|disclosure:' || id AS dkey \gset
SELECT * FROM safeguarding_prompts WHERE dedup_key = :dkey AND status <> 'RESOLVED' LIMIT 1;
SELECT * FROM safeguarding_prompts WHERE dedup_key = :dkey AND raised_at >= now() AT TIME ZONE 'utc' - interval '90 days' ORDER BY raised_at DESC, id DESC LIMIT 1;
INSERT INTO safeguarding_prompts (id, crn, probation_org, org, order_id, referral_id, rule, title, action, rationale, guidance, triggered_by_kind, triggered_by_id, assignee_role, assignee, mandatory, dedup_key, status, raised_at, due_at, reporting_org)
  VALUES (gen_random_uuid()::text, :r_crn, 'PDU-BENCH', 'PDU-BENCH', :r_order_id, :r_id, 'disclosure-consider', 'Consider the disclosure', 'Read the disclosure and decide.', 'Benchmark floor', '[]', 'DISCLOSURE', :did, 'RESPONSIBLE_OFFICER', 'officer', false, :dkey, 'OPEN', now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' + interval '5 days', 'MIND-BENCH')
  RETURNING id AS pid \gset
INSERT INTO safeguarding_prompt_history (id, prompt_id, at, step, to_status, actor, actor_role)
  VALUES (gen_random_uuid()::text, :pid, now() AT TIME ZONE 'utc', 'RAISED', 'OPEN', 'floor', 'provider_worker');
INSERT INTO domain_events (id, event_type, version, occurred_at, description, detail_url, additional_information, crn, org_code, provider_org_code, actor_sub, actor_org)
  VALUES (gen_random_uuid()::text, 'rarlink.disclosure.recorded', 1, now() AT TIME ZONE 'utc', 'floor', '/floor', '{}', :r_crn, 'PDU-BENCH', 'MIND-BENCH', 'floor', 'MIND-BENCH');
INSERT INTO domain_events (id, event_type, version, occurred_at, description, detail_url, additional_information, crn, org_code, provider_org_code, actor_sub, actor_org)
  VALUES (gen_random_uuid()::text, 'rarlink.safeguarding-prompt.raised', 1, now() AT TIME ZONE 'utc', 'floor', '/floor', '{}', :r_crn, 'PDU-BENCH', 'MIND-BENCH', 'floor', 'MIND-BENCH');
INSERT INTO audit_events (id, at, actor_sub, actor_org, actor_roles, action, method, resource, crn, request_id, status)
  VALUES (gen_random_uuid()::text, now() AT TIME ZONE 'utc', 'floor', 'MIND-BENCH', 'provider_worker',
          'disclosure.record', 'POST', '/floor', :r_crn, 'floor', 200);
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

/// A floor's scripts at a concurrency: (file name, text, weight).
type Scripts = Vec<(&'static str, String, usize)>;
/// A floor's scripts as a function of the concurrency.
type ScriptsAt = fn(usize) -> Scripts;

fn read_group_commit_scripts(c: usize) -> Scripts {
    vec![
        ("read.sql", read_group_commit(), c.min(256)),
        ("audit.sql", audit_batch(), 1),
    ]
}

fn read_one_transaction_scripts(_: usize) -> Scripts {
    vec![("read.sql", read_one_transaction(), 1)]
}

fn attendance_scripts(_: usize) -> Scripts {
    vec![("attendance.sql", ATTENDANCE.to_string(), 1)]
}

fn disclosure_scripts(_: usize) -> Scripts {
    vec![("disclosure.sql", DISCLOSURE.to_string(), 1)]
}

/// The pgbench floors of one run.
pub struct PgFloors {
    pub read: Floor,
    pub attendance: Floor,
    pub disclosure: Floor,
}

/// The rate of the first script in pgbench's output: its own line when several scripts ran,
/// else the run's `tps = `.
fn first_script_tps(text: &str) -> Option<f64> {
    let tps_in = |l: &str| {
        l.split("tps = ")
            .nth(1)
            .and_then(|v| v.split(|c: char| c == ')' || c.is_whitespace()).next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    if let Some(at) = text.find("SQL script 1:") {
        if text.contains("SQL script 2:") {
            return text[at..]
                .lines()
                .find(|l| l.contains(" transactions (") && l.contains("tps = "))
                .and_then(tps_in);
        }
    }
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(tps_in)
}

/// The rates (transactions per second) pgbench reaches for `kind` at every concurrency from 1 to
/// `clients` (`secs` at each level).
pub fn measure(
    pgbench: &Path,
    database: &str,
    clients: usize,
    secs: u64,
    kind: Kind,
) -> Result<Floor, String> {
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
    let dir = std::env::temp_dir().join(format!("rarlink-pgbench-{}-{kind:?}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // Runs the scripts (name, text, weight) at `concurrency`; the first script's rate.
    let run = |scripts: &[(&str, String, usize)],
               count: usize,
               concurrency: usize|
     -> Result<f64, String> {
        let mut cmd = Command::new(pgbench);
        cmd.args(["-n", "-M", "prepared", "-c", &concurrency.to_string()])
            .args([
                "-j",
                &concurrency.min(4).to_string(),
                "-T",
                &secs.to_string(),
            ])
            .args(["-D", &format!("count={}", count.max(1))])
            .args(["-D", &format!("batch={concurrency}")]);
        for (name, script, weight) in scripts {
            let file = dir.join(name);
            std::fs::write(&file, script).map_err(|e| e.to_string())?;
            cmd.arg("-f").arg(format!("{}@{weight}", file.display()));
        }
        let out = cmd
            .arg(database)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", pgbench.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        first_script_tps(&text).ok_or_else(|| {
            format!(
                "pgbench gave no rate: {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            )
        })
    };
    let floor = |variants: &[(Variant, ScriptsAt)], count: usize| -> Result<Floor, String> {
        let mut levels = Vec::new();
        for (variant, scripts) in variants {
            for c in super::floor::levels(clients) {
                let rate = run(&scripts(c), count, c)?;
                eprintln!("pgbench {} at -c {c}: {rate:.0} tps", variant.name());
                levels.push(Level {
                    variant: *variant,
                    concurrency: c,
                    rate,
                });
            }
        }
        Ok(Floor { levels })
    };
    let floor = match kind {
        Kind::SharedViewRead => floor(
            &[
                (
                    Variant::GroupCommit,
                    read_group_commit_scripts as fn(usize) -> Scripts,
                ),
                (Variant::OneTransaction, read_one_transaction_scripts),
            ],
            referrals,
        ),
        Kind::AttendanceWrite => floor(
            &[(
                Variant::OneTransaction,
                attendance_scripts as fn(usize) -> Scripts,
            )],
            appointments,
        ),
        Kind::DisclosureWrite => floor(
            &[(
                Variant::OneTransaction,
                disclosure_scripts as fn(usize) -> Scripts,
            )],
            referrals,
        ),
    };
    let _ = std::fs::remove_dir_all(&dir);
    let _ = diesel::sql_query("DROP TABLE bench_ids").execute(&mut conn);
    floor
}
