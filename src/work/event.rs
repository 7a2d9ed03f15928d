//! A domain event as a use case raises it, before the unit of work numbers and stores it.

use crate::domain::events::EventType;

/// A domain event to publish with the change that caused it.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: EventType,
    pub description: String,
    /// API path of the resource the event is about.
    pub detail_path: String,
    pub additional_information: serde_json::Value,
    pub crn: Option<String>,
    /// The probation organisation that owns the case.
    pub org: String,
    /// A provider organisation that may also see the event.
    pub provider_org: Option<String>,
}
