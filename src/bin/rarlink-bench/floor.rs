//! The database floor: the same statements a request makes, run directly with diesel from
//! `concurrency` threads, so the service's overhead can be stated as a ratio.

use super::seed::World;
use diesel::prelude::*;
use rarlink::config::DatabaseTarget;
use rarlink::db::appointments::{self, AppointmentRow, HistoryRow};
use rarlink::db::audit::{self, NewAuditRow};
use rarlink::db::events::{self, NewEventRow};
use rarlink::db::referrals::ReferralRow;
use rarlink::db::schema;
use rarlink::db::{write_transaction, Db};
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
                            let id = &referrals[i % referrals.len()];
                            schema::referrals::table
                                .find(id)
                                .select(ReferralRow::as_select())
                                .first(&mut *conn)
                                .is_ok()
                                && audit::insert(&mut conn, &audit_row()).is_ok()
                        }
                        Kind::AttendanceWrite => {
                            let id = &appts[i % appts.len()];
                            write_transaction(&mut conn, |conn| {
                                let mut a: AppointmentRow = schema::appointments::table
                                    .find(id)
                                    .select(AppointmentRow::as_select())
                                    .first(conn)?;
                                a.attended = Some("YES".into());
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
                                audit::insert(conn, &audit_row())?;
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
                                Ok::<_, diesel::result::Error>(())
                            })
                            .is_ok()
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
