//! Cache keys: what a cached dataset is a pure function of, hashed.
//!
//! A key is blake3 over canonical, length-prefixed fields: the spec as data (normalised,
//! not its file bytes, so whitespace, comments, key order and `a.b = 1` against `[a] b = 1`
//! do not count), the effective seed and scale, the schema fingerprint of the target
//! database, the backend and its major version, the snapshot format version, the RNG
//! algorithm and the tool version that made the rows. Never a path, host, timestamp or
//! worker count: two machines that would make the same rows get the same key, and
//! anything that could change a row changes it.

use crate::db::Backend;
use crate::snapshot::FORMAT_VERSION;

/// Bumped when the key's own layout changes.
const KEY_LAYOUT: &str = "fixtura cache key v1";

/// What a key is computed from.
#[derive(Debug, Clone)]
pub(crate) struct KeyInputs<'a> {
    /// The spec file's text (TOML).
    pub spec: &'a str,
    /// The seed in effect (the spec's, or `--seed`).
    pub seed: u64,
    pub scale: f64,
    /// [`crate::snapshot::manifest::fingerprint`] of the target database's tables.
    pub schema_fingerprint: &'a str,
    pub backend: Backend,
    /// The server's version string, of which only the major version counts.
    pub server_version: &'a str,
}

/// A cache key: 64 hex digits; names carry the first 16.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CacheKey(String);

impl CacheKey {
    /// The whole key (64 hex digits), as manifests record it.
    pub fn full(&self) -> &str {
        &self.0
    }

    /// The first 16 hex digits, as names carry it.
    pub fn short(&self) -> &str {
        &self.0[..16]
    }
}

impl std::fmt::Display for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The spec could not be read as TOML.
#[derive(Debug, thiserror::Error)]
#[error("the spec is not valid TOML: {0}")]
pub struct KeyError(String);

/// Computes the key of `inputs`.
pub(crate) fn cache_key(inputs: &KeyInputs<'_>) -> Result<CacheKey, KeyError> {
    let mut spec: toml::Table = toml::from_str(inputs.spec).map_err(|e| {
        KeyError(
            e.message()
                .trim()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
        )
    })?;
    // The seed in effect is its own field: `seed = 7` in the file and `--seed 7` are the
    // same rows.
    spec.remove("seed");
    let mut canonical = Vec::new();
    encode_table(&mut canonical, &spec);

    let mut hasher = blake3::Hasher::new();
    let mut field = |name: &str, value: &[u8]| {
        hasher.update(&(name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(&(value.len() as u64).to_le_bytes());
        hasher.update(value);
    };
    field("layout", KEY_LAYOUT.as_bytes());
    field("spec", &canonical);
    field("seed", &inputs.seed.to_le_bytes());
    field("scale", &canonical_float(inputs.scale).to_le_bytes());
    field("schema", inputs.schema_fingerprint.as_bytes());
    field("backend", backend_tag(inputs.backend).as_bytes());
    field(
        "server major version",
        major_version(inputs.backend, inputs.server_version).as_bytes(),
    );
    field("snapshot format", &FORMAT_VERSION.to_le_bytes());
    field("rng", crate::generate::rows::RNG_ALGORITHM.as_bytes());
    field("generator", env!("CARGO_PKG_VERSION").as_bytes());
    Ok(CacheKey(hasher.finalize().to_hex().to_string()))
}

fn backend_tag(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    }
}

/// The major version of a server: PostgreSQL `15.19 (Debian ...)` → `15` (`9.6.3` → `9.6`
/// before version 10); MySQL `8.0.36` → `8.0`, MariaDB `10.11.19-MariaDB-...` →
/// `mariadb 10.11` (both number their major series with two parts); SQLite `3.51.0` → `3`.
pub(crate) fn major_version(backend: Backend, version: &str) -> String {
    let numbers: Vec<&str> = version
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap_or_default()
        .split('.')
        .filter(|p| !p.is_empty())
        .collect();
    let first = numbers.first().copied().unwrap_or("0");
    let two = numbers
        .iter()
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join(".");
    match backend {
        Backend::Postgres if first.parse::<u32>().is_ok_and(|n| n >= 10) => first.to_string(),
        Backend::Postgres => two,
        Backend::MySql if version.to_ascii_lowercase().contains("mariadb") => {
            format!("mariadb {two}")
        }
        Backend::MySql => two,
        Backend::Sqlite => first.to_string(),
    }
}

/// The float's bits, with every NaN and both zeros made one.
fn canonical_float(f: f64) -> u64 {
    if f.is_nan() {
        f64::NAN.to_bits()
    } else if f == 0.0 {
        0
    } else {
        f.to_bits()
    }
}

// The canonical encoding: a tag byte, then a length or a fixed-size value; tables by sorted
// key. Unambiguous, so two different specs never encode alike.
fn encode_table(out: &mut Vec<u8>, table: &toml::Table) {
    out.push(b'T');
    out.extend_from_slice(&(table.len() as u64).to_le_bytes());
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    for key in keys {
        encode_str(out, key);
        encode_value(out, &table[key]);
    }
}

fn encode_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn encode_value(out: &mut Vec<u8>, value: &toml::Value) {
    match value {
        toml::Value::String(s) => {
            out.push(b'S');
            encode_str(out, s);
        }
        toml::Value::Integer(i) => {
            out.push(b'I');
            out.extend_from_slice(&i.to_le_bytes());
        }
        toml::Value::Float(f) => {
            out.push(b'F');
            out.extend_from_slice(&canonical_float(*f).to_le_bytes());
        }
        toml::Value::Boolean(b) => out.extend_from_slice(if *b { b"B1" } else { b"B0" }),
        toml::Value::Datetime(d) => {
            out.push(b'D');
            encode_str(out, &d.to_string());
        }
        toml::Value::Array(items) => {
            out.push(b'A');
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                encode_value(out, item);
            }
        }
        toml::Value::Table(table) => encode_table(out, table),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
seed = 42
locale = "ja_jp"

[tables.offices]
rows = 100
columns.name = { fake = "company_name" }

[tables.staffs]
rows = 1000
columns.email = { fake = "safe_email", unique = true }
columns.role = { one_of = ["owner", "manager"], weights = [1, 2] }
"#;

    fn inputs(spec: &str) -> KeyInputs<'_> {
        KeyInputs {
            spec,
            seed: 42,
            scale: 1.0,
            schema_fingerprint: "abc",
            backend: Backend::Postgres,
            server_version: "15.19 (Debian 15.19-0+deb12u1)",
        }
    }

    fn key(inputs: &KeyInputs<'_>) -> CacheKey {
        cache_key(inputs).unwrap()
    }

    #[test]
    fn whitespace_comments_key_order_and_table_syntax_do_not_change_the_key() {
        let reordered = r#"
# the same spec, written differently
locale = "ja_jp"   # Japanese
seed = 42
[tables.staffs]
columns.role = { weights = [1, 2], one_of = ["owner", "manager"] }
rows = 1000
[tables.staffs.columns.email]
unique = true
fake = "safe_email"

[tables.offices]
columns.name = { fake = "company_name" }
rows = 100
"#;
        assert_eq!(key(&inputs(SPEC)), key(&inputs(reordered)));
    }

    #[test]
    fn the_spec_the_seed_the_scale_and_the_schema_change_the_key() {
        let base = key(&inputs(SPEC));
        let changed_spec = SPEC.replace("rows = 100\n", "rows = 101\n");
        assert_ne!(base, key(&inputs(&changed_spec)));
        let changed_array = SPEC.replace("[1, 2]", "[2, 1]");
        assert_ne!(base, key(&inputs(&changed_array)));
        assert_ne!(
            base,
            key(&KeyInputs {
                seed: 43,
                ..inputs(SPEC)
            })
        );
        assert_ne!(
            base,
            key(&KeyInputs {
                scale: 2.0,
                ..inputs(SPEC)
            })
        );
        assert_ne!(
            base,
            key(&KeyInputs {
                schema_fingerprint: "abd",
                ..inputs(SPEC)
            })
        );
        assert_ne!(
            base,
            key(&KeyInputs {
                backend: Backend::MySql,
                ..inputs(SPEC)
            })
        );
        assert_ne!(
            base,
            key(&KeyInputs {
                server_version: "16.1",
                ..inputs(SPEC)
            })
        );
    }

    #[test]
    fn the_seed_counts_once_whether_in_the_file_or_given() {
        let without_seed = SPEC.replace("seed = 42\n", "");
        assert_eq!(key(&inputs(SPEC)), key(&inputs(&without_seed)));
        let other_seed_in_file = SPEC.replace("seed = 42", "seed = 7");
        assert_eq!(key(&inputs(SPEC)), key(&inputs(&other_seed_in_file)));
    }

    #[test]
    fn a_minor_server_upgrade_keeps_the_key() {
        let patched = KeyInputs {
            server_version: "15.20",
            ..inputs(SPEC)
        };
        assert_eq!(key(&inputs(SPEC)), key(&patched));
    }

    #[test]
    fn values_of_different_types_never_collide() {
        let a = key(&inputs("x = \"1\""));
        let b = key(&inputs("x = 1"));
        let c = key(&inputs("x = 1.0"));
        let d = key(&inputs("x = [1]"));
        let e = key(&inputs("x = { y = 1 }"));
        let all = [a, b, c, d, e];
        for (i, x) in all.iter().enumerate() {
            for y in &all[i + 1..] {
                assert_ne!(x, y);
            }
        }
        // Lengths are prefixed: moving a character between neighbours changes the key.
        assert_ne!(
            key(&inputs("x = [\"ab\", \"c\"]")),
            key(&inputs("x = [\"a\", \"bc\"]"))
        );
    }

    #[test]
    fn keys_are_64_hex_digits_and_names_carry_16() {
        let k = key(&inputs(SPEC));
        assert_eq!(k.full().len(), 64);
        assert!(k.full().chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(k.short(), &k.full()[..16]);
    }

    #[test]
    fn an_invalid_spec_is_an_error_not_a_key() {
        assert!(cache_key(&inputs("tables = [")).is_err());
    }

    #[test]
    fn major_versions_are_read_per_backend() {
        assert_eq!(
            major_version(Backend::Postgres, "15.19 (Debian 15.19-0+deb12u1)"),
            "15"
        );
        assert_eq!(major_version(Backend::Postgres, "9.6.24"), "9.6");
        assert_eq!(
            major_version(Backend::MySql, "10.11.19-MariaDB-0+deb12u1"),
            "mariadb 10.11"
        );
        assert_eq!(major_version(Backend::MySql, "8.0.36"), "8.0");
        assert_eq!(major_version(Backend::Sqlite, "3.51.0"), "3");
    }
}
