//! The hot queries use indexes on both backends (EXPLAIN), so latency does not grow with data.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use rarlink::db::DbConnection;

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

/// (name, SQL as the application issues it, with literals for its parameters).
const HOT_QUERIES: &[(&str, &str)] = &[
    ("provider's shared view", "SELECT * FROM referrals WHERE id = 'x' AND provider_org = 'MIND' AND sent_at IS NOT NULL"),
    ("officer's open prompts", "SELECT * FROM safeguarding_prompts WHERE probation_org = 'PDU' AND status = 'OPEN' ORDER BY due_at, id LIMIT 51"),
    ("provider's prompts", "SELECT * FROM safeguarding_prompts WHERE org = 'MIND' AND status = 'OPEN' ORDER BY due_at, id LIMIT 51"),
    ("unresolved prompt for the same facts", "SELECT * FROM safeguarding_prompts WHERE dedup_key = 'k' AND status <> 'RESOLVED'"),
    ("recent prompt for the same facts", "SELECT * FROM safeguarding_prompts WHERE dedup_key = 'k' AND raised_at >= '2026-01-01' ORDER BY raised_at DESC, id DESC LIMIT 1"),
    ("a prompt's history", "SELECT * FROM safeguarding_prompt_history WHERE prompt_id = 'p' ORDER BY at, id"),
    ("agency decisions past follow-up", "SELECT * FROM safeguarding_prompt_referrals WHERE decision IS NULL AND follow_up_notified_at IS NULL AND follow_up_due_at < '2026-01-01' ORDER BY follow_up_due_at LIMIT 100"),
    ("a referral's sessions", "SELECT * FROM appointments WHERE referral_id = 'r' ORDER BY starts_at, id"),
    ("an order's referrals", "SELECT * FROM referrals WHERE order_id = 'o'"),
    ("a person's current risk", "SELECT * FROM risk_assessments WHERE crn = 'X123456' ORDER BY recorded_at DESC, id DESC LIMIT 1"),
    ("a person's disclosures", "SELECT * FROM disclosures WHERE crn = 'X123456' ORDER BY disclosed_at, id"),
    ("unsealed audit entries", "SELECT * FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT 500"),
    ("unsealed events", "SELECT * FROM domain_events WHERE seq IS NULL ORDER BY id LIMIT 500"),
    ("overdue prompts", "SELECT * FROM safeguarding_prompts WHERE status = 'OPEN' AND escalated_at IS NULL AND due_at < '2026-01-01' ORDER BY due_at LIMIT 100"),
    ("a person's events", "SELECT * FROM domain_events WHERE crn = 'X123456' ORDER BY occurred_at, seq"),
    ("the organisation's event feed", "SELECT * FROM domain_events WHERE seq > 10 AND org_code = 'PDU' ORDER BY seq LIMIT 50"),
];

fn plan(conn: &mut DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<SqlitePlanRow>(c)
            .unwrap()
            .into_iter()
            .map(|r| r.detail)
            .collect::<Vec<_>>()
            .join(" | "),
        DbConnection::Postgresql(c) => {
            // With empty tables the planner prefers a scan; forbid it to prove an index applies.
            c.batch_execute("SET enable_seqscan = off").unwrap();
            diesel::sql_query(format!("EXPLAIN {sql}"))
                .load::<PgPlanRow>(c)
                .unwrap()
                .into_iter()
                .map(|r| r.plan)
                .collect::<Vec<_>>()
                .join(" | ")
        }
    }
}

#[actix_web::test]
async fn every_hot_query_uses_an_index() {
    let app = spawn_app().await;
    let plans = app
        .state
        .db
        .run(|conn| {
            Ok(HOT_QUERIES
                .iter()
                .map(|(name, sql)| (*name, plan(conn, sql)))
                .collect::<Vec<_>>())
        })
        .await
        .unwrap();
    for (name, plan) in plans {
        let indexed = plan.contains("USING INDEX")
            || plan.contains("USING COVERING INDEX")
            || plan.contains("USING INTEGER PRIMARY KEY")
            || plan.contains("Index Scan")
            || plan.contains("Index Only Scan")
            || plan.contains("Bitmap Index Scan");
        let full_scan =
            plan.starts_with("SCAN ") || plan.contains("| SCAN ") || plan.contains("Seq Scan");
        assert!(
            indexed && !full_scan,
            "{name} does not use an index: {plan}"
        );
    }
}
