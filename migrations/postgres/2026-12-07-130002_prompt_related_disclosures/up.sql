-- A later disclosure of facts a recent prompt already covers raises nothing new; it is linked
-- to that prompt instead, so the prompt shows every disclosure of the same fact.
CREATE TABLE safeguarding_prompt_disclosures (
    prompt_id TEXT NOT NULL REFERENCES safeguarding_prompts (id),
    disclosure_id TEXT NOT NULL REFERENCES disclosures (id),
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (prompt_id, disclosure_id)
);
-- The latest prompt for the same facts, resolved or not, within the deduplication window.
CREATE INDEX prompts_dedup_key_raised ON safeguarding_prompts (dedup_key, raised_at);
