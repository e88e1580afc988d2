//! Row types. Each derives `FromRow` (decodes identically on SQLite and PostgreSQL), serde, and
//! `utoipa::ToSchema` so the server's OpenAPI document describes exactly what it returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A BPO client (上游客户) whose queues, agents and results are isolated from other clients.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Tenant {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Site {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// IANA zone, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// Workstations: a hard cap on agents working at once (None = unlimited).
    pub seats: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Skill {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// A queue: one channel, optionally owned by a tenant, with its service target.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Queue {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// voice | chat | email | ticket | …
    pub channel: String,
    pub tenant_id: Option<i64>,
    pub skill_id: Option<i64>,
    pub timezone: String,
    pub interval_minutes: i64,
    /// Service-level target as a fraction (0.8 = 80 %).
    pub sl_target: f64,
    /// Service-level threshold T in seconds.
    pub sl_seconds: f64,
    /// Fraction of paid time not available for contacts.
    pub shrinkage: f64,
    /// Simultaneous contacts per agent (chat); 1 for voice.
    pub concurrency: f64,
    pub patience_seconds: Option<f64>,
    pub max_occupancy: Option<f64>,
}

/// Fields to create or update a queue (server fills defaults).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewQueue {
    pub code: String,
    pub name: String,
    pub channel: String,
    #[serde(default)]
    pub tenant_id: Option<i64>,
    #[serde(default)]
    pub skill_id: Option<i64>,
    #[serde(default = "default_tz")]
    pub timezone: String,
    #[serde(default = "default_interval")]
    pub interval_minutes: i64,
    #[serde(default = "default_sl_target")]
    pub sl_target: f64,
    #[serde(default = "default_sl_seconds")]
    pub sl_seconds: f64,
    #[serde(default = "default_shrinkage")]
    pub shrinkage: f64,
    #[serde(default = "default_concurrency")]
    pub concurrency: f64,
    #[serde(default)]
    pub patience_seconds: Option<f64>,
    #[serde(default)]
    pub max_occupancy: Option<f64>,
}

pub fn default_tz() -> String {
    "Asia/Shanghai".into()
}
fn default_interval() -> i64 {
    15
}
fn default_sl_target() -> f64 {
    0.8
}
fn default_sl_seconds() -> f64 {
    20.0
}
fn default_shrinkage() -> f64 {
    0.3
}
fn default_concurrency() -> f64 {
    1.0
}

impl NewQueue {
    /// A queue with the defaults above (15-min intervals, 80/20, 30 % shrinkage).
    pub fn new(code: &str, name: &str, channel: &str) -> Self {
        NewQueue {
            code: code.into(),
            name: name.into(),
            channel: channel.into(),
            tenant_id: None,
            skill_id: None,
            timezone: default_tz(),
            interval_minutes: default_interval(),
            sl_target: default_sl_target(),
            sl_seconds: default_sl_seconds(),
            shrinkage: default_shrinkage(),
            concurrency: default_concurrency(),
            patience_seconds: None,
            max_occupancy: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Team {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub site_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Agent {
    pub id: i64,
    /// The external agent id (ACD login / employee number) used in exchange files.
    pub code: String,
    pub name: String,
    pub tenant_id: Option<i64>,
    pub site_id: Option<i64>,
    pub team_id: Option<i64>,
    pub contract_minutes_per_week: i64,
    pub active: bool,
    /// Secret for the agent's iCalendar feed URL; never shown to other agents.
    #[serde(skip_serializing)]
    pub ical_token: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewAgent {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub tenant_id: Option<i64>,
    #[serde(default)]
    pub site_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
    pub contract_minutes_per_week: i64,
    /// Skill codes with level (1 = basic … 5 = expert).
    #[serde(default)]
    pub skills: Vec<(String, i64)>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct AgentSkill {
    pub agent_id: i64,
    pub skill_id: i64,
    pub skill_code: String,
    pub level: i64,
}

/// A login. `tenant_id = None` means center staff who see every tenant.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip_serializing)]
    pub password_hash: String,
    /// admin | planner | supervisor | agent | qa | client_viewer
    pub role: String,
    pub tenant_id: Option<i64>,
    pub agent_id: Option<i64>,
    /// `en` or `zh`.
    pub locale: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub password: String,
    pub role: String,
    #[serde(default)]
    pub tenant_id: Option<i64>,
    #[serde(default)]
    pub agent_id: Option<i64>,
    #[serde(default = "default_locale")]
    pub locale: String,
}

fn default_locale() -> String {
    "en".into()
}

/// A live session row (the cookie holds the secret; the row holds its hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A token an event source (ACD connector, simulator) presents as `Authorization: Bearer …`.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// What the token may do, e.g. `events` (post agent state events).
    pub scope: String,
    pub tenant_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// One interval of ACD history for one queue.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct HistoryRow {
    pub queue_id: i64,
    pub interval_start: DateTime<Utc>,
    pub interval_minutes: i64,
    pub offered: f64,
    pub handled: Option<f64>,
    pub abandoned: Option<f64>,
    pub aht_seconds: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct HistorySummary {
    pub queue_id: i64,
    pub intervals: i64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

/// A forecast version for one queue.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Forecast {
    pub id: i64,
    pub queue_id: i64,
    /// 1, 2, 3… per queue.
    pub version: i64,
    pub model: String,
    pub horizon_start: DateTime<Utc>,
    pub horizon_end: DateTime<Utc>,
    pub interval_minutes: i64,
    /// JSON: the parameters the forecast ran with.
    pub params: String,
    /// JSON: backtest accuracy (WAPE, MASE, bias) when known.
    pub accuracy: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct ForecastInterval {
    pub interval_start: DateTime<Utc>,
    pub volume: f64,
    pub aht_seconds: f64,
    pub volume_lower: Option<f64>,
    pub volume_upper: Option<f64>,
    /// Planner's override (after adjustments); use [`ForecastInterval::effective_volume`].
    pub adjusted_volume: Option<f64>,
    pub adjusted_aht: Option<f64>,
    /// Holiday or event name for this interval, for charts.
    pub holiday: Option<String>,
}

impl ForecastInterval {
    pub fn effective_volume(&self) -> f64 {
        self.adjusted_volume.unwrap_or(self.volume)
    }
    pub fn effective_aht(&self) -> f64 {
        self.adjusted_aht.unwrap_or(self.aht_seconds)
    }
}

/// A forecast to store: the engine's output.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewForecast {
    pub queue_id: i64,
    pub model: String,
    pub interval_minutes: i64,
    pub params: serde_json::Value,
    pub accuracy: Option<serde_json::Value>,
    pub intervals: Vec<ForecastInterval>,
}

/// A manual adjustment over `[from, to)`: multiply volume/AHT, or set volume outright.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct ForecastAdjustment {
    pub id: i64,
    pub forecast_id: i64,
    pub from_ts: DateTime<Utc>,
    pub to_ts: DateTime<Utc>,
    pub volume_factor: Option<f64>,
    pub volume_set: Option<f64>,
    pub aht_factor: Option<f64>,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewAdjustment {
    pub from_ts: DateTime<Utc>,
    pub to_ts: DateTime<Utc>,
    #[serde(default)]
    pub volume_factor: Option<f64>,
    #[serde(default)]
    pub volume_set: Option<f64>,
    #[serde(default)]
    pub aht_factor: Option<f64>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct StaffingPlan {
    pub id: i64,
    pub forecast_id: i64,
    pub queue_id: i64,
    pub params: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct StaffingInterval {
    pub interval_start: DateTime<Utc>,
    pub volume: f64,
    pub aht_seconds: f64,
    /// Agents needed on the phones (integer, before shrinkage).
    pub agents: i64,
    /// Agents to schedule (after shrinkage).
    pub required: f64,
    pub service_level: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub occupancy: Option<f64>,
}

/// A roster version. status: draft | published | archived.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Roster {
    pub id: i64,
    pub name: String,
    pub tenant_id: Option<i64>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub version: i64,
    pub status: String,
    pub based_on: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<i64>,
}

/// One activity of one agent: work, break, lunch, training, off, leave…
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Segment {
    pub agent_id: i64,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub activity: String,
    pub queue_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewRoster {
    pub name: String,
    #[serde(default)]
    pub tenant_id: Option<i64>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    #[serde(default)]
    pub based_on: Option<i64>,
    pub segments: Vec<Segment>,
}

/// A leave or swap request. kind: leave | swap; status: pending | approved | rejected | cancelled.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Request {
    pub id: i64,
    pub kind: String,
    pub agent_id: i64,
    /// For swaps: the agent whose shifts in the window are exchanged.
    pub counterpart_agent_id: Option<i64>,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub reason: String,
    pub status: String,
    /// JSON: staffing impact computed when the request was decided or previewed.
    pub impact: Option<String>,
    pub auto_approved: bool,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewRequest {
    /// leave | swap
    pub kind: String,
    pub agent_id: i64,
    #[serde(default)]
    pub counterpart_agent_id: Option<i64>,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// A background job. status: queued | running | done | failed | cancelled.
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow, ToSchema, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub status: String,
    /// 0.0 … 1.0
    pub progress: f64,
    pub message: String,
    pub cancel_requested: bool,
    pub params: String,
    pub result: Option<String>,
    pub error: Option<String>,
    pub tenant_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
