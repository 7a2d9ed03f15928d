-- The provider's own case id on a referral, so two systems can be kept in step; unique per
-- provider (several referrals may have none).
ALTER TABLE referrals ADD COLUMN provider_reference TEXT;
CREATE UNIQUE INDEX referrals_provider_reference ON referrals (provider_org, provider_reference);
