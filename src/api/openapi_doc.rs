//! Completes the generated OpenAPI document: what must apply to every operation or schema.
//!
//! utoipa builds each operation from its `#[utoipa::path]`; these passes run once over the whole
//! document so the rules live in one place: the bearer scheme, the problem+json body of every
//! error and the errors any operation can return, the CRN pattern on `{crn}`, and response
//! schemas that extend a strict request schema.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::Modify;

/// Applies the modifiers that must see every path (they run after routes are collected).
pub fn finish(mut doc: OpenApiDoc) -> OpenApiDoc {
    BearerSecurity.modify(&mut doc);
    ProblemResponses.modify(&mut doc);
    open_extended_schemas(&mut doc);
    declare_access(&mut doc);
    cap_request_schemas(&mut doc);
    super::openapi_events::type_event_envelope(&mut doc);
    doc
}

pub const BEARER: &str = "bearer";

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with claims sub, name, org and roles; see README (Tokens).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Gives every error response the problem+json body and adds the errors any operation can return.
struct ProblemResponses;

impl ProblemResponses {
    fn add(op: &mut Operation, status: &str, description: &str) {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    }

    fn describe(op: &mut Operation, secured: bool, has_body: bool, api: bool) {
        let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
        if secured {
            Self::add(
                op,
                "401",
                "Missing, malformed, expired or otherwise invalid bearer token.",
            );
            Self::add(
                op,
                "403",
                "The caller's roles or organisation may never do this.",
            );
        }
        if has_body {
            Self::add(op, "400", "Malformed JSON or an invalid header.");
            Self::add(
                op,
                "408",
                "The request body did not arrive within `RARLINK_BODY_READ_TIMEOUT_SECS`.",
            );
            Self::add(op, "413", "The request body is larger than 1 MiB.");
            Self::add(op, "415", "The request body is not application/json.");
            Self::add(
                op,
                "422",
                "The body does not validate; `errors` lists every bad field.",
            );
        }
        if has_params {
            Self::add(
                op,
                "422",
                "A path parameter or query value is out of range or not valid (e.g. a CRN, a \
                 `limit` or a `cursor`); `errors` lists each.",
            );
        }
        if api {
            Self::add(op, "400", "An invalid path parameter or query string.");
            Self::add(
                op,
                "429",
                "The caller's rate limit is spent (per organisation and subject, per client IP \
                 before authentication); retry after `Retry-After` seconds.",
            );
            Self::add(
                op,
                "500",
                "An unexpected error; nothing internal is disclosed.",
            );
            Self::add(
                op,
                "503",
                "The database is unavailable or busy; retry after `Retry-After` seconds.",
            );
        }
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        for (status, response) in op.responses.responses.iter_mut() {
            let is_error = status.starts_with('4') || status.starts_with('5');
            if let (true, RefOr::T(response)) = (is_error, response) {
                response.content.clear();
                response
                    .content
                    .insert("application/problem+json".to_string(), problem.clone());
            }
        }
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/api/");
            for op in operations_mut(item) {
                constrain_crn_parameters(op);
                describe_cursor_parameters(op);
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = op.request_body.is_some();
                Self::describe(op, secured, has_body, api);
            }
        }
    }
}

/// The operations of one path (the methods this API uses).
/// Each operation of a path with its HTTP method (upper case).
pub fn operations(item: &PathItem) -> impl Iterator<Item = (&'static str, &Operation)> {
    [
        ("GET", &item.get),
        ("PUT", &item.put),
        ("POST", &item.post),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_ref().map(|op| (method, op)))
}

/// Puts each operation's access facts (`api::operations`) on it as one `x-access` extension
/// (`permission`, `callers`, `reach`), so clients, the access test and the fuzzer read them from
/// the document. One key, whose object serialises in a fixed order, keeps the document stable.
fn declare_access(doc: &mut OpenApiDoc) {
    use utoipa::openapi::extensions::ExtensionsBuilder;
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let Some(access) = op
                .operation_id
                .as_deref()
                .and_then(super::operations::access)
            else {
                continue;
            };
            let facts = serde_json::json!({
                "permission": access.permission.map(|p| p.as_str()),
                "callers": access.callers,
                "reach": access.reach,
            });
            op.extensions
                .get_or_insert_with(Default::default)
                .merge(ExtensionsBuilder::new().add("x-access", facts).build());
        }
    }
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// Every `{crn}` path parameter gets the CRN's pattern, so clients (and fuzzers) see the rule.
fn constrain_crn_parameters(op: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ObjectBuilder, Type};
    for param in op.parameters.iter_mut().flatten() {
        if param.name == "crn" && param.parameter_in == ParameterIn::Path {
            param.schema = Some(RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(crate::domain::crn::PATTERN))
                    .examples(["X123456"])
                    .into(),
            ));
        }
    }
}

/// The schema of a JSON merge patch of `schema` (an object): the same properties, none required,
/// and nothing else accepted. A property the object requires stays non-nullable (`null` would
/// remove it, and the result would be refused).
pub fn merge_patch_of(schema: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = schema else {
        return schema;
    };
    object.required.clear();
    object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    object.description = Some(description.to_string());
    RefOr::T(Schema::Object(object))
}

/// Every `cursor` query parameter is an opaque string the API returned as `nextCursor`; its
/// pattern lets contract tests tell one that cannot be a cursor.
fn describe_cursor_parameters(op: &mut Operation) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ObjectBuilder, Type};
    for param in op.parameters.iter_mut().flatten() {
        if param.name == "cursor" && param.parameter_in == ParameterIn::Query {
            param.description = Some(
                "The `nextCursor` of the previous page, exactly as returned (opaque; empty or \
                 absent for the first page). One the API did not issue is `422` naming `cursor`."
                    .into(),
            );
            param.schema = Some(RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(super::pagination::CURSOR_PATTERN))
                    .max_length(Some(1024))
                    .into(),
            ));
        }
    }
}

/// A response such as `RiskView` is the request schema (`RiskAssessment`, which refuses unknown
/// fields, so `additionalProperties: false`) plus the server's fields, as an `allOf`. Read
/// literally, no object can match both, so each closed schema used inside an `allOf` is inlined
/// there without its `additionalProperties`; the request schema itself stays strict.
fn open_extended_schemas(doc: &mut OpenApiDoc) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let closed: std::collections::BTreeMap<String, Schema> = components
        .schemas
        .iter()
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(object))
                if matches!(
                    object.additional_properties.as_deref(),
                    Some(AdditionalProperties::FreeForm(false))
                ) =>
            {
                let mut open = object.clone();
                open.additional_properties = None;
                Some((format!("#/components/schemas/{name}"), Schema::Object(open)))
            }
            _ => None,
        })
        .collect();
    for schema in components.schemas.values_mut() {
        open_all_of(schema, &closed, false);
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for content in response.content.values_mut() {
                        if let Some(schema) = content.schema.as_mut() {
                            open_all_of(schema, &closed, false);
                        }
                    }
                }
            }
        }
    }
}

/// Walks a schema; inside an `allOf`, a reference to a closed schema becomes its open copy.
fn open_all_of(
    schema: &mut RefOr<Schema>,
    closed: &std::collections::BTreeMap<String, Schema>,
    in_all_of: bool,
) {
    use utoipa::openapi::schema::ArrayItems;
    match schema {
        RefOr::Ref(reference) if in_all_of => {
            if let Some(open) = closed.get(&reference.ref_location) {
                *schema = RefOr::T(open.clone());
            }
        }
        RefOr::Ref(_) => {}
        RefOr::T(Schema::AllOf(all_of)) => {
            for item in all_of.items.iter_mut() {
                open_all_of(item, closed, true);
            }
        }
        RefOr::T(Schema::OneOf(one_of)) => {
            for item in one_of.items.iter_mut() {
                open_all_of(item, closed, false);
            }
        }
        RefOr::T(Schema::AnyOf(any_of)) => {
            for item in any_of.items.iter_mut() {
                open_all_of(item, closed, false);
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                open_all_of(items, closed, false);
            }
        }
        RefOr::T(Schema::Object(object)) => {
            for property in object.properties.values_mut() {
                open_all_of(property, closed, false);
            }
        }
        RefOr::T(_) => {}
    }
}

/// Every string, array and object a request body can hold gets the caps every body is parsed
/// with (`http::extract`) as `maxLength`, `maxItems` and `maxProperties`, unless the field
/// declares a tighter one of its own; the walk follows `$ref`s into the components.
fn cap_request_schemas(doc: &mut OpenApiDoc) {
    let mut pending = Vec::new();
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            for content in op
                .request_body
                .iter_mut()
                .flat_map(|b| b.content.values_mut())
            {
                if let Some(schema) = content.schema.as_mut() {
                    cap_schema(schema, &mut pending);
                }
            }
        }
    }
    let mut done = std::collections::BTreeSet::new();
    let components = doc.components.get_or_insert_with(Default::default);
    while let Some(name) = pending.pop() {
        if done.insert(name.clone()) {
            if let Some(schema) = components.schemas.get_mut(&name) {
                cap_schema(schema, &mut pending);
            }
        }
    }
}

fn cap_schema(schema: &mut RefOr<Schema>, refs: &mut Vec<String>) {
    use crate::http::extract::{MAX_ARRAY_ITEMS, MAX_OBJECT_PROPERTIES, MAX_STRING_CHARS};
    use utoipa::openapi::schema::{ArrayItems, SchemaType, Type};
    let has = |t: &SchemaType, want: Type| match t {
        SchemaType::Type(one) => *one == want,
        SchemaType::Array(many) => many.contains(&want),
        SchemaType::AnyValue => false,
    };
    match schema {
        RefOr::Ref(r) => refs.push(
            r.ref_location
                .trim_start_matches("#/components/schemas/")
                .to_string(),
        ),
        RefOr::T(Schema::Object(o)) => {
            if has(&o.schema_type, Type::String) && o.enum_values.is_none() {
                o.max_length.get_or_insert(MAX_STRING_CHARS);
            }
            if has(&o.schema_type, Type::Object) {
                o.max_properties.get_or_insert(MAX_OBJECT_PROPERTIES);
            }
            for property in o.properties.values_mut() {
                cap_schema(property, refs);
            }
            if let Some(AdditionalProperties::RefOr(extra)) = o.additional_properties.as_deref_mut()
            {
                cap_schema(extra, refs);
            }
        }
        RefOr::T(Schema::Array(a)) => {
            a.max_items.get_or_insert(MAX_ARRAY_ITEMS);
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                cap_schema(items, refs);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter_mut().for_each(|s| cap_schema(s, refs)),
        RefOr::T(Schema::AllOf(o)) => o.items.iter_mut().for_each(|s| cap_schema(s, refs)),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter_mut().for_each(|s| cap_schema(s, refs)),
        RefOr::T(_) => {}
    }
}
