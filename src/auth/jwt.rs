//! Bearer-token verification (algorithms pinned by configuration) and token minting for the embedded default.

use super::{Caller, Role};
use crate::config::{AsymAlg, JwtKeySource, JwtSettings, Secret};
use crate::error::ApiError;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The claims rarlink reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The person's e-mail address, when the identity provider sends one (learnt into the
    /// staff directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub org: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub iss: String,
    /// One audience, or several (as many identity providers send); it must include ours.
    pub aud: Audience,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    pub iat: u64,
}

/// The `aud` claim: one string or an array of them (RFC 7519 §4.1.3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The `typ` header values accepted when present (RFC 8725 §3.11; RFC 9068 access tokens).
fn typ_accepted(typ: &str) -> bool {
    ["JWT", "at+jwt", "application/at+jwt"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(typ))
}

enum Keys {
    /// HS256 with the shared secret (bytes kept to mint tokens too).
    Shared {
        decoding: DecodingKey,
        secret: Secret,
    },
    Single {
        key: DecodingKey,
        algorithm: Algorithm,
    },
    /// Keys by `kid`, each with the one algorithm it may verify.
    Jwks(HashMap<String, (DecodingKey, Algorithm)>),
}

/// Verifies bearer tokens against the configured keys.
pub struct Authenticator {
    keys: Keys,
    issuer: String,
    audience: String,
    leeway: u64,
    max_lifetime: u64,
}

impl Authenticator {
    /// Loads keys as configured; for the embedded default, reads or creates the secret file.
    pub fn from_settings(settings: &JwtSettings) -> Result<Self, String> {
        let keys = match &settings.keys {
            JwtKeySource::SharedSecret { secret, file } => {
                let secret = match secret {
                    Some(s) => s.clone(),
                    None => load_or_create_secret(file)?,
                };
                Keys::Shared {
                    decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
                    secret,
                }
            }
            JwtKeySource::PublicKeyPem { path, algorithm } => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read JWT public key {}: {e}", path.display()))?;
                let (key, algorithm) = match algorithm {
                    AsymAlg::Rs256 => (DecodingKey::from_rsa_pem(&pem), Algorithm::RS256),
                    AsymAlg::Es256 => (DecodingKey::from_ec_pem(&pem), Algorithm::ES256),
                };
                let key = key.map_err(|e| {
                    format!(
                        "JWT public key {} is not a valid {algorithm:?} PEM key: {e}",
                        path.display()
                    )
                })?;
                Keys::Single { key, algorithm }
            }
            JwtKeySource::Jwks { path } => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read JWKS file {}: {e}", path.display()))?;
                Keys::Jwks(parse_jwks(&text)?)
            }
        };
        Ok(Self {
            keys,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway_secs,
            max_lifetime: settings.max_lifetime_secs,
        })
    }

    /// Verifies `Authorization: Bearer <token>` and returns the caller.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let header = authorization.ok_or_else(|| {
            ApiError::Unauthenticated("an Authorization: Bearer token is required".into())
        })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the Authorization header must be 'Bearer <token>'".into(),
                )
            })?;
        let claims = self.verify(token)?;
        let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
        if claims.sub.trim().is_empty() || claims.org.trim().is_empty() {
            return Err(ApiError::Unauthenticated(
                "the token must carry non-empty sub and org claims".into(),
            ));
        }
        Ok(Caller {
            sub: claims.sub,
            name: claims.name,
            email: claims.email,
            org: claims.org,
            roles,
        })
    }

    fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = |why: &str| ApiError::Unauthenticated(format!("invalid token: {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed"))?;
        let (key, algorithm) = match &self.keys {
            Keys::Shared { decoding, .. } => (decoding, Algorithm::HS256),
            Keys::Single { key, algorithm } => (key, *algorithm),
            Keys::Jwks(keys) => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| invalid("no kid in the header"))?;
                let (key, algorithm) = keys.get(kid).ok_or_else(|| invalid("unknown kid"))?;
                (key, *algorithm)
            }
        };
        if header.alg != algorithm {
            return Err(invalid("algorithm not accepted"));
        }
        if header.typ.as_deref().is_some_and(|typ| !typ_accepted(typ)) {
            return Err(invalid("typ must be JWT or at+jwt"));
        }
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => invalid("expired"),
                    ErrorKind::ImmatureSignature => invalid("not yet valid"),
                    ErrorKind::InvalidIssuer => invalid("wrong issuer"),
                    ErrorKind::InvalidAudience => invalid("wrong audience"),
                    ErrorKind::InvalidSignature => invalid("bad signature"),
                    ErrorKind::MissingRequiredClaim(c) => invalid(&format!("missing claim {c}")),
                    _ => invalid("cannot be verified"),
                }
            })?;
        if claims.exp.saturating_sub(claims.iat) > self.max_lifetime {
            return Err(invalid(&format!(
                "it lives longer than the {} s this service accepts",
                self.max_lifetime
            )));
        }
        Ok(claims)
    }

    /// Mints a token for the embedded default (HS256 only).
    pub fn mint(&self, request: &TokenRequest, now_epoch: u64) -> Result<String, String> {
        let secret = match &self.keys {
            Keys::Shared { secret, .. } => secret,
            _ => {
                return Err(
                    "tokens can only be minted with the embedded HS256 secret; asymmetric keys are configured, so tokens come from your identity provider".into(),
                )
            }
        };
        if request.ttl_secs > self.max_lifetime {
            return Err(format!(
                "a token may live at most {} s here (RARLINK_JWT_MAX_LIFETIME_SECS); ask for less",
                self.max_lifetime
            ));
        }
        let claims = Claims {
            sub: request.sub.clone(),
            name: request.name.clone(),
            email: None,
            org: request.org.clone(),
            roles: request
                .roles
                .iter()
                .map(|r| r.as_str().to_string())
                .collect(),
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            exp: now_epoch + request.ttl_secs,
            nbf: Some(now_epoch),
            iat: now_epoch,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.expose().as_bytes()),
        )
        .map_err(|e| format!("cannot sign token: {e}"))
    }
}

/// What `rarlink token` asks for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub sub: String,
    pub name: Option<String>,
    pub org: String,
    pub roles: Vec<Role>,
    pub ttl_secs: u64,
}

fn parse_jwks(text: &str) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
    let set: JwkSet =
        serde_json::from_str(text).map_err(|e| format!("JWKS file is not a valid JWK set: {e}"))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let kid = jwk
            .common
            .key_id
            .clone()
            .ok_or("every key in the JWKS file needs a kid")?;
        let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
            (AlgorithmParameters::EllipticCurve(_), None | Some(KeyAlgorithm::ES256)) => {
                Algorithm::ES256
            }
            _ => {
                return Err(format!(
                    "JWKS key {kid}: only RS256 (RSA) and ES256 (P-256) keys are accepted"
                ))
            }
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWKS key {kid}: {e}"))?;
        keys.insert(kid, (key, algorithm));
    }
    if keys.is_empty() {
        return Err("the JWKS file holds no keys".into());
    }
    Ok(keys)
}

/// Reads the embedded default's secret, or creates it (mode 0600) on first start.
fn load_or_create_secret(path: &Path) -> Result<Secret, String> {
    crate::config::load_or_create_secret_file(path, "JWT secret file", &|secret| {
        crate::config::strong_secret(secret).map_err(|why| format!("the secret {why}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            keys: JwtKeySource::SharedSecret {
                secret: Some(Secret::new(secret)),
                file: PathBuf::from("unused"),
            },
            issuer: "rarlink".into(),
            audience: "rarlink".into(),
            leeway_secs: 0,
            max_lifetime_secs: 12 * 3600,
        }
    }

    /// A token signed with `secret`, with the claims and `typ` a case asks for.
    fn signed(secret: &str, typ: Option<&str>, aud: serde_json::Value, lifetime: u64) -> String {
        let now = now();
        let claims = serde_json::json!({
            "sub": "jsmith", "org": "PDU-CAMBS", "roles": ["probation_practitioner"],
            "iss": "rarlink", "aud": aud, "iat": now, "nbf": now, "exp": now + lifetime,
        });
        let mut header = Header::new(Algorithm::HS256);
        header.typ = typ.map(str::to_string);
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn typ_audience_and_lifetime_are_checked_as_rfc_8725_advises() {
        let secret = "k".repeat(40);
        let auth = Authenticator::from_settings(&settings(&secret)).unwrap();
        let cases = [
            ("typ JWT", Some("JWT"), json!("rarlink"), 3600, true),
            ("typ at+jwt", Some("at+jwt"), json!("rarlink"), 3600, true),
            ("no typ", None, json!("rarlink"), 3600, true),
            (
                "typ of another kind",
                Some("dpop+jwt"),
                json!("rarlink"),
                3600,
                false,
            ),
            (
                "aud array with ours",
                Some("JWT"),
                json!(["other", "rarlink"]),
                3600,
                true,
            ),
            (
                "aud array without ours",
                Some("JWT"),
                json!(["other"]),
                3600,
                false,
            ),
            (
                "twelve hours",
                Some("JWT"),
                json!("rarlink"),
                12 * 3600,
                true,
            ),
            ("a day", Some("JWT"), json!("rarlink"), 24 * 3600, false),
        ];
        for (case, typ, aud, lifetime, accepted) in cases {
            let token = signed(&secret, typ, aud, lifetime);
            let outcome = auth.authenticate(Some(&format!("Bearer {token}")));
            assert_eq!(outcome.is_ok(), accepted, "{case}: {outcome:?}");
        }
    }

    #[test]
    fn the_cli_mints_no_token_longer_than_the_service_accepts() {
        let auth = Authenticator::from_settings(&settings(&"k".repeat(40))).unwrap();
        let mut long = request();
        long.ttl_secs = 24 * 3600;
        assert!(auth.mint(&long, now()).is_err());
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    fn request() -> TokenRequest {
        TokenRequest {
            sub: "jsmith".into(),
            name: Some("J Smith".into()),
            org: "PDU-CAMBS".into(),
            roles: vec![Role::ProbationPractitioner],
            ttl_secs: 600,
        }
    }

    #[test]
    fn a_minted_token_verifies_and_yields_the_caller() {
        let auth = Authenticator::from_settings(&settings("s".repeat(40).as_str())).unwrap();
        let token = auth.mint(&request(), now()).unwrap();
        let caller = auth.authenticate(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(caller.sub, "jsmith");
        assert_eq!(caller.org, "PDU-CAMBS");
        assert_eq!(caller.roles, vec![Role::ProbationPractitioner]);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let ours = Authenticator::from_settings(&settings(&"a".repeat(40))).unwrap();
        let theirs = Authenticator::from_settings(&settings(&"b".repeat(40))).unwrap();
        let token = theirs.mint(&request(), now()).unwrap();
        assert!(matches!(
            ours.authenticate(Some(&format!("Bearer {token}"))),
            Err(ApiError::Unauthenticated(_))
        ));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let auth = Authenticator::from_settings(&settings(&"a".repeat(40))).unwrap();
        let token = auth.mint(&request(), now() - 3600).unwrap();
        let err = auth
            .authenticate(Some(&format!("Bearer {token}")))
            .unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
    }

    #[test]
    fn the_secret_file_is_created_once_with_owner_only_permissions() {
        let dir = std::env::temp_dir().join(format!("rarlink-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db.jwt-secret");
        let first = load_or_create_secret(&path).unwrap();
        let second = load_or_create_secret(&path).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
