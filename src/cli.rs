//! The command line: `serve` (default), `migrate`, `openapi`, `token`, `audit` and `retention`.

use crate::auth::jwt::{Authenticator, TokenRequest};
use crate::auth::Role;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "rarlink",
    version,
    about = "Case sharing between probation officers and the rehabilitation providers they commission.",
    long_about = "Case sharing between probation officers and the rehabilitation providers they commission.\n\n\
Configuration comes from environment variables (DATABASE_URL, RARLINK_LISTEN, RARLINK_JWT_*, ...) over an\n\
optional rarlink.toml; see the README. With no sub-command, `serve` runs."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI 3.1 document (or write it to a file).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Mint a bearer token for the embedded default (HS256 secret).
    Token {
        /// Subject: the user's id.
        #[arg(long)]
        sub: String,
        /// Organisation code, as registered (e.g. PDU-CAMBS).
        #[arg(long)]
        org: String,
        /// A role; repeat for several. One of: probation_practitioner, probation_manager,
        /// provider_worker, provider_manager, integration, auditor, admin.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Lifetime, e.g. 30m, 8h, 2d.
        #[arg(long, default_value = "8h", value_parser = parse_ttl)]
        ttl: u64,
    },
    /// Export the audit chain, or verify it (from the database, or independently from an export).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Delete cases past their retention period (RARLINK_RETENTION_YEARS after the end of the
    /// person's last order; never a person with a live order or an open prompt).
    Retention {
        /// List what would be deleted, change nothing.
        #[arg(long, conflicts_with = "apply", required_unless_present = "apply")]
        dry_run: bool,
        /// Delete the cases, putting the keyed pseudonym in place of the CRN in the audit log
        /// and the event feed.
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write every sealed entry as JSON Lines (as `GET /api/v1/audit-events` returns them).
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Verify the chain under the audit key; exits 1 when it is broken.
    Verify {
        /// Verify this export (JSON Lines, a JSON array, or saved pages) instead of the database.
        #[arg(long)]
        from_export: Option<PathBuf>,
    },
}

/// The configured database, migrated, with one connection, and the audit key.
fn open_for_operator() -> Result<(Settings, Db, crate::domain::audit_key::AuditKey), String> {
    let settings = Settings::load()?;
    crate::telemetry::init(settings.log_format, &settings.log_filter);
    let key = settings.audit_key.load()?;
    let db = Db::new(
        &settings.database,
        crate::db::PoolOptions {
            size: 1,
            ..settings.pool_options()
        },
    )?;
    db.migrate()?;
    Ok((settings, db, key))
}

fn connection(db: &Db) -> Result<crate::db::PooledConn, String> {
    db.pool()
        .get()
        .map_err(|e| format!("cannot connect to the database: {e}"))
}

fn report_chain(report: crate::db::chain::ChainReport) -> Result<(), String> {
    match report.first_broken {
        None => {
            println!(
                "audit chain valid: {} entries checked ({} in the legacy unkeyed segment)",
                report.entries_checked, report.legacy_entries
            );
            Ok(())
        }
        Some(b) => Err(format!(
            "audit chain BROKEN at entry {}{}: {} ({} entries verified before it)",
            b.seq,
            b.id.map(|id| format!(" ({id})")).unwrap_or_default(),
            b.reason,
            report.entries_checked
        )),
    }
}

fn run_audit(command: AuditCommand) -> Result<(), String> {
    let fail = |e: crate::error::ApiError| format!("{e:?}");
    match command {
        AuditCommand::Verify {
            from_export: Some(path),
        } => {
            let settings = Settings::load()?;
            let key = settings.audit_key.load()?;
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let entries = crate::operator::read_export(&text)?;
            report_chain(crate::operator::verify_export(entries, &key))
        }
        AuditCommand::Verify { from_export: None } => {
            let (_, db, key) = open_for_operator()?;
            let mut conn = connection(&db)?;
            crate::db::ledger::seal_audit(&mut conn, &key).map_err(|e| e.to_string())?;
            report_chain(
                crate::db::ledger::verify_audit_chain(&mut conn, &key)
                    .map_err(|e| e.to_string())?,
            )
        }
        AuditCommand::Export { output } => {
            let (_, db, key) = open_for_operator()?;
            let mut conn = connection(&db)?;
            let mut out: Box<dyn std::io::Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            let count = crate::operator::export_audit(&mut conn, &key, &mut out).map_err(fail)?;
            out.flush()
                .map_err(|e| format!("cannot write the export: {e}"))?;
            if output.is_some() {
                println!("{count} audit entries exported");
            }
            Ok(())
        }
    }
}

fn run_retention(apply: bool) -> Result<(), String> {
    let (settings, db, key) = open_for_operator()?;
    let mut conn = connection(&db)?;
    let now = chrono::Utc::now();
    let years = settings.retention_years;
    let fail = |e: crate::error::ApiError| format!("{e:?}");
    if apply {
        let deleted =
            crate::services::retention::apply(&mut conn, &key, now, years, &settings.platform_org)
                .map_err(fail)?;
        for d in &deleted {
            println!(
                "deleted {} (last order ended {}): {} rows; {} audit entries and {} events now name it",
                d.pseudonym,
                d.last_order_ended,
                d.rows_deleted,
                d.audit_entries_pseudonymised,
                d.events_pseudonymised
            );
        }
        println!("{} case(s) deleted", deleted.len());
    } else {
        let due = crate::services::retention::due(&mut conn, now, years).map_err(fail)?;
        for d in &due {
            println!("{}\tlast order ended {}", d.crn, d.last_order_ended);
        }
        println!(
            "{} case(s) would be deleted (retention {years} years after the last order ended)",
            due.len()
        );
    }
    Ok(())
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!(
            "unknown role {s:?}; expected one of {}",
            Role::ALL.map(|r| r.as_str()).join(", ")
        )
    })
}

/// Parses `90s`, `30m`, `8h` or `2d` into seconds (at most 30 days).
pub fn parse_ttl(s: &str) -> Result<u64, String> {
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("invalid lifetime {s:?}; use e.g. 30m, 8h, 2d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("invalid lifetime unit in {s:?}; use s, m, h or d")),
    };
    if secs == 0 || secs > 30 * 86_400 {
        return Err("the lifetime must be between 1 second and 30 days".into());
    }
    Ok(secs)
}

/// Runs the parsed command; the error is a message for the user.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi { output } => {
            let json = crate::api::openapi_json();
            match output {
                Some(path) => std::fs::write(&path, json)
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => {
                    print!("{json}");
                    Ok(())
                }
            }
        }
        Command::Migrate => {
            let settings = Settings::load()?;
            crate::telemetry::init(settings.log_format, &settings.log_filter);
            let db = Db::new(
                &settings.database,
                crate::db::PoolOptions {
                    size: 1,
                    ..settings.pool_options()
                },
            )?;
            let applied = db.migrate()?;
            println!(
                "{applied} migration(s) applied to {}",
                settings.database.describe()
            );
            Ok(())
        }
        Command::Token {
            sub,
            org,
            roles,
            name,
            ttl,
        } => {
            let settings = Settings::load()?;
            let auth = Authenticator::from_settings(&settings.jwt)?;
            require_registered(&settings, &org)?;
            let token = auth.mint(
                &TokenRequest {
                    sub,
                    name,
                    org,
                    roles,
                    ttl_secs: ttl,
                },
                jsonwebtoken::get_current_timestamp(),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Audit { command } => run_audit(command),
        Command::Retention { apply, .. } => run_retention(apply),
        Command::Serve => {
            let settings = Settings::load()?;
            crate::telemetry::init(settings.log_format, &settings.log_filter);
            let listen = settings.listen;
            let backend = settings.database.describe();
            let clock: SharedClock = Arc::new(SystemClock);
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let app = crate::startup::Application::build(settings, clock)?;
                tracing::info!(%listen, database = %backend, "rarlink listening; docs at /docs");
                app.run_until_stopped()
                    .await
                    .map_err(|e| format!("server error: {e}"))
            })
        }
    }
}

/// Tokens are minted only for registered organisations (or the operator's own, which registers
/// the others), so a mistyped code cannot produce a token that only fills the audit log.
pub fn require_registered(settings: &Settings, org: &str) -> Result<(), String> {
    if org == settings.platform_org {
        return Ok(());
    }
    if let crate::config::DatabaseTarget::Sqlite { path } = &settings.database {
        if !path.exists() {
            return Err(format!(
                "organisation {org} is not registered: the database {} does not exist yet",
                path.display()
            ));
        }
    }
    let mut conn = crate::db::ConnectionFactory::new(settings.database.clone())
        .connect()
        .map_err(|e| format!("cannot open the database to check organisation {org}: {e}"))?;
    match crate::db::organisations::find_by_code(&mut conn, org) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!(
            "organisation {org} is not registered with rarlink; register it first \
             (POST /api/v1/organisations with a token of {} as admin)",
            settings.platform_org
        )),
        Err(e) => Err(format!(
            "cannot check organisation {org} (run `rarlink migrate` first?): {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_take_seconds_minutes_hours_and_days() {
        assert_eq!(parse_ttl("90s").unwrap(), 90);
        assert_eq!(parse_ttl("30m").unwrap(), 1800);
        assert_eq!(parse_ttl("8h").unwrap(), 28_800);
        assert_eq!(parse_ttl("2d").unwrap(), 172_800);
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("eight").is_err());
        assert!(parse_ttl("31d").is_err());
    }

    #[test]
    fn the_command_line_parses_repeated_roles() {
        let cli = Cli::try_parse_from([
            "rarlink", "token", "--sub", "a", "--org", "B", "--role", "auditor", "--role", "admin",
        ])
        .unwrap();
        match cli.command {
            Some(Command::Token { roles, .. }) => {
                assert_eq!(roles, vec![Role::Auditor, Role::Admin])
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
