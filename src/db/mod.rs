//! The bottom layer: talking to a database, knowing nothing of schemas, specs or snapshots.
//!
//! - [`Backend`] names the systems fixtura speaks and quotes identifiers for each;
//!   [`QualifiedName`] is how every table is named;
//! - `connect` opens a [`Db`], the closed set of backends as one pool, and classifies
//!   every way it can fail ([`ConnectError`]);
//! - `session` holds one pooled connection through a transaction, generic over the sqlx
//!   driver, for the readers and writers above; `wire` is PostgreSQL's binary `COPY`
//!   framing and column types, which both directions share;
//! - `capabilities` and `ChecksChoice::resolve` decide who checks foreign keys;
//! - [`DbError`] is a failed statement, worded from the server's own fields by
//!   [`ServerError`], and [`Remedy`] the advice an error can carry.
//!
//! Nothing here imports from a module above it (`tests/layers.rs` checks it).

mod backend;
mod checks;
mod connect;
mod error;
mod name;
mod pool;
mod server_error;
pub(crate) mod session;
#[cfg(feature = "postgres")]
pub(crate) mod wire;

#[cfg(not(any(feature = "postgres", feature = "mysql", feature = "_sqlite")))]
compile_error!(
    "fixtura needs at least one backend: enable the feature \"postgres\", \"mysql\" or \"sqlite\""
);

pub use self::backend::Backend;
pub use self::checks::{Capabilities, ChecksChoice};
pub(crate) use self::checks::{FkChecks, capabilities};
pub use self::connect::{ConnectError, ConnectOptions, redact};
pub(crate) use self::connect::{connect, connect_with, refusal, sqlite_path};
pub use self::error::{DbError, Remedy};
pub use self::name::QualifiedName;
pub use self::pool::Db;
pub use self::server_error::ServerError;
