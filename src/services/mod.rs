//! Use cases: every business decision and write, run inside a unit of work ([`crate::work::Work`]).
//! Handlers parse and authorise; these functions change the case consistently; both the domain
//! rules and the queries they use live in `domain/`, `rules/` and `db/`.

pub mod access;
pub mod change;
pub mod chronology;
pub mod delivery;
pub mod disclosures;
pub mod events;
pub mod prompts;
pub mod rar;
pub mod referrals;
pub mod risk;
pub mod termination;
pub mod webhooks;
