//! Sending webhooks safely: the outbound HTTP client (no redirects, bounded time, a resolver that
//! refuses loopback, private and link-local addresses at connect time, so a name that resolves
//! to one is never contacted, DNS rebinding included), Standard Webhooks signatures (with the
//! previous secret too while a rotation overlaps), and one attempt's outcome as the delivery log
//! keeps it: status and timing, never the receiver's error text.

use crate::domain::outbound::{self, AllowHosts};
use crate::error::ApiError;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one attempt may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long saving a URL waits for its name to resolve (unresolved names are checked at send).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// The resolver the client connects through: a name is refused when any address it resolves
/// to is refused (unless the host is allow-listed for development).
struct SafeResolver {
    allow: Arc<AllowHosts>,
}

/// The error a refused resolution ends with, found again in the error chain to log its kind.
#[derive(Debug)]
struct RefusedAddress;

impl std::fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the host resolves to a refused address")
    }
}

impl std::error::Error for RefusedAddress {}

impl Resolve for SafeResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allowed = self.allow.allows_host(&host);
        Box::pin(async move {
            let addrs = safe_addresses(&host, allowed).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

async fn safe_addresses(
    host: &str,
    allowed: bool,
) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
    if !allowed && addrs.iter().any(|a| outbound::refused(a.ip())) {
        return Err(Box::new(RefusedAddress));
    }
    Ok(addrs)
}

/// The client webhooks are sent with: no redirects followed, a bounded time, the safe resolver.
pub fn client(allow: AllowHosts) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(SafeResolver {
            allow: Arc::new(allow),
        }))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// `Err` with the `422` text when a URL is refused, or when its host resolves now to a refused
/// address (a name that does not resolve yet is accepted: it is checked again at every send).
pub async fn check_url(raw: &str, allow: &AllowHosts) -> Result<String, &'static str> {
    let url = outbound::check_url(raw, allow)?;
    if let Some(url::Host::Domain(host)) = url.host() {
        if !allow.allows(host, url.port_or_known_default()) {
            let lookup = tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((host, 0)));
            if let Ok(Ok(addrs)) = lookup.await {
                if addrs.into_iter().any(|a| outbound::refused(a.ip())) {
                    return Err("url resolves to a loopback, private or link-local address");
                }
            }
        }
    }
    Ok(url.to_string())
}

/// One signature: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with a `whsec_` secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, ApiError> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(|e| ApiError::internal_from("webhook secret is not base64", e))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| ApiError::internal("webhook key"))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, space-separated (the current
/// secret first, then the previous one while a rotation overlaps).
pub fn signatures(
    secrets: &[&str],
    id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, ApiError> {
    Ok(secrets
        .iter()
        .map(|s| sign(s, id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?
        .join(" "))
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: String,
    pub message_id: String,
    pub timestamp: i64,
    pub body: String,
    pub signature: String,
}

/// What one attempt came to: the receiver's status, or what kind of failure (never its text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: Option<u16>,
    pub failure: Option<&'static str>,
    pub duration_ms: i32,
}

/// Sends one request. The URL is checked again (the allow list may have changed); the
/// response body is never read.
pub async fn send(client: &reqwest::Client, allow: &AllowHosts, r: &Request) -> Attempt {
    let started = Instant::now();
    let elapsed = |started: Instant| started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    if outbound::check_url(&r.url, allow).is_err() {
        return Attempt {
            status: None,
            failure: Some("refused address"),
            duration_ms: 0,
        };
    }
    let result = client
        .post(&r.url)
        .header("content-type", "application/json")
        .header("webhook-id", &r.message_id)
        .header("webhook-timestamp", r.timestamp.to_string())
        .header("webhook-signature", &r.signature)
        .body(r.body.clone())
        .send()
        .await;
    match result {
        Ok(res) => Attempt {
            status: Some(res.status().as_u16()),
            failure: None,
            duration_ms: elapsed(started),
        },
        Err(e) => Attempt {
            status: None,
            failure: Some(failure_kind(&e)),
            duration_ms: elapsed(started),
        },
    }
}

/// The kind of a transport failure, for the delivery log.
fn failure_kind(e: &reqwest::Error) -> &'static str {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<RefusedAddress>() {
            return "refused address";
        }
        source = s.source();
    }
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "could not deliver"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_scheme() {
        // The Standard Webhooks reference example.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let sig = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn during_an_overlap_the_header_carries_one_signature_per_secret() {
        let a = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let b = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let header = signatures(&[a, b], "m", 1, "{}").unwrap();
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], sign(a, "m", 1, "{}").unwrap());
        assert_eq!(parts[1], sign(b, "m", 1, "{}").unwrap());
    }

    #[actix_web::test]
    async fn a_name_that_resolves_to_loopback_is_refused_unless_allowed() {
        assert!(safe_addresses("localhost", false).await.is_err());
        assert!(safe_addresses("localhost", true).await.is_ok());
    }
}
