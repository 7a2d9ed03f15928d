DROP TABLE idempotency_keys;
DROP TABLE ledger_heads;
DROP TABLE domain_events;
DROP TABLE audit_events;
DROP TABLE organisations;
