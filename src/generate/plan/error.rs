//! Why a plan cannot be made: the spec does not fit the schema (a message naming file,
//! line and key), or a lookup in the database failed.

use crate::generate::spec::SpecError;
use crate::write::WriteError;

/// Why a plan cannot be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Write(#[from] WriteError),
}
