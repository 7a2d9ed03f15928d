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
                if let Err(why) = strong_secret(s) {
                    errors.push(format!("RARLINK_JWT_SECRET {why}"));
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

/// The fewest different characters an HS256 secret may use.
const MIN_DISTINCT_CHARS: usize = 8;
/// The least entropy an HS256 secret may carry, estimated from its characters' frequencies.
const MIN_ENTROPY_BITS: f64 = 100.0;

/// Refuses a shared secret that is short or guessable: fewer than 32 characters, fewer than
/// 8 different ones (`aaaa…`, `abab…`), or under 100 bits by the frequency of its characters
/// (the generated default is 64 hex digits: 256 bits of randomness).
pub fn strong_secret(secret: &str) -> Result<(), String> {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 32 {
        return Err("must be at least 32 characters".into());
    }
    let mut counts = std::collections::HashMap::new();
    for c in &chars {
        *counts.entry(*c).or_insert(0usize) += 1;
    }
    let n = chars.len() as f64;
    let bits: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2() * n
        })
        .sum();
    if counts.len() < MIN_DISTINCT_CHARS || bits < MIN_ENTROPY_BITS {
        return Err(format!(
            "is too easy to guess ({} different characters, about {bits:.0} bits); use at \
             least {MIN_DISTINCT_CHARS} different characters and {MIN_ENTROPY_BITS:.0} bits, \
             e.g. `openssl rand -hex 32`",
            counts.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::strong_secret;

    #[test]
    fn short_repetitive_or_low_entropy_secrets_are_refused() {
        let cases: &[(&str, bool)] = &[
            ("short", false),
            (&"a".repeat(32), false),
            (&"ab".repeat(16), false),
            (&"abcd".repeat(16), false),
            ("0123456789abcdef0123456789abcdef", true),
            ("test-secret-test-secret-test-secret-0123", true),
            (
                "3f9a1c0e7b2d4f6a8c1e3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f2a",
                true,
            ),
        ];
        for (secret, ok) in cases {
            assert_eq!(strong_secret(secret).is_ok(), *ok, "{secret}");
        }
    }
}
