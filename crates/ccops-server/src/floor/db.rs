//! Live-floor tables (migrations `*_floor.sql`): one query text per operation, run on SQLite or
//! PostgreSQL through `ccops_store::on_pool!`. Times are epoch milliseconds.

use ccops_floor::{AgentState, Alert, AlertRule, ExceptionStatus, Playbook, PlaybookStep, StateEvent};
use ccops_formats::events::QueueStats;
use ccops_store::{Actor, Result, Store, StoreError, on_pool};
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;

/// Rows per multi-row INSERT: 9 binds each stays far below SQLite's 32 766 limit.
const BATCH: usize = 1000;

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(m: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(m).single().unwrap_or_default()
}

/// Store a batch of events in ONE transaction, ignoring event ids already stored. Returns how
/// many were new. When this returns Ok the rows are committed: only then may the caller ack.
/// A batch of up to [`BATCH`] events is one INSERT statement in autocommit mode (atomic on its
/// own; SQLite then needs no statement journal, which costs a temp-file write per changed page);
/// bigger batches are several statements in an explicit transaction.
pub async fn insert_events(store: &Store, tenant: i64, source: &str, events: &[StateEvent], received_ms: i64) -> Result<u64> {
    if events.is_empty() {
        return Ok(0);
    }
    let mut stored = 0u64;
    macro_rules! insert {
        ($chunk:expr) => {{
            let mut qb = QueryBuilder::new(
                "INSERT INTO floor_events (tenant_id, event_id, agent_code, state, at_ms, queue, reason, source, received_ms) ");
            qb.push_values($chunk, |mut b, e| {
                b.push_bind(tenant).push_bind(&e.event_id).push_bind(&e.agent_id).push_bind(e.state.as_str())
                    .push_bind(ms(e.at)).push_bind(&e.queue).push_bind(&e.reason).push_bind(source).push_bind(received_ms);
            });
            qb.push(" ON CONFLICT (tenant_id, event_id) DO NOTHING");
            qb
        }};
    }
    on_pool!(store, p => {
        if events.len() <= BATCH {
            stored += insert!(events).build().execute(p).await?.rows_affected();
        } else {
            let mut tx = p.begin().await?;
            for chunk in events.chunks(BATCH) {
                stored += insert!(chunk).build().execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
        }
    });
    Ok(stored)
}

/// Upsert queue statistics lines (a re-sent interval replaces the earlier numbers).
pub async fn upsert_stats(store: &Store, tenant: i64, stats: &[QueueStats], received_ms: i64) -> Result<u64> {
    let mut n = 0;
    on_pool!(store, p => {
        let mut tx = p.begin().await?;
        for s in stats {
            n += sqlx::query(
                "INSERT INTO floor_queue_stats (tenant_id, queue, interval_start_ms, interval_minutes, offered, answered, abandoned, \
                 answered_within_sl, short_abandoned, aht_seconds, received_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) \
                 ON CONFLICT (tenant_id, queue, interval_start_ms) DO UPDATE SET interval_minutes = excluded.interval_minutes, \
                 offered = excluded.offered, answered = excluded.answered, abandoned = excluded.abandoned, \
                 answered_within_sl = excluded.answered_within_sl, short_abandoned = excluded.short_abandoned, \
                 aht_seconds = excluded.aht_seconds, received_ms = excluded.received_ms")
                .bind(tenant).bind(&s.queue).bind(ms(s.interval_start)).bind(i64::from(s.interval_minutes))
                .bind(s.offered).bind(s.answered).bind(s.abandoned).bind(s.answered_within_sl).bind(s.short_abandoned)
                .bind(s.aht_seconds).bind(received_ms)
                .execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
    });
    Ok(n)
}

#[derive(sqlx::FromRow)]
struct EventRow {
    event_id: String,
    agent_code: String,
    state: String,
    at_ms: i64,
    queue: Option<String>,
    reason: Option<String>,
}

impl EventRow {
    fn into_event(self) -> Option<StateEvent> {
        let state: AgentState = self.state.parse().ok()?;
        Some(StateEvent { event_id: self.event_id, agent_id: self.agent_code, state, at: from_ms(self.at_ms), queue: self.queue, reason: self.reason })
    }
}

/// Events with `from <= at < until` (all agents, or one agent).
pub async fn events_between(store: &Store, agent: Option<&str>, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<StateEvent>> {
    let rows: Vec<EventRow> = on_pool!(store, p => sqlx::query_as::<_, EventRow>(
        "SELECT event_id, agent_code, state, at_ms, queue, reason FROM floor_events \
         WHERE at_ms >= $1 AND at_ms < $2 AND ($3 IS NULL OR agent_code = $3) ORDER BY at_ms")
        .bind(ms(from)).bind(ms(until)).bind(agent).fetch_all(p).await?);
    Ok(rows.into_iter().filter_map(EventRow::into_event).collect())
}

/// Events with `from <= at < until` of the listed agents only (in chunks of 500 codes).
pub async fn events_of_agents(store: &Store, agents: &[&str], from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<StateEvent>> {
    let mut out = Vec::new();
    for chunk in agents.chunks(500) {
        let rows: Vec<EventRow> = on_pool!(store, p => {
            let mut qb = QueryBuilder::new("SELECT event_id, agent_code, state, at_ms, queue, reason FROM floor_events WHERE at_ms >= ");
            qb.push_bind(ms(from)).push(" AND at_ms < ").push_bind(ms(until)).push(" AND agent_code IN (");
            let mut sep = qb.separated(", ");
            for a in chunk {
                sep.push_bind(*a);
            }
            qb.push(") ORDER BY at_ms");
            qb.build_query_as::<EventRow>().fetch_all(p).await?
        });
        out.extend(rows.into_iter().filter_map(EventRow::into_event));
    }
    out.sort_by_key(|e| e.at);
    Ok(out)
}

/// One row of the live stream (what the SSE clients receive).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StreamRow {
    #[serde(skip)]
    pub seq: i64,
    #[serde(skip)]
    pub tenant_id: i64,
    #[serde(rename = "a")]
    pub agent_code: String,
    #[serde(rename = "s")]
    pub state: String,
    #[serde(rename = "t")]
    pub at_ms: i64,
    #[serde(rename = "q", skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(rename = "e")]
    pub event_id: String,
}

/// Where this process's stream poller stands (see [`stream_next`]).
#[derive(Debug, Clone, PartialEq)]
pub enum StreamPos {
    /// SQLite: the last `seq` read. SQLite commits one writer at a time, so a row with a lower
    /// `seq` can never become visible after a higher one: `seq > cursor` misses nothing.
    Seq(i64),
    /// PostgreSQL: the snapshot (`pg_current_snapshot()` text, `xmin:xmax:xip,…`) of the previous
    /// read. A row not visible in it was inserted by a transaction that was still running
    /// (`tx_id ∈ xip`) or had not started (`tx_id >= xmax`), so "visible now and not then" is
    /// `tx_id >= xmax OR tx_id = ANY(xip)` — exact, without holes to chase, whatever commits in
    /// whatever order. `xmin` is the client cursor of this position.
    Snapshot { snapshot: String, xmin: i64 },
}

impl StreamPos {
    /// The cursor handed to SSE clients (and taken back as `?since=`): SQLite the last `seq`,
    /// PostgreSQL the snapshot xmin (every event of a transaction below it was delivered).
    pub fn cursor(&self) -> i64 {
        match self {
            StreamPos::Seq(s) => *s,
            StreamPos::Snapshot { xmin, .. } => *xmin,
        }
    }
}

const STREAM_COLS: &str = "SELECT seq, tenant_id, agent_code, state, at_ms, queue, event_id FROM floor_events";

/// PostgreSQL: a REPEATABLE READ transaction, so both statements run on the snapshot the first
/// one reports.
const PG_SNAPSHOT_TX: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
/// First statement of that transaction: the snapshot, and plan settings for the read that
/// follows. PostgreSQL has no statistics-based estimate for `xid8` ranges (it assumes a third of
/// the table matches `tx_id >= …`), so without this it plans a (parallel) sequential scan of the
/// whole table for what is a few hundred rows at the end of `floor_events_tx`.
const PG_SNAPSHOT_SQL: &str = "SELECT set_config('enable_seqscan', 'off', true), \
     set_config('max_parallel_workers_per_gather', '0', true), pg_current_snapshot()::text";

async fn pg_snapshot(tx: &mut sqlx::PgConnection) -> Result<String> {
    let (_, _, snapshot): (String, String, String) = sqlx::query_as(PG_SNAPSHOT_SQL).fetch_one(tx).await?;
    Ok(snapshot)
}

fn snapshot_xmin(snapshot: &str) -> Result<i64> {
    snapshot
        .split(':')
        .next()
        .and_then(|x| x.parse().ok())
        .ok_or_else(|| StoreError::Invalid(format!("unexpected pg_current_snapshot() `{snapshot}`")))
}

/// The current stream position (what the poller starts from).
pub async fn stream_start(store: &Store) -> Result<StreamPos> {
    Ok(match store.pool_ref() {
        ccops_store::PoolRef::Postgres(p) => {
            let snapshot: String = sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(p).await?;
            StreamPos::Snapshot { xmin: snapshot_xmin(&snapshot)?, snapshot }
        }
        ccops_store::PoolRef::Sqlite(p) => {
            StreamPos::Seq(sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM floor_events").fetch_one(p).await?)
        }
    })
}

/// The client cursor of "now", taken BEFORE a snapshot page reads its events: every event it
/// does not see is replayed by `?since=<cursor>` or arrives on the stream.
pub async fn stream_cursor(store: &Store) -> Result<i64> {
    Ok(stream_start(store).await?.cursor())
}

/// Events that became visible since `pos`, in arrival order (PostgreSQL: by inserting
/// transaction, then `seq`), and the new position. Every committed event is returned by exactly
/// one call of a chain starting at [`stream_start`]. SQLite reads at most `limit` rows per call
/// (call again when it returned `limit`); PostgreSQL returns everything that committed since the
/// previous call (bounded by what commits in one poll interval).
pub async fn stream_next(store: &Store, pos: &StreamPos, limit: i64) -> Result<(Vec<StreamRow>, StreamPos)> {
    match (store.pool_ref(), pos) {
        (ccops_store::PoolRef::Postgres(p), StreamPos::Snapshot { snapshot: prev, .. }) => {
            let mut tx = p.begin_with(PG_SNAPSHOT_TX).await?;
            let snapshot = pg_snapshot(&mut tx).await?;
            let rows = sqlx::query_as::<_, StreamRow>(sqlx::AssertSqlSafe(format!(
                "{STREAM_COLS} WHERE tx_id >= pg_snapshot_xmax($1::pg_snapshot) \
                 OR tx_id = ANY(ARRAY(SELECT pg_snapshot_xip($1::pg_snapshot))) ORDER BY tx_id, seq"
            )))
            .bind(prev)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((rows, StreamPos::Snapshot { xmin: snapshot_xmin(&snapshot)?, snapshot }))
        }
        (ccops_store::PoolRef::Sqlite(p), StreamPos::Seq(cursor)) => {
            let rows = sqlx::query_as::<_, StreamRow>(sqlx::AssertSqlSafe(format!("{STREAM_COLS} WHERE seq > $1 ORDER BY seq LIMIT $2")))
                .bind(cursor)
                .bind(limit)
                .fetch_all(p)
                .await?;
            let next = rows.last().map_or(*cursor, |r| r.seq);
            Ok((rows, StreamPos::Seq(next)))
        }
        _ => Err(StoreError::Invalid("stream position of the other database kind".into())),
    }
}

/// Replay for a client that has seen everything up to `cursor` (a snapshot's `cursor`, or the
/// last SSE message's): the events it may have missed, in arrival order, and the cursor after
/// them; `None` when there are more than `limit` (the client should reload its snapshot).
/// On PostgreSQL the replay may repeat events the client already has (those of transactions at
/// or above its xmin cursor that it saw early); clients apply events by their `at`, so a repeat
/// changes nothing.
pub async fn stream_since(store: &Store, cursor: i64, limit: i64) -> Result<Option<(Vec<StreamRow>, i64)>> {
    let (rows, next) = match store.pool_ref() {
        ccops_store::PoolRef::Postgres(p) => {
            let mut tx = p.begin_with(PG_SNAPSHOT_TX).await?;
            let snapshot = pg_snapshot(&mut tx).await?;
            let rows = sqlx::query_as::<_, StreamRow>(sqlx::AssertSqlSafe(format!(
                "{STREAM_COLS} WHERE tx_id >= ($1::bigint)::text::xid8 ORDER BY tx_id, seq LIMIT $2"
            )))
            .bind(cursor)
            .bind(limit + 1)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            (rows, snapshot_xmin(&snapshot)?)
        }
        ccops_store::PoolRef::Sqlite(p) => {
            let rows = sqlx::query_as::<_, StreamRow>(sqlx::AssertSqlSafe(format!("{STREAM_COLS} WHERE seq > $1 ORDER BY seq LIMIT $2")))
                .bind(cursor)
                .bind(limit + 1)
                .fetch_all(p)
                .await?;
            let next = rows.last().map_or(cursor, |r| r.seq);
            (rows, next)
        }
    };
    Ok((rows.len() as i64 <= limit).then_some((rows, next)))
}

/// Number of stored events and distinct event ids (the crash test checks both are equal).
pub async fn count_events(store: &Store) -> Result<(i64, i64)> {
    Ok(on_pool!(store, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM floor_events").fetch_one(p).await?))
}

#[derive(sqlx::FromRow)]
struct StatsRow {
    queue: String,
    interval_start_ms: i64,
    interval_minutes: i64,
    offered: f64,
    answered: f64,
    abandoned: f64,
    answered_within_sl: Option<f64>,
    short_abandoned: Option<f64>,
    aht_seconds: Option<f64>,
}

/// Queue statistics with interval start in `[from, until)`.
pub async fn stats_between(store: &Store, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<QueueStats>> {
    let rows: Vec<StatsRow> = on_pool!(store, p => sqlx::query_as::<_, StatsRow>(
        "SELECT queue, interval_start_ms, interval_minutes, offered, answered, abandoned, answered_within_sl, short_abandoned, aht_seconds \
         FROM floor_queue_stats WHERE interval_start_ms >= $1 AND interval_start_ms < $2 ORDER BY queue, interval_start_ms")
        .bind(ms(from)).bind(ms(until)).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|r| QueueStats {
            queue: r.queue,
            interval_start: from_ms(r.interval_start_ms),
            interval_minutes: u32::try_from(r.interval_minutes).unwrap_or(15),
            offered: r.offered,
            answered: r.answered,
            abandoned: r.abandoned,
            answered_within_sl: r.answered_within_sl,
            short_abandoned: r.short_abandoned,
            aht_seconds: r.aht_seconds,
        })
        .collect())
}

/// An exception request as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExceptionRow {
    pub id: i64,
    pub agent_code: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_ms: i64,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
}

/// Writes an audit entry on the same transaction as the change it records.
macro_rules! audit_tx {
    ($tx:expr, $actor:expr, $action:expr, $entity:expr, $id:expr, $after:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, before_json, after_json) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
        )
        .bind(Utc::now())
        .bind($actor.user_id)
        .bind(&$actor.username)
        .bind($action)
        .bind($entity)
        .bind($id.to_string())
        .bind(serde_json::to_string(&$after).ok())
        .execute(&mut *$tx)
        .await?
    };
}

pub async fn create_exception(store: &Store, req: &ccops_floor::ExceptionRequest, actor: &Actor) -> Result<ExceptionRow> {
    on_pool!(store, p => {
        let mut tx = p.begin().await?;
        let row = sqlx::query_as::<_, ExceptionRow>(
            "INSERT INTO floor_exceptions (agent_code, start_ms, end_ms, reason, status, requested_by, requested_ms) \
             VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *")
            .bind(&req.agent_id).bind(ms(req.start)).bind(ms(req.end)).bind(&req.reason).bind(req.status.as_str())
            .bind(&actor.username).bind(ms(Utc::now())).fetch_one(&mut *tx).await?;
        audit_tx!(tx, actor, "request", "adherence_exception", row.id, row);
        tx.commit().await?;
        Ok(row)
    })
}

pub async fn get_exception(store: &Store, id: i64) -> Result<ExceptionRow> {
    on_pool!(store, p => sqlx::query_as::<_, ExceptionRow>("SELECT * FROM floor_exceptions WHERE id = $1").bind(id).fetch_optional(p).await?)
        .ok_or_else(|| StoreError::NotFound(format!("exception {id}")))
}

/// Record a decision made by [`ccops_floor::ExceptionRequest::decide`]; only a pending row changes
/// (a concurrent decision by another supervisor loses with a conflict). Audited.
pub async fn decide_exception(store: &Store, id: i64, status: ExceptionStatus, actor: &Actor) -> Result<ExceptionRow> {
    on_pool!(store, p => {
        let mut tx = p.begin().await?;
        let row = sqlx::query_as::<_, ExceptionRow>(
            "UPDATE floor_exceptions SET status = $1, decided_by = $2, decided_ms = $3 WHERE id = $4 AND status = 'pending' RETURNING *")
            .bind(status.as_str()).bind(&actor.username).bind(ms(Utc::now())).bind(id).fetch_optional(&mut *tx).await?
            .ok_or_else(|| StoreError::Conflict(format!("exception {id} is not pending")))?;
        audit_tx!(tx, actor, status.as_str(), "adherence_exception", id, row);
        tx.commit().await?;
        Ok(row)
    })
}

/// Exceptions overlapping `[from, until)`, newest first; `status` filters.
pub async fn list_exceptions(store: &Store, agent: Option<&str>, status: Option<&str>, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<ExceptionRow>> {
    Ok(on_pool!(store, p => sqlx::query_as::<_, ExceptionRow>(
        "SELECT * FROM floor_exceptions WHERE end_ms > $1 AND start_ms < $2 AND ($3 IS NULL OR agent_code = $3) \
         AND ($4 IS NULL OR status = $4) ORDER BY id DESC")
        .bind(ms(from)).bind(ms(until)).bind(agent).bind(status).fetch_all(p).await?))
}

/// An alert rule as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub condition_json: String,
    pub webhook_url: Option<String>,
    pub enabled: bool,
}

impl RuleRow {
    pub fn rule(&self) -> Option<AlertRule> {
        let condition = serde_json::from_str(&self.condition_json).ok()?;
        Some(AlertRule { id: self.id.clone(), name: self.name.clone(), condition })
    }
}

/// Alert rules; the defaults are created the first time.
pub async fn list_rules(store: &Store) -> Result<Vec<RuleRow>> {
    let rows: Vec<RuleRow> = on_pool!(store, p => sqlx::query_as::<_, RuleRow>("SELECT * FROM floor_alert_rules ORDER BY id").fetch_all(p).await?);
    if !rows.is_empty() {
        return Ok(rows);
    }
    for r in AlertRule::defaults() {
        save_rule(store, &r, None, true).await?;
    }
    Ok(on_pool!(store, p => sqlx::query_as::<_, RuleRow>("SELECT * FROM floor_alert_rules ORDER BY id").fetch_all(p).await?))
}

pub async fn save_rule(store: &Store, r: &AlertRule, webhook: Option<&str>, enabled: bool) -> Result<()> {
    let cond = serde_json::to_string(&r.condition).map_err(|e| StoreError::Invalid(e.to_string()))?;
    on_pool!(store, p => {
        sqlx::query("INSERT INTO floor_alert_rules (id, name, condition_json, webhook_url, enabled) VALUES ($1,$2,$3,$4,$5) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, condition_json = excluded.condition_json, \
                     webhook_url = excluded.webhook_url, enabled = excluded.enabled")
            .bind(&r.id).bind(&r.name).bind(cond).bind(webhook).bind(enabled).execute(p).await?;
    });
    Ok(())
}

/// A raised alert as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AlertRow {
    pub id: i64,
    pub alert_key: String,
    pub rule_id: String,
    pub subject: String,
    pub since_ms: i64,
    pub value: f64,
    pub message: String,
    pub raised_ms: i64,
    pub acknowledged_by: Option<String>,
    pub webhook_status: Option<String>,
}

/// Insert an alert unless its key exists. Returns the row only when THIS call raised it, so
/// exactly one server sends the webhook.
pub async fn raise_alert(store: &Store, a: &Alert) -> Result<Option<AlertRow>> {
    Ok(on_pool!(store, p => sqlx::query_as::<_, AlertRow>(
        "INSERT INTO floor_alerts (alert_key, rule_id, subject, since_ms, value, message, raised_ms) VALUES ($1,$2,$3,$4,$5,$6,$7) \
         ON CONFLICT (alert_key) DO NOTHING RETURNING *")
        .bind(&a.key).bind(&a.rule_id).bind(&a.subject).bind(ms(a.since)).bind(a.value).bind(&a.message).bind(ms(Utc::now()))
        .fetch_optional(p).await?))
}

pub async fn set_webhook_status(store: &Store, id: i64, status: &str) -> Result<()> {
    on_pool!(store, p => { sqlx::query("UPDATE floor_alerts SET webhook_status = $1 WHERE id = $2").bind(status).bind(id).execute(p).await?; });
    Ok(())
}

pub async fn acknowledge_alert(store: &Store, id: i64, actor: &Actor) -> Result<()> {
    on_pool!(store, p => {
        let mut tx = p.begin().await?;
        sqlx::query("UPDATE floor_alerts SET acknowledged_by = $1 WHERE id = $2").bind(&actor.username).bind(id).execute(&mut *tx).await?;
        audit_tx!(tx, actor, "acknowledge", "alert", id, serde_json::json!({"acknowledged_by": actor.username}));
        tx.commit().await?;
    });
    Ok(())
}

/// Alerts raised since `since_ms`, newest first.
pub async fn recent_alerts(store: &Store, since_ms: i64, limit: i64) -> Result<Vec<AlertRow>> {
    Ok(on_pool!(store, p => sqlx::query_as::<_, AlertRow>(
        "SELECT * FROM floor_alerts WHERE raised_ms >= $1 ORDER BY id DESC LIMIT $2").bind(since_ms).bind(limit).fetch_all(p).await?))
}

pub async fn get_alert(store: &Store, id: i64) -> Result<AlertRow> {
    on_pool!(store, p => sqlx::query_as::<_, AlertRow>("SELECT * FROM floor_alerts WHERE id = $1").bind(id).fetch_optional(p).await?)
        .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
}

#[derive(sqlx::FromRow)]
struct PlaybookRow {
    name: String,
    steps_json: String,
}

/// Playbooks; the defaults are created the first time.
pub async fn list_playbooks(store: &Store) -> Result<Vec<Playbook>> {
    let load = async || -> Result<Vec<Playbook>> {
        let rows: Vec<PlaybookRow> = on_pool!(store, p => sqlx::query_as::<_, PlaybookRow>("SELECT name, steps_json FROM floor_playbooks ORDER BY id").fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter_map(|r| serde_json::from_str::<Vec<PlaybookStep>>(&r.steps_json).ok().map(|steps| Playbook { name: r.name, steps }))
            .collect())
    };
    let pbs = load().await?;
    if !pbs.is_empty() {
        return Ok(pbs);
    }
    for pb in Playbook::defaults() {
        save_playbook(store, &pb).await?;
    }
    load().await
}

pub async fn save_playbook(store: &Store, pb: &Playbook) -> Result<()> {
    pb.validate().map_err(|e| StoreError::Invalid(e.to_string()))?;
    let steps = serde_json::to_string(&pb.steps).map_err(|e| StoreError::Invalid(e.to_string()))?;
    on_pool!(store, p => {
        sqlx::query("INSERT INTO floor_playbooks (name, steps_json) VALUES ($1,$2) ON CONFLICT (name) DO UPDATE SET steps_json = excluded.steps_json")
            .bind(&pb.name).bind(steps).execute(p).await?;
    });
    Ok(())
}

/// A launched playbook with its steps.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub playbook: String,
    pub alert_key: Option<String>,
    pub launched_by: String,
    pub launched_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StepRow {
    pub run_id: i64,
    pub idx: i64,
    pub title: String,
    pub assignee: Option<String>,
    pub done_by: Option<String>,
    pub done_ms: Option<i64>,
    pub note: Option<String>,
}

pub async fn launch_run(store: &Store, run: &ccops_floor::PlaybookRun, actor: &Actor) -> Result<i64> {
    on_pool!(store, p => {
        let mut tx = p.begin().await?;
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO floor_playbook_runs (playbook, alert_key, launched_by, launched_ms) VALUES ($1,$2,$3,$4) RETURNING id")
            .bind(&run.playbook).bind(&run.alert_key).bind(&run.launched_by).bind(ms(run.launched_at)).fetch_one(&mut *tx).await?;
        for (i, s) in run.steps.iter().enumerate() {
            sqlx::query("INSERT INTO floor_playbook_steps (run_id, idx, title, assignee) VALUES ($1,$2,$3,$4)")
                .bind(id).bind(i as i64).bind(&s.title).bind(&s.assignee).execute(&mut *tx).await?;
        }
        audit_tx!(tx, actor, "launch", "playbook_run", id, run);
        tx.commit().await?;
        Ok(id)
    })
}

pub async fn list_runs(store: &Store, limit: i64) -> Result<Vec<(RunRow, Vec<StepRow>)>> {
    let runs: Vec<RunRow> = on_pool!(store, p => sqlx::query_as::<_, RunRow>(
        "SELECT * FROM floor_playbook_runs ORDER BY id DESC LIMIT $1").bind(limit).fetch_all(p).await?);
    let mut out = Vec::new();
    for r in runs {
        let steps = run_steps(store, r.id).await?;
        out.push((r, steps));
    }
    Ok(out)
}

pub async fn run_steps(store: &Store, run_id: i64) -> Result<Vec<StepRow>> {
    Ok(on_pool!(store, p => sqlx::query_as::<_, StepRow>(
        "SELECT * FROM floor_playbook_steps WHERE run_id = $1 ORDER BY idx").bind(run_id).fetch_all(p).await?))
}

/// Assign and/or tick one step. Ticking twice is a conflict (the first tick stays recorded).
pub async fn update_step(store: &Store, run_id: i64, idx: i64, assignee: Option<&str>, tick: bool, note: Option<&str>, actor: &Actor) -> Result<()> {
    on_pool!(store, p => {
        let mut tx = p.begin().await?;
        if let Some(a) = assignee {
            let n = sqlx::query("UPDATE floor_playbook_steps SET assignee = $1 WHERE run_id = $2 AND idx = $3")
                .bind(a).bind(run_id).bind(idx).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("step {idx} of run {run_id}")));
            }
            audit_tx!(tx, actor, "assign", "playbook_step", format!("{run_id}/{idx}"), serde_json::json!({"assignee": a}));
        }
        if tick {
            let n = sqlx::query("UPDATE floor_playbook_steps SET done_by = $1, done_ms = $2, note = $3 WHERE run_id = $4 AND idx = $5 AND done_ms IS NULL")
                .bind(&actor.username).bind(ms(Utc::now())).bind(note).bind(run_id).bind(idx).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(format!("step {idx} of run {run_id} is already ticked or does not exist")));
            }
            audit_tx!(tx, actor, "tick", "playbook_step", format!("{run_id}/{idx}"), serde_json::json!({"note": note}));
        }
        tx.commit().await?;
        Ok(())
    })
}

/// Benchmarks only: empty the floor's event and statistics tables and return a fresh `events`
/// API token secret. Never call this on a production database.
pub async fn reset_for_bench(store: &Store) -> Result<String> {
    on_pool!(store, p => {
        sqlx::query("DELETE FROM floor_events").execute(p).await?;
        sqlx::query("DELETE FROM floor_queue_stats").execute(p).await?;
    });
    Ok(store.create_api_token(&format!("bench-{}", ms(Utc::now())), "events", None).await?.1)
}

/// Event ids starting with `prefix` (the crash test compares them with what was acknowledged).
pub async fn event_ids_with_prefix(store: &Store, prefix: &str) -> Result<Vec<String>> {
    let pattern = format!("{prefix}%");
    Ok(on_pool!(store, p => sqlx::query_scalar::<_, String>("SELECT event_id FROM floor_events WHERE event_id LIKE $1")
        .bind(pattern).fetch_all(p).await?))
}
