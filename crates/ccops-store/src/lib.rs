//! ccops storage: sqlx over SQLite (default, one file) and PostgreSQL, same schema, same code.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ccops_store::StoreError> {
//! use ccops_store::{Store, Actor};
//! let store = Store::open("sqlite:///tmp/ccops.db?mode=rwc").await?; // runs migrations
//! let t = store.create_tenant("acme", "ACME Insurance").await?;
//! # Ok(()) }
//! ```
//!
//! Public API, by area (all `async fn` on [`Store`], errors are [`StoreError`]):
//! - organisation (`org.rs`): tenants, sites, skills, queues, teams, agents (+ skills, iCal token).
//! - accounts (`auth.rs`): users with argon2 hashes, DB sessions with a CSRF token, login rate
//!   limiting, API tokens per event source ([`Store::lookup_api_token`]).
//! - history (`history.rs`): interval history, imported in one transaction.
//! - forecasts (`forecast.rs`): versioned per queue, manual adjustments (audited).
//! - staffing plans (`staffing.rs`), rosters with draft/published versions (`roster.rs`),
//!   leave/swap requests (`requests.rs`), audit log (`audit.rs`), background jobs (`jobs.rs`),
//!   key/value settings.
//!
//! Every change to forecasts, rosters and requests takes an [`Actor`] and writes an audit entry
//! in the same transaction as the change.
//!
//! One code path for both databases: each query is written once with `$1, $2…` placeholders (which
//! SQLite also accepts) and the [`on_pool!`] macro instantiates it for each backend. Column types
//! are chosen so the same Rust types decode on both (`i64`, `f64`, `bool`, `String`,
//! `DateTime<Utc>`; JSON is stored as text).

mod audit;
mod auth;
mod forecast;
mod history;
mod jobs;
pub mod model;
mod org;
mod requests;
mod roster;
mod staffing;

pub use auth::{hash_password, verify_password, RateLimit, ROLES};
pub use requests::RequestFilter;
pub use model::*;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Errors from the store. `NotFound`/`Conflict`/`Invalid` are the caller's to show to users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("unsupported database URL `{0}` (use sqlite://… or postgres://…)")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row".into()),
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::Invalid(d.message().to_string()),
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone (it wraps a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// Who makes a change, for the audit log.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
}

impl Actor {
    pub fn system() -> Self {
        Actor { user_id: None, username: "system".into() }
    }
    pub fn user(id: i64, username: &str) -> Self {
        Actor { user_id: Some(id), username: username.to_string() }
    }
}

/// Runs `$body` with `$p` bound to the backend's pool; the body is compiled once per backend, so
/// one query text and one Rust code path serve SQLite and PostgreSQL.
#[macro_export]
#[doc(hidden)]
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match $store.pool_ref() {
            $crate::PoolRef::Sqlite($p) => $body,
            $crate::PoolRef::Postgres($p) => $body,
        }
    };
}

#[doc(hidden)]
pub enum PoolRef<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

impl Store {
    /// Opens `sqlite://path?mode=rwc` (file created if missing) or `postgres://…`, and migrates.
    pub async fn open(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 32 MiB page cache per connection (allocated as pages are used; the default is
                // 2 MiB): the live floor's (agent, time) index takes inserts all over its width,
                // and with a small cache every batch re-reads those pages. Temporary b-trees and
                // statement journals stay in memory.
                .pragma("cache_size", "-32768")
                .pragma("temp_store", "memory");
            // An in-memory database exists per connection: keep exactly one.
            let max = if url.contains(":memory:") { 1 } else { 8 };
            let pool = SqlitePoolOptions::new().max_connections(max).connect_with(opts).await?;
            let store = Store { pool: Pool::Sqlite(pool) };
            store.migrate().await?;
            Ok(store)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            Self::open_postgres(opts).await
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    async fn open_postgres(opts: PgConnectOptions) -> Result<Store> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let store = Store { pool: Pool::Postgres(pool) };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens PostgreSQL at `url` inside a fresh schema (`ccops_test_<random>`), so parallel test
    /// runs never see each other's rows. Drop it with [`Store::drop_schema`].
    pub async fn open_postgres_isolated(url: &str) -> Result<(Store, String)> {
        let schema = format!("ccops_test_{}", uuid::Uuid::new_v4().simple());
        let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
        // The schema name is generated above from a UUID: safe to splice.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await?;
        admin.close().await;
        let opts = PgConnectOptions::from_str(url)?.options([("search_path", schema.as_str())]);
        Ok((Self::open_postgres(opts).await?, schema))
    }

    /// Drops a schema made by [`Store::open_postgres_isolated`] (test clean-up).
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        if let Pool::Postgres(p) = &self.pool {
            if !schema.starts_with("ccops_test_") || !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::Invalid(format!("refusing to drop schema {schema}")));
            }
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(p).await?;
        }
        Ok(())
    }

    async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match &self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    #[doc(hidden)]
    pub fn pool_ref(&self) -> PoolRef<'_> {
        match &self.pool {
            Pool::Sqlite(p) => PoolRef::Sqlite(p),
            Pool::Postgres(p) => PoolRef::Postgres(p),
        }
    }

    /// Readiness probe: one round trip to the database.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => { sqlx::query("SELECT 1").execute(p).await?; });
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
            .bind(key).fetch_optional(p).await?))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        on_pool!(self, p => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key).bind(value).execute(p).await?;
        });
        Ok(())
    }
}

/// A random secret (hex, 256 bits from the OS via uuid v4) for session ids, CSRF and API tokens.
pub fn random_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// SHA-256 hex of a secret: what the database stores instead of the secret itself.
pub fn token_hash(secret: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a store for tests: `Backend::Sqlite` in a temp dir (returned so it lives long enough) or
/// `Backend::Postgres` at `$CCOPS_TEST_POSTGRES` in a fresh schema. `None` when Postgres is absent
/// (the caller skips with a note), unless `CCOPS_REQUIRE_SERVICES=1`, which panics instead.
pub mod testing {
    use super::*;

    pub struct TestStore {
        pub store: Store,
        pub schema: Option<String>,
        _dir: Option<tempfile_like::TempDir>,
    }

    impl TestStore {
        pub async fn cleanup(self) {
            if let Some(s) = &self.schema {
                let _ = self.store.drop_schema(s).await;
            }
            self.store.close().await;
        }
    }

    pub fn postgres_url() -> String {
        std::env::var("CCOPS_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    }

    pub async fn open(backend: Backend) -> Option<TestStore> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile_like::TempDir::new();
                let url = format!("sqlite://{}?mode=rwc", dir.path.join("test.db").display());
                let store = Store::open(&url).await.expect("open sqlite test store");
                Some(TestStore { store, schema: None, _dir: Some(dir) })
            }
            Backend::Postgres => match Store::open_postgres_isolated(&postgres_url()).await {
                Ok((store, schema)) => Some(TestStore { store, schema: Some(schema), _dir: None }),
                Err(e) => {
                    if std::env::var("CCOPS_REQUIRE_SERVICES").as_deref() == Ok("1") {
                        panic!("PostgreSQL required (CCOPS_REQUIRE_SERVICES=1) but unavailable: {e}");
                    }
                    eprintln!("note: skipping PostgreSQL test, database unavailable at {}: {e}", postgres_url());
                    None
                }
            },
        }
    }

    /// A minimal temp dir so the library needs no tempfile dependency.
    mod tempfile_like {
        pub struct TempDir {
            pub path: std::path::PathBuf,
        }
        impl TempDir {
            pub fn new() -> Self {
                let path = std::env::temp_dir().join(format!("ccops-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&path).expect("create temp dir");
                TempDir { path }
            }
        }
        impl Drop for TempDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.path);
            }
        }
    }
}
