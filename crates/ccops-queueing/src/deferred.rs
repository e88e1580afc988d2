//! Deferred work — email, tickets, back office (ALGORITHMS.md §5).
//!
//! Items need not be answered now, only within a deadline of `D` intervals. Queueing formulas do
//! not apply; the model is a fluid balance: under FIFO the deadline holds iff, at the end of every
//! interval `t`, the capacity delivered so far covers everything due by then:
//!
//! ```text
//! Σ_{s≤t} n_s·L·u/h  ≥  backlog_due(≤ t) + Σ_{s ≤ t−D} a_s
//! ```
//!
//! For a constant staff over the window the least `n` is the largest ratio over `t`.

use crate::QueueingError;

/// A window of intervals of deferred work.
#[derive(Debug, Clone, Copy)]
pub struct DeferredWork<'a> {
    /// Items arriving in each interval.
    pub arrivals: &'a [f64],
    /// Interval length L (s).
    pub interval_seconds: f64,
    /// Handle time per item h (s).
    pub handle_seconds: f64,
    /// Productive fraction of an agent's time u (e.g. 0.85–0.9).
    pub productive_fraction: f64,
    /// Deadline D in whole intervals.
    pub deadline_intervals: usize,
    /// Items of the opening backlog falling due at the end of each interval (may be shorter
    /// than `arrivals`; missing entries are 0).
    pub backlog_due: &'a [f64],
}

/// Constant staffing for a deferred-work window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeferredStaffing {
    /// Least constant agents, unrounded.
    pub agents_fractional: f64,
    /// `ceil(agents_fractional)`.
    pub agents: u32,
    /// 0-based interval whose deadline binds.
    pub binding_interval: usize,
    /// Items that arrived inside the last `D` intervals: not yet due at close.
    pub due_after_close: f64,
    /// Items left unanswered at close when `agents` work FIFO at full productive rate
    /// (tomorrow's opening backlog).
    pub carried_backlog: f64,
    /// Total workload in agent-hours (items × handle time / productive fraction).
    pub workload_agent_hours: f64,
}

/// Least constant staff that answers every item within the deadline.
pub fn constant_staff(w: &DeferredWork) -> Result<DeferredStaffing, QueueingError> {
    crate::check_positive("interval_seconds", w.interval_seconds)?;
    crate::check_positive("handle_seconds", w.handle_seconds)?;
    crate::check_fraction_open_closed("productive_fraction", w.productive_fraction)?;
    for &a in w.arrivals.iter().chain(w.backlog_due) {
        crate::check_non_negative("arrivals", a)?;
    }
    let horizon = w.arrivals.len().max(w.backlog_due.len());
    let per_agent_items = w.interval_seconds * w.productive_fraction / w.handle_seconds;
    let mut best = 0.0;
    let mut binding = 0;
    let mut due = 0.0;
    for t in 0..horizon {
        due += w.backlog_due.get(t).copied().unwrap_or(0.0);
        // Arrivals of interval s are due at the end of s + D.
        if t >= w.deadline_intervals {
            due += w.arrivals.get(t - w.deadline_intervals).copied().unwrap_or(0.0);
        }
        let need = due / ((t + 1) as f64 * per_agent_items);
        if need > best {
            best = need;
            binding = t;
        }
    }
    let agents = best.ceil() as u32;
    let total_in: f64 = w.arrivals.iter().sum::<f64>() + w.backlog_due.iter().sum::<f64>();
    let due_after_close = w
        .arrivals
        .iter()
        .rev()
        .take(w.deadline_intervals.min(w.arrivals.len()))
        .sum();
    // FIFO fluid run at `agents`: what is left at close.
    let mut queue = 0.0;
    for t in 0..horizon {
        queue += w.arrivals.get(t).copied().unwrap_or(0.0) + w.backlog_due.get(t).copied().unwrap_or(0.0);
        queue = (queue - agents as f64 * per_agent_items).max(0.0);
    }
    Ok(DeferredStaffing {
        agents_fractional: best,
        agents,
        binding_interval: binding,
        due_after_close,
        carried_backlog: queue,
        workload_agent_hours: total_in * w.handle_seconds / w.productive_fraction / 3600.0,
    })
}

/// Agents needed to clear one interval's items within that interval (deadline ≤ interval):
/// `items·h / (L·u)`, the per-row model of `ccops staff` for deferred rows.
pub fn workload_agents(items: f64, handle_seconds: f64, interval_seconds: f64, productive_fraction: f64) -> f64 {
    items * handle_seconds / (interval_seconds * productive_fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_example() {
        // ALGORITHMS.md §5: hourly 08:00–20:00, h = 6 min, u = 0.9, D = 4 h → 8.426 → 9.
        let arrivals = [
            50.0, 80.0, 120.0, 150.0, 150.0, 130.0, 120.0, 110.0, 100.0, 90.0, 60.0, 40.0,
        ];
        let w = DeferredWork {
            arrivals: &arrivals,
            interval_seconds: 3600.0,
            handle_seconds: 360.0,
            productive_fraction: 0.9,
            deadline_intervals: 4,
            backlog_due: &[],
        };
        let s = constant_staff(&w).expect("valid");
        assert!((s.agents_fractional - 8.4259).abs() < 1e-3, "{s:?}");
        assert_eq!(s.agents, 9);
        assert_eq!(s.binding_interval, 11);
        assert_eq!(s.due_after_close, 290.0);
        assert!((s.workload_agent_hours - 1200.0 * 0.1 / 0.9).abs() < 1e-9);
        // Nine agents clear 81 items an hour, but sit idle for 31 + 1 of them in the first two
        // (quiet) hours: 940 done, 260 carried.
        assert!((s.carried_backlog - 260.0).abs() < 1e-6, "{}", s.carried_backlog);
    }

    #[test]
    fn backlog_due_early_binds_early() {
        let w = DeferredWork {
            arrivals: &[0.0; 8],
            interval_seconds: 3600.0,
            handle_seconds: 360.0,
            productive_fraction: 1.0,
            deadline_intervals: 4,
            backlog_due: &[100.0],
        };
        let s = constant_staff(&w).expect("valid");
        assert_eq!(s.binding_interval, 0);
        assert!((s.agents_fractional - 10.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_input() {
        let w = DeferredWork {
            arrivals: &[-1.0],
            interval_seconds: 3600.0,
            handle_seconds: 360.0,
            productive_fraction: 0.9,
            deadline_intervals: 1,
            backlog_due: &[],
        };
        assert!(constant_staff(&w).is_err());
        assert!(
            constant_staff(&DeferredWork {
                handle_seconds: 0.0,
                arrivals: &[1.0],
                ..w
            })
            .is_err()
        );
    }
}
