//! Progress events from long work (generate, snapshot create and restore), for the CLI's
//! progress bars; the library itself never draws anything.

/// Hears about progress.
pub trait Observer: Send + Sync {
    fn table_started(&self, _table: &str, _rows: u64) {}
    fn rows_written(&self, _table: &str, _rows: u64) {}
    fn table_finished(&self, _table: &str, _rows: u64, _seconds: f64) {}
    /// A step besides tables: "checking foreign keys", "verifying checksums", ...
    fn step(&self, _what: &str) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}
