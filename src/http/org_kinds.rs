//! The kinds of organisations already read from the database, kept per instance.
//!
//! Every request on case data resolves the caller's organisation. Organisations are only ever
//! registered (never renamed, re-kinded or removed), so a kind once read stays true and the
//! lookup can be skipped; a code not found is not remembered, so an organisation registered
//! through another instance is seen at once.

use crate::domain::OrgKind;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Debug, Default, Clone)]
pub struct OrgKinds(Arc<RwLock<HashMap<String, OrgKind>>>);

impl OrgKinds {
    pub fn get(&self, code: &str) -> Option<OrgKind> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(code)
            .copied()
    }

    pub fn remember(&self, code: &str, kind: OrgKind) {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(code.to_string(), kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_read_once_is_remembered_and_unknown_codes_are_not() {
        let kinds = OrgKinds::default();
        assert_eq!(kinds.get("PDU-CAMBS"), None);
        kinds.remember("PDU-CAMBS", OrgKind::Probation);
        assert_eq!(kinds.get("PDU-CAMBS"), Some(OrgKind::Probation));
        assert_eq!(kinds.clone().get("MIND-CAMBS"), None);
    }
}
