//! The caller with its organisation resolved: what every use case checks "who may" against.

use crate::auth::{Caller, Role};
use crate::db::Scope;
use crate::domain::OrgKind;

/// The caller with its organisation resolved against the database.
#[derive(Debug, Clone)]
pub struct Principal {
    pub caller: Caller,
    /// `None` only for callers whose permission does not involve case data (admin, auditor).
    pub org_kind: Option<OrgKind>,
}

impl Principal {
    pub fn org(&self) -> &str {
        &self.caller.org
    }
    pub fn sub(&self) -> &str {
        &self.caller.sub
    }
    pub fn is_probation(&self) -> bool {
        self.org_kind == Some(OrgKind::Probation)
    }
    pub fn is_provider(&self) -> bool {
        self.org_kind == Some(OrgKind::Provider)
    }
    pub fn has(&self, role: Role) -> bool {
        self.caller.has(role)
    }
    /// Whose rows the caller's scoped queries may return.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            org: &self.caller.org,
            kind: self.org_kind,
        }
    }
}
