//! Forecasts: versioned per queue, with audited manual adjustments.

use crate::audit::{audit, json};
use crate::{on_pool, Actor, Forecast, ForecastAdjustment, ForecastInterval, NewAdjustment, NewForecast, Result, Store, StoreError};
use chrono::Utc;
use sqlx::QueryBuilder;

const BATCH: usize = 400;

/// The intervals of one forecast in `[$2, $3)` (before/after views of an adjustment).
const WINDOW_SQL: &str = "SELECT interval_start, volume, aht_seconds, volume_lower, volume_upper, adjusted_volume, adjusted_aht, holiday \
     FROM forecast_intervals WHERE forecast_id = $1 AND interval_start >= $2 AND interval_start < $3";

impl Store {
    /// Stores a new forecast version (previous versions are kept). Audited.
    pub async fn create_forecast(&self, f: &NewForecast, actor: &Actor) -> Result<Forecast> {
        let (Some(first), Some(last)) = (f.intervals.first(), f.intervals.last()) else {
            return Err(StoreError::Invalid("a forecast needs at least one interval".into()));
        };
        let horizon_end = last.interval_start + chrono::Duration::minutes(f.interval_minutes);
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let version: i64 = sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) + 1 FROM forecasts WHERE queue_id = $1")
                .bind(f.queue_id).fetch_one(&mut *tx).await?;
            let fc = sqlx::query_as::<_, Forecast>(
                "INSERT INTO forecasts (queue_id, version, model, horizon_start, horizon_end, interval_minutes, params, accuracy, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *")
                .bind(f.queue_id).bind(version).bind(&f.model).bind(first.interval_start).bind(horizon_end).bind(f.interval_minutes)
                .bind(f.params.to_string()).bind(f.accuracy.as_ref().map(|a| a.to_string())).bind(actor.user_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            for chunk in f.intervals.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO forecast_intervals (forecast_id, interval_start, volume, aht_seconds, volume_lower, volume_upper, adjusted_volume, adjusted_aht, holiday) ");
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(fc.id).push_bind(r.interval_start).push_bind(r.volume).push_bind(r.aht_seconds).push_bind(r.volume_lower)
                        .push_bind(r.volume_upper).push_bind(r.adjusted_volume).push_bind(r.adjusted_aht).push_bind(r.holiday.clone());
                });
                qb.build().execute(&mut *tx).await?;
            }
            audit!(&mut *tx, actor, "create", "forecast", fc.id, None::<serde_json::Value>, json(&fc));
            tx.commit().await?;
            Ok(fc)
        })
    }

    /// Forecast versions, newest first; one queue's or all.
    pub async fn list_forecasts(&self, queue_id: Option<i64>) -> Result<Vec<Forecast>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Forecast>(
            "SELECT * FROM forecasts WHERE ($1 IS NULL OR queue_id = $1) ORDER BY queue_id, version DESC")
            .bind(queue_id).fetch_all(p).await?))
    }

    pub async fn get_forecast(&self, id: i64) -> Result<Forecast> {
        on_pool!(self, p => sqlx::query_as::<_, Forecast>("SELECT * FROM forecasts WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("forecast {id}")))
    }

    pub async fn forecast_intervals(&self, forecast_id: i64) -> Result<Vec<ForecastInterval>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, ForecastInterval>(
            "SELECT interval_start, volume, aht_seconds, volume_lower, volume_upper, adjusted_volume, adjusted_aht, holiday \
             FROM forecast_intervals WHERE forecast_id = $1 ORDER BY interval_start")
            .bind(forecast_id).fetch_all(p).await?))
    }

    /// Applies a manual adjustment to the intervals in `[from, to)` and records it. Factors compose
    /// with earlier adjustments; `volume_set` replaces the volume. Audited with before/after totals.
    pub async fn adjust_forecast(&self, forecast_id: i64, adj: &NewAdjustment, actor: &Actor) -> Result<ForecastAdjustment> {
        if adj.to_ts <= adj.from_ts {
            return Err(StoreError::Invalid("adjustment window is empty (to_ts ≤ from_ts)".into()));
        }
        let finite_nonneg = |v: Option<f64>| v.is_none_or(|x| x.is_finite() && x >= 0.0);
        if !finite_nonneg(adj.volume_factor) || !finite_nonneg(adj.volume_set) || !finite_nonneg(adj.aht_factor) {
            return Err(StoreError::Invalid("factors and volumes must be finite and ≥ 0".into()));
        }
        if adj.volume_factor.is_none() && adj.volume_set.is_none() && adj.aht_factor.is_none() {
            return Err(StoreError::Invalid("give volume_factor, volume_set or aht_factor".into()));
        }
        self.get_forecast(forecast_id).await?;
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let before: Vec<ForecastInterval> = sqlx::query_as::<_, ForecastInterval>(
                WINDOW_SQL)
                .bind(forecast_id).bind(adj.from_ts).bind(adj.to_ts).fetch_all(&mut *tx).await?;
            if before.is_empty() {
                return Err(StoreError::Invalid("no forecast intervals in the adjustment window".into()));
            }
            sqlx::query(
                "UPDATE forecast_intervals SET \
                 adjusted_volume = COALESCE($1, COALESCE(adjusted_volume, volume) * COALESCE($2, 1.0)), \
                 adjusted_aht = COALESCE(adjusted_aht, aht_seconds) * COALESCE($3, 1.0) \
                 WHERE forecast_id = $4 AND interval_start >= $5 AND interval_start < $6")
                .bind(adj.volume_set).bind(adj.volume_factor).bind(adj.aht_factor).bind(forecast_id).bind(adj.from_ts).bind(adj.to_ts)
                .execute(&mut *tx).await?;
            let row = sqlx::query_as::<_, ForecastAdjustment>(
                "INSERT INTO forecast_adjustments (forecast_id, from_ts, to_ts, volume_factor, volume_set, aht_factor, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *")
                .bind(forecast_id).bind(adj.from_ts).bind(adj.to_ts).bind(adj.volume_factor).bind(adj.volume_set).bind(adj.aht_factor)
                .bind(&adj.reason).bind(actor.user_id).bind(Utc::now()).fetch_one(&mut *tx).await?;
            let after: Vec<ForecastInterval> = sqlx::query_as::<_, ForecastInterval>(
                WINDOW_SQL)
                .bind(forecast_id).bind(adj.from_ts).bind(adj.to_ts).fetch_all(&mut *tx).await?;
            let total = |v: &[ForecastInterval]| serde_json::json!({
                "intervals": v.len(),
                "volume": v.iter().map(ForecastInterval::effective_volume).sum::<f64>(),
                "mean_aht": v.iter().map(ForecastInterval::effective_aht).sum::<f64>() / v.len().max(1) as f64,
            });
            let mut after_json = total(&after);
            after_json["adjustment"] = serde_json::to_value(&row).unwrap_or_default();
            audit!(&mut *tx, actor, "adjust", "forecast", forecast_id, Some(total(&before)), Some(after_json));
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn list_adjustments(&self, forecast_id: i64) -> Result<Vec<ForecastAdjustment>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, ForecastAdjustment>(
            "SELECT * FROM forecast_adjustments WHERE forecast_id = $1 ORDER BY id").bind(forecast_id).fetch_all(p).await?))
    }
}
