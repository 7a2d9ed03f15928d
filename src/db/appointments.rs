//! Appointments with attendance and absence decisions, their change history, and warnings.

use super::schema::{appointment_history, appointments, warnings};
use super::{DbConnection, Scope};
use crate::domain::appointment::{
    AppointmentKind, AppointmentStatus, Attended, Method, NoAttendanceReason, RequestedBy,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = appointments, treat_none_as_null = true)]
pub struct AppointmentRow {
    pub id: String,
    pub referral_id: String,
    pub crn: String,
    pub probation_org: String,
    pub provider_org: String,
    pub kind: AppointmentKind,
    pub method: Method,
    pub location: Option<String>,
    pub starts_at: NaiveDateTime,
    pub duration_minutes: i32,
    pub status: AppointmentStatus,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub attended: Option<Attended>,
    pub no_attendance_reason: Option<NoAttendanceReason>,
    pub reason_detail: Option<String>,
    pub engagement: Option<String>,
    pub behaviour_concern: bool,
    pub concern_detail: Option<String>,
    pub notify_responsible_officer: bool,
    pub attendance_recorded_at: Option<NaiveDateTime>,
    pub attendance_recorded_by: Option<String>,
    pub absence_acceptable: Option<bool>,
    pub absence_note: Option<String>,
    pub absence_decided_at: Option<NaiveDateTime>,
    pub absence_decided_by: Option<String>,
    /// The provider's own id for the session, unique per provider.
    pub provider_reference: Option<String>,
}

/// Whether the provider already has a session with this reference.
pub fn provider_reference_taken(
    conn: &mut DbConnection,
    provider_org: &str,
    reference: &str,
) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    select(exists(
        appointments::table
            .filter(appointments::provider_org.eq(provider_org))
            .filter(appointments::provider_reference.eq(reference)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut DbConnection, row: &AppointmentRow) -> QueryResult<()> {
    diesel::insert_into(appointments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut DbConnection, row: &AppointmentRow) -> QueryResult<()> {
    diesel::update(appointments::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// The appointment if the caller's organisation is its probation organisation or its provider.
pub fn find_visible(
    conn: &mut DbConnection,
    scope: Scope,
    id: &str,
) -> QueryResult<Option<AppointmentRow>> {
    // One static (cached, prepared once per connection) query per side, not a boxed one.
    let q = appointments::table
        .find(id)
        .select(AppointmentRow::as_select());
    if scope.is_probation() {
        q.filter(appointments::probation_org.eq(scope.org))
            .get_result(conn)
            .optional()
    } else if scope.is_provider() {
        q.filter(appointments::provider_org.eq(scope.org))
            .get_result(conn)
            .optional()
    } else {
        Ok(None)
    }
}

/// PostgreSQL, in a write: the appointment as [`find_visible`] finds it, read in the statement
/// that takes its case lock. `FOR UPDATE` locks the person's row (the case lock, the same row
/// [`super::people::lock`] locks) and then the appointment's; a writer holding the case lock
/// makes this wait before either is locked, and a row it changed is returned as committed.
pub fn find_visible_locking_case(
    pg: &mut diesel::pg::PgConnection,
    scope: Scope,
    id: &str,
) -> QueryResult<Option<AppointmentRow>> {
    use super::schema::people;
    let q = people::table
        .inner_join(appointments::table.on(appointments::crn.eq(people::crn)))
        .filter(appointments::id.eq(id))
        .select(AppointmentRow::as_select());
    if scope.is_probation() {
        q.filter(appointments::probation_org.eq(scope.org))
            .for_update()
            .first(pg)
            .optional()
    } else if scope.is_provider() {
        q.filter(appointments::provider_org.eq(scope.org))
            .for_update()
            .first(pg)
            .optional()
    } else {
        Ok(None)
    }
}

/// A referral's appointments by start time (then id), all of them.
/// Sessions not cancelled, with no attendance recorded, that started before `before`: what the
/// attendance silence check reads.
pub fn unrecorded_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::attended.is_null())
        .filter(appointments::status.ne(AppointmentStatus::Cancelled))
        .filter(appointments::starts_at.lt(before))
        .order(appointments::id.asc())
        .select(AppointmentRow::as_select())
        .load(conn)
}

pub fn for_referral(
    conn: &mut DbConnection,
    referral_id: &str,
) -> QueryResult<Vec<AppointmentRow>> {
    appointments::table
        .filter(appointments::referral_id.eq(referral_id))
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .select(AppointmentRow::as_select())
        .load(conn)
}

/// Up to `limit` of a referral's appointments by start time (then id), after the cursor
/// `(starts_at, id)`.
pub fn page_for_referral(
    conn: &mut DbConnection,
    referral_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AppointmentRow>> {
    let mut q = appointments::table
        .filter(appointments::referral_id.eq(referral_id))
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .select(AppointmentRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            appointments::starts_at
                .gt(at)
                .or(appointments::starts_at.eq(at).and(appointments::id.gt(id))),
        );
    }
    q.load(conn)
}

/// Start times of attended delivery sessions of these referrals (RAR days are their distinct
/// London dates).
pub fn attended_delivery_starts(
    conn: &mut DbConnection,
    referral_ids: &[&str],
) -> QueryResult<Vec<NaiveDateTime>> {
    if referral_ids.is_empty() {
        return Ok(Vec::new());
    }
    appointments::table
        .filter(appointments::referral_id.eq_any(referral_ids))
        .filter(appointments::kind.eq(AppointmentKind::Delivery))
        .filter(appointments::status.ne(AppointmentStatus::Cancelled))
        .filter(appointments::attended.eq_any([Attended::Yes, Attended::Late]))
        .select(appointments::starts_at)
        .load(conn)
}

/// The referral and start of every attended delivery session under an order (one statement,
/// prepared once: no list of ids is bound).
pub fn attended_delivery_starts_of_order(
    conn: &mut DbConnection,
    order_id: &str,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    use super::schema::referrals;
    appointments::table
        .filter(
            appointments::referral_id.eq_any(
                referrals::table
                    .filter(referrals::order_id.eq(order_id))
                    .select(referrals::id),
            ),
        )
        .filter(appointments::kind.eq(AppointmentKind::Delivery))
        .filter(appointments::status.ne(AppointmentStatus::Cancelled))
        .filter(
            appointments::attended
                .eq(Attended::Yes)
                .or(appointments::attended.eq(Attended::Late)),
        )
        .select((appointments::referral_id, appointments::starts_at))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = appointment_history)]
pub struct HistoryRow {
    pub id: String,
    pub appointment_id: String,
    /// `BOOKED`, `RESCHEDULED`, `CANCELLED`, `ATTENDANCE_RECORDED`, `ATTENDANCE_CORRECTED`, `ABSENCE_DECIDED`.
    pub change: String,
    pub at: NaiveDateTime,
    pub by_sub: String,
    pub requested_by: Option<RequestedBy>,
    pub reason: Option<String>,
    pub before: Option<String>,
    pub after: String,
}

pub fn insert_history(conn: &mut DbConnection, row: &HistoryRow) -> QueryResult<()> {
    diesel::insert_into(appointment_history::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One appointment's history, oldest first.
pub fn history(conn: &mut DbConnection, appointment_id: &str) -> QueryResult<Vec<HistoryRow>> {
    appointment_history::table
        .filter(appointment_history::appointment_id.eq(appointment_id))
        .order((appointment_history::at.asc(), appointment_history::id.asc()))
        .select(HistoryRow::as_select())
        .load(conn)
}

/// The history of several appointments in one query, each appointment's oldest first.
pub fn history_of(
    conn: &mut DbConnection,
    appointment_ids: &[&str],
) -> QueryResult<Vec<HistoryRow>> {
    if appointment_ids.is_empty() {
        return Ok(Vec::new());
    }
    appointment_history::table
        .filter(appointment_history::appointment_id.eq_any(appointment_ids))
        .order((appointment_history::at.asc(), appointment_history::id.asc()))
        .select(HistoryRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = warnings)]
pub struct WarningRow {
    pub id: String,
    pub crn: String,
    pub order_id: String,
    pub appointment_id: String,
    pub issued_at: NaiveDateTime,
    pub issued_by: String,
    pub note: String,
}

pub fn insert_warning(conn: &mut DbConnection, row: &WarningRow) -> QueryResult<()> {
    diesel::insert_into(warnings::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn warnings_for(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<WarningRow>> {
    warnings::table
        .filter(warnings::crn.eq(crn))
        .order(warnings::issued_at.asc())
        .select(WarningRow::as_select())
        .load(conn)
}
