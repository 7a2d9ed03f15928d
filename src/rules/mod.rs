//! Pure rules: facts in, decisions out. No database, no HTTP, no clock reads (times are inputs).
//!
//! - [`working_days`]: deadlines in London working days (weekends and E&W bank holidays skipped);
//! - [`prompt`]: what a rule produces, and per-rule deadline overrides;
//! - [`disclosure`]: the safeguarding rules for disclosures;
//! - [`case_note`]: a case note that sounds like a disclosure (a word list) and its prompt;
//! - [`attendance`]: absences, the disengagement pattern, warnings and breach, provider concerns;
//! - [`case`]: rules over the case itself (household, rising risk, partner change in pregnancy,
//!   incidents seen together, a missed session when risk is high);
//! - [`risk_change`]: a provider must acknowledge a rise in risk after a referral was sent;
//! - [`silence`]: what nobody said (unanswered referrals, no session, no attendance, overdue);
//! - [`termination`]: the termination review checklist, its status and when a manager signs off.

pub mod attendance;
pub mod case;
pub mod case_note;
pub mod disclosure;
pub mod prompt;
pub mod risk_change;
pub mod silence;
pub mod termination;
pub mod termination_items;
pub mod working_days;

/// Every rule id a prompt can carry; deadline overrides must name one of these.
pub use crate::domain::rule_id::RuleId;

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
    /// How many misses in how many recent sessions are a pattern of disengagement.
    pub disengagement: attendance::DisengagementPolicy,
    /// Working days before an order's end date at which the termination review prompt is raised.
    pub review_lead_days: u32,
    /// Working days of silence before the background task raises a prompt.
    pub silence: silence::SilenceThresholds,
}

impl RulesConfig {
    pub fn new(
        extra_holidays: &[chrono::NaiveDate],
        deadline_overrides: BTreeMap<String, u32>,
        review_lead_days: u32,
    ) -> Self {
        Self {
            calendar: HolidayCalendar::england_and_wales()
                .with_extra(extra_holidays.iter().copied()),
            hours: WorkingHours::default(),
            deadline_overrides,
            disengagement: attendance::DisengagementPolicy::default(),
            review_lead_days,
            silence: silence::SilenceThresholds::default(),
        }
    }

    /// When a prompt of `rule` raised at `raised` is due, honouring configured overrides.
    pub fn due(
        &self,
        raised: DateTime<Utc>,
        rule: RuleId,
        default: DeadlinePolicy,
    ) -> DateTime<Utc> {
        let policy = prompt::deadline_for(rule, default, &self.deadline_overrides);
        due_at(raised, policy, &self.calendar, &self.hours)
    }
}
