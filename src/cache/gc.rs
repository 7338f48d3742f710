//! `fixtura gc`: drops what the cache no longer needs — worker copies and templates whose
//! key is stale (no snapshot in the store has it) or that are older than a TTL, scratch
//! copies left by killed processes, cached snapshots beyond the newest few per name, and
//! temporary directories of interrupted writes. It never touches a database or file
//! fixtura did not make (`isolate::Made`: the marker and the exact name shape), nor a
//! snapshot `ensure` did not make.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::CacheError;
use super::isolate::{Kind, Made, Server};
use crate::snapshot::{Manifest, Store, store};

/// Temporary directories of writes that have not been touched for this long (or for
/// `--older-than`, if shorter) are left over from killed processes.
const STAGING_TTL: Duration = Duration::from_secs(3600);

/// What to collect.
#[derive(Debug, Clone)]
pub struct GcOptions {
    /// The target whose copies to look at (its server, or a SQLite file's directory);
    /// `None`: the store only.
    pub url: Option<String>,
    pub store: Store,
    /// The flag column (MySQL copies need it to be opened; it changes nothing here).
    pub flag: String,
    /// Copies and templates older than this go.
    pub older_than: Duration,
    /// Cached snapshots kept per name (the newest).
    pub keep: usize,
    /// Worker copies of this run go, whatever their age (end-of-job cleanup).
    pub run: Option<String>,
    /// Only say what would go.
    pub dry_run: bool,
}

/// One thing removed (or, in a dry run, to be removed).
#[derive(Debug, Clone, Serialize)]
pub struct Collected {
    /// `template`, `clone`, `scratch`, `snapshot` or `temporary`.
    pub kind: &'static str,
    pub name: String,
    pub reason: String,
}

/// What a gc did.
#[derive(Debug, Clone, Serialize)]
pub struct GcReport {
    pub dry_run: bool,
    pub collected: Vec<Collected>,
    /// Databases, files and snapshots of fixtura's that stay.
    pub kept: usize,
}

/// Collects.
pub async fn gc(options: &GcOptions) -> Result<GcReport, CacheError> {
    let mut report = GcReport {
        dry_run: options.dry_run,
        collected: Vec::new(),
        kept: 0,
    };

    // Snapshots: the newest `keep` per ensure name stay.
    let mut by_name: BTreeMap<String, Vec<Manifest>> = BTreeMap::new();
    let mut live_ids: HashSet<String> = HashSet::new();
    for (_, manifest) in options.store.list()? {
        let Ok(manifest) = manifest else { continue };
        match &manifest.cache {
            Some(cache) => by_name
                .entry(cache.name.clone())
                .or_default()
                .push(manifest),
            None => {
                live_ids.insert(snapshot_id(&manifest));
                report.kept += 1;
            }
        }
    }
    for (name, mut manifests) in by_name {
        manifests.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        for (i, manifest) in manifests.into_iter().enumerate() {
            if i < options.keep {
                live_ids.insert(snapshot_id(&manifest));
                if let Some(cache) = &manifest.cache {
                    live_ids.insert(cache.key[..16].to_string());
                }
                report.kept += 1;
                continue;
            }
            if !options.dry_run {
                options.store.delete(&manifest.name)?;
            }
            report.collected.push(Collected {
                kind: "snapshot",
                name: manifest.name.clone(),
                reason: format!(
                    "older than the {} newest cached snapshot{} of \"{name}\"",
                    options.keep,
                    if options.keep == 1 { "" } else { "s" }
                ),
            });
        }
    }

    // Temporary directories of interrupted writes and deletes.
    if let Ok(entries) = fs::read_dir(&options.store.dir) {
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().to_string();
            if !(file.starts_with(".tmp-") || file.starts_with(".deleting-")) {
                continue;
            }
            let idle = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or_default();
            // A write in progress holds its directory's lock; a dead writer's is free.
            let writing = file.starts_with(".tmp-") && !store::abandoned(&entry.path());
            if writing || idle < STAGING_TTL.min(options.older_than) {
                continue;
            }
            if !options.dry_run {
                fs::remove_dir_all(entry.path()).map_err(|e| CacheError::Io {
                    action: "cannot remove",
                    path: entry.path().display().to_string(),
                    source: e,
                })?;
            }
            report.collected.push(Collected {
                kind: "temporary",
                name: entry.path().display().to_string(),
                reason: format!(
                    "left by an interrupted write, untouched for {}",
                    human(idle)
                ),
            });
        }
    }

    // Copies on the server (or beside the SQLite file).
    if let Some(url) = &options.url {
        let mut server = Server::open(url, &options.flag).await?;
        let result = async {
            let source = server.source_tag();
            for made in server.made_by_fixtura().await? {
                if made.source != source {
                    continue; // another database's copies
                }
                match verdict(&made, &live_ids, options) {
                    Some(reason) => {
                        if !options.dry_run {
                            server.drop_made(&made).await?;
                        }
                        report.collected.push(Collected {
                            kind: match made.kind {
                                Kind::Template => "template",
                                Kind::Clone => "clone",
                                Kind::Scratch => "scratch",
                            },
                            name: made.name.clone(),
                            reason,
                        });
                    }
                    None => report.kept += 1,
                }
            }
            Ok::<(), CacheError>(())
        }
        .await;
        server.close().await;
        result?;
    }
    Ok(report)
}

/// Why `made` should go, or `None` to keep it.
fn verdict(made: &Made, live_ids: &HashSet<String>, options: &GcOptions) -> Option<String> {
    let old = made.age.is_some_and(|age| age > options.older_than);
    match made.kind {
        Kind::Clone
            if options
                .run
                .as_deref()
                .is_some_and(|run| made.run.as_deref() == Some(run)) =>
        {
            Some(format!(
                "a worker copy of run {}",
                made.run.as_deref().unwrap_or_default()
            ))
        }
        Kind::Template | Kind::Clone if !live_ids.contains(&made.id) => Some(format!(
            "its key {} is stale: no snapshot in the store has it",
            made.id
        )),
        _ if old => Some(format!(
            "older than {} ({} old)",
            human(options.older_than),
            made.age.map(human).unwrap_or_default()
        )),
        _ => None,
    }
}

/// The id a snapshot's copies carry when `snapshot restore --isolate` made them.
pub fn snapshot_id(manifest: &Manifest) -> String {
    manifest.checksum[..16.min(manifest.checksum.len())].to_string()
}

/// `3h`, `2d`, `45s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Reads a duration like `90s`, `30m`, `24h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration like 90s, 30m, 24h or 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "\"{text}\" is not a duration like 90s, 30m, 24h or 7d"
            ));
        }
    };
    Ok(Duration::from_secs(n * seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> GcOptions {
        GcOptions {
            url: None,
            store: Store::new("unused"),
            flag: "is_test_data".into(),
            older_than: Duration::from_secs(3600),
            keep: 2,
            run: None,
            dry_run: true,
        }
    }

    fn made(kind: Kind, id: &str, age: u64, run: Option<&str>) -> Made {
        Made {
            name: "fixtura_x".into(),
            kind,
            id: id.into(),
            source: "abcdef".into(),
            age: Some(Duration::from_secs(age)),
            run: run.map(str::to_string),
        }
    }

    #[test]
    fn stale_keys_old_copies_and_finished_runs_go_and_the_rest_stays() {
        let live: HashSet<String> = ["live".to_string()].into();
        let o = options();
        assert!(verdict(&made(Kind::Template, "gone", 1, None), &live, &o).is_some());
        assert!(verdict(&made(Kind::Clone, "gone", 1, Some("r")), &live, &o).is_some());
        assert!(verdict(&made(Kind::Template, "live", 1, None), &live, &o).is_none());
        assert!(verdict(&made(Kind::Template, "live", 7200, None), &live, &o).is_some());
        assert!(verdict(&made(Kind::Scratch, "gone", 1, None), &live, &o).is_none());
        assert!(verdict(&made(Kind::Scratch, "gone", 7200, None), &live, &o).is_some());
        let ending_run = GcOptions {
            run: Some("r".into()),
            ..options()
        };
        assert!(verdict(&made(Kind::Clone, "live", 1, Some("r")), &live, &ending_run).is_some());
        assert!(verdict(&made(Kind::Clone, "live", 1, Some("q")), &live, &ending_run).is_none());
    }

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
