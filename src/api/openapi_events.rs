//! Types the events in the OpenAPI document from the one list of event types (`domain_events!`):
//! an `EventType` schema listing every name, and `EventEnvelope` as a `oneOf` of one envelope per
//! event type (discriminated by `eventType`) whose `additionalInformation` is that type's payload.
//! An event type added to the list appears here with its payload, with nothing else to edit.

use crate::domain::events::{payload_schemas, EventType};
use utoipa::openapi::schema::{Discriminator, OneOfBuilder, Schema, Type};
use utoipa::openapi::{ObjectBuilder, OpenApi as OpenApiDoc, Ref, RefOr};

/// The component name of the envelope of one event type, e.g. `ReferralSentEvent`.
pub fn envelope_name(t: EventType) -> String {
    format!("{t:?}Event")
}

/// Replaces the derived `EventEnvelope` (whose `additionalInformation` is any object) by the
/// typed `oneOf`, and adds `EventType`, which the feed's `type` filter and a webhook
/// subscription's `eventTypes` refer to.
pub fn type_event_envelope(doc: &mut OpenApiDoc) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(Schema::Object(base))) = components.schemas.get("EventEnvelope").cloned()
    else {
        return;
    };
    let mut refs = Vec::new();
    let payloads = payload_schemas(&mut refs);
    for (name, schema) in refs {
        components.schemas.entry(name).or_insert(schema);
    }
    components.schemas.insert(
        "EventType".to_string(),
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(format!(
                "Every event type the service publishes, as `rarlink.<resource>.<past-tense-verb>`:\n\n{}",
                crate::domain::events::markdown_table()
            )))
            .enum_values(Some(EventType::ALL.iter().map(|t| t.as_str())))
            .into(),
    );
    refer_to_event_type(components.schemas.get_mut("NewSubscription"));
    let feed_type = doc
        .paths
        .paths
        .get_mut("/api/v1/events")
        .and_then(|item| item.get.as_mut())
        .and_then(|op| op.parameters.as_mut())
        .and_then(|params| params.iter_mut().find(|p| p.name == "type"));
    if let Some(param) = feed_type {
        param.schema = Some(Ref::from_schema_name("EventType").into());
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut one_of = OneOfBuilder::new().description(Some(
        "One domain event; `eventType` says which, and so what `additionalInformation` carries.",
    ));
    let mut mapping = std::collections::BTreeMap::new();
    for (t, payload) in payloads {
        let mut envelope = base.clone();
        envelope.description = Some(format!("`{}`: {}", t.as_str(), t.meaning()));
        envelope.properties.insert(
            "eventType".to_string(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([t.as_str()]))
                .into(),
        );
        let information = free_text_optional(flatten(payload, &components.schemas), t);
        envelope
            .properties
            .insert("additionalInformation".to_string(), information);
        let name = envelope_name(t);
        mapping.insert(
            t.as_str().to_string(),
            format!("#/components/schemas/{name}"),
        );
        one_of = one_of.item(Ref::from_schema_name(&name));
        components
            .schemas
            .insert(name, RefOr::T(Schema::Object(envelope)));
    }
    let mut discriminator = Discriminator::new("eventType");
    discriminator.mapping = mapping;
    components.schemas.insert(
        "EventEnvelope".to_string(),
        RefOr::T(Schema::OneOf(
            one_of.discriminator(Some(discriminator)).build(),
        )),
    );
}

/// Free-text fields (`domain::event_fields`) reach only readers of casework, so the document
/// does not require them: they are absent for the rest, as the feed and webhooks send them.
fn free_text_optional(information: RefOr<Schema>, t: EventType) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = information else {
        return information;
    };
    let free = crate::domain::event_fields::free_text_keys(t.payload_type());
    if free.is_empty() {
        return RefOr::T(Schema::Object(object));
    }
    object.required.retain(|field| !free.contains(field));
    let note = format!(
        "Free text ({}) is sent only to readers of casework; other readers (integration clients, \
         provider workers, webhooks) get the event without it.",
        free.iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    object.description = Some(match object.description.take() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
        _ => note,
    });
    RefOr::T(Schema::Object(object))
}

/// A payload as one object: a struct with a flattened part (`OnReferral<T>`) is derived as an
/// `allOf` of its parts, which are merged here (properties and required fields side by side, as
/// they are serialised), resolving parts given by reference.
fn flatten(
    payload: RefOr<Schema>,
    schemas: &std::collections::BTreeMap<String, RefOr<Schema>>,
) -> RefOr<Schema> {
    let RefOr::T(Schema::AllOf(all_of)) = payload else {
        return payload;
    };
    let mut merged = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(all_of.description)
        .build();
    for part in all_of.items {
        let part = match part {
            RefOr::Ref(r) => {
                let name = r.ref_location.trim_start_matches("#/components/schemas/");
                match schemas.get(name) {
                    Some(schema) => schema.clone(),
                    None => return RefOr::T(Schema::AllOf(Default::default())),
                }
            }
            inline => inline,
        };
        match flatten(part, schemas) {
            RefOr::T(Schema::Object(object)) => {
                merged.properties.extend(object.properties);
                merged.required.extend(object.required);
            }
            // Anything else cannot be merged; the contract test reports the untyped payload.
            _ => return RefOr::T(Schema::AllOf(Default::default())),
        }
    }
    RefOr::T(Schema::Object(merged))
}

/// A webhook subscription names event types from the list (anything else is refused), so its
/// `eventTypes` items are `EventType`.
fn refer_to_event_type(subscription: Option<&mut RefOr<Schema>>) {
    use utoipa::openapi::schema::{ArrayItems, Schema::Array};
    let Some(RefOr::T(Schema::Object(subscription))) = subscription else {
        return;
    };
    if let Some(RefOr::T(Array(types))) = subscription.properties.get_mut("eventTypes") {
        types.items = ArrayItems::RefOrSchema(Box::new(Ref::from_schema_name("EventType").into()));
    }
}
