//! What people look at: the chronology with the words as recorded (JSON, CSV, printable HTML),
//! people search, a provider worker's own referrals and disclosures, the controller's audit view.

use crate::helpers::*;
use crate::safeguarding::pregnancy_disclosure;
use crate::scenario::{Case, OTHER_PROBATION, PROBATION, PROVIDER};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

const NO_CHILDREN: &str = "In a new relationship; no children involved";
const DAD_SOON: &str = "Said he is going to be a dad soon; his partner is due in August";

/// A sent and accepted case, a declaration of no children to probation (25 Feb) and the
/// provider's pregnancy disclosure (made 3 Mar 08:30, recorded 3 Mar 09:00).
async fn two_accounts() -> (TestApp, Case) {
    let app = spawn_app().await;
    let case = app.case(true).await;
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    expect(
        app.post(
            &format!("/api/v1/people/{}/household-declarations", case.crn),
            &app.pp(),
            &json!({"declaredAt": "2026-02-25T10:00:00Z", "childrenInHousehold": false,
                    "contactWithChildren": false, "statement": NO_CHILDREN}),
        )
        .await,
        201,
        "declaration",
    )
    .await;
    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    (app, case)
}

fn entry_with<'a>(entries: &'a [Value], words: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["summary"].as_str().unwrap_or("").contains(words))
        .unwrap_or_else(|| panic!("no entry saying {words:?} in {entries:?}"))
}

#[actix_web::test]
async fn the_chronology_holds_both_accounts_verbatim_in_json_csv_and_html() {
    let (app, case) = two_accounts().await;
    let path = format!("/api/v1/people/{}/chronology", case.crn);
    let page = expect(app.get(&path, &app.pp()).await, 200, "chronology").await;
    let entries = page["items"].as_array().unwrap();
    let declared = entry_with(entries, NO_CHILDREN);
    assert_eq!(declared["kind"], "household-declaration");
    assert_eq!(declared["agency"], PROBATION);
    assert_eq!(declared["role"], "probation");
    assert_eq!(declared["occurredAt"], "2026-02-25T10:00:00Z");
    assert_eq!(declared["detail"]["contactWithChildren"], false);
    let disclosed = entry_with(entries, DAD_SOON);
    assert_eq!(disclosed["kind"], "disclosure");
    assert_eq!(disclosed["agency"], PROVIDER);
    assert_eq!(disclosed["role"], "provider");
    assert_eq!(disclosed["who"], "akhan");
    assert_eq!(disclosed["occurredAt"], "2026-03-03T08:30:00Z");
    assert_eq!(disclosed["recordedAt"], "2026-03-03T09:00:00Z");
    assert_eq!(
        disclosed["detail"]["details"]["expectedDueDate"],
        "2026-08-15"
    );
    assert!(disclosed["summary"]
        .as_str()
        .unwrap()
        .contains("expectedDueDate: 2026-08-15"));
    let prompt = entries
        .iter()
        .find(|e| e["kind"] == "safeguarding-prompt")
        .expect("the prompt the disclosure raised");
    assert!(prompt["summary"].as_str().unwrap().contains("OPEN"));
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["occurredAt"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "in the order things happened");

    let csv = app
        .get(&format!("{path}?format=csv"), &app.pp())
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "occurredAt",
            "recordedAt",
            "agency",
            "who",
            "role",
            "kind",
            "summary",
            "link"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let row = |words: &str| {
        rows.iter()
            .find(|r| r[6].contains(words))
            .unwrap_or_else(|| panic!("no CSV row saying {words:?}: {csv}"))
    };
    let d = row(DAD_SOON);
    assert_eq!((&d[2], &d[5]), (PROVIDER, "disclosure"));
    assert_eq!(
        d[0].parse::<chrono::DateTime<Utc>>().unwrap(),
        Utc.with_ymd_and_hms(2026, 3, 3, 8, 30, 0).unwrap()
    );
    assert_eq!(
        d[1].parse::<chrono::DateTime<Utc>>().unwrap(),
        Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap()
    );
    let n = row(NO_CHILDREN);
    assert_eq!((&n[2], &n[5]), (PROBATION, "household-declaration"));

    let res = app.get(&format!("{path}?format=html"), &app.pp()).await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    for words in [
        NO_CHILDREN,
        DAD_SOON,
        PROBATION,
        PROVIDER,
        "2026-03-03T08:30:00Z",
    ] {
        assert!(html.contains(words), "{words:?} missing from the page");
    }
    assert!(html.contains("recorded 2026-03-03T09:00:00Z"));
    assert!(html.contains("Probation&#39;s account") || html.contains("Probation's account"));
    for external in ["http", "src=", "<link", "<script", "url("] {
        assert!(!html.contains(external), "{external:?} in the page");
    }
}

#[actix_web::test]
async fn the_chronology_filters_by_time_kind_and_agency_and_pages_without_gaps() {
    let (app, case) = two_accounts().await;
    let path = format!("/api/v1/people/{}/chronology", case.crn);
    let all = expect(
        app.get(&format!("{path}?limit=200"), &app.pp()).await,
        200,
        "all",
    )
    .await;
    let all = all["items"].as_array().unwrap().clone();
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = expect(
            app.get(&format!("{path}?limit=2&cursor={cursor}"), &app.pp())
                .await,
            200,
            "page",
        )
        .await;
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(
        paged, all,
        "pages of two give the whole chronology in order"
    );

    let only = |q: &str| {
        let app = &app;
        let path = format!("{path}?{q}");
        async move {
            let page = expect(app.get(&path, &app.pp()).await, 200, "filtered").await;
            page["items"].as_array().unwrap().clone()
        }
    };
    let disclosures = only("kind=disclosure").await;
    assert_eq!(disclosures.len(), 1);
    assert!(only(&format!("agency={PROVIDER}"))
        .await
        .iter()
        .all(|e| e["agency"] == PROVIDER));
    let window = only("from=2026-02-25T00:00:00Z&to=2026-02-26T00:00:00Z").await;
    assert!(!window.is_empty());
    assert!(window
        .iter()
        .all(|e| e["occurredAt"].as_str().unwrap().starts_with("2026-02-25")));
    for bad in [
        "kind=nonsense",
        "from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z",
    ] {
        problem(app.get(&format!("{path}?{bad}"), &app.pp()).await, 422).await;
    }
}

async fn put_person(
    app: &TestApp,
    crn: &str,
    first: &str,
    last: &str,
    dob: &str,
    token: &str,
    org: &str,
) {
    expect(
        app.put(
            &format!("/api/v1/people/{crn}"),
            token,
            &json!({"firstName": first, "lastName": last, "dateOfBirth": dob, "managingOrg": org}),
        )
        .await,
        201,
        "person",
    )
    .await;
}

async fn found(app: &TestApp, q: &str, token: &str) -> Vec<String> {
    let page = expect(
        app.get(&format!("/api/v1/people?q={q}"), token).await,
        200,
        "search",
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["crn"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn people_are_found_by_name_prefix_ignoring_case_and_accents_by_crn_and_by_birth_date() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    put_person(
        &app,
        "A000001",
        "Stephen",
        "Smith",
        "1990-05-01",
        &app.pp(),
        PROBATION,
    )
    .await;
    put_person(
        &app,
        "A000002",
        "María",
        "Smíth",
        "1985-01-02",
        &app.pp(),
        PROBATION,
    )
    .await;
    put_person(
        &app,
        "A000003",
        "John",
        "Jones",
        "1970-07-07",
        &app.pp(),
        PROBATION,
    )
    .await;
    put_person(
        &app,
        "B000001",
        "Sam",
        "Smith",
        "1990-05-01",
        &app.other_pp(),
        OTHER_PROBATION,
    )
    .await;
    assert_eq!(found(&app, "smi", &app.pp()).await, ["A000001", "A000002"]);
    assert_eq!(found(&app, "SMÍ", &app.pp()).await, ["A000001", "A000002"]);
    assert_eq!(found(&app, "maria", &app.pp()).await, ["A000002"]);
    assert_eq!(found(&app, "a000003", &app.pp()).await, ["A000003"]);
    assert_eq!(found(&app, "1990-05-01", &app.pp()).await, ["A000001"]);
    assert_eq!(found(&app, "01/05/1990", &app.pp()).await, ["A000001"]);
    assert!(found(&app, "B000001", &app.pp()).await.is_empty());
    assert_eq!(found(&app, "smi", &app.other_pp()).await, ["B000001"]);
    problem(app.get("/api/v1/people?q=%25_", &app.pp()).await, 422).await;
}

#[actix_web::test]
async fn a_worker_lists_referrals_assigned_to_them_and_what_became_of_their_disclosures() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    let mine = "/api/v1/referrals?assignedToMe=true";
    let none = expect(app.get(mine, &app.worker()).await, 200, "before").await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    expect(
        app.post(
            &format!("/api/v1/referrals/{}/assign", case.referral_id),
            &app.provider_manager(),
            &json!({"worker": "akhan"}),
        )
        .await,
        200,
        "assign",
    )
    .await;
    let listed = expect(app.get(mine, &app.worker()).await, 200, "mine").await;
    assert_eq!(listed["items"][0]["id"], case.referral_id);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    let recorded = expect(
        app.get("/api/v1/disclosures?recordedByMe=true", &app.worker())
            .await,
        200,
        "my disclosures",
    )
    .await;
    let items = recorded["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["summary"], DAD_SOON);
    let responses = items[0]["responses"].as_array().unwrap();
    assert!(!responses.is_empty());
    assert!(responses.iter().all(|r| r["status"] == "OPEN"));
    let others = expect(
        app.get("/api/v1/disclosures?recordedByMe=true", &app.other_worker())
            .await,
        200,
        "another provider's worker",
    )
    .await;
    assert_eq!(others["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn a_probation_auditor_sees_the_provider_reading_its_person_and_another_probation_auditor_does_not(
) {
    let app = spawn_app().await;
    let case = app.case(true).await;
    expect(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.worker(),
        )
        .await,
        200,
        "worker reads the referral",
    )
    .await;
    let read_by_worker = |page: &Value| {
        page["items"].as_array().unwrap().iter().any(|e| {
            e["action"] == "referral.read" && e["actor"]["sub"] == "akhan" && e["crn"] == case.crn
        })
    };
    let audit = "/api/v1/audit-events?limit=200";
    let ours = app.token("audp", PROBATION, &["auditor"]);
    let page = expect(app.get(audit, &ours).await, 200, "probation auditor").await;
    assert!(read_by_worker(&page), "{page}");
    let theirs = app.token("audn", OTHER_PROBATION, &["auditor"]);
    let page = expect(app.get(audit, &theirs).await, 200, "other auditor").await;
    assert!(!read_by_worker(&page), "{page}");
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"]["org"] == OTHER_PROBATION));
    let provider = app.token("audm", PROVIDER, &["auditor"]);
    let page = expect(app.get(audit, &provider).await, 200, "provider auditor").await;
    assert!(read_by_worker(&page), "its own staff's reads");
    let page = expect(app.get(audit, &app.auditor()).await, 200, "platform").await;
    assert!(read_by_worker(&page));
}

#[actix_web::test]
async fn people_written_before_search_existed_are_found_once_migrating_backfills_them() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    app.setup_orgs().await;
    put_person(
        &app,
        "A000002",
        "María",
        "Smíth",
        "1985-01-02",
        &app.pp(),
        PROBATION,
    )
    .await;
    let mut conn = app.state.db.pool().get().unwrap();
    conn.batch_execute("UPDATE people SET search_name = NULL")
        .unwrap();
    assert!(found(&app, "smi", &app.pp()).await.is_empty());
    assert_eq!(rarlink::db::run_migrations(&mut conn).unwrap(), 0);
    assert_eq!(found(&app, "smi", &app.pp()).await, ["A000002"]);
}
