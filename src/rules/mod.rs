//! Pure rules: facts in, decisions out. No database, no HTTP, no clock reads (times are inputs).
//!
//! - [`working_days`]: deadlines in London working days (weekends and E&W bank holidays skipped);
//! - [`prompt`]: what a rule produces, and per-rule deadline overrides;
//! - [`disclosure`]: the safeguarding rules for disclosures;
//! - [`risk_change`]: a provider must acknowledge a rise in risk after a referral was sent.

pub mod disclosure;
pub mod prompt;
pub mod risk_change;
pub mod working_days;

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use working_days::{due_at, DeadlinePolicy, HolidayCalendar, WorkingHours};

/// Everything the rules need from configuration.
#[derive(Debug, Clone)]
pub struct RulesConfig {
    pub calendar: HolidayCalendar,
    pub hours: WorkingHours,
    /// Working days per rule id (with `_` for `-`), overriding the rule's default deadline.
    pub deadline_overrides: BTreeMap<String, u32>,
}

impl RulesConfig {
    pub fn new(
        extra_holidays: &[chrono::NaiveDate],
        deadline_overrides: BTreeMap<String, u32>,
    ) -> Self {
        Self {
            calendar: HolidayCalendar::england_and_wales()
                .with_extra(extra_holidays.iter().copied()),
            hours: WorkingHours::default(),
            deadline_overrides,
        }
    }

    /// When a prompt of `rule` raised at `raised` is due, honouring configured overrides.
    pub fn due(&self, raised: DateTime<Utc>, rule: &str, default: DeadlinePolicy) -> DateTime<Utc> {
        let policy = prompt::deadline_for(rule, default, &self.deadline_overrides);
        due_at(raised, policy, &self.calendar, &self.hours)
    }
}
