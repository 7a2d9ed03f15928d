DROP TABLE safeguarding_prompts;
DROP TABLE disclosures;
