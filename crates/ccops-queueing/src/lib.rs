//! Queueing engine: Erlang B/C/A/X, chat with concurrency, deferred work, and the staffing
//! solver that turns one interval's forecast into the agents it needs. Pure: no I/O, no clock.
//!
//! # Public API (stable; other crates call these)
//!
//! ```
//! use ccops_queueing::{staff, what_if, Model, StaffingCell, Targets};
//!
//! // 100 calls in 30 minutes, AHT 180 s, 80 % answered within 20 s, Erlang C.
//! let cell = StaffingCell::voice(100.0, 1800.0, 180.0, Model::ErlangC);
//! let s = staff(&cell, &Targets::default()).unwrap();
//! assert_eq!(s.agents, 14);                 // least agents meeting every target
//! assert!(s.agents_fractional < 14.0);      // unrounded requirement: sum these, round once
//! assert!(s.performance.service_level >= 0.8);
//!
//! // The reverse question: what do 13 agents give?
//! let p = what_if(&cell, 13, 20.0).unwrap();
//! assert!((p.service_level - 0.795595).abs() < 1e-6);
//! ```
//!
//! - [`staff`]`(&StaffingCell, &Targets) -> Result<Staffing, QueueingError>`: least agents meeting
//!   every given target (service level within T, ASA, abandonment ceiling, occupancy cap), the
//!   fractional requirement, scheduled agents after shrinkage (`n / (1 − shrinkage)`), the binding
//!   constraint, and — when `Targets::seats` is below the need — the seat shortfall and the
//!   performance the seats allow (never a silent cap).
//! - [`what_if`]`(&StaffingCell, agents, sl_seconds) -> Result<Performance, QueueingError>`.
//! - [`Model`]: `ErlangC`, `ErlangA { patience }`, `ErlangX { patience, lines, redial }`,
//!   `Deferred` (per-interval workload). Chat is any queueing model with
//!   `StaffingCell::concurrency > 1` (see [`solver`] for the slot model).
//! - Building blocks: [`erlang_b`], [`erlang_c`], [`erlang_a`], [`erlang_x`], [`deferred`]
//!   (deadline staffing over a window of intervals).
//!
//! Units: seconds and contacts per interval at the API; rates per second inside.

pub mod deferred;
pub mod erlang_a;
mod erlang_b;
pub mod erlang_c;
pub mod erlang_x;
pub mod solver;

pub use erlang_b::{erlang_b, reciprocal_b};
pub use solver::{Constraint, Model, Performance, SeatLimit, Staffing, StaffingCell, Targets, staff, what_if};

/// Why a staffing question has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueueingError {
    /// An input is outside its domain (negative volume, AHT of zero, target above 1 …).
    #[error("{field} must be {expected}, got {value}")]
    InvalidInput {
        field: &'static str,
        expected: &'static str,
        value: f64,
    },
    /// No target to staff for.
    #[error("no target given: set a service level, ASA, abandonment or occupancy target")]
    NoTarget,
    /// The targets need more agents than the search allows (or more than the lines).
    #[error("targets cannot be met with up to {max_agents} agents")]
    Unreachable { max_agents: u32 },
    /// The redial fixed point of Erlang X did not settle.
    #[error("the redial fixed point did not converge in {iterations} iterations")]
    NoConvergence { iterations: u32 },
}

fn invalid(field: &'static str, expected: &'static str, value: f64) -> QueueingError {
    QueueingError::InvalidInput { field, expected, value }
}

pub(crate) fn check_positive(field: &'static str, v: f64) -> Result<(), QueueingError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(field, "a positive number", v))
    }
}

pub(crate) fn check_non_negative(field: &'static str, v: f64) -> Result<(), QueueingError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(field, "zero or more", v))
    }
}

/// `0 < v ≤ 1`.
pub(crate) fn check_fraction_open_closed(field: &'static str, v: f64) -> Result<(), QueueingError> {
    if v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(invalid(field, "in (0, 1]", v))
    }
}

/// `0 < v < 1`.
pub(crate) fn check_fraction_open(field: &'static str, v: f64) -> Result<(), QueueingError> {
    if v > 0.0 && v < 1.0 {
        Ok(())
    } else {
        Err(invalid(field, "in (0, 1)", v))
    }
}

/// `0 ≤ v < 1`.
pub(crate) fn check_fraction_closed_open(field: &'static str, v: f64) -> Result<(), QueueingError> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(invalid(field, "in [0, 1)", v))
    }
}
