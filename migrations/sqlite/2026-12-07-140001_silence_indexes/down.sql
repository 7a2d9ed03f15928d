DROP INDEX appointments_unrecorded;
DROP INDEX referrals_status;
DROP INDEX prompts_dedup_key;
