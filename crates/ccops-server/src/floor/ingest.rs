//! Ingest: HTTP batches and NATS JetStream, both through [`ingest_body`].

use super::db;
use crate::AppState;
use crate::error::ApiError;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ccops_floor::StateEvent;
use ccops_formats::events::{Line, QueueStats, parse_line};
use serde::Serialize;
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", post(post_events))
        .route("/api/v1/queue-stats", post(post_events))
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
}

/// What a batch did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IngestOutcome {
    /// Agent state event lines in the batch.
    pub received: u64,
    /// Newly stored events (the rest were already stored: duplicates).
    pub stored: u64,
    pub duplicates: u64,
    /// Queue statistics lines stored.
    pub stats: u64,
}

/// A malformed batch: nothing of it was stored.
#[derive(Debug)]
pub enum IngestError {
    Format(ccops_formats::FormatError),
    Store(ccops_store::StoreError),
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        match self {
            IngestError::Format(e) => (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": e.to_string(), "line": e.line, "field": e.column, "reason": e.reason})),
            )
                .into_response(),
            IngestError::Store(e) => ApiError::from(e).into_response(),
        }
    }
}

/// Parse a JSON-lines body and store it in one transaction per kind; returns after commit.
/// `tenant` 0 = center-wide; `source` names the sender (token name, `nats`, `demo`).
pub async fn ingest_body(state: &AppState, tenant: i64, source: &str, body: &str) -> Result<IngestOutcome, IngestError> {
    let mut events: Vec<StateEvent> = Vec::new();
    let mut stats: Vec<QueueStats> = Vec::new();
    for (i, text) in body.lines().enumerate() {
        match parse_line(text, source, i as u64 + 1).map_err(IngestError::Format)? {
            Some(Line::Event(e)) => events.push(e),
            Some(Line::Stats(s)) => stats.push(s),
            None => {}
        }
    }
    store_parsed(state, tenant, source, &events, &stats).await.map_err(IngestError::Store)
}

pub(crate) async fn store_parsed(
    state: &AppState,
    tenant: i64,
    source: &str,
    events: &[StateEvent],
    stats: &[QueueStats],
) -> Result<IngestOutcome, ccops_store::StoreError> {
    let _writer = match state.store.backend() {
        ccops_store::Backend::Sqlite => Some(state.floor.inner.sqlite_writer.lock().await),
        ccops_store::Backend::Postgres => None,
    };
    let now = db::ms(chrono::Utc::now());
    let stored = db::insert_events(&state.store, tenant, source, events, now).await?;
    if !stats.is_empty() {
        db::upsert_stats(&state.store, tenant, stats, now).await?;
    }
    metrics::counter!("ccops_floor_events_stored_total").increment(stored);
    metrics::counter!("ccops_floor_events_duplicate_total").increment(events.len() as u64 - stored);
    Ok(IngestOutcome { received: events.len() as u64, stored, duplicates: events.len() as u64 - stored, stats: stats.len() as u64 })
}

/// How long a validated API token is trusted without asking the database again.
pub const TOKEN_CACHE: Duration = Duration::from_secs(5);

/// The token of an event source: `Authorization: Bearer <secret>` with scope `events` (or `*`).
async fn source_token(state: &AppState, headers: &HeaderMap) -> Result<ccops_store::ApiToken, ApiError> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "an API token is required (Authorization: Bearer …)"))?;
    let key = ccops_store::token_hash(secret);
    let cached = state.floor.inner.tokens.lock().ok().and_then(|m| m.get(&key).filter(|(_, at)| at.elapsed() < TOKEN_CACHE).map(|(t, _)| t.clone()));
    let token = match cached {
        Some(t) => t,
        None => {
            let t = state
                .store
                .lookup_api_token(secret)
                .await?
                .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown or revoked API token"))?;
            if let Ok(mut m) = state.floor.inner.tokens.lock() {
                m.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE);
                m.insert(key, (t.clone(), std::time::Instant::now()));
            }
            t
        }
    };
    if token.scope != "events" && token.scope != "*" {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("token scope `{}` may not post events", token.scope)));
    }
    Ok(token)
}

async fn post_events(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    super::start_background(&state);
    let token = match source_token(&state, &headers).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let source = format!("token:{}", token.name);
    match ingest_body(&state, token.tenant_id.unwrap_or(0), &source, &body).await {
        Ok(o) => Json(o).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Consume the JetStream subject forever (reconnecting after errors). Each fetched batch is
/// stored in one transaction and acked only after the commit; a malformed message is
/// terminated (not redelivered) and logged.
pub async fn nats_loop(state: AppState, url: String, subject: String) {
    loop {
        if let Err(e) = nats_consume(&state, &url, &subject, NATS_STREAM, NATS_CONSUMER).await {
            tracing::warn!(error = %e, "NATS consumer stopped; retrying in 2 s");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Stream and durable consumer names used on JetStream.
pub const NATS_STREAM: &str = "CCOPS_EVENTS";
pub const NATS_CONSUMER: &str = "ccops-floor";

/// Consume `subject` through `stream` with the durable pull consumer `durable` until an error.
pub(crate) async fn nats_consume(state: &AppState, url: &str, subject: &str, stream_name: &str, durable: &str) -> anyhow::Result<()> {
    use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
    use futures::StreamExt;
    let client = async_nats::connect(url).await?;
    let js = jetstream::new(client);
    let st = js
        .get_or_create_stream(stream::Config { name: stream_name.into(), subjects: vec![subject.to_string()], ..Default::default() })
        .await?;
    let consumer = st
        .get_or_create_consumer(durable, pull::Config { durable_name: Some(durable.into()), ..Default::default() })
        .await?;
    tracing::info!(url, subject, "consuming agent state events from NATS JetStream");
    loop {
        let mut batch = consumer.fetch().max_messages(2000).expires(Duration::from_millis(250)).messages().await?;
        let mut msgs = Vec::new();
        let mut events = Vec::new();
        let mut stats = Vec::new();
        while let Some(m) = batch.next().await {
            let m = m.map_err(|e| anyhow::anyhow!("{e}"))?;
            let text = String::from_utf8_lossy(&m.payload).into_owned();
            let mut ok = true;
            let (mut ev, mut st) = (Vec::new(), Vec::new());
            for (i, line) in text.lines().enumerate() {
                match parse_line(line, "nats", i as u64 + 1) {
                    Ok(Some(Line::Event(e))) => ev.push(e),
                    Ok(Some(Line::Stats(s))) => st.push(s),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "malformed NATS message dropped");
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                events.append(&mut ev);
                stats.append(&mut st);
                msgs.push(m);
            } else {
                let _ = m.ack_with(AckKind::Term).await;
            }
        }
        if msgs.is_empty() {
            continue;
        }
        // Durable first, then ack: a crash in between only causes a redelivery, which the
        // unique event id turns into a no-op.
        match store_parsed(state, 0, "nats", &events, &stats).await {
            Ok(_) => {
                for m in msgs {
                    let _ = m.ack().await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "storing NATS batch failed; leaving it unacked for redelivery");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
