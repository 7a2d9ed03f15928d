//! Webhook delivery: fan events out to subscriptions, then POST them signed with Standard
//! Webhooks headers, retrying with exponential back-off. Each step claims rows under
//! `SKIP LOCKED`, so several instances share the work and never send an event twice to one
//! subscription (a delivery whose sender died is retried after its lease expires).

use super::events::EventEnvelope;
use crate::db::webhooks::{self as rows, DeliveryRow, DELIVERED, FAILED, IN_FLIGHT, PENDING};
use crate::db::{from_json, ledger, write_transaction, DbConnection};
use crate::error::ApiError;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// After this many failed attempts a delivery is given up (its log says why).
pub const MAX_ATTEMPTS: i32 = 10;
/// How long an instance may take to send one delivery before another may retry it.
const LEASE_SECS: i64 = 60;

/// Creates a subscription secret in the Standard Webhooks form `whsec_<base64 of 32 bytes>`.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` header value: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`.
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

/// Creates deliveries for events committed since each subscription's cursor.
pub fn fan_out(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    ledger::seal_events(conn)?;
    let mut created = 0;
    for sub in rows::subscriptions(conn)?.into_iter().filter(|s| s.active) {
        created += write_transaction(conn, |conn| {
            let Some(sub) = rows::lock_subscription(conn, &sub.id)? else {
                return Ok::<_, ApiError>(0);
            };
            let types: Vec<String> = from_json(&sub.event_types, "event types")?;
            let events = rows::events_after(conn, &sub.org, sub.cursor, 500)?;
            let mut n = 0;
            for e in &events {
                if !types.is_empty() && !types.contains(&e.event_type) {
                    continue;
                }
                rows::insert_delivery(
                    conn,
                    &DeliveryRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        subscription_id: sub.id.clone(),
                        event_id: e.id.clone(),
                        event_type: e.event_type.clone(),
                        status: PENDING.into(),
                        attempts: 0,
                        next_attempt_at: now.naive_utc(),
                        last_attempt_at: None,
                        last_status: None,
                        last_error: None,
                        created_at: now.naive_utc(),
                        delivered_at: None,
                    },
                )?;
                n += 1;
            }
            if let Some(last) = events.last().and_then(|e| e.seq) {
                rows::set_cursor(conn, &sub.id, last)?;
            }
            Ok(n)
        })?;
    }
    Ok(created)
}

/// A delivery ready to send.
pub struct Outgoing {
    pub delivery: DeliveryRow,
    pub url: String,
    pub message_id: String,
    pub timestamp: i64,
    pub body: String,
    pub signature: String,
}

/// Claims due deliveries (leasing them to this instance) and prepares their signed requests.
pub fn claim(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Outgoing>, ApiError> {
    write_transaction(conn, |conn| {
        let mut out = Vec::new();
        for mut d in rows::lock_due(conn, now.naive_utc(), limit)? {
            let sub = rows::subscription(conn, &d.subscription_id)?
                .ok_or_else(|| ApiError::internal("delivery without subscription"))?;
            let event = rows::event(conn, &d.event_id)?;
            let body = serde_json::to_string(&EventEnvelope::from(event))
                .map_err(|e| ApiError::internal_from("serialising", e))?;
            d.status = IN_FLIGHT.into();
            d.attempts += 1;
            d.last_attempt_at = Some(now.naive_utc());
            d.next_attempt_at = (now + Duration::seconds(LEASE_SECS)).naive_utc();
            rows::save_delivery(conn, &d)?;
            let timestamp = now.timestamp();
            out.push(Outgoing {
                signature: sign(&sub.secret, &d.event_id, timestamp, &body)?,
                message_id: d.event_id.clone(),
                url: sub.url,
                delivery: d,
                timestamp,
                body,
            });
        }
        Ok(out)
    })
}

/// Records the result of one attempt: delivered, retried later with back-off, or given up.
pub fn record(
    conn: &mut DbConnection,
    mut d: DeliveryRow,
    now: DateTime<Utc>,
    status: Option<u16>,
    error: Option<String>,
) -> Result<(), ApiError> {
    d.last_status = status.map(i32::from);
    if status.is_some_and(|s| (200..300).contains(&s)) {
        d.status = DELIVERED.into();
        d.delivered_at = Some(now.naive_utc());
        d.last_error = None;
    } else {
        d.last_error = Some(error.unwrap_or_else(|| format!("HTTP {}", status.unwrap_or(0))));
        if d.attempts >= MAX_ATTEMPTS {
            d.status = FAILED.into();
        } else {
            d.status = PENDING.into();
            let backoff = 10i64
                .saturating_mul(1i64 << d.attempts.clamp(0, 11))
                .min(6 * 3600);
            d.next_attempt_at = (now + Duration::seconds(backoff)).naive_utc();
        }
    }
    rows::save_delivery(conn, &d)?;
    Ok(())
}

/// Sends one prepared delivery; returns the HTTP status or the transport error.
pub async fn send(client: &reqwest::Client, o: &Outgoing) -> (Option<u16>, Option<String>) {
    let result = client
        .post(&o.url)
        .header("content-type", "application/json")
        .header("webhook-id", &o.message_id)
        .header("webhook-timestamp", o.timestamp.to_string())
        .header("webhook-signature", &o.signature)
        .body(o.body.clone())
        .send()
        .await;
    match result {
        Ok(res) => (Some(res.status().as_u16()), None),
        Err(e) => (None, Some(format!("could not deliver: {e}"))),
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
    fn a_new_secret_is_prefixed_and_decodes_to_32_bytes() {
        let s = new_secret();
        let key = base64::engine::general_purpose::STANDARD
            .decode(s.trim_start_matches("whsec_"))
            .unwrap();
        assert_eq!(key.len(), 32);
    }
}
