-- E-mail notifications: a staff directory (who wants e-mail, at which address, and who is one of
-- an organisation's managers) and an outbox of notifications, written in the same transaction as
-- the event that causes each one and sent by a background task with retries.
CREATE TABLE staff (
    sub TEXT PRIMARY KEY NOT NULL,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    notifications BOOLEAN NOT NULL,
    manager BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX staff_org ON staff (org, manager);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    org TEXT NOT NULL,
    recipient_sub TEXT,
    to_address TEXT,
    kind TEXT NOT NULL,
    event_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link_path TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_org ON notifications (org, id);
