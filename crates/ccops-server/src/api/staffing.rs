//! Staffing plans: a forecast turned into required agents per interval via `ccops-queueing`.

use super::forecast::forecast_for;
use super::org::{queue_for, visible_queues};
use crate::auth::{CurrentUser, PLANNING, PLAN_READERS};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use ccops_queueing::{staff, Model, StaffingCell, Targets};
use ccops_store::{ForecastInterval, Queue, StaffingInterval, StaffingPlan};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct PlanRequest {
    pub forecast_id: i64,
}

/// The queueing model for a queue: deferred work for email/tickets, Erlang A when a patience is
/// known, else Erlang C; chat uses the queue's concurrency.
pub fn queue_model(q: &Queue) -> Model {
    match q.channel.as_str() {
        "email" | "ticket" | "backoffice" => Model::Deferred,
        _ => match q.patience_seconds {
            Some(p) if p > 0.0 => Model::ErlangA { patience_seconds: p },
            _ => Model::ErlangC,
        },
    }
}

/// Requirement per interval for a queue's forecast intervals. Pure; errors name the interval.
pub fn compute_staffing(q: &Queue, intervals: &[ForecastInterval]) -> Result<Vec<StaffingInterval>, String> {
    let targets = Targets {
        service_level: Some(q.sl_target.clamp(0.01, 0.999)),
        sl_seconds: q.sl_seconds,
        max_occupancy: q.max_occupancy,
        shrinkage: q.shrinkage,
        ..Targets::default()
    };
    let model = queue_model(q);
    intervals
        .iter()
        .map(|i| {
            let cell = StaffingCell {
                volume: i.effective_volume().max(0.0),
                interval_seconds: q.interval_minutes as f64 * 60.0,
                aht_seconds: i.effective_aht().max(1.0),
                model,
                concurrency: q.concurrency.round().max(1.0) as u32,
            };
            let s = staff(&cell, &targets).map_err(|e| format!("{}: {e}", i.interval_start))?;
            let p = s.performance;
            Ok(StaffingInterval {
                interval_start: i.interval_start,
                volume: cell.volume,
                aht_seconds: cell.aht_seconds,
                agents: s.agents as i64,
                required: s.scheduled_agents,
                service_level: Some(p.service_level).filter(|v| v.is_finite()),
                asa_seconds: Some(p.asa_seconds).filter(|v| v.is_finite()),
                occupancy: Some(p.occupancy).filter(|v| v.is_finite()),
            })
        })
        .collect()
}

/// Compute and store a staffing plan from a forecast version (planner).
#[utoipa::path(post, path = "/api/v1/staffing/plans", tag = "staffing", request_body = PlanRequest, responses((status = 201, body = StaffingPlan)))]
pub async fn create(State(s): State<AppState>, user: CurrentUser, Json(b): Json<PlanRequest>) -> ApiResult<(StatusCode, Json<StaffingPlan>)> {
    user.require(PLANNING)?;
    Ok((StatusCode::CREATED, Json(plan_from_forecast(&s, &user, b.forecast_id).await?)))
}

/// Builds and stores the plan for one forecast (shared with the UI and the demo).
pub async fn plan_from_forecast(s: &AppState, user: &CurrentUser, forecast_id: i64) -> ApiResult<StaffingPlan> {
    let f = forecast_for(s, user, forecast_id).await?;
    let q = queue_for(s, user, f.queue_id).await?;
    let intervals = s.store.forecast_intervals(f.id).await?;
    let rows = compute_staffing(&q, &intervals).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
    let params = serde_json::json!({"model": format!("{:?}", queue_model(&q)), "sl_target": q.sl_target, "sl_seconds": q.sl_seconds,
        "shrinkage": q.shrinkage, "concurrency": q.concurrency, "forecast_version": f.version});
    let plan = s.store.create_staffing_plan(f.id, q.id, &params, &rows, &user.actor()).await?;
    s.store.audit(&user.actor(), "create", "staffing_plan", &plan.id.to_string(), None, serde_json::to_value(&plan).ok()).await?;
    Ok(plan)
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    pub queue_id: Option<i64>,
}

/// Staffing plans of the visible queues, newest first.
#[utoipa::path(get, path = "/api/v1/staffing/plans", tag = "staffing", params(ListParams), responses((status = 200, body = Vec<StaffingPlan>)))]
pub async fn list(State(s): State<AppState>, user: CurrentUser, Query(p): Query<ListParams>) -> ApiResult<Json<Vec<StaffingPlan>>> {
    user.require(PLAN_READERS)?;
    let visible: Vec<i64> = visible_queues(&s, &user).await?.iter().map(|q| q.id).collect();
    Ok(Json(s.store.list_staffing_plans(p.queue_id).await?.into_iter().filter(|p| visible.contains(&p.queue_id)).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct PlanDetail {
    pub plan: StaffingPlan,
    pub intervals: Vec<StaffingInterval>,
}

/// One staffing plan with its intervals.
#[utoipa::path(get, path = "/api/v1/staffing/plans/{id}", tag = "staffing", params(("id" = i64, Path)), responses((status = 200, body = PlanDetail)))]
pub async fn get(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<PlanDetail>> {
    user.require(PLAN_READERS)?;
    let plan = s.store.get_staffing_plan(id).await?;
    queue_for(&s, &user, plan.queue_id).await.map_err(|_| ApiError::not_found(format!("staffing plan {id}")))?;
    Ok(Json(PlanDetail { intervals: s.store.staffing_intervals(id).await?, plan }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn erlang_c_textbook_cell() {
        let mut q = Queue {
            id: 1, code: "v".into(), name: "v".into(), channel: "voice".into(), tenant_id: None, skill_id: None,
            timezone: "Asia/Shanghai".into(), interval_minutes: 30, sl_target: 0.8, sl_seconds: 20.0, shrinkage: 0.0,
            concurrency: 1.0, patience_seconds: None, max_occupancy: None,
        };
        let i = ForecastInterval { interval_start: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(), volume: 100.0,
            aht_seconds: 180.0, volume_lower: None, volume_upper: None, adjusted_volume: None, adjusted_aht: None, holiday: None };
        let r = compute_staffing(&q, &[i.clone()]).unwrap();
        assert_eq!(r[0].agents, 14); // 100 calls / 30 min, AHT 180 s, 80/20
        q.shrinkage = 0.3;
        let r = compute_staffing(&q, &[i]).unwrap();
        assert!((r[0].required - 14.0 / 0.7).abs() < 1e-9);
    }
}
