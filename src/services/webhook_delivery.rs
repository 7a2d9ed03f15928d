//! Webhook delivery: fan events out to subscriptions, claim what is due and sign it, and record
//! each attempt (delivered, retried with exponential back-off, or given up). Each step claims
//! rows under `SKIP LOCKED`, so several instances share the work and never send an event twice
//! to one subscription (a delivery whose sender died is retried after its lease expires). A
//! subscription whose deliveries have all failed for [`DISABLE_AFTER_DAYS`] days is turned off,
//! and an event says so.

use super::events::{fit_for_reader, EventEnvelope, Reader};
use super::webhook_send::{self, Attempt, Request};
use super::webhooks::{event_types, signing_secrets, wants};
use crate::db::webhooks::{self as rows, DeliveryRow, SubscriptionRow};
use crate::db::{events, ledger, write_transaction, DbConnection};
use crate::domain::events::{DomainEvent, WebhookSubscriptionDisabled};
use crate::domain::webhook::{after_attempt, DeliveryStatus, Verdict};
use crate::error::ApiError;
use crate::work::{Actor, Event};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How long an instance may take to send one delivery before another may retry it.
const LEASE_SECS: i64 = 60;

/// A subscription failing every attempt for this long is turned off.
pub const DISABLE_AFTER_DAYS: i64 = 3;

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
                        last_duration_ms: None,
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
    pub request: Request,
}

/// Claims due deliveries of active subscriptions (leasing them to this instance) and prepares
/// their signed requests. Their subscriptions and events are loaded with one query each, every
/// event serialised once.
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
                // A receiver is a system, not a person who may read casework.
                let mut envelope = EventEnvelope::try_from(e)?;
                fit_for_reader(&mut envelope, Reader::IdentifiersOnly);
                let body = serde_json::to_string(&envelope)
                    .map_err(|e| ApiError::internal_from("serialising", e))?;
                Ok((id, body))
            })
            .collect::<Result<HashMap<String, String>, ApiError>>()?;
        let mut out = Vec::new();
        for mut d in due {
            let sub = subs
                .get(&d.subscription_id)
                .ok_or_else(|| ApiError::internal("delivery without subscription"))?;
            if !sub.active {
                continue;
            }
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
                request: Request {
                    signature: webhook_send::signatures(
                        &signing_secrets(sub, now),
                        &d.event_id,
                        timestamp,
                        &body,
                    )?,
                    message_id: d.event_id.clone(),
                    url: sub.url.clone(),
                    timestamp,
                    body,
                },
                delivery: d,
            });
        }
        Ok(out)
    })
}

/// Records the result of one attempt: delivered, retried later with back-off, or given up;
/// the log keeps the status, the kind of failure and the time taken. A subscription whose
/// attempts have all failed for [`DISABLE_AFTER_DAYS`] is turned off, with an event.
pub fn record(
    conn: &mut DbConnection,
    mut d: DeliveryRow,
    now: DateTime<Utc>,
    attempt: Attempt,
) -> Result<(), ApiError> {
    write_transaction(conn, |conn| {
        d.last_status = attempt.status.map(i32::from);
        d.last_duration_ms = Some(attempt.duration_ms);
        let failure = || {
            Some(
                attempt
                    .failure
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("HTTP {}", attempt.status.unwrap_or(0))),
            )
        };
        let verdict = after_attempt(d.attempts, attempt.status);
        match verdict {
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
        if let Some(mut sub) = rows::subscription(conn, &d.subscription_id)? {
            note_health(conn, &mut sub, verdict == Verdict::Delivered, now)?;
        }
        Ok(())
    })
}

/// Keeps when a subscription started failing; turns it off after [`DISABLE_AFTER_DAYS`].
fn note_health(
    conn: &mut DbConnection,
    sub: &mut SubscriptionRow,
    delivered: bool,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    match (delivered, sub.failing_since) {
        (true, None) => return Ok(()),
        (true, Some(_)) => sub.failing_since = None,
        (false, None) => sub.failing_since = Some(now.naive_utc()),
        (false, Some(since)) => {
            if !sub.active || now - since.and_utc() < Duration::days(DISABLE_AFTER_DAYS) {
                return Ok(());
            }
            sub.active = false;
            let event = Event {
                payload: DomainEvent::WebhookSubscriptionDisabled(WebhookSubscriptionDisabled {
                    subscription_id: sub.id.clone(),
                    failing_since: since.and_utc(),
                }),
                description: format!(
                    "Webhook subscription {} turned off after failing for {DISABLE_AFTER_DAYS} days",
                    sub.id
                ),
                detail_path: format!("/api/v1/webhook-subscriptions/{}", sub.id),
                crn: None,
                org: sub.org.clone(),
                provider_org: None,
            };
            events::insert_all(conn, &[event.into_row(now, Actor::System)?])?;
        }
    }
    rows::save_subscription(conn, sub)?;
    Ok(())
}
