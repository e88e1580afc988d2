//! Staffing plans: the requirement per interval computed from a forecast.

use crate::{on_pool, Actor, Result, StaffingInterval, StaffingPlan, Store, StoreError};
use chrono::Utc;
use sqlx::QueryBuilder;

const BATCH: usize = 500;

impl Store {
    pub async fn create_staffing_plan(&self, forecast_id: i64, queue_id: i64, params: &serde_json::Value,
                                      intervals: &[StaffingInterval], actor: &Actor) -> Result<StaffingPlan> {
        if intervals.is_empty() {
            return Err(StoreError::Invalid("a staffing plan needs at least one interval".into()));
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let plan = sqlx::query_as::<_, StaffingPlan>(
                "INSERT INTO staffing_plans (forecast_id, queue_id, params, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *")
                .bind(forecast_id).bind(queue_id).bind(params.to_string()).bind(actor.user_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            for chunk in intervals.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO staffing_intervals (plan_id, interval_start, volume, aht_seconds, agents, required, service_level, asa_seconds, occupancy) ");
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(plan.id).push_bind(r.interval_start).push_bind(r.volume).push_bind(r.aht_seconds).push_bind(r.agents)
                        .push_bind(r.required).push_bind(r.service_level).push_bind(r.asa_seconds).push_bind(r.occupancy);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(plan)
        })
    }

    /// Plans, newest first; one queue's or all.
    pub async fn list_staffing_plans(&self, queue_id: Option<i64>) -> Result<Vec<StaffingPlan>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, StaffingPlan>(
            "SELECT * FROM staffing_plans WHERE ($1 IS NULL OR queue_id = $1) ORDER BY id DESC").bind(queue_id).fetch_all(p).await?))
    }

    pub async fn get_staffing_plan(&self, id: i64) -> Result<StaffingPlan> {
        on_pool!(self, p => sqlx::query_as::<_, StaffingPlan>("SELECT * FROM staffing_plans WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("staffing plan {id}")))
    }

    pub async fn staffing_intervals(&self, plan_id: i64) -> Result<Vec<StaffingInterval>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, StaffingInterval>(
            "SELECT interval_start, volume, aht_seconds, agents, required, service_level, asa_seconds, occupancy \
             FROM staffing_intervals WHERE plan_id = $1 ORDER BY interval_start").bind(plan_id).fetch_all(p).await?))
    }

    /// The newest plan per queue (what scheduling and request impact compare against).
    pub async fn latest_staffing_plans(&self) -> Result<Vec<StaffingPlan>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, StaffingPlan>(
            "SELECT * FROM staffing_plans s WHERE id = (SELECT MAX(id) FROM staffing_plans t WHERE t.queue_id = s.queue_id) ORDER BY queue_id")
            .fetch_all(p).await?))
    }
}
