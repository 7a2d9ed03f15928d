-- Safeguarding prompts are worked to closure: a referral to an agency waits for its decision,
-- a proposed "not required" on a mandatory prompt waits for a manager, and every step is kept.

-- A prompt covers its facts until it is resolved, whether open, awaiting a response or pending
-- approval: at most one such prompt per rule and set of facts.
DROP INDEX prompts_open_dedup;
CREATE UNIQUE INDEX prompts_open_dedup ON safeguarding_prompts (dedup_key) WHERE status <> 'RESOLVED';

-- Every transition of a prompt: who, in which role, when, why.
CREATE TABLE safeguarding_prompt_history (
    id TEXT PRIMARY KEY NOT NULL,
    prompt_id TEXT NOT NULL REFERENCES safeguarding_prompts (id),
    at TIMESTAMP NOT NULL,
    step TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT,
    note TEXT,
    outcome TEXT
);
CREATE INDEX prompt_history_prompt ON safeguarding_prompt_history (prompt_id, at, id);

-- A referral made to an agency in answer to a prompt, and the agency's decision.
CREATE TABLE safeguarding_prompt_referrals (
    prompt_id TEXT PRIMARY KEY NOT NULL REFERENCES safeguarding_prompts (id),
    agency TEXT NOT NULL,
    method TEXT NOT NULL,
    referred_on DATE NOT NULL,
    reference TEXT,
    follow_up_due_at TIMESTAMP NOT NULL,
    follow_up_notified_at TIMESTAMP,
    response_received_on DATE,
    decision TEXT,
    response_reference TEXT,
    response_note TEXT,
    responded_at TIMESTAMP,
    responded_by TEXT
);
CREATE INDEX prompt_referrals_follow_up ON safeguarding_prompt_referrals (follow_up_due_at)
    WHERE decision IS NULL AND follow_up_notified_at IS NULL;
