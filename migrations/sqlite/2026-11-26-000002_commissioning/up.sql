-- Commissioning: people, risk assessments, household, orders, referrals and the shared-context
-- snapshots sent to providers. Nested lists are JSON text; what is filtered on has its own column.
CREATE TABLE people (
    crn TEXT PRIMARY KEY NOT NULL,
    managing_org TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    pnc_number TEXT,
    address TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX people_managing_org ON people (managing_org, crn);

CREATE TABLE risk_assessments (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    assessed_on DATE NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX risk_assessments_crn ON risk_assessments (crn, recorded_at);

CREATE TABLE household_members (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX household_members_crn ON household_members (crn, created_at);

CREATE TABLE household_declarations (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    declared_at TIMESTAMP NOT NULL,
    body TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX household_declarations_crn ON household_declarations (crn, declared_at);

CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    managing_org TEXT NOT NULL,
    order_type TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    rar_max_days INTEGER NOT NULL CHECK (rar_max_days >= 1),
    responsible_officer TEXT NOT NULL,
    responsible_officer_name TEXT,
    offences TEXT NOT NULL,
    status TEXT NOT NULL,
    terminated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX orders_crn ON orders (crn, start_date);
CREATE INDEX orders_managing_org ON orders (managing_org, end_date);

CREATE TABLE referrals (
    id TEXT PRIMARY KEY NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    crn TEXT NOT NULL REFERENCES people (crn),
    probation_org TEXT NOT NULL,
    provider_org TEXT NOT NULL,
    status TEXT NOT NULL,
    rar_days INTEGER,
    content TEXT NOT NULL,
    assigned_worker TEXT,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    sent_by TEXT,
    accepted_at TIMESTAMP,
    accepted_by TEXT,
    decline_reason TEXT,
    withdrawal_code TEXT,
    withdrawal_note TEXT,
    end_reason TEXT,
    end_note TEXT,
    ended_at TIMESTAMP,
    ended_by TEXT,
    context_version INTEGER NOT NULL,
    acknowledged_version INTEGER NOT NULL
);
CREATE INDEX referrals_order ON referrals (order_id);
CREATE INDEX referrals_probation ON referrals (probation_org, status, created_at);
CREATE INDEX referrals_provider ON referrals (provider_org, status, created_at);
CREATE INDEX referrals_crn ON referrals (crn);

CREATE TABLE referral_contexts (
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    version INTEGER NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT,
    PRIMARY KEY (referral_id, version)
);
