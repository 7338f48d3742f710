//! The names of fixtura's copies: who asks for one ([`Identity`]: the CI run and the
//! worker), the name parts made of them, the names of templates, worker copies and scratch
//! copies, and reading a name back ([`Made::from_name`]) so `gc` takes for its own only
//! names of exactly that shape. Names stay within PostgreSQL's 63 bytes.

use std::time::Duration;

use serde::Serialize;

use super::{Kind, Marker};

/// The longest part a run or worker id keeps in a name; longer ones are hashed.
pub(super) const ID_PART: usize = 10;

/// Who is asking for a copy: the CI run and the worker within it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The CI run, as a part of a database name.
    pub(crate) run: String,
    /// The worker within the run, as a part of a database name.
    pub(crate) worker: String,
}

impl Identity {
    /// The CI run, as a part of a database name.
    pub fn run(&self) -> &str {
        &self.run
    }

    /// The worker within the run, as a part of a database name.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// The given ids, else the usual environment: the worker from
    /// `NEXTEST_TEST_GLOBAL_SLOT`, `PYTEST_XDIST_WORKER` or `JEST_WORKER_ID`, else the
    /// process id; the run from `FIXTURA_RUN_ID`, else the CI system's job ids (GitHub
    /// Actions, GitLab, Buildkite, Jenkins, CircleCI), else nextest's run id, else the parent
    /// process id (so repeated calls from one test runner reuse their copy, and two runners
    /// never share one).
    pub fn new(run: Option<&str>, worker: Option<&str>) -> Identity {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let worker = worker
            .map(str::to_string)
            .or_else(|| env("NEXTEST_TEST_GLOBAL_SLOT"))
            .or_else(|| env("PYTEST_XDIST_WORKER"))
            .or_else(|| env("JEST_WORKER_ID"))
            .unwrap_or_else(|| format!("p{}", std::process::id()));
        let run = run
            .map(str::to_string)
            .or_else(|| env("FIXTURA_RUN_ID"))
            .or_else(|| {
                const CI_IDS: [&str; 10] = [
                    "GITHUB_RUN_ID",
                    "GITHUB_RUN_ATTEMPT",
                    "GITHUB_JOB",
                    "RUNNER_NAME",
                    "CI_JOB_ID",
                    "BUILDKITE_JOB_ID",
                    "BUILD_TAG",
                    "EXECUTOR_NUMBER",
                    "CIRCLE_WORKFLOW_JOB_ID",
                    "CIRCLE_NODE_INDEX",
                ];
                let found: Vec<String> = CI_IDS
                    .iter()
                    .filter_map(|name| env(name).map(|v| format!("{name}={v}")))
                    .collect();
                (!found.is_empty()).then(|| found.join("\n"))
            });
        let run = run
            .or_else(|| env("NEXTEST_RUN_ID"))
            .unwrap_or_else(parent_process);
        Identity {
            run: name_part(&run),
            worker: name_part(&worker),
        }
    }
}

/// The parent process's id, where the platform tells it (else this process's).
fn parent_process() -> String {
    #[cfg(unix)]
    let id = std::os::unix::process::parent_id();
    #[cfg(not(unix))]
    let id = std::process::id();
    format!("p{id}")
}

/// An id as a name part: lower-case letters and digits, at most [`ID_PART`] of them; an
/// id that does not fit is replaced by a hash of it, so different ids stay different.
pub(crate) fn name_part(id: &str) -> String {
    let clean: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if !clean.is_empty() && clean.len() <= ID_PART && clean == id {
        clean
    } else {
        blake3::hash(id.as_bytes()).to_hex()[..ID_PART].to_string()
    }
}

/// Six hex digits naming the source database, so two databases with the same schema and
/// spec (and so the same key) never share a template.
pub(crate) fn source_tag(source: &str) -> String {
    blake3::hash(source.as_bytes()).to_hex()[..6].to_string()
}

/// A hex-digit tag for a scratch copy: unique per process and moment.
pub(super) fn scratch_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    blake3::hash(format!("{}-{nanos}", std::process::id()).as_bytes()).to_hex()[..8].to_string()
}

/// A database (or file) fixtura made, as found on the server.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Made {
    pub name: String,
    pub kind: Kind,
    /// The cache key's first 16 hex digits (or the snapshot's id).
    pub id: String,
    /// The tag of the database it was copied from.
    pub source: String,
    /// How long ago it was made, when known.
    #[serde(skip)]
    pub age: Option<Duration>,
    pub run: Option<String>,
}

impl Made {
    /// Reads a database name of fixtura's exact shape (`fixtura_t_<id>_<source>`,
    /// `fixtura_w_<id>_<source>_<run>_<worker>`, `fixtura_s_<id>_<source>_<tag>`), with its
    /// marker where the server keeps one; `None` for any other name, or a marker that
    /// disagrees with the name.
    pub(crate) fn from_name(name: &str, marker: Option<&Marker>) -> Option<Made> {
        let rest = name.strip_prefix("fixtura_")?;
        let parts: Vec<&str> = rest.split('_').collect();
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        let id_part = |s: &str| {
            !s.is_empty() && s.len() <= ID_PART && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        let (kind, run) = match parts.as_slice() {
            ["t", id, source] if hex(id, 16) && hex(source, 6) => (Kind::Template, None),
            ["w", id, source, run, worker]
                if hex(id, 16) && hex(source, 6) && id_part(run) && id_part(worker) =>
            {
                (Kind::Clone, Some(run.to_string()))
            }
            ["s", id, source, tag] if hex(id, 16) && hex(source, 6) && hex(tag, 8) => {
                (Kind::Scratch, None)
            }
            _ => return None,
        };
        let id = parts[1].to_string();
        if let Some(marker) = marker
            && marker.id != id
        {
            return None;
        }
        Some(Made {
            name: name.to_string(),
            // A scratch database is renamed into a template once marked as one.
            kind: marker.map_or(kind, |m| m.kind),
            id,
            source: parts[2].to_string(),
            age: marker.and_then(Marker::age),
            run,
        })
    }
}

/// The id of the copies `snapshot restore --isolate` makes of `manifest` for a target whose
/// schema has `fingerprint`: a template holds the target's tables as well as the snapshot's
/// rows, so a migrated target gets a template of its own.
pub(crate) fn snapshot_template_id(
    manifest: &crate::snapshot::Manifest,
    fingerprint: &str,
) -> String {
    let id = blake3::hash(format!("{}\u{0}{fingerprint}", manifest.checksum).as_bytes());
    id.to_hex()[..16].to_string()
}

/// The template database of `id` copied from `source`.
pub(super) fn template_name(id: &str, source: &str) -> String {
    format!("fixtura_t_{id}_{}", source_tag(source))
}

/// A worker's database.
pub(super) fn clone_name(id: &str, source: &str, identity: &Identity) -> String {
    format!(
        "fixtura_w_{id}_{}_{}_{}",
        source_tag(source),
        identity.run,
        identity.worker
    )
}

/// A scratch database, unique to this process and moment.
pub(super) fn scratch_name(id: &str, source: &str) -> String {
    format!("fixtura_s_{id}_{}_{}", source_tag(source), scratch_tag())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_short_lowercase_name_parts_and_long_ones_are_hashed() {
        assert_eq!(name_part("3"), "3");
        assert_eq!(name_part("gw12"), "gw12");
        let long = name_part("0f7c2c9e-1d2b-4b7e-9a4e-5c2f8f9a1b2c");
        assert_eq!(long.len(), ID_PART);
        assert!(long.chars().all(|c| c.is_ascii_hexdigit()));
        // Cleaning never merges two ids: "A" and "a" differ, so one of them is hashed.
        assert_ne!(name_part("A"), name_part("a"));
        assert_ne!(name_part("a-1"), name_part("a1"));
    }

    #[test]
    fn a_given_worker_and_run_win_over_the_environment() {
        let identity = Identity::new(Some("run7"), Some("w3"));
        assert_eq!(identity.run, "run7");
        assert_eq!(identity.worker, "w3");
    }

    #[test]
    fn names_stay_within_63_bytes_and_read_back() {
        let identity = Identity::new(Some("0f7c2c9e-1d2b-4b7e-9a4e-5c2f8f9a1b2c"), Some("12"));
        let id = "0123456789abcdef";
        let source = "a_rather_long_application_database_name_for_tests";
        for name in [
            template_name(id, source),
            clone_name(id, source, &identity),
            scratch_name(id, source),
        ] {
            assert!(name.len() <= 63, "{name}");
            let made = Made::from_name(&name, None).unwrap();
            assert_eq!(made.id, id);
            assert_eq!(made.source, source_tag(source));
        }
        let clone = Made::from_name(&clone_name(id, source, &identity), None).unwrap();
        assert_eq!(clone.kind, Kind::Clone);
        assert_eq!(clone.run.as_deref(), Some(identity.run.as_str()));
    }

    #[test]
    fn only_names_of_fixturas_exact_shape_are_taken_for_its_own() {
        for not_ours in [
            "fixtura",
            "fixtura_prod",
            "fixtura_w_0123456789abcdef",
            "fixtura_w_0123456789abcdeg_a1b2c3_r_1",
            "fixtura_t_0123456789abcdef_a1b2c3_x",
            "fixtura_w_0123456789abcdef_a1b2c3_run7_3_extra",
            "app_fixtura_w_0123456789abcdef_a1b2c3_r_1",
        ] {
            assert!(Made::from_name(not_ours, None).is_none(), "{not_ours}");
        }
        let marker = Marker::new(Kind::Template, "ffffffffffffffff", "x", None);
        assert!(
            Made::from_name("fixtura_t_0123456789abcdef_a1b2c3", Some(&marker)).is_none(),
            "a marker for another id is not this database's"
        );
    }
}
