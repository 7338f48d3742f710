//! Progress bars for long commands: one per table with rows/s, on a terminal only.

use std::sync::Mutex;

use fixtura::progress::Observer;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// Progress bars on a terminal, one per table; nothing otherwise.
pub struct Bars {
    multi: Option<MultiProgress>,
    bars: Mutex<Vec<(String, ProgressBar)>>,
}

impl Bars {
    pub fn new(enabled: bool) -> Bars {
        Bars {
            multi: enabled.then(MultiProgress::new),
            bars: Mutex::new(Vec::new()),
        }
    }

    pub fn clear(&self) {
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }

    fn with_bar(&self, table: &str, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bars) = self.bars.lock()
            && let Some((_, bar)) = bars.iter().find(|(name, _)| name == table)
        {
            f(bar);
        }
    }
}

impl Observer for Bars {
    fn table_started(&self, table: &str, rows: u64) {
        let Some(multi) = &self.multi else { return };
        let bar = multi.add(ProgressBar::new(rows));
        let style = ProgressStyle::with_template(
            "{prefix:>28} {bar:30} {pos:>9}/{len:9} {per_sec:>14} {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(table.to_string());
        if let Ok(mut bars) = self.bars.lock() {
            bars.push((table.to_string(), bar));
        }
    }

    fn rows_written(&self, table: &str, rows: u64) {
        self.with_bar(table, |bar| bar.inc(rows));
    }

    fn table_finished(&self, table: &str, _rows: u64, _seconds: f64) {
        self.with_bar(table, ProgressBar::finish);
    }

    fn step(&self, what: &str) {
        if let Some(multi) = &self.multi {
            let _ = multi.println(format!("  {what} ..."));
        }
    }

    /// Said before writing, terminal or not: what will fire, what cannot roll back.
    fn note(&self, what: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(format!("note: {what}"));
            }
            None => eprintln!("note: {what}"),
        }
    }
}
