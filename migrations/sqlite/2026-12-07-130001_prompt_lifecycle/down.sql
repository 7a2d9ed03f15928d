DROP TABLE safeguarding_prompt_referrals;
DROP TABLE safeguarding_prompt_history;
DROP INDEX prompts_open_dedup;
CREATE UNIQUE INDEX prompts_open_dedup ON safeguarding_prompts (dedup_key) WHERE status = 'OPEN';
