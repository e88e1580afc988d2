//! SSE fan-out. One poller per process reads newly committed events from the database
//! (`seq > cursor`) every 50 ms and broadcasts them to this process's SSE clients. Because the
//! source is the database, every server shows every event, whichever server ingested it.

use super::db::{self, StreamRow};
use crate::auth::{CurrentUser, Role};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Newly committed events, in arrival order.
pub struct Update {
    pub cursor: i64,
    pub rows: Vec<StreamRow>,
    /// `rows` serialised once for clients that see every tenant.
    pub json_all: String,
}

const POLL: Duration = Duration::from_millis(50);
/// How long a missing sequence number is waited for (PostgreSQL: a transaction that took a lower
/// id may commit after a higher one; ids consumed by duplicates never appear).
const HOLE_TTL: Duration = Duration::from_secs(3);
const MAX_HOLES: usize = 100_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/floor/stream", get(sse))
}

/// The process's broadcast sender; the first call starts the poller.
pub(super) fn sender(state: &AppState) -> broadcast::Sender<Arc<Update>> {
    state
        .floor
        .inner
        .tx
        .get_or_init(|| {
            let (tx, _) = broadcast::channel(4096);
            tokio::spawn(poll_loop(state.store.clone(), tx.clone()));
            tx
        })
        .clone()
}

fn encode(cursor: i64, rows: &[&StreamRow]) -> String {
    serde_json::json!({ "cursor": cursor, "events": rows }).to_string()
}

async fn poll_loop(store: ccops_store::Store, tx: broadcast::Sender<Arc<Update>>) {
    let mut cursor = loop {
        match db::max_seq(&store).await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(error = %e, "floor stream: cannot read cursor");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let chase_holes = db::has_holes(&store);
    let mut holes: BTreeMap<i64, Instant> = BTreeMap::new();
    loop {
        tokio::time::sleep(POLL).await;
        let hole_list: Vec<i64> = holes.keys().copied().collect();
        let rows = match db::stream_after(&store, cursor, &hole_list, 50_000).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "floor stream poll failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let now = Instant::now();
        let mut prev = cursor;
        for r in &rows {
            holes.remove(&r.seq);
            if r.seq > prev {
                if chase_holes && r.seq - prev > 1 && holes.len() < MAX_HOLES {
                    for s in prev + 1..r.seq {
                        holes.insert(s, now);
                    }
                }
                prev = r.seq;
            }
        }
        cursor = prev;
        holes.retain(|_, t| now.duration_since(*t) < HOLE_TTL);
        if rows.is_empty() || tx.receiver_count() == 0 {
            continue;
        }
        let json_all = encode(cursor, &rows.iter().collect::<Vec<_>>());
        let _ = tx.send(Arc::new(Update { cursor, rows, json_all }));
    }
}

#[derive(Deserialize)]
struct StreamQuery {
    /// Replay events after this cursor first (the snapshot's `cursor`).
    since: Option<i64>,
}

/// Tenant filter of one client: None sees everything, Some(t) only events of tenant t.
fn visible(rows: &[StreamRow], tenant: Option<i64>) -> Vec<&StreamRow> {
    rows.iter().filter(|r| tenant.is_none_or(|t| r.tenant_id == t)).collect()
}

async fn sse(State(state): State<AppState>, user: CurrentUser, Query(q): Query<StreamQuery>) -> Response {
    if let Err(e) = user.require(&[Role::Supervisor, Role::Planner]) {
        return e.into_response();
    }
    super::start_background(&state);
    let rx = sender(&state).subscribe();
    let tenant = user.tenant_scope();
    // Replay what the client missed since its snapshot (bounded; a bigger gap means "reload").
    let mut first: Vec<Event> = Vec::new();
    if let Some(since) = q.since {
        match db::stream_after(&state.store, since, &[], 50_000).await {
            Ok(rows) if !rows.is_empty() => {
                let cursor = rows.last().map_or(since, |r| r.seq);
                let v = visible(&rows, tenant);
                first.push(Event::default().event("states").data(encode(cursor, &v)));
            }
            Ok(_) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let stream = futures::stream::unfold((rx, first), move |(mut rx, mut pending)| async move {
        if let Some(ev) = pending.pop() {
            return Some((Ok::<Event, Infallible>(ev), (rx, pending)));
        }
        loop {
            match rx.recv().await {
                Ok(u) => {
                    let data = match tenant {
                        None => u.json_all.clone(),
                        Some(_) => {
                            let v = visible(&u.rows, tenant);
                            if v.is_empty() {
                                continue;
                            }
                            encode(u.cursor, &v)
                        }
                    };
                    return Some((Ok(Event::default().event("states").data(data)), (rx, pending)));
                }
                // Too slow to keep up: tell the page to reload its snapshot.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("{}")), (rx, pending)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
