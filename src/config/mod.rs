//! Typed configuration: environment variables over an optional `rarlink.toml`, validated once at start.

mod audit_key;
mod database;
mod jwt;
mod limits;

mod mail;
mod secret_file;

pub use audit_key::AuditKeySource;
pub use database::{redact_url, DatabaseTarget, Secret};
pub use jwt::{strong_secret, AsymAlg, JwtKeySource, JwtSettings};
pub use limits::Limits;
pub use mail::MailSettings;
pub use secret_file::load_or_create as load_or_create_secret_file;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Working-day deadline overrides per rule id, e.g. `RARLINK_DEADLINE_PREGNANCY_DA_MASH_REFERRAL=2`.
pub type DeadlineOverrides = BTreeMap<String, u32>;

/// Everything the service needs to run, already validated.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database: DatabaseTarget,
    pub listen: SocketAddr,
    pub pool_size: u32,
    pub pool_timeout: Duration,
    /// PostgreSQL: the longest one statement may run (lock waits included) before it is
    /// cancelled and the request answered `503`.
    pub statement_timeout: Duration,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub jwt: JwtSettings,
    pub background_interval: Duration,
    /// The operator's organisation code: its auditors read the whole audit log; other
    /// organisations' auditors read what their own staff did.
    pub platform_org: String,
    /// Whether this instance runs background work (sealing, webhooks, escalation). Instances that
    /// do not still serve everything; at least one instance should run it.
    pub background: bool,
    pub deadline_overrides: DeadlineOverrides,
    /// Bank holidays announced after the shipped calendar was made.
    pub extra_bank_holidays: Vec<chrono::NaiveDate>,
    /// Working days before an order ends at which the termination review prompt is raised.
    pub review_lead_days: u32,
    /// Misses in recent sessions that make a pattern of disengagement: (window, misses).
    pub disengagement: (u32, u32),
    /// Working days of silence before the background task raises a prompt.
    pub silence: crate::rules::silence::SilenceThresholds,
    /// Hosts webhooks may be sent to whatever they resolve to, `http` included (development).
    pub webhook_allow_hosts: crate::domain::outbound::AllowHosts,
    /// How long a rotated webhook secret still signs deliveries beside the new one.
    pub webhook_secret_overlap: Duration,
    /// Working days an agency has to decide on a referral before it is chased, per agency
    /// (lower case), e.g. `RARLINK_FOLLOW_UP_DAYS_POLICE=2`.
    pub follow_up_days: BTreeMap<String, u32>,
    /// Days within which a later disclosure of the same facts raises no new prompt, even when the
    /// earlier one was resolved (`RARLINK_DEDUP_WINDOW_DAYS`, default 90; 0 turns it off).
    pub dedup_window_days: u32,
    /// Rate limit and body read timeout (`RARLINK_RATE_LIMIT_*`, `RARLINK_BODY_READ_TIMEOUT_SECS`).
    pub limits: Limits,
    /// How e-mail notifications are sent; `None` when e-mail is off (`RARLINK_SMTP_URL` unset).
    pub mail: Option<MailSettings>,
    /// The address links in e-mails start with (`RARLINK_PUBLIC_URL`).
    pub public_url: String,
    /// The key that seals the audit chain and pseudonymises CRNs (`RARLINK_AUDIT_KEY` or its file).
    pub audit_key: AuditKeySource,
    /// Years after the end of a person's last order before retention deletes the case
    /// (`RARLINK_RETENTION_YEARS`, default 7).
    pub retention_years: u32,
}

/// The optional file, with the same keys as the environment variables minus the `RARLINK_` prefix, lower case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    db_pool_size: Option<u32>,
    db_pool_timeout_ms: Option<u64>,
    db_statement_timeout_ms: Option<u64>,
    log_format: Option<String>,
    log: Option<String>,
    jwt_secret: Option<String>,
    jwt_secret_file: Option<String>,
    jwt_public_key_file: Option<String>,
    jwt_algorithm: Option<String>,
    jwks_file: Option<String>,
    jwt_issuer: Option<String>,
    jwt_audience: Option<String>,
    jwt_leeway_secs: Option<u64>,
    jwt_max_lifetime_secs: Option<u64>,
    background_interval_secs: Option<u64>,
    background: Option<String>,
    platform_org: Option<String>,
    #[serde(default)]
    deadlines: BTreeMap<String, u32>,
    #[serde(default)]
    follow_up_days: BTreeMap<String, u32>,
    #[serde(default)]
    extra_bank_holidays: Vec<String>,
    termination_review_lead_days: Option<u64>,
    dedup_window_days: Option<u64>,
    disengagement_window: Option<u64>,
    disengagement_misses: Option<u64>,
    silence_referral_not_accepted_days: Option<u64>,
    silence_no_first_appointment_days: Option<u64>,
    silence_attendance_provider_days: Option<u64>,
    silence_attendance_officer_days: Option<u64>,
    webhook_allow_hosts: Option<String>,
    webhook_secret_overlap_hours: Option<u64>,
    rate_limit_per_second: Option<u64>,
    rate_limit_burst: Option<u64>,
    body_read_timeout_secs: Option<u64>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    audit_key: Option<String>,
    audit_key_file: Option<String>,
    retention_years: Option<u64>,
}

/// A source of named values (the process environment, or a map in tests).
pub trait Env {
    fn get(&self, key: &str) -> Option<String>;
    fn keys_with_prefix(&self, prefix: &str) -> Vec<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
    fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with(prefix))
            .collect()
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        BTreeMap::get(self, key).cloned().filter(|v| !v.is_empty())
    }
    fn keys_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
}

/// Follow-up days per agency from `[follow_up_days]` in the file and
/// `RARLINK_FOLLOW_UP_DAYS_<AGENCY>` (which wins); each must name an agency and be 0–60.
fn follow_up_days(
    env: &dyn Env,
    file: &BTreeMap<String, u32>,
    errors: &mut Vec<String>,
) -> BTreeMap<String, u32> {
    const PREFIX: &str = "RARLINK_FOLLOW_UP_DAYS_";
    let mut days: BTreeMap<String, u32> = file
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .collect();
    for key in env.keys_with_prefix(PREFIX) {
        match env.get(&key).map(|v| v.parse::<u32>()) {
            Some(Ok(n)) => {
                days.insert(key[PREFIX.len()..].to_ascii_lowercase(), n);
            }
            Some(Err(_)) => errors.push(format!(
                "{key} must be a whole number of working days from 0 to 60"
            )),
            None => {}
        }
    }
    let known: Vec<String> = crate::domain::prompt::Agency::ALL
        .iter()
        .map(|a| a.as_str().to_ascii_lowercase())
        .collect();
    for (agency, n) in &days {
        if !known.contains(agency) {
            errors.push(format!(
                "follow-up days {agency:?} names no agency; agencies are {}",
                known.join(", ")
            ));
        }
        if *n > 60 {
            errors.push(format!(
                "follow-up days for {agency:?} must be 0 to 60 working days"
            ));
        }
    }
    days
}

impl Settings {
    /// Loads from the process environment and `RARLINK_CONFIG` (default `./rarlink.toml` when present).
    pub fn load() -> Result<Self, String> {
        Self::from_env(&ProcessEnv)
    }

    pub fn from_env(env: &dyn Env) -> Result<Self, String> {
        let file = match env.get("RARLINK_CONFIG") {
            Some(path) => read_file_config(Path::new(&path))?,
            None if Path::new("rarlink.toml").exists() => {
                read_file_config(Path::new("rarlink.toml"))?
            }
            None => FileConfig::default(),
        };
        let pick = |env_key: &str, file_value: &Option<String>| -> Option<String> {
            env.get(env_key).or_else(|| file_value.clone())
        };
        let mut errors = Vec::new();

        let database = match DatabaseTarget::parse(
            &pick("DATABASE_URL", &file.database_url).unwrap_or_else(|| "rarlink.db".into()),
        ) {
            Ok(db) => Some(db),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let listen_raw =
            pick("RARLINK_LISTEN", &file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_raw
            .parse::<SocketAddr>()
            .map_err(|_| {
                errors.push(format!(
                    "RARLINK_LISTEN must be an address such as 127.0.0.1:8080, got {listen_raw:?}"
                ))
            })
            .ok();
        let pool_size = number(
            env,
            "RARLINK_DB_POOL_SIZE",
            file.db_pool_size.map(u64::from),
            10,
            1..=256,
            &mut errors,
        ) as u32;
        let pool_timeout_ms = number(
            env,
            "RARLINK_DB_POOL_TIMEOUT_MS",
            file.db_pool_timeout_ms,
            2000,
            50..=60_000,
            &mut errors,
        );
        let statement_timeout_ms = number(
            env,
            "RARLINK_DB_STATEMENT_TIMEOUT_MS",
            file.db_statement_timeout_ms,
            10_000,
            100..=600_000,
            &mut errors,
        );
        let log_format = match pick("RARLINK_LOG_FORMAT", &file.log_format)
            .unwrap_or_else(|| "human".into())
            .as_str()
        {
            "human" => LogFormat::Human,
            "json" => LogFormat::Json,
            other => {
                errors.push(format!(
                    "RARLINK_LOG_FORMAT must be human or json, got {other:?}"
                ));
                LogFormat::Human
            }
        };
        let log_filter = pick("RARLINK_LOG", &file.log).unwrap_or_else(|| "info".into());
        let background_interval = Duration::from_secs(number(
            env,
            "RARLINK_BACKGROUND_INTERVAL_SECS",
            file.background_interval_secs,
            30,
            1..=86_400,
            &mut errors,
        ));
        let leeway_secs = number(
            env,
            "RARLINK_JWT_LEEWAY_SECS",
            file.jwt_leeway_secs,
            30,
            0..=300,
            &mut errors,
        );
        let max_lifetime_secs = number(
            env,
            "RARLINK_JWT_MAX_LIFETIME_SECS",
            file.jwt_max_lifetime_secs,
            12 * 3600,
            60..=7 * 86_400,
            &mut errors,
        );

        let review_lead_days = number(
            env,
            "RARLINK_TERMINATION_REVIEW_LEAD_DAYS",
            file.termination_review_lead_days,
            10,
            0..=120,
            &mut errors,
        ) as u32;
        let dedup_window_days = number(
            env,
            "RARLINK_DEDUP_WINDOW_DAYS",
            file.dedup_window_days,
            90,
            0..=3650,
            &mut errors,
        ) as u32;
        let window = number(
            env,
            "RARLINK_DISENGAGEMENT_WINDOW",
            file.disengagement_window,
            4,
            1..=50,
            &mut errors,
        ) as u32;
        let misses = number(
            env,
            "RARLINK_DISENGAGEMENT_MISSES",
            file.disengagement_misses,
            3,
            1..=50,
            &mut errors,
        ) as u32;
        if misses > window {
            errors.push(
                "RARLINK_DISENGAGEMENT_MISSES cannot exceed RARLINK_DISENGAGEMENT_WINDOW".into(),
            );
        }

        let silence = silence_thresholds(env, &file, &mut errors);
        let overlap_hours = number(
            env,
            "RARLINK_WEBHOOK_SECRET_OVERLAP_HOURS",
            file.webhook_secret_overlap_hours,
            24,
            0..=24 * 30,
            &mut errors,
        );

        let background = match pick("RARLINK_BACKGROUND", &file.background).as_deref() {
            None | Some("on") | Some("true") => true,
            Some("off") | Some("false") => false,
            Some(other) => {
                errors.push(format!(
                    "RARLINK_BACKGROUND must be on or off, got {other:?}"
                ));
                true
            }
        };

        let keys = jwt::jwt_keys(env, &file, database.as_ref(), &mut errors);
        let limits = limits::limits(env, &file, &mut errors);
        let audit_key = audit_key::audit_key_source(
            env,
            &file.audit_key,
            &file.audit_key_file,
            database.as_ref(),
            &mut errors,
        );
        let retention_years = number(
            env,
            "RARLINK_RETENTION_YEARS",
            file.retention_years,
            7,
            1..=100,
            &mut errors,
        ) as u32;

        let mut deadline_overrides = file.deadlines.clone();
        for key in env.keys_with_prefix("RARLINK_DEADLINE_") {
            let rule = key["RARLINK_DEADLINE_".len()..].to_ascii_lowercase();
            match env.get(&key).map(|v| v.parse::<u32>()) {
                Some(Ok(days)) if days <= 60 => {
                    deadline_overrides.insert(rule, days);
                }
                Some(_) => errors.push(format!(
                    "{key} must be a whole number of working days from 0 to 60"
                )),
                None => {}
            }
        }

        let known: Vec<String> = crate::rules::RuleId::ALL
            .iter()
            .map(|r| r.config_key())
            .collect();
        deadline_overrides = deadline_overrides
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase().replace('-', "_"), v))
            .collect();
        for (rule, days) in &deadline_overrides {
            if !known.contains(rule) {
                errors.push(format!(
                    "deadline override {rule:?} names no rule; rule ids are listed in docs/safeguarding-rules.md"
                ));
            }
            if *days > 60 {
                errors.push(format!(
                    "deadline override {rule:?} must be 0 to 60 working days"
                ));
            }
        }

        let follow_up_days = follow_up_days(env, &file.follow_up_days, &mut errors);
        let mail = mail::mail_settings(
            pick("RARLINK_SMTP_URL", &file.smtp_url),
            pick("RARLINK_MAIL_FROM", &file.mail_from),
            &mut errors,
        );
        let public_url =
            mail::public_url(pick("RARLINK_PUBLIC_URL", &file.public_url), &mut errors);

        let holiday_texts: Vec<String> = match env.get("RARLINK_EXTRA_BANK_HOLIDAYS") {
            Some(list) => list
                .split(',')
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect(),
            None => file.extra_bank_holidays.clone(),
        };
        let mut extra_bank_holidays = Vec::new();
        for text in holiday_texts {
            match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(d) => extra_bank_holidays.push(d),
                Err(_) => errors.push(format!(
                    "RARLINK_EXTRA_BANK_HOLIDAYS must list YYYY-MM-DD dates, got {text:?}"
                )),
            }
        }

        if !errors.is_empty() {
            return Err(format!(
                "invalid configuration:\n  - {}",
                errors.join("\n  - ")
            ));
        }
        Ok(Settings {
            database: database.expect("checked above"),
            listen: listen.expect("checked above"),
            pool_size,
            pool_timeout: Duration::from_millis(pool_timeout_ms),
            statement_timeout: Duration::from_millis(statement_timeout_ms),
            log_format,
            log_filter,
            jwt: JwtSettings {
                keys: keys.expect("checked above"),
                issuer: pick("RARLINK_JWT_ISSUER", &file.jwt_issuer)
                    .unwrap_or_else(|| "rarlink".into()),
                audience: pick("RARLINK_JWT_AUDIENCE", &file.jwt_audience)
                    .unwrap_or_else(|| "rarlink".into()),
                leeway_secs,
                max_lifetime_secs,
            },
            background_interval,
            background,
            platform_org: pick("RARLINK_PLATFORM_ORG", &file.platform_org)
                .unwrap_or_else(|| "RARLINK".into()),
            deadline_overrides,
            extra_bank_holidays,
            review_lead_days,
            disengagement: (window, misses),
            silence,
            webhook_allow_hosts: crate::domain::outbound::AllowHosts::parse(
                &pick("RARLINK_WEBHOOK_ALLOW_HOSTS", &file.webhook_allow_hosts).unwrap_or_default(),
            ),
            webhook_secret_overlap: Duration::from_secs(3600 * overlap_hours),
            follow_up_days,
            dedup_window_days,
            limits,
            mail,
            public_url,
            audit_key,
            retention_years,
        })
    }

    /// The pool the service runs with.
    pub fn pool_options(&self) -> crate::db::PoolOptions {
        crate::db::PoolOptions {
            size: self.pool_size,
            timeout: self.pool_timeout,
            statement_timeout: Some(self.statement_timeout),
        }
    }
}

fn read_file_config(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read configuration file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("configuration file {}: {e}", path.display()))
}

/// The silence thresholds (working days, 1 to 60); the officer hears of unrecorded attendance
/// no earlier than the provider's managers.
fn silence_thresholds(
    env: &dyn Env,
    file: &FileConfig,
    errors: &mut Vec<String>,
) -> crate::rules::silence::SilenceThresholds {
    let d = crate::rules::silence::SilenceThresholds::default();
    let mut days = |key: &str, value: Option<u64>, default: u32| {
        number(env, key, value, default.into(), 1..=60, errors) as u32
    };
    let t = crate::rules::silence::SilenceThresholds {
        referral_not_accepted: days(
            "RARLINK_SILENCE_REFERRAL_NOT_ACCEPTED_DAYS",
            file.silence_referral_not_accepted_days,
            d.referral_not_accepted,
        ),
        no_first_appointment: days(
            "RARLINK_SILENCE_NO_FIRST_APPOINTMENT_DAYS",
            file.silence_no_first_appointment_days,
            d.no_first_appointment,
        ),
        attendance_provider: days(
            "RARLINK_SILENCE_ATTENDANCE_PROVIDER_DAYS",
            file.silence_attendance_provider_days,
            d.attendance_provider,
        ),
        attendance_officer: days(
            "RARLINK_SILENCE_ATTENDANCE_OFFICER_DAYS",
            file.silence_attendance_officer_days,
            d.attendance_officer,
        ),
    };
    if t.attendance_officer < t.attendance_provider {
        errors.push(
            "RARLINK_SILENCE_ATTENDANCE_OFFICER_DAYS cannot be less than RARLINK_SILENCE_ATTENDANCE_PROVIDER_DAYS".into(),
        );
    }
    t
}

fn number(
    env: &dyn Env,
    key: &str,
    file_value: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    errors: &mut Vec<String>,
) -> u64 {
    let value = match env.get(key) {
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                errors.push(format!("{key} must be a whole number, got {raw:?}"));
                return default;
            }
        },
        None => file_value.unwrap_or(default),
    };
    if !range.contains(&value) {
        errors.push(format!(
            "{key} must be between {} and {}, got {value}",
            range.start(),
            range.end()
        ));
        return default;
    }
    value
}

#[cfg(test)]
mod tests;
