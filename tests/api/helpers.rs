//! The test harness: `TestApp::builder()` (or `spawn_app()`) starts rarlink on port 0 with a fresh
//! database per test, on SQLite by default or on PostgreSQL when `TEST_DATABASE_URL` names a
//! server, optionally seeded; it gives tests an HTTP client, token minting, a hand-moved clock,
//! and [`expect`], which asserts a step's status where it happens.

#![allow(dead_code)] // helpers serve many test modules; not every module uses each one

use actix_web::web;
use chrono::{DateTime, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rarlink::clock::ManualClock;
use rarlink::config::{DatabaseTarget, JwtKeySource, JwtSettings, LogFormat, Secret, Settings};
use rarlink::http::AppState;
use rarlink::startup::Application;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The audit key of every test app (the CLI tests hand it to the binary).
pub const AUDIT_KEY: &str = "test-audit-key-test-audit-key-0123456789";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub state: web::Data<AppState>,
    sqlite_file: Option<std::path::PathBuf>,
    /// The case a [`Seed::Case`] app started with.
    pub seeded: Option<crate::scenario::Case>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// A fresh database for one test: a new SQLite file, or a new PostgreSQL database.
pub fn fresh_database() -> DatabaseTarget {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let name = format!("rarlink_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&url).expect("connect to TEST_DATABASE_URL");
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
            let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
            DatabaseTarget::parse(&format!("{base}/{name}")).expect("valid url")
        }
        _ => {
            let dir = std::env::temp_dir().join("rarlink-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            DatabaseTarget::Sqlite {
                path: dir.join(format!("{}.db", uuid::Uuid::new_v4())),
            }
        }
    }
}

/// The instant every test's clock starts at: a Monday morning in London.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// Settings for tests: the given database, an ephemeral port and a fixed HS256 secret.
pub fn test_settings(database: DatabaseTarget, secret: &str) -> Settings {
    Settings {
        database,
        listen: "127.0.0.1:0".parse().expect("valid"),
        pool_size: 4,
        pool_timeout: Duration::from_millis(2000),
        statement_timeout: Duration::from_secs(10),
        log_format: LogFormat::Human,
        log_filter: "warn".into(),
        jwt: JwtSettings {
            keys: JwtKeySource::SharedSecret {
                secret: Some(Secret::new(secret)),
                file: "unused".into(),
            },
            issuer: "rarlink".into(),
            audience: "rarlink".into(),
            leeway_secs: 5,
            max_lifetime_secs: 12 * 3600,
        },
        background_interval: Duration::from_secs(3600),
        background: false,
        platform_org: "RARLINK".into(),
        deadline_overrides: Default::default(),
        extra_bank_holidays: Vec::new(),
        review_lead_days: 10,
        disengagement: (4, 3),
        silence: Default::default(),
        // The tests' webhook receivers listen on loopback over http.
        webhook_allow_hosts: rarlink::domain::outbound::AllowHosts::parse("127.0.0.1"),
        webhook_secret_overlap: Duration::from_secs(24 * 3600),
        follow_up_days: Default::default(),
        dedup_window_days: 90,
        // Generous: a test that wants the limit sets its own.
        limits: rarlink::config::Limits {
            rate_per_second: 10_000,
            rate_burst: 100_000,
            ..Default::default()
        },
        mail: None,
        public_url: "https://rarlink.test".into(),
        audit_key: rarlink::config::AuditKeySource::fixed(AUDIT_KEY),
        retention_years: 7,
    }
}

pub async fn spawn_app() -> TestApp {
    TestApp::builder().spawn().await
}

/// Starts an app after letting the test adjust its settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings) + 'static) -> TestApp {
    TestApp::builder().settings(adjust).spawn().await
}

/// A change to the settings, applied before the app starts.
type SettingsChange = Box<dyn FnOnce(&mut Settings)>;

/// What a test app holds when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// An empty database.
    Nothing,
    /// The four organisations of `scenario` registered.
    Organisations,
    /// `TestApp::case`: organisations, a DA-flagged person with risk, an order and a sent
    /// referral, accepted by the provider when `accepted`.
    Case { accepted: bool },
}

/// Builds a test app: its backend comes from `TEST_DATABASE_URL` (a fresh database each time),
/// its clock starts at [`default_start`] unless told otherwise, and it can start seeded.
pub struct TestAppBuilder {
    adjust: Vec<SettingsChange>,
    start: DateTime<Utc>,
    seed: Seed,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            adjust: Vec::new(),
            start: default_start(),
            seed: Seed::Nothing,
        }
    }
}

impl TestAppBuilder {
    /// Changes a setting before the app starts (several calls apply in order).
    pub fn settings(mut self, adjust: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.adjust.push(Box::new(adjust));
        self
    }

    /// Starts the hand-moved clock at `start`.
    pub fn clock_at(mut self, start: DateTime<Utc>) -> Self {
        self.start = start;
        self
    }

    /// Seeds the database through the API once the app runs.
    pub fn seeded(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    pub async fn spawn(self) -> TestApp {
        let database = fresh_database();
        let sqlite_file = match &database {
            DatabaseTarget::Sqlite { path } => Some(path.clone()),
            DatabaseTarget::Postgres { .. } => None,
        };
        let mut settings = test_settings(database, SECRET);
        for adjust in self.adjust {
            adjust(&mut settings);
        }
        let clock = ManualClock::new(self.start);
        let app = Application::build(settings, Arc::new(clock.clone())).expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        actix_web::rt::spawn(app.run_until_stopped());
        let mut test_app = TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            clock,
            state,
            sqlite_file,
            seeded: None,
        };
        match self.seed {
            Seed::Nothing => {}
            Seed::Organisations => test_app.setup_orgs().await,
            Seed::Case { accepted } => test_app.seeded = Some(test_app.case(accepted).await),
        }
        test_app
    }
}

/// Settings change that verifies RS256 tokens with the fixture public key.
pub fn rs256(settings: &mut Settings) {
    settings.jwt.keys = JwtKeySource::PublicKeyPem {
        path: fixture("test-rsa-public.pem").into(),
        algorithm: rarlink::config::AsymAlg::Rs256,
    };
}

pub fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Claims for a token; tests change them to make bad tokens.
pub fn claims(sub: &str, org: &str, roles: &[&str]) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({
        "sub": sub, "name": format!("{sub} (test)"), "org": org, "roles": roles,
        "iss": "rarlink", "aud": "rarlink", "iat": now, "nbf": now, "exp": now + 3600,
    })
}

pub fn sign_hs256(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub fn sign_rs256(claims: &Value, kid: Option<&str>) -> String {
    let pem = std::fs::read(fixture("test-rsa-private.pem")).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

impl TestApp {
    /// A valid HS256 token for the test secret.
    pub fn token(&self, sub: &str, org: &str, roles: &[&str]) -> String {
        sign_hs256(&claims(sub, org, roles), SECRET)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub fn admin(&self) -> String {
        self.token("admin", "RARLINK", &["admin"])
    }

    pub fn auditor(&self) -> String {
        self.token("auditor1", "RARLINK", &["auditor"])
    }

    /// Registers the platform organisation (`RARLINK`), so its admins manage webhooks.
    pub async fn register_platform(&self) {
        self.register_org("RARLINK", "probation").await;
    }

    /// Registers an organisation as the admin.
    pub async fn register_org(&self, code: &str, kind: &str) {
        let res = self
            .post(
                "/api/v1/organisations",
                &self.admin(),
                &json!({"code": code, "name": format!("{code} organisation"), "kind": kind}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "register {code}");
    }
}

/// Asserts a response's status, naming the step and showing the body when it differs, and
/// returns the JSON body (`null` when empty): a failed setup fails where it happens.
pub async fn expect(res: Response, status: u16, step: &str) -> Value {
    let got = res.status().as_u16();
    let text = res.text().await.expect("body");
    assert_eq!(got, status, "{step}: expected {status}, got {got}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{step}: not JSON: {text}"))
    }
}

/// Reads a JSON body, failing the test with the body text if it is not JSON.
pub async fn body(res: Response) -> Value {
    let text = res.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Asserts a problem+json response with the given status and returns its body.
pub async fn problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type}"
    );
    let p = body(res).await;
    assert_eq!(p["status"], status);
    assert!(p["title"].is_string() && p["type"].is_string() && p["detail"].is_string());
    p
}
