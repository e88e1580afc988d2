//! Live floor (issue 6): ingest of agent state events and queue statistics, the live floor page
//! (SSE), adherence reports with exceptions, intraday, alerts with webhooks, playbooks, and the
//! demo floor driver.
//!
//! Endpoints:
//! - `POST /api/v1/events` — JSON lines (`ccops_formats::events`), `Authorization: Bearer <token>`
//!   (an API token with scope `events`). Answers only after the batch is committed:
//!   `{"received","stored","duplicates","stats"}`. A malformed line rejects the whole batch (400
//!   with `line`, `field`, `reason`). `POST /api/v1/queue-stats` is the same endpoint.
//! - NATS JetStream (when `CCOPS_NATS_URL` is set): subject `CCOPS_NATS_SUBJECT` (default
//!   `ccops.events`) in stream `CCOPS_EVENTS`, durable pull consumer `ccops-floor`; a message is
//!   acked only after its events are committed.
//! - `GET /floor` (page), `GET /api/v1/floor` (snapshot JSON), `GET /api/v1/floor/stream` (SSE:
//!   `event: states`, data `{"cursor":n,"events":[{"a","s","t","q","e"}]}`; `?since=<cursor>`
//!   replays what was missed).
//! - `GET /floor/adherence` (+ `/api/v1/floor/adherence?date=&team=`), exceptions
//!   (`/floor/exceptions`, agents request, supervisors approve/reject; audited),
//!   `GET /floor/intraday`, `GET /floor/alerts` (rules, raised alerts, webhooks),
//!   `GET /floor/playbooks` (launch from an alert, assign, tick; audited).
//!
//! Nothing that matters lives only in this process: every server polls the `floor_events` table
//! for its own SSE clients, alerts are deduplicated by a unique key in the database, and the
//! NATS consumer is shared, so several servers can run against one PostgreSQL.

mod alerting;
pub mod db;
pub mod demo;
mod ingest;
mod pages;
mod stream;
mod view;
#[cfg(test)]
mod tests;

pub use demo::{DemoFloorOptions, run_demo_floor};
pub use ingest::ingest_body;

use crate::AppState;
use axum::Router;
use std::sync::{Arc, OnceLock};

/// Live-floor state carried in `AppState::floor`: the per-process SSE fan-out (fed from the
/// database, so any server can serve any client).
#[derive(Clone, Default)]
pub struct FloorState {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    tx: OnceLock<tokio::sync::broadcast::Sender<Arc<stream::Update>>>,
    background: OnceLock<()>,
    /// SQLite has one writer: queueing ingest transactions here is cheaper than letting them
    /// collide on the database lock and back off (busy timeout).
    sqlite_writer: tokio::sync::Mutex<()>,
    /// Recently validated API tokens (hash of the secret → token, checked at): saves a database
    /// write per batch. A revoked token stops working within [`ingest::TOKEN_CACHE`].
    tokens: std::sync::Mutex<std::collections::HashMap<String, (ccops_store::ApiToken, std::time::Instant)>>,
}

/// Start the background tasks once per process: the stream poller, the alert evaluator, and the
/// NATS consumer when `CCOPS_NATS_URL` is set. Called by every floor handler; `ccops serve` may
/// call it at start-up so NATS is consumed before anyone opens a page.
pub fn start_background(state: &AppState) {
    let mut first = false;
    state.floor.inner.background.get_or_init(|| first = true);
    if !first {
        return;
    }
    let _ = stream::sender(state);
    tokio::spawn(alerting::alert_loop(state.clone()));
    if let Ok(url) = std::env::var("CCOPS_NATS_URL")
        && !url.trim().is_empty()
    {
        let subject = std::env::var("CCOPS_NATS_SUBJECT").unwrap_or_else(|_| "ccops.events".into());
        tokio::spawn(ingest::nats_loop(state.clone(), url, subject));
    }
}

pub fn router() -> Router<AppState> {
    Router::new().merge(ingest::router()).merge(stream::router()).merge(pages::router())
}
