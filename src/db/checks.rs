//! Who checks foreign keys during a load: what the session may do, what the user asked for,
//! and the choice between the two, made once for generation and restore alike.

use super::{Db, DbError, Remedy};

/// What the target session may do, which decides whether the session switch is available
/// to break a cycle (see [`crate::graph`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The session may switch foreign-key checks off for itself (PostgreSQL: superuser or
    /// `SET` privilege on `session_replication_role`; always on MySQL and SQLite).
    pub session_switch: bool,
}

/// Who checks foreign keys, as the user asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksChoice {
    /// fixtura's set-wise checks where the session may switch the server's off, else the server's.
    #[default]
    Auto,
    /// fixtura's set-wise checks, or an error when the session may not switch the server's off.
    Fixtura,
    /// The server's own checks.
    Server,
}

/// Who checks foreign keys during a load, once chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FkChecks {
    /// The session switch is on (`session_replication_role = replica`,
    /// `FOREIGN_KEY_CHECKS = 0`, `PRAGMA defer_foreign_keys = ON`): rows are written in
    /// any order with their final keys, and fixtura verifies every key set-wise (one
    /// anti-join per foreign key) before commit.
    Fixtura,
    /// The server checks keys as usual; deferrable constraints are deferred to commit
    /// (`SET CONSTRAINTS ALL DEFERRED`).
    Server,
}

impl ChecksChoice {
    /// The checks a load runs with, given what the session may do.
    pub(crate) fn resolve(self, capabilities: Capabilities) -> Result<FkChecks, DbError> {
        match self {
            ChecksChoice::Auto | ChecksChoice::Fixtura if capabilities.session_switch => {
                Ok(FkChecks::Fixtura)
            }
            ChecksChoice::Auto | ChecksChoice::Server => Ok(FkChecks::Server),
            ChecksChoice::Fixtura => Err(DbError::NoSessionSwitch {
                remedy: Remedy::ServerChecks,
            }),
        }
    }
}

/// What this session may do that changes how cycles can be broken.
pub(crate) async fn capabilities(db: &Db) -> Result<Capabilities, DbError> {
    let session_switch = match db {
        #[cfg(feature = "postgres")]
        Db::Postgres(pool) => postgres_may_switch_triggers_off(pool).await?,
        // FOREIGN_KEY_CHECKS and PRAGMA defer_foreign_keys are session settings anyone may set.
        #[cfg(feature = "mysql")]
        Db::MySql(_) => true,
        #[cfg(feature = "_sqlite")]
        Db::Sqlite(_) => true,
    };
    Ok(Capabilities { session_switch })
}

/// Whether this role may `SET session_replication_role`.
#[cfg(feature = "postgres")]
async fn postgres_may_switch_triggers_off(pool: &sqlx::PgPool) -> Result<bool, DbError> {
    let version: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(pool)
        .await
        .map_err(|e| DbError::query("reading the server version", e))?;
    // has_parameter_privilege exists from PostgreSQL 15; before it only a superuser may.
    let sql = if version.parse::<u32>().unwrap_or(0) >= 150_000 {
        "SELECT has_parameter_privilege('session_replication_role', 'SET')"
    } else {
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    };
    let allowed: Option<bool> = sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .map_err(|e| DbError::query("reading the role's privileges", e))?;
    Ok(allowed.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SWITCH: Capabilities = Capabilities {
        session_switch: true,
    };
    const NO_SWITCH: Capabilities = Capabilities {
        session_switch: false,
    };

    #[test]
    fn auto_uses_fixturas_checks_only_where_the_session_may_switch() {
        assert_eq!(
            ChecksChoice::Auto.resolve(SWITCH).unwrap(),
            FkChecks::Fixtura
        );
        assert_eq!(
            ChecksChoice::Auto.resolve(NO_SWITCH).unwrap(),
            FkChecks::Server
        );
        assert_eq!(
            ChecksChoice::Server.resolve(SWITCH).unwrap(),
            FkChecks::Server
        );
    }

    #[test]
    fn asking_for_fixturas_checks_without_the_switch_says_what_to_do() {
        let err = ChecksChoice::Fixtura.resolve(NO_SWITCH).unwrap_err();
        assert_eq!(err.remedy(), Some(Remedy::ServerChecks));
        assert!(err.to_string().contains("ChecksChoice::Server"), "{err}");
    }
}
