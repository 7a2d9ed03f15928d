-- Termination review: the officer's confirmations of judgement items, the review's completion
-- and sign-off. The checklist itself is derived live from the order's data, never stored.
-- Events also record who caused them, for the multi-agency chronology.
CREATE TABLE termination_confirmations (
    order_id TEXT NOT NULL REFERENCES orders (id),
    item_id TEXT NOT NULL,
    confirmed_at TIMESTAMP NOT NULL,
    confirmed_by TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (order_id, item_id)
);

CREATE TABLE termination_reviews (
    order_id TEXT PRIMARY KEY NOT NULL REFERENCES orders (id),
    completed_at TIMESTAMP NOT NULL,
    completed_by TEXT NOT NULL,
    risk_of_reoffending_change TEXT NOT NULL,
    risk_of_serious_harm_change TEXT NOT NULL,
    evidence TEXT NOT NULL,
    agencies_notified TEXT NOT NULL,
    sign_off_required BOOLEAN NOT NULL,
    sign_off_reasons TEXT NOT NULL,
    signed_off_at TIMESTAMP,
    signed_off_by TEXT,
    terminated_at TIMESTAMP,
    termination_reason TEXT,
    termination_date DATE
);

ALTER TABLE domain_events ADD COLUMN actor_sub TEXT;
ALTER TABLE domain_events ADD COLUMN actor_org TEXT;
CREATE INDEX domain_events_crn ON domain_events (crn, occurred_at);
