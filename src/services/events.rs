//! The published form of a domain event: the envelope the event feed lists and webhooks send
//! (HMPPS domain-event style), built from a stored event row.

use crate::db::events::EventRow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Identifier {
    #[serde(rename = "type")]
    #[schema(example = "CRN")]
    pub id_type: String,
    #[schema(example = "X123456")]
    pub value: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonReference {
    pub identifiers: Vec<Identifier>,
}

/// One domain event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    pub id: uuid::Uuid,
    /// Position in the feed: strictly increasing in commit order; pass the last one as `after`.
    pub sequence: i64,
    #[schema(example = "rarlink.referral.sent")]
    pub event_type: String,
    pub version: i32,
    pub occurred_at: DateTime<Utc>,
    pub description: String,
    /// Where to read the resource the event is about.
    pub detail_url: String,
    #[schema(value_type = Object)]
    pub additional_information: serde_json::Value,
    pub person_reference: Option<PersonReference>,
}

impl From<EventRow> for EventEnvelope {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id.parse().unwrap_or_default(),
            sequence: row.seq.unwrap_or_default(),
            event_type: row.event_type,
            version: row.version,
            occurred_at: row.occurred_at.and_utc(),
            description: row.description,
            detail_url: row.detail_url,
            additional_information: serde_json::from_str(&row.additional_information)
                .unwrap_or(serde_json::Value::Null),
            person_reference: row.crn.map(|crn| PersonReference {
                identifiers: vec![Identifier {
                    id_type: "CRN".into(),
                    value: crn,
                }],
            }),
        }
    }
}
