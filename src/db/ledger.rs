//! Sequencing of the audit log and the event outbox, and the audit hash chain.
//!
//! Writers append rows without a sequence number, so concurrent requests never wait for one
//! another on a shared chain head. The sealer (run in the background and before any read of the
//! log or the events) takes the ledger head under a row lock, numbers the committed rows and, for
//! the audit log, links each to the previous one by HMAC-SHA256 under the audit key (kept
//! outside the database; see [`super::chain`]). Because numbers are handed out only to
//! rows that have committed, the event cursor is monotonic: a reader never misses an event that
//! commits late.

use super::audit::AuditRow;
use super::schema::{audit_events, domain_events, ledger_heads};
use super::{write_transaction, DbConnection};
use crate::domain::audit_key::AuditKey;
use diesel::prelude::*;

use super::chain::{entry_hash, ChainWalk};
pub use super::chain::{BrokenLink, ChainReport};

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
pub fn seal_all(conn: &mut DbConnection, key: &AuditKey) -> QueryResult<usize> {
    Ok(seal_events(conn)? + seal_audit(conn, key)?)
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
            let mut numbered = Vec::with_capacity(ids.len());
            for id in &ids {
                seq += 1;
                numbered.push(vec![Literal::Text(id), Literal::Int(seq)]);
            }
            update_many(conn, "domain_events", &["seq"], &numbered)?;
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
pub fn seal_audit(conn: &mut DbConnection, key: &AuditKey) -> QueryResult<usize> {
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
            let mut links: Vec<(String, i64, String, String)> = Vec::with_capacity(rows.len());
            for row in &rows {
                seq += 1;
                let hash = entry_hash(key, &prev, seq, row);
                let before = std::mem::replace(&mut prev, hash.clone());
                links.push((row.id.clone(), seq, before, hash));
            }
            let chained: Vec<Vec<Literal>> = links
                .iter()
                .map(|(id, seq, before, hash)| {
                    vec![
                        Literal::Text(id),
                        Literal::Int(*seq),
                        Literal::Text(before),
                        Literal::Text(hash),
                    ]
                })
                .collect();
            update_many(
                conn,
                "audit_events",
                &["seq", "prev_hash", "hash"],
                &chained,
            )?;
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

/// A value written into the SQL text of [`update_many`]: only our own ids (UUIDs), hex hashes
/// and numbers go there, and text is quoted SQL-style all the same.
enum Literal<'a> {
    Text(&'a str),
    Int(i64),
}

impl std::fmt::Display for Literal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Text(text) => write!(f, "'{}'", text.replace('\'', "''")),
            Literal::Int(n) => write!(f, "{n}"),
        }
    }
}

/// Sets `columns` on many rows, keyed by `id` (each row: its id, then one value per column), in
/// one statement per chunk instead of one per row: sealing a busy second's worth of entries is
/// then a handful of round trips. `UPDATE … FROM (VALUES …)` names the values `column1…` on
/// both SQLite and PostgreSQL.
fn update_many(
    conn: &mut DbConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Literal>],
) -> QueryResult<()> {
    for chunk in rows.chunks(200) {
        let set: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = v.column{}", i + 2))
            .collect();
        let values: Vec<String> = chunk
            .iter()
            .map(|row| {
                let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!(
            "UPDATE {table} AS t SET {} FROM (VALUES {}) AS v WHERE t.id = v.column1",
            set.join(", "),
            values.join(", ")
        );
        diesel::sql_query(sql).execute(conn)?;
    }
    Ok(())
}

/// Walks the sealed chain from the start and reports the first entry that does not verify.
pub fn verify_audit_chain(conn: &mut DbConnection, key: &AuditKey) -> QueryResult<ChainReport> {
    let (head_seq, head_hash) = ledger_heads::table
        .find(AUDIT)
        .select((ledger_heads::last_seq, ledger_heads::last_hash))
        .first::<(i64, String)>(conn)?;
    let mut walk = ChainWalk::from_start(key);
    loop {
        let rows: Vec<AuditRow> = audit_events::table
            .filter(audit_events::seq.ge(walk.expected))
            .filter(audit_events::seq.le(head_seq))
            .order(audit_events::seq.asc())
            .select(AuditRow::as_select())
            .limit(1000)
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if let Err(broken) = walk.check(row) {
                return Ok(walk.report(Some(broken)));
            }
        }
    }
    let checked = walk.expected - 1;
    if checked != head_seq {
        let missing = BrokenLink {
            seq: walk.expected,
            id: None,
            reason: format!("entry {} is missing", walk.expected),
        };
        return Ok(walk.report(Some(missing)));
    }
    if head_seq > 0 && walk.prev != head_hash {
        let head = BrokenLink {
            seq: head_seq,
            id: None,
            reason: "the chain head does not match the last entry".into(),
        };
        return Ok(walk.report(Some(head)));
    }
    Ok(walk.report(None))
}

/// Every sealed entry from `after` on, in chain order, `limit` at most (for an export).
pub fn sealed_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_events::table
        .filter(audit_events::seq.gt(after))
        .order(audit_events::seq.asc())
        .select(AuditRow::as_select())
        .limit(limit)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::Literal;

    #[test]
    fn literals_in_a_batched_update_are_quoted_sql_style() {
        assert_eq!(Literal::Text("0a1b").to_string(), "'0a1b'");
        assert_eq!(Literal::Text("it's").to_string(), "'it''s'");
        assert_eq!(Literal::Int(42).to_string(), "42");
    }
}
