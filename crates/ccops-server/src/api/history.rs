//! Interval history: CSV import (validated, transactional) and queries.

use super::org::{queue_for, visible_queues};
use crate::auth::{CurrentUser, PLANNING, PLAN_READERS};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccops_formats::history::{read_history, validate, Severity, Zone};
use ccops_formats::FormatError;
use ccops_store::{HistoryRow, HistorySummary};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// File name, for messages (default `upload.csv`).
    pub file: Option<String>,
    /// Zone for local times without offset (default: each queue's zone).
    pub tz: Option<String>,
}

/// One located problem in an uploaded file.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct LineError {
    pub file: String,
    /// 1-based line (0 = the whole file).
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
    /// `error` or `warning`.
    pub severity: String,
}

impl LineError {
    fn from_format(e: &FormatError, severity: &str) -> Self {
        LineError { file: e.file.clone(), line: e.line, column: e.column.clone(), reason: e.reason.clone(), severity: severity.into() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub import_id: i64,
    pub rows: usize,
    pub queues: Vec<String>,
    pub warnings: Vec<LineError>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportRejected {
    pub error: String,
    pub errors: Vec<LineError>,
}

/// What an import produced: stored rows, or the located errors (nothing stored).
pub enum ImportOutcome {
    Stored(ImportReport),
    Rejected(Vec<LineError>),
}

/// Parses, validates and stores a history CSV in one transaction. Unknown queue codes, malformed
/// fields and validation errors reject the whole file; warnings are returned with the report.
/// Shared by the API and the UI upload form.
pub async fn import_history_csv(s: &AppState, user: &CurrentUser, file: &str, body: &[u8], tz: Option<&str>) -> ApiResult<ImportOutcome> {
    let zone = match tz {
        Some(t) => Some(Zone::parse(t).map_err(ApiError::bad_request)?),
        None => s.store.get_setting("timezone").await?.and_then(|t| Zone::parse(&t).ok()).or_else(|| Zone::parse(&ccops_store::default_tz()).ok()),
    };
    let parsed = match read_history(body, file, zone.as_ref()) {
        Ok(p) => p,
        Err(e) => return Ok(ImportOutcome::Rejected(vec![LineError::from_format(&e, "error")])),
    };
    let issues = validate(&parsed, zone.as_ref());
    let (errs, warns): (Vec<_>, Vec<_>) = issues.iter().partition(|i| i.severity == Severity::Error);
    let mut errors: Vec<LineError> = errs.iter().map(|i| LineError::from_format(&i.error, "error")).collect();
    let warnings: Vec<LineError> = warns.iter().map(|i| LineError::from_format(&i.error, "warning")).collect();
    let queues = visible_queues(s, user).await?;
    let by_code: HashMap<&str, &ccops_store::Queue> = queues.iter().map(|q| (q.code.as_str(), q)).collect();
    let mut rows = Vec::with_capacity(parsed.rows.len());
    let mut seen = Vec::new();
    for r in &parsed.rows {
        let Some(q) = by_code.get(r.queue.as_str()) else {
            errors.push(LineError { file: file.into(), line: r.line, column: Some("queue".into()), reason: format!("unknown queue `{}`", r.queue), severity: "error".into() });
            continue;
        };
        let utc = match local_to_utc(r.local, r.offset, zone.as_ref(), &q.timezone) {
            Some(t) => t,
            None => {
                errors.push(LineError { file: file.into(), line: r.line, column: Some("interval_start".into()),
                    reason: format!("local time {} does not exist in {}", r.local, q.timezone), severity: "error".into() });
                continue;
            }
        };
        if !seen.contains(&q.code) {
            seen.push(q.code.clone());
        }
        rows.push(HistoryRow { queue_id: q.id, interval_start: utc, interval_minutes: q.interval_minutes, offered: r.offered,
            handled: r.handled, abandoned: r.abandoned, aht_seconds: r.aht_seconds });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.truncate(200);
        return Ok(ImportOutcome::Rejected(errors));
    }
    if rows.is_empty() {
        return Ok(ImportOutcome::Rejected(vec![LineError { file: file.into(), line: 0, column: None, reason: "no data rows".into(), severity: "error".into() }]));
    }
    let import_id = s.store.import_history(file, &rows, Some(user.user_id)).await?;
    s.store.audit(&user.actor(), "import", "history", &import_id.to_string(), None,
        Some(serde_json::json!({"file": file, "rows": rows.len(), "queues": seen}))).await?;
    metrics::counter!("ccops_history_rows_imported_total").increment(rows.len() as u64);
    Ok(ImportOutcome::Stored(ImportReport { import_id, rows: rows.len(), queues: seen, warnings }))
}

/// A row's instant: its own offset when the file gave one, else its local time in the zone.
fn local_to_utc(local: chrono::NaiveDateTime, offset: Option<chrono::FixedOffset>, zone: Option<&Zone>, queue_tz: &str) -> Option<DateTime<Utc>> {
    if let Some(off) = offset {
        // `local` is already converted to the zone's civil time; the zone decides the instant.
        if let Some(z) = zone {
            return z.from_local(local).ok().map(|t| t.with_timezone(&Utc));
        }
        return off.from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc));
    }
    match zone {
        Some(z) => z.from_local(local).ok().map(|t| t.with_timezone(&Utc)),
        None => queue_tz.parse::<chrono_tz::Tz>().ok()?.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)),
    }
}

/// Import interval history: the request body is the CSV
/// (`interval_start,queue,offered[,handled,abandoned,aht_seconds]`). All or nothing: any error
/// (with file, line, column) rejects the file and nothing is stored.
#[utoipa::path(post, path = "/api/v1/history/import", tag = "history", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportReport), (status = 422, body = ImportRejected)))]
pub async fn import(State(s): State<AppState>, user: CurrentUser, Query(p): Query<ImportParams>, body: axum::body::Bytes) -> ApiResult<Response> {
    user.require(PLANNING)?;
    let file = p.file.unwrap_or_else(|| "upload.csv".into());
    Ok(match import_history_csv(&s, &user, &file, &body, p.tz.as_deref()).await? {
        ImportOutcome::Stored(r) => (StatusCode::CREATED, Json(r)).into_response(),
        ImportOutcome::Rejected(errors) => {
            let error = format!("{} error(s); nothing was imported", errors.len());
            (StatusCode::UNPROCESSABLE_ENTITY, Json(ImportRejected { error, errors })).into_response()
        }
    })
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryParams {
    pub queue_id: i64,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Interval history of one queue in `[from, to)`.
#[utoipa::path(get, path = "/api/v1/history", tag = "history", params(HistoryParams), responses((status = 200, body = Vec<HistoryRow>)))]
pub async fn history(State(s): State<AppState>, user: CurrentUser, Query(p): Query<HistoryParams>) -> ApiResult<Json<Vec<HistoryRow>>> {
    user.require(PLAN_READERS)?;
    queue_for(&s, &user, p.queue_id).await?;
    Ok(Json(s.store.history(p.queue_id, p.from, p.to).await?))
}

/// Intervals and date range of the history per visible queue.
#[utoipa::path(get, path = "/api/v1/history/summary", tag = "history", responses((status = 200, body = Vec<HistorySummary>)))]
pub async fn summary(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<HistorySummary>>> {
    user.require(PLAN_READERS)?;
    let visible: Vec<i64> = visible_queues(&s, &user).await?.iter().map(|q| q.id).collect();
    Ok(Json(s.store.history_summary().await?.into_iter().filter(|h| visible.contains(&h.queue_id)).collect()))
}
