//! Cross-cutting HTTP machinery shared by every handler: context, middleware, extractors, ETags.

pub mod context;
pub mod etag;
pub mod extract;
pub mod idempotency;
pub mod observe;
pub mod org_kinds;
pub mod rate_limit;
pub mod refusals;
pub mod routes;

pub use context::{AppState, Ctx};
pub use extract::ApiJson;
