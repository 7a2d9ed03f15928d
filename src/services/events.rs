//! The event feed: the published form of a domain event (the envelope the feed lists and
//! webhooks send, HMPPS domain-event style), built from a stored event row, and the use case
//! that reads the events a caller may see.

use crate::db::events::{self as rows, EventRow};
use crate::db::{from_json, ledger};
use crate::error::ApiError;
use crate::work::Work;
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

impl TryFrom<EventRow> for EventEnvelope {
    type Error = ApiError;

    /// A sealed event; a stored event that is unsealed or does not parse is a bug, never a
    /// zero id or a `null` in the feed.
    fn try_from(row: EventRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: crate::db::stored_id(&row.id)?,
            sequence: row
                .seq
                .ok_or_else(|| ApiError::internal(format!("event {} is not sealed", row.id)))?,
            additional_information: from_json(
                &row.additional_information,
                "event additional information",
            )?,
            event_type: row.event_type,
            version: row.version,
            occurred_at: row.occurred_at.and_utc(),
            description: row.description,
            detail_url: row.detail_url,
            person_reference: row.crn.map(|crn| PersonReference {
                identifiers: vec![Identifier {
                    id_type: "CRN".into(),
                    value: crn,
                }],
            }),
        })
    }
}

/// Who reads an event, for [`fit_for_reader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A role that may read casework (`read-casework`): the whole payload.
    Casework,
    /// Anyone else (integration clients, providers, webhook receivers): identifiers, codes,
    /// times and links only; free text (notes, evidence, reasons) is left out and the
    /// description is the event type's meaning.
    IdentifiersOnly,
}

impl Reader {
    /// The reader a caller is: casework only with a role that grants `read-casework`.
    pub fn of(w: &Work) -> Self {
        if w.me.caller.may(crate::auth::Permission::ReadCasework) {
            Reader::Casework
        } else {
            Reader::IdentifiersOnly
        }
    }
}

/// Makes an event fit its reader: the one place that decides, used by the feed and webhooks.
/// A stored type rarlink no longer publishes keeps no payload for a restricted reader.
pub fn fit_for_reader(envelope: &mut EventEnvelope, reader: Reader) {
    if reader == Reader::Casework {
        return;
    }
    let Some(event_type) = crate::domain::events::EventType::parse(&envelope.event_type) else {
        envelope.additional_information = serde_json::json!({});
        envelope.description = String::new();
        return;
    };
    if let Some(payload) = envelope.additional_information.as_object_mut() {
        for key in crate::domain::event_fields::free_text_keys(event_type.payload_type()) {
            payload.remove(&key);
        }
    }
    envelope.description = event_type.meaning().to_string();
}

/// Events the caller's organisation may see (its cases and, for a provider, its referrals)
/// after sequence number `after`, in commit order, `limit` at most; only those of `event_type`
/// when given. Seals what is committed first, so the feed is up to date.
pub fn feed(
    w: &mut Work,
    event_type: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, ApiError> {
    w.seal(ledger::seal_events)?;
    Ok(rows::list_visible(
        w.conn,
        w.me.org(),
        event_type,
        after,
        limit,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> EventRow {
        EventRow {
            id: "0190a5c8-8f00-7000-8000-000000000001".into(),
            seq: Some(7),
            event_type: "rarlink.person.upserted".into(),
            version: 1,
            occurred_at: chrono::DateTime::from_timestamp(1_772_442_000, 0)
                .unwrap()
                .naive_utc(),
            description: "Person X123456 recorded".into(),
            detail_url: "/api/v1/people/X123456".into(),
            additional_information: r#"{"crn":"X123456"}"#.into(),
            crn: Some("X123456".into()),
            org_code: "PDU-CAMBS".into(),
            provider_org_code: None,
            actor_sub: Some("jsmith".into()),
            actor_org: Some("PDU-CAMBS".into()),
        }
    }

    #[test]
    fn a_stored_event_becomes_its_envelope() {
        let envelope = EventEnvelope::try_from(row()).unwrap();
        assert_eq!(envelope.sequence, 7);
        assert_eq!(envelope.id.to_string(), row().id);
        assert_eq!(envelope.additional_information["crn"], "X123456");
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["eventType"], "rarlink.person.upserted");
        assert_eq!(json["personReference"]["identifiers"][0]["type"], "CRN");
    }

    #[test]
    fn a_restricted_reader_gets_no_free_text_and_a_neutral_description() {
        let mut r = row();
        r.event_type = "rarlink.order.terminated".into();
        r.description = "Order terminated: moved abroad to live with partner".into();
        r.additional_information = serde_json::json!({"orderId": "o1", "reason": "moved abroad",
            "evidence": "letter", "agenciesNotified": [{"agency": "POLICE", "notifiedOn": "2026-03-01", "reference": "CAD-77"}], "signOffReasons": [],
            "terminationDate": "2026-03-01", "signedOffBy": "mgreen"})
        .to_string();
        let full = EventEnvelope::try_from(r.clone()).unwrap();
        let mut casework = EventEnvelope::try_from(r.clone()).unwrap();
        fit_for_reader(&mut casework, Reader::Casework);
        assert_eq!(casework.additional_information, full.additional_information);
        let mut restricted = EventEnvelope::try_from(r).unwrap();
        fit_for_reader(&mut restricted, Reader::IdentifiersOnly);
        assert_eq!(
            restricted.additional_information,
            serde_json::json!({"orderId": "o1", "terminationDate": "2026-03-01", "signedOffBy": "mgreen"})
        );
        assert!(!restricted.description.contains("abroad"));
    }

    #[test]
    fn a_corrupt_stored_event_is_an_internal_error_not_a_default() {
        type Corrupt = fn(&mut EventRow);
        let corruptions: [(&str, Corrupt); 3] = [
            ("id", |r| r.id = "not-a-uuid".into()),
            ("unsealed", |r| r.seq = None),
            ("information", |r| r.additional_information = "{".into()),
        ];
        for (what, corrupt) in corruptions {
            let mut r = row();
            corrupt(&mut r);
            let err = EventEnvelope::try_from(r).expect_err(what);
            assert_eq!(err.to_problem().status, 500, "{what}");
        }
    }
}
