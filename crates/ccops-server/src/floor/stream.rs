//! SSE fan-out. One poller per process reads newly committed events from the database every
//! 50 ms and broadcasts them to this process's SSE clients. Because the source is the database,
//! every server shows every event, whichever server ingested it.
//!
//! What "newly committed" means is [`db::stream_next`]: on SQLite the rows after the last `seq`
//! read (one writer at a time commits ids in order); on PostgreSQL the rows of transactions that
//! were not yet visible in the previous poll's snapshot (`tx_id >= xmax OR tx_id = ANY(xip)`),
//! which needs no hole chasing however transactions interleave. The cursor sent to clients
//! (`{"cursor":n,…}`, `?since=n`) is the last `seq` on SQLite and the snapshot xmin on PostgreSQL.

use super::db::{self, StreamPos, StreamRow};
use crate::auth::{CurrentUser, Role};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Newly committed events, in arrival order.
pub struct Update {
    pub cursor: i64,
    pub rows: Vec<StreamRow>,
    /// `rows` serialised once for clients that see every tenant.
    pub json_all: String,
}

const POLL: Duration = Duration::from_millis(50);
/// Rows per SQLite read and per broadcast message.
const CHUNK: usize = 10_000;
/// Most events replayed to a reconnecting client; a bigger gap makes it reload its snapshot.
const REPLAY_MAX: i64 = 50_000;

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
    let mut pos = loop {
        match db::stream_start(&store).await {
            Ok(p) => break p,
            Err(e) => {
                tracing::warn!(error = %e, "floor stream: cannot read cursor");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut full = false;
    loop {
        // A full SQLite read means more is waiting: read on without sleeping.
        if !full {
            tokio::time::sleep(POLL).await;
        }
        let (rows, next) = match db::stream_next(&store, &pos, CHUNK as i64).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "floor stream poll failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        full = matches!(next, StreamPos::Seq(_)) && rows.len() >= CHUNK;
        let (before, after) = (pos.cursor(), next.cursor());
        pos = next;
        if rows.is_empty() || tx.receiver_count() == 0 {
            continue;
        }
        // Big reads go out in pieces; only the last piece carries the new cursor (a client that
        // reconnects in between replays from the old one).
        let n = rows.len().div_ceil(CHUNK);
        let mut rows = rows;
        for i in 0..n {
            let rest = if rows.len() > CHUNK { rows.split_off(CHUNK) } else { Vec::new() };
            let piece = std::mem::replace(&mut rows, rest);
            let cursor = if i + 1 == n { after } else { before };
            let json_all = encode(cursor, &piece.iter().collect::<Vec<_>>());
            let _ = tx.send(Arc::new(Update { cursor, rows: piece, json_all }));
        }
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
        match db::stream_since(&state.store, since, REPLAY_MAX).await {
            Ok(Some((rows, cursor))) if !rows.is_empty() => {
                let v = visible(&rows, tenant);
                first.push(Event::default().event("states").data(encode(cursor, &v)));
            }
            Ok(Some(_)) => {}
            Ok(None) => first.push(Event::default().event("resync").data("{}")),
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
