DROP INDEX referrals_provider_reference;
ALTER TABLE referrals DROP COLUMN provider_reference;
