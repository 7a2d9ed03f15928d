-- The silence checks run on every background tick: each looks for a prompt ever raised with a key
-- (open or resolved), live referrals by status, and sessions with no attendance recorded.
CREATE INDEX prompts_dedup_key ON safeguarding_prompts (dedup_key);
CREATE INDEX referrals_status ON referrals (status);
CREATE INDEX appointments_unrecorded ON appointments (starts_at) WHERE attended IS NULL;
