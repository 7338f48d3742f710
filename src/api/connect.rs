//! Connecting, and looking at what is there: the schema, what the session may do, the
//! report behind `fixtura inspect`.

use crate::db::{self, Capabilities, ConnectOptions, Db};
use crate::error::Result;
use crate::graph::{DependencyGraph, Plan};
use crate::inspect::{self, InspectOptions, Report};
use crate::schema::{self, IntrospectOptions, Schema};

/// Connects to the database at `url`: `postgres://`, `mysql://`, `mariadb://`,
/// `sqlite://PATH` or `sqlite::memory:`.
pub async fn connect(url: &str) -> Result<Db> {
    Ok(db::connect(url).await?)
}

/// Connects to the database at `url`, with options.
pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<Db> {
    Ok(db::connect_with(url, options).await?)
}

impl Db {
    /// Runs a script of one or more statements in one transaction. (MySQL commits each DDL
    /// statement implicitly, so there a failed script may leave its earlier DDL behind.)
    pub async fn execute_script(&self, sql: &str) -> Result<()> {
        Ok(self.run_script(sql).await?)
    }
}

/// Reads the schema of the database behind `db`.
pub async fn introspect(db: &Db, options: &IntrospectOptions) -> Result<Schema> {
    Ok(schema::introspect(db, options).await?)
}

/// What this session may do that changes how foreign-key cycles can be broken.
pub async fn capabilities(db: &Db) -> Result<Capabilities> {
    Ok(db::capabilities(db).await?)
}

impl Plan {
    /// Fails, naming the cycle and the constraint to make deferrable, when a cycle cannot
    /// be broken.
    pub fn ensure_feasible(&self) -> Result<()> {
        Ok(self.check_cycles()?)
    }
}

/// The report `fixtura inspect` prints: tables with row counts, keys, cycles and how each
/// is broken, and the insert order.
pub async fn inspect(db: &Db, options: &InspectOptions) -> Result<Report> {
    let schema = schema::introspect(
        db,
        &IntrospectOptions {
            flag: options.flag.clone(),
        },
    )
    .await?;
    let capabilities = db::capabilities(db).await?;
    let plan = DependencyGraph::new(&schema).plan(capabilities);
    Ok(inspect::report(db, &schema, &plan, capabilities, options).await?)
}
