//! The audit key: the secret, held outside the database, that seals the audit chain (HMAC-SHA256)
//! and turns a CRN into its keyed pseudonym once retention has deleted the person's case.
//!
//! The chain covers a CRN only through its pseudonym (`HMAC(key, "crn:" + crn)`), in the `crn`
//! field and wherever the CRN appears in the request path, so retention can put the pseudonym in
//! place of the CRN in a sealed entry and every link still verifies.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// What a keyed pseudonym starts with; no CRN does.
pub const PSEUDONYM_PREFIX: &str = "pseudonym:";

/// The key that seals the audit chain. Never printed.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

impl AuditKey {
    /// A key from its text (as configured or kept in the key file).
    pub fn new(secret: &str) -> Self {
        Self(secret.as_bytes().to_vec())
    }

    /// A fresh HMAC-SHA256 under this key.
    pub fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }

    /// The keyed pseudonym of a CRN: stable for one key, meaningless without it.
    pub fn pseudonym(&self, crn: &str) -> String {
        let mut mac = self.mac();
        mac.update(b"crn:");
        mac.update(crn.as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("{PSEUDONYM_PREFIX}{}", hex::encode(&digest[..16]))
    }

    /// The CRN field and path as the chain covers them: the pseudonym in place of a CRN. A row
    /// whose CRN is already a pseudonym (retention replaced it) is covered as it stands.
    pub fn sealed_view(&self, crn: Option<&str>, resource: &str) -> (String, String) {
        match crn {
            None => (String::new(), resource.to_string()),
            Some(c) if is_pseudonym(c) => (c.to_string(), resource.to_string()),
            Some(c) => {
                let p = self.pseudonym(c);
                let path = if c.is_empty() {
                    resource.to_string()
                } else {
                    resource.replace(c, &p)
                };
                (p, path)
            }
        }
    }
}

/// Whether a stored CRN is a keyed pseudonym (retention replaced the CRN).
pub fn is_pseudonym(crn: &str) -> bool {
    crn.starts_with(PSEUDONYM_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pseudonym_is_stable_per_key_and_differs_between_keys() {
        let a = AuditKey::new("key-a");
        let b = AuditKey::new("key-b");
        assert_eq!(a.pseudonym("X123456"), a.pseudonym("X123456"));
        assert_ne!(a.pseudonym("X123456"), b.pseudonym("X123456"));
        assert_ne!(a.pseudonym("X123456"), a.pseudonym("X123457"));
        assert!(is_pseudonym(&a.pseudonym("X123456")));
        assert!(!is_pseudonym("X123456"));
        assert_eq!(format!("{a:?}"), "AuditKey([redacted])");
    }

    #[test]
    fn the_sealed_view_is_the_same_before_and_after_the_crn_is_replaced() {
        let key = AuditKey::new("k");
        let p = key.pseudonym("X123456");
        let before = key.sealed_view(Some("X123456"), "/api/v1/people/X123456/risk");
        let after = key.sealed_view(Some(&p), &format!("/api/v1/people/{p}/risk"));
        assert_eq!(before, after);
        assert_eq!(
            key.sealed_view(None, "/api/v1/organisations"),
            (String::new(), "/api/v1/organisations".to_string())
        );
    }
}
