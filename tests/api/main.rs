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
mod notifications;
mod oversight;
mod platform;
mod platform_paging;
mod prompt_followups;
mod prompt_lifecycle;
mod query_plans;
mod read_audit;
mod referrals_preconditions;
mod retention;
mod safeguarding;
mod safeguarding_paging;
mod safeguarding_response;
mod scenario;
mod security_audit;
mod security_limits;
mod security_tokens;
mod silence;
mod smtp;
mod statements;
mod subject_access;
mod sync_references;
mod termination;
mod termination_agencies;
mod termination_items;
mod transfer;
mod typed_contract;
mod webhook_receiver;
mod webhooks;
mod what_people_see;
