//! Secret files the service keeps for itself (the embedded default's JWT secret, the audit key):
//! read when present, refused when others may read them, created with a random secret (mode
//! 0600) on first start.

use super::Secret;
use std::io::Write;
use std::path::Path;

/// The secret in `path` (checked by `check`, which says what is wrong with it), or a new random
/// one written there when the file is absent. `what` names the file in every error.
pub fn load_or_create(
    path: &Path,
    what: &str,
    check: &dyn Fn(&str) -> Result<(), String>,
) -> Result<Secret, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            refuse_shared(path, what)?;
            check(text.trim()).map_err(|why| format!("{what} {}: {why}", path.display()))?;
            return Ok(Secret::new(text.trim()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {what} {}: {e}", path.display())),
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
                .map_err(|e| format!("cannot write {what} {}: {e}", path.display()))?;
            Ok(Secret::new(secret))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load_or_create(path, what, check)
        }
        Err(e) => Err(format!("cannot create {what} {}: {e}", path.display())),
    }
}

/// Refuses a secret file its group or others may read or write.
fn refuse_shared(path: &Path, what: &str) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{what} {} is readable by others or its group (mode {:o}); run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}
