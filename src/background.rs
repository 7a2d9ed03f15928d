//! Background work: sealing the audit chain and event feed, delivering webhooks, escalating
//! overdue safeguarding prompts, raising termination-review prompts, and housekeeping.
//!
//! Every task is safe with several instances on one PostgreSQL: sealing locks the ledger head row,
//! and housekeeping is idempotent. Nothing here keeps state between runs.

use crate::db::{idempotency, ledger};
use crate::error::ApiError;
use crate::http::AppState;
use actix_web::web;
use chrono::Duration;
use std::time::Duration as StdDuration;

/// How often committed audit entries and events are sealed.
const SEAL_EVERY: StdDuration = StdDuration::from_millis(250);
/// How often webhook deliveries are attempted.
const WEBHOOKS_EVERY: StdDuration = StdDuration::from_secs(2);
/// Deliveries claimed (and sent concurrently) at a time.
const WEBHOOK_BATCH: i64 = 50;
/// At most this many batches back to back before the other background tasks run again.
const WEBHOOK_BATCHES_PER_TICK: usize = 20;

/// Seals the ledgers once.
pub async fn seal(state: &AppState) -> Result<usize, ApiError> {
    state.db.run(|conn| Ok(ledger::seal_all(conn)?)).await
}

/// Escalates every overdue open prompt once, announces once each referral whose agency's
/// decision is past its follow-up date, and reminds once of each open prompt half-way to its
/// deadline (safe with several instances).
pub async fn escalate(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            let overdue = crate::services::prompts::escalate_overdue(conn, now)?;
            let follow_ups = crate::services::prompt_lifecycle::announce_follow_ups_due(conn, now)?;
            let due_soon = crate::services::prompt_lifecycle::announce_due_soon(conn, now)?;
            Ok(overdue + follow_ups + due_soon)
        })
        .await
}

/// Raises "start the termination review" prompts for orders about to end.
pub async fn termination_reviews_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let rules = state.rules.clone();
    state
        .db
        .run(move |conn| crate::services::termination::raise_due_review_prompts(conn, now, &rules))
        .await
}

/// Fans new events out to webhook subscriptions and sends what is due; returns how many were sent.
pub async fn deliver_webhooks(state: &AppState) -> Result<usize, ApiError> {
    use crate::services::webhooks;
    let now = state.clock.now();
    let outgoing = state
        .db
        .run(move |conn| {
            webhooks::fan_out(conn, now)?;
            webhooks::claim(conn, now, WEBHOOK_BATCH)
        })
        .await?;
    let sent = outgoing.len();
    let results = futures_util::future::join_all(
        outgoing
            .iter()
            .map(|o| webhooks::send(&state.http_client, o)),
    )
    .await;
    let finished_at = state.clock.now();
    state
        .db
        .run(move |conn| {
            for (o, (status, error)) in outgoing.into_iter().zip(results) {
                webhooks::record(conn, o.delivery, finished_at, status, error)?;
            }
            Ok(())
        })
        .await?;
    Ok(sent)
}

/// Runs the periodic housekeeping once: forget idempotency keys older than their retention.
pub async fn housekeeping(state: &AppState) -> Result<(), ApiError> {
    let cutoff = (state.clock.now() - Duration::hours(crate::http::idempotency::RETENTION_HOURS))
        .naive_utc();
    state
        .db
        .run(move |conn| Ok(idempotency::purge_before(conn, cutoff)?))
        .await?;
    Ok(())
}

/// Runs until the process stops.
pub async fn run(state: web::Data<AppState>) {
    let mut seal_tick = tokio::time::interval(SEAL_EVERY);
    let mut webhook_tick = tokio::time::interval(WEBHOOKS_EVERY);
    webhook_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut housekeeping_tick = tokio::time::interval(state.settings.background_interval);
    seal_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    housekeeping_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = seal_tick.tick() => {
                if let Err(e) = seal(&state).await {
                    tracing::warn!(error = %e, "sealing the audit log and event feed failed; will retry");
                }
            }
            _ = webhook_tick.tick() => {
                // A full batch means more are waiting: keep going instead of waiting for the
                // next tick, but within a tick's time, so a slow receiver cannot hold up
                // sealing and escalation for more than one batch.
                let started = std::time::Instant::now();
                for _ in 0..WEBHOOK_BATCHES_PER_TICK {
                    match deliver_webhooks(&state).await {
                        Ok(sent) if sent == WEBHOOK_BATCH as usize
                            && started.elapsed() < WEBHOOKS_EVERY => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "webhook delivery failed; will retry");
                            break;
                        }
                    }
                }
            }
            _ = housekeeping_tick.tick() => {
                match escalate(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(escalated = n, "overdue safeguarding prompts escalated"),
                    Err(e) => tracing::warn!(error = %e, "escalating overdue prompts failed; will retry"),
                }
                if let Err(e) = termination_reviews_due(&state).await {
                    tracing::warn!(error = %e, "raising termination review prompts failed; will retry");
                }
                if let Err(e) = housekeeping(&state).await {
                    tracing::warn!(error = %e, "housekeeping failed; will retry");
                }
            }
        }
    }
}
