//! The audit key's source: `RARLINK_AUDIT_KEY`, or a key file (generated on first start, like the
//! JWT secret, readable by its owner only). The key never lives in the database it protects.

use super::{DatabaseTarget, Env, Secret};
use crate::domain::audit_key::AuditKey;
use std::path::{Path, PathBuf};

/// Where the audit key comes from.
#[derive(Clone, Debug)]
pub struct AuditKeySource {
    /// `RARLINK_AUDIT_KEY`, when set.
    pub secret: Option<Secret>,
    /// Otherwise this file (`RARLINK_AUDIT_KEY_FILE`; default beside the SQLite file, or
    /// `rarlink.audit-key`), created with a random key when absent.
    pub file: PathBuf,
}

impl AuditKeySource {
    /// A fixed key (tests, tools).
    pub fn fixed(secret: &str) -> Self {
        Self {
            secret: Some(Secret::new(secret)),
            file: PathBuf::from("unused"),
        }
    }

    /// The key: the configured one, or the file's (created when absent).
    pub fn load(&self) -> Result<AuditKey, String> {
        match &self.secret {
            Some(s) => Ok(AuditKey::new(s.expose())),
            None => load_or_create(&self.file).map(|s| AuditKey::new(s.expose())),
        }
    }
}

pub(super) fn audit_key_source(
    env: &dyn Env,
    file_key: &Option<String>,
    file_path: &Option<String>,
    database: Option<&DatabaseTarget>,
    errors: &mut Vec<String>,
) -> AuditKeySource {
    let secret = env.get("RARLINK_AUDIT_KEY").or_else(|| file_key.clone());
    if let Some(s) = &secret {
        if s.len() < 32 {
            errors.push("RARLINK_AUDIT_KEY must be at least 32 characters".into());
        } else if s.chars().all(|c| s.starts_with(c)) {
            errors.push("RARLINK_AUDIT_KEY must not be one character repeated".into());
        }
    }
    let default_file = match database {
        Some(DatabaseTarget::Sqlite { path }) => {
            let mut name = path.as_os_str().to_owned();
            name.push(".audit-key");
            PathBuf::from(name)
        }
        _ => PathBuf::from("rarlink.audit-key"),
    };
    AuditKeySource {
        secret: secret.map(Secret::new),
        file: env
            .get("RARLINK_AUDIT_KEY_FILE")
            .or_else(|| file_path.clone())
            .map(PathBuf::from)
            .unwrap_or(default_file),
    }
}

/// The key file's key, or a new one written there on first start.
fn load_or_create(path: &Path) -> Result<Secret, String> {
    super::secret_file::load_or_create(path, "audit key file", &|key| {
        if key.len() < 32 {
            return Err("the key is shorter than 32 characters".into());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_created_owner_only_and_read_back() {
        let path = std::env::temp_dir().join(format!("rarlink-{}.audit-key", uuid::Uuid::new_v4()));
        let source = AuditKeySource {
            secret: None,
            file: path.clone(),
        };
        let first = source.load().unwrap();
        let again = source.load().unwrap();
        assert_eq!(first.pseudonym("X1"), again.pseudonym("X1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(source.load().unwrap_err().contains("readable by others"));
        }
        std::fs::remove_file(path).unwrap();
    }
}
