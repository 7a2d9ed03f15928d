//! Integration tests through HTTP. Each test gets its own server and database; set
//! `TEST_DATABASE_URL=postgres://...` to run them all on PostgreSQL instead of SQLite.

mod helpers;

mod access;
mod action_plans;
mod amendments;
mod audit_and_events;
mod case_notes;
mod case_record_paging;
mod case_rules;
mod commissioning;
mod delivery;
mod delivery_lists;
mod enforcement;
mod event_readers;
mod identity;
mod platform;
mod platform_paging;
mod prompt_followups;
mod prompt_lifecycle;
mod query_plans;
mod referrals_preconditions;
mod safeguarding;
mod safeguarding_paging;
mod safeguarding_response;
mod scenario;
mod silence;
mod sync_references;
mod termination;
mod termination_items;
mod typed_contract;
mod webhooks;
