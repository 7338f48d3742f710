//! Snapshots, through the [`Store`] that holds them: create, restore (into the database
//! itself or a copy of its own), list, show, verify, delete.

use std::sync::Arc;

use crate::cache::{self, Identity, Isolated};
use crate::db::Db;
use crate::error::Result;
use crate::progress::Observer;
use crate::snapshot::{
    self, CreateOptions, CreateSummary, Manifest, RestoreOptions, RestoreSummary, Store,
};

impl Store {
    /// The manifest of snapshot `name`.
    pub fn manifest(&self, name: &str) -> Result<Manifest> {
        Ok(self.read_manifest(name)?)
    }

    /// Checks every file of the snapshot `manifest` describes against its checksum.
    pub fn verify(&self, manifest: &Manifest) -> Result<()> {
        Ok(self.verify_files(manifest)?)
    }

    /// Every snapshot in the store, by name, with its manifest or why it cannot be read.
    pub fn list(&self) -> Result<Vec<(String, Result<Manifest>)>> {
        Ok(self
            .read_all()?
            .into_iter()
            .map(|(name, manifest)| (name, manifest.map_err(Into::into)))
            .collect())
    }

    /// Deletes snapshot `name`.
    pub fn delete(&self, name: &str) -> Result<()> {
        Ok(self.remove(name)?)
    }

    /// Captures the flagged rows of `db` (as `options` select them) into a new snapshot,
    /// published whole or not at all.
    pub async fn create(
        &self,
        db: &Db,
        options: &CreateOptions,
        observer: Arc<dyn Observer>,
    ) -> Result<CreateSummary> {
        Ok(snapshot::create(db, self, options, observer).await?)
    }

    /// Restores a snapshot into `db`, in one transaction: checksums, the schema, triggers
    /// that would fire and tables without transactions are checked first, and a failure
    /// leaves the database as it was (but for the rows written to tables without
    /// transactions, when `allow_non_transactional` accepted them: the error names them).
    pub async fn restore(
        &self,
        db: &Db,
        options: &RestoreOptions,
        observer: Arc<dyn Observer>,
    ) -> Result<RestoreSummary> {
        Ok(snapshot::restore(db, self, options, observer).await?)
    }

    /// Restores snapshot `name` into a copy of its own for the worker `identity`, made on
    /// the server of the database at `url` with that database's schema; the database at
    /// `url` itself is left alone. Returns the copy and the snapshot's manifest. With
    /// `allow_triggers`, restores even where triggers of the copy fire (a SQLite file's
    /// copy keeps its triggers; a MySQL copy has none; see
    /// [`RestoreOptions::allow_triggers`]).
    pub async fn restore_isolated(
        &self,
        url: &str,
        name: &str,
        identity: &Identity,
        allow_triggers: bool,
        observer: Arc<dyn Observer>,
    ) -> Result<(Isolated, Manifest)> {
        Ok(cache::restore_isolated(url, self, name, identity, allow_triggers, observer).await?)
    }
}
