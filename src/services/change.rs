//! The one shape of a state change on a case resource: load what the caller may see, check the
//! caller acts for the side that makes this change, check the client's precondition (`If-Match`)
//! against the current state, apply the change, save it, and emit its event.
//!
//! Each resource says how it is loaded and saved ([`CaseResource`]); each use case says only
//! what the change is (the `apply` closure). Handlers pass the precondition in, built from the
//! same view they return, so the ETag a client holds is the one checked.

use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::work::{Event, Work};

/// A client's precondition on the current state of `R` (an `If-Match` check); it may read more
/// of the case (through `Work`) to build the representation it compares.
pub type Expect<'e, R> = &'e dyn Fn(&mut Work, &R) -> Result<(), ApiError>;

/// No precondition (internal callers, or a change the client did not condition).
pub fn unconditional<R>(_: &mut Work, _: &R) -> Result<(), ApiError> {
    Ok(())
}

/// A case resource that changes state.
pub trait CaseResource: Sized {
    /// The resource's typed id.
    type Id: Copy;
    /// Loads the resource if the caller may see it (`404` otherwise), naming its case.
    fn load(w: &mut Work, id: Self::Id) -> Result<Self, ApiError>;
    /// Writes the changed resource.
    fn save(&self, w: &mut Work) -> Result<(), ApiError>;
    /// The refusal for a caller of the other side who can see the resource.
    fn wrong_side(side: OrgKind) -> ApiError;
}

/// Load → side → precondition → apply → save → emit, in that order, once for every resource.
/// `apply` changes the resource (and anything else the use case touches) and returns the event
/// that says what happened, with the value the use case hands back.
pub fn change<R: CaseResource, T>(
    w: &mut Work,
    id: R::Id,
    side: OrgKind,
    expect: Expect<R>,
    apply: impl FnOnce(&mut Work, &mut R) -> Result<(Event, T), ApiError>,
) -> Result<(R, T), ApiError> {
    let mut resource = R::load(w, id)?;
    if w.me.org_kind != Some(side) {
        return Err(R::wrong_side(side));
    }
    expect(w, &resource)?;
    let (event, value) = apply(w, &mut resource)?;
    resource.save(w)?;
    w.emit(event);
    Ok((resource, value))
}
