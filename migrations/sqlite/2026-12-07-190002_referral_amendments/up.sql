-- Amendments to a sent referral: what changed (each field's value before and after, as JSON), why,
-- who and when. The referral itself holds the amended values.
CREATE TABLE referral_amendments (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    crn TEXT NOT NULL REFERENCES people (crn),
    reason TEXT NOT NULL,
    changes TEXT NOT NULL,
    amended_at TIMESTAMP NOT NULL,
    amended_by TEXT NOT NULL,
    amended_by_name TEXT NOT NULL
);
CREATE INDEX referral_amendments_referral ON referral_amendments (referral_id, amended_at);
