//! Erlang A (M/M/n+M, Palm's model with exponential patience), ALGORITHMS.md §2, and the finite
//! waiting room used by Erlang X (§3).
//!
//! One pass over the queue states `n + k` does everything. With `x = nμ/θ`, `y = λ/θ` the
//! unnormalised weights are `t₀ = 1`, `t_k = t_{k−1}·y/(x + k)`, and the states below `n` weigh
//! `1/B − 1` in total. A caller arriving behind `k` others:
//! - is served with probability `x/(x + k + 1)`;
//! - is served within `T` with probability `s_k = x/(x+k+1)·(1 − I_c(x+1, k+1))`, `c = e^{−θT}`.
//!   Because `k + 1` is an integer, `I_c(x+1, k+1)` is a negative-binomial CDF whose terms
//!   `u_j = u_{j−1}·(x + j)/j·(1 − c)`, `u₀ = c^{x+1}`, accumulate along `k` — no special
//!   function, O(1) per state;
//! - waits on average `(1/θ)·Σ_{i=1..k+1} 1/(x + i)` when served.
//!
//! Weights are rescaled when they grow (heavy overload) and the `u_j` start in log space when
//! `c^{x+1}` would underflow, so nothing overflows at thousands of Erlangs.

use crate::Performance;
use crate::erlang_b::reciprocal_b;

/// Longest queue the series walks; far beyond any state with non-negligible probability for
/// realistic loads (the reference implementation stops at 200,000).
const MAX_QUEUE_STATES: u64 = 5_000_000;
const RESCALE_ABOVE: f64 = 1e250;
const RESCALE_BY: f64 = 1e-250;

/// Inputs of one Palm-queue evaluation (rates per second).
#[derive(Debug, Clone, Copy)]
pub struct PalmQueue {
    /// Arrival rate λ (contacts per second).
    pub arrival_rate: f64,
    pub aht_seconds: f64,
    /// Mean patience 1/θ (s).
    pub patience_seconds: f64,
    /// Service-level threshold T (s).
    pub sl_seconds: f64,
    /// Total lines N (agents + waiting places). `None` = unlimited waiting room (Erlang A).
    pub lines: Option<u32>,
}

/// Erlang A / finite-line measures. Rates are fractions of all offered attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PalmMeasures {
    /// P(arrival finds all agents busy and is admitted to wait).
    pub p_wait: f64,
    /// Answered within T / offered (abandons and blocked calls count as failures).
    pub service_level: f64,
    /// Abandoned / offered.
    pub p_abandon: f64,
    /// Abandoned within T / offered (the "short abandons" of the KPI definition).
    pub p_abandon_within_t: f64,
    /// Blocked (busy tone) / offered; 0 without a line limit.
    pub p_block: f64,
    /// Mean wait of answered calls (s).
    pub asa_answered_seconds: f64,
    /// Mean wait over all offered calls, abandoners included (s).
    pub mean_wait_all_seconds: f64,
    /// Busy agents / agents.
    pub occupancy: f64,
}

impl PalmMeasures {
    /// No traffic, or so many agents that Erlang B underflows.
    fn nobody_waits(occupancy: f64) -> Self {
        PalmMeasures {
            p_wait: 0.0,
            service_level: 1.0,
            p_abandon: 0.0,
            p_abandon_within_t: 0.0,
            p_block: 0.0,
            asa_answered_seconds: 0.0,
            mean_wait_all_seconds: 0.0,
            occupancy,
        }
    }

    /// Service level with abandons within T removed from the base (the KPI definition).
    pub fn service_level_excluding_short_abandons(&self) -> f64 {
        let base = 1.0 - self.p_abandon_within_t;
        if base > 0.0 { self.service_level / base } else { 0.0 }
    }

    pub fn performance(&self, agents: u32) -> Performance {
        Performance {
            agents,
            service_level: self.service_level,
            asa_seconds: self.asa_answered_seconds,
            occupancy: self.occupancy,
            abandon_rate: self.p_abandon,
            p_wait: self.p_wait,
            stable: true,
        }
    }
}

/// Evaluate Erlang A (or the finite-line variant) for `n` agents.
pub fn evaluate(n: u32, q: &PalmQueue) -> PalmMeasures {
    let a = q.arrival_rate * q.aht_seconds;
    if q.arrival_rate <= 0.0 {
        return PalmMeasures::nobody_waits(0.0);
    }
    evaluate_with_reciprocal(n, q, reciprocal_b(n, a))
}

/// As [`evaluate`] with `R = 1/B(n, A)` supplied by a search.
pub fn evaluate_with_reciprocal(n: u32, q: &PalmQueue, r: f64) -> PalmMeasures {
    let theta = 1.0 / q.patience_seconds;
    let mu = 1.0 / q.aht_seconds;
    let x = n as f64 * mu / theta;
    let y = q.arrival_rate / theta;
    // Highest queue length an admitted caller can find ahead of him (None = unlimited);
    // `lines ≤ n` means no waiting room at all: Erlang B with every busy arrival blocked.
    let waiting_room: Option<u64> = q.lines.map(|l| l.saturating_sub(n) as u64);

    // Negative-binomial terms for the within-T probability.
    let c = (-theta * q.sl_seconds).exp();
    let one_minus_c = -(-theta * q.sl_seconds).exp_m1();
    let log_u0 = -theta * q.sl_seconds * (x + 1.0);
    let mut log_space = log_u0 < -600.0;
    let mut u = if log_space { 0.0 } else { log_u0.exp() };
    let mut log_u = log_u0;
    let mut nb_cdf = u; // I_c(x+1, k+1) for the current k
    let ln_one_minus_c = one_minus_c.ln();

    let mut t = 1.0; // t_k
    let mut sum_t = 0.0; // Σ t_k over admitted states
    let mut sum_served_fast = 0.0; // Σ t_k s_k
    let mut sum_abandon = 0.0; // Σ t_k (k+1)/(x+k+1)
    let mut sum_abandon_fast = 0.0; // Σ t_k a_k
    let mut sum_wait_served = 0.0; // Σ t_k ps_k H_k  (H in units of 1/θ)
    let mut harmonic = 0.0; // H_k = Σ_{i=1..k+1} 1/(x+i)
    let mut blocked_t = 0.0;
    let mut scale = 1.0; // all t's are multiplied by `scale` (≤ 1) after rescaling

    let mut k: u64 = 0;
    loop {
        if let Some(room) = waiting_room
            && k >= room
        {
            // State N: arrivals are blocked.
            blocked_t = t;
            break;
        }
        let kf = k as f64;
        let served = x / (x + kf + 1.0);
        harmonic += 1.0 / (x + kf + 1.0);
        let s_k = served * (1.0 - nb_cdf).max(0.0);
        let abandon_fast = abandon_within(c, one_minus_c, nb_cdf, u, s_k);
        sum_t += t;
        sum_served_fast += t * s_k;
        sum_abandon += t * (1.0 - served);
        sum_abandon_fast += t * abandon_fast;
        sum_wait_served += t * served * harmonic;

        k += 1;
        let kf = k as f64;
        t *= y / (x + kf);
        if t > RESCALE_ABOVE || sum_t > RESCALE_ABOVE {
            t *= RESCALE_BY;
            sum_t *= RESCALE_BY;
            sum_served_fast *= RESCALE_BY;
            sum_abandon *= RESCALE_BY;
            sum_abandon_fast *= RESCALE_BY;
            sum_wait_served *= RESCALE_BY;
            scale *= RESCALE_BY;
        }
        // Next negative-binomial term u_k.
        let step = (x + kf) / kf;
        if log_space {
            log_u += step.ln() + ln_one_minus_c;
            if log_u > -600.0 {
                log_space = false;
                u = log_u.exp();
            } else {
                u = 0.0;
            }
        } else {
            u *= step * one_minus_c;
        }
        nb_cdf += u;

        if waiting_room.is_none() && kf > y - x && t < 1e-17 * sum_t {
            break;
        }
        if k >= MAX_QUEUE_STATES {
            break;
        }
    }

    // Below-n states weigh R − 1 = 1/B − 1 (scaled like the t's).
    let low = if r.is_finite() {
        (r - 1.0) * scale
    } else {
        f64::INFINITY
    };
    if low.is_infinite() {
        // B underflowed: nobody ever waits.
        return PalmMeasures::nobody_waits(q.arrival_rate * q.aht_seconds / n as f64);
    }
    let total = low + sum_t + blocked_t;
    let p_immediate = low / total;
    let p_wait = sum_t / total;
    let p_block = blocked_t / total;
    let p_abandon = sum_abandon / total;
    let p_served = (1.0 - p_abandon - p_block).max(0.0);
    let wait_served = sum_wait_served / total / theta;
    let occupancy = if n == 0 {
        0.0
    } else {
        (q.arrival_rate * p_served * q.aht_seconds / n as f64).min(1.0)
    };
    PalmMeasures {
        p_wait,
        service_level: p_immediate + sum_served_fast / total,
        p_abandon,
        p_abandon_within_t: sum_abandon_fast / total,
        p_block,
        asa_answered_seconds: if p_served > 0.0 {
            wait_served / p_served
        } else {
            f64::INFINITY
        },
        mean_wait_all_seconds: (p_abandon * q.patience_seconds) / (1.0 - p_block).max(f64::MIN_POSITIVE),
        occupancy,
    }
}

/// Probability that a caller with `k` ahead abandons having waited at most T:
/// `a_k = 1 − s_k − c·I_c(x, k+1)` (the last term: still waiting at T). DLMF 8.17.20 gives
/// `I_c(x, k+1) − I_c(x+1, k+1) = u_k·(1 − c)/c`, so `c·I_c(x, k+1) = c·I_c(x+1, k+1) + u_k·(1 − c)`
/// and no second series is needed.
#[inline]
fn abandon_within(c: f64, one_minus_c: f64, nb_cdf: f64, u_k: f64, s_k: f64) -> f64 {
    let still_waiting = c * nb_cdf + u_k * one_minus_c;
    (1.0 - s_k - still_waiting).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(patience: f64) -> PalmQueue {
        // ALGORITHMS.md §2: 300 calls / 30 min, AHT 240 s, T = 20 s.
        PalmQueue {
            arrival_rate: 300.0 / 1800.0,
            aht_seconds: 240.0,
            patience_seconds: patience,
            sl_seconds: 20.0,
            lines: None,
        }
    }

    #[test]
    fn published_table() {
        // n, P(W>0), P(Ab), E[W] all, SL_A, SL_A,excl, P(Ab ≤ 20 s), occupancy
        let rows = [
            (36, 0.649513, 0.135129, 16.216, 0.583258, 0.634707, 0.081059, 0.9610),
            (38, 0.546486, 0.101882, 12.226, 0.681602, 0.729096, 0.065141, 0.9454),
            (40, 0.439365, 0.073679, 8.842, 0.768998, 0.809374, 0.049885, 0.9263),
            (41, 0.386605, 0.061584, 7.390, 0.807286, 0.843387, 0.042805, 0.9155),
            (42, 0.335634, 0.050843, 6.101, 0.841550, 0.873180, 0.036223, 0.9040),
            (45, 0.201390, 0.026414, 3.170, 0.919656, 0.938514, 0.020093, 0.8654),
            (48, 0.105083, 0.012056, 1.447, 0.964757, 0.974186, 0.009679, 0.8233),
        ];
        for (n, pw, pab, ew, sl, sl_excl, pab_t, occ) in rows {
            let m = evaluate(n, &queue(120.0));
            let ok = |got: f64, want: f64, tol: f64, what: &str| {
                assert!((got - want).abs() <= tol, "n={n} {what}: got {got} want {want}");
            };
            ok(m.p_wait, pw, 1e-6, "P(W>0)");
            ok(m.p_abandon, pab, 1e-6, "P(Ab)");
            ok(m.mean_wait_all_seconds, ew, 1e-3, "E[W]");
            ok(m.service_level, sl, 1e-6, "SL_A");
            ok(m.service_level_excluding_short_abandons(), sl_excl, 1e-6, "SL_excl");
            ok(m.p_abandon_within_t, pab_t, 1e-6, "P(Ab<=T)");
            ok(m.occupancy, occ, 1e-4, "occupancy");
        }
        let m41 = evaluate(41, &queue(120.0));
        assert!(
            (m41.asa_answered_seconds - 6.8222).abs() < 1e-3,
            "{}",
            m41.asa_answered_seconds
        );
        assert!((1.0 - m41.p_abandon - 0.938416).abs() < 1e-6);
        assert!((evaluate(46, &queue(120.0)).asa_answered_seconds - 2.2524).abs() < 1e-3);
    }

    #[test]
    fn limits() {
        // θ → 0 reproduces Erlang C at n = 45.
        let m = evaluate(45, &queue(1e9));
        assert!((m.p_wait - 0.340706).abs() < 1e-5, "{}", m.p_wait);
        assert!((m.service_level - 0.775393).abs() < 1e-5, "{}", m.service_level);
        // θ = μ: M/M/∞, P(W>0) = P(Poisson(40) ≥ 45).
        let m = evaluate(45, &queue(240.0));
        assert!((m.p_wait - 0.234315).abs() < 1e-6, "{}", m.p_wait);
    }

    #[test]
    fn heavy_overload_and_huge_loads_stay_finite() {
        // 5,000 Erlangs with 1,000 agents, long patience: weights overflow without rescaling.
        for (lambda, n, patience) in [
            (5000.0 / 300.0, 1000, 1800.0),
            (5000.0 / 120.0, 5100, 60.0),
            (1.0, 0, 30.0),
        ] {
            let q = PalmQueue {
                arrival_rate: lambda,
                aht_seconds: if n == 5100 { 120.0 } else { 300.0 },
                patience_seconds: patience,
                sl_seconds: 20.0,
                lines: None,
            };
            let m = evaluate(n, &q);
            for v in [
                m.p_wait,
                m.service_level,
                m.p_abandon,
                m.occupancy,
                m.p_abandon_within_t,
            ] {
                assert!(v.is_finite() && (-1e-12..=1.0 + 1e-12).contains(&v), "{m:?}");
            }
        }
    }

    #[test]
    fn abandon_within_matches_direct() {
        // Direct: a_k = 1 − s_k − c·I_c(x, k+1), with I_c(x, k+1) summed as a negative binomial.
        let (x, c) = (3.7f64, 0.8f64);
        for k in 0..30u32 {
            let nb = |r: f64| {
                let mut u = c.powf(r);
                let mut s = u;
                for j in 1..=k {
                    u *= (r + j as f64 - 1.0) / j as f64 * (1.0 - c);
                    s += u;
                }
                (s, u)
            };
            let (i_x1, u_k) = nb(x + 1.0);
            let (i_x, _) = nb(x);
            let s_k = x / (x + k as f64 + 1.0) * (1.0 - i_x1);
            let direct = 1.0 - s_k - c * i_x;
            let got = abandon_within(c, 1.0 - c, i_x1, u_k, s_k);
            assert!((got - direct).abs() < 1e-12, "k={k}: {got} vs {direct}");
        }
    }
}
