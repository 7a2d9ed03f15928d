//! Disclosures, reported by a provider on its referral or recorded by probation, and the prompts
//! they raise. Disclosures are never edited: a correction is a new disclosure naming the old one.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, PROBATION, PROVIDER, PROVIDER_FIRST};
use super::pagination::{self, Page, PageQuery};
use super::parse::crn_param;
use super::prompts::{prompt_view, PromptView};
use crate::auth::Permission;
use crate::db::from_json;
use crate::domain::disclosure::{DisclosedBy, DisclosureDetails, DisclosureType, NewDisclosure};
use crate::domain::ids::{DisclosureId, ReferralId};
use crate::domain::prompt::{Agency, AgencyDecision, Outcome, PromptStatus};
use crate::domain::rule_id::RuleId;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::disclosure_feedback;
use crate::services::disclosures::{self as service, DisclosureRecord, Recorded};
use crate::services::prompt_lifecycle::{records, PromptRecord};
use crate::work::Work;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(provider_disclosure)
        .service(probation_disclosure)
        .service(list_disclosures)
        .service(list_recorded_disclosures)
        .service(get_disclosure);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "provider_disclosure",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "probation_disclosure",
        Permission::Commission,
        PROBATION,
        Case,
    ),
    op(
        "list_disclosures",
        Permission::ReadCasework,
        PROBATION,
        Case,
    ),
    op(
        "list_recorded_disclosures",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        OwnOrganisation,
    ),
    op(
        "get_disclosure",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
];

/// A recorded disclosure.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisclosureView {
    pub id: uuid::Uuid,
    pub crn: String,
    #[serde(rename = "type")]
    pub disclosure_type: DisclosureType,
    pub disclosed_at: DateTime<Utc>,
    pub disclosed_by: DisclosedBy,
    pub summary: String,
    /// As recorded: `PregnancyDetails` for `PREGNANCY`, `OtherDisclosureDetails` otherwise.
    #[schema(value_type = Option<DisclosureDetails>)]
    pub details: Option<serde_json::Value>,
    pub immediate_action_taken: Option<String>,
    pub corrects: Option<String>,
    pub referral_id: Option<String>,
    pub order_id: Option<String>,
    /// The provider that reported it, if any.
    pub provider_org: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub recorded_by_org: String,
    /// Why no new prompt was raised (the same facts were already covered by open prompts).
    pub no_prompt_reason: Option<String>,
    /// Every prompt this disclosure raised, with its current state.
    pub prompt_ids: Vec<String>,
    /// Said before the referral reached the provider that reports it: the provider may have known
    /// the person already. Kept, raised on like any other, and marked.
    pub predates_referral: bool,
}

impl TryFrom<DisclosureRecord> for DisclosureView {
    type Error = ApiError;

    fn try_from(record: DisclosureRecord) -> Result<Self, ApiError> {
        let DisclosureRecord { row, prompt_ids } = record;
        Ok(DisclosureView {
            id: crate::db::stored_id(&row.id)?,
            disclosure_type: row.disclosure_type,
            disclosed_by: row.disclosed_by,
            details: row
                .details
                .as_deref()
                .map(|d| from_json(d, "details"))
                .transpose()?,
            crn: row.crn,
            disclosed_at: row.disclosed_at.and_utc(),
            summary: row.summary,
            immediate_action_taken: row.immediate_action_taken,
            corrects: row.corrects,
            referral_id: row.referral_id,
            order_id: row.order_id,
            provider_org: row.provider_org,
            recorded_at: row.recorded_at.and_utc(),
            recorded_by: row.recorded_by,
            recorded_by_org: row.recorded_by_org,
            no_prompt_reason: row.no_prompt_reason,
            prompt_ids,
            predates_referral: row.predates_referral,
        })
    }
}

/// The answer to recording a disclosure.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisclosureRecorded {
    #[serde(flatten)]
    pub disclosure: DisclosureView,
    /// The prompts raised now, visible to the caller (a provider sees those addressed to it).
    pub prompts_raised: Vec<PromptView>,
    /// How many prompts were raised in all, including those addressed to others.
    pub prompts_raised_count: usize,
    /// Ids of the prompts (visible to the caller) that already covered the same facts:
    /// unresolved, or raised within the deduplication window; this disclosure is linked to them.
    pub prompts_already_open: Vec<String>,
    /// Every prompt that already covered the same facts, whoever it is for, and where it stands
    /// (no notes).
    pub prompts_covering: Vec<PromptResponse>,
}

impl DisclosureRecorded {
    /// The view of what recording did (it reads the covering prompts' referrals).
    fn view(w: &mut Work, recorded: Recorded) -> Result<Self, ApiError> {
        let now = w.now;
        let covering = records(w, recorded.covering)?;
        Ok(DisclosureRecorded {
            prompts_covering: covering.into_iter().map(PromptResponse::from).collect(),
            disclosure: recorded.disclosure.try_into()?,
            prompts_raised: recorded
                .raised
                .into_iter()
                .map(|p| prompt_view(p, now))
                .collect::<Result<_, _>>()?,
            prompts_raised_count: recorded.raised_count,
            prompts_already_open: recorded.already_open,
        })
    }
}

/// Report a disclosure (provider)
///
/// What the person (or someone else) told your worker that matters for risk. The response lists
/// the safeguarding prompts raised; probation is told at once.
#[utoipa::path(
    tag = "disclosures",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = NewDisclosure,
    responses(
        (status = 201, description = "Recorded, with the prompts raised", body = DisclosureRecorded),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "The referral is not accepted or has ended"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/disclosures")]
pub async fn provider_disclosure(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<NewDisclosure>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let recorded = ctx
        .create(Permission::DeliverReferral, "disclosure.record", move |w| {
            let recorded = service::record_on_referral(w, id, body)?;
            DisclosureRecorded::view(w, recorded)
        })
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// Record a disclosure (probation)
///
/// Something the person told the officer, or that another agency reported, that matters for risk.
#[utoipa::path(
    tag = "disclosures",
    params(("crn" = String, Path, description = "Case reference number")),
    request_body = NewDisclosure,
    responses(
        (status = 201, description = "Recorded, with the prompts raised", body = DisclosureRecorded),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/people/{crn}/disclosures")]
pub async fn probation_disclosure(
    ctx: Ctx,
    crn: web::Path<String>,
    body: ApiJson<NewDisclosure>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let body = body.into_inner();
    let pregnancy = body
        .validate(ctx.now())
        .map_err(|e| ApiError::Validation(e.into_vec()))?;
    let recorded = ctx
        .create(Permission::Commission, "disclosure.record", move |w| {
            let recorded = service::record_for_person(w, &crn, body, pregnancy)?;
            DisclosureRecorded::view(w, recorded)
        })
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// List a person's disclosures
///
/// Every disclosure from every agency, in the order they were made, with the prompts each raised.
#[utoipa::path(
    tag = "disclosures",
    params(("crn" = String, Path, description = "Case reference number"), PageQuery),
    responses(
        (status = 200, description = "Disclosures in the order they were made", body = Page<DisclosureView>),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/disclosures")]
pub async fn list_disclosures(
    ctx: Ctx,
    crn: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<DisclosureView>>, ApiError> {
    let crn = crn_param(&crn)?;
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let list = ctx
        .read(Permission::ReadCasework, "disclosure.list", move |w| {
            let records = service::page(w, &crn, after, limit)?;
            let key = |r: &DisclosureRecord| pagination::key(&r.row.disclosed_at, &r.row.id);
            Page::try_from_rows(records, limit, key, DisclosureView::try_from)
        })
        .await?;
    Ok(web::Json(list))
}

/// What became of one prompt a disclosure raised: enough for the reporter to know it was acted
/// on, without notes or rationale.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromptResponse {
    #[schema(value_type = String)]
    pub rule: RuleId,
    pub title: String,
    /// The organisation whose people had to act.
    pub assignee_org: String,
    pub status: PromptStatus,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Outcome>,
    /// The agency referred to, if the outcome was `REFERRED`.
    #[schema(value_type = Option<String>)]
    pub agency: Option<Agency>,
    /// The agency's decision, once received.
    #[schema(value_type = Option<String>)]
    pub decision: Option<AgencyDecision>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<PromptRecord> for PromptResponse {
    fn from(r: PromptRecord) -> Self {
        PromptResponse {
            rule: r.row.rule,
            title: r.row.title,
            assignee_org: r.row.org,
            status: r.row.status,
            outcome: r.row.outcome,
            agency: r.referral.as_ref().map(|x| x.agency),
            decision: r.referral.as_ref().and_then(|x| x.decision),
            resolved_at: r.row.resolved_at.map(|t| t.and_utc()),
        }
    }
}

/// A disclosure with what became of the prompts it raised.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisclosureWithResponses {
    #[serde(flatten)]
    pub disclosure: DisclosureView,
    /// For each prompt the disclosure raised, whoever it was addressed to: its title, the
    /// organisation that had to act, its status, outcome, agency and decision (no notes).
    pub responses: Vec<PromptResponse>,
}

/// Read a disclosure and what was done about it
///
/// For the case's probation organisation and the provider that reported it: the disclosure and,
/// in `responses`, where each prompt it raised stands (without notes or rationale).
#[utoipa::path(
    tag = "disclosures",
    params(("id" = uuid::Uuid, Path, description = "Disclosure id")),
    responses(
        (status = 200, description = "The disclosure with the responses to it", body = DisclosureWithResponses),
        (status = 404, description = "No such disclosure recorded by or for your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/disclosures/{id}")]
pub async fn get_disclosure(
    ctx: Ctx,
    id: web::Path<DisclosureId>,
) -> Result<web::Json<DisclosureWithResponses>, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadReferrals, "disclosure.read", move |w| {
            let (disclosure, prompts) = disclosure_feedback::read(w, id)?;
            Ok(DisclosureWithResponses {
                disclosure: disclosure.try_into()?,
                responses: prompts.into_iter().map(PromptResponse::from).collect(),
            })
        })
        .await?;
    Ok(web::Json(view))
}
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordedQuery {
    /// `true`: only the disclosures the caller recorded; otherwise every disclosure the caller's
    /// organisation recorded.
    #[serde(rename = "recordedByMe")]
    #[param(rename = "recordedByMe")]
    pub recorded_by_me: Option<bool>,
}

/// Disclosures you or your organisation recorded, and what became of them
///
/// Newest first (by when recorded). Each with, in `responses`, where every prompt it raised
/// stands: who had to act, status, outcome, agency and decision (no notes or rationale). A
/// provider worker's `recordedByMe=true` is what they reported and what was done about it.
#[utoipa::path(
    tag = "disclosures",
    params(RecordedQuery, PageQuery),
    responses(
        (status = 200, description = "Disclosures, newest first, with the responses to them", body = Page<DisclosureWithResponses>),
        (status = 422, description = "A bad `limit` or `cursor`"),
    ),
    security(("bearer" = []))
)]
#[get("/disclosures")]
pub async fn list_recorded_disclosures(
    ctx: Ctx,
    query: web::Query<RecordedQuery>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<DisclosureWithResponses>>, ApiError> {
    let limit = page.limit()?;
    let before = page.after_key::<chrono::NaiveDateTime>()?;
    let mine = query.recorded_by_me.unwrap_or(false);
    let list = ctx
        .read(Permission::ReadReferrals, "disclosure.list", move |w| {
            let records = disclosure_feedback::recorded(w, mine, before, limit + 1)?;
            let key = |(d, _): &(DisclosureRecord, Vec<PromptRecord>)| {
                pagination::key(&d.row.recorded_at, &d.row.id)
            };
            Page::try_from_rows(records, limit, key, |(d, prompts)| {
                Ok(DisclosureWithResponses {
                    disclosure: d.try_into()?,
                    responses: prompts.into_iter().map(PromptResponse::from).collect(),
                })
            })
        })
        .await?;
    Ok(web::Json(list))
}
