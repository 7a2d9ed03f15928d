-- Case notes: the running two-way record on a referral. Never edited; a correction is a new note
-- naming the old one. A note that sounds like a disclosure keeps what the detector matched.
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    crn TEXT NOT NULL REFERENCES people (crn),
    probation_org TEXT NOT NULL,
    provider_org TEXT NOT NULL,
    author_org TEXT NOT NULL,
    author_sub TEXT NOT NULL,
    author_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sensitivity TEXT NOT NULL,
    corrects TEXT REFERENCES case_notes (id),
    disclosure_id TEXT REFERENCES disclosures (id),
    not_a_disclosure_reason TEXT,
    possible_disclosure TEXT,
    prompt_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_notes_referral ON case_notes (referral_id, created_at);
