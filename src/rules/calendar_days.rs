//! The working-day calendar as rows, for counting working days in SQL: each London day with its
//! UTC bounds, whether it is a working day, and how many working days there have been up to it.

use super::working_days::HolidayCalendar;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::London;

/// The first day the stored calendar covers (the bank holiday data starts in 2018).
pub fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// One London calendar day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub day: NaiveDate,
    /// The UTC instant the London day starts (midnight London time).
    pub starts_at: NaiveDateTime,
    /// The UTC instant the next London day starts.
    pub ends_at: NaiveDateTime,
    pub working: bool,
    /// Working days from the first day up to and including this one: the working days strictly
    /// after day `a` up to and including day `b` are `b.working_seq - a.working_seq`.
    pub working_seq: i32,
}

/// Midnight of a London date, in UTC. Midnight is never skipped nor repeated in London (clocks
/// change at 01:00 UTC), so this is exact.
fn london_midnight(day: NaiveDate) -> NaiveDateTime {
    London
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc).naive_utc())
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN))
}

/// Every day from `from` to `to` inclusive, with working days counted from `from`.
pub fn calendar_days(cal: &HolidayCalendar, from: NaiveDate, to: NaiveDate) -> Vec<CalendarDay> {
    let mut seq = 0;
    // Each midnight is looked up once: a day's end is the next day's start.
    let mut starts_at = london_midnight(from);
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|day| {
            let working = cal.is_working_day(day);
            if working {
                seq += 1;
            }
            let ends_at = london_midnight(day.succ_opt().unwrap_or(day));
            let row = CalendarDay {
                day,
                starts_at,
                ends_at,
                working,
                working_seq: seq,
            };
            starts_at = ends_at;
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::working_days::working_days_between;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn days_carry_their_utc_bounds_across_summer_time() {
        let cal = HolidayCalendar::england_and_wales();
        let days = calendar_days(&cal, d(2026, 3, 28), d(2026, 3, 30));
        // Saturday 28 March is GMT; Sunday 29 March the clocks go forward (a 23-hour day).
        assert_eq!(
            days[0].starts_at,
            d(2026, 3, 28).and_hms_opt(0, 0, 0).unwrap()
        );
        assert_eq!(
            days[1].starts_at,
            d(2026, 3, 29).and_hms_opt(0, 0, 0).unwrap()
        );
        assert_eq!(
            days[1].ends_at,
            d(2026, 3, 29).and_hms_opt(23, 0, 0).unwrap()
        );
        assert_eq!(days[2].starts_at, days[1].ends_at);
        assert!(!days[0].working && !days[1].working && days[2].working);
    }

    #[test]
    fn working_seq_differences_are_the_working_days_between() {
        let cal = HolidayCalendar::england_and_wales();
        let days = calendar_days(&cal, d(2026, 1, 1), d(2026, 12, 31));
        let seq = |day: NaiveDate| days.iter().find(|c| c.day == day).unwrap().working_seq;
        for (a, b) in [
            (d(2026, 3, 2), d(2026, 3, 9)),
            (d(2026, 4, 2), d(2026, 4, 7)), // Good Friday and Easter Monday
            (d(2026, 12, 24), d(2026, 12, 29)),
            (d(2026, 5, 1), d(2026, 5, 1)),
        ] {
            assert_eq!(
                (seq(b) - seq(a)) as u32,
                working_days_between(a, b, &cal),
                "{a} to {b}"
            );
        }
    }
}
