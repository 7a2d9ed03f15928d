//! The audit key's source: `RARLINK_AUDIT_KEY`, or a key file (generated on first start, like the
//! JWT secret, readable by its owner only). The key never lives in the database it protects.

use super::{DatabaseTarget, Env, Secret};
use crate::domain::audit_key::AuditKey;
use std::io::Write;
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

fn load_or_create(path: &Path) -> Result<Secret, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= 32 => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)
                    .map_err(|e| format!("cannot read audit key file {}: {e}", path.display()))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(format!(
                        "audit key file {} is readable by others (mode {:o}); chmod 600 it",
                        path.display(),
                        mode & 0o777
                    ));
                }
            }
            return Ok(Secret::new(text.trim()));
        }
        Ok(_) => {
            return Err(format!(
                "audit key file {} is shorter than 32 characters",
                path.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(format!(
                "cannot read audit key file {}: {e}",
                path.display()
            ))
        }
    }
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    let secret = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes())
                .map_err(|e| format!("cannot write audit key file {}: {e}", path.display()))?;
            Ok(Secret::new(secret))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create(path),
        Err(e) => Err(format!(
            "cannot create audit key file {}: {e}",
            path.display()
        )),
    }
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
