//! Pure rules: facts in, decisions out. No database, no HTTP, no clock reads (times are inputs).
//!
//! - [`working_days`]: deadlines in London working days (weekends and E&W bank holidays skipped);
//! - [`prompt`]: what a rule produces, and per-rule deadline overrides;
//! - [`disclosure`]: the safeguarding rules for disclosures.

pub mod disclosure;
pub mod prompt;
pub mod working_days;
