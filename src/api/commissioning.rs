//! `GET /api/v1/reports/commissioning`: per provider and intervention type, referral volumes,
//! working days to acceptance and to the first session, attendance, RAR days, outcomes and
//! safeguarding actions, as JSON or CSV, with a footnote defining every figure.

use super::chronology::csv_field;
use super::operations::Reach::OwnOrganisation;
use super::operations::{op, Access, Caller};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::http::Ctx;
use crate::services::commissioning::{self as service, Report, ReportRequest};
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(commissioning_report);
}

const CALLERS: &[Caller] = &[Caller::Probation, Caller::Provider, Caller::Auditor];

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op(
    "commissioning_report",
    Permission::ReadReports,
    CALLERS,
    OwnOrganisation,
)];

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommissioningQuery {
    /// First London date of the period (referrals sent on or after it).
    pub from: NaiveDate,
    /// Last London date of the period (inclusive).
    pub to: NaiveDate,
    /// Only this provider's referrals (organisation code).
    #[param(max_length = 100)]
    pub provider: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<ReportFormat>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndedEarly {
    pub non_engagement: i64,
    pub provider_withdrawn: i64,
    pub other: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralCounts {
    pub sent: i64,
    pub accepted: i64,
    pub declined: i64,
    pub withdrawn: i64,
    pub completed: i64,
    pub ended_early: EndedEarly,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkingDayWait {
    /// How many referrals the figures are over.
    pub n: i64,
    pub median: Option<f64>,
    pub p90: Option<i64>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionCounts {
    pub booked: i64,
    pub attended: i64,
    pub late: i64,
    pub missed_acceptable: i64,
    pub missed_unacceptable: i64,
    /// (attended + late) / (attended + late + missed); absent with nothing recorded.
    pub attendance_rate: Option<f64>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RarDayCounts {
    pub commissioned: i64,
    pub delivered: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeCounts {
    pub reports: i64,
    pub achieved: i64,
    pub partly_achieved: i64,
    pub not_achieved: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionCounts {
    pub raised: i64,
    pub resolved_in_time: i64,
    pub overdue: i64,
    pub not_required: i64,
    pub unresolved: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleActionCounts {
    pub rule: String,
    #[serde(flatten)]
    pub counts: ActionCounts,
}

#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SafeguardingCounts {
    #[serde(flatten)]
    pub total: ActionCounts,
    pub by_rule: Vec<RuleActionCounts>,
}

/// The figures of one provider and intervention type.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissioningGroup {
    pub provider: String,
    pub intervention_type: String,
    pub referrals: ReferralCounts,
    pub working_days_to_accept: WorkingDayWait,
    pub working_days_to_first_session: WorkingDayWait,
    pub sessions: SessionCounts,
    pub rar_days: RarDayCounts,
    pub outcomes: OutcomeCounts,
    pub safeguarding_actions: SafeguardingCounts,
}

/// One figure's definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct Definition {
    pub field: &'static str,
    pub definition: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissioningReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub groups: Vec<CommissioningGroup>,
    /// The footnote: how every figure is defined.
    pub definitions: Vec<Definition>,
}

/// How every figure is counted (the report's footnote).
pub const DEFINITIONS: &[(&str, &str)] = &[
    ("cohort", "Referrals your organisation may count (a probation organisation's own, or those sent to a provider; every referral for the platform auditor) sent on a London date from `from` to `to` inclusive; every figure is about these referrals, whenever its event happened."),
    ("interventionType", "The referral's interventionType as written by the officer (empty when none)."),
    ("referrals.sent", "Referrals in the cohort."),
    ("referrals.accepted", "Referrals the provider accepted (whatever happened after)."),
    ("referrals.declined", "Referrals now DECLINED."),
    ("referrals.withdrawn", "Referrals now WITHDRAWN by probation."),
    ("referrals.completed", "Referrals now COMPLETED."),
    ("referrals.endedEarly", "Referrals now ENDED_EARLY, by the provider's end reason: NON_ENGAGEMENT, PROVIDER_WITHDRAWN, other."),
    ("workingDaysToAccept", "Working days (England and Wales: no weekends or bank holidays) after the London date of sending up to and including the London date of acceptance, over accepted referrals: the median (the middle value, or the mean of the two middle values) and the 90th percentile (nearest rank: the value at rank ceil(0.9 n))."),
    ("workingDaysToFirstSession", "As workingDaysToAccept, to the London date of the earliest session booked and not cancelled, over referrals with one."),
    ("sessions.booked", "Sessions not cancelled, past or to come."),
    ("sessions.attended", "Sessions recorded attended on time (YES)."),
    ("sessions.late", "Sessions recorded attended late (LATE)."),
    ("sessions.missedAcceptable", "Sessions recorded not attended that the officer judged acceptable, or, not yet judged, whose reason was not POP_UNACCEPTABLE."),
    ("sessions.missedUnacceptable", "Sessions recorded not attended that the officer judged unacceptable, or, not yet judged, with reason POP_UNACCEPTABLE."),
    ("sessions.attendanceRate", "(attended + late) / (attended + late + missedAcceptable + missedUnacceptable): over sessions with attendance recorded."),
    ("rarDays.commissioned", "The RAR days of accepted referrals."),
    ("rarDays.delivered", "Per referral, distinct London dates with an attended (YES or LATE) delivery session, never above the referral's RAR days; summed."),
    ("outcomes", "Desired outcomes in the end-of-service reports of the cohort, by achievement level (reports: how many reports)."),
    ("safeguardingActions.raised", "Safeguarding actions (prompts) raised on the cohort's referrals and addressed to your organisation (to any, for probation and the platform auditor), in all and per rule."),
    ("safeguardingActions.resolvedInTime", "Resolved (for a referral to an agency: its decision recorded) at or before the due time."),
    ("safeguardingActions.overdue", "Resolved after the due time, or unresolved and past it now."),
    ("safeguardingActions.notRequired", "Closed NOT_REQUIRED."),
    ("safeguardingActions.unresolved", "Not resolved yet."),
];

fn key(provider: &str, itype: &str) -> (String, String) {
    (provider.to_string(), itype.to_string())
}

/// Builds the report's groups from the service's aggregate rows (pure).
pub fn report_view(
    r: Report,
    from: NaiveDate,
    to: NaiveDate,
    at: DateTime<Utc>,
) -> CommissioningReport {
    let mut groups: BTreeMap<(String, String), CommissioningGroup> = BTreeMap::new();
    fn group<'a>(
        groups: &'a mut BTreeMap<(String, String), CommissioningGroup>,
        p: &str,
        i: &str,
    ) -> &'a mut CommissioningGroup {
        groups
            .entry(key(p, i))
            .or_insert_with(|| CommissioningGroup {
                provider: p.to_string(),
                intervention_type: i.to_string(),
                ..Default::default()
            })
    }
    for v in r.volumes {
        let g = group(&mut groups, &v.provider, &v.itype);
        g.referrals = ReferralCounts {
            sent: v.sent,
            accepted: v.accepted,
            declined: v.declined,
            withdrawn: v.withdrawn,
            completed: v.completed,
            ended_early: EndedEarly {
                non_engagement: v.ended_non_engagement,
                provider_withdrawn: v.ended_provider_withdrawn,
                other: v.ended_other,
            },
        };
        g.rar_days.commissioned = v.rar_days_commissioned;
    }
    for w in r.waits {
        let wait = WorkingDayWait {
            n: w.n,
            median: w.median,
            p90: w.p90,
        };
        let g = group(&mut groups, &w.provider, &w.itype);
        if w.measure == "ACCEPT" {
            g.working_days_to_accept = wait;
        } else {
            g.working_days_to_first_session = wait;
        }
    }
    for s in r.sessions {
        let recorded = s.attended + s.late + s.missed_acceptable + s.missed_unacceptable;
        group(&mut groups, &s.provider, &s.itype).sessions = SessionCounts {
            booked: s.booked,
            attended: s.attended,
            late: s.late,
            missed_acceptable: s.missed_acceptable,
            missed_unacceptable: s.missed_unacceptable,
            attendance_rate: (recorded > 0).then(|| (s.attended + s.late) as f64 / recorded as f64),
        };
    }
    for d in r.delivered {
        group(&mut groups, &d.provider, &d.itype).rar_days.delivered = d.delivered;
    }
    for o in r.outcomes {
        group(&mut groups, &o.provider, &o.itype).outcomes = OutcomeCounts {
            reports: o.reports,
            achieved: o.achieved,
            partly_achieved: o.partly,
            not_achieved: o.not_achieved,
        };
    }
    for a in r.actions {
        let s = &mut group(&mut groups, &a.provider, &a.itype).safeguarding_actions;
        s.total.raised += a.raised;
        s.total.resolved_in_time += a.resolved_in_time;
        s.total.overdue += a.overdue;
        s.total.not_required += a.not_required;
        s.total.unresolved += a.unresolved;
        s.by_rule.push(RuleActionCounts {
            rule: a.rule,
            counts: ActionCounts {
                raised: a.raised,
                resolved_in_time: a.resolved_in_time,
                overdue: a.overdue,
                not_required: a.not_required,
                unresolved: a.unresolved,
            },
        });
    }
    CommissioningReport {
        from,
        to,
        generated_at: at,
        groups: groups.into_values().collect(),
        definitions: DEFINITIONS
            .iter()
            .map(|(field, definition)| Definition { field, definition })
            .collect(),
    }
}

const CSV_HEADER: &str = "provider,interventionType,sent,accepted,declined,withdrawn,completed,endedEarlyNonEngagement,endedEarlyProviderWithdrawn,endedEarlyOther,acceptN,acceptMedianWorkingDays,acceptP90WorkingDays,firstSessionN,firstSessionMedianWorkingDays,firstSessionP90WorkingDays,sessionsBooked,attended,late,missedAcceptable,missedUnacceptable,attendanceRate,rarDaysCommissioned,rarDaysDelivered,outcomeReports,achieved,partlyAchieved,notAchieved,actionsRaised,actionsResolvedInTime,actionsOverdue,actionsNotRequired,actionsUnresolved";

/// One row per group, then the footnote as `# field: definition` lines.
pub fn to_csv(r: &CommissioningReport) -> String {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut out = format!("{CSV_HEADER}\r\n");
    for g in &r.groups {
        let (a, f, s) = (
            &g.working_days_to_accept,
            &g.working_days_to_first_session,
            &g.sessions,
        );
        let t = &g.safeguarding_actions.total;
        let nums: Vec<String> = vec![
            g.referrals.sent.to_string(),
            g.referrals.accepted.to_string(),
            g.referrals.declined.to_string(),
            g.referrals.withdrawn.to_string(),
            g.referrals.completed.to_string(),
            g.referrals.ended_early.non_engagement.to_string(),
            g.referrals.ended_early.provider_withdrawn.to_string(),
            g.referrals.ended_early.other.to_string(),
            a.n.to_string(),
            opt(a.median.map(|m| m.to_string())),
            opt(a.p90.map(|m| m.to_string())),
            f.n.to_string(),
            opt(f.median.map(|m| m.to_string())),
            opt(f.p90.map(|m| m.to_string())),
            s.booked.to_string(),
            s.attended.to_string(),
            s.late.to_string(),
            s.missed_acceptable.to_string(),
            s.missed_unacceptable.to_string(),
            opt(s.attendance_rate.map(|m| format!("{m:.4}"))),
            g.rar_days.commissioned.to_string(),
            g.rar_days.delivered.to_string(),
            g.outcomes.reports.to_string(),
            g.outcomes.achieved.to_string(),
            g.outcomes.partly_achieved.to_string(),
            g.outcomes.not_achieved.to_string(),
            t.raised.to_string(),
            t.resolved_in_time.to_string(),
            t.overdue.to_string(),
            t.not_required.to_string(),
            t.unresolved.to_string(),
        ];
        out.push_str(&csv_field(&g.provider));
        out.push(',');
        out.push_str(&csv_field(&g.intervention_type));
        for n in nums {
            out.push(',');
            out.push_str(&n);
        }
        out.push_str("\r\n");
    }
    for d in &r.definitions {
        out.push_str(&csv_field(&format!("# {}: {}", d.field, d.definition)));
        out.push_str("\r\n");
    }
    out
}

/// Read the commissioning report
///
/// Per provider and intervention type, over the referrals sent in the period that your
/// organisation may count (a probation manager's or auditor's: its own referrals; a provider
/// manager's or auditor's: those sent to it; the platform auditor's: all): referrals sent,
/// accepted, declined, withdrawn, ended early by reason; median and 90th percentile working days
/// to acceptance and to the first session; sessions and attendance; RAR days commissioned and
/// delivered; outcomes; safeguarding actions by rule and how they ended. Computed by SQL
/// aggregates (six statements whatever the volume). `definitions` is the footnote.
#[utoipa::path(
    tag = "oversight",
    params(CommissioningQuery),
    responses(
        (status = 200, description = "The report: JSON, or with `format=csv` RFC 4180 CSV (one row per group, then `# field: definition` lines)",
            content(
                (CommissioningReport = "application/json"),
                (String = "text/csv"),
            )),
        (status = 400, description = "A date that is not YYYY-MM-DD, or an unknown format"),
        (status = 403, description = "Not a probation or provider manager or an auditor"),
        (status = 422, description = "from after to, from in the future, or more than five years"),
    ),
    security(("bearer" = []))
)]
#[get("/reports/commissioning")]
pub async fn commissioning_report(
    ctx: Ctx,
    query: web::Query<CommissioningQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (from, to) = (q.from, q.to);
    let at = ctx.now();
    let platform = ctx.state().settings.platform_org.clone();
    let request = ReportRequest {
        from,
        to,
        provider: q.provider.filter(|p| !p.is_empty()),
    };
    let report = ctx
        .read(Permission::ReadReports, "report.commissioning", move |w| {
            service::report(w, request, &platform)
        })
        .await?;
    let view = report_view(report, from, to, at);
    Ok(match q.format.unwrap_or_default() {
        ReportFormat::Json => HttpResponse::Ok().json(view),
        ReportFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"commissioning.csv\"",
            ))
            .body(to_csv(&view)),
    })
}
