//! Erlang X, the cheap part (ALGORITHMS.md §3): Erlang A with a finite number of lines and
//! redials of blocked and abandoned callers, solved as a fixed point on the arrival rate.
//!
//! Redials are treated as extra Poisson arrivals in the same interval — fair when redial delays
//! are short against the interval. Redial-delay distributions across intervals and the exact
//! retrial-orbit chain are not modelled (see README, "Model notes").

use crate::QueueingError;
use crate::erlang_a::{PalmMeasures, PalmQueue, evaluate};

const MAX_ITERATIONS: u32 = 10_000;

/// A queue with abandonment, optional line limit, and redials.
#[derive(Debug, Clone, Copy)]
pub struct RedialQueue {
    /// Fresh (first-attempt) arrival rate λ₀, contacts per second.
    pub fresh_arrival_rate: f64,
    pub aht_seconds: f64,
    pub patience_seconds: f64,
    pub sl_seconds: f64,
    /// Total lines N (agents + waiting places); `None` = unlimited.
    pub lines: Option<u32>,
    /// Probability that a blocked caller tries again.
    pub redial_after_block: f64,
    /// Probability that a caller who abandoned tries again.
    pub redial_after_abandon: f64,
}

/// Measures at the fixed point; rates are over all attempts (fresh + redials).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedialMeasures {
    pub measures: PalmMeasures,
    /// Total attempt rate λ at the fixed point (≥ λ₀).
    pub attempt_rate: f64,
    /// Abandoned / admitted (not / offered).
    pub p_abandon_admitted: f64,
    pub iterations: u32,
}

/// Evaluate `n` agents: iterate `λ ← λ₀ + λ·(r_b·P_block + r_a·P_abandon)` from `λ = λ₀`.
/// The map is increasing, so the iterates rise monotonically to the fixed point.
pub fn evaluate_with_redials(n: u32, q: &RedialQueue) -> Result<RedialMeasures, QueueingError> {
    let palm = |lambda: f64| {
        evaluate(
            n,
            &PalmQueue {
                arrival_rate: lambda,
                aht_seconds: q.aht_seconds,
                patience_seconds: q.patience_seconds,
                sl_seconds: q.sl_seconds,
                lines: q.lines,
            },
        )
    };
    let lambda0 = q.fresh_arrival_rate;
    let mut lambda = lambda0;
    let mut m = palm(lambda);
    let mut iterations = 0;
    if q.redial_after_block > 0.0 || q.redial_after_abandon > 0.0 {
        loop {
            let next = lambda0 + lambda * (q.redial_after_block * m.p_block + q.redial_after_abandon * m.p_abandon);
            iterations += 1;
            let done = (next - lambda).abs() <= 1e-12 * lambda0;
            lambda = next;
            m = palm(lambda);
            if done {
                break;
            }
            if iterations >= MAX_ITERATIONS || !lambda.is_finite() {
                return Err(QueueingError::NoConvergence { iterations });
            }
        }
    }
    let admitted = 1.0 - m.p_block;
    Ok(RedialMeasures {
        measures: m,
        attempt_rate: lambda,
        p_abandon_admitted: if admitted > 0.0 { m.p_abandon / admitted } else { 0.0 },
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(lines: Option<u32>, redial: f64) -> RedialQueue {
        RedialQueue {
            fresh_arrival_rate: 1.0 / 6.0,
            aht_seconds: 240.0,
            patience_seconds: 120.0,
            sl_seconds: 20.0,
            lines,
            redial_after_block: redial,
            redial_after_abandon: redial,
        }
    }

    #[test]
    fn published_fixed_points() {
        // ALGORITHMS.md §3, n = 40: (lines, r, λ/λ0, P_block, P_ab among admitted)
        let rows = [
            (Some(50), 0.0, 1.0, 0.006998, 0.067990),
            (Some(50), 0.5, 1.053605, 0.012389, 0.090488),
            (Some(45), 0.5, 1.059577, 0.060601, 0.055199),
            (Some(1000), 0.5, 1.052718, 0.0, 0.100156),
            (None, 0.5, 1.052718, 0.0, 0.100156),
        ];
        for (lines, r, ratio, pb, pab) in rows {
            let m = evaluate_with_redials(40, &queue(lines, r)).expect("converges");
            let ctx = format!("lines {lines:?} r {r}: {m:?}");
            assert!((m.attempt_rate * 6.0 - ratio).abs() < 1e-6, "{ctx}");
            assert!((m.measures.p_block - pb).abs() < 1e-6, "{ctx}");
            assert!((m.p_abandon_admitted - pab).abs() < 1e-6, "{ctx}");
            assert!(m.iterations < 60, "{ctx}");
        }
    }

    #[test]
    fn no_waiting_room_is_erlang_b() {
        let m = evaluate_with_redials(40, &queue(Some(40), 0.0)).expect("converges");
        let b = crate::erlang_b(40, 40.0);
        assert!((m.measures.p_block - b).abs() < 1e-12, "{} vs {b}", m.measures.p_block);
        assert_eq!(m.measures.p_abandon, 0.0);
    }
}
