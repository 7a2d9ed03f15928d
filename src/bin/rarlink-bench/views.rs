//! `--mode views`: the views of issue 15 at the size the issue names. Seeds, through the API,
//! a team of 12 officers with 700 people each (one probation organisation), an officer with 60
//! people in a second probation organisation, and enough other people there to make 10,000
//! referrals in all; then times sequential requests of the caseload, the team dashboards and
//! the commissioning report, with `GET /health/live` as the framework floor.

use super::seed::{call, token};
use super::stats::Samples;
use super::Args;
use chrono::{Duration, Utc};
use futures_util::StreamExt;
use rarlink::auth::Role;
use serde_json::json;
use std::fmt::Write;
use std::time::Instant;

const TEAM: usize = 12;
const TEAM_PEOPLE: usize = 700;
const CASELOAD: usize = 60;
const REFERRALS: usize = 10_000;
const PROVIDERS: [&str; 2] = ["MIND-BENCH", "ACORN-BENCH"];

/// One person to seed: its officer (and that officer's organisation) and what to add.
struct Person {
    i: usize,
    org: &'static str,
    officer: String,
    /// Sessions (one attended) and a pregnancy disclosure raising safeguarding prompts.
    live: bool,
}

fn people() -> Vec<Person> {
    let mut out = Vec::with_capacity(REFERRALS);
    for o in 0..TEAM {
        for _ in 0..TEAM_PEOPLE {
            let i = out.len();
            out.push(Person {
                i,
                org: "PDU-BENCH",
                officer: format!("officer-{o:02}"),
                live: false,
            });
        }
    }
    for _ in 0..CASELOAD {
        let i = out.len();
        out.push(Person {
            i,
            org: "PDU-OTHER",
            officer: "officer-60".into(),
            live: true,
        });
    }
    // The rest of the 10,000 referrals: other officers of the second organisation, 70 each.
    let mut k = 0;
    while out.len() < REFERRALS {
        let i = out.len();
        out.push(Person {
            i,
            org: "PDU-OTHER",
            officer: format!("other-{:02}", k / 70),
            live: false,
        });
        k += 1;
    }
    out
}

/// Seeds one person: person, risk, order, a referral sent to a provider, accepted three times in
/// four; for a live person also two sessions and a pregnancy disclosure by the provider.
/// Returns the first session of a live person and its provider, to record its attendance once
/// it has started.
async fn seed_person(
    client: &reqwest::Client,
    base: &str,
    p: &Person,
) -> Option<(String, &'static str)> {
    use reqwest::Method;
    let officer = token(&p.officer, p.org, Role::ProbationPractitioner);
    let provider = PROVIDERS[p.i % 2];
    let worker = token("worker", provider, Role::ProviderWorker);
    let today = Utc::now().date_naive();
    let api = |path: &str| format!("{base}/api/v1{path}");
    let crn = format!("V{:06}", p.i);
    call(client, Method::PUT, api(&format!("/people/{crn}")), &officer, Some(json!({
        "firstName": "View", "lastName": format!("Person {}", p.i), "dateOfBirth": "1990-01-01", "managingOrg": p.org}))).await;
    call(client, Method::PUT, api(&format!("/people/{crn}/risk")), &officer, Some(json!({
        "assessedOn": today - Duration::days(10), "roshChildren": "MEDIUM", "roshPublic": "LOW", "roshKnownAdult": "MEDIUM", "roshStaff": "LOW",
        "whoIsAtRisk": "Partners", "natureOfRisk": "Domestic abuse", "imminence": "Not imminent",
        "flags": ["DOMESTIC_ABUSE_PERPETRATOR"], "riskManagementPlan": "Home visits", "staffSafety": "No specific measures"}))).await;
    // End dates spread over a year, so some orders end within 20 working days.
    let end = today + Duration::days(5 + (p.i % 360) as i64);
    let order = call(client, Method::POST, api(&format!("/people/{crn}/orders")), &officer, Some(json!({
        "type": "COMMUNITY_ORDER", "startDate": today - Duration::days(30), "endDate": end,
        "offences": [{"description": "Assault", "category": "Violence", "domesticAbuseRelated": true}],
        "rarMaxDays": 20, "responsibleOfficer": p.officer}))).await["id"].as_str().unwrap_or_default().to_string();
    let referral = call(client, Method::POST, api(&format!("/orders/{order}/referrals")), &officer, Some(json!({
        "providerOrg": provider, "interventionType": if p.i % 3 == 0 { "Accommodation" } else { "One-to-one" },
        "rarDays": 10, "completionDeadline": end,
        "desiredOutcomes": [{"description": "Manages emotions"}], "offenceSummary": "Domestic abuse",
        "riskManagementSummary": "Home visits", "staffSafety": "No specific measures"}))).await["id"].as_str().unwrap_or_default().to_string();
    call(
        client,
        Method::POST,
        api(&format!("/referrals/{referral}/send")),
        &officer,
        None,
    )
    .await;
    if p.i % 4 == 3 && !p.live {
        return None;
    }
    call(
        client,
        Method::POST,
        api(&format!("/referrals/{referral}/accept")),
        &worker,
        Some(json!({"riskInformationAcknowledged": true})),
    )
    .await;
    if !p.live {
        return None;
    }
    call(client, Method::POST, api(&format!("/referrals/{referral}/disclosures")), &worker, Some(json!({
        "type": "PREGNANCY", "disclosedAt": Utc::now() - Duration::minutes(5), "disclosedBy": "PERSON_ON_PROBATION",
        "summary": "Going to be a dad soon", "details": {"whoIsPregnant": "PARTNER"}}))).await;
    let starts = Utc::now() + Duration::seconds(2);
    let mut first = None;
    for (k, at) in [starts, starts + Duration::days(7)].into_iter().enumerate() {
        let a = call(
            client,
            Method::POST,
            api(&format!("/referrals/{referral}/appointments")),
            &worker,
            Some(json!({
            "startsAt": at, "durationMinutes": 60, "kind": "DELIVERY", "method": "IN_PERSON"})),
        )
        .await;
        if k == 0 {
            first = a["id"].as_str().map(|id| (id.to_string(), provider));
        }
    }
    first
}

async fn seed(base: &str, args: &Args) {
    use reqwest::Method;
    let client = reqwest::Client::new();
    let admin = token("admin", "RARLINK", Role::Admin);
    for (code, kind) in [
        // The platform organisation, for the platform auditor.
        ("RARLINK", "probation"),
        ("PDU-BENCH", "probation"),
        ("PDU-OTHER", "probation"),
        (PROVIDERS[0], "provider"),
        (PROVIDERS[1], "provider"),
    ] {
        call(
            &client,
            Method::POST,
            format!("{base}/api/v1/organisations"),
            &admin,
            Some(json!({"code": code, "name": code, "kind": kind})),
        )
        .await;
    }
    let everyone = people();
    let sessions: Vec<(String, &str)> = futures_util::stream::iter(everyone.iter())
        .map(|p| seed_person(&client, base, p))
        .buffer_unordered(args.concurrency)
        .filter_map(|s| async move { s })
        .collect()
        .await;
    // The first sessions started two seconds after they were booked.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    for (a, provider) in &sessions {
        let worker = token("worker", provider, Role::ProviderWorker);
        call(
            &client,
            Method::PUT,
            format!("{base}/api/v1/appointments/{a}/attendance"),
            &worker,
            Some(json!({
            "attended": "YES", "behaviourConcern": false, "notifyResponsibleOfficer": false})),
        )
        .await;
    }
}

/// Times `n` sequential GETs of `url`; every one must succeed.
async fn time(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    n: usize,
) -> (Samples, usize) {
    let mut s = Samples::default();
    let mut bytes = 0;
    for _ in 0..n {
        let mut req = client.get(url);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let t = Instant::now();
        let res = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = res.status();
        let body = res.bytes().await.unwrap_or_default();
        s.push(t.elapsed().as_micros() as u64, status.is_success());
        assert!(
            status.is_success(),
            "{url}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        bytes = body.len();
    }
    (s, bytes)
}

/// Seeds, times each view and returns the Markdown section.
pub async fn run(base: &str, args: &Args) -> String {
    let started = Instant::now();
    seed(base, args).await;
    let seed_secs = started.elapsed().as_secs_f64();
    eprintln!("seeded {REFERRALS} people and referrals in {seed_secs:.1}s");
    let client = reqwest::Client::new();
    let today = Utc::now().date_naive();
    let (from, to) = (today - Duration::days(30), today);
    let n = args.requests;
    let officer = token("officer-60", "PDU-OTHER", Role::ProbationPractitioner);
    let spo = token("spo", "PDU-BENCH", Role::ProbationManager);
    let pm = token("pm", PROVIDERS[0], Role::ProviderManager);
    let auditor = token("auditor", "RARLINK", Role::Auditor);
    let api = |p: &str| format!("{base}/api/v1{p}");
    let report = format!("/reports/commissioning?from={from}&to={to}");
    // (name, url, token, target ms)
    let views: Vec<(&str, String, Option<&str>, f64)> = vec![
        (
            "`GET /health/live` (framework floor)",
            format!("{base}/health/live"),
            None,
            f64::NAN,
        ),
        (
            "caseload: officer with 60 people (`?limit=100`, all 60)",
            api("/caseload?limit=100"),
            Some(&officer),
            50.0,
        ),
        (
            "caseload: first page (50) of a 700-person officer, asked by the manager",
            api("/caseload?officer=officer-00"),
            Some(&spo),
            f64::NAN,
        ),
        (
            "dashboard: probation manager, team of 12 × 700",
            api("/dashboard"),
            Some(&spo),
            50.0,
        ),
        (
            "dashboard: provider manager (5,000 referrals)",
            api("/dashboard"),
            Some(&pm),
            f64::NAN,
        ),
        (
            "commissioning report, JSON: platform auditor, 10,000 referrals",
            api(&report),
            Some(&auditor),
            1000.0,
        ),
        (
            "commissioning report, CSV: platform auditor, 10,000 referrals",
            api(&format!("{report}&format=csv")),
            Some(&auditor),
            1000.0,
        ),
        (
            "commissioning report, JSON: probation manager, 8,400 referrals",
            api(&report),
            Some(&spo),
            1000.0,
        ),
    ];
    let mut rows = String::new();
    for (name, url, bearer, target) in &views {
        // One untimed request first: connection set up and SQLite pages in the cache.
        time(&client, url, *bearer, 1).await;
        let (s, bytes) = time(&client, url, *bearer, n).await;
        let (p50, p95, max) = (s.percentile(50.0), s.percentile(95.0), s.percentile(100.0));
        let verdict = if target.is_nan() {
            "—".to_string()
        } else if p95 < *target {
            format!("< {target} ms: met")
        } else {
            format!("< {target} ms: **missed**")
        };
        let _ = writeln!(
            rows,
            "| {name} | {n} | {p50:.1} | {p95:.1} | {max:.1} | {bytes} | {verdict} |"
        );
    }
    let mut out = String::new();
    let _ = writeln!(out, "## Views at scale (issue 15)\n");
    let _ = writeln!(
        out,
        "Regenerated by `scripts/bench_views.sh` (`rarlink-bench --mode views`), SQLite, release build. \
         Seeded through the API with {} requests in flight in {seed_secs:.0} s: organisation `PDU-BENCH` with a \
         team of {TEAM} officers × {TEAM_PEOPLE} people; organisation `PDU-OTHER` with an officer of {CASELOAD} people \
         and other officers (70 people each) up to {REFERRALS} people. Each person has a risk assessment (domestic \
         abuse), a community order (end dates spread over a year) and one referral sent to one of two providers and \
         accepted three times in four ({REFERRALS} referrals in all). Each of the {CASELOAD} people of the caseload \
         officer also has a provider's pregnancy disclosure (its safeguarding prompts and actions), two sessions and \
         one attendance. Requests are sequential (one client), after one untimed warm-up request each; the report \
         period is the last 30 days (every referral).\n",
        args.concurrency
    );
    let _ = writeln!(out, "| view | requests | p50 ms | p95 ms | max ms | body bytes | target (p95) |\n|---|---:|---:|---:|---:|---:|---|\n{rows}");
    out
}
