//! The database floor: the statements a request makes (as the service's PostgreSQL log shows
//! them, without its repeated reads), run directly with diesel from `concurrency` threads, so
//! the service's overhead (HTTP, JSON, auth, rules, pool hop) can be stated as a ratio.

use super::seed::World;
use diesel::prelude::*;
use rarlink::config::DatabaseTarget;
use rarlink::db::appointments::{self, AppointmentRow, HistoryRow};
use rarlink::db::audit::{self, NewAuditRow};
use rarlink::db::events::{self, NewEventRow};
use rarlink::db::schema;
use rarlink::db::{orders, organisations, people, referrals, write_transaction, Db, DbConnection};
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
pub enum Kind {
    SharedViewRead,
    AttendanceWrite,
}

fn audit_row() -> NewAuditRow {
    NewAuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: chrono::Utc::now().naive_utc(),
        actor_sub: "floor".into(),
        actor_org: "MIND-BENCH".into(),
        actor_roles: "provider_worker".into(),
        action: "floor".into(),
        method: "GET".into(),
        resource: "/floor".into(),
        crn: None,
        request_id: "floor".into(),
        status: 200,
    }
}

/// The concurrency levels a floor is measured at: 1, 2, 4, … up to and including `clients`.
pub fn levels(clients: usize) -> Vec<usize> {
    let mut levels: Vec<usize> = std::iter::successors(Some(1usize), |c| Some(c * 2))
        .take_while(|c| *c < clients)
        .collect();
    levels.push(clients.max(1));
    levels
}

/// The honest floor: the best rate the database reaches for these statements at any
/// concurrency from 1 to `clients` (`secs` at each level), with the concurrency that gave it.
pub fn best(database: &str, clients: usize, secs: u64, kind: Kind, world: &World) -> (f64, usize) {
    levels(clients)
        .into_iter()
        .map(|c| (measure(database, c, secs, kind, world), c))
        .fold(
            (0.0, 1),
            |best, this| if this.0 > best.0 { this } else { best },
        )
}

/// Operations per second over `secs`.
pub fn measure(database: &str, concurrency: usize, secs: u64, kind: Kind, world: &World) -> f64 {
    let target = DatabaseTarget::parse(database).expect("database url");
    let options = rarlink::db::PoolOptions {
        size: concurrency as u32,
        timeout: Duration::from_secs(5),
        statement_timeout: None,
    };
    let db = Db::new(&target, options).expect("pool");
    let referrals: Vec<String> = world.cases.iter().map(|c| c.referral.clone()).collect();
    let appointments_pool = world.appointments.clone();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..concurrency)
        .map(|t| {
            let (pool, referrals, appts) = (
                db.pool().clone(),
                referrals.clone(),
                appointments_pool.clone(),
            );
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("connection");
                let mut n = 0usize;
                while Instant::now() < deadline {
                    let i = t + n * concurrency;
                    let ok = match kind {
                        Kind::SharedViewRead => {
                            shared_view_read(&mut conn, &referrals[i % referrals.len()]).is_ok()
                        }
                        Kind::AttendanceWrite => {
                            attendance_write(&mut conn, &appts[i % appts.len()]).is_ok()
                        }
                    };
                    if ok {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    total as f64 / started.elapsed().as_secs_f64()
}

/// The provider's organisation, the referral scoped to it, its shared context versions, the
/// person and the order; then the audit row.
fn shared_view_read(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    organisations::find_by_code(conn, "MIND-BENCH")?;
    let referral: referrals::ReferralRow = schema::referrals::table
        .find(id)
        .filter(schema::referrals::provider_org.eq("MIND-BENCH"))
        .filter(schema::referrals::sent_at.is_not_null())
        .select(referrals::ReferralRow::as_select())
        .first(conn)?;
    referrals::contexts(conn, &referral.id)?;
    people::find_any(conn, &referral.crn)?;
    orders::get(conn, &referral.order_id)?;
    audit::insert(conn, &audit_row())
}

/// The organisation; then in one transaction the case lock, the session, its referral, order
/// and history, the update, the history row, the event and the audit row.
fn attendance_write(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    organisations::find_by_code(conn, "MIND-BENCH")?;
    write_transaction(conn, |conn| {
        let mut a: AppointmentRow = schema::appointments::table
            .find(id)
            .filter(schema::appointments::provider_org.eq("MIND-BENCH"))
            .select(AppointmentRow::as_select())
            .first(conn)?;
        people::lock(conn, &a.crn)?;
        let referral: referrals::ReferralRow = schema::referrals::table
            .find(&a.referral_id)
            .select(referrals::ReferralRow::as_select())
            .first(conn)?;
        orders::get(conn, &referral.order_id)?;
        appointments::history(conn, &a.id)?;
        a.attended = Some(rarlink::domain::appointment::Attended::Yes);
        appointments::save(conn, &a)?;
        appointments::insert_history(
            conn,
            &HistoryRow {
                id: uuid::Uuid::now_v7().to_string(),
                appointment_id: a.id.clone(),
                change: "FLOOR".into(),
                at: chrono::Utc::now().naive_utc(),
                by_sub: "floor".into(),
                requested_by: None,
                reason: None,
                before: None,
                after: "{}".into(),
            },
        )?;
        events::insert_all(
            conn,
            &[NewEventRow {
                id: uuid::Uuid::now_v7().to_string(),
                event_type: "rarlink.floor".into(),
                version: 1,
                occurred_at: chrono::Utc::now().naive_utc(),
                description: "floor".into(),
                detail_url: "/floor".into(),
                additional_information: "{}".into(),
                crn: None,
                org_code: "NOBODY".into(),
                provider_org_code: None,
                actor_sub: None,
                actor_org: None,
            }],
        )?;
        audit::insert(conn, &audit_row())
    })
}
