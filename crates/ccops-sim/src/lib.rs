//! Discrete-event simulation of a multi-skill, multi-channel contact center (ALGORITHMS.md §12).
//! Pure and seeded: no I/O, no clock; the same model, seed and replication give the same day.
//!
//! # Model
//! Describe one period (usually a day) in seconds from an origin you choose:
//! - [`QueueSpec`] per queue: channel (voice / chat with concurrency / deferred work), skill,
//!   SL threshold and target, patience, handle-time distribution, ACW share, priority, overflow
//!   to a secondary skill after N seconds.
//! - [`AgentSpec`] per agent: skills with a priority (lower first) and a handle-time factor.
//! - [`RosterSegment`]s: `agent, start, end, activity` (work, break, lunch, other, off).
//! - [`ForecastInterval`]s: `queue, start, length, volume, aht_seconds` → non-homogeneous Poisson
//!   arrivals with a piecewise-constant rate.
//! - [`AgentSelection`] (longest idle, or specialists first) and [`AdherenceNoise`]
//!   (late logins, long breaks).
//!
//! [`Model::compile`] validates it into a [`Compiled`] model (wrap it in an `Arc`, reuse it).
//!
//! # Running
//! ```
//! use std::sync::Arc;
//! use ccops_sim::*;
//! let mut voice = QueueSpec::new("voice", Channel::Voice);
//! voice.patience = Patience::Exponential { mean_seconds: 120.0 };
//! let model = Model {
//!     queues: vec![voice],
//!     agents: (0..5).map(|i| AgentSpec { id: format!("a{i}"), skills: vec![AgentSkill::new("voice")] }).collect(),
//!     roster: Model::always_on_roster(5, 3600.0),
//!     forecast: vec![ForecastInterval { queue: 0, start: 0.0, length: 3600.0, volume: 60.0, aht_seconds: 240.0 }],
//!     selection: AgentSelection::LongestIdle,
//!     adherence: AdherenceNoise::default(),
//!     interval_seconds: 1800.0,
//!     drain_seconds: 600.0,
//! };
//! let compiled = Arc::new(model.compile().unwrap());
//! // Statistics over replications, with 95 % confidence intervals:
//! let summary = run_replications(&compiled, 42, 10);
//! assert!(summary.queues[0].day.offered.mean > 0.0);
//! // Or step one replication forward (a live floor) and collect agent state events:
//! let mut sim = Simulation::new(compiled, 42, 0, SimOptions { record_events: true });
//! let events = sim.advance_to(900.0);
//! assert_eq!(events[0].state.as_str(), "login");
//! ```
//! Outputs: [`ReplicationReport`] (raw [`Counts`] per queue × interval: offered, answered,
//! abandoned, SL, ASA, occupancy…) and [`Summary`] (estimates with CIs and a [`Verdict`] per
//! queue). Agent state events ([`AgentStateEvent`]) map onto the exchange format
//! `{"event_id","agent_id","state","at","queue","reason"}` via [`Simulation::event_id`],
//! the model's agent ids and queue names, and your origin timestamp.
//!
//! Counting conventions: contacts count in the interval they arrived in; offered = answered +
//! abandoned + in_queue_end; events = arrivals + completions + abandonments (as the peers count).

mod engine;
mod events;
mod model;
pub mod reference;
mod rng;
mod stats;

use std::sync::Arc;

pub use engine::{AgentSnapshot, AgentState, AgentStateEvent, SimOptions, Simulation};
pub use model::{
    Activity, AdherenceNoise, AgentSelection, AgentSkill, AgentSpec, Channel, Compiled, ForecastInterval, Model,
    Overflow, Patience, QueueSpec, RosterSegment, ServiceTime,
};
pub use stats::{
    Counts, Estimate, EventCounts, FloorCounts, QueueEstimates, QueueSummary, ReplicationReport, Summary, Verdict,
    mean_ci, ratio_ci, t975,
};

/// A model the engine cannot run, with the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulation model: {0}")]
    Invalid(String),
}

/// Run replications `0..replications` of the model (statistics only, no state events).
pub fn run_replications(compiled: &Arc<Compiled>, seed: u64, replications: usize) -> Summary {
    let reps: Vec<ReplicationReport> = (0..replications as u64)
        .map(|r| Simulation::new(Arc::clone(compiled), seed, r, SimOptions::default()).run())
        .collect();
    summarize(compiled, seed, &reps)
}

/// Combine replication reports into estimates with 95 % CIs and per-queue verdicts.
pub fn summarize(compiled: &Compiled, seed: u64, reps: &[ReplicationReport]) -> Summary {
    let m = compiled.model();
    let queues = m
        .queues
        .iter()
        .enumerate()
        .map(|(q, spec)| {
            let day_counts: Vec<Counts> = reps.iter().map(|r| r.totals[q]).collect();
            let day = QueueEstimates::from_counts(&day_counts);
            let intervals = (0..compiled.n_intervals())
                .map(|i| QueueEstimates::from_counts(&reps.iter().map(|r| r.intervals[q][i]).collect::<Vec<_>>()))
                .collect();
            let sl_verdict = Verdict::judge(&day.service_level, spec.sl_target, true);
            let abandon_verdict = spec.max_abandon_rate.map(|x| Verdict::judge(&day.abandon_rate, x, false));
            QueueSummary {
                queue: spec.name.clone(),
                sl_target: spec.sl_target,
                sl_seconds: spec.sl_seconds,
                max_abandon_rate: spec.max_abandon_rate,
                day,
                intervals,
                sl_verdict,
                abandon_verdict,
            }
        })
        .collect();
    let n = reps.len().max(1) as f64;
    let staffed_agents = (0..compiled.n_intervals())
        .map(|i| reps.iter().map(|r| r.floor[i].staffed_seconds).sum::<f64>() / n / m.interval_seconds)
        .collect();
    let mut events = EventCounts::default();
    for r in reps {
        events.arrivals += r.events.arrivals;
        events.completions += r.events.completions;
        events.abandonments += r.events.abandonments;
    }
    Summary {
        replications: reps.len(),
        seed,
        interval_seconds: m.interval_seconds,
        queues,
        staffed_agents,
        events,
    }
}
