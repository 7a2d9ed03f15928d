//! Background work: sealing the audit chain and event feed, delivering webhooks, sending e-mail
//! notifications, escalating
//! overdue safeguarding prompts, raising termination-review and silence prompts, and housekeeping.
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
    let key = state.audit_key.clone();
    state
        .db
        .run(move |conn| Ok(ledger::seal_all(conn, &key)?))
        .await
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

/// Raises the silence prompts (unanswered referrals, no first session, unrecorded attendance,
/// overdue referrals, orders past their end), each once per fact (safe with several instances).
pub async fn silence(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let rules = state.rules.clone();
    state
        .db
        .run(move |conn| crate::services::silence::check(conn, now, &rules))
        .await
}

/// Fans new events out to webhook subscriptions and sends what is due; returns how many were sent.
pub async fn deliver_webhooks(state: &AppState) -> Result<usize, ApiError> {
    use crate::services::{webhook_delivery, webhook_send};
    let now = state.clock.now();
    let outgoing = state
        .db
        .run(move |conn| {
            webhook_delivery::fan_out(conn, now)?;
            webhook_delivery::claim(conn, now, WEBHOOK_BATCH)
        })
        .await?;
    let sent = outgoing.len();
    let allow = &state.settings.webhook_allow_hosts;
    let results = futures_util::future::join_all(
        outgoing
            .iter()
            .map(|o| webhook_send::send(&state.http_client, allow, &o.request)),
    )
    .await;
    let finished_at = state.clock.now();
    state
        .db
        .run(move |conn| {
            for (o, attempt) in outgoing.into_iter().zip(results) {
                webhook_delivery::record(conn, o.delivery, finished_at, attempt)?;
            }
            Ok(())
        })
        .await?;
    Ok(sent)
}

/// Sends webhooks until the process stops, in a task of its own so a slow receiver never holds
/// up sealing or escalation.
async fn run_webhooks(state: web::Data<AppState>) {
    let mut webhook_tick = tokio::time::interval(WEBHOOKS_EVERY);
    webhook_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        webhook_tick.tick().await;
        // A full batch means more are waiting: keep going instead of waiting for the next
        // tick, but within a tick's time.
        let started = std::time::Instant::now();
        for _ in 0..WEBHOOK_BATCHES_PER_TICK {
            match deliver_webhooks(&state).await {
                Ok(sent)
                    if sent == WEBHOOK_BATCH as usize && started.elapsed() < WEBHOOKS_EVERY =>
                {
                    continue
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery failed; will retry");
                    break;
                }
            }
        }
    }
}

/// E-mails claimed (and sent concurrently) at a time.
const MAIL_BATCH: i64 = 20;
/// How often due e-mail notifications are sent.
const MAIL_EVERY: StdDuration = StdDuration::from_secs(2);

/// Sends the e-mail notifications that are due (records them as skipped when e-mail is off);
/// returns how many were attempted. Safe with several instances (`SKIP LOCKED`).
pub async fn send_notifications(state: &AppState) -> Result<usize, ApiError> {
    use crate::services::notifications;
    let now = state.clock.now();
    let mail_on = state.mailer.is_some();
    let outgoing = state
        .db
        .run(move |conn| notifications::claim(conn, now, MAIL_BATCH, mail_on))
        .await?;
    let Some(mailer) = &state.mailer else {
        return Ok(0);
    };
    let sent = outgoing.len();
    let results = futures_util::future::join_all(outgoing.iter().map(|o| {
        let to = o.row.to_address.clone().unwrap_or_default();
        async move {
            mailer
                .send(&to, &o.row.subject, &o.row.body, &o.row.link_path)
                .await
        }
    }))
    .await;
    let finished_at = state.clock.now();
    state
        .db
        .run(move |conn| {
            for (o, result) in outgoing.into_iter().zip(results) {
                notifications::record(conn, o.row, finished_at, result.err())?;
            }
            Ok(())
        })
        .await?;
    Ok(sent)
}

/// Sends e-mail until the process stops, in a task of its own so a slow SMTP server never holds
/// up sealing, escalation or webhooks.
async fn run_mail(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(MAIL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if let Err(e) = send_notifications(&state).await {
            tracing::warn!(error = %e, "sending e-mail notifications failed; will retry");
        }
    }
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
    actix_web::rt::spawn(run_webhooks(state.clone()));
    actix_web::rt::spawn(run_mail(state.clone()));
    let mut seal_tick = tokio::time::interval(SEAL_EVERY);
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
            _ = housekeeping_tick.tick() => {
                match escalate(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(escalated = n, "overdue safeguarding prompts escalated"),
                    Err(e) => tracing::warn!(error = %e, "escalating overdue prompts failed; will retry"),
                }
                if let Err(e) = termination_reviews_due(&state).await {
                    tracing::warn!(error = %e, "raising termination review prompts failed; will retry");
                }
                match silence(&state).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(raised = n, "silence prompts raised"),
                    Err(e) => tracing::warn!(error = %e, "the silence checks failed; will retry"),
                }
                if let Err(e) = housekeeping(&state).await {
                    tracing::warn!(error = %e, "housekeeping failed; will retry");
                }
            }
        }
    }
}
