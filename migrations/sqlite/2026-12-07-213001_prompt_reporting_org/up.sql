-- The provider that reported the fact (a disclosure) that raised a prompt: it is told what
-- became of the prompt (events), whoever the prompt is addressed to.
ALTER TABLE safeguarding_prompts ADD COLUMN reporting_org TEXT;
UPDATE safeguarding_prompts
SET reporting_org = (
    SELECT d.provider_org FROM disclosures d WHERE d.id = safeguarding_prompts.triggered_by_id
)
WHERE triggered_by_kind = 'DISCLOSURE';
