//! The snapshot manifest (`manifest.json`): what a snapshot holds and how to check it.
//! The format is documented in `docs/SNAPSHOT-FORMAT.md`; `FORMAT_VERSION` changes with any
//! change a reader could trip on.

use serde::{Deserialize, Serialize};

use crate::db::Backend;
use crate::schema::{ColumnType, QualifiedName, Schema, Table};

/// The version of the snapshot format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A snapshot's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// The snapshot's name.
    pub name: String,
    #[serde(default)]
    /// What the snapshot is for, as given when it was made.
    pub description: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The fixtura version that wrote it.
    pub tool_version: String,
    /// The database it was made from.
    pub source: Source,
    /// blake3 of the introspected schema of the snapshot's tables (see `fingerprint`).
    pub schema_fingerprint: String,
    /// Which rows it holds.
    pub selection: Selection,
    /// Set when `fixtura ensure` made the snapshot: what it is the cached result of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheEntry>,
    /// Tables in insert order.
    pub tables: Vec<TableEntry>,
    /// Total rows and compressed bytes.
    pub rows: u64,
    /// Compressed bytes of every table file.
    pub bytes: u64,
    /// blake3 of this manifest serialized with `checksum` empty: a tampered manifest fails.
    pub checksum: String,
}

/// Where the rows came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The backend.
    pub backend: Backend,
    /// The server's version string.
    pub server_version: String,
}

/// Which rows were taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// The flag column.
    pub flag: String,
    /// Whether the rows the flagged rows reference were added, transitively.
    pub with_parents: bool,
    /// Extra `--where TABLE:SQL` filters.
    #[serde(default)]
    pub filters: Vec<Filter>,
    /// Every row of every table was taken (`snapshot create --all`): a restore cleans by
    /// emptying the tables, or finds them empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Tables without the flag column whose every row was taken: those `ensure` generated
    /// into while they were empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub whole: Vec<String>,
}

/// What an `ensure` snapshot caches: the spec's rows for one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// The full cache key (64 hex digits); the snapshot's name ends with its first 16.
    pub key: String,
    /// The snapshot name without the key (`ensure --name`, else the spec file's stem).
    pub name: String,
    /// The spec file, as given (for people; the key covers its content, not its path).
    pub spec: String,
    /// The seed in effect.
    pub seed: u64,
    /// The scale.
    pub scale: f64,
}

/// One `--where TABLE:SQL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// The table, as written (`offices`, `crm.contacts`).
    pub table: String,
    /// A SQL boolean expression over the table aliased `t`.
    pub sql: String,
}

/// One table's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    /// The table.
    pub name: QualifiedName,
    /// The name as written to a person (unqualified in the default schema).
    pub display_name: String,
    /// Columns in the order of each row's array (generated columns are not stored).
    pub columns: Vec<ColumnEntry>,
    /// The flag column, when the table has one.
    pub flag_column: Option<String>,
    /// Rows in the file.
    pub rows: u64,
    /// File name inside the snapshot directory: `<schema>.<table>.jsonl.zst`.
    pub file: String,
    /// Compressed size.
    pub bytes: u64,
    /// blake3 of the compressed file, hex.
    pub checksum: String,
}

/// One stored column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnEntry {
    /// The column.
    pub name: String,
    /// The type as the backend spells it.
    pub type_name: String,
    /// The type, classified.
    pub column_type: ColumnType,
    /// Whether it accepts NULL.
    pub nullable: bool,
}

impl Manifest {
    /// The manifest's own checksum: blake3 of its JSON with `checksum` empty.
    pub(crate) fn compute_checksum(&self) -> String {
        let mut copy = self.clone();
        copy.checksum = String::new();
        let json = serde_json::to_vec(&copy).expect("BUG: a manifest always serializes");
        blake3::hash(&json).to_hex().to_string()
    }

    /// Sets `checksum`.
    pub(crate) fn seal(&mut self) {
        self.checksum = self.compute_checksum();
    }

    /// The entry of table `name`.
    pub fn table(&self, name: &QualifiedName) -> Option<&TableEntry> {
        self.tables.iter().find(|t| &t.name == name)
    }
}

/// The file name of a table's rows. Characters that do not belong in a file name are
/// replaced, so any identifier gives a portable name.
pub(crate) fn file_name(name: &QualifiedName) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let (schema, table) = (clean(&name.schema), clean(&name.name));
    if schema == name.schema && table == name.name {
        format!("{schema}.{table}.jsonl.zst")
    } else {
        // Replaced characters could make two names meet (`order items`, `order_items`):
        // a short hash of the exact name keeps them apart.
        let hash = blake3::hash(format!("{}\u{0}{}", name.schema, name.name).as_bytes()).to_hex();
        format!("{schema}.{table}-{}.jsonl.zst", &hash[..8])
    }
}

/// A fingerprint of the schema of `tables`: blake3 over the canonical JSON of each table's
/// name (as a person writes it), columns (name, type as classified, nullability, generated),
/// keys and foreign keys. Server version, defaults' spelling and table order do not enter.
pub(crate) fn fingerprint(schema: &Schema, tables: &[&Table]) -> String {
    #[derive(Serialize)]
    struct Shape<'a> {
        name: String,
        columns: Vec<(&'a str, &'a ColumnType, bool, bool)>,
        primary_key: Option<&'a Vec<String>>,
        unique: Vec<&'a Vec<String>>,
        foreign_keys: Vec<(&'a Vec<String>, String, &'a Vec<String>)>,
    }
    let mut shapes: Vec<Shape> = tables
        .iter()
        .map(|t| Shape {
            name: schema.display_name(&t.name),
            columns: t
                .columns
                .iter()
                .map(|c| {
                    (
                        c.name.as_str(),
                        &c.column_type,
                        c.nullable,
                        c.generated.is_some(),
                    )
                })
                .collect(),
            primary_key: t.primary_key.as_ref().map(|k| &k.columns),
            unique: t.unique.iter().map(|k| &k.columns).collect(),
            foreign_keys: t
                .foreign_keys
                .iter()
                .map(|f| {
                    (
                        &f.columns,
                        schema.display_name(&f.referenced_table),
                        &f.referenced_columns,
                    )
                })
                .collect(),
        })
        .collect();
    shapes.sort_by(|a, b| a.name.cmp(&b.name));
    let json = serde_json::to_vec(&shapes).expect("BUG: a schema shape always serializes");
    blake3::hash(&json).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_portable_whatever_the_identifier() {
        assert_eq!(
            file_name(&QualifiedName::new("public", "order")),
            "public.order.jsonl.zst"
        );
        let odd = file_name(&QualifiedName::new("crm", "First/Name ü"));
        assert!(
            odd.starts_with("crm.First_Name_ü-") && odd.ends_with(".jsonl.zst"),
            "{odd}"
        );
        assert_ne!(
            file_name(&QualifiedName::new("public", "order items")),
            file_name(&QualifiedName::new("public", "order_items"))
        );
    }

    #[test]
    fn a_changed_manifest_no_longer_matches_its_checksum() {
        let mut m = Manifest {
            format_version: FORMAT_VERSION,
            name: "s".into(),
            description: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            tool_version: "0".into(),
            source: Source {
                backend: Backend::Sqlite,
                server_version: "3".into(),
            },
            schema_fingerprint: "f".into(),
            selection: Selection {
                flag: "is_test_data".into(),
                with_parents: false,
                filters: vec![],
                all: false,
                whole: vec![],
            },
            cache: None,
            tables: vec![],
            rows: 3,
            bytes: 10,
            checksum: String::new(),
        };
        m.seal();
        assert_eq!(m.checksum, m.compute_checksum());
        m.rows = 4;
        assert_ne!(m.checksum, m.compute_checksum());
    }

    #[test]
    fn a_flagged_selection_serializes_as_before_so_older_manifests_keep_their_checksum() {
        let older = r#"{"flag":"is_test_data","with_parents":true,"filters":[]}"#;
        let selection: Selection = serde_json::from_str(older).unwrap();
        assert!(!selection.all && selection.whole.is_empty());
        assert_eq!(serde_json::to_string(&selection).unwrap(), older);
        let all = Selection {
            all: true,
            whole: vec!["notes".into()],
            ..selection
        };
        let json = serde_json::to_string(&all).unwrap();
        assert!(
            json.contains(r#""all":true"#) && json.contains(r#""whole":["notes"]"#),
            "{json}"
        );
    }
}
