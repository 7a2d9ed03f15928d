//! Working-day deadline arithmetic in Europe/London time, skipping weekends and E&W bank holidays.
//!
//! All calendar dates are London civil dates. "End of a working day" is a London wall-clock time
//! ([`WorkingHours::end`], 17:00 by default) converted to UTC with the correct GMT/BST offset.
//! Beyond [`HolidayCalendar::covered_until`] only weekends are skipped, so callers should warn.
//! Arithmetic saturates at [`NaiveDate::MIN`]/[`NaiveDate::MAX`] rather than panicking.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Europe::London;

/// The shipped England & Wales bank holiday data (2018–2030), one `YYYY-MM-DD` per line.
const ENGLAND_AND_WALES: &str = include_str!("bank_holidays_england_and_wales.txt");

/// The default end of a working day: 17:00 London local time.
pub const END_OF_WORKING_DAY: NaiveTime = match NaiveTime::from_hms_opt(17, 0, 0) {
    Some(t) => t,
    None => panic!("17:00:00 is a valid time"), // evaluated at compile time
};

/// A set of non-working dates (bank holidays) in addition to Saturdays and Sundays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    dates: BTreeSet<NaiveDate>,
}

impl HolidayCalendar {
    /// The shipped England & Wales calendar (gov.uk dates 2018–2026, standard rules 2027–2030).
    pub fn england_and_wales() -> Self {
        Self::parse(ENGLAND_AND_WALES).expect("shipped bank holiday file is valid (unit-tested)")
    }

    /// Parses one `YYYY-MM-DD` date per line; text after `#` is a comment and blank lines are
    /// ignored. Returns `Err` naming the 1-based line number and content of the first bad line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut dates = BTreeSet::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = || format!("line {}: expected YYYY-MM-DD, found {line:?}", index + 1);
            let date = NaiveDate::parse_from_str(line, "%Y-%m-%d").map_err(|_| bad())?;
            if line.len() != 10 {
                return Err(bad());
            }
            dates.insert(date);
        }
        Ok(Self { dates })
    }

    /// Returns the calendar extended with more holidays (e.g. from configuration or a newly
    /// announced one-off bank holiday). Duplicates are harmless.
    #[must_use]
    pub fn with_extra(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.dates.extend(dates);
        self
    }

    /// Whether `d` is listed as a holiday.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.dates.contains(&d)
    }

    /// Whether `d` is a working day: not a Saturday or Sunday and not a holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(d)
    }

    /// The last date covered by the data: 31 December of the latest year containing a holiday
    /// ([`NaiveDate::MIN`] for an empty calendar). Later dates only skip weekends.
    pub fn covered_until(&self) -> NaiveDate {
        self.dates
            .last()
            .and_then(|d| NaiveDate::from_ymd_opt(d.year(), 12, 31))
            .unwrap_or(NaiveDate::MIN)
    }

    /// All holidays in ascending order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.dates.iter().copied()
    }
}

/// The London wall-clock time at which a working day ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    /// End of the working day in Europe/London local time (default [`END_OF_WORKING_DAY`], 17:00).
    pub end: NaiveTime,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            end: END_OF_WORKING_DAY,
        }
    }
}

/// How the deadline of a task raised at some UTC instant is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlinePolicy {
    /// End of the London working day on which the task was raised. If it was raised on a
    /// non-working day, or at/after the end of the working day, it is due at the end of the
    /// next working day (so a deadline is never already past when it is set).
    SameWorkingDay,
    /// End of the Nth working day strictly after the London date of raising, whatever the time
    /// of day. Raising on a Saturday, Sunday or bank holiday therefore gives the same deadline
    /// as raising on the preceding working day (Fri/Sat/Sun + 1 = Monday).
    /// `WorkingDays(0)` behaves as [`DeadlinePolicy::SameWorkingDay`].
    WorkingDays(u32),
    /// Exactly this many elapsed hours after raising, ignoring working days. Across a clock
    /// change the London wall-clock time of the deadline shifts by an hour.
    Hours(u32),
}

/// Computes the instant (UTC) at which a task raised at `raised_at` under `policy` is due.
pub fn due_at(
    raised_at: DateTime<Utc>,
    policy: DeadlinePolicy,
    cal: &HolidayCalendar,
    hours: &WorkingHours,
) -> DateTime<Utc> {
    let raised_date = || london_date(raised_at);
    match policy {
        DeadlinePolicy::Hours(h) => raised_at
            .checked_add_signed(TimeDelta::hours(i64::from(h)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        DeadlinePolicy::WorkingDays(n) if n > 0 => {
            end_of_day(add_working_days(raised_date(), n, cal), hours)
        }
        DeadlinePolicy::SameWorkingDay | DeadlinePolicy::WorkingDays(_) => {
            let local_time = raised_at.with_timezone(&London).time();
            let date = raised_date();
            let day = if cal.is_working_day(date) && local_time < hours.end {
                date
            } else {
                add_working_days(date, 1, cal)
            };
            end_of_day(day, hours)
        }
    }
}

/// The end of the working day on London date `date`, as a UTC instant.
pub fn end_of_day(date: NaiveDate, hours: &WorkingHours) -> DateTime<Utc> {
    london_to_utc(date.and_time(hours.end))
}

/// Converts a London wall-clock time to UTC. An ambiguous time (autumn fall-back) takes the
/// earlier instant; a non-existent time (spring-forward gap) is read with the pre-gap offset,
/// i.e. moved forward by the length of the gap.
fn london_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match London.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            let before = local.checked_sub_signed(TimeDelta::days(1));
            let offset = London
                .offset_from_utc_datetime(&before.unwrap_or(local))
                .fix();
            local.checked_sub_offset(offset).unwrap_or(local).and_utc()
        }
    }
}

/// The n-th working day strictly after `date` (`date` itself when `n == 0`).
pub fn add_working_days(date: NaiveDate, n: u32, cal: &HolidayCalendar) -> NaiveDate {
    step_working_days(date, n, cal, NaiveDate::succ_opt)
}

/// The n-th working day strictly before `date` (`date` itself when `n == 0`), e.g. for
/// "raise a prompt N working days before the order's end date".
pub fn sub_working_days(date: NaiveDate, n: u32, cal: &HolidayCalendar) -> NaiveDate {
    step_working_days(date, n, cal, NaiveDate::pred_opt)
}

fn step_working_days(
    mut date: NaiveDate,
    mut n: u32,
    cal: &HolidayCalendar,
    step: fn(&NaiveDate) -> Option<NaiveDate>,
) -> NaiveDate {
    while n > 0 {
        match step(&date) {
            Some(next) => date = next,
            None => return date, // saturate at the edge of the representable range
        }
        if cal.is_working_day(date) {
            n -= 1;
        }
    }
    date
}

/// Counts working days strictly after `from` up to and including `to` (0 if `to <= from`),
/// so that `working_days_between(d, add_working_days(d, n, cal), cal) == n`.
pub fn working_days_between(from: NaiveDate, to: NaiveDate, cal: &HolidayCalendar) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| cal.is_working_day(*d))
        .fold(0u32, |count, _| count.saturating_add(1))
}

/// The Europe/London calendar date of an instant.
pub fn london_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&London).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeadlinePolicy::{Hours, SameWorkingDay, WorkingDays};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test").into()
    }

    /// An unambiguous London wall-clock time such as `2026-06-12 15:00`, as a UTC instant.
    fn london(s: &str) -> DateTime<Utc> {
        let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time");
        let instant = London.from_local_datetime(&local).single();
        instant.expect("unambiguous").to_utc()
    }

    fn due(raised: DateTime<Utc>, policy: DeadlinePolicy) -> DateTime<Utc> {
        let cal = HolidayCalendar::england_and_wales();
        due_at(raised, policy, &cal, &WorkingHours::default())
    }

    /// Each case: (raised at, policy, expected due), both in London wall-clock time. Comparing
    /// wall-clock times also checks that the right GMT/BST offset was used for the due instant.
    fn check(cases: &[(&str, DeadlinePolicy, &str)]) {
        for (raised, policy, expected) in cases {
            let local = due(london(raised), *policy).with_timezone(&London);
            let local = local.format("%Y-%m-%d %H:%M").to_string();
            assert_eq!(local, *expected, "raised {raised} {policy:?}");
        }
    }

    #[test]
    fn a_pregnancy_disclosure_on_friday_afternoon_is_due_monday() {
        check(&[
            ("2026-06-12 15:00", WorkingDays(1), "2026-06-15 17:00"), // BST
            ("2026-01-16 15:00", WorkingDays(1), "2026-01-19 17:00"), // GMT
            ("2026-06-12 21:00", WorkingDays(1), "2026-06-15 17:00"), // after hours
            ("2026-06-13 11:00", WorkingDays(1), "2026-06-15 17:00"), // Saturday
            ("2026-06-12 15:00", WorkingDays(2), "2026-06-16 17:00"),
        ]);
    }

    #[test]
    fn a_thursday_before_easter_plus_one_is_due_the_tuesday_after_easter_monday() {
        check(&[
            ("2026-04-02 11:00", WorkingDays(1), "2026-04-07 17:00"),
            ("2026-04-03 11:00", WorkingDays(1), "2026-04-07 17:00"), // Good Friday
        ]);
    }

    #[test]
    fn a_task_raised_on_a_bank_holiday_monday_counts_from_the_holiday() {
        check(&[
            ("2026-05-04 10:00", WorkingDays(1), "2026-05-05 17:00"),
            ("2026-05-04 10:00", WorkingDays(2), "2026-05-06 17:00"),
            ("2026-05-04 10:00", SameWorkingDay, "2026-05-05 17:00"),
            ("2026-05-22 10:00", WorkingDays(1), "2026-05-26 17:00"), // Fri before
        ]);
    }

    #[test]
    fn deadlines_across_the_clock_changes_use_the_offset_of_the_due_date() {
        check(&[
            ("2026-03-27 10:00", WorkingDays(1), "2026-03-30 17:00"),
            ("2026-03-27 10:00", SameWorkingDay, "2026-03-27 17:00"),
            ("2026-03-29 10:00", SameWorkingDay, "2026-03-30 17:00"), // Sunday
            ("2026-10-23 10:00", WorkingDays(1), "2026-10-26 17:00"),
            ("2026-10-23 10:00", SameWorkingDay, "2026-10-23 17:00"),
            ("2026-10-25 10:00", SameWorkingDay, "2026-10-26 17:00"), // Sunday
        ]);
        for (raised, expected) in [
            ("2026-03-26T10:00:00Z", "2026-03-27T17:00:00+00:00"), // GMT before
            ("2026-03-27T10:00:00Z", "2026-03-30T16:00:00+00:00"), // BST after
            ("2026-10-22T09:00:00Z", "2026-10-23T16:00:00+00:00"), // BST before
            ("2026-10-23T09:00:00Z", "2026-10-26T17:00:00+00:00"), // GMT after
        ] {
            assert_eq!(due(utc(raised), WorkingDays(1)), utc(expected), "{raised}");
        }
    }

    #[test]
    fn the_christmas_period_skips_christmas_and_the_substitute_boxing_day() {
        check(&[
            ("2026-12-24 10:00", WorkingDays(1), "2026-12-29 17:00"),
            ("2026-12-23 10:00", WorkingDays(2), "2026-12-29 17:00"),
            ("2026-12-31 10:00", WorkingDays(1), "2027-01-04 17:00"),
            ("2027-12-24 10:00", WorkingDays(1), "2027-12-29 17:00"),
        ]);
    }

    #[test]
    fn same_working_day_is_today_before_close_and_otherwise_the_next_working_day() {
        check(&[
            ("2026-06-16 09:00", SameWorkingDay, "2026-06-16 17:00"),
            ("2026-06-16 16:59", SameWorkingDay, "2026-06-16 17:00"),
            ("2026-06-16 17:00", SameWorkingDay, "2026-06-17 17:00"),
            ("2026-06-16 18:00", SameWorkingDay, "2026-06-17 17:00"),
            ("2026-06-14 13:00", SameWorkingDay, "2026-06-15 17:00"), // Sunday
            ("2026-06-16 09:00", WorkingDays(0), "2026-06-16 17:00"),
        ]);
    }

    #[test]
    fn a_task_raised_late_on_a_summer_sunday_utc_is_a_monday_task_in_london() {
        let raised = utc("2026-06-14T23:30:00Z"); // Monday 00:30 BST
        assert_eq!(london_date(raised), d("2026-06-15"));
        assert_eq!(london_date(utc("2026-01-11T23:30:00Z")), d("2026-01-11")); // GMT
        assert_eq!(due(raised, SameWorkingDay), utc("2026-06-15T16:00:00Z"));
        assert_eq!(due(raised, WorkingDays(1)), utc("2026-06-16T16:00:00Z"));
    }

    #[test]
    fn hours_are_elapsed_time_even_across_a_clock_change() {
        check(&[
            ("2026-03-28 12:00", Hours(24), "2026-03-29 13:00"), // 24 elapsed hours
            ("2026-10-24 13:00", Hours(24), "2026-10-25 12:00"),
            ("2026-10-24 13:00", Hours(0), "2026-10-24 13:00"),
        ]);
    }

    #[test]
    fn a_custom_end_of_day_in_a_clock_change_gap_or_overlap_is_converted_safely() {
        let at = |h, m| WorkingHours {
            end: NaiveTime::from_hms_opt(h, m, 0).expect("test time"),
        };
        // 01:30 does not exist on 29 Mar 2026 (01:00 GMT -> 02:00 BST): read as 02:30 BST.
        let gap = end_of_day(d("2026-03-29"), &at(1, 30));
        assert_eq!(gap, utc("2026-03-29T01:30:00Z"));
        // 01:30 happens twice on 25 Oct 2026: the earlier (BST) instant is used.
        let overlap = end_of_day(d("2026-10-25"), &at(1, 30));
        assert_eq!(overlap, utc("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn subtracting_working_days_skips_bank_holidays_and_weekends() {
        let cal = HolidayCalendar::england_and_wales();
        for (from, n, expected) in [
            ("2026-05-26", 1, "2026-05-22"), // Tue after spring bank holiday -> Fri
            ("2026-04-07", 2, "2026-04-01"), // over Easter Monday and Good Friday
            ("2026-12-29", 1, "2026-12-24"),
            ("2026-06-14", 1, "2026-06-12"), // Sunday -> Friday
            ("2026-06-14", 0, "2026-06-14"),
        ] {
            let got = sub_working_days(d(from), n, &cal);
            assert_eq!(got, d(expected), "{from} - {n}");
        }
    }

    #[test]
    fn working_days_between_counts_the_days_after_from_up_to_to() {
        let cal = HolidayCalendar::england_and_wales();
        for (from, to, expected) in [
            ("2026-12-24", "2026-12-29", 1),
            ("2026-04-02", "2026-04-07", 1),
            ("2026-06-12", "2026-06-19", 5),
            ("2026-06-12", "2026-06-12", 0),
            ("2026-06-19", "2026-06-12", 0),
            ("2026-01-01", "2026-12-31", 253),
        ] {
            let got = working_days_between(d(from), d(to), &cal);
            assert_eq!(got, expected, "{from}..{to}");
        }
        let start = d("2026-12-18"); // a working Friday, so subtraction round-trips too
        for n in 0..30 {
            let end = add_working_days(start, n, &cal);
            assert_eq!(working_days_between(start, end, &cal), n);
            assert_eq!(sub_working_days(end, n, &cal), start);
        }
    }

    #[test]
    fn arithmetic_saturates_at_the_edges_of_the_date_range() {
        let cal = HolidayCalendar::default();
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(add_working_days(NaiveDate::MAX, 3, &cal), NaiveDate::MAX);
        assert_eq!(sub_working_days(NaiveDate::MIN, 3, &cal), NaiveDate::MIN);
        assert_eq!(due_at(max, Hours(1), &cal, &WorkingHours::default()), max);
        assert_eq!(cal.covered_until(), NaiveDate::MIN);
    }

    /// Anonymous Gregorian (Meeus/Jones/Butcher) Easter Sunday.
    fn easter_sunday(y: i32) -> NaiveDate {
        let (a, b, c) = (y % 19, y / 100, y % 100);
        let (dd, e, f) = (b / 4, b % 4, (b + 8) / 25);
        let g = (b - f + 1) / 3;
        let h = (19 * a + b - dd - g + 15) % 30;
        let (i, k) = (c / 4, c % 4);
        let l = (32 + 2 * e + 2 * i - h - k) % 7;
        let m = (a + 11 * h + 22 * l) / 451;
        let (month, day) = ((h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
        NaiveDate::from_ymd_opt(y, month as u32, day as u32).expect("valid Easter")
    }

    /// Standard-rule England & Wales bank holidays for a year (no one-off changes).
    fn standard_rules(y: i32) -> BTreeSet<NaiveDate> {
        let monday = |m, n| NaiveDate::from_weekday_of_month_opt(y, m, Weekday::Mon, n);
        let last_monday = |m| monday(m, 5).or_else(|| monday(m, 4)).expect("4+ Mondays");
        let easter = easter_sunday(y);
        let mut set = BTreeSet::from([easter - TimeDelta::days(2), easter + TimeDelta::days(1)]);
        let first_monday_of_may = monday(5, 1).expect("a Monday");
        set.extend([first_monday_of_may, last_monday(5), last_monday(8)]);
        for (m, day) in [(1, 1), (12, 25), (12, 26)] {
            // A fixed holiday on a weekend, or on a day already taken, moves to the next weekday.
            let mut date = NaiveDate::from_ymd_opt(y, m, day).expect("valid date");
            while date.weekday().num_days_from_monday() >= 5 || set.contains(&date) {
                date = date.succ_opt().expect("in range");
            }
            set.insert(date);
        }
        set
    }

    #[test]
    fn easter_is_computed_correctly() {
        let known = "2018-04-01 2019-04-21 2020-04-12 2021-04-04 2022-04-17 2023-04-09 \
                     2024-03-31 2025-04-20 2026-04-05 2027-03-28 2028-04-16 2029-04-01 2030-04-21";
        for easter in known.split_whitespace().map(d) {
            assert_eq!(easter_sunday(easter.year()), easter);
        }
    }

    #[test]
    fn the_shipped_data_covers_2018_to_2030_and_matches_the_rules_plus_one_off_changes() {
        let cal = HolidayCalendar::england_and_wales();
        assert_eq!(cal.covered_until(), d("2030-12-31"));
        assert!(cal.holidays().all(|h| (2018..=2030).contains(&h.year())));
        // One-off changes: VE Day 2020, Platinum Jubilee and State Funeral 2022, Coronation 2023.
        let removed = [d("2020-05-04"), d("2022-05-30")];
        let added = "2020-05-08 2022-06-02 2022-06-03 2022-09-19 2023-05-08";
        for year in 2018..=2030 {
            let actual: BTreeSet<_> = cal.holidays().filter(|h| h.year() == year).collect();
            assert!(actual.len() >= 8, "{year} has {} dates", actual.len());
            let mut expected = standard_rules(year);
            expected.retain(|h| !removed.contains(h));
            expected.extend(added.split(' ').map(d).filter(|h| h.year() == year));
            assert_eq!(actual, expected, "{year}");
        }
        assert!(cal.is_working_day(d("2026-12-29")) && !cal.is_working_day(d("2026-12-26")));
    }

    #[test]
    fn parse_reports_the_bad_line_and_extra_dates_can_be_added() {
        let err = HolidayCalendar::parse("2026-01-01\n# comment\n\n2026-13-01 # oops\n")
            .expect_err("month 13 is invalid");
        assert_eq!(err, r#"line 4: expected YYYY-MM-DD, found "2026-13-01""#);
        assert!(HolidayCalendar::parse("2026-1-1").is_err());
        let cal = HolidayCalendar::parse("  2031-01-01  # New Year\n").expect("valid");
        assert_eq!(cal.covered_until(), d("2031-12-31"));
        let cal = HolidayCalendar::england_and_wales().with_extra([d("2026-06-16")]);
        assert!(cal.is_holiday(d("2026-06-16")));
        let raised = london("2026-06-15 10:00");
        let due = due_at(raised, WorkingDays(1), &cal, &WorkingHours::default());
        assert_eq!(due, london("2026-06-17 17:00")); // the extra Tuesday holiday is skipped
    }
}
