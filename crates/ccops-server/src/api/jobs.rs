//! Background jobs (progress, cancel) and the audit log.

use crate::auth::{CurrentUser, Role, PLANNING};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use ccops_store::{AuditEntry, Job};
use serde::Deserialize;
use utoipa::IntoParams;

const JOB_VIEWERS: &[Role] = &[Role::Planner, Role::Supervisor];

/// Recent jobs (planner, supervisor).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", responses((status = 200, body = Vec<Job>)))]
pub async fn list(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Job>>> {
    user.require(JOB_VIEWERS)?;
    let jobs = s.store.list_jobs(100).await?;
    Ok(Json(jobs.into_iter().filter(|j| user.tenant_id.is_none() || j.tenant_id == user.tenant_id).collect()))
}

/// A job the user may see: its creator, or a planner/supervisor of the same scope.
pub async fn job_for(s: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Job> {
    let j = s.store.get_job(id).await?;
    let mine = j.created_by == Some(user.user_id);
    if !mine && !(user.has(JOB_VIEWERS) && (user.tenant_id.is_none() || j.tenant_id == user.tenant_id)) {
        return Err(ApiError::not_found(format!("job {id}")));
    }
    Ok(j)
}

/// Status and progress of a job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)), responses((status = 200, body = Job)))]
pub async fn get(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<Job>> {
    Ok(Json(job_for(&s, &user, id).await?))
}

/// Ask a running job to stop (planner).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", params(("id" = i64, Path)), responses((status = 200, body = Job)))]
pub async fn cancel(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<Job>> {
    user.require(PLANNING)?;
    job_for(&s, &user, id).await?;
    s.store.request_job_cancel(id).await?;
    s.store.audit(&user.actor(), "cancel", "job", &id.to_string(), None, None).await?;
    Ok(Json(s.store.get_job(id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// forecast | roster | request | user | …
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Default 200, at most 1000.
    pub limit: Option<i64>,
}

/// The audit log, newest first (admin, planner).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), responses((status = 200, body = Vec<AuditEntry>)))]
pub async fn audit(State(s): State<AppState>, user: CurrentUser, Query(p): Query<AuditParams>) -> ApiResult<Json<Vec<AuditEntry>>> {
    user.require(PLANNING)?;
    if user.tenant_id.is_some() {
        return Err(ApiError::forbidden());
    }
    let limit = p.limit.unwrap_or(200).clamp(1, 1000);
    Ok(Json(s.store.list_audit(p.entity.as_deref(), p.entity_id.as_deref(), limit).await?))
}
