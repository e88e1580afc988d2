//! Scheduling engine (capabilities R1–R6): shift templates → rosters that cover interval
//! requirements as closely as possible without breaking a labour rule. Pure: no I/O, no clock —
//! callers pass data in and stop long searches through the progress callback.
//!
//! Public API (stable; used by the CLI, the demo and the server):
//! - [`Rules::from_toml`] — parse and validate a rules file ([`rules`] documents every field).
//! - [`Requirements::from_rows`] — interval requirements on a regular grid.
//! - [`solve`]`(&Problem, &SolveOptions, &mut progress) -> Result<Solution, ScheduleError>` —
//!   LP lower bound (HiGHS) + construction + local search / LNS; honours an existing roster
//!   with a change penalty and budget (re-optimisation).
//! - [`check`]`(&roster, &Rules, &agents, Option<&Requirements>) -> CheckReport` — the
//!   independent checker: every hard rule, plus the per-interval coverage report.
//! - [`shiftmix`] — pure shift scheduling (counts per shift template, no agents): LP bound,
//!   annealing per day, days in parallel, optional MIP; within a wall-clock limit.
//! - [`assign`] — assigning given open shifts to agents (skills, rest, weekly limits).
//! - [`generate`] — seeded benchmark / demo instances.
//! - [`weekplan`] — whole agents' working weeks rounded from the LP (a MIP per skill group over
//!   all weeks), which the construction follows before every day's MIP places the shifts.
//!
//! Method (ALGORITHMS.md §9–§10): the LP relaxation of a tour-scheduling model aggregated by
//! skill group (shift columns per day, break-start variables, a per-interval flow from
//! groups to queues) gives a valid lower bound on under-staffed agent-hours. The roster itself
//! is built agent-week by agent-week against marginal coverage gains (days-off pattern
//! enumeration + a paid-minutes DP, trying the agent's week plan first); with a time limit every
//! day's MIP is then handed out at once, and the roster is improved by local search whose moves keep every hard
//! rule satisfied (re-time a day, swap two agents' days, rebuild one agent-week), while a worker
//! thread re-plans whole days from day MIPs ([`lp::day_mix`]) that the search applies.

pub mod assign;
pub mod check;
pub mod coverage;
mod dive;
pub mod generate;
pub mod lp;
pub mod model;
mod parallel;
pub mod rules;
pub mod shiftmix;
mod solver;
pub mod weekplan;

pub use check::{CheckReport, Coverage, IntervalCoverage, Violation, check};
pub use model::{Agent, Problem, Requirements, Segment};
pub use rules::Rules;
pub use solver::{Progress, SoftStats, Solution, SolveOptions, roster_day_counts, roster_day_windows, solve};

/// Errors of the scheduling engine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// The rules file is malformed or inconsistent.
    #[error("rules: {0}")]
    Rules(String),
    /// Requirements, agents or the existing roster are unusable.
    #[error("{0}")]
    Input(String),
    /// No roster can satisfy a hard rule for this agent.
    #[error("agent `{agent}` cannot satisfy rule `{rule}`: {detail}")]
    Contradiction {
        agent: String,
        rule: String,
        detail: String,
    },
}
