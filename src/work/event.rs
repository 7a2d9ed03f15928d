//! A domain event as a use case raises it, before the unit of work numbers and stores it.

use crate::db::events::NewEventRow;
use crate::domain::events::DomainEvent;
use crate::error::ApiError;
use chrono::{DateTime, Utc};

/// The actor named on events rarlink raises itself (escalation, review prompts).
pub const SYSTEM_ACTOR: &str = "rarlink";

/// Who caused an event: a caller (subject and organisation), or rarlink itself.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Caller { sub: &'a str, org: &'a str },
    System,
}

/// A domain event to publish with the change that caused it.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened, with its typed payload (the event type follows from it).
    pub payload: DomainEvent,
    pub description: String,
    /// API path of the resource the event is about.
    pub detail_path: String,
    pub crn: Option<String>,
    /// The probation organisation that owns the case.
    pub org: String,
    /// A provider organisation that may also see the event.
    pub provider_org: Option<String>,
}

impl Event {
    /// The stored form of the event, not yet numbered (the sealer numbers committed rows).
    pub fn into_row(self, now: DateTime<Utc>, actor: Actor) -> Result<NewEventRow, ApiError> {
        let additional_information = self
            .payload
            .payload()
            .map_err(|e| ApiError::internal_from("serialising an event payload", e))?
            .to_string();
        let (actor_sub, actor_org) = match actor {
            Actor::Caller { sub, org } => (sub.to_string(), Some(org.to_string())),
            Actor::System => (SYSTEM_ACTOR.to_string(), None),
        };
        Ok(NewEventRow {
            id: uuid::Uuid::now_v7().to_string(),
            event_type: self.payload.event_type().to_string(),
            version: 1,
            occurred_at: now.naive_utc(),
            description: self.description,
            detail_url: self.detail_path,
            additional_information,
            crn: self.crn,
            org_code: self.org,
            provider_org_code: self.provider_org,
            actor_sub: Some(actor_sub),
            actor_org,
        })
    }
}
