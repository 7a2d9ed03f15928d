//! Checks that the generated OpenAPI document types everything a generated client sends or
//! reads: every request field (no object without properties, none accepting unknown fields), the
//! event envelope per event type, and the cursor parameters. Later additions stay typed.

use crate::domain::events::EventType;
use serde_json::Value;
use std::collections::BTreeSet;

fn document() -> Value {
    serde_json::from_str(&crate::api::openapi_json()).expect("the document is JSON")
}

/// Where a schema does not type what it describes, as `<where>: <what is wrong>`.
struct Walk<'a> {
    doc: &'a Value,
    /// Whether objects must refuse unknown fields (request bodies do).
    closed: bool,
    seen: BTreeSet<String>,
    problems: Vec<String>,
}

impl Walk<'_> {
    fn schema(&mut self, at: &str, schema: &Value) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if self.seen.insert(reference.to_string()) {
                let name = reference.trim_start_matches("#/components/schemas/");
                match self.doc["components"]["schemas"].get(name) {
                    Some(target) => self.schema(name, &target.clone()),
                    None => self.problems.push(format!("{at}: {reference} is missing")),
                }
            }
            return;
        }
        let mut typed = false;
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(items) = schema.get(key).and_then(Value::as_array) {
                typed = !items.is_empty();
                if !typed {
                    self.problems.push(format!("{at}: empty {key}"));
                }
                for (i, item) in items.iter().enumerate() {
                    self.schema(&format!("{at}/{key}/{i}"), item);
                }
            }
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if types.is_empty() && !typed && schema.get("enum").is_none() {
            self.problems.push(format!("{at}: no type"));
        }
        if types.contains(&"object") {
            let properties = schema.get("properties").and_then(Value::as_object);
            match properties {
                Some(properties) if !properties.is_empty() => {
                    for (name, property) in properties {
                        self.schema(&format!("{at}.{name}"), property);
                    }
                }
                _ => self
                    .problems
                    .push(format!("{at}: an object without properties")),
            }
            if self.closed && schema.get("additionalProperties") != Some(&Value::Bool(false)) {
                self.problems
                    .push(format!("{at}: accepts fields it does not define"));
            }
        }
        if types.contains(&"array") {
            match schema.get("items") {
                Some(items) => self.schema(&format!("{at}[]"), items),
                None => self.problems.push(format!("{at}: an array of anything")),
            }
        }
    }
}

fn problems(doc: &Value, closed: bool, schemas: &[(String, Value)]) -> Vec<String> {
    let mut walk = Walk {
        doc,
        closed,
        seen: BTreeSet::new(),
        problems: Vec::new(),
    };
    for (at, schema) in schemas {
        walk.schema(at, schema);
    }
    walk.problems
}

/// Every request body's schema, as `METHOD path`.
fn request_bodies(doc: &Value) -> Vec<(String, Value)> {
    let mut bodies = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(content) = op["requestBody"]["content"].as_object() {
                for media in content.values() {
                    bodies.push((format!("{method} {path}"), media["schema"].clone()));
                }
            }
        }
    }
    bodies
}

#[test]
fn every_request_body_types_every_field_and_refuses_unknown_ones() {
    let doc = document();
    let bodies = request_bodies(&doc);
    assert!(
        bodies.len() > 20,
        "found only {} request bodies",
        bodies.len()
    );
    let problems = problems(&doc, true, &bodies);
    assert!(
        problems.is_empty(),
        "untyped request schemas:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_walk_reports_an_untyped_object_and_one_open_to_unknown_fields() {
    let doc = serde_json::json!({"components": {"schemas": {
        "Loose": {"type": "object"},
        "Open": {"type": "object", "properties": {"a": {"type": "string"}}},
        "Anything": {"type": "object", "properties": {"a": {}},
            "additionalProperties": false},
    }}});
    let refs = ["Loose", "Open", "Anything"].map(|n| {
        (
            n.to_string(),
            serde_json::json!({"$ref": format!("#/components/schemas/{n}")}),
        )
    });
    assert_eq!(
        problems(&doc, true, &refs),
        [
            "Loose: an object without properties",
            "Loose: accepts fields it does not define",
            "Open: accepts fields it does not define",
            "Anything.a: no type",
        ]
    );
}

#[test]
fn every_event_type_has_an_envelope_whose_additional_information_is_typed() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let envelope = &schemas["EventEnvelope"];
    let branches = envelope["oneOf"]
        .as_array()
        .expect("EventEnvelope is a oneOf");
    assert_eq!(branches.len(), EventType::ALL.len());
    assert_eq!(envelope["discriminator"]["propertyName"], "eventType");
    let mut informations = Vec::new();
    for &t in EventType::ALL {
        let name = super::openapi_events::envelope_name(t);
        assert_eq!(
            envelope["discriminator"]["mapping"][t.as_str()],
            format!("#/components/schemas/{name}")
        );
        let branch = &schemas[name.as_str()];
        assert_eq!(
            branch["properties"]["eventType"]["enum"],
            serde_json::json!([t.as_str()])
        );
        let information = branch["properties"]["additionalInformation"].clone();
        assert_eq!(information["type"], "object", "{t}: {information}");
        // Free text is left out for readers who may not read casework, so it is never required.
        for key in crate::domain::event_fields::free_text_keys(t.payload_type()) {
            let required = information["required"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                !required.contains(&serde_json::json!(key)),
                "{t}: free text `{key}` is required"
            );
        }
        informations.push((t.as_str().to_string(), information));
    }
    let problems = problems(&doc, false, &informations);
    assert!(
        problems.is_empty(),
        "untyped event payloads:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_document_lists_every_event_type() {
    let doc = document();
    let listed: Vec<&str> = doc["components"]["schemas"]["EventType"]["enum"]
        .as_array()
        .expect("EventType lists the names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(listed, all);
    let feed_filter = doc["paths"]["/api/v1/events"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "type")
        .expect("the feed filters by type")
        .clone();
    assert_eq!(
        feed_filter["schema"]["$ref"],
        "#/components/schemas/EventType"
    );
    let subscribed = &doc["components"]["schemas"]["NewSubscription"]["properties"]["eventTypes"];
    assert_eq!(
        subscribed["items"]["$ref"],
        "#/components/schemas/EventType"
    );
}

#[test]
fn every_cursor_parameter_is_an_opaque_string_with_its_pattern() {
    let doc = document();
    let mut cursors = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["name"] == "cursor" {
                    cursors += 1;
                    assert_eq!(param["schema"]["type"], "string");
                    assert_eq!(
                        param["schema"]["pattern"],
                        crate::api::pagination::CURSOR_PATTERN
                    );
                }
            }
        }
    }
    assert!(cursors > 10, "found only {cursors} cursor parameters");
}

/// Strings, arrays and objects in `schema` (following `$ref`s) without a cap, as `<where>`.
fn uncapped(doc: &Value, at: &str, schema: &Value, seen: &mut BTreeSet<String>) -> Vec<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        return match doc["components"]["schemas"].get(name) {
            Some(target) if seen.insert(name.to_string()) => uncapped(doc, name, target, seen),
            _ => Vec::new(),
        };
    }
    let mut found = Vec::new();
    for key in ["oneOf", "anyOf", "allOf"] {
        for (i, item) in schema[key].as_array().into_iter().flatten().enumerate() {
            found.extend(uncapped(doc, &format!("{at}/{key}/{i}"), item, seen));
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let lacks = |cap: &str| schema.get(cap).and_then(Value::as_u64).is_none();
    if types.contains(&"string") && schema.get("enum").is_none() && lacks("maxLength") {
        found.push(format!("{at}: a string without maxLength"));
    }
    if types.contains(&"array") {
        if lacks("maxItems") {
            found.push(format!("{at}: an array without maxItems"));
        }
        found.extend(uncapped(doc, &format!("{at}[]"), &schema["items"], seen));
    }
    if types.contains(&"object") && lacks("maxProperties") {
        found.push(format!("{at}: an object without maxProperties"));
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        found.extend(uncapped(doc, &format!("{at}.{name}"), property, seen));
    }
    found
}

#[test]
fn every_string_array_and_object_a_request_body_holds_has_a_documented_cap() {
    let doc = document();
    let mut seen = BTreeSet::new();
    let found: Vec<String> = request_bodies(&doc)
        .iter()
        .flat_map(|(at, schema)| uncapped(&doc, at, schema, &mut seen))
        .collect();
    assert!(
        found.is_empty(),
        "request fields without a cap:\n{}",
        found.join("\n")
    );
    let order = &doc["components"]["schemas"]["NewDisclosure"]["properties"]["summary"];
    assert!(order["maxLength"].as_u64().is_some(), "{order}");
}

/// Every `$ref` in `value`, as the name after `#/components/schemas/`.
fn schema_refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => {
                        out.insert(r.trim_start_matches("#/components/schemas/").to_string());
                    }
                    _ => schema_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_schema_the_document_refers_to_is_in_its_components() {
    let doc = document();
    let mut refs = BTreeSet::new();
    schema_refs(&doc, &mut refs);
    let missing: Vec<&String> = refs
        .iter()
        .filter(|name| doc["components"]["schemas"].get(name.as_str()).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "referred to but not defined: {missing:?}"
    );
}
