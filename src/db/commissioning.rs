//! The commissioning report's aggregates, computed in SQL (never by loading referrals): the
//! same statements on both backends except how the intervention type is read from the
//! referral's JSON content and how parameters are written. Working days are counted with the
//! stored `working_calendar` (see its migration); percentiles with window functions.

use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::QueryableByName;

/// Which referrals the report counts: sent in `[from, to)`, of these organisations ("" = any).
pub struct Cohort {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub probation_org: String,
    pub provider_org: String,
    /// Safeguarding actions counted are those addressed to this organisation ("" = any).
    pub prompt_org: String,
    pub now: NaiveDateTime,
}

enum Bind {
    Text(String),
    Time(NaiveDateTime),
}

const COHORT: &str = "WITH cohort AS (
  SELECT r.id, r.provider_org AS provider, COALESCE(ITYPE, '') AS itype, r.status, r.end_reason,
         r.rar_days, r.sent_at, r.accepted_at
  FROM referrals r
  WHERE r.sent_at IS NOT NULL AND r.sent_at >= ? AND r.sent_at < ?
    AND (? = '' OR r.probation_org = ?) AND (? = '' OR r.provider_org = ?)
)";

/// The working-day number of the London day holding instant `x`.
fn seq_of(x: &str) -> String {
    format!(
        "(SELECT k.working_seq FROM working_calendar k WHERE k.starts_at <= {x} AND k.ends_at > {x} ORDER BY k.starts_at DESC LIMIT 1)"
    )
}

fn cohort_binds(c: &Cohort) -> Vec<Bind> {
    vec![
        Bind::Time(c.from),
        Bind::Time(c.to),
        Bind::Text(c.probation_org.clone()),
        Bind::Text(c.probation_org.clone()),
        Bind::Text(c.provider_org.clone()),
        Bind::Text(c.provider_org.clone()),
    ]
}

/// Runs `sql` (with `?` parameters and `ITYPE` for the intervention type) on either backend.
fn load<R>(conn: &mut DbConnection, sql: &str, binds: &[Bind]) -> QueryResult<Vec<R>>
where
    R: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
{
    match conn {
        DbConnection::Sqlite(c) => {
            let sql = sql.replace("ITYPE", "json_extract(r.content, '$.interventionType')");
            let mut q = diesel::sql_query(sql).into_boxed::<Sqlite>();
            for b in binds {
                q = match b {
                    Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                    Bind::Time(t) => q.bind::<Timestamp, _>(*t),
                };
            }
            q.load(c)
        }
        DbConnection::Postgresql(c) => {
            let sql = sql.replace("ITYPE", "(r.content::json ->> 'interventionType')");
            let mut numbered = String::with_capacity(sql.len());
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(ch);
                }
            }
            let mut q = diesel::sql_query(numbered).into_boxed::<Pg>();
            for b in binds {
                q = match b {
                    Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                    Bind::Time(t) => q.bind::<Timestamp, _>(*t),
                };
            }
            q.load(c)
        }
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct VolumeRow {
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub itype: String,
    #[diesel(sql_type = BigInt)]
    pub sent: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub declined: i64,
    #[diesel(sql_type = BigInt)]
    pub withdrawn: i64,
    #[diesel(sql_type = BigInt)]
    pub completed: i64,
    #[diesel(sql_type = BigInt)]
    pub ended_non_engagement: i64,
    #[diesel(sql_type = BigInt)]
    pub ended_provider_withdrawn: i64,
    #[diesel(sql_type = BigInt)]
    pub ended_other: i64,
    #[diesel(sql_type = BigInt)]
    pub rar_days_commissioned: i64,
}

/// Referral volumes and RAR days commissioned per provider and intervention type.
pub fn volumes(conn: &mut DbConnection, c: &Cohort) -> QueryResult<Vec<VolumeRow>> {
    let sql = format!(
        "{COHORT}
SELECT provider, itype, CAST(COUNT(*) AS BIGINT) AS sent,
  CAST(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS accepted,
  CAST(SUM(CASE WHEN status = 'DECLINED' THEN 1 ELSE 0 END) AS BIGINT) AS declined,
  CAST(SUM(CASE WHEN status = 'WITHDRAWN' THEN 1 ELSE 0 END) AS BIGINT) AS withdrawn,
  CAST(SUM(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END) AS BIGINT) AS completed,
  CAST(SUM(CASE WHEN status = 'ENDED_EARLY' AND end_reason = 'NON_ENGAGEMENT' THEN 1 ELSE 0 END) AS BIGINT) AS ended_non_engagement,
  CAST(SUM(CASE WHEN status = 'ENDED_EARLY' AND end_reason = 'PROVIDER_WITHDRAWN' THEN 1 ELSE 0 END) AS BIGINT) AS ended_provider_withdrawn,
  CAST(SUM(CASE WHEN status = 'ENDED_EARLY' AND end_reason NOT IN ('NON_ENGAGEMENT', 'PROVIDER_WITHDRAWN') THEN 1 ELSE 0 END) AS BIGINT) AS ended_other,
  CAST(SUM(CASE WHEN accepted_at IS NOT NULL THEN COALESCE(rar_days, 0) ELSE 0 END) AS BIGINT) AS rar_days_commissioned
FROM cohort GROUP BY provider, itype ORDER BY provider, itype"
    );
    load(conn, &sql, &cohort_binds(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct WaitRow {
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub itype: String,
    /// `ACCEPT` or `FIRST_SESSION`.
    #[diesel(sql_type = Text)]
    pub measure: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub median: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub p90: Option<i64>,
}

/// Median and 90th percentile working days from sending to acceptance and to the first session.
pub fn waits(conn: &mut DbConnection, c: &Cohort) -> QueryResult<Vec<WaitRow>> {
    let sql = format!(
        "{COHORT},
firsts AS (
  SELECT a.referral_id, MIN(a.starts_at) AS first_at
  FROM appointments a JOIN cohort c ON a.referral_id = c.id
  WHERE a.status <> 'CANCELLED' GROUP BY a.referral_id
),
waits AS (
  SELECT c.provider, c.itype, 'ACCEPT' AS measure, {acc} - {sent} AS days
  FROM cohort c WHERE c.accepted_at IS NOT NULL
  UNION ALL
  SELECT c.provider, c.itype, 'FIRST_SESSION' AS measure, {first} - {sent} AS days
  FROM cohort c JOIN firsts f ON f.referral_id = c.id
),
ranked AS (
  SELECT provider, itype, measure, days,
    ROW_NUMBER() OVER (PARTITION BY provider, itype, measure ORDER BY days) AS rn,
    COUNT(*) OVER (PARTITION BY provider, itype, measure) AS n
  FROM waits WHERE days IS NOT NULL
)
SELECT provider, itype, measure, CAST(MAX(n) AS BIGINT) AS n,
  AVG(CASE WHEN rn = (n + 1) / 2 OR rn = (n + 2) / 2 THEN CAST(days AS DOUBLE PRECISION) END) AS median,
  CAST(MAX(CASE WHEN rn = (9 * n + 9) / 10 THEN days END) AS BIGINT) AS p90
FROM ranked GROUP BY provider, itype, measure ORDER BY provider, itype, measure",
        acc = seq_of("c.accepted_at"),
        sent = seq_of("c.sent_at"),
        first = seq_of("f.first_at"),
    );
    load(conn, &sql, &cohort_binds(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct SessionRow {
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub itype: String,
    #[diesel(sql_type = BigInt)]
    pub booked: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub missed_acceptable: i64,
    #[diesel(sql_type = BigInt)]
    pub missed_unacceptable: i64,
}

/// Sessions (not cancelled) of the cohort's referrals and their attendance.
pub fn sessions(conn: &mut DbConnection, c: &Cohort) -> QueryResult<Vec<SessionRow>> {
    let sql = format!(
        "{COHORT}
SELECT c.provider, c.itype, CAST(COUNT(*) AS BIGINT) AS booked,
  CAST(SUM(CASE WHEN a.attended = 'YES' THEN 1 ELSE 0 END) AS BIGINT) AS attended,
  CAST(SUM(CASE WHEN a.attended = 'LATE' THEN 1 ELSE 0 END) AS BIGINT) AS late,
  CAST(SUM(CASE WHEN a.attended = 'NO' AND (a.absence_acceptable = TRUE OR (a.absence_acceptable IS NULL AND a.no_attendance_reason <> 'POP_UNACCEPTABLE')) THEN 1 ELSE 0 END) AS BIGINT) AS missed_acceptable,
  CAST(SUM(CASE WHEN a.attended = 'NO' AND (a.absence_acceptable = FALSE OR (a.absence_acceptable IS NULL AND a.no_attendance_reason = 'POP_UNACCEPTABLE')) THEN 1 ELSE 0 END) AS BIGINT) AS missed_unacceptable
FROM cohort c JOIN appointments a ON a.referral_id = c.id
WHERE a.status <> 'CANCELLED'
GROUP BY c.provider, c.itype ORDER BY c.provider, c.itype"
    );
    load(conn, &sql, &cohort_binds(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DeliveredRow {
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub itype: String,
    #[diesel(sql_type = BigInt)]
    pub delivered: i64,
}

/// RAR days delivered: per referral, distinct London days with an attended delivery session,
/// never above the referral's RAR days; summed.
pub fn delivered(conn: &mut DbConnection, c: &Cohort) -> QueryResult<Vec<DeliveredRow>> {
    let sql = format!(
        "{COHORT},
att AS (
  SELECT c.id, c.provider, c.itype, COALESCE(c.rar_days, 0) AS cap, {day} AS day
  FROM cohort c JOIN appointments a ON a.referral_id = c.id
  WHERE a.kind = 'DELIVERY' AND a.status <> 'CANCELLED' AND a.attended IN ('YES', 'LATE')
),
per AS (
  SELECT id, provider, itype, cap, COUNT(DISTINCT day) AS d FROM att GROUP BY id, provider, itype, cap
)
SELECT provider, itype, CAST(SUM(CASE WHEN d > cap THEN cap ELSE d END) AS BIGINT) AS delivered
FROM per GROUP BY provider, itype ORDER BY provider, itype",
        day = seq_of("a.starts_at"),
    );
    load(conn, &sql, &cohort_binds(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub itype: String,
    #[diesel(sql_type = BigInt)]
    pub reports: i64,
    #[diesel(sql_type = BigInt)]
    pub achieved: i64,
    #[diesel(sql_type = BigInt)]
    pub partly: i64,
    #[diesel(sql_type = BigInt)]
    pub not_achieved: i64,
}

/// Occurrences of `"achievementLevel":"LEVEL"` in a report's compact JSON (a free-text field
/// cannot hold it unescaped, so only real levels count).
fn level_count(level: &str) -> String {
    let token = format!("\"achievementLevel\":\"{level}\"");
    format!(
        "(LENGTH(e.body) - LENGTH(REPLACE(e.body, '{token}', ''))) / {}",
        token.len()
    )
}

/// Outcomes of the end-of-service reports: how many desired outcomes at each level.
pub fn outcomes(conn: &mut DbConnection, c: &Cohort) -> QueryResult<Vec<OutcomeRow>> {
    let sql = format!(
        "{COHORT}
SELECT c.provider, c.itype, CAST(COUNT(*) AS BIGINT) AS reports,
  CAST(SUM({a}) AS BIGINT) AS achieved,
  CAST(SUM({p}) AS BIGINT) AS partly,
  CAST(SUM({n}) AS BIGINT) AS not_achieved
FROM cohort c JOIN end_of_service_reports e ON e.referral_id = c.id
GROUP BY c.provider, c.itype ORDER BY c.provider, c.itype",
        a = level_count("ACHIEVED"),
        p = level_count("PARTIALLY_ACHIEVED"),
        n = level_count("NOT_ACHIEVED"),
    );
    load(conn, &sql, &cohort_binds(c))
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ActionRow {
    #[diesel(sql_type = Text)]
    pub provider: String,
    #[diesel(sql_type = Text)]
    pub itype: String,
    #[diesel(sql_type = Text)]
    pub rule: String,
    #[diesel(sql_type = BigInt)]
    pub raised: i64,
    #[diesel(sql_type = BigInt)]
    pub resolved_in_time: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub not_required: i64,
    #[diesel(sql_type = BigInt)]
    pub unresolved: i64,
}

/// Safeguarding actions raised on the cohort's referrals, per rule.
pub fn actions(conn: &mut DbConnection, c: &Cohort) -> QueryResult<Vec<ActionRow>> {
    let sql = format!(
        "{COHORT}
SELECT c.provider, c.itype, p.rule, CAST(COUNT(*) AS BIGINT) AS raised,
  CAST(SUM(CASE WHEN p.resolved_at IS NOT NULL AND p.resolved_at <= p.due_at THEN 1 ELSE 0 END) AS BIGINT) AS resolved_in_time,
  CAST(SUM(CASE WHEN p.resolved_at > p.due_at OR (p.resolved_at IS NULL AND p.due_at < ?) THEN 1 ELSE 0 END) AS BIGINT) AS overdue,
  CAST(SUM(CASE WHEN p.outcome = 'NOT_REQUIRED' THEN 1 ELSE 0 END) AS BIGINT) AS not_required,
  CAST(SUM(CASE WHEN p.resolved_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unresolved
FROM cohort c JOIN safeguarding_prompts p ON p.referral_id = c.id
WHERE (? = '' OR p.org = ?)
GROUP BY c.provider, c.itype, p.rule ORDER BY c.provider, c.itype, p.rule"
    );
    let mut binds = cohort_binds(c);
    binds.push(Bind::Time(c.now));
    binds.push(Bind::Text(c.prompt_org.clone()));
    binds.push(Bind::Text(c.prompt_org.clone()));
    load(conn, &sql, &binds)
}
