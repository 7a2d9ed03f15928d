-- Delivery and enforcement: appointments with attendance and the officer's absence decision,
-- the history of every change to them, warnings, progress and end-of-service reports.
CREATE TABLE appointments (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    crn TEXT NOT NULL,
    probation_org TEXT NOT NULL,
    provider_org TEXT NOT NULL,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    location TEXT,
    starts_at TIMESTAMP NOT NULL,
    duration_minutes INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    attended TEXT,
    no_attendance_reason TEXT,
    reason_detail TEXT,
    engagement TEXT,
    behaviour_concern BOOLEAN NOT NULL,
    concern_detail TEXT,
    notify_responsible_officer BOOLEAN NOT NULL,
    attendance_recorded_at TIMESTAMP,
    attendance_recorded_by TEXT,
    absence_acceptable BOOLEAN,
    absence_note TEXT,
    absence_decided_at TIMESTAMP,
    absence_decided_by TEXT
);
CREATE INDEX appointments_referral ON appointments (referral_id, starts_at);
CREATE INDEX appointments_crn ON appointments (crn, starts_at);

CREATE TABLE appointment_history (
    id TEXT PRIMARY KEY NOT NULL,
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    change TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    by_sub TEXT NOT NULL,
    requested_by TEXT,
    reason TEXT,
    before TEXT,
    after TEXT NOT NULL
);
CREATE INDEX appointment_history_appointment ON appointment_history (appointment_id, at);

CREATE TABLE warnings (
    id TEXT PRIMARY KEY NOT NULL,
    crn TEXT NOT NULL REFERENCES people (crn),
    order_id TEXT NOT NULL REFERENCES orders (id),
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    issued_at TIMESTAMP NOT NULL,
    issued_by TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX warnings_crn ON warnings (crn, issued_at);

CREATE TABLE progress_reports (
    id TEXT PRIMARY KEY NOT NULL,
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    submitted_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX progress_reports_referral ON progress_reports (referral_id, submitted_at);

CREATE TABLE end_of_service_reports (
    referral_id TEXT PRIMARY KEY NOT NULL REFERENCES referrals (id),
    submitted_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    body TEXT NOT NULL
);
