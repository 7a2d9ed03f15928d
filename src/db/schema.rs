//! Table definitions shared by both backends (portable types: text UUIDs, UTC timestamps, JSON as text).

diesel::table! {
    organisations (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        seq -> Nullable<BigInt>,
        at -> Timestamp,
        actor_sub -> Text,
        actor_org -> Text,
        actor_roles -> Text,
        action -> Text,
        method -> Text,
        resource -> Text,
        crn -> Nullable<Text>,
        request_id -> Text,
        status -> Integer,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    domain_events (id) {
        id -> Text,
        seq -> Nullable<BigInt>,
        event_type -> Text,
        version -> Integer,
        occurred_at -> Timestamp,
        description -> Text,
        detail_url -> Text,
        additional_information -> Text,
        crn -> Nullable<Text>,
        org_code -> Text,
        provider_org_code -> Nullable<Text>,
    }
}

diesel::table! {
    ledger_heads (name) {
        name -> Text,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    idempotency_keys (owner, idem_key) {
        owner -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        body -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    audit_events,
    domain_events,
    ledger_heads,
    idempotency_keys,
);
