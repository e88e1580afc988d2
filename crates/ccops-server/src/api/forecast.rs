//! Forecasts: run (background job over `ccops-forecast`), list versions, read, adjust.

use super::org::{queue_for, visible_queues};
use crate::auth::{CurrentUser, PLANNING, PLAN_READERS};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{spawn_job, JobCtx, JobError};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use ccops_calendar::{Calendar, DayKind};
use ccops_forecast::{History, Observation, Options};
use ccops_store::{Actor, Forecast, ForecastAdjustment, ForecastInterval, Job, NewAdjustment, NewForecast, Queue, Store};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct ForecastRun {
    /// Queues to forecast (default: every queue the user sees that has history).
    #[serde(default)]
    pub queue_ids: Option<Vec<i64>>,
    /// First forecast day, local (default: the day after each queue's last history day).
    #[serde(default)]
    pub start: Option<NaiveDate>,
    /// Days to forecast (1–120, default 28).
    #[serde(default = "default_days")]
    pub days: usize,
}

fn default_days() -> usize {
    28
}

/// Start a forecast job (planner). Poll `/api/v1/jobs/{id}`; the result lists the new versions.
#[utoipa::path(post, path = "/api/v1/forecasts/run", tag = "forecasts", request_body = ForecastRun, responses((status = 202, body = Job)))]
pub async fn run(State(s): State<AppState>, user: CurrentUser, Json(b): Json<ForecastRun>) -> ApiResult<(StatusCode, Json<Job>)> {
    user.require(PLANNING)?;
    let job = start_forecast_job(&s, &user, b).await?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Validates a forecast request and starts the job (shared with the UI).
pub async fn start_forecast_job(s: &AppState, user: &CurrentUser, b: ForecastRun) -> ApiResult<Job> {
    if b.days == 0 || b.days > 120 {
        return Err(ApiError::bad_request("days must be between 1 and 120"));
    }
    let queues: Vec<Queue> = match &b.queue_ids {
        Some(ids) => {
            let mut v = Vec::new();
            for id in ids {
                v.push(queue_for(s, user, *id).await?);
            }
            v
        }
        None => {
            let with_history: Vec<i64> = s.store.history_summary().await?.iter().map(|h| h.queue_id).collect();
            visible_queues(s, user).await?.into_iter().filter(|q| with_history.contains(&q.id)).collect()
        }
    };
    if queues.is_empty() {
        return Err(ApiError::bad_request("no queue with history to forecast"));
    }
    let params = serde_json::to_value(&b).unwrap_or_default();
    let actor = user.actor();
    let job = spawn_job(s, "forecast", params, user.tenant_id, Some(user.user_id), move |ctx| forecast_task(ctx, queues, b, actor)).await?;
    Ok(job)
}

async fn forecast_task(ctx: JobCtx, queues: Vec<Queue>, b: ForecastRun, actor: Actor) -> Result<serde_json::Value, JobError> {
    let mut made = Vec::new();
    let n = queues.len() as f64;
    for (i, q) in queues.iter().enumerate() {
        ctx.progress(i as f64 / n, &format!("forecasting {}", q.code)).await?;
        let fc = forecast_queue(&ctx.store, q, b.start, b.days, &actor).await?;
        made.push(serde_json::json!({"queue_id": q.id, "forecast_id": fc.id, "version": fc.version, "model": fc.model}));
    }
    Ok(serde_json::json!({ "forecasts": made }))
}

/// Forecasts one queue from its stored history and stores the result as a new version.
pub async fn forecast_queue(store: &Store, q: &Queue, start: Option<NaiveDate>, days: usize, actor: &Actor) -> Result<Forecast, JobError> {
    let tz: chrono_tz::Tz = q.timezone.parse().map_err(|_| JobError::Failed(format!("queue {}: bad time zone {}", q.code, q.timezone)))?;
    let hist = store.history(q.id, None, None).await?;
    let Some(last) = hist.last() else { return Err(JobError::Failed(format!("queue {} has no history", q.code))) };
    let obs: Vec<Observation> = hist
        .iter()
        .map(|h| Observation { queue: q.code.clone(), start: h.interval_start.with_timezone(&tz).naive_local(), offered: h.offered,
            handled: h.handled, aht_seconds: h.aht_seconds })
        .collect();
    let start = start.unwrap_or_else(|| last.interval_start.with_timezone(&tz).date_naive() + Duration::days(1));
    let fallback_aht = {
        let (w, s) = hist.iter().filter_map(|h| Some((h.handled.unwrap_or(h.offered), h.aht_seconds?))).fold((0.0, 0.0), |(w, s), (n, a)| (w + n, s + n * a));
        if w > 0.0 { s / w } else { 300.0 }
    };
    let minutes = q.interval_minutes as u32;
    let code = q.code.clone();
    // CPU-bound: off the async runtime.
    let result = tokio::task::spawn_blocking(move || {
        let cal = Calendar::china();
        let history = History::from_observations(&obs, Some(minutes)).map_err(|e| e.to_string())?;
        let opts = Options { threads: 1, ..Options::default() };
        let f = ccops_forecast::forecast(&history, &cal, start, days, &opts).map_err(|e| e.to_string())?;
        let qf = f.queues.into_iter().next().ok_or_else(|| format!("queue {code}: no forecast produced"))?;
        let holidays: Vec<(NaiveDate, Option<String>)> = (0..days as i64)
            .map(|d| start + Duration::days(d))
            .map(|d| (d, match cal.day_info(d).kind { DayKind::Holiday(n) => Some(n), DayKind::MakeupWorkday(n) => Some(format!("{n} (调休)")), _ => None }))
            .collect();
        Ok::<_, String>((qf, holidays))
    })
    .await
    .map_err(|e| JobError::Failed(format!("forecast task panicked: {e}")))?
    .map_err(JobError::Failed)?;
    let (qf, holidays) = result;
    let intervals: Vec<ForecastInterval> = qf
        .intervals
        .iter()
        .filter_map(|i| {
            let utc = tz.from_local_datetime(&i.start).earliest()?.with_timezone(&Utc);
            let holiday = holidays.iter().find(|(d, _)| *d == i.start.date()).and_then(|(_, h)| h.clone());
            Some(ForecastInterval { interval_start: utc, volume: i.volume, aht_seconds: i.aht_seconds.unwrap_or(fallback_aht),
                volume_lower: Some(i.p10), volume_upper: Some(i.p90), adjusted_volume: None, adjusted_aht: None, holiday })
        })
        .collect();
    let accuracy = qf.selection.iter().find(|m| m.model == qf.model).and_then(|m| serde_json::to_value(m).ok());
    let nf = NewForecast {
        queue_id: q.id,
        model: format!("{:?}", qf.model),
        interval_minutes: q.interval_minutes,
        params: serde_json::json!({"start": start, "days": days, "dispersion": if qf.dispersion.is_finite() { Some(qf.dispersion) } else { None },
            "cleaned_intervals": qf.cleaning.len(), "provisional_days": qf.provisional_days}),
        accuracy,
        intervals,
    };
    Ok(store.create_forecast(&nf, actor).await?)
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    pub queue_id: Option<i64>,
}

/// Forecast versions (newest first) of the visible queues.
#[utoipa::path(get, path = "/api/v1/forecasts", tag = "forecasts", params(ListParams), responses((status = 200, body = Vec<Forecast>)))]
pub async fn list(State(s): State<AppState>, user: CurrentUser, Query(p): Query<ListParams>) -> ApiResult<Json<Vec<Forecast>>> {
    user.require(PLAN_READERS)?;
    if let Some(q) = p.queue_id {
        queue_for(&s, &user, q).await?;
    }
    let visible: Vec<i64> = visible_queues(&s, &user).await?.iter().map(|q| q.id).collect();
    Ok(Json(s.store.list_forecasts(p.queue_id).await?.into_iter().filter(|f| visible.contains(&f.queue_id)).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct ForecastDetail {
    pub forecast: Forecast,
    pub intervals: Vec<ForecastInterval>,
    pub adjustments: Vec<ForecastAdjustment>,
}

/// A forecast version (404 when its queue belongs to another tenant).
pub async fn forecast_for(s: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Forecast> {
    let f = s.store.get_forecast(id).await?;
    queue_for(s, user, f.queue_id).await.map_err(|_| ApiError::not_found(format!("forecast {id}")))?;
    Ok(f)
}

/// One forecast version with its intervals and adjustments.
#[utoipa::path(get, path = "/api/v1/forecasts/{id}", tag = "forecasts", params(("id" = i64, Path)), responses((status = 200, body = ForecastDetail)))]
pub async fn get(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<ForecastDetail>> {
    user.require(PLAN_READERS)?;
    let forecast = forecast_for(&s, &user, id).await?;
    Ok(Json(ForecastDetail { intervals: s.store.forecast_intervals(id).await?, adjustments: s.store.list_adjustments(id).await?, forecast }))
}

/// Manually adjust a forecast over `[from_ts, to_ts)` (planner; audited).
#[utoipa::path(post, path = "/api/v1/forecasts/{id}/adjustments", tag = "forecasts", params(("id" = i64, Path)),
    request_body = NewAdjustment, responses((status = 201, body = ForecastAdjustment)))]
pub async fn adjust(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Json(b): Json<NewAdjustment>) -> ApiResult<(StatusCode, Json<ForecastAdjustment>)> {
    user.require(PLANNING)?;
    forecast_for(&s, &user, id).await?;
    Ok((StatusCode::CREATED, Json(s.store.adjust_forecast(id, &b, &user.actor()).await?)))
}
