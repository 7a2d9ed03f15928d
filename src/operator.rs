//! Operator commands behind the command line: exporting the audit chain, verifying it from the
//! database or independently from an export, and retention (dry run or apply).
//!
//! An export is JSON Lines: one audit entry per line, exactly as `GET /api/v1/audit-events`
//! returns its `items`, in chain order. `verify --from-export` also reads a JSON array of entries
//! or saved pages of that endpoint (`{"items": [...]}`), so an auditor can check what the API
//! gave them with nothing but the file and the audit key.

use crate::api::audit::AuditEntry;
use crate::db::audit::AuditRow;
use crate::db::chain::{ChainReport, ChainWalk};
use crate::db::{ledger, DbConnection};
use crate::domain::audit_key::AuditKey;
use crate::error::ApiError;
use crate::http::AppState;
use crate::services::retention::{self, Deleted, Due};
use std::io::Write;

/// Writes every sealed entry (after sealing what is committed) as JSON Lines; returns how many.
pub fn export_audit(
    conn: &mut DbConnection,
    key: &AuditKey,
    out: &mut dyn Write,
) -> Result<usize, ApiError> {
    ledger::seal_audit(conn, key)?;
    let mut after = 0;
    let mut count = 0;
    loop {
        let rows = ledger::sealed_after(conn, after, 1000)?;
        let Some(last) = rows.last() else {
            return Ok(count);
        };
        after = last.seq.unwrap_or(after + 1);
        for row in rows {
            let entry = AuditEntry::try_from(row)?;
            let line = serde_json::to_string(&entry)
                .map_err(|e| ApiError::internal_from("serialising an audit entry", e))?;
            writeln!(out, "{line}")
                .map_err(|e| ApiError::internal_from("writing the export", e))?;
            count += 1;
        }
    }
}

/// The entries of an export: JSON Lines of entries, a JSON array of them, or saved pages.
pub fn read_export(text: &str) -> Result<Vec<AuditEntry>, String> {
    let mut entries = Vec::new();
    for (i, value) in serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .enumerate()
    {
        let value = value.map_err(|e| format!("export value {}: {e}", i + 1))?;
        let items = match value {
            serde_json::Value::Array(items) => items,
            serde_json::Value::Object(mut page) if page.contains_key("items") => {
                match page.remove("items") {
                    Some(serde_json::Value::Array(items)) => items,
                    _ => return Err(format!("export value {}: items is not a list", i + 1)),
                }
            }
            entry => vec![entry],
        };
        for item in items {
            entries.push(
                serde_json::from_value::<AuditEntry>(item)
                    .map_err(|e| format!("export value {}: not an audit entry: {e}", i + 1))?,
            );
        }
    }
    Ok(entries)
}

fn row_of(e: AuditEntry) -> AuditRow {
    AuditRow {
        id: e.id.to_string(),
        seq: Some(e.sequence),
        at: e.at.naive_utc(),
        actor_sub: e.actor.sub,
        actor_org: e.actor.org,
        actor_roles: e.actor.roles.join(","),
        action: e.action,
        method: e.method,
        resource: e.resource,
        crn: e.crn,
        request_id: e.request_id,
        status: e.status,
        prev_hash: Some(e.prev_hash),
        hash: Some(e.hash),
    }
}

/// Verifies a run of exported entries under the key: from entry 1, or, for a segment, from its
/// first entry's `prevHash`. (A file cannot show that entries after its last one were removed;
/// compare its last sequence number with the live chain's.)
pub fn verify_export(entries: Vec<AuditEntry>, key: &AuditKey) -> ChainReport {
    let mut entries = entries.into_iter().map(row_of).peekable();
    let (first, prev) = match entries.peek() {
        Some(r) => (r.seq.unwrap_or(1), r.prev_hash.clone().unwrap_or_default()),
        None => (1, crate::db::chain::genesis()),
    };
    let mut walk = ChainWalk::after(key, first, prev);
    for row in entries {
        if let Err(broken) = walk.check(&row) {
            return walk.report(Some(broken));
        }
    }
    walk.report(None)
}

/// What retention found or did.
#[derive(Debug, Clone)]
pub enum RetentionRun {
    DryRun(Vec<Due>),
    Applied(Vec<Deleted>),
}

/// Retention on the app's clock, key and settings: lists what would go, or deletes it.
pub async fn retention(state: &AppState, apply: bool) -> Result<RetentionRun, ApiError> {
    let now = state.clock.now();
    let years = state.settings.retention_years;
    let key = state.audit_key.clone();
    let operator = state.settings.platform_org.clone();
    state
        .db
        .run(move |conn| {
            Ok(if apply {
                RetentionRun::Applied(retention::apply(conn, &key, now, years, &operator)?)
            } else {
                RetentionRun::DryRun(retention::due(conn, now, years)?)
            })
        })
        .await
}
