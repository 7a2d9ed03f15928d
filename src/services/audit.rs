//! Audit log use cases: reading the sealed, keyed hash chain (scoped to what the auditor's
//! organisation may see) and verifying the chain.

use crate::db::audit::{self as rows, AuditFilter, AuditRow};
use crate::db::ledger::{self, ChainReport};
use crate::domain::audit_key::AuditKey;
use crate::error::ApiError;
use crate::work::Work;

/// Sealed entries matching `filter` after sequence number `after`, in chain order, `limit` at
/// most. Auditors of the operator's organisation (`platform_org`) see everything; other
/// organisations' auditors see what their own staff did and everything done to the people their
/// organisation manages (by anyone), whatever `filter.actor_org` says.
pub fn list(
    w: &mut Work,
    key: &AuditKey,
    platform_org: &str,
    mut filter: AuditFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, ApiError> {
    filter.actor_org = (w.me.org() != platform_org).then(|| w.me.org().to_string());
    w.seal(|c| ledger::seal_audit(c, key))?;
    Ok(rows::list(w.conn, &filter, after, limit)?)
}

/// Seals what is committed, then walks the whole chain: the platform's auditors only, as the
/// walk reads every organisation's entries and costs a pass over the whole log.
pub fn verify(w: &mut Work, platform_org: &str, key: &AuditKey) -> Result<ChainReport, ApiError> {
    if w.me.org() != platform_org {
        return Err(ApiError::Forbidden(
            "only auditors of the operator's organisation verify the whole chain".into(),
        ));
    }
    w.seal(|c| ledger::seal_audit(c, key))?;
    Ok(ledger::verify_audit_chain(w.conn, key)?)
}
