//! Rosters: versions (draft → published → archived) with segments per agent.

use crate::audit::{audit, json};
use crate::{on_pool, Actor, NewRoster, Result, Roster, Segment, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

const BATCH: usize = 500;

impl Store {
    /// Stores a draft roster; its version is one more than the latest roster for the same
    /// tenant and period start. Audited.
    pub async fn create_roster(&self, r: &NewRoster, actor: &Actor) -> Result<Roster> {
        if r.period_end <= r.period_start {
            return Err(StoreError::Invalid("roster period is empty".into()));
        }
        if let Some(s) = r.segments.iter().find(|s| s.end_at <= s.start_at) {
            return Err(StoreError::Invalid(format!("segment of agent {} ends before it starts ({})", s.agent_id, s.start_at)));
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let version = sqlx::query_scalar::<_, i64>(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM rosters WHERE period_start = $1 AND \
                 (tenant_id = $2 OR (tenant_id IS NULL AND $2 IS NULL))")
                .bind(r.period_start).bind(r.tenant_id).fetch_one(&mut *tx).await?;
            let roster = sqlx::query_as::<_, Roster>(
                "INSERT INTO rosters (name, tenant_id, period_start, period_end, version, status, based_on, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8) RETURNING *")
                .bind(&r.name).bind(r.tenant_id).bind(r.period_start).bind(r.period_end).bind(version).bind(r.based_on)
                .bind(actor.user_id).bind(Utc::now()).fetch_one(&mut *tx).await?;
            for chunk in r.segments.chunks(BATCH) {
                let mut qb = QueryBuilder::new("INSERT INTO roster_segments (roster_id, agent_id, start_at, end_at, activity, queue_id) ");
                qb.push_values(chunk, |mut b, s| {
                    b.push_bind(roster.id).push_bind(s.agent_id).push_bind(s.start_at).push_bind(s.end_at)
                        .push_bind(s.activity.clone()).push_bind(s.queue_id);
                });
                qb.build().execute(&mut *tx).await?;
            }
            let mut after = json(&roster);
            if let Some(a) = after.as_mut() { a["segments"] = r.segments.len().into(); }
            audit!(&mut *tx, actor, "create", "roster", roster.id, None::<serde_json::Value>, after);
            tx.commit().await?;
            Ok(roster)
        })
    }

    /// Rosters, newest first: all, or those of one tenant plus the center-wide ones.
    pub async fn list_rosters(&self, tenant: Option<i64>) -> Result<Vec<Roster>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Roster>(
            "SELECT * FROM rosters WHERE ($1 IS NULL OR tenant_id = $1 OR tenant_id IS NULL) ORDER BY id DESC")
            .bind(tenant).fetch_all(p).await?))
    }

    pub async fn get_roster(&self, id: i64) -> Result<Roster> {
        on_pool!(self, p => sqlx::query_as::<_, Roster>("SELECT * FROM rosters WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("roster {id}")))
    }

    /// Segments of a roster; restricted to one agent and/or to the agents of one tenant.
    pub async fn roster_segments(&self, roster_id: i64, agent_id: Option<i64>, tenant: Option<i64>) -> Result<Vec<Segment>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Segment>(
            "SELECT s.agent_id, s.start_at, s.end_at, s.activity, s.queue_id FROM roster_segments s JOIN agents a ON a.id = s.agent_id \
             WHERE s.roster_id = $1 AND ($2 IS NULL OR s.agent_id = $2) AND ($3 IS NULL OR a.tenant_id = $3) \
             ORDER BY s.agent_id, s.start_at")
            .bind(roster_id).bind(agent_id).bind(tenant).fetch_all(p).await?))
    }

    /// Published segments of one agent overlapping `[from, to)`: the agent's schedule.
    pub async fn published_segments(&self, agent_id: Option<i64>, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Segment>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Segment>(
            "SELECT s.agent_id, s.start_at, s.end_at, s.activity, s.queue_id FROM roster_segments s JOIN rosters r ON r.id = s.roster_id \
             WHERE r.status = 'published' AND ($1 IS NULL OR s.agent_id = $1) AND s.end_at > $2 AND s.start_at < $3 \
             ORDER BY s.agent_id, s.start_at")
            .bind(agent_id).bind(from).bind(to).fetch_all(p).await?))
    }

    /// Publishes a roster; a published roster of the same tenant with an overlapping period is
    /// archived (one published version at a time). Audited.
    pub async fn publish_roster(&self, id: i64, actor: &Actor) -> Result<Roster> {
        let before = self.get_roster(id).await?;
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let archived: Vec<i64> = sqlx::query_scalar::<_, i64>(
                "UPDATE rosters SET status = 'archived' WHERE status = 'published' AND id <> $1 \
                 AND (tenant_id = $2 OR (tenant_id IS NULL AND $2 IS NULL)) AND period_start < $3 AND period_end > $4 RETURNING id")
                .bind(id).bind(before.tenant_id).bind(before.period_end).bind(before.period_start).fetch_all(&mut *tx).await?;
            let after = sqlx::query_as::<_, Roster>(
                "UPDATE rosters SET status = 'published', published_at = $1, published_by = $2 WHERE id = $3 RETURNING *")
                .bind(Utc::now()).bind(actor.user_id).bind(id).fetch_one(&mut *tx).await?;
            for a in &archived {
                audit!(&mut *tx, actor, "archive", "roster", a, None::<serde_json::Value>, Some(serde_json::json!({"status": "archived", "superseded_by": id})));
            }
            audit!(&mut *tx, actor, "publish", "roster", id, json(&before), json(&after));
            tx.commit().await?;
            Ok(after)
        })
    }

    /// Returns a published roster to draft (agents stop seeing it). Audited.
    pub async fn unpublish_roster(&self, id: i64, actor: &Actor) -> Result<Roster> {
        let before = self.get_roster(id).await?;
        if before.status != "published" {
            return Err(StoreError::Conflict(format!("roster {id} is {}, not published", before.status)));
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let after = sqlx::query_as::<_, Roster>(
                "UPDATE rosters SET status = 'draft', published_at = NULL, published_by = NULL WHERE id = $1 RETURNING *")
                .bind(id).fetch_one(&mut *tx).await?;
            audit!(&mut *tx, actor, "unpublish", "roster", id, json(&before), json(&after));
            tx.commit().await?;
            Ok(after)
        })
    }
}

/// Splits `segs` around `[from, to)`: parts outside keep their activity; parts inside get
/// `inside(activity)` (or are dropped when it returns None).
pub(crate) fn split_segments(segs: &[Segment], from: DateTime<Utc>, to: DateTime<Utc>,
                             inside: impl Fn(&Segment) -> Option<Segment>) -> Vec<Segment> {
    let mut out = Vec::new();
    for s in segs {
        if s.end_at <= from || s.start_at >= to {
            out.push(s.clone());
            continue;
        }
        if s.start_at < from {
            out.push(Segment { end_at: from, ..s.clone() });
        }
        let mid = Segment { start_at: s.start_at.max(from), end_at: s.end_at.min(to), ..s.clone() };
        if let Some(m) = inside(&mid) {
            out.push(m);
        }
        if s.end_at > to {
            out.push(Segment { start_at: to, ..s.clone() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    #[test]
    fn split_keeps_outside_and_relabels_inside() {
        let s = Segment { agent_id: 1, start_at: t(8), end_at: t(17), activity: "work".into(), queue_id: None };
        let out = split_segments(&[s], t(10), t(12), |m| Some(Segment { activity: "leave".into(), ..m.clone() }));
        let acts: Vec<_> = out.iter().map(|s| (s.start_at, s.end_at, s.activity.as_str())).collect();
        assert_eq!(acts, vec![(t(8), t(10), "work"), (t(10), t(12), "leave"), (t(12), t(17), "work")]);
    }

    #[test]
    fn split_untouched_outside_window() {
        let s = Segment { agent_id: 1, start_at: t(8), end_at: t(9), activity: "work".into(), queue_id: None };
        let out = split_segments(&[s.clone()], t(10), t(12), |_| None);
        assert_eq!(out, vec![s]);
    }
}
