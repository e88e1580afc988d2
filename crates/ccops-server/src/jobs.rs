//! Background jobs: a task runs on this server's runtime; its status, progress and cancel flag
//! are rows in the database (`jobs`), so any server can show or cancel it.

use crate::AppState;
use ccops_store::{Job, Store};
use std::future::Future;

/// Handed to a job's task: report progress and learn about cancellation.
#[derive(Clone)]
pub struct JobCtx {
    pub store: Store,
    pub job_id: i64,
}


impl JobCtx {
    /// Records progress (0…1). `Err(Cancelled)` when a cancel was requested: return it with `?`.
    pub async fn progress(&self, fraction: f64, message: &str) -> Result<(), JobError> {
        match self.store.job_progress(self.job_id, fraction, message).await {
            Ok(true) => Err(JobError::Cancelled),
            Ok(false) => Ok(()),
            Err(e) => Err(JobError::Failed(e.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
}

impl From<ccops_store::StoreError> for JobError {
    fn from(e: ccops_store::StoreError) -> Self {
        JobError::Failed(e.to_string())
    }
}

/// Creates a job row and runs `task` in the background. The task's `Ok(value)` becomes the job's
/// JSON result (`done`); `Err(Cancelled)` → `cancelled`; any other error → `failed`.
pub async fn spawn_job<F, Fut>(state: &AppState, kind: &str, params: serde_json::Value, tenant_id: Option<i64>,
                               user_id: Option<i64>, task: F) -> Result<Job, ccops_store::StoreError>
where
    F: FnOnce(JobCtx) -> Fut + Send + 'static,
    Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
{
    let job = state.store.create_job(kind, &params, tenant_id, user_id).await?;
    let ctx = JobCtx { store: state.store.clone(), job_id: job.id };
    let kind = kind.to_string();
    tokio::spawn(async move {
        let store = ctx.store.clone();
        let id = ctx.job_id;
        metrics::counter!("ccops_jobs_started_total", "kind" => kind.clone()).increment(1);
        let outcome = task(ctx).await;
        let (status, result, error) = match outcome {
            Ok(v) => ("done", Some(v), None),
            Err(JobError::Cancelled) => ("cancelled", None, None),
            Err(JobError::Failed(m)) => ("failed", None, Some(m)),
        };
        tracing::info!(job = id, kind, status, "job finished");
        metrics::counter!("ccops_jobs_finished_total", "kind" => kind, "status" => status).increment(1);
        if let Err(e) = store.finish_job(id, status, result.as_ref(), error.as_deref()).await {
            tracing::error!(job = id, error = %e, "cannot record job outcome");
        }
    });
    Ok(job)
}
