//! Webhook subscriptions, self-service: an organisation's managers and integration clients
//! subscribe their own systems to its events, list, change, rotate the secret of, test and
//! delete their subscriptions and read and redeliver their deliveries; `admin` of the registered
//! platform organisation manages every organisation's. Another organisation's subscription is
//! `404`. Sending is in `webhook_delivery` and `webhook_send`.

use super::organisations;
use super::webhook_send::{self, Request};
use crate::auth::Role;
use crate::db::webhooks::{self as rows, DeliveryRow, SubscriptionRow};
use crate::db::{from_json, to_json};
use crate::domain::events::EventType;
use crate::domain::webhook::DeliveryStatus;
use crate::error::ApiError;
use crate::work::Work;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};

/// Whose subscriptions a caller manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manages {
    /// Its own organisation's (managers and integration clients).
    Own(String),
    /// Every organisation's (`admin` of the platform organisation).
    All,
}

impl Manages {
    fn covers(&self, org: &str) -> bool {
        match self {
            Manages::Own(own) => own == org,
            Manages::All => true,
        }
    }

    /// The organisation a list is limited to, if any.
    pub fn org(&self) -> Option<&str> {
        match self {
            Manages::Own(own) => Some(own),
            Manages::All => None,
        }
    }
}

/// Whose subscriptions the caller manages: `admin` counts only in the platform organisation
/// (which is registered, since webhook work needs a registered organisation); otherwise a
/// manager or integration role of the caller's own organisation; else `403`.
pub fn manages(w: &Work, platform_org: &str) -> Result<Manages, ApiError> {
    if w.me.has(Role::Admin) && w.me.org() == platform_org {
        return Ok(Manages::All);
    }
    if [
        Role::ProviderManager,
        Role::ProbationManager,
        Role::Integration,
    ]
    .iter()
    .any(|r| w.me.has(*r))
    {
        return Ok(Manages::Own(w.me.org().to_string()));
    }
    Err(ApiError::Forbidden(format!(
        "webhook subscriptions are managed by an organisation's managers and integration clients, or by admins of {platform_org}"
    )))
}

/// A subscription to create, its URL and event types already checked.
#[derive(Debug, Clone)]
pub struct Subscribe {
    pub url: String,
    /// Empty for every event type.
    pub event_types: Vec<EventType>,
    /// The organisation whose events are sent; the caller's own when not given.
    pub org: Option<String>,
}

/// Subscribes a URL to the events an organisation may see; the returned row holds the new
/// signing secret. A manager subscribes only its own organisation (`422` naming `org`).
pub fn subscribe(w: &mut Work, who: &Manages, new: Subscribe) -> Result<SubscriptionRow, ApiError> {
    let org = match (who, new.org) {
        (Manages::Own(own), None) => own.clone(),
        (Manages::Own(own), Some(org)) if &org == own => org,
        (Manages::Own(_), Some(_)) => {
            return Err(ApiError::field(
                "org",
                "not-yours",
                "you may subscribe only your own organisation's events",
            ))
        }
        (Manages::All, None) => {
            return Err(ApiError::field(
                "org",
                "required",
                "org is required: name the organisation whose events are sent",
            ))
        }
        (Manages::All, Some(org)) => org,
    };
    if !organisations::is_registered(w, &org)? {
        return Err(ApiError::field(
            "org",
            "unknown",
            format!("{org} is not a registered organisation"),
        ));
    }
    let row = SubscriptionRow {
        id: uuid::Uuid::now_v7().to_string(),
        url: new.url,
        event_types: to_json(&new.event_types)?,
        org,
        secret: new_secret(),
        cursor: 0,
        active: true,
        created_at: w.now.naive_utc(),
        created_by: w.me.caller.sub.clone(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
    };
    rows::insert_subscription(w.conn, &row)?;
    Ok(row)
}

/// Subscriptions the caller manages, by id after `after`: `limit` at most.
pub fn subscriptions(
    w: &mut Work,
    who: &Manages,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, ApiError> {
    Ok(rows::subscriptions(w.conn, who.org(), after, limit)?)
}

/// One subscription the caller manages (`404` for another organisation's or none).
pub fn subscription(
    w: &mut Work,
    who: &Manages,
    id: &uuid::Uuid,
) -> Result<SubscriptionRow, ApiError> {
    rows::subscription(w.conn, &id.to_string())?
        .filter(|s| who.covers(&s.org))
        .ok_or_else(|| ApiError::not_found("subscription"))
}

/// What a `PATCH` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub active: Option<bool>,
}

/// Changes a subscription's URL, event types or whether it is active (turning it on again
/// forgets that it was failing).
pub fn change(
    w: &mut Work,
    who: &Manages,
    id: &uuid::Uuid,
    change: Change,
) -> Result<SubscriptionRow, ApiError> {
    let mut row = subscription(w, who, id)?;
    if let Some(url) = change.url {
        row.url = url;
    }
    if let Some(types) = change.event_types {
        row.event_types = to_json(&types)?;
    }
    if let Some(active) = change.active {
        if active && !row.active {
            row.failing_since = None;
        }
        row.active = active;
    }
    rows::save_subscription(w.conn, &row)?;
    Ok(row)
}

/// Deletes a subscription and its delivery log.
pub fn delete(w: &mut Work, who: &Manages, id: &uuid::Uuid) -> Result<(), ApiError> {
    let row = subscription(w, who, id)?;
    rows::delete_subscription(w.conn, &row.id)?;
    Ok(())
}

/// Gives a subscription a new secret; the previous one keeps signing deliveries (beside the
/// new one) for `overlap`. The returned row holds the new secret.
pub fn rotate_secret(
    w: &mut Work,
    who: &Manages,
    id: &uuid::Uuid,
    overlap: std::time::Duration,
) -> Result<SubscriptionRow, ApiError> {
    let mut row = subscription(w, who, id)?;
    let overlap = Duration::from_std(overlap)
        .map_err(|e| ApiError::internal_from("secret overlap out of range", e))?;
    row.previous_secret = Some(std::mem::replace(&mut row.secret, new_secret()));
    row.previous_secret_expires_at = Some((w.now + overlap).naive_utc());
    rows::save_subscription(w.conn, &row)?;
    Ok(row)
}

/// The secrets that sign a delivery at `now`: the current one, and the previous one while
/// its overlap lasts.
pub fn signing_secrets(row: &SubscriptionRow, now: DateTime<Utc>) -> Vec<&str> {
    let mut secrets = vec![row.secret.as_str()];
    if let (Some(previous), Some(until)) = (&row.previous_secret, row.previous_secret_expires_at) {
        if until.and_utc() > now {
            secrets.push(previous);
        }
    }
    secrets
}

/// A signed `rarlink.ping` for a subscription (`404` for one the caller does not manage).
pub fn ping(w: &mut Work, who: &Manages, id: &uuid::Uuid) -> Result<Request, ApiError> {
    let row = subscription(w, who, id)?;
    let message_id = uuid::Uuid::now_v7().to_string();
    let body = serde_json::json!({
        "id": message_id,
        "eventType": "rarlink.ping",
        "occurredAt": w.now,
        "description": "A test delivery asked for by the subscription's owner",
        "subscriptionId": row.id,
    })
    .to_string();
    let timestamp = w.now.timestamp();
    Ok(Request {
        signature: webhook_send::signatures(
            &signing_secrets(&row, w.now),
            &message_id,
            timestamp,
            &body,
        )?,
        url: row.url,
        message_id,
        timestamp,
        body,
    })
}

/// A subscription's delivery log, oldest first, after the delivery id `after`: `limit` at most
/// (`404` when the caller does not manage the subscription).
pub fn deliveries(
    w: &mut Work,
    who: &Manages,
    subscription_id: &uuid::Uuid,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, ApiError> {
    let sub = subscription(w, who, subscription_id)?;
    Ok(rows::deliveries(w.conn, &sub.id, after, limit)?)
}

/// Sends a delivery again as soon as the background runs, with a fresh count of attempts
/// (`404` for a delivery of a subscription the caller does not manage).
pub fn redeliver(w: &mut Work, who: &Manages, id: &uuid::Uuid) -> Result<DeliveryRow, ApiError> {
    let mut d =
        rows::delivery(w.conn, &id.to_string())?.ok_or_else(|| ApiError::not_found("delivery"))?;
    let sub_id = crate::db::stored_id(&d.subscription_id)?;
    subscription(w, who, &sub_id).map_err(|_| ApiError::not_found("delivery"))?;
    if d.status == DeliveryStatus::InFlight {
        return Err(ApiError::conflict("the delivery is being sent now"));
    }
    d.status = DeliveryStatus::Pending;
    d.attempts = 0;
    d.next_attempt_at = w.now.naive_utc();
    d.delivered_at = None;
    rows::save_delivery(w.conn, &d)?;
    Ok(d)
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
    fn a_new_secret_is_prefixed_and_decodes_to_32_bytes() {
        let s = new_secret();
        let key = base64::engine::general_purpose::STANDARD
            .decode(s.trim_start_matches("whsec_"))
            .unwrap();
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn the_previous_secret_signs_only_until_its_overlap_ends() {
        let now = chrono::DateTime::from_timestamp(1_772_442_000, 0).unwrap();
        let row = SubscriptionRow {
            id: "s".into(),
            url: "https://x".into(),
            event_types: "[]".into(),
            org: "O".into(),
            secret: "new".into(),
            cursor: 0,
            active: true,
            created_at: now.naive_utc(),
            created_by: "u".into(),
            previous_secret: Some("old".into()),
            previous_secret_expires_at: Some((now + Duration::hours(24)).naive_utc()),
            failing_since: None,
        };
        assert_eq!(signing_secrets(&row, now), vec!["new", "old"]);
        assert_eq!(
            signing_secrets(&row, now + Duration::hours(24)),
            vec!["new"]
        );
    }
}
