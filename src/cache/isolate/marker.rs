//! The mark on every database fixtura makes (a database comment `fixtura {json}` on
//! PostgreSQL and MariaDB): what the copy is, of which data, copied from where, when and
//! for whom — so `fixtura gc` never drops a database it did not make, and can tell a stale
//! copy from a live one.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Identity;

/// What a database (or file) fixtura made is, recorded with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// Holds the data once; workers are copied from it.
    Template,
    /// One worker's copy.
    Clone,
    /// Being built (a copy of the target, being filled); promoted to a template or dropped.
    Scratch,
}

/// The marker a fixtura-made database carries (a database comment `fixtura {json}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Marker {
    pub kind: Kind,
    /// The cache key's first 16 hex digits (or a snapshot's id).
    pub id: String,
    /// The database it was copied from.
    pub source: String,
    /// RFC 3339.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
}

const MARKER_PREFIX: &str = "fixtura ";

impl Marker {
    pub(super) fn new(kind: Kind, id: &str, source: &str, identity: Option<&Identity>) -> Marker {
        Marker {
            kind,
            id: id.to_string(),
            source: source.to_string(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            run: identity.map(|i| i.run.clone()),
            worker: identity.map(|i| i.worker.clone()),
        }
    }

    /// The comment text.
    pub(crate) fn comment(&self) -> String {
        format!(
            "{MARKER_PREFIX}{}",
            serde_json::to_string(self).expect("BUG: a marker always serializes")
        )
    }

    /// Reads a comment; `None` when it is not a fixtura marker.
    pub(crate) fn parse(comment: &str) -> Option<Marker> {
        serde_json::from_str(comment.strip_prefix(MARKER_PREFIX)?).ok()
    }

    /// How long ago it was made.
    pub(crate) fn age(&self) -> Option<Duration> {
        let created = chrono::DateTime::parse_from_rfc3339(&self.created_at).ok()?;
        (chrono::Utc::now() - created.with_timezone(&chrono::Utc))
            .to_std()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_through_their_comment_and_others_are_not_ours() {
        let identity = Identity::new(Some("r"), Some("1"));
        let marker = Marker::new(Kind::Clone, "0123456789abcdef", "app_test", Some(&identity));
        let parsed = Marker::parse(&marker.comment()).unwrap();
        assert_eq!(parsed.kind, Kind::Clone);
        assert_eq!(parsed.id, "0123456789abcdef");
        assert_eq!(parsed.worker.as_deref(), Some("1"));
        assert!(parsed.age().unwrap() < Duration::from_secs(60));
        assert!(Marker::parse("the production database").is_none());
        assert!(Marker::parse("fixtura but not json").is_none());
    }
}
