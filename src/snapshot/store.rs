//! The snapshot store: a directory of snapshots, each `<store>/<name>/` with `manifest.json`
//! and one zstd-compressed JSON Lines file per table.
//!
//! A snapshot is written into a temporary directory beside its final place, every file
//! fsynced, then renamed into place in one step (`rename(2)` of a directory is atomic on
//! one file system), so a crash never leaves a half snapshot under its name.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::manifest::{FORMAT_VERSION, Manifest};
use crate::db::Remedy;

/// zstd level for table files: the same as `zstd -3`, the baseline it is measured against.
pub(crate) const ZSTD_LEVEL: i32 = 3;

/// What can be wrong with a store or a snapshot in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A name a snapshot may not have.
    #[error(
        "invalid snapshot name \"{0}\": use letters, digits, '.', '_' and '-', not starting with '.'"
    )]
    BadName(String),
    /// No snapshot of that name in the store.
    #[error("no snapshot \"{name}\" in {store}")]
    NotFound {
        /// The snapshot.
        name: String,
        /// The store's directory.
        store: String,
    },
    /// A snapshot of that name is already in the store.
    #[error(
        "snapshot \"{name}\" already exists in {store}: {}",
        Remedy::DeleteSnapshot
    )]
    Exists {
        /// The snapshot.
        name: String,
        /// The store's directory.
        store: String,
    },
    /// A manifest that cannot be read.
    #[error("snapshot \"{name}\": manifest.json is not a fixtura manifest: {reason}")]
    BadManifest {
        /// The snapshot.
        name: String,
        /// Why.
        reason: String,
    },
    /// A snapshot in a format this fixtura does not read.
    #[error(
        "snapshot \"{name}\" was written in format {found}; this fixtura reads format {FORMAT_VERSION}"
    )]
    Version {
        /// The snapshot.
        name: String,
        /// Its format.
        found: u32,
    },
    /// A file missing, truncated or not matching its checksum.
    #[error("snapshot \"{name}\" is damaged: {problem}")]
    Damaged {
        /// The snapshot.
        name: String,
        /// What is wrong, naming the file.
        problem: String,
    },
    /// The file system refused.
    #[error("{action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

fn io_error<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> StoreError + 'p {
    move |source| StoreError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// A snapshot's name and its manifest, or why the manifest cannot be read.
pub(crate) type Listed = (String, Result<Manifest, StoreError>);

/// A directory of snapshots.
#[derive(Debug, Clone)]
pub struct Store {
    /// The directory.
    pub dir: PathBuf,
}

impl Store {
    /// The store in directory `dir` (made when the first snapshot is written).
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The directory of snapshot `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn shown(&self) -> String {
        self.dir.display().to_string()
    }

    /// Checks a snapshot name: it becomes a directory name.
    pub(crate) fn check_name(name: &str) -> Result<(), StoreError> {
        let ok = !name.is_empty()
            && !name.starts_with('.')
            && name.len() <= 200
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(())
        } else {
            Err(StoreError::BadName(name.to_string()))
        }
    }

    /// Reads and checks a snapshot's manifest (its own checksum and format version).
    pub(crate) fn read_manifest(&self, name: &str) -> Result<Manifest, StoreError> {
        Store::check_name(name)?;
        let path = self.path(name).join("manifest.json");
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound {
                    name: name.to_string(),
                    store: self.shown(),
                });
            }
            Err(e) => return Err(io_error("cannot read", &path)(e)),
        };
        let bad = |reason: String| StoreError::BadManifest {
            name: name.to_string(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let found = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0) as u32;
        if found != FORMAT_VERSION {
            return Err(StoreError::Version {
                name: name.to_string(),
                found,
            });
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if manifest.checksum != manifest.compute_checksum() {
            return Err(StoreError::Damaged {
                name: name.to_string(),
                problem: "manifest.json does not match its checksum (edited or corrupted)".into(),
            });
        }
        if manifest.name != name {
            return Err(StoreError::Damaged {
                name: name.to_string(),
                problem: format!("manifest.json names snapshot \"{}\"", manifest.name),
            });
        }
        Ok(manifest)
    }

    /// Checks every table file's size and checksum against the manifest.
    pub(crate) fn verify_files(&self, manifest: &Manifest) -> Result<(), StoreError> {
        let dir = self.path(&manifest.name);
        for table in &manifest.tables {
            let path = dir.join(&table.file);
            let damaged = |problem: String| StoreError::Damaged {
                name: manifest.name.clone(),
                problem,
            };
            let file = File::open(&path).map_err(|e| damaged(format!("{}: {e}", table.file)))?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut hasher = blake3::Hasher::new();
            let mut bytes = 0u64;
            let mut buffer = vec![0u8; 1 << 20];
            loop {
                let n = reader
                    .read(&mut buffer)
                    .map_err(io_error("cannot read", &path))?;
                if n == 0 {
                    break;
                }
                bytes += n as u64;
                hasher.update(&buffer[..n]);
            }
            if bytes != table.bytes {
                return Err(damaged(format!(
                    "{} has {bytes} bytes, the manifest says {} (truncated or replaced)",
                    table.file, table.bytes
                )));
            }
            if hasher.finalize().to_hex().as_str() != table.checksum {
                return Err(damaged(format!(
                    "{} does not match its checksum (corrupted or tampered)",
                    table.file
                )));
            }
        }
        Ok(())
    }

    /// Every snapshot's manifest, by name; a damaged one comes back as its error.
    pub(crate) fn read_all(&self) -> Result<Vec<Listed>, StoreError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("cannot read", &self.dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error("cannot read", &self.dir))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || !entry.path().join("manifest.json").exists() {
                continue; // temporary directories, README, stray files
            }
            out.push((name.clone(), self.read_manifest(&name)));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Deletes a snapshot: renamed aside first, so a reader never sees half of it.
    pub(crate) fn remove(&self, name: &str) -> Result<(), StoreError> {
        Store::check_name(name)?;
        let path = self.path(name);
        if !path.join("manifest.json").exists() {
            return Err(StoreError::NotFound {
                name: name.to_string(),
                store: self.shown(),
            });
        }
        let aside = self
            .dir
            .join(format!(".deleting-{name}-{}", std::process::id()));
        fs::rename(&path, &aside).map_err(io_error("cannot move aside", &path))?;
        fs::remove_dir_all(&aside).map_err(io_error("cannot remove", &aside))
    }

    /// A temporary directory to write snapshot `name` into.
    pub(crate) fn stage(&self, name: &str) -> Result<Staging, StoreError> {
        Store::check_name(name)?;
        if self.path(name).exists() {
            return Err(StoreError::Exists {
                name: name.to_string(),
                store: self.shown(),
            });
        }
        fs::create_dir_all(&self.dir).map_err(io_error("cannot create", &self.dir))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = self
            .dir
            .join(format!(".tmp-{name}-{}-{nanos:x}", std::process::id()));
        fs::create_dir(&dir).map_err(io_error("cannot create", &dir))?;
        // Held while the directory is being written: a cleaner that can take it knows the
        // writer is gone (the kernel releases it when the process dies, however it dies).
        let lock_path = dir.join(WRITER_LOCK);
        let writer = File::create(&lock_path).map_err(io_error("cannot create", &lock_path))?;
        writer
            .try_lock()
            .map_err(|e| io_error("cannot lock", &lock_path)(e.into()))?;
        Ok(Staging {
            store: self.clone(),
            name: name.to_string(),
            dir,
            published: false,
            _writer: writer,
        })
    }
}

/// The lock file inside a temporary snapshot directory while its writer is alive.
pub(crate) const WRITER_LOCK: &str = ".writer.lock";

/// Whether the temporary directory `dir` was left by a writer that is gone: its
/// [`WRITER_LOCK`] can be taken (or there is none).
pub(crate) fn abandoned(dir: &Path) -> bool {
    match File::open(dir.join(WRITER_LOCK)) {
        Ok(file) => file.try_lock_shared().is_ok(),
        Err(_) => true,
    }
}

/// A snapshot being written; removed unless published.
pub(crate) struct Staging {
    store: Store,
    name: String,
    pub(crate) dir: PathBuf,
    published: bool,
    /// Locked for as long as this writer lives (see [`abandoned`]).
    _writer: File,
}

impl Staging {
    /// Writes the manifest, syncs everything and renames the directory into place.
    pub(crate) fn publish(mut self, manifest: &Manifest) -> Result<PathBuf, StoreError> {
        let path = self.dir.join("manifest.json");
        let mut json =
            serde_json::to_vec_pretty(manifest).expect("BUG: a manifest always serializes");
        json.push(b'\n');
        let mut file = File::create(&path).map_err(io_error("cannot create", &path))?;
        file.write_all(&json)
            .map_err(io_error("cannot write", &path))?;
        file.sync_all().map_err(io_error("cannot sync", &path))?;
        sync_dir(&self.dir)?;
        let target = self.store.path(&self.name);
        if target.exists() {
            return Err(StoreError::Exists {
                name: self.name.clone(),
                store: self.store.shown(),
            });
        }
        fs::rename(&self.dir, &target).map_err(io_error("cannot publish", &target))?;
        self.published = true;
        // Published: the writer's lock has no more use (it is held until here so that a
        // cleaner never takes the directory for abandoned while it is being renamed).
        let _ = fs::remove_file(target.join(WRITER_LOCK));
        sync_dir(&self.store.dir)?;
        Ok(target)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// fsync a directory so a rename in it is durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error("cannot sync", dir))
}

/// Counts and hashes the bytes written through it.
struct Hashing<W: Write> {
    inner: W,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Rows are gathered into chunks of this size before zstd sees them: fed line by line,
/// zstd compresses through its slower ring-buffer path (`extDict`).
const CHUNK: usize = 1 << 20;

/// Writes one table file: JSON arrays, one per line, through zstd.
pub(crate) struct TableWriter {
    path: PathBuf,
    encoder: zstd::Encoder<'static, Hashing<BufWriter<File>>>,
    chunk: Vec<u8>,
}

impl TableWriter {
    pub(crate) fn create(path: &Path) -> Result<TableWriter, StoreError> {
        let file = File::create(path).map_err(io_error("cannot create", path))?;
        let hashing = Hashing {
            inner: BufWriter::with_capacity(1 << 20, file),
            hasher: blake3::Hasher::new(),
            bytes: 0,
        };
        let mut encoder = zstd::Encoder::new(hashing, ZSTD_LEVEL)
            .map_err(io_error("cannot compress into", path))?;
        encoder
            .multithread(1)
            .map_err(io_error("cannot compress into", path))?;
        Ok(TableWriter {
            path: path.to_path_buf(),
            encoder,
            chunk: Vec::with_capacity(CHUNK + 64 * 1024),
        })
    }

    /// Appends one row of JSON values.
    #[cfg(test)]
    pub(crate) fn write_row(&mut self, row: &[serde_json::Value]) -> Result<(), StoreError> {
        serde_json::to_writer(&mut self.chunk, row).expect("BUG: JSON values always serialize");
        self.end_row()
    }

    /// Appends one row of cell values, each encoded by [`super::codec::write_json`] for its
    /// column's type.
    pub(crate) fn write_values(
        &mut self,
        row: &[crate::value::Value],
        types: &[crate::schema::ColumnType],
    ) -> Result<(), StoreError> {
        self.chunk.push(b'[');
        for (i, (value, ty)) in row.iter().zip(types).enumerate() {
            if i > 0 {
                self.chunk.push(b',');
            }
            super::codec::write_json(&mut self.chunk, value, ty);
        }
        self.chunk.push(b']');
        self.end_row()
    }

    /// Appends whole JSON lines written by `write` into the writer's buffer (see
    /// [`super::codec::JsonLines`]), then compresses the buffer once it is full.
    pub(crate) fn write_lines<T>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> T,
    ) -> Result<T, StoreError> {
        let written = write(&mut self.chunk);
        if self.chunk.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(written)
    }

    fn end_row(&mut self) -> Result<(), StoreError> {
        self.chunk.push(b'\n');
        if self.chunk.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(())
    }

    fn flush_chunk(&mut self) -> Result<(), StoreError> {
        self.encoder
            .write_all(&self.chunk)
            .map_err(io_error("cannot write", &self.path))?;
        self.chunk.clear();
        Ok(())
    }

    /// Finishes the stream, syncs the file; returns its size and blake3 (hex).
    pub(crate) fn finish(mut self) -> Result<(u64, String), StoreError> {
        self.flush_chunk()?;
        let path = self.path;
        let hashing = self
            .encoder
            .finish()
            .map_err(io_error("cannot finish", &path))?;
        let Hashing {
            inner,
            hasher,
            bytes,
        } = hashing;
        let file = inner
            .into_inner()
            .map_err(|e| io_error("cannot write", &path)(e.into_error()))?;
        file.sync_all().map_err(io_error("cannot sync", &path))?;
        Ok((bytes, hasher.finalize().to_hex().to_string()))
    }
}

/// Reads one table file's rows.
pub(crate) struct TableReader {
    path: PathBuf,
    lines: std::io::Lines<BufReader<zstd::Decoder<'static, BufReader<File>>>>,
}

impl TableReader {
    pub(crate) fn open(path: &Path) -> Result<TableReader, StoreError> {
        let file = File::open(path).map_err(io_error("cannot open", path))?;
        let decoder = zstd::Decoder::new(file).map_err(io_error("cannot decompress", path))?;
        Ok(TableReader {
            path: path.to_path_buf(),
            lines: BufReader::with_capacity(1 << 20, decoder).lines(),
        })
    }

    /// The next row, `None` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<Vec<serde_json::Value>>, StoreError> {
        let Some(line) = self.lines.next() else {
            return Ok(None);
        };
        let line = line.map_err(io_error("cannot read", &self.path))?;
        serde_json::from_str(&line)
            .map(Some)
            .map_err(|e| StoreError::Damaged {
                name: self.path.display().to_string(),
                problem: format!("a row is not a JSON array: {e}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_directory_names_are_refused() {
        for bad in ["", ".hidden", "a/b", "../x", "sp ace", "ü"] {
            assert!(Store::check_name(bad).is_err(), "{bad}");
        }
        for good in ["nightly", "seed-004_v2.1"] {
            assert!(Store::check_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn a_table_file_round_trips_and_its_checksum_is_that_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl.zst");
        let mut writer = TableWriter::create(&path).unwrap();
        writer
            .write_row(&[serde_json::json!(1), serde_json::json!("a\tb\n\\N")])
            .unwrap();
        writer
            .write_row(&[serde_json::Value::Null, serde_json::json!({"k": [1, 2]})])
            .unwrap();
        let (bytes, checksum) = writer.finish().unwrap();
        let on_disk = fs::read(&path).unwrap();
        assert_eq!(bytes, on_disk.len() as u64);
        assert_eq!(checksum, blake3::hash(&on_disk).to_hex().to_string());
        let mut reader = TableReader::open(&path).unwrap();
        assert_eq!(reader.next_row().unwrap().unwrap()[1], "a\tb\n\\N");
        assert_eq!(reader.next_row().unwrap().unwrap()[1]["k"][1], 2);
        assert!(reader.next_row().unwrap().is_none());
    }

    #[test]
    fn a_table_file_of_concatenated_frames_reads_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl.zst");
        let mut bytes = zstd::encode_all(&b"[1]\n"[..], 3).unwrap();
        bytes.extend(zstd::encode_all(&b"[2]\n"[..], 3).unwrap());
        fs::write(&path, bytes).unwrap();
        let mut reader = TableReader::open(&path).unwrap();
        assert_eq!(reader.next_row().unwrap().unwrap()[0], 1);
        assert_eq!(reader.next_row().unwrap().unwrap()[0], 2);
        assert!(reader.next_row().unwrap().is_none());
    }
}
