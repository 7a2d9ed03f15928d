DROP TABLE referral_contexts;
DROP TABLE referrals;
DROP TABLE orders;
DROP TABLE household_declarations;
DROP TABLE household_members;
DROP TABLE risk_assessments;
DROP TABLE people;
