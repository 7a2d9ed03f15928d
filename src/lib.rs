//! rarlink: a REST API through which probation officers and commissioned rehabilitation providers share a case.
//!
//! The crate is laid out by architectural layer:
//! - [`api`]: HTTP handlers and their request/response types (DTOs), and the OpenAPI document;
//! - [`http`]: cross-cutting HTTP machinery (request ids, metrics, panics, idempotency, ETags);
//! - [`auth`]: JWT validation, callers, roles and permissions;
//! - [`domain`]: domain types parsed from input (e.g. [`domain::Crn`]) and state machines;
//! - [`services`]: use cases: every business decision and write, run inside a [`work::Work`];
//! - [`work`]: the unit of work a use case runs in (connection, principal, events, audit status);
//! - [`rules`]: pure functions (working days, safeguarding rules) with no I/O;
//! - [`db`]: the diesel connection over SQLite or PostgreSQL, schema, rows and queries;
//! - [`config`], [`telemetry`], [`startup`], [`cli`]: running the service.

pub mod api;
pub mod auth;
pub mod background;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod layers;
pub mod metrics;
pub mod operator;
pub mod rules;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod work;
