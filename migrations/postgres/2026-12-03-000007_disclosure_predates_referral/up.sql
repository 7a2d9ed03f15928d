-- A provider may know a person before the referral reaches it: what it reports from then is kept,
-- marked as predating the referral, never refused.
ALTER TABLE disclosures ADD COLUMN predates_referral BOOLEAN NOT NULL DEFAULT FALSE;
