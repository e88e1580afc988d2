//! # ccops-floor — the live floor engine (pure: no files, network or clock)
//!
//! Callers (the server, the CLI, benchmarks) pass events, rosters and "now" in; this crate
//! turns them into timelines, adherence, live tiles, alerts and workflow state.
//!
//! Public API (stable; other crates call it):
//! - [`AgentState`], [`Activity`], [`AdherenceMap`] — ACD states, roster activities and which
//!   states are adherent to which activity (`"talking".parse::<AgentState>()`).
//! - [`StateEvent`] → [`Timeline::build`]`(events, from, until)`: idempotent (dedup by
//!   `event_id`) and order-independent reconstruction of one agent's state spans.
//!   [`by_agent`] groups a mixed batch.
//! - [`agent_adherence`]`(timeline, schedule, exceptions, from, until, rules)` →
//!   [`AgentAdherence`] with [`AdherenceTotals`] (adherence, conformance, with/without
//!   exceptions and tolerance) and reasoned [`Violation`]s ([`Reason`]). Totals add up for teams.
//! - [`agent_now`] → [`AgentNow`] (live tile: state, time in state, schedule match, adherence so
//!   far); [`summarize`] → per-team and site [`GroupSummary`]; [`staffed_per_interval`].
//! - [`IntervalFacts`] (actual/forecast/re-forecast/required/staffed per queue interval, service
//!   level, gap) and [`scale_reforecast`] (fallback intraday re-forecast).
//! - [`AlertRule`] / [`AlertCondition`] → [`evaluate`] → [`Alert`]s with stable dedup keys.
//! - [`ExceptionRequest`] (request → approve/reject), [`Playbook`] → [`PlaybookRun`] (assign, tick).

pub mod adherence;
pub mod alerts;
pub mod intraday;
pub mod live;
pub mod state;
mod test_util;
pub mod timeline;
pub mod workflow;

pub use adherence::{
    AdherenceRules, AdherenceTotals, AgentAdherence, ExceptionWindow, Reason, ScheduledSegment, Violation, agent_adherence,
    flatten_schedule,
};
pub use alerts::{Alert, AlertCondition, AlertRule, RuleError, evaluate};
pub use intraday::{IntervalFacts, scale_reforecast};
pub use live::{AgentNow, GroupSummary, agent_now, staffed_per_interval, summarize};
pub use state::{Activity, AdherenceMap, AgentState, UnknownActivity, UnknownState};
pub use timeline::{StateEvent, StateSpan, Timeline, by_agent, dedup_sorted};
pub use workflow::{ExceptionRequest, ExceptionStatus, Playbook, PlaybookRun, PlaybookStep, RunStep, WorkflowError};
