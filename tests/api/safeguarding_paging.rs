//! A person's disclosures page in SQL: reading a page costs the same few statements whether the
//! person has 50 disclosures or 5,000 (no query per disclosure), and walking every page with the
//! cursor sees each disclosure exactly once, in the order they were made. The prompt list's
//! cursor walks the same way.

use crate::helpers::*;
use crate::scenario::*;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::connection::{Connection, InstrumentationEvent};
use rarlink::auth::{Caller, Role};
use rarlink::db::disclosures::{self, DisclosureRow};
use rarlink::db::prompts::{self, PromptRow};
use rarlink::db::{write_transaction, ConnectionFactory, DbConnection};
use rarlink::domain::disclosure::{DisclosedBy, DisclosureType};
use rarlink::domain::prompt::{AssigneeRole, PromptStatus, TriggerKind};
use rarlink::domain::{Crn, OrgKind};
use rarlink::error::ApiError;
use rarlink::rules::RuleId;
use rarlink::work::{Principal, Work};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

const PAGE: i64 = 200;

fn disclosure(i: usize, base: NaiveDateTime) -> DisclosureRow {
    // Seven disclosures share each instant, so pages end inside runs of equal times and the
    // id must break ties; some instants carry nanoseconds that SQLite keeps.
    let at = base + Duration::seconds((i / 7) as i64) + Duration::nanoseconds((i % 3) as i64 * 417);
    DisclosureRow {
        id: uuid::Uuid::new_v4().to_string(),
        crn: CRN.into(),
        probation_org: PROBATION.into(),
        referral_id: None,
        order_id: None,
        provider_org: None,
        disclosure_type: DisclosureType::Other,
        disclosed_at: at,
        disclosed_by: DisclosedBy::PersonOnProbation,
        summary: format!("disclosure {i}"),
        details: None,
        immediate_action_taken: None,
        corrects: None,
        no_prompt_reason: None,
        recorded_at: base,
        recorded_by: "jsmith".into(),
        recorded_by_org: PROBATION.into(),
        predates_referral: false,
    }
}

fn prompt(d: &DisclosureRow, n: usize) -> PromptRow {
    PromptRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: CRN.into(),
        probation_org: PROBATION.into(),
        org: PROBATION.into(),
        order_id: None,
        referral_id: None,
        rule: RuleId::DisclosureConsider,
        title: "Consider the disclosure".into(),
        action: "Read it".into(),
        rationale: "Every disclosure is considered".into(),
        guidance: "[]".into(),
        triggered_by_kind: TriggerKind::Disclosure,
        triggered_by_id: d.id.clone(),
        assignee_role: AssigneeRole::ResponsibleOfficer,
        assignee: None,
        mandatory: false,
        dedup_key: format!("test|{}|{n}", d.id),
        status: PromptStatus::Open,
        raised_at: d.recorded_at,
        due_at: d.recorded_at,
        escalated_at: None,
        outcome: None,
        resolution_note: None,
        external_reference: None,
        resolved_at: None,
        resolved_by: None,
        resolved_by_role: None,
        reporting_org: d.provider_org.clone(),
    }
}

/// How many prompts the `i`th stored disclosure raised: none, one, or (every 50th) two.
fn prompts_of(i: usize) -> usize {
    match i {
        i if i % 50 == 0 => 2,
        i if i % 10 == 0 => 1,
        _ => 0,
    }
}

/// Stores disclosures `from..to` and their prompts in one transaction, straight through the
/// db layer (thousands of HTTP requests would take minutes). Returns id → prompts raised.
async fn store(app: &TestApp, from: usize, to: usize) -> HashMap<String, usize> {
    // Every prompt of these disclosures is due at the same instant: the prompt list's pages
    // must break the tie by id.
    let base = default_start().naive_utc() - Duration::days(30);
    app.state
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let mut stored = HashMap::new();
                for i in from..to {
                    let d = disclosure(i, base);
                    disclosures::insert(conn, &d)?;
                    for n in 0..prompts_of(i) {
                        prompts::insert(conn, &prompt(&d, n))?;
                    }
                    stored.insert(d.id, prompts_of(i));
                }
                Ok::<_, ApiError>(stored)
            })
        })
        .await
        .expect("disclosures stored")
}

/// Every item of a list, page by page with its cursor: (ordering instant, id) and the item.
async fn walk(app: &TestApp, first: &str, at: &str) -> Vec<((DateTime<Utc>, String), Value)> {
    let mut seen = Vec::new();
    let mut path = first.to_string();
    loop {
        let res = app.get(&path, &app.pp()).await;
        let status = res.status();
        let page = body(res).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        for item in page["items"].as_array().unwrap() {
            let when: DateTime<Utc> = item[at].as_str().unwrap().parse().unwrap();
            let id = item["id"].as_str().unwrap().to_string();
            seen.push(((when, id), item.clone()));
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return seen,
        }
    }
}

/// Each item once, in ascending (instant, id) order.
fn once_in_order(seen: &[((DateTime<Utc>, String), Value)]) -> bool {
    let ids: HashSet<&String> = seen.iter().map(|(key, _)| &key.1).collect();
    ids.len() == seen.len() && seen.windows(2).all(|w| w[0].0 < w[1].0)
}

/// The SQL statements the service runs to read the first page, on a connection of its own.
fn statements_for_first_page(app: &TestApp) -> (usize, Vec<String>) {
    let mut conn: DbConnection = ConnectionFactory::new(app.state.settings.database.clone())
        .connect()
        .expect("connect");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            log.lock().unwrap().push(query.to_string());
        }
    });
    let me = Principal {
        caller: Caller {
            sub: "jsmith".into(),
            name: None,
            email: None,
            org: PROBATION.into(),
            roles: vec![Role::ProbationPractitioner],
        },
        org_kind: Some(OrgKind::Probation),
    };
    let crn = Crn::parse(CRN).expect("a valid CRN");
    let mut w = Work::new(&mut conn, &me, Utc::now(), &app.state.rules, false);
    let page = rarlink::services::disclosures::page(&mut w, &crn, None, PAGE).expect("a page");
    let statements = seen.lock().unwrap().clone();
    (page.len(), statements)
}

#[actix_web::test]
async fn a_page_of_disclosures_costs_the_same_statements_for_50_or_5000_and_the_cursor_sees_each_once(
) {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    // One through the API, so the list holds a disclosure with the prompt the rules raised.
    let res = app
        .post(
            &format!("/api/v1/people/{CRN}/disclosures"),
            &app.pp(),
            &serde_json::json!({
                "type": "OTHER", "disclosedAt": "2026-03-01T12:00:00Z",
                "disclosedBy": "PERSON_ON_PROBATION", "summary": "recorded through the API",
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let recorded = body(res).await;
    let mut expected: HashMap<String, usize> = HashMap::new();
    expected.insert(
        recorded["id"].as_str().unwrap().to_string(),
        recorded["promptIds"].as_array().unwrap().len(),
    );

    expected.extend(store(&app, 0, 49).await);
    let (rows_small, small) = statements_for_first_page(&app);
    assert_eq!(rows_small, 50);

    expected.extend(store(&app, 49, 5_000).await);
    let (rows_large, large) = statements_for_first_page(&app);
    assert_eq!(
        rows_large as i64,
        PAGE + 1,
        "a page and one row to say more exist"
    );
    assert_eq!(
        small.len(),
        large.len(),
        "statements for 50 disclosures {small:#?}, for 5,001 {large:#?}"
    );
    assert!(
        large.len() <= 4,
        "a page takes a few statements: {large:#?}"
    );

    // Walk every page through the API.
    let seen = walk(
        &app,
        &format!("/api/v1/people/{CRN}/disclosures?limit={PAGE}"),
        "disclosedAt",
    )
    .await;
    assert_eq!(seen.len(), 5_001, "every disclosure seen");
    assert!(
        once_in_order(&seen),
        "once each, in the order they were made, ties by id"
    );
    for ((_, id), item) in &seen {
        let prompts = item["promptIds"].as_array().unwrap().len();
        assert_eq!(Some(&prompts), expected.get(id), "prompts of {id}");
    }

    let prompts = walk(
        &app,
        &format!("/api/v1/safeguarding-prompts?limit={PAGE}"),
        "dueAt",
    )
    .await;
    let raised: usize = expected.values().sum();
    assert_eq!(prompts.len(), raised, "every prompt seen");
    assert!(
        once_in_order(&prompts),
        "once each, by due time, ties by id"
    );
}
