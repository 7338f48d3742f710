//! The public entry points: every function and method a user of the library calls, each
//! returning [`crate::Error`].
//!
//! The engines below (introspection, planning, reading, writing, generation, snapshots,
//! the cache) return their own area errors and are otherwise private to the crate; this
//! layer is where they meet the one error a user handles, so it sits at the top with
//! `error.rs`, and nothing below imports it. One file per job, as the command line has
//! one per command: connecting and looking at a schema, generating, snapshots, the cache.

mod cache;
mod connect;
mod generate;
mod snapshot;

pub use self::cache::{cache_key, ensure, gc};
pub use self::connect::{capabilities, connect, connect_with, inspect, introspect};
pub use self::generate::{StarterSpec, generate, starter_spec};
