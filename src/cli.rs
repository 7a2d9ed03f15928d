//! The command line: `serve` (default), `migrate`, `openapi` and `token`.

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
