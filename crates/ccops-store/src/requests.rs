//! Leave and swap requests with an approval workflow. Approving changes the published roster:
//! leave turns the agent's segments in the window into `leave`; a swap exchanges the two agents'
//! segments that overlap the window. Every step is audited.

use crate::audit::{audit, json};
use crate::roster::split_segments;
use crate::{on_pool, Actor, NewRequest, Request, Result, Segment, Store, StoreError};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct SegRow {
    id: i64,
    roster_id: i64,
    agent_id: i64,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    activity: String,
    queue_id: Option<i64>,
}

/// Filter for [`Store::list_requests`].
#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub agent_id: Option<i64>,
    pub tenant_id: Option<i64>,
    pub status: Option<String>,
}

impl Store {
    pub async fn create_request(&self, r: &NewRequest, actor: &Actor) -> Result<Request> {
        if r.kind != "leave" && r.kind != "swap" {
            return Err(StoreError::Invalid(format!("request kind `{}` must be leave or swap", r.kind)));
        }
        if r.end_at <= r.start_at {
            return Err(StoreError::Invalid("request window is empty".into()));
        }
        if r.kind == "swap" && (r.counterpart_agent_id.is_none() || r.counterpart_agent_id == Some(r.agent_id)) {
            return Err(StoreError::Invalid("a swap needs another agent (counterpart_agent_id)".into()));
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let req = sqlx::query_as::<_, Request>(
                "INSERT INTO requests (kind, agent_id, counterpart_agent_id, start_at, end_at, reason, status, auto_approved, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING *")
                .bind(&r.kind).bind(r.agent_id).bind(r.counterpart_agent_id).bind(r.start_at).bind(r.end_at).bind(&r.reason)
                .bind(false).bind(actor.user_id).bind(Utc::now()).fetch_one(&mut *tx).await?;
            audit!(&mut *tx, actor, "create", "request", req.id, None::<serde_json::Value>, json(&req));
            tx.commit().await?;
            Ok(req)
        })
    }

    pub async fn get_request(&self, id: i64) -> Result<Request> {
        on_pool!(self, p => sqlx::query_as::<_, Request>("SELECT * FROM requests WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("request {id}")))
    }

    /// Requests, newest first. `agent_id` matches requester or swap counterpart; `tenant_id`
    /// keeps requests of that tenant's agents.
    pub async fn list_requests(&self, f: &RequestFilter) -> Result<Vec<Request>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Request>(
            "SELECT r.* FROM requests r JOIN agents a ON a.id = r.agent_id \
             WHERE ($1 IS NULL OR r.agent_id = $1 OR r.counterpart_agent_id = $1) AND ($2 IS NULL OR a.tenant_id = $2) \
             AND ($3 IS NULL OR r.status = $3) ORDER BY r.id DESC")
            .bind(f.agent_id).bind(f.tenant_id).bind(f.status.as_deref()).fetch_all(p).await?))
    }

    /// Approves or rejects a pending request (`approve` true/false), storing the staffing impact
    /// shown to the decider. Approval rewrites the published roster in the same transaction.
    pub async fn decide_request(&self, id: i64, approve: bool, impact: Option<&serde_json::Value>, note: Option<&str>,
                                auto: bool, actor: &Actor) -> Result<Request> {
        let before = self.get_request(id).await?;
        if before.status != "pending" {
            return Err(StoreError::Conflict(format!("request {id} is already {}", before.status)));
        }
        let status = if approve { "approved" } else { "rejected" };
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let after = sqlx::query_as::<_, Request>(
                "UPDATE requests SET status = $1, impact = $2, auto_approved = $3, decided_by = $4, decided_at = $5, decision_note = $6 \
                 WHERE id = $7 AND status = 'pending' RETURNING *")
                .bind(status).bind(impact.map(|v| v.to_string())).bind(auto).bind(actor.user_id).bind(Utc::now()).bind(note).bind(id)
                .fetch_optional(&mut *tx).await?
                .ok_or_else(|| StoreError::Conflict(format!("request {id} was decided concurrently")))?;
            if approve {
                let agents: Vec<i64> = std::iter::once(before.agent_id).chain(before.counterpart_agent_id).collect();
                let mut rows: Vec<SegRow> = Vec::new();
                for a in &agents {
                    rows.extend(sqlx::query_as::<_, SegRow>(
                        "SELECT s.id, s.roster_id, s.agent_id, s.start_at, s.end_at, s.activity, s.queue_id FROM roster_segments s \
                         JOIN rosters r ON r.id = s.roster_id WHERE r.status = 'published' AND s.agent_id = $1 AND s.end_at > $2 AND s.start_at < $3")
                        .bind(*a).bind(before.start_at).bind(before.end_at).fetch_all(&mut *tx).await?);
                }
                let changed = rows.len();
                if before.kind == "leave" {
                    for r in &rows {
                        sqlx::query("DELETE FROM roster_segments WHERE id = $1").bind(r.id).execute(&mut *tx).await?;
                        let seg = Segment { agent_id: r.agent_id, start_at: r.start_at, end_at: r.end_at, activity: r.activity.clone(), queue_id: r.queue_id };
                        let pieces = split_segments(&[seg], before.start_at, before.end_at, |m| {
                            let activity = if m.activity == "off" { "off" } else { "leave" };
                            Some(Segment { activity: activity.into(), queue_id: None, ..m.clone() })
                        });
                        for s in pieces {
                            sqlx::query("INSERT INTO roster_segments (roster_id, agent_id, start_at, end_at, activity, queue_id) VALUES ($1, $2, $3, $4, $5, $6)")
                                .bind(r.roster_id).bind(s.agent_id).bind(s.start_at).bind(s.end_at).bind(&s.activity).bind(s.queue_id)
                                .execute(&mut *tx).await?;
                        }
                    }
                } else if let Some(other) = before.counterpart_agent_id {
                    for r in &rows {
                        let to = if r.agent_id == before.agent_id { other } else { before.agent_id };
                        sqlx::query("UPDATE roster_segments SET agent_id = $1 WHERE id = $2").bind(to).bind(r.id).execute(&mut *tx).await?;
                    }
                }
                audit!(&mut *tx, actor, "apply_request", "roster", rows.first().map(|r| r.roster_id).unwrap_or(0),
                       None::<serde_json::Value>, Some(serde_json::json!({"request": id, "kind": before.kind, "segments_changed": changed})));
            }
            audit!(&mut *tx, actor, status, "request", id, json(&before), json(&after));
            tx.commit().await?;
            Ok(after)
        })
    }

    /// The requester withdraws a pending request. Audited.
    pub async fn cancel_request(&self, id: i64, actor: &Actor) -> Result<Request> {
        let before = self.get_request(id).await?;
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let after = sqlx::query_as::<_, Request>("UPDATE requests SET status = 'cancelled' WHERE id = $1 AND status = 'pending' RETURNING *")
                .bind(id).fetch_optional(&mut *tx).await?
                .ok_or_else(|| StoreError::Conflict(format!("request {id} is not pending")))?;
            audit!(&mut *tx, actor, "cancel", "request", id, json(&before), json(&after));
            tx.commit().await?;
            Ok(after)
        })
    }
}
