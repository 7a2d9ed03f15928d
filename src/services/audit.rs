//! Audit log use cases: reading the sealed, keyed hash chain (scoped to what the auditor's
//! organisation may see) and verifying the chain.

use crate::db::audit::{self as rows, AuditFilter, AuditRow};
use crate::db::ledger::{self, ChainReport};
use crate::domain::audit_key::AuditKey;
use crate::error::ApiError;
use crate::work::Work;

/// Sealed entries matching `filter` after sequence number `after`, in chain order, `limit` at
/// most. Auditors of the operator's organisation (`platform_org`) see everything; other
/// organisations' auditors see what their own staff did, whatever `filter.actor_org` says.
pub fn list(
    w: &mut Work,
    key: &AuditKey,
    platform_org: &str,
    mut filter: AuditFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, ApiError> {
    filter.actor_org = (w.me.org() != platform_org).then(|| w.me.org().to_string());
    ledger::seal_audit(w.conn, key)?;
    Ok(rows::list(w.conn, &filter, after, limit)?)
}

/// Seals what is committed, then walks the whole chain.
pub fn verify(w: &mut Work, key: &AuditKey) -> Result<ChainReport, ApiError> {
    ledger::seal_audit(w.conn, key)?;
    Ok(ledger::verify_audit_chain(w.conn, key)?)
}
