-- Platform tables: organisations, the hash-chained audit log, the domain-event outbox,
-- the ledger heads that sequence both, and idempotency keys.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('probation', 'provider')),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT UNIQUE,
    at TIMESTAMP NOT NULL,
    actor_sub TEXT NOT NULL,
    actor_org TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    action TEXT NOT NULL,
    method TEXT NOT NULL,
    resource TEXT NOT NULL,
    crn TEXT,
    request_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;
CREATE INDEX audit_events_crn ON audit_events (crn, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_sub, seq);
CREATE INDEX audit_events_at ON audit_events (at, seq);

CREATE TABLE domain_events (
    id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT UNIQUE,
    event_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    description TEXT NOT NULL,
    detail_url TEXT NOT NULL,
    additional_information TEXT NOT NULL,
    crn TEXT,
    org_code TEXT NOT NULL,
    provider_org_code TEXT
);
CREATE INDEX domain_events_unsealed ON domain_events (id) WHERE seq IS NULL;
CREATE INDEX domain_events_org ON domain_events (org_code, seq);
CREATE INDEX domain_events_provider ON domain_events (provider_org_code, seq);

CREATE TABLE ledger_heads (
    name TEXT PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO ledger_heads (name, last_seq, last_hash) VALUES
    ('audit', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
    ('events', 0, '');

CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT,
    location TEXT,
    etag TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
