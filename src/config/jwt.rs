//! How bearer tokens are verified: HS256 with a shared secret (the embedded default), or RS256
//! and ES256 from a PEM file or JWKS; never both kinds at once.

use super::{DatabaseTarget, Env, FileConfig, Secret};
use std::path::PathBuf;

/// How bearer tokens are verified.
#[derive(Clone, Debug)]
pub enum JwtKeySource {
    /// HS256 with a shared secret: given, or generated on first start and kept in `file`.
    SharedSecret {
        secret: Option<Secret>,
        file: PathBuf,
    },
    /// RS256 or ES256 with one public key in a PEM file.
    PublicKeyPem { path: PathBuf, algorithm: AsymAlg },
    /// RS256/ES256 keys from a JWKS document, chosen by `kid`.
    Jwks { path: PathBuf },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsymAlg {
    Rs256,
    Es256,
}

#[derive(Clone, Debug)]
pub struct JwtSettings {
    pub keys: JwtKeySource,
    pub issuer: String,
    pub audience: String,
    pub leeway_secs: u64,
    /// The longest a token may live (`exp - iat`); longer ones are refused, and not minted.
    pub max_lifetime_secs: u64,
}

pub(super) fn jwt_keys(
    env: &dyn Env,
    file: &FileConfig,
    database: Option<&DatabaseTarget>,
    errors: &mut Vec<String>,
) -> Option<JwtKeySource> {
    let pick = |k: &str, v: &Option<String>| env.get(k).or_else(|| v.clone());
    let pem = pick("RARLINK_JWT_PUBLIC_KEY_FILE", &file.jwt_public_key_file);
    let jwks = pick("RARLINK_JWKS_FILE", &file.jwks_file);
    let secret = pick("RARLINK_JWT_SECRET", &file.jwt_secret);
    let algorithm = pick("RARLINK_JWT_ALGORITHM", &file.jwt_algorithm);
    match (pem, jwks) {
        (Some(_), Some(_)) => {
            errors.push("set RARLINK_JWT_PUBLIC_KEY_FILE or RARLINK_JWKS_FILE, not both".into());
            None
        }
        (Some(path), None) => {
            let algorithm = match algorithm.as_deref().unwrap_or("RS256") {
                "RS256" => AsymAlg::Rs256,
                "ES256" => AsymAlg::Es256,
                other => {
                    errors.push(format!(
                        "RARLINK_JWT_ALGORITHM must be RS256 or ES256 with a public key file, got {other:?}"
                    ));
                    return None;
                }
            };
            if secret.is_some() {
                errors.push("RARLINK_JWT_SECRET cannot be combined with a public key file: HS256 is refused when asymmetric keys are configured".into());
            }
            Some(JwtKeySource::PublicKeyPem {
                path: PathBuf::from(path),
                algorithm,
            })
        }
        (None, Some(path)) => {
            if secret.is_some() {
                errors.push("RARLINK_JWT_SECRET cannot be combined with a JWKS file: HS256 is refused when asymmetric keys are configured".into());
            }
            Some(JwtKeySource::Jwks {
                path: PathBuf::from(path),
            })
        }
        (None, None) => {
            if let Some(a) = algorithm.filter(|a| a != "HS256") {
                errors.push(format!(
                    "RARLINK_JWT_ALGORITHM {a:?} needs RARLINK_JWT_PUBLIC_KEY_FILE"
                ));
            }
            if let Some(s) = &secret {
                if s.len() < 32 {
                    errors.push("RARLINK_JWT_SECRET must be at least 32 characters".into());
                }
            }
            let default_file = match database {
                Some(DatabaseTarget::Sqlite { path }) => {
                    let mut name = path.as_os_str().to_owned();
                    name.push(".jwt-secret");
                    PathBuf::from(name)
                }
                _ => PathBuf::from("rarlink.jwt-secret"),
            };
            let file_path = pick("RARLINK_JWT_SECRET_FILE", &file.jwt_secret_file)
                .map(PathBuf::from)
                .unwrap_or(default_file);
            Some(JwtKeySource::SharedSecret {
                secret: secret.map(Secret::new),
                file: file_path,
            })
        }
    }
}
