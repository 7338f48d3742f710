//! The `#[fixtura::test]` attribute. Use it through the `fixtura` crate (its `macros`
//! feature, on by default), which it expands to: the code it makes calls
//! `::fixtura::TestDb` and `::fixtura::__private`.
//!
//! `args.rs` reads the attribute's arguments; `expand.rs` checks the function and writes
//! the test. Both report a mistake as a `compile_error!` at the tokens to change.

use proc_macro::TokenStream;

mod args;
mod expand;

/// Gives an async test a populated database of its own, the way `#[sqlx::test]` gives it a
/// fresh one: fixtura's cached data for the spec, in a copy made for this test.
///
/// ```ignore
/// #[fixtura::test(spec = "schema/welfare.toml")]
/// async fn offices_have_staff(pool: sqlx::PgPool) -> fixtura::Result<()> {
///     let offices: i64 = sqlx::query_scalar("SELECT count(*) FROM offices")
///         .fetch_one(&pool)
///         .await
///         .unwrap();
///     assert_eq!(offices, 100);
///     Ok(())
/// }
/// ```
///
/// The function is an `async fn` with zero or one parameter — the pool: `sqlx::PgPool`,
/// `sqlx::MySqlPool`, `sqlx::SqlitePool` or `fixtura::Db` (any type implementing
/// `fixtura::Pool`) — returning `()` or a `Result` (any `fixtura::Outcome`). It becomes a
/// plain `#[test] fn` that, on a current-thread tokio runtime of fixtura's (no tokio macros
/// needed), does what `fixtura::TestDb::builder(spec)...ensure()` does: generates the spec's
/// rows once and caches them, copies them for this test, and calls the function with the
/// copy's pool. Then:
///
/// - the test passed (returned `()` or `Ok`): the copy is dropped; failing to drop it fails
///   the test;
/// - it returned `Err`: the copy is kept, its URL printed, and the `Err` returned;
/// - it panicked: the copy is kept and its URL printed (`fixtura gc` drops it later);
/// - under `#[should_panic]` the other way round: a panic passes the test and drops the
///   copy, returning fails it and keeps the copy.
///
/// Making the copy fails the test with fixtura's error (say, a server that is down).
/// Attributes on the function — `#[ignore]`, `#[should_panic]`, doc comments — go to the
/// test; it must carry no other test attribute (`#[test]`, `#[tokio::test]`).
///
/// # Arguments
///
/// | argument | value | default |
/// |---|---|---|
/// | `spec = "path"` | the spec file; a relative path is relative to the crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`), so `cargo test` and `cargo nextest` find it alike | required |
/// | `database_url = <expr>` | the database to copy (your schema, migrated): any value that is `AsRef<str>` | `DATABASE_URL` |
/// | `store = <expr>` | the snapshot store: any value that is `AsRef<Path>` | `FIXTURA_STORE`, else `./snapshots` |
/// | `seed = <int>` | overrides the spec's seed | the spec's |
/// | `scale = <float>` | multiplies the spec's row counts | `1.0` |
///
/// `database_url` and `store` are evaluated first thing in the test's async body, so
/// `.await` and `?` work in them, and their values live until the test is over: after the
/// copy is closed (or kept) they are dropped. A guard that owns a scratch database and drops
/// it on `Drop` can be handed over as it is:
///
/// ```ignore
/// #[fixtura::test(
///     spec = "schema/welfare.toml",
///     database_url = ScratchDb::with_schema("schema/welfare.postgres.sql").await, // AsRef<str>
///     store = tempfile::tempdir().unwrap(),                                      // AsRef<Path>
///     scale = 0.1,
/// )]
/// async fn recipients_have_a_plan(db: fixtura::Db) -> fixtura::Result<()> { /* ... */ Ok(()) }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    match expand::expand(args.into(), item.clone()) {
        Ok(test) => test.into(),
        // The item as it was beside the error, so the rest of the file still compiles and the
        // error is what the build reports.
        Err(err) => {
            let error = err.to_compile_error();
            quote::quote!(#error #item).into()
        }
    }
}
