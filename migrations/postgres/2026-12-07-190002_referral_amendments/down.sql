DROP TABLE referral_amendments;
