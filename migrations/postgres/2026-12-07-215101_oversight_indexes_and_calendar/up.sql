-- What the caseload, the team dashboard and the commissioning report read.
--
-- working_calendar: one row per London calendar day, filled at startup from the service's
-- working-day rules (weekends, the England and Wales bank holidays and any configured extra
-- ones), so working days can be counted in SQL on both backends: the London date of an instant
-- t is the row with starts_at <= t < ends_at (UTC bounds of the London day, so British Summer
-- Time is in the data, not in date functions), and the working days strictly after day a up to
-- and including day b are b.working_seq - a.working_seq.
CREATE TABLE working_calendar (
    day DATE PRIMARY KEY NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    working BOOLEAN NOT NULL,
    working_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX working_calendar_starts ON working_calendar (starts_at);

-- An officer's caseload: their active orders.
CREATE INDEX orders_officer ON orders (managing_org, responsible_officer, status);
-- The commissioning report: referrals sent in a period, per side.
CREATE INDEX referrals_probation_sent ON referrals (probation_org, sent_at);
CREATE INDEX referrals_provider_sent ON referrals (provider_org, sent_at);
CREATE INDEX referrals_sent ON referrals (sent_at);
-- The safeguarding actions raised on a referral.
CREATE INDEX prompts_referral ON safeguarding_prompts (referral_id);
-- The dashboard's sessions without attendance, per side.
CREATE INDEX appointments_probation_unrecorded ON appointments (probation_org, starts_at) WHERE attended IS NULL;
CREATE INDEX appointments_provider_unrecorded ON appointments (provider_org, starts_at) WHERE attended IS NULL;
-- Termination reviews waiting for sign-off.
CREATE INDEX termination_reviews_sign_off ON termination_reviews (signed_off_at, order_id) WHERE sign_off_required;
