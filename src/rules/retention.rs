//! Retention: when a person's case may be deleted. `RARLINK_RETENTION_YEARS` after the end of the
//! person's last order, never while an order is live or a safeguarding prompt is open.

use crate::domain::order::OrderStatus;
use chrono::{Months, NaiveDate};

/// One of the person's orders, as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEnd {
    pub status: OrderStatus,
    pub end_date: NaiveDate,
    /// The day a terminated order was terminated.
    pub terminated_on: Option<NaiveDate>,
}

impl OrderEnd {
    /// The day the order ended or will end: its termination, when earlier than its end date.
    pub fn ends_on(&self) -> NaiveDate {
        match (self.status, self.terminated_on) {
            (OrderStatus::Terminated, Some(t)) => t.min(self.end_date),
            _ => self.end_date,
        }
    }

    /// Live: not terminated and not yet past its end date.
    pub fn is_live(&self, today: NaiveDate) -> bool {
        self.status == OrderStatus::Active && self.end_date >= today
    }
}

/// What retention decides about one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retention {
    /// The case is past its retention period: delete it.
    Delete { last_order_ended: NaiveDate },
    /// Kept, and why.
    Keep(KeepReason),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    LiveOrder,
    OpenPrompt,
    /// No order to measure from: a record with no order is never deleted by retention.
    NoOrder,
    /// Within the retention period, until this day.
    Retained {
        until: NaiveDate,
    },
}

/// Whether the person's case is deleted on `today`, `years` after the end of the last order.
pub fn decide(orders: &[OrderEnd], open_prompts: usize, today: NaiveDate, years: u32) -> Retention {
    if orders.iter().any(|o| o.is_live(today)) {
        return Retention::Keep(KeepReason::LiveOrder);
    }
    if open_prompts > 0 {
        return Retention::Keep(KeepReason::OpenPrompt);
    }
    let Some(last) = orders.iter().map(OrderEnd::ends_on).max() else {
        return Retention::Keep(KeepReason::NoOrder);
    };
    let until = last
        .checked_add_months(Months::new(12 * years))
        .unwrap_or(NaiveDate::MAX);
    if today >= until {
        Retention::Delete {
            last_order_ended: last,
        }
    } else {
        Retention::Keep(KeepReason::Retained { until })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn active(end: &str) -> OrderEnd {
        OrderEnd {
            status: OrderStatus::Active,
            end_date: d(end),
            terminated_on: None,
        }
    }

    fn terminated(end: &str, on: &str) -> OrderEnd {
        OrderEnd {
            status: OrderStatus::Terminated,
            end_date: d(end),
            terminated_on: Some(d(on)),
        }
    }

    #[test]
    fn retention_deletes_only_ended_cases_past_the_period() {
        let cases: Vec<(&str, Vec<OrderEnd>, usize, &str, Retention)> = vec![
            (
                "ended eight years ago",
                vec![active("2027-01-04")],
                0,
                "2035-03-02",
                Retention::Delete {
                    last_order_ended: d("2027-01-04"),
                },
            ),
            (
                "the last of several orders counts",
                vec![active("2020-01-01"), terminated("2030-06-01", "2029-05-01")],
                0,
                "2035-03-02",
                Retention::Keep(KeepReason::Retained {
                    until: d("2036-05-01"),
                }),
            ),
            (
                "a terminated order ends on its termination",
                vec![terminated("2030-06-01", "2027-05-01")],
                0,
                "2034-05-01",
                Retention::Delete {
                    last_order_ended: d("2027-05-01"),
                },
            ),
            (
                "a day before the period ends",
                vec![active("2027-01-04")],
                0,
                "2034-01-03",
                Retention::Keep(KeepReason::Retained {
                    until: d("2034-01-04"),
                }),
            ),
            (
                "a live order keeps everything",
                vec![active("2020-01-01"), active("2035-12-31")],
                0,
                "2035-03-02",
                Retention::Keep(KeepReason::LiveOrder),
            ),
            (
                "an open prompt keeps everything",
                vec![active("2020-01-01")],
                1,
                "2035-03-02",
                Retention::Keep(KeepReason::OpenPrompt),
            ),
            (
                "no order, nothing to measure from",
                vec![],
                0,
                "2035-03-02",
                Retention::Keep(KeepReason::NoOrder),
            ),
        ];
        for (name, orders, prompts, today, expected) in cases {
            assert_eq!(decide(&orders, prompts, d(today), 7), expected, "{name}");
        }
    }
}
