//! ccops HTTP server: REST API (`/api/v1/…`, OpenAPI at `/api/openapi.json`, docs at
//! `/api/docs`), web UI (`ui`), live floor (`floor`), sessions and roles, background jobs,
//! health/readiness/metrics.
//!
//! Public API for other modules and crates:
//! - [`AppState`] (Clone): `store`, `config`, `floor`. Build with [`AppState::new`].
//! - [`app`]`(state) -> Router` — everything mounted; [`serve`]`(state, addr)` runs it.
//! - [`auth::CurrentUser`] — axum extractor: the logged-in user (session cookie). Unauthenticated:
//!   401 JSON under `/api/`, else a redirect to `/login?next=…`. Unsafe methods (POST, PUT, PATCH,
//!   DELETE) also pass the CSRF check: header `X-CSRF-Token` equal to `user.csrf_token`, or an
//!   `Origin`/`Referer` of this host (what browsers send with same-site form posts).
//!   `user.require(&[Role::Planner, …])?` → 403 unless the role is listed (admin always passes).
//!   `user.can_see_tenant(t)` — tenant isolation; `user.tenant_scope()` — filter for store queries.
//! - [`auth::login_user`] / [`auth::logout_user`] — for the UI's login form (sets/clears the cookie).
//! - [`jobs::spawn_job`] — run a long task in the background with DB-backed progress and cancel.
//! - [`error::ApiError`] — JSON error responses; `?` works on `StoreError`.

pub mod api;
pub mod auth;
pub mod error;
pub mod floor;
pub mod ical;
pub mod jobs;
pub mod ops;
pub mod ui;

pub use auth::{CurrentUser, Role};
pub use error::ApiError;

use axum::Router;
use ccops_store::{RateLimit, Store};
use std::net::SocketAddr;
use std::sync::Arc;

/// Server settings (command-line flags of `ccops serve`).
#[derive(Clone, Debug)]
pub struct Config {
    /// Add `Secure` to the session cookie (set when served over https, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Session lifetime in seconds.
    pub session_ttl_secs: i64,
    /// Failed logins allowed per user name and per client address per window.
    pub login_limit: RateLimit,
    /// Base URL used in links handed out (iCalendar feed); None = from the request's Host.
    pub public_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config { secure_cookies: false, session_ttl_secs: 12 * 3600, login_limit: RateLimit::default(), public_url: None }
    }
}

/// Everything a handler needs. Cheap to clone. No per-user state lives here: sessions, jobs and
/// rate-limit counters are in the database, so several servers can share one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Live-floor state (owned by the `floor` module).
    pub floor: floor::FloorState,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        AppState { store, config: Arc::new(config), floor: floor::FloorState::default(), metrics: ops::metrics_handle() }
    }
}

/// The whole application: API + OpenAPI docs + iCal + ops endpoints + UI + floor.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(api_router)
        .merge(api::docs_router(openapi))
        .merge(ops::router())
        .merge(ical::router())
        .merge(ui::router())
        .merge(floor::router())
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Binds `addr` and serves until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // Jobs silent for 15 minutes belonged to a server that stopped.
    match state.store.fail_stale_jobs(15 * 60).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "marked jobs of a stopped server as failed"),
        Err(e) => tracing::error!(error = %e, "cannot check for stale jobs"),
    }
    tracing::info!(addr = %listener.local_addr()?, "ccops server listening");
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Serves on an already-bound listener (tests and `ccops demo` pick a free port first).
pub async fn serve_listener(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Structured logs to stderr: `RUST_LOG` filter (default `info`), JSON when `json` is true.
pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { b.json().try_init() } else { b.try_init() };
}
