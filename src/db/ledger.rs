//! Sequencing of the audit log and the event outbox, and the audit hash chain.
//!
//! Writers append rows without a sequence number, so concurrent requests never wait for one
//! another on a shared chain head. The sealer (run in the background and before any read of the
//! log or the events) takes the ledger head under a row lock, numbers the committed rows and, for
//! the audit log, links each to the previous one by SHA-256. Because numbers are handed out only to
//! rows that have committed, the event cursor is monotonic: a reader never misses an event that
//! commits late.

use super::audit::AuditRow;
use super::schema::{audit_events, domain_events, ledger_heads};
use super::{write_transaction, DbConnection};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

const AUDIT: &str = "audit";
const EVENTS: &str = "events";
const BATCH: i64 = 500;

/// Reads a ledger head, locking it against other sealers until the transaction ends.
fn lock_head(conn: &mut DbConnection, name: &str) -> QueryResult<(i64, String)> {
    let query = ledger_heads::table
        .find(name.to_string())
        .select((ledger_heads::last_seq, ledger_heads::last_hash));
    match conn {
        DbConnection::Postgresql(pg) => query.for_update().first(pg),
        // SQLite: the surrounding BEGIN IMMEDIATE already holds the database's write lock.
        DbConnection::Sqlite(_) => query.first(conn),
    }
}

fn save_head(conn: &mut DbConnection, name: &str, seq: i64, hash: &str) -> QueryResult<()> {
    diesel::update(ledger_heads::table.find(name.to_string()))
        .set((
            ledger_heads::last_seq.eq(seq),
            ledger_heads::last_hash.eq(hash),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Seals everything committed so far: events first, then the audit log.
pub fn seal_all(conn: &mut DbConnection) -> QueryResult<usize> {
    Ok(seal_events(conn)? + seal_audit(conn)?)
}

/// Gives committed events their sequence numbers; returns how many were sealed.
pub fn seal_events(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let sealed = write_transaction(conn, |conn| {
            let (mut seq, _) = lock_head(conn, EVENTS)?;
            let ids: Vec<String> = domain_events::table
                .filter(domain_events::seq.is_null())
                .order(domain_events::id.asc())
                .select(domain_events::id)
                .limit(BATCH)
                .load(conn)?;
            for id in &ids {
                seq += 1;
                diesel::update(domain_events::table.find(id))
                    .set(domain_events::seq.eq(seq))
                    .execute(conn)?;
            }
            if !ids.is_empty() {
                save_head(conn, EVENTS, seq, "")?;
            }
            Ok::<_, diesel::result::Error>(ids.len())
        })?;
        total += sealed;
        if (sealed as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// Numbers and chains committed audit entries; returns how many were sealed.
pub fn seal_audit(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let sealed = write_transaction(conn, |conn| {
            let (mut seq, mut prev) = lock_head(conn, AUDIT)?;
            let rows: Vec<AuditRow> = audit_events::table
                .filter(audit_events::seq.is_null())
                .order(audit_events::id.asc())
                .select(AuditRow::as_select())
                .limit(BATCH)
                .load(conn)?;
            for row in &rows {
                seq += 1;
                let hash = entry_hash(&prev, seq, row);
                diesel::update(audit_events::table.find(&row.id))
                    .set((
                        audit_events::seq.eq(seq),
                        audit_events::prev_hash.eq(&prev),
                        audit_events::hash.eq(&hash),
                    ))
                    .execute(conn)?;
                prev = hash;
            }
            if !rows.is_empty() {
                save_head(conn, AUDIT, seq, &prev)?;
            }
            Ok::<_, diesel::result::Error>(rows.len())
        })?;
        total += sealed;
        if (sealed as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// The hash of an audit entry: SHA-256 over the previous hash, its number and every recorded field.
pub fn entry_hash(prev: &str, seq: i64, row: &AuditRow) -> String {
    let mut h = Sha256::new();
    let at = row.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
    let status = row.status.to_string();
    let seq = seq.to_string();
    let fields: [&str; 13] = [
        prev,
        &seq,
        &row.id,
        &at,
        &row.actor_sub,
        &row.actor_org,
        &row.actor_roles,
        &row.action,
        &row.method,
        &row.resource,
        row.crn.as_deref().unwrap_or(""),
        &row.request_id,
        &status,
    ];
    for field in fields {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The first entry that breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub id: Option<String>,
    pub reason: String,
}

/// The result of walking the whole audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries_checked: i64,
    pub first_broken: Option<BrokenLink>,
}

/// Walks the sealed chain from the start and reports the first entry that does not verify.
pub fn verify_audit_chain(conn: &mut DbConnection) -> QueryResult<ChainReport> {
    let (head_seq, head_hash) = ledger_heads::table
        .find(AUDIT)
        .select((ledger_heads::last_seq, ledger_heads::last_hash))
        .first::<(i64, String)>(conn)?;
    let mut prev = "0".repeat(64);
    let mut expected = 1i64;
    let broken = |seq: i64, id: Option<&str>, reason: String, checked: i64| ChainReport {
        entries_checked: checked,
        first_broken: Some(BrokenLink {
            seq,
            id: id.map(str::to_string),
            reason,
        }),
    };
    loop {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::seq.ge(expected))
            .filter(audit_events::seq.le(head_seq))
            .order(audit_events::seq.asc())
            .select(AuditRow::as_select())
            .limit(1000)
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let seq = row.seq.unwrap_or_default();
            let checked = expected - 1;
            if seq != expected {
                return Ok(broken(
                    expected,
                    None,
                    format!("entry {expected} is missing"),
                    checked,
                ));
            }
            if row.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(broken(
                    seq,
                    Some(&row.id),
                    "does not link to the previous entry".into(),
                    checked,
                ));
            }
            let hash = entry_hash(&prev, seq, row);
            if row.hash.as_deref() != Some(hash.as_str()) {
                return Ok(broken(
                    seq,
                    Some(&row.id),
                    "its content does not match its hash (altered after sealing)".into(),
                    checked,
                ));
            }
            prev = hash;
            expected += 1;
        }
    }
    let checked = expected - 1;
    if checked != head_seq {
        return Ok(broken(
            expected,
            None,
            format!("entry {expected} is missing"),
            checked,
        ));
    }
    if head_seq > 0 && prev != head_hash {
        return Ok(broken(
            head_seq,
            None,
            "the chain head does not match the last entry".into(),
            checked,
        ));
    }
    Ok(ChainReport {
        entries_checked: checked,
        first_broken: None,
    })
}
