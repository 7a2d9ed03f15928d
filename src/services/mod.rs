//! Use cases that span several tables, run inside a handler's unit of work ([`crate::http::Work`]).
//! Handlers parse and authorise; these functions change the case consistently; both the domain
//! rules and the queries they use live in `domain/`, `rules/` and `db/`.

pub mod delivery;
pub mod disclosures;
pub mod prompts;
pub mod rar;
pub mod referrals;
pub mod risk;
pub mod termination;
pub mod webhooks;
