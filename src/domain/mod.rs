//! Domain types parsed from input, so invalid values cannot reach the rest of the code.

pub mod crn;

pub use crn::Crn;
