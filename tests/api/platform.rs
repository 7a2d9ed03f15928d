//! The service platform: health, docs, the OpenAPI document, problems for bad input, request ids, metrics.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[actix_web::test]
async fn liveness_answers_without_authentication() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/health/live", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await["status"], "ok");
}

#[actix_web::test]
async fn readiness_reports_the_backend_once_migrations_are_applied() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/health/ready", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let b = body(res).await;
    assert_eq!(b["status"], "ready");
    let expected = match app.state.db.backend() {
        rarlink::db::Backend::Sqlite => "sqlite",
        rarlink::db::Backend::Postgres => "postgres",
    };
    assert_eq!(b["database"], expected);
}

#[actix_web::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let served: Value = body(res).await;
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json is committed"),
    )
    .unwrap();
    assert_eq!(
        served, committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi --output openapi/openapi.json`"
    );
    assert_eq!(served["openapi"], "3.1.0");
}

#[actix_web::test]
async fn every_operation_has_a_summary_tags_errors_and_security_where_needed() {
    let doc: Value = serde_json::from_str(&rarlink::api::openapi_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(op["summary"].is_string(), "{name} has no summary");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name} has no tag"
            );
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/api/") {
                assert_eq!(op["security"], json!([{"bearer": []}]), "{name} security");
                for status in ["401", "403", "500", "503"] {
                    assert!(responses.contains_key(status), "{name} lacks {status}");
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{name} {status} is not a problem"
                    );
                }
            }
        }
    }
}

#[actix_web::test]
async fn the_interactive_docs_are_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.request(Method::GET, "/docs", None, None).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    let res = app.request(Method::GET, "/docs/", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(!html.contains("cdn."), "docs must not load from a CDN");
    let res = app
        .request(Method::GET, "/docs/swagger-ui-bundle.js", None, None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    problem(res, 404).await;
}

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(app.admin())
        .header("content-type", "application/json")
        .body("{\"code\": \"X")
        .send()
        .await
        .unwrap();
    let p = problem(res, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("malformed JSON"));
}

#[actix_web::test]
async fn a_body_without_a_json_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(app.admin())
        .body(r#"{"code":"PDU-A","name":"A","kind":"probation"}"#)
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
}

#[actix_web::test]
async fn a_body_over_one_mebibyte_is_a_413_problem_and_nothing_is_stored() {
    let app = spawn_app().await;
    let huge = json!({"code": "PDU-A", "name": "x".repeat(1_100_000), "kind": "probation"});
    let res = app.post("/api/v1/organisations", &app.admin(), &huge).await;
    problem(res, 413).await;
    let list = body(app.get("/api/v1/organisations", &app.admin()).await).await;
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn an_unknown_enum_value_is_a_422_problem_naming_the_field() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/organisations",
            &app.admin(),
            &json!({"code": "PDU-A", "name": "A", "kind": "charity"}),
        )
        .await;
    let p = problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "kind");
}

#[actix_web::test]
async fn a_bad_query_parameter_is_a_problem_not_a_crash() {
    let app = spawn_app().await;
    let res = app
        .get("/api/v1/organisations?limit=lots", &app.admin())
        .await;
    problem(res, 400).await;
    let res = app
        .get("/api/v1/organisations?limit=500", &app.admin())
        .await;
    let p = problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "limit");
    let res = app
        .get("/api/v1/organisations?cursor=%25%25", &app.admin())
        .await;
    problem(res, 422).await;
    let res = app.get("/api/v1/organisations?cursor=", &app.admin()).await;
    assert_eq!(res.status(), 200, "an empty cursor is the first page");
}

#[actix_web::test]
async fn nul_characters_are_refused_before_they_reach_the_database() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/organisations",
            &app.admin(),
            &json!({"code": "PDU-NUL", "name": "Bad\u{0}name", "kind": "probation"}),
        )
        .await;
    let p = problem(res, 422).await;
    assert_eq!(p["errors"][0]["field"], "name");
    let res = app
        .get("/api/v1/audit-events?actor=a%00b", &app.auditor())
        .await;
    problem(res, 400).await;
    let res = app.get("/api/v1/organisations", &app.admin()).await;
    assert_eq!(body(res).await["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc-123");
    let res = app.request(Method::GET, "/health/live", None, None).await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
}

#[actix_web::test]
async fn metrics_count_requests_per_route() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.request(Method::GET, "/health/live", None, None).await;
    }
    let text = app
        .request(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "rarlink_http_requests_total{method=\"GET\",route=\"/health/live\",status=\"2xx\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("rarlink_db_pool_max_connections"));
}

#[actix_web::test]
async fn invented_methods_add_no_metric_series() {
    let app = spawn_app().await;
    let series = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    let metrics = || async {
        let res = app.request(Method::GET, "/metrics", None, None).await;
        res.text().await.unwrap()
    };
    app.request(
        Method::from_bytes(b"X0").unwrap(),
        "/health/live",
        None,
        None,
    )
    .await;
    metrics().await;
    let before = series(&metrics().await);
    for i in 1..=1000 {
        let method = Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
        app.request(method, "/health/live", None, None).await;
    }
    let after = metrics().await;
    assert_eq!(series(&after), before, "{after}");
    assert!(!after.contains("X1000"), "{after}");
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[test]
fn bad_configuration_stops_the_binary_with_one_clear_message() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rarlink"))
        .arg("serve")
        .env("RARLINK_LISTEN", "not-an-address")
        .env("RARLINK_DB_POOL_SIZE", "0")
        .env("DATABASE_URL", "sqlite::memory-not-used")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("RARLINK_LISTEN"), "{stderr}");
    assert!(stderr.contains("RARLINK_DB_POOL_SIZE"), "{stderr}");
}

#[test]
fn the_openapi_command_prints_the_committed_document() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rarlink"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn the_documented_event_types_are_the_ones_the_service_publishes() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/api-conventions.md"
    ))
    .expect("docs/api-conventions.md");
    let marker = doc
        .find("<!-- event-types:start")
        .expect("event-types:start marker");
    let start = marker
        + doc[marker..]
            .find("-->\n")
            .expect("end of the start marker")
        + 4;
    let end = doc
        .find("<!-- event-types:end -->")
        .expect("event-types:end marker");
    let expected = rarlink::domain::events::markdown_table();
    assert_eq!(
        &doc[start..end],
        expected,
        "docs/api-conventions.md's event table is stale; put this between the markers:\n{expected}"
    );
}

#[actix_web::test]
async fn a_known_path_called_with_an_undeclared_method_is_405_with_allow() {
    let app = spawn_app().await;
    let admin = app.admin();
    let res = app
        .request(Method::DELETE, "/api/v1/organisations", Some(&admin), None)
        .await;
    assert_eq!(res.headers()["allow"], "GET, POST");
    let p = problem(res, 405).await;
    assert_eq!(p["type"], "/problems/method-not-allowed");
    let res = app
        .request(
            Method::PUT,
            "/api/v1/referrals/0190c5a0-0000-7000-8000-000000000000/send",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.headers()["allow"], "POST");
    // A literal path beside an `{id}` template is its own resource, not an id.
    let res = app
        .request(
            Method::GET,
            "/api/v1/safeguarding-prompts/respond",
            Some(&app.pp()),
            None,
        )
        .await;
    assert_eq!(res.headers()["allow"], "POST");
    problem(res, 405).await;
    let res = app
        .request(Method::GET, "/api/v1/nowhere", Some(&admin), None)
        .await;
    problem(res, 404).await;
}

#[actix_web::test]
async fn case_data_responses_are_not_to_be_stored() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/organisations", &app.admin()).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = app.get("/api/v1/people/X123456", &app.admin()).await;
    assert_eq!(res.headers()["cache-control"], "no-store", "errors too");
}
