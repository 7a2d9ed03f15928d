//! E-mail notifications through a transactional outbox. [`insert_events`] is how every event is
//! stored: in the same transaction, the events that tell named people something (a mandatory
//! action raised, an action given to someone, an action overdue, a referral received or ended
//! early, a case note from the other side) leave notification rows addressed through the staff directory. The sender
//! ([`claim`], [`record`]) claims due rows under `SKIP LOCKED` (several instances never send one
//! twice), retries failures with back-off, and records what happened; with e-mail off the rows
//! are recorded as skipped.

use crate::db::events::{self, NewEventRow};
use crate::db::notifications::{self as rows, NotificationRow};
use crate::db::staff::{self, StaffRow};
use crate::db::{orders, referrals, write_transaction, DbConnection};
use crate::domain::events::EventType;
use crate::domain::notification::{
    after_attempt, message, About, NotificationKind, NotificationStatus,
};
use crate::domain::webhook::Verdict;
use crate::domain::OrgKind;
use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// How long an instance may take to send one e-mail before another may retry it.
const LEASE_SECS: i64 = 120;

/// Why a notification was not sent when e-mail is off.
pub const MAIL_OFF: &str = "e-mail is off (RARLINK_SMTP_URL is not set)";

/// Stores events and, in the same transaction, the notifications they cause.
pub fn insert_events(conn: &mut DbConnection, rows: &[NewEventRow]) -> Result<(), ApiError> {
    events::insert_all(conn, rows)?;
    let mut planned: BTreeMap<(Who, &'static str), Plan> = BTreeMap::new();
    for row in rows {
        for (who, kind, about) in addressees(conn, row)? {
            let plan = planned.entry((who, kind.as_str())).or_insert_with(|| Plan {
                kind,
                event_id: row.id.clone(),
                created_at: row.occurred_at,
                items: Vec::new(),
            });
            plan.items.push((about, row.detail_url.clone()));
        }
    }
    for ((who, _), plan) in planned {
        for row in notifications_for(conn, &who, plan.kind, &plan)? {
            rows::insert(conn, &row)?;
        }
    }
    Ok(())
}

/// Who is to be told: one person (with the organisation to file it under when the directory
/// does not know them), or an organisation's managers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Person { sub: String, org: String },
    Managers { org: String },
}

/// The notifications of one kind to one addressee from one unit of work: several actions
/// raised at once make one e-mail.
struct Plan {
    kind: NotificationKind,
    event_id: String,
    created_at: chrono::NaiveDateTime,
    items: Vec<(About, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptPayload {
    rule: String,
    assignee: Option<String>,
    assignee_org: String,
    due_at: DateTime<Utc>,
    mandatory: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferralPayload {
    referral_id: String,
    status: String,
    written_by: Option<Value>,
}

fn payload<T: for<'de> Deserialize<'de>>(row: &NewEventRow) -> Result<T, ApiError> {
    serde_json::from_str(&row.additional_information)
        .map_err(|e| ApiError::internal_from("reading an event payload to notify", e))
}

/// Who an event tells what, by e-mail.
fn addressees(
    conn: &mut DbConnection,
    row: &NewEventRow,
) -> Result<Vec<(Who, NotificationKind, About)>, ApiError> {
    let Some(event_type) = EventType::parse(&row.event_type) else {
        return Ok(Vec::new());
    };
    let action = |p: &PromptPayload| About::Action {
        rule: p.rule.clone(),
        due_at: p.due_at,
    };
    Ok(match event_type {
        EventType::SafeguardingPromptRaised => {
            let p: PromptPayload = payload(row)?;
            if !p.mandatory {
                return Ok(Vec::new());
            }
            let who = match &p.assignee {
                Some(sub) => Who::Person {
                    sub: sub.clone(),
                    org: p.assignee_org.clone(),
                },
                None => Who::Managers {
                    org: p.assignee_org.clone(),
                },
            };
            vec![(who, NotificationKind::ActionRaised, action(&p))]
        }
        EventType::SafeguardingPromptReassigned => {
            let p: PromptPayload = payload(row)?;
            match &p.assignee {
                Some(sub) => vec![(
                    Who::Person {
                        sub: sub.clone(),
                        org: p.assignee_org.clone(),
                    },
                    NotificationKind::ActionAssigned,
                    action(&p),
                )],
                None => Vec::new(),
            }
        }
        EventType::SafeguardingPromptOverdue => {
            let p: PromptPayload = payload(row)?;
            let who = Who::Managers {
                org: p.assignee_org.clone(),
            };
            vec![(who, NotificationKind::ActionOverdue, action(&p))]
        }
        EventType::ReferralSent => match &row.provider_org_code {
            Some(org) => vec![(
                Who::Managers { org: org.clone() },
                NotificationKind::ReferralReceived,
                About::Referral,
            )],
            None => Vec::new(),
        },
        EventType::ReferralEnded => {
            let p: ReferralPayload = payload(row)?;
            if p.status != "ENDED_EARLY" {
                return Ok(Vec::new());
            }
            let officer = officer_of(conn, &p.referral_id, &row.org_code)?;
            vec![(
                officer,
                NotificationKind::ReferralEndedEarly,
                About::Referral,
            )]
        }
        EventType::CaseNoteAdded => {
            let p: ReferralPayload = payload(row)?;
            let by_provider = p.written_by == Some(serde_json::json!(OrgKind::Provider));
            let who = if by_provider {
                officer_of(conn, &p.referral_id, &row.org_code)?
            } else {
                let referral = referrals::get(conn, &p.referral_id)?;
                match referral.assigned_worker {
                    Some(sub) => Who::Person {
                        sub,
                        org: referral.provider_org,
                    },
                    None => Who::Managers {
                        org: referral.provider_org,
                    },
                }
            };
            vec![(who, NotificationKind::CaseNoteArrived, About::Referral)]
        }
        _ => Vec::new(),
    })
}

/// The responsible officer of the order a referral was made under.
fn officer_of(conn: &mut DbConnection, referral_id: &str, org: &str) -> Result<Who, ApiError> {
    let referral = referrals::get(conn, referral_id)?;
    let order = orders::get(conn, &referral.order_id)?;
    Ok(Who::Person {
        sub: order.responsible_officer,
        org: org.to_string(),
    })
}

/// The rows one plan leaves: one per person reached, or one skipped row saying why nobody was.
fn notifications_for(
    conn: &mut DbConnection,
    who: &Who,
    kind: NotificationKind,
    plan: &Plan,
) -> Result<Vec<NotificationRow>, ApiError> {
    let (subject, body, link_path) = compose(kind, &plan.items);
    let row =
        |org: &str, sub: Option<&str>, to: Option<&str>, skipped: Option<String>| NotificationRow {
            id: uuid::Uuid::now_v7().to_string(),
            org: org.to_string(),
            recipient_sub: sub.map(str::to_string),
            to_address: to.map(str::to_string),
            kind,
            event_id: plan.event_id.clone(),
            subject: subject.clone(),
            body: body.clone(),
            link_path: link_path.clone(),
            status: if skipped.is_some() {
                NotificationStatus::Skipped
            } else {
                NotificationStatus::Pending
            },
            attempts: 0,
            next_attempt_at: plan.created_at,
            last_attempt_at: None,
            last_error: skipped,
            created_at: plan.created_at,
            sent_at: None,
        };
    let to_person = |s: &StaffRow| {
        if s.notifications {
            row(&s.org, Some(&s.sub), Some(&s.email), None)
        } else {
            row(
                &s.org,
                Some(&s.sub),
                None,
                Some("the recipient turned e-mail notifications off".into()),
            )
        }
    };
    Ok(match who {
        Who::Person { sub, org } => match staff::find(conn, sub)? {
            Some(s) => vec![to_person(&s)],
            None => vec![row(
                org,
                Some(sub),
                None,
                Some("no e-mail address in the staff directory".into()),
            )],
        },
        Who::Managers { org } => {
            let managers = staff::managers(conn, org)?;
            if managers.is_empty() {
                vec![row(
                    org,
                    None,
                    None,
                    Some(format!(
                        "no manager of {org} is in the staff directory with an e-mail address"
                    )),
                )]
            } else {
                managers.iter().map(to_person).collect()
            }
        }
    })
}

/// One e-mail for a plan's items: a single item's own message and link, or a list of actions
/// with their deadlines and a link to the list of safeguarding actions.
fn compose(kind: NotificationKind, items: &[(About, String)]) -> (String, String, String) {
    let (subject, body) = message(kind, &items[0].0);
    if items.len() == 1 {
        return (subject, body, items[0].1.clone());
    }
    let bodies: Vec<String> = items.iter().map(|(a, _)| message(kind, a).1).collect();
    (
        subject,
        bodies.join("\n\n"),
        "/api/v1/safeguarding-prompts".into(),
    )
}

/// A notification ready to send.
pub struct Outgoing {
    pub row: NotificationRow,
}

/// Claims due notifications, leasing them to this instance. With e-mail off (`mail_on` false)
/// they are recorded as skipped instead, and none is returned.
pub fn claim(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
    mail_on: bool,
) -> Result<Vec<Outgoing>, ApiError> {
    write_transaction(conn, |conn| {
        let due = rows::lock_due(conn, now.naive_utc(), limit)?;
        let mut out = Vec::with_capacity(due.len());
        for mut row in due {
            if !mail_on {
                row.status = NotificationStatus::Skipped;
                row.last_error = Some(MAIL_OFF.into());
                rows::save(conn, &row)?;
                continue;
            }
            row.status = NotificationStatus::InFlight;
            row.attempts += 1;
            row.last_attempt_at = Some(now.naive_utc());
            row.next_attempt_at = (now + Duration::seconds(LEASE_SECS)).naive_utc();
            rows::save(conn, &row)?;
            out.push(Outgoing { row });
        }
        Ok(out)
    })
}

/// Records one attempt: sent, retried later with back-off, or given up (`failure` says what
/// kind of failure it was).
pub fn record(
    conn: &mut DbConnection,
    mut row: NotificationRow,
    now: DateTime<Utc>,
    failure: Option<String>,
) -> Result<(), ApiError> {
    match after_attempt(row.attempts, failure.is_none()) {
        Verdict::Delivered => {
            row.status = NotificationStatus::Sent;
            row.sent_at = Some(now.naive_utc());
            row.last_error = None;
        }
        Verdict::RetryIn(secs) => {
            row.status = NotificationStatus::Pending;
            row.last_error = failure;
            row.next_attempt_at = (now + Duration::seconds(secs)).naive_utc();
        }
        Verdict::GiveUp => {
            row.status = NotificationStatus::Failed;
            row.last_error = failure;
        }
    }
    Ok(rows::save(conn, &row)?)
}

/// The caller's organisation's notifications (those addressed to its people or managers),
/// newest first, before `before`: `limit + 1` rows at most, for paging.
pub fn page(
    w: &mut crate::work::Work,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<NotificationRow>, ApiError> {
    Ok(rows::list(w.conn, w.me.org(), before, limit + 1)?)
}
