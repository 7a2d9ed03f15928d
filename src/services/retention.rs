//! Retention: lists the cases past their retention period and deletes them, putting the keyed
//! pseudonym in place of the CRN in the audit log and the event feed so the chain still verifies.
//!
//! Each person is deleted in a transaction of its own, after the decision is taken again under the
//! person's lock: a person who gained an order or an open prompt since the list was made is kept.

use crate::db::audit::{self as audit_rows, NewAuditRow};
use crate::db::{ledger, retention as rows, write_transaction, DbConnection};
use crate::domain::audit_key::AuditKey;
use crate::error::ApiError;
use crate::rules::retention::{decide, OrderEnd, Retention};
use chrono::{DateTime, NaiveDate, Utc};

/// The subject recorded in the audit log for retention's own entries.
pub const RETENTION_ACTOR: &str = "rarlink-retention";

/// A case past its retention period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub crn: String,
    pub last_order_ended: NaiveDate,
}

/// A deleted case: its pseudonym and what was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub crn: String,
    pub pseudonym: String,
    pub last_order_ended: NaiveDate,
    pub rows_deleted: usize,
    pub audit_entries_pseudonymised: usize,
    pub events_pseudonymised: usize,
}

fn decision(f: &rows::PersonFacts, today: NaiveDate, years: u32) -> Retention {
    let orders: Vec<OrderEnd> = f
        .orders
        .iter()
        .map(|(status, end_date, terminated)| OrderEnd {
            status: *status,
            end_date: *end_date,
            terminated_on: terminated.map(|t| t.date()),
        })
        .collect();
    decide(&orders, f.open_prompts, today, years)
}

/// The cases that retention would delete on `now` (nothing is changed).
pub fn due(conn: &mut DbConnection, now: DateTime<Utc>, years: u32) -> Result<Vec<Due>, ApiError> {
    let today = now.date_naive();
    Ok(rows::facts(conn, None)?
        .into_iter()
        .filter_map(|(crn, f)| match decision(&f, today, years) {
            Retention::Delete { last_order_ended } => Some(Due {
                crn,
                last_order_ended,
            }),
            Retention::Keep(_) => None,
        })
        .collect())
}

/// Deletes every case past its retention period on `now`; each deletion is audited (under the
/// pseudonym, by [`RETENTION_ACTOR`] of `operator_org`).
pub fn apply(
    conn: &mut DbConnection,
    key: &AuditKey,
    now: DateTime<Utc>,
    years: u32,
    operator_org: &str,
) -> Result<Vec<Deleted>, ApiError> {
    ledger::seal_audit(conn, key)?;
    let mut deleted = Vec::new();
    for candidate in due(conn, now, years)? {
        let done = write_transaction(conn, |conn| -> Result<Option<Deleted>, ApiError> {
            crate::db::people::lock(conn, &candidate.crn)?;
            let facts = rows::facts(conn, Some(&candidate.crn))?;
            let Some(f) = facts.get(&candidate.crn) else {
                return Ok(None);
            };
            let Retention::Delete { last_order_ended } = decision(f, now.date_naive(), years)
            else {
                return Ok(None);
            };
            let pseudonym = key.pseudonym(&candidate.crn);
            let rows_deleted = rows::delete_case(conn, &candidate.crn)?;
            let (audit, events) = rows::pseudonymise(conn, &candidate.crn, &pseudonym)?;
            audit_rows::insert(
                conn,
                &NewAuditRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    at: now.naive_utc(),
                    actor_sub: RETENTION_ACTOR.into(),
                    actor_org: operator_org.into(),
                    actor_roles: String::new(),
                    action: "retention.delete".into(),
                    method: "CLI".into(),
                    resource: "retention".into(),
                    crn: Some(pseudonym.clone()),
                    request_id: uuid::Uuid::now_v7().to_string(),
                    status: 200,
                },
            )?;
            Ok(Some(Deleted {
                crn: candidate.crn.clone(),
                pseudonym,
                last_order_ended,
                rows_deleted,
                audit_entries_pseudonymised: audit,
                events_pseudonymised: events,
            }))
        })?;
        deleted.extend(done);
    }
    ledger::seal_all(conn, key)?;
    Ok(deleted)
}
