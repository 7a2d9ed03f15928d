//! The audit hash chain: how an entry is hashed (HMAC-SHA256 under the audit key; plain SHA-256
//! for the legacy segment sealed before the key existed) and the walk that verifies a run of
//! entries, from the database or from an export.
//!
//! A keyed hash is written `hmac:<64 hex>`; a legacy one is 64 hex digits. The legacy segment is
//! the run of entries at the start of the chain sealed before this version: once a keyed entry
//! appears, an unkeyed one after it is a break (nobody can re-seal an altered entry without the
//! key by falling back to plain SHA-256). A legacy entry covers its CRN as it was, so a legacy
//! entry whose CRN retention replaced by the pseudonym is checked by its link only.

use super::audit::AuditRow;
use crate::domain::audit_key::{is_pseudonym, AuditKey};
use hmac::Mac;
use sha2::{Digest, Sha256};

/// What a keyed hash starts with.
pub const KEYED_PREFIX: &str = "hmac:";

/// The `prev_hash` of the first entry.
pub fn genesis() -> String {
    "0".repeat(64)
}

/// The fields an entry's hash covers, in order (`crn` and `resource` as given).
fn fields<'a>(
    prev: &'a str,
    seq: &'a str,
    at: &'a str,
    status: &'a str,
    crn: &'a str,
    resource: &'a str,
    row: &'a AuditRow,
) -> [&'a str; 13] {
    [
        prev,
        seq,
        &row.id,
        at,
        &row.actor_sub,
        &row.actor_org,
        &row.actor_roles,
        &row.action,
        &row.method,
        resource,
        crn,
        &row.request_id,
        status,
    ]
}

fn stamp(row: &AuditRow) -> String {
    row.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The keyed hash of an entry: HMAC-SHA256 under the audit key over the previous hash, its
/// number and every recorded field, each length-prefixed, with the CRN (in its field and in the
/// path) replaced by its keyed pseudonym.
pub fn entry_hash(key: &AuditKey, prev: &str, seq: i64, row: &AuditRow) -> String {
    let (crn, resource) = key.sealed_view(row.crn.as_deref(), &row.resource);
    let (at, status, seq) = (stamp(row), row.status.to_string(), seq.to_string());
    let mut mac = key.mac();
    for field in fields(prev, &seq, &at, &status, &crn, &resource, row) {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    format!("{KEYED_PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// The unkeyed hash entries were sealed with before the audit key: SHA-256 over the same fields,
/// the CRN as stored.
pub fn legacy_entry_hash(prev: &str, seq: i64, row: &AuditRow) -> String {
    let (at, status, seq) = (stamp(row), row.status.to_string(), seq.to_string());
    let crn = row.crn.as_deref().unwrap_or("");
    let mut h = Sha256::new();
    for field in fields(prev, &seq, &at, &status, crn, &row.resource, row) {
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

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries_checked: i64,
    /// Entries of the legacy (unkeyed) segment at the start of the chain.
    pub legacy_entries: i64,
    pub first_broken: Option<BrokenLink>,
}

/// Walks entries in chain order, starting at `expected` after `prev`.
pub struct ChainWalk<'k> {
    key: &'k AuditKey,
    pub prev: String,
    pub expected: i64,
    keyed_started: bool,
    legacy: i64,
    checked: i64,
}

impl<'k> ChainWalk<'k> {
    /// A walk from the start of the chain.
    pub fn from_start(key: &'k AuditKey) -> Self {
        Self::after(key, 1, genesis())
    }

    /// A walk of a segment starting at entry `first`, whose predecessor's hash is `prev`.
    pub fn after(key: &'k AuditKey, first: i64, prev: String) -> Self {
        Self {
            key,
            prev,
            expected: first,
            keyed_started: false,
            legacy: 0,
            checked: 0,
        }
    }

    /// Checks the next entry; the error names the first break.
    pub fn check(&mut self, row: &AuditRow) -> Result<(), BrokenLink> {
        let seq = row.seq.unwrap_or_default();
        let broken = |reason: String| BrokenLink {
            seq,
            id: Some(row.id.clone()),
            reason,
        };
        if seq != self.expected {
            return Err(BrokenLink {
                seq: self.expected,
                id: None,
                reason: format!("entry {} is missing", self.expected),
            });
        }
        if row.prev_hash.as_deref() != Some(self.prev.as_str()) {
            return Err(broken("does not link to the previous entry".into()));
        }
        let stored = row.hash.as_deref().unwrap_or("");
        let altered =
            || broken("its content does not match its hash (altered after sealing)".into());
        if stored.starts_with(KEYED_PREFIX) {
            self.keyed_started = true;
            if entry_hash(self.key, &self.prev, seq, row) != stored {
                return Err(altered());
            }
        } else {
            if self.keyed_started {
                return Err(broken(
                    "an unkeyed entry after the keyed chain began (re-sealed without the audit key)"
                        .into(),
                ));
            }
            let pseudonymised = row.crn.as_deref().is_some_and(is_pseudonym);
            if !pseudonymised && legacy_entry_hash(&self.prev, seq, row) != stored {
                return Err(altered());
            }
            self.legacy += 1;
        }
        self.prev = stored.to_string();
        self.expected += 1;
        self.checked += 1;
        Ok(())
    }

    /// The report after the entries checked, with the break if there was one.
    pub fn report(&self, first_broken: Option<BrokenLink>) -> ChainReport {
        ChainReport {
            entries_checked: self.checked,
            legacy_entries: self.legacy,
            first_broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn row(seq: i64, crn: Option<&str>, resource: &str) -> AuditRow {
        AuditRow {
            id: format!("id-{seq}"),
            seq: Some(seq),
            at: NaiveDate::from_ymd_opt(2026, 3, 2)
                .unwrap()
                .and_hms_micro_opt(9, 0, 0, 123_456)
                .unwrap(),
            actor_sub: "jsmith".into(),
            actor_org: "PDU-CAMBS".into(),
            actor_roles: "probation_practitioner".into(),
            action: "person.read".into(),
            method: "GET".into(),
            resource: resource.into(),
            crn: crn.map(str::to_string),
            request_id: "r".into(),
            status: 200,
            prev_hash: None,
            hash: None,
        }
    }

    /// Seals rows in order: legacy ones first, then keyed ones.
    fn seal(key: &AuditKey, rows: &mut [AuditRow], legacy: usize) {
        let mut prev = genesis();
        for (i, r) in rows.iter_mut().enumerate() {
            let seq = r.seq.unwrap();
            let hash = if i < legacy {
                legacy_entry_hash(&prev, seq, r)
            } else {
                entry_hash(key, &prev, seq, r)
            };
            r.prev_hash = Some(std::mem::replace(&mut prev, hash.clone()));
            r.hash = Some(hash);
        }
    }

    fn walk(key: &AuditKey, rows: &[AuditRow]) -> ChainReport {
        let mut w = ChainWalk::from_start(key);
        for r in rows {
            if let Err(b) = w.check(r) {
                return w.report(Some(b));
            }
        }
        w.report(None)
    }

    fn case_rows() -> Vec<AuditRow> {
        vec![
            row(1, Some("X123456"), "/api/v1/people/X123456"),
            row(2, None, "/api/v1/organisations"),
            row(3, Some("X123456"), "/api/v1/people/X123456/risk"),
            row(4, Some("X999999"), "/api/v1/people/X999999"),
        ]
    }

    #[test]
    fn a_keyed_chain_verifies_and_still_verifies_after_a_crn_is_pseudonymised() {
        let key = AuditKey::new("audit-key");
        let mut rows = case_rows();
        seal(&key, &mut rows, 1);
        assert_eq!(walk(&key, &rows).first_broken, None);
        assert_eq!(walk(&key, &rows).legacy_entries, 1);
        let p = key.pseudonym("X123456");
        for r in rows.iter_mut().skip(1) {
            if r.crn.as_deref() == Some("X123456") {
                r.resource = r.resource.replace("X123456", &p);
                r.crn = Some(p.clone());
            }
        }
        let report = walk(&key, &rows);
        assert_eq!(report.first_broken, None, "{report:?}");
        assert_eq!(report.entries_checked, 4);
    }

    #[test]
    fn tampering_a_wrong_key_or_a_downgrade_breaks_the_chain() {
        let key = AuditKey::new("audit-key");
        let mut rows = case_rows();
        seal(&key, &mut rows, 0);
        let mut altered = rows.clone();
        altered[2].actor_sub = "someone-else".into();
        assert_eq!(walk(&key, &altered).first_broken.unwrap().seq, 3);
        assert_eq!(
            walk(&AuditKey::new("other"), &rows)
                .first_broken
                .unwrap()
                .seq,
            1
        );
        // Re-sealing the altered entry and all after it without the key (plain SHA-256).
        let mut downgraded = rows.clone();
        downgraded[2].actor_sub = "someone-else".into();
        let mut prev = downgraded[1].hash.clone().unwrap();
        for r in downgraded.iter_mut().skip(2) {
            let h = legacy_entry_hash(&prev, r.seq.unwrap(), r);
            r.prev_hash = Some(std::mem::replace(&mut prev, h.clone()));
            r.hash = Some(h);
        }
        let broken = walk(&key, &downgraded).first_broken.unwrap();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("unkeyed"), "{broken:?}");
        let mut missing = rows.clone();
        missing.remove(1);
        assert_eq!(walk(&key, &missing).first_broken.unwrap().seq, 2);
    }
}
