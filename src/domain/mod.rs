//! Domain types parsed from input, so invalid values cannot reach the rest of the code, and the
//! referral state machine.

pub mod action_plan;
pub mod agency_notice;
pub mod amendment;
pub mod appointment;
pub mod audit_key;
pub mod case_note;
pub mod crn;
pub mod disclosure;
pub mod event_fields;
pub mod event_payloads;
pub mod events;
pub mod household;
pub mod ids;
pub mod notification;
pub mod order;
pub mod organisation;
pub mod outbound;
pub mod person;
pub mod prompt;
pub mod referral;
pub mod report;
pub mod risk;
pub mod rule_id;
pub mod stored;
pub mod validate;
pub mod webhook;

pub use crn::Crn;
pub use organisation::OrgKind;
