//! Interval history (ACD exports), imported in one transaction.

use crate::{on_pool, HistoryRow, HistorySummary, Result, Store};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

/// Rows per multi-row INSERT: 7 binds each stays far below both databases' parameter limits.
const BATCH: usize = 500;

impl Store {
    /// Upserts history rows (replacing existing intervals) and records the import — all or
    /// nothing: if any row fails, nothing is written. Returns the import id.
    pub async fn import_history(&self, file_name: &str, rows: &[HistoryRow], user_id: Option<i64>) -> Result<i64> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for chunk in rows.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO history (queue_id, interval_start, interval_minutes, offered, handled, abandoned, aht_seconds) ");
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.queue_id).push_bind(r.interval_start).push_bind(r.interval_minutes).push_bind(r.offered)
                        .push_bind(r.handled).push_bind(r.abandoned).push_bind(r.aht_seconds);
                });
                qb.push(" ON CONFLICT (queue_id, interval_start) DO UPDATE SET interval_minutes = excluded.interval_minutes, \
                         offered = excluded.offered, handled = excluded.handled, abandoned = excluded.abandoned, \
                         aht_seconds = excluded.aht_seconds");
                qb.build().execute(&mut *tx).await?;
            }
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO imports (kind, file_name, rows, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind("history").bind(file_name).bind(rows.len() as i64).bind(user_id).bind(Utc::now())
                .fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// History of one queue in `[from, to)` (either bound optional), oldest first.
    pub async fn history(&self, queue_id: i64, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<Vec<HistoryRow>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, HistoryRow>(
            "SELECT * FROM history WHERE queue_id = $1 AND ($2 IS NULL OR interval_start >= $2) \
             AND ($3 IS NULL OR interval_start < $3) ORDER BY interval_start")
            .bind(queue_id).bind(from).bind(to).fetch_all(p).await?))
    }

    /// Interval count and date range per queue.
    pub async fn history_summary(&self) -> Result<Vec<HistorySummary>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, HistorySummary>(
            "SELECT queue_id, COUNT(*) AS intervals, MIN(interval_start) AS first, MAX(interval_start) AS last \
             FROM history GROUP BY queue_id ORDER BY queue_id").fetch_all(p).await?))
    }
}
