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

use super::isolate::{Kind, Made, Server, snapshot_template_id};
use super::{CacheError, lock};
use crate::snapshot::{Manifest, Store, StoreError, store};

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
    /// Of those, the ones that would have gone but are in use (a session on the database, a
    /// process reading the snapshot).
    pub in_use: Vec<String>,
}

/// Collects.
pub async fn gc(options: &GcOptions) -> Result<GcReport, CacheError> {
    let mut report = GcReport {
        dry_run: options.dry_run,
        collected: Vec::new(),
        kept: 0,
        in_use: Vec::new(),
    };
    let manifests: Vec<Manifest> = options
        .store
        .list()?
        .into_iter()
        .filter_map(|(_, m)| m.ok())
        .collect();
    // The target's schema, for the ids of `snapshot restore --isolate` templates (which
    // cover the target's schema as well as the snapshot).
    let target = match &options.url {
        Some(url) => {
            let db = crate::db::connect(url).await?;
            let fingerprint = super::schema_fingerprint(&db, &options.flag).await;
            db.close().await;
            Some((url, fingerprint?))
        }
        None => None,
    };

    // Snapshots `ensure` made: the newest `keep` of each (name, spec, backend, seed, scale)
    // stay; every other snapshot stays.
    let mut groups: BTreeMap<String, Vec<&Manifest>> = BTreeMap::new();
    let mut live_ids: HashSet<String> = HashSet::new();
    for manifest in &manifests {
        match &manifest.cache {
            Some(cache) => groups
                .entry(format!(
                    "{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{}",
                    cache.name, cache.spec, manifest.source.backend, cache.seed, cache.scale
                ))
                .or_default()
                .push(manifest),
            None => {
                if let Some((_, fingerprint)) = &target {
                    live_ids.insert(snapshot_template_id(manifest, fingerprint));
                }
                report.kept += 1;
            }
        }
    }
    for mut group in groups.into_values() {
        group.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        for (i, manifest) in group.into_iter().enumerate() {
            let cache = manifest
                .cache
                .as_ref()
                .expect("BUG: grouped by its cache entry");
            if i < options.keep {
                live_ids.insert(cache.key.get(..16).unwrap_or(&cache.key).to_string());
                report.kept += 1;
                continue;
            }
            if !options.dry_run {
                // Not while a process reads it (or builds it again).
                let Some(_lock) = lock::try_lock(&options.store.dir, &manifest.name)? else {
                    report.kept += 1;
                    report.in_use.push(manifest.name.clone());
                    continue;
                };
                match options.store.delete(&manifest.name) {
                    Ok(()) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            report.collected.push(Collected {
                kind: "snapshot",
                name: manifest.name.clone(),
                reason: format!(
                    "older than the {} newest cached snapshot{} of {} (seed {}, scale {})",
                    options.keep,
                    if options.keep == 1 { "" } else { "s" },
                    cache.spec,
                    cache.seed,
                    cache.scale
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
                match fs::remove_dir_all(entry.path()) {
                    Ok(()) => {}
                    // Another cleaner (or the delete that left it) got there first.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(CacheError::Io {
                            action: "cannot remove",
                            path: entry.path().display().to_string(),
                            source: e,
                        });
                    }
                }
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

    // Copies on the server (or beside the SQLite file). A key is stale only against a store
    // that has snapshots: an empty or wrong store says nothing about what is in use.
    if let Some((url, _)) = target {
        let live_ids = (!manifests.is_empty()).then_some(&live_ids);
        let mut server = Server::open(url, &options.flag).await?;
        let result = async {
            let source = server.source_tag();
            for made in server.made_by_fixtura().await? {
                if made.source != source {
                    continue; // another database's copies
                }
                let Some(reason) = verdict(&made, live_ids, options) else {
                    report.kept += 1;
                    continue;
                };
                if !options.dry_run && !server.collect(&made).await? {
                    report.kept += 1;
                    report.in_use.push(made.name.clone());
                    continue;
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
            Ok::<(), CacheError>(())
        }
        .await;
        server.close().await;
        result?;
    }
    Ok(report)
}

/// Why `made` should go, or `None` to keep it.
/// `live_ids`: the ids the store's snapshots give, or `None` when the store has none.
fn verdict(made: &Made, live_ids: Option<&HashSet<String>>, options: &GcOptions) -> Option<String> {
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
        Kind::Template | Kind::Clone if live_ids.is_some_and(|live| !live.contains(&made.id)) => {
            Some(format!(
                "its key {} is stale: no snapshot in the store has it",
                made.id
            ))
        }
        _ if old => Some(format!(
            "older than {} ({} old)",
            human(options.older_than),
            made.age.map(human).unwrap_or_default()
        )),
        _ => None,
    }
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
    let invalid = || format!("\"{text}\" is not a duration like 90s, 30m, 24h or 7d");
    let n: u64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(invalid()),
    };
    n.checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(invalid)
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
        assert!(verdict(&made(Kind::Template, "gone", 1, None), Some(&live), &o).is_some());
        assert!(verdict(&made(Kind::Clone, "gone", 1, Some("r")), Some(&live), &o).is_some());
        assert!(verdict(&made(Kind::Template, "live", 1, None), Some(&live), &o).is_none());
        assert!(verdict(&made(Kind::Template, "live", 7200, None), Some(&live), &o).is_some());
        assert!(verdict(&made(Kind::Scratch, "gone", 1, None), Some(&live), &o).is_none());
        assert!(verdict(&made(Kind::Scratch, "gone", 7200, None), Some(&live), &o).is_some());
        let ending_run = GcOptions {
            run: Some("r".into()),
            ..options()
        };
        assert!(
            verdict(
                &made(Kind::Clone, "live", 1, Some("r")),
                Some(&live),
                &ending_run
            )
            .is_some()
        );
        assert!(
            verdict(
                &made(Kind::Clone, "live", 1, Some("q")),
                Some(&live),
                &ending_run
            )
            .is_none()
        );
        // An empty store knows no keys: nothing is stale by key, only by age.
        assert!(verdict(&made(Kind::Template, "gone", 1, None), None, &o).is_none());
        assert!(verdict(&made(Kind::Template, "gone", 7200, None), None, &o).is_some());
    }

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(
            parse_duration("99999999999999999d").is_err(),
            "too long is an error, not a wrap"
        );
    }
}
