//! Audit log: who changed what, when, with before/after JSON.

use crate::{on_pool, Actor, AuditEntry, Result, Store};

/// Writes one audit entry on `$ex` (a transaction, so the entry commits with the change).
macro_rules! audit {
    ($ex:expr, $actor:expr, $action:expr, $entity:expr, $id:expr, $before:expr, $after:expr) => {{
        let before: Option<String> = $before.map(|v: serde_json::Value| v.to_string());
        let after: Option<String> = $after.map(|v: serde_json::Value| v.to_string());
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, before_json, after_json) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(chrono::Utc::now())
        .bind($actor.user_id)
        .bind(&$actor.username)
        .bind($action)
        .bind($entity)
        .bind($id.to_string())
        .bind(before)
        .bind(after)
        .execute($ex)
        .await?;
    }};
}
pub(crate) use audit;

/// Serialises a row for the audit log.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

impl Store {
    /// Records an action that is not itself a store change (e.g. an export, a login).
    pub async fn audit(&self, actor: &Actor, action: &str, entity: &str, entity_id: &str,
                       before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Result<()> {
        on_pool!(self, p => audit!(p, actor, action, entity, entity_id, before, after));
        Ok(())
    }

    /// Audit entries, newest first; filter by entity (and id) when given.
    pub async fn list_audit(&self, entity: Option<&str>, entity_id: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, AuditEntry>(
            "SELECT * FROM audit_log WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) \
             ORDER BY id DESC LIMIT $3")
            .bind(entity).bind(entity_id).bind(limit).fetch_all(p).await?))
    }
}
