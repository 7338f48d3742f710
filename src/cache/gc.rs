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

use super::isolate::name_part;
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
    /// The snapshot store to collect in.
    pub store: Store,
    /// The flag column (MySQL copies need it to be opened; it changes nothing here).
    pub flag: String,
    /// Copies and templates older than this go.
    pub older_than: Duration,
    /// Cached snapshots kept per name (the newest).
    pub keep: usize,
    /// Worker copies of this run go, whatever their age (end-of-job cleanup): a run id as
    /// given to `ensure` (`--run-id`), or [`Identity::new`](super::Identity::new)'s `run`.
    pub run: Option<String>,
    /// Only say what would go.
    pub dry_run: bool,
}

/// One thing removed (or, in a dry run, to be removed).
#[derive(Debug, Clone, Serialize)]
pub struct Collected {
    /// `template`, `clone`, `scratch`, `snapshot` or `temporary`.
    pub kind: &'static str,
    /// The database, file or snapshot.
    pub name: String,
    /// Why it goes.
    pub reason: String,
}

/// What a gc did.
#[derive(Debug, Clone, Serialize)]
pub struct GcReport {
    /// Whether this was a dry run (nothing removed).
    pub dry_run: bool,
    /// What went (or would go).
    pub collected: Vec<Collected>,
    /// Databases, files and snapshots of fixtura's that stay.
    pub kept: usize,
    /// Of those, the ones that would have gone but are in use (a session on the database, a
    /// process reading the snapshot).
    pub in_use: Vec<String>,
}

/// Collects: the store's snapshots, then its temporary directories, then the copies on
/// the target's server.
pub(crate) async fn gc(options: &GcOptions) -> Result<GcReport, CacheError> {
    let mut report = GcReport {
        dry_run: options.dry_run,
        collected: Vec::new(),
        kept: 0,
        in_use: Vec::new(),
    };
    let manifests: Vec<Manifest> = options
        .store
        .read_all()?
        .into_iter()
        .filter_map(|(_, m)| m.ok())
        .collect();
    let target = target_fingerprint(options).await?;
    let fingerprint = target.as_ref().map(|(_, fingerprint)| fingerprint.as_str());
    let live_ids = collect_snapshots(options, &manifests, fingerprint, &mut report)?;
    collect_temporaries(options, &mut report)?;
    // A key is stale only against a store that has snapshots: an empty or wrong store says
    // nothing about what is in use.
    if let Some((url, _)) = target {
        let live_ids = (!manifests.is_empty()).then_some(&live_ids);
        collect_copies(url, live_ids, options, &mut report).await?;
    }
    Ok(report)
}

/// The target's URL and schema fingerprint, for the ids of `snapshot restore --isolate`
/// templates (which cover the target's schema as well as the snapshot); `None` without a
/// target.
async fn target_fingerprint(options: &GcOptions) -> Result<Option<(&str, String)>, CacheError> {
    Ok(match &options.url {
        Some(url) => {
            let db = crate::db::connect(url).await?;
            let fingerprint = super::schema_fingerprint(&db, &options.flag).await;
            db.close().await;
            Some((url.as_str(), fingerprint?))
        }
        None => None,
    })
}

/// Snapshots `ensure` made: the newest `keep` of each (name, spec, backend, seed, scale)
/// stay; every other snapshot stays. Returns the ids of the copies the snapshots that stay
/// still serve (with `fingerprint`, those of `snapshot restore --isolate` too).
fn collect_snapshots(
    options: &GcOptions,
    manifests: &[Manifest],
    fingerprint: Option<&str>,
    report: &mut GcReport,
) -> Result<HashSet<String>, CacheError> {
    let mut groups: BTreeMap<String, Vec<&Manifest>> = BTreeMap::new();
    let mut live_ids: HashSet<String> = HashSet::new();
    for manifest in manifests {
        match &manifest.cache {
            Some(cache) => groups
                .entry(format!(
                    "{}\u{0}{}\u{0}{:?}\u{0}{}\u{0}{}",
                    cache.name, cache.spec, manifest.source.backend, cache.seed, cache.scale
                ))
                .or_default()
                .push(manifest),
            None => {
                if let Some(fingerprint) = fingerprint {
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
            if !options.dry_run && !remove_snapshot(&options.store, &manifest.name)? {
                report.kept += 1;
                report.in_use.push(manifest.name.clone());
                continue;
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
    Ok(live_ids)
}

/// Removes the snapshot `name`, unless a process reads it (or builds it again): `false`
/// then. A snapshot already gone counts as removed.
fn remove_snapshot(store: &Store, name: &str) -> Result<bool, CacheError> {
    let Some(_lock) = lock::try_lock(&store.dir, name)? else {
        return Ok(false);
    };
    match store.remove(name) {
        Ok(()) | Err(StoreError::NotFound { .. }) => Ok(true),
        Err(e) => Err(e.into()),
    }
}

/// Temporary directories of interrupted writes and deletes.
fn collect_temporaries(options: &GcOptions, report: &mut GcReport) -> Result<(), CacheError> {
    let Ok(entries) = fs::read_dir(&options.store.dir) else {
        return Ok(());
    };
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
    Ok(())
}

/// Copies on the target's server (or beside the SQLite file) made from the target.
/// `live_ids`: the ids the store's snapshots give, or `None` when the store has none.
async fn collect_copies(
    url: &str,
    live_ids: Option<&HashSet<String>>,
    options: &GcOptions,
    report: &mut GcReport,
) -> Result<(), CacheError> {
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
    result
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
                .is_some_and(|run| made.run.as_deref() == Some(name_part(run).as_str())) =>
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
}
