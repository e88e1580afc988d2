//! Background jobs: status, progress and a cancel flag, all in the database so any server can
//! show or cancel a job another server runs.

use crate::{on_pool, Job, Result, Store, StoreError};
use chrono::Utc;

impl Store {
    pub async fn create_job(&self, kind: &str, params: &serde_json::Value, tenant_id: Option<i64>, created_by: Option<i64>) -> Result<Job> {
        let now = Utc::now();
        Ok(on_pool!(self, p => sqlx::query_as::<_, Job>(
            "INSERT INTO jobs (kind, status, progress, message, cancel_requested, params, tenant_id, created_by, created_at, updated_at) \
             VALUES ($1, 'queued', 0.0, '', $2, $3, $4, $5, $6, $6) RETURNING *")
            .bind(kind).bind(false).bind(params.to_string()).bind(tenant_id).bind(created_by).bind(now).fetch_one(p).await?))
    }

    pub async fn get_job(&self, id: i64) -> Result<Job> {
        on_pool!(self, p => sqlx::query_as::<_, Job>("SELECT * FROM jobs WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("job {id}")))
    }

    pub async fn list_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Job>("SELECT * FROM jobs ORDER BY id DESC LIMIT $1").bind(limit).fetch_all(p).await?))
    }

    /// Records progress (0…1) and a message; marks the job running. Returns true when a cancel
    /// was requested — the worker should stop and call [`Store::finish_job`] with `cancelled`.
    pub async fn job_progress(&self, id: i64, progress: f64, message: &str) -> Result<bool> {
        let p01 = if progress.is_finite() { progress.clamp(0.0, 1.0) } else { 0.0 };
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, bool>(
            "UPDATE jobs SET status = 'running', progress = $1, message = $2, updated_at = $3 WHERE id = $4 RETURNING cancel_requested")
            .bind(p01).bind(message).bind(Utc::now()).bind(id).fetch_optional(p).await?)
            .unwrap_or(true))
    }

    /// Ends a job: status `done`, `failed` or `cancelled`, with a JSON result or an error text.
    pub async fn finish_job(&self, id: i64, status: &str, result: Option<&serde_json::Value>, error: Option<&str>) -> Result<()> {
        let progress = if status == "done" { 1.0 } else { -1.0 };
        on_pool!(self, p => {
            sqlx::query(
                "UPDATE jobs SET status = $1, progress = CASE WHEN $2 >= 0.0 THEN $2 ELSE progress END, result = $3, error = $4, updated_at = $5 WHERE id = $6")
                .bind(status).bind(progress).bind(result.map(|r| r.to_string())).bind(error).bind(Utc::now()).bind(id).execute(p).await?;
        });
        Ok(())
    }

    /// Asks a queued or running job to stop. Returns false when it had already finished.
    pub async fn request_job_cancel(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE jobs SET cancel_requested = $1, updated_at = $2 WHERE id = $3 AND status IN ('queued', 'running')")
            .bind(true).bind(Utc::now()).bind(id).execute(p).await?.rows_affected());
        if n == 0 {
            self.get_job(id).await?;
        }
        Ok(n > 0)
    }

    pub async fn job_cancel_requested(&self, id: i64) -> Result<bool> {
        Ok(self.get_job(id).await?.cancel_requested)
    }

    /// Marks queued/running jobs not updated for `idle_secs` as failed (their server stopped).
    /// Called at server start; running jobs report progress far more often than that.
    pub async fn fail_stale_jobs(&self, idle_secs: i64) -> Result<u64> {
        let cutoff = Utc::now() - chrono::Duration::seconds(idle_secs);
        Ok(on_pool!(self, p => sqlx::query(
            "UPDATE jobs SET status = 'failed', error = 'the server running this job stopped', updated_at = $1 \
             WHERE status IN ('queued', 'running') AND updated_at < $2")
            .bind(Utc::now()).bind(cutoff).execute(p).await?.rows_affected()))
    }
}
