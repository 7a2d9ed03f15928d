-- Action plans: the provider proposes activities against the desired outcomes and a number of
-- sessions; the officer approves or asks for changes. Every version is kept; at most one is the
-- current approved plan (status APPROVED), earlier approved versions become SUPERSEDED.
CREATE TABLE action_plans (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    crn TEXT NOT NULL REFERENCES people (crn),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    activities TEXT NOT NULL,
    number_of_sessions INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    submitted_at TIMESTAMP,
    submitted_by TEXT,
    decided_at TIMESTAMP,
    decided_by TEXT,
    change_request_note TEXT,
    UNIQUE (referral_id, version)
);
