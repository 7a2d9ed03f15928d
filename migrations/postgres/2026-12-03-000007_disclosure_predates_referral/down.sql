ALTER TABLE disclosures DROP COLUMN predates_referral;
