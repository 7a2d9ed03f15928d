//! Use cases: every business decision and write, run inside a unit of work ([`crate::work::Work`]).
//! Handlers parse and authorise; these functions change the case consistently; both the domain
//! rules and the queries they use live in `domain/`, `rules/` and `db/`.

pub mod access;
pub mod action_plans;
pub mod amendments;
pub mod appointments;
pub mod attendance;
pub mod audit;
pub mod case_notes;
pub mod case_rules;
pub mod caseload;
pub mod change;
pub mod chronology;
pub mod commissioning;
pub mod dashboard;
pub mod delivery;
pub mod disclosure_feedback;
pub mod disclosures;
pub mod events;
pub mod export;
pub mod health;
pub mod household;
pub mod mail_send;
pub mod notifications;
pub mod orders;
pub mod organisations;
pub mod people;
pub mod prompt_assignment;
pub mod prompt_bulk;
pub mod prompt_lifecycle;
pub mod prompts;
pub mod rar;
pub mod referrals;
pub mod reports;
pub mod retention;
pub mod risk;
pub mod silence;
pub mod staff;
pub mod termination;
pub mod termination_case;
pub mod termination_review;
pub mod transfer;
pub mod webhook_delivery;
pub mod webhook_send;
pub mod webhooks;
