//! Progress events from long work (generate, snapshot create and restore), for the CLI's
//! progress bars; the library itself never draws anything.

/// Hears about progress.
pub trait Observer: Send + Sync {
    /// Work on `table` (of `rows` rows) started.
    fn table_started(&self, _table: &str, _rows: u64) {}
    /// `rows` more rows of `table` were written.
    fn rows_written(&self, _table: &str, _rows: u64) {}
    /// `table` is done: `rows` rows in `seconds`.
    fn table_finished(&self, _table: &str, _rows: u64, _seconds: f64) {}
    /// A step besides tables: "checking foreign keys", "verifying checksums", ...
    fn step(&self, _what: &str) {}
    /// Something to know before the work goes on (triggers that will or will not fire,
    /// tables without transactions about to be written): said once, before writing.
    fn note(&self, _what: &str) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}
