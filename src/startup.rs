//! Building and running the HTTP server: state, middleware, routes, docs and background work.

use crate::api;
use crate::auth::jwt::Authenticator;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::Db;
use crate::http::{extract, observe::observe, AppState};
use crate::metrics::Metrics;
use crate::rules::RulesConfig;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// A bound, migrated, ready-to-run server.
pub struct Application {
    server: Server,
    port: u16,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects, migrates, loads keys and binds the listener.
    pub fn build(settings: Settings, clock: SharedClock) -> Result<Self, String> {
        let started = std::time::Instant::now();
        let ms = |since: std::time::Instant| since.elapsed().as_secs_f64() * 1000.0;
        let rules = Arc::new(rules_config(&settings));
        // What needs no database is computed on another thread while the migrations run.
        let prepared = {
            let rules = rules.clone();
            std::thread::spawn(move || (calendar_rows(&rules.calendar), api::openapi()))
        };
        let db = Db::new(&settings.database, settings.pool_options())?;
        let applied = db.migrate()?;
        let migrated_ms = ms(started);
        tracing::info!(
            database = %settings.database.describe(),
            migrations_applied = applied,
            "database ready"
        );
        let phase = std::time::Instant::now();
        let auth = Authenticator::from_settings(&settings.jwt)?;
        let audit_key = Arc::new(settings.audit_key.load()?);
        let keys_ms = ms(phase);
        let listener = TcpListener::bind(settings.listen)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?
            .port();
        let phase = std::time::Instant::now();
        let (calendar, doc) = prepared
            .join()
            .map_err(|_| "preparing the calendar and the API document failed".to_string())?;
        let calendar_written = db.refresh_calendar(&calendar)?;
        let calendar_ms = ms(phase);
        let phase = std::time::Instant::now();
        let http_client =
            crate::services::webhook_send::client(settings.webhook_allow_hosts.clone())?;
        let mailer = settings
            .mail
            .as_ref()
            .map(|m| crate::services::mail_send::Mailer::new(m, &settings.public_url))
            .transpose()?;
        let limiters = Arc::new(crate::http::rate_limit::Limiters::new(&settings.limits));
        let state = web::Data::new(AppState {
            http_client,
            mailer,
            rules,
            db,
            clock,
            auth: Arc::new(auth),
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::default()),
            org_kinds: Default::default(),
            route_permissions: Arc::new(api::operations::permissions_by_route(&doc)),
            known_routes: Arc::new(api::operations::known_routes(&doc)),
            limiters,
            audit_key,
        });
        let server_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(server_state.clone())
                .app_data(extract::json_config())
                .app_data(extract::payload_config())
                .app_data(extract::path_config())
                .app_data(extract::query_config())
                .wrap(from_fn(crate::http::rate_limit::rate_limit))
                .wrap(from_fn(observe))
                .into_utoipa_app()
                .configure(api::configure)
                .into_app()
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc.clone()))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(extract::not_found))
        })
        .shutdown_timeout(10)
        .listen(listener)
        .map_err(|e| format!("cannot start the server: {e}"))?
        .run();
        // Where a cold start goes (docs/architecture.md has the figures).
        tracing::info!(
            migrations_ms = migrated_ms,
            keys_ms,
            calendar_ms,
            calendar_written,
            state_and_server_ms = ms(phase),
            total_ms = ms(started),
            "startup timings"
        );
        Ok(Self {
            server,
            port,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM (graceful: in-flight requests finish), running background work alongside.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let background = self
            .state
            .settings
            .background
            .then(|| actix_web::rt::spawn(crate::background::run(self.state.clone())));
        let result = self.server.await;
        if let Some(task) = background {
            task.abort();
        }
        result
    }
}

/// The rules' configuration from the settings.
fn rules_config(settings: &Settings) -> RulesConfig {
    let mut rules = RulesConfig::new(
        &settings.extra_bank_holidays,
        settings.deadline_overrides.clone(),
        settings.review_lead_days,
    );
    rules.follow_up_overrides = settings.follow_up_days.clone();
    rules.dedup_window_days = settings.dedup_window_days;
    rules.disengagement = crate::rules::attendance::DisengagementPolicy {
        window: settings.disengagement.0 as usize,
        misses: settings.disengagement.1 as usize,
    };
    rules.silence = settings.silence;
    rules
}

/// The working-day calendar stored for SQL: every London day from 2018 to the end of the last
/// year the bank holiday data covers (at least ten years on).
fn calendar_rows(
    cal: &crate::rules::working_days::HolidayCalendar,
) -> Vec<crate::db::calendar::CalendarRow> {
    use crate::rules::calendar_days::{calendar_days, first_day};
    let first = first_day();
    let last = cal
        .covered_until()
        .max(first + chrono::Duration::days(366 * 13));
    calendar_days(cal, first, last)
        .into_iter()
        .map(|d| crate::db::calendar::CalendarRow {
            day: d.day,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            working: d.working,
            working_seq: d.working_seq,
        })
        .collect()
}
