ALTER TABLE safeguarding_prompts DROP COLUMN reporting_org;
