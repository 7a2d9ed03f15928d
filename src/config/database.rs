//! The database the binary talks to, chosen from the `DATABASE_URL` scheme, and secrets that
//! must never be printed.

use std::fmt;
use std::path::PathBuf;

/// A value that must never be printed (passwords, secrets).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Which database the binary talks to, chosen from the `DATABASE_URL` scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// An embedded SQLite file (`sqlite://PATH`, `sqlite:PATH` or a plain path).
    Sqlite { path: PathBuf },
    /// A PostgreSQL server (`postgres://` or `postgresql://`).
    Postgres { url: Secret },
}

impl DatabaseTarget {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres {
                url: Secret::new(raw),
            });
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.is_empty() {
            return Err("DATABASE_URL names no SQLite file".into());
        }
        if path.contains("://") {
            return Err(format!(
                "DATABASE_URL scheme not supported (use postgres://, postgresql:// or sqlite://): {}",
                redact_url(raw)
            ));
        }
        Ok(Self::Sqlite {
            path: PathBuf::from(path),
        })
    }

    /// A printable form with any password removed.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite:{}", path.display()),
            Self::Postgres { url } => redact_url(url.expose()),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// Removes the password from `scheme://user:password@host/...`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((userinfo, host)) = rest.split_once('@') {
            let user = userinfo.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}
