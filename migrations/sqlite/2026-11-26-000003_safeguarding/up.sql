-- Safeguarding: disclosures (immutable; corrections reference the original) and the prompts the
-- rules raise from them. At most one open prompt per rule and set of facts (dedup_key).
CREATE TABLE disclosures (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    probation_org TEXT NOT NULL,
    referral_id TEXT REFERENCES referrals (id),
    order_id TEXT REFERENCES orders (id),
    provider_org TEXT,
    disclosure_type TEXT NOT NULL,
    disclosed_at TIMESTAMP NOT NULL,
    disclosed_by TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT,
    immediate_action_taken TEXT,
    corrects TEXT REFERENCES disclosures (id),
    no_prompt_reason TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_by_org TEXT NOT NULL
);
CREATE INDEX disclosures_crn ON disclosures (crn, disclosed_at);
CREATE INDEX disclosures_referral ON disclosures (referral_id);

CREATE TABLE safeguarding_prompts (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    probation_org TEXT NOT NULL,
    org TEXT NOT NULL,
    order_id TEXT,
    referral_id TEXT,
    rule TEXT NOT NULL,
    title TEXT NOT NULL,
    action TEXT NOT NULL,
    rationale TEXT NOT NULL,
    guidance TEXT NOT NULL,
    triggered_by_kind TEXT NOT NULL,
    triggered_by_id TEXT NOT NULL,
    assignee_role TEXT NOT NULL,
    assignee TEXT,
    mandatory BOOLEAN NOT NULL,
    dedup_key TEXT NOT NULL,
    status TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    escalated_at TIMESTAMP,
    outcome TEXT,
    resolution_note TEXT,
    external_reference TEXT,
    resolved_at TIMESTAMP,
    resolved_by TEXT,
    resolved_by_role TEXT
);
CREATE INDEX prompts_org_status_due ON safeguarding_prompts (org, status, due_at, id);
CREATE INDEX prompts_probation_org_status_due ON safeguarding_prompts (probation_org, status, due_at, id);
CREATE INDEX prompts_crn ON safeguarding_prompts (crn, raised_at);
CREATE INDEX prompts_trigger ON safeguarding_prompts (triggered_by_id);
CREATE INDEX prompts_overdue ON safeguarding_prompts (due_at) WHERE status = 'OPEN' AND escalated_at IS NULL;
CREATE UNIQUE INDEX prompts_open_dedup ON safeguarding_prompts (dedup_key) WHERE status = 'OPEN';
