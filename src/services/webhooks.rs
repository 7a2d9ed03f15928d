//! Webhooks: the admin's use cases (subscribing an integrator's URL to an organisation's
//! events, listing subscriptions and their delivery logs), and delivery itself: fan events out
//! to subscriptions, then POST them signed with Standard Webhooks headers, retrying with
//! exponential back-off. Each delivery step claims rows under `SKIP LOCKED`, so several
//! instances share the work and never send an event twice to one subscription (a delivery whose
//! sender died is retried after its lease expires).

use super::events::EventEnvelope;
use super::organisations;
use crate::db::webhooks::{self as rows, DeliveryRow, SubscriptionRow};
use crate::db::{from_json, ledger, to_json, write_transaction, DbConnection};
use crate::domain::events::EventType;
use crate::domain::webhook::{after_attempt, DeliveryStatus, Verdict};
use crate::error::ApiError;
use crate::work::Work;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;

/// How long an instance may take to send one delivery before another may retry it.
const LEASE_SECS: i64 = 60;

/// A subscription to create, its shape already checked.
#[derive(Debug, Clone)]
pub struct Subscribe {
    /// An absolute `http` or `https` URL.
    pub url: String,
    /// Empty for every event type.
    pub event_types: Vec<EventType>,
    /// The organisation whose events are sent.
    pub org: String,
}

/// Subscribes `url` to the events `org` may see (`422` when `org` is not registered); the
/// returned row holds the new signing secret.
pub fn subscribe(w: &mut Work, new: Subscribe) -> Result<SubscriptionRow, ApiError> {
    if !organisations::is_registered(w, &new.org)? {
        return Err(ApiError::field(
            "org",
            "unknown",
            format!("{} is not a registered organisation", new.org),
        ));
    }
    let row = SubscriptionRow {
        id: uuid::Uuid::now_v7().to_string(),
        url: new.url,
        event_types: to_json(&new.event_types)?,
        org: new.org,
        secret: new_secret(),
        cursor: 0,
        active: true,
        created_at: w.now.naive_utc(),
        created_by: w.me.caller.sub.clone(),
    };
    rows::insert_subscription(w.conn, &row)?;
    Ok(row)
}

/// Subscriptions by id after the id `after`: `limit` at most.
pub fn subscriptions(
    w: &mut Work,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, ApiError> {
    Ok(rows::subscriptions(w.conn, after, limit)?)
}

/// A subscription's delivery log, oldest first, after the delivery id `after`: `limit` at most
/// (`404` when there is no such subscription).
pub fn deliveries(
    w: &mut Work,
    subscription_id: &uuid::Uuid,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, ApiError> {
    let id = subscription_id.to_string();
    rows::subscription(w.conn, &id)?.ok_or_else(|| ApiError::not_found("subscription"))?;
    Ok(rows::deliveries(w.conn, &id, after, limit)?)
}

/// The event type names a subscription asked for, as stored; empty for all. New subscriptions
/// name only types rarlink publishes, but one saved before names were checked may hold a name no
/// event has: it is kept as written and matches nothing (it must neither fail the subscription
/// nor widen it to every event).
pub fn event_types(row: &SubscriptionRow) -> Result<Vec<String>, ApiError> {
    from_json(&row.event_types, "event types")
}

/// Whether a subscription asking for `types` (from [`event_types`]) is sent an event of `event_type`.
pub fn wants(types: &[String], event_type: &str) -> bool {
    types.is_empty() || types.iter().any(|t| t == event_type)
}

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
    for id in rows::active_subscription_ids(conn)? {
        created += write_transaction(conn, |conn| {
            let Some(sub) = rows::lock_subscription(conn, &id)? else {
                return Ok::<_, ApiError>(0);
            };
            let types = event_types(&sub)?;
            let events = rows::events_after(conn, &sub.org, sub.cursor, 500)?;
            let mut n = 0;
            for e in &events {
                if !wants(&types, &e.event_type) {
                    continue;
                }
                rows::insert_delivery(
                    conn,
                    &DeliveryRow {
                        id: uuid::Uuid::now_v7().to_string(),
                        subscription_id: sub.id.clone(),
                        event_id: e.id.clone(),
                        event_type: e.event_type.clone(),
                        status: DeliveryStatus::Pending,
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
/// Their subscriptions and events are loaded with one query each, every event serialised once.
pub fn claim(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Outgoing>, ApiError> {
    write_transaction(conn, |conn| {
        let due = rows::lock_due(conn, now.naive_utc(), limit)?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let sub_ids: Vec<&str> = due.iter().map(|d| d.subscription_id.as_str()).collect();
        let subs: HashMap<String, SubscriptionRow> = rows::subscriptions_in(conn, &sub_ids)?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        let event_ids: Vec<&str> = due.iter().map(|d| d.event_id.as_str()).collect();
        let bodies = rows::events_in(conn, &event_ids)?
            .into_iter()
            .map(|e| {
                let id = e.id.clone();
                let body = serde_json::to_string(&EventEnvelope::try_from(e)?)
                    .map_err(|e| ApiError::internal_from("serialising", e))?;
                Ok((id, body))
            })
            .collect::<Result<HashMap<String, String>, ApiError>>()?;
        let mut out = Vec::new();
        for mut d in due {
            let sub = subs
                .get(&d.subscription_id)
                .ok_or_else(|| ApiError::internal("delivery without subscription"))?;
            let body = bodies
                .get(&d.event_id)
                .ok_or_else(|| ApiError::internal("delivery of a missing event"))?
                .clone();
            d.status = DeliveryStatus::InFlight;
            d.attempts += 1;
            d.last_attempt_at = Some(now.naive_utc());
            d.next_attempt_at = (now + Duration::seconds(LEASE_SECS)).naive_utc();
            rows::save_delivery(conn, &d)?;
            let timestamp = now.timestamp();
            out.push(Outgoing {
                signature: sign(&sub.secret, &d.event_id, timestamp, &body)?,
                message_id: d.event_id.clone(),
                url: sub.url.clone(),
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
    let failure = || Some(error.unwrap_or_else(|| format!("HTTP {}", status.unwrap_or(0))));
    match after_attempt(d.attempts, status) {
        Verdict::Delivered => {
            d.status = DeliveryStatus::Delivered;
            d.delivered_at = Some(now.naive_utc());
            d.last_error = None;
        }
        Verdict::RetryIn(secs) => {
            d.status = DeliveryStatus::Pending;
            d.last_error = failure();
            d.next_attempt_at = (now + Duration::seconds(secs)).naive_utc();
        }
        Verdict::GiveUp => {
            d.status = DeliveryStatus::Failed;
            d.last_error = failure();
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
    fn a_subscription_gets_the_types_it_named_and_an_unknown_stored_name_matches_nothing() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases: &[(&[&str], &str, bool)] = &[
            (&[], "rarlink.referral.sent", true),
            (&["rarlink.referral.sent"], "rarlink.referral.sent", true),
            (&["rarlink.referral.sent"], "rarlink.person.upserted", false),
            (&["rarlink.referal.snet"], "rarlink.referral.sent", false),
        ];
        for (types, event, expected) in cases {
            assert_eq!(wants(&names(types), event), *expected, "{types:?} {event}");
        }
    }

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
