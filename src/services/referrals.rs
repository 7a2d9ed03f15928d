//! Referral use cases: reading a referral with everything its view needs, listing, re-sharing
//! after a risk change, and what every change to a referral shares (content, state machine,
//! events). Drafting is in `draft`, the state changes in `actions`.

mod actions;
mod draft;

pub use actions::{
    accept, acknowledge_risk, assign_worker, decline, send, set_provider_reference, withdraw,
};
pub use draft::{create_draft, update_draft, Draft};

use super::access;
use super::change::{change, CaseResource, Expect};
use super::prompts::{self, Origin};
use crate::db::orders::{self, OrderRow};
use crate::db::people::PersonRow;
use crate::db::prompts as prompt_rows;
use crate::db::referrals::{self as rows, ContextRow, ReferralRow};
use crate::db::{from_json, to_json};
use crate::domain::events::{DomainEvent, OnReferral, ReferralRiskUpdated};
use crate::domain::ids::ReferralId;
use crate::domain::order::Offence;
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::{
    transition, Action, ReferralContent, ReferralStatus, SharedContext, SharedContextVersion,
};
use crate::domain::risk::RiskAssessment;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::rules::{risk_change, RuleId};
use crate::work::{Event, Work};

/// A referral with everything its view needs, loaded for the caller's side.
#[derive(Debug)]
pub struct ReferralRecord {
    pub row: ReferralRow,
    pub content: ReferralContent,
    /// Every version of the shared context sent, oldest first.
    pub versions: Vec<SharedContextVersion>,
    pub audience: Audience,
}

/// Whom a [`ReferralRecord`] was loaded for, and what that side's view needs besides the referral.
#[derive(Debug)]
pub enum Audience {
    /// Probation sees the referral itself.
    Probation,
    /// A provider sees the shared view, which names the person and the responsible officer.
    Provider(Box<ProviderContext>),
}

/// What the provider's view shows beyond the referral: who the person is and who manages them.
#[derive(Debug)]
pub struct ProviderContext {
    pub person: PersonRow,
    pub order: OrderRow,
}

/// Loads what the caller's view of `row` needs (the caller may already see the referral).
pub fn record(w: &mut Work, row: ReferralRow) -> Result<ReferralRecord, ApiError> {
    let content = content(&row)?;
    let versions = versions(w, &row.id)?;
    let audience = if w.me.is_probation() {
        Audience::Probation
    } else {
        let (order, person) = orders::with_person(w.conn, &row.order_id)?;
        Audience::Provider(Box::new(ProviderContext { person, order }))
    };
    Ok(ReferralRecord {
        row,
        content,
        versions,
        audience,
    })
}

fn versions(w: &mut Work, id: &str) -> Result<Vec<SharedContextVersion>, ApiError> {
    rows::contexts(w.conn, id)?
        .into_iter()
        .map(|c| {
            Ok(SharedContextVersion {
                version: c.version,
                reason: c.reason,
                created_at: c.created_at.and_utc(),
                acknowledged_at: c.acknowledged_at.map(|t| t.and_utc()),
                acknowledged_by: c.acknowledged_by,
                context: from_json(&c.body, "shared context")?,
            })
        })
        .collect()
}

/// A referral the caller may see (`404` otherwise).
pub fn get(w: &mut Work, id: ReferralId) -> Result<ReferralRecord, ApiError> {
    let row = access::referral(w, id)?;
    record(w, row)
}

/// Referrals the caller may see, newest first, optionally in one status, after the cursor key
/// `before`: up to `limit + 1` rows, the extra one only saying that more exist.
pub fn list(
    w: &mut Work,
    status: Option<ReferralStatus>,
    provider_reference: Option<&str>,
    assigned_to_me: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<ReferralRow>, ApiError> {
    let me = w.me.sub().to_string();
    Ok(rows::list_visible(
        w.conn,
        w.scope(),
        status,
        provider_reference,
        assigned_to_me.then_some(me.as_str()),
        before,
        limit + 1,
    )?)
}

/// A referral changes through [`change`]: the other side gets `404`, as if it did not exist.
impl CaseResource for ReferralRow {
    type Id = crate::domain::ids::ReferralId;

    fn load(w: &mut Work, id: Self::Id) -> Result<Self, ApiError> {
        access::referral(w, id)
    }

    fn save(&self, w: &mut Work) -> Result<(), ApiError> {
        Ok(rows::save(w.conn, self)?)
    }

    fn wrong_side(_: OrgKind) -> ApiError {
        ApiError::not_found("referral")
    }
}

/// One change to a referral by `side`: [`change`], then what the caller's view needs.
/// `apply` makes the change and says what happened.
fn change_referral(
    w: &mut Work,
    id: ReferralId,
    side: OrgKind,
    expect: Expect<ReferralRow>,
    apply: impl FnOnce(&mut Work, &mut ReferralRow) -> Result<Event, ApiError>,
) -> Result<ReferralRecord, ApiError> {
    let (row, ()) = change(w, id, side, expect, |w, row| Ok((apply(w, row)?, ())))?;
    record(w, row)
}

pub fn content(row: &ReferralRow) -> Result<ReferralContent, ApiError> {
    from_json(&row.content, "referral content")
}

pub fn offences(order: &OrderRow) -> Result<Vec<Offence>, ApiError> {
    from_json(&order.offences, "offences")
}

/// Applies `action` to the referral's status, or `409` naming the current state.
pub fn apply(row: &mut ReferralRow, action: Action) -> Result<ReferralStatus, ApiError> {
    let from = row.status;
    let to = transition(from, action)
        .map_err(|e| ApiError::invalid_state(e.to_string(), from.as_str()))?;
    row.status = to;
    Ok(to)
}

/// Emits a referral event, visible to the provider once the referral has been sent.
pub fn emit<T>(
    w: &mut Work,
    row: &ReferralRow,
    make: impl FnOnce(OnReferral<T>) -> DomainEvent,
    description: String,
    detail: T,
) {
    w.emit(event(row, make, description, detail));
}

/// A referral event, visible to the provider once the referral has been sent: `make` names the
/// event, `detail` is what it adds to the referral's ids, status and provider.
pub fn event<T>(
    row: &ReferralRow,
    make: impl FnOnce(OnReferral<T>) -> DomainEvent,
    description: String,
    detail: T,
) -> Event {
    Event {
        payload: make(OnReferral {
            referral_id: row.id.clone(),
            order_id: row.order_id.clone(),
            status: row.status,
            provider_org: row.provider_org.clone(),
            provider_reference: row.provider_reference.clone(),
            detail,
        }),
        description,
        detail_path: format!("/api/v1/referrals/{}", row.id),
        crn: Some(row.crn.clone()),
        org: row.probation_org.clone(),
        provider_org: row.sent_at.is_some().then(|| row.provider_org.clone()),
    }
}

/// After a new risk assessment: gives every live referral of the person a new shared-context
/// version if what the provider was told about risk changed, and requires a new acknowledgement.
/// Returns the referrals that got a new version, with the previous and new context.
pub fn reshare_after_risk_change(
    w: &mut Work,
    crn: &str,
    assessment_id: &str,
    assessment: &RiskAssessment,
) -> Result<Vec<(ReferralRow, SharedContext, SharedContext)>, ApiError> {
    let mut changed = Vec::new();
    for mut row in rows::for_person(w.conn, crn)? {
        if !row.status.is_live() {
            continue;
        }
        let Some(current) = rows::context(w.conn, &row.id, row.context_version)? else {
            continue;
        };
        let previous: SharedContext = from_json(&current.body, "shared context")?;
        let order = orders::get(w.conn, &row.order_id)?;
        let next = SharedContext::build(&content(&row)?, &offences(&order)?, assessment);
        if !next.risk_differs(&previous) {
            continue;
        }
        let now = w.now.naive_utc();
        row.context_version += 1;
        row.updated_at = now;
        rows::insert_context(
            w.conn,
            &ContextRow {
                referral_id: row.id.clone(),
                version: row.context_version,
                reason: "RISK_UPDATED".into(),
                body: to_json(&next)?,
                created_at: now,
                acknowledged_at: None,
                acknowledged_by: None,
            },
        )?;
        rows::save(w.conn, &row)?;
        emit(
            w,
            &row,
            DomainEvent::ReferralRiskUpdated,
            "Risk information changed; the provider must acknowledge the new version".into(),
            ReferralRiskUpdated {
                context_version: row.context_version,
                rosh_raised: next.rosh.raised_since(&previous.rosh),
            },
        );
        if let Some(spec) = risk_change::provider_acknowledgement(
            &row.crn,
            &row.id,
            row.context_version,
            &previous,
            &next,
        ) {
            let origin = Origin {
                crn: &row.crn,
                probation_org: &row.probation_org,
                provider_org: Some(&row.provider_org),
                order_id: Some(&row.order_id),
                referral_id: Some(&row.id),
                kind: TriggerKind::RiskAssessment,
                id: assessment_id,
            };
            prompts::raise(w, vec![spec], &origin)?;
        }
        changed.push((row, previous, next));
    }
    Ok(changed)
}

/// Closes the provider's open "acknowledge updated risk information" prompts on a referral once
/// its safeguarding lead (a provider manager) has acknowledged the latest version. A worker's
/// acknowledgement (or acceptance) leaves them open: the lead closes them, never a side effect.
pub fn close_acknowledgement_prompts(
    w: &mut Work,
    referral_id: &str,
    version: i32,
) -> Result<(), ApiError> {
    if !w.me.has(crate::auth::Role::ProviderManager) {
        return Ok(());
    }
    for prompt in
        prompt_rows::open_for_referral(w.conn, referral_id, RuleId::RiskInformationUpdated)?
    {
        let note = format!("Acknowledged version {version} of the shared risk information");
        prompts::resolve_as_done(w, prompt, note)?;
    }
    Ok(())
}
