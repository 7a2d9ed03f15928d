//! Pure rules: facts in, decisions out. No database, no HTTP, no clock reads (times are inputs).
//!
//! - [`working_days`]: deadlines in London working days (weekends and E&W bank holidays skipped);
//! - [`prompt`]: what a rule produces, and per-rule deadline overrides;
//! - [`disclosure`]: the safeguarding rules for disclosures;
//! - [`case_note`]: a case note that sounds like a disclosure (a word list) and its prompt;
//! - [`agency_decision`]: challenging an agency's "no further action" on a case at risk;
//! - [`attendance`]: absences, the disengagement pattern, warnings and breach, provider concerns;
//! - [`case`]: rules over the case itself (household, rising risk, partner change in pregnancy,
//!   incidents seen together, a missed session when risk is high);
//! - [`risk_change`]: a provider must acknowledge a rise in risk after a referral was sent;
//! - [`retention`]: when a case past its retention period is deleted;
//! - [`silence`]: what nobody said (unanswered referrals, no session, no attendance, overdue);
//! - [`termination`]: the termination review checklist, its status and when a manager signs off.

pub mod agency_decision;
pub mod attendance;
pub mod calendar_days;
pub mod case;
pub mod case_note;
pub mod disclosure;
pub mod prompt;
pub mod repeat_facts;
pub mod retention;
pub mod risk_change;
pub mod silence;
pub mod termination;
pub mod termination_items;
pub mod working_days;

/// Every rule id a prompt can carry; deadline overrides must name one of these.
pub use crate::domain::rule_id::RuleId;

use crate::domain::prompt::Agency;
use chrono::{DateTime, NaiveDate, Utc};
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
    /// Working days an agency has to decide on a referral, per agency (its name in lower case),
    /// overriding [`default_follow_up_days`].
    pub follow_up_overrides: BTreeMap<String, u32>,
    /// Days within which a later disclosure of the same facts raises nothing new, even when the
    /// earlier prompt was resolved (0: only unresolved prompts cover the facts).
    pub dedup_window_days: u32,
}

/// Working days an agency has by default to decide on a referral before it is chased: one for
/// children's social care (Working Together expects a decision within one working day), three
/// otherwise.
pub fn default_follow_up_days(agency: Agency) -> u32 {
    match agency {
        Agency::ChildrensSocialCare => 1,
        _ => 3,
    }
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
            follow_up_overrides: BTreeMap::new(),
            dedup_window_days: 90,
        }
    }

    /// When the decision of `agency` on a referral made on `referred_on` is to be chased: the end
    /// of the configured number of working days after that date (the same working day for `0`).
    pub fn follow_up_due(&self, referred_on: NaiveDate, agency: Agency) -> DateTime<Utc> {
        let key = agency.as_str().to_ascii_lowercase();
        let days = self
            .follow_up_overrides
            .get(&key)
            .copied()
            .unwrap_or_else(|| default_follow_up_days(agency));
        let mut date = referred_on;
        while !self.calendar.is_working_day(date) {
            date = date.succ_opt().unwrap_or(date);
        }
        if days > 0 {
            date = working_days::add_working_days(referred_on, days, &self.calendar);
        }
        working_days::end_of_day(date, &self.hours)
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_agencys_decision_is_chased_after_its_working_days_per_agency() {
        let mut rules = RulesConfig::new(&[], BTreeMap::new(), 10);
        let thursday = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        // Children's social care: one working day (Good Friday and Easter Monday skipped).
        assert_eq!(
            rules.follow_up_due(thursday, Agency::ChildrensSocialCare),
            at(2026, 4, 7, 16)
        );
        // Others: three working days.
        assert_eq!(
            rules.follow_up_due(thursday, Agency::Police),
            at(2026, 4, 9, 16)
        );
        rules.follow_up_overrides.insert("police".into(), 0);
        assert_eq!(
            rules.follow_up_due(thursday, Agency::Police),
            at(2026, 4, 2, 16)
        );
        let saturday = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(
            rules.follow_up_due(saturday, Agency::Police),
            at(2026, 3, 9, 17),
            "the same working day of a Saturday is Monday"
        );
    }
}
