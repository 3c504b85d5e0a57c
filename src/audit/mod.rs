//! The stages a command runs over what [`crate::resolve`] resolved: `scan` (a source
//! read part by part, classified, the report written) and `plan` (the duplicate
//! classes scanned and their rows read whole into a cleanup plan). `explain`,
//! `apply` and `restore` are stages of their own modules ([`crate::explain`],
//! [`crate::apply`]).

mod plan;
mod scan;

pub use plan::plan;
pub use scan::{scan, Scanned};
