//! Erlang C (M/M/n, infinite patience), ALGORITHMS.md §1.

use crate::Performance;
use crate::erlang_b::reciprocal_b;

/// Probability that an arrival waits, `C(n, A)`; 1 when the queue is unstable (`n ≤ A`).
pub fn p_wait(n: u32, a: f64) -> f64 {
    p_wait_from_reciprocal(n, a, reciprocal_b(n, a))
}

/// `C(n, A)` given `R = 1/B(n, A)`: `C = n / ((n − A)·R + A)`, the form without cancellation.
#[inline]
pub fn p_wait_from_reciprocal(n: u32, a: f64, r: f64) -> f64 {
    let n = n as f64;
    if n <= a {
        return 1.0;
    }
    if a <= 0.0 {
        return 0.0;
    }
    n / ((n - a) * r + a)
}

/// Fraction of calls answered within `t` seconds; 0 for an unstable queue.
pub fn service_level(n: u32, a: f64, aht_seconds: f64, t_seconds: f64) -> f64 {
    performance(n, a, aht_seconds, t_seconds).service_level
}

/// Mean wait over all calls (s); `+∞` for an unstable queue.
pub fn asa(n: u32, a: f64, aht_seconds: f64) -> f64 {
    performance(n, a, aht_seconds, 0.0).asa_seconds
}

/// All Erlang C measures for `n` agents on `a` Erlangs (the model has no abandonment).
pub fn performance(n: u32, a: f64, aht_seconds: f64, t_seconds: f64) -> Performance {
    performance_from_reciprocal(n, a, aht_seconds, t_seconds, reciprocal_b(n, a))
}

/// As [`performance`], reusing `R = 1/B(n, A)` from a search.
pub fn performance_from_reciprocal(n: u32, a: f64, aht: f64, t: f64, r: f64) -> Performance {
    let nf = n as f64;
    if a <= 0.0 {
        return Performance::idle(n);
    }
    if nf <= a {
        return Performance {
            agents: n,
            service_level: 0.0,
            asa_seconds: f64::INFINITY,
            occupancy: 1.0,
            abandon_rate: 0.0,
            p_wait: 1.0,
            stable: false,
        };
    }
    let c = p_wait_from_reciprocal(n, a, r);
    Performance {
        agents: n,
        service_level: 1.0 - c * (-(nf - a) * t / aht).exp(),
        asa_seconds: c * aht / (nf - a),
        occupancy: a / nf,
        abandon_rate: 0.0,
        p_wait: c,
        stable: true,
    }
}

/// What an Erlang C search must meet; `None` = no such target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CTargets {
    pub service_level: Option<(f64, f64)>, // (fraction, within seconds)
    pub max_asa_seconds: Option<f64>,
    pub max_occupancy: Option<f64>,
}

/// Result of the Erlang C search: least `n` and `R(n)`, `R(n−1)` for reuse.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CSearch {
    pub agents: u32,
    pub r: f64,
    pub r_prev: f64,
}

/// Least `n` meeting every target, or `None` beyond `max_agents`.
///
/// Walks up from the first stable `n = ⌊A⌋ + 1`. The recursion has to pass through every `k ≤ n`
/// anyway, so a Halfin–Whitt starting guess would save nothing; what matters is that the test per
/// step is cheap: with `D = (n − A)·R + A` (so `C = n/D`) the SL and ASA tests become
/// `n·e ≤ (1 − target)·D` and `n·AHT ≤ ASA*·(n − A)·D`, where `e = exp(−(n − A)T/AHT)` is
/// updated by one multiplication per step. No division, no `exp` inside the loop. A test that
/// lands within 1e-11 of its threshold is redone with the textbook formula so ties are decided
/// exactly as by the reference implementation.
pub(crate) fn min_agents(a: f64, aht: f64, targets: &CTargets, max_agents: u32) -> Option<CSearch> {
    let first = a.floor() + 1.0;
    if first > max_agents as f64 {
        return None;
    }
    let mut n = first as u32;
    if let Some(occ) = targets.max_occupancy {
        // Occupancy A/n ≤ cap ⇔ n ≥ A/cap; jump there (recursion still walks, untested).
        let need = (a / occ).ceil();
        if need > max_agents as f64 {
            return None;
        }
        let mut need = need as u32;
        if a / need as f64 > occ {
            need += 1;
        }
        n = n.max(need);
    }
    let mut r_prev = reciprocal_b(n - 1, a);
    let mut r = 1.0 + (n as f64 / a) * r_prev;
    let (sl_tail, decay, mut e) = match targets.service_level {
        Some((target, t)) => (1.0 - target, (-t / aht).exp(), (-(n as f64 - a) * t / aht).exp()),
        None => (0.0, 1.0, 1.0),
    };
    let inv_a = 1.0 / a;
    loop {
        let nf = n as f64;
        let d = (nf - a) * r + a;
        let mut ok = true;
        if let Some((target, t)) = targets.service_level {
            let lhs = nf * e;
            let rhs = sl_tail * d;
            if lhs > rhs * (1.0 + 1e-11) {
                ok = false;
            } else if lhs >= rhs * (1.0 - 1e-11) {
                let c = nf / d;
                ok = 1.0 - c * (-(nf - a) * t / aht).exp() >= target;
            }
        }
        if ok && let Some(asa_max) = targets.max_asa_seconds {
            ok = nf * aht <= asa_max * (nf - a) * d;
        }
        if ok {
            return Some(CSearch { agents: n, r, r_prev });
        }
        if n >= max_agents {
            return None;
        }
        n += 1;
        r_prev = r;
        r = 1.0 + (n as f64 * inv_a) * r;
        e *= decay;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) -> bool {
        (x - y).abs() <= tol
    }

    fn sl_only(target: f64, t: f64) -> CTargets {
        CTargets {
            service_level: Some((target, t)),
            max_asa_seconds: None,
            max_occupancy: None,
        }
    }

    #[test]
    fn published_table_a10() {
        // ALGORITHMS.md §1: A = 10, AHT 180 s, T = 20 s.
        let rows = [
            (11, 0.682118, 0.389614, 122.781, 0.9091),
            (12, 0.449388, 0.640158, 40.445, 0.8333),
            (13, 0.285270, 0.795595, 17.116, 0.7692),
            (14, 0.174132, 0.888350, 7.836, 0.7143),
            (15, 0.102042, 0.941453, 3.674, 0.6667),
            (16, 0.057340, 0.970560, 1.720, 0.6250),
        ];
        for (n, c, sl, asa_s, occ) in rows {
            let p = performance(n, 10.0, 180.0, 20.0);
            assert!(close(p.p_wait, c, 1e-6), "C({n}) = {}", p.p_wait);
            assert!(close(p.service_level, sl, 1e-6), "SL({n}) = {}", p.service_level);
            assert!(close(p.asa_seconds, asa_s, 1e-3), "ASA({n}) = {}", p.asa_seconds);
            assert!(close(p.occupancy, occ, 1e-4));
        }
        assert_eq!(
            min_agents(10.0, 180.0, &sl_only(0.8, 20.0), 1000).map(|s| s.agents),
            Some(14)
        );
        assert_eq!(
            min_agents(10.0, 180.0, &sl_only(0.9, 15.0), 1000).map(|s| s.agents),
            Some(15)
        );
    }

    #[test]
    fn published_min_agents() {
        // (volume, minutes, AHT, T) → n, SL(n), SL(n−1)
        let cases = [
            (400.0, 30.0, 240.0, 20.0, 60, 0.840084, 0.784391),
            (1000.0, 60.0, 300.0, 30.0, 90, 0.811427, 0.754084),
            (2000.0, 30.0, 300.0, 20.0, 345, 0.809335, 0.778565),
        ];
        for (vol, min, aht, t, n, sl, sl_prev) in cases {
            let a = vol / (min * 60.0) * aht;
            let got = min_agents(a, aht, &sl_only(0.8, t), 10_000).map(|s| s.agents);
            assert_eq!(got, Some(n), "A = {a}");
            assert!(close(service_level(n, a, aht, t), sl, 1e-6));
            assert!(close(service_level(n - 1, a, aht, t), sl_prev, 1e-6));
        }
    }

    #[test]
    fn unstable_queue_is_explicit() {
        let p = performance(10, 10.0, 180.0, 20.0);
        assert!(!p.stable);
        assert_eq!(p.service_level, 0.0);
        assert!(p.asa_seconds.is_infinite());
        assert_eq!(p_wait(5, 10.0), 1.0);
    }

    #[test]
    fn asa_and_occupancy_targets() {
        // A = 10: ASA(13) = 17.1 s, ASA(14) = 7.8 s → a 10 s ASA target needs 14.
        let t = CTargets {
            service_level: None,
            max_asa_seconds: Some(10.0),
            max_occupancy: None,
        };
        assert_eq!(min_agents(10.0, 180.0, &t, 100).map(|s| s.agents), Some(14));
        // Occupancy cap 0.7 → n ≥ 10/0.7 = 14.3 → 15.
        let t = CTargets {
            service_level: Some((0.8, 20.0)),
            max_asa_seconds: None,
            max_occupancy: Some(0.7),
        };
        assert_eq!(min_agents(10.0, 180.0, &t, 100).map(|s| s.agents), Some(15));
        // Exactly at the cap: A/n = cap is allowed.
        let t = CTargets {
            service_level: None,
            max_asa_seconds: None,
            max_occupancy: Some(0.5),
        };
        assert_eq!(min_agents(10.0, 180.0, &t, 100).map(|s| s.agents), Some(20));
    }

    #[test]
    fn five_thousand_erlangs() {
        let a = 5000.0;
        let s = min_agents(a, 300.0, &sl_only(0.8, 20.0), 100_000).expect("reachable");
        let p = performance(s.agents, a, 300.0, 20.0);
        let prev = performance(s.agents - 1, a, 300.0, 20.0);
        assert!(p.service_level >= 0.8 && prev.service_level < 0.8, "{p:?} {prev:?}");
        assert!(s.agents > 5000 && s.agents < 5200);
    }

    proptest::proptest! {
        #[test]
        fn search_returns_the_least_agents(
            calls_per_hour in 1.0f64..2000.0, aht in 120.0f64..900.0,
            t in 5.0f64..60.0, target in 0.5f64..0.95,
        ) {
            let a = calls_per_hour / 3600.0 * aht;
            let s = min_agents(a, aht, &sl_only(target, t), 100_000).expect("reachable");
            let sl = service_level(s.agents, a, aht, t);
            proptest::prop_assert!(sl >= target);
            proptest::prop_assert!(service_level(s.agents - 1, a, aht, t) < target);
            // The carried R values are the recursion's.
            proptest::prop_assert!((s.r / reciprocal_b(s.agents, a) - 1.0).abs() < 1e-12);
        }

        #[test]
        fn service_level_increases_with_agents(a in 0.1f64..3000.0, extra in 1u32..50) {
            let n = a.floor() as u32 + extra;
            let lo = service_level(n, a, 300.0, 20.0);
            let hi = service_level(n + 1, a, 300.0, 20.0);
            proptest::prop_assert!(hi >= lo && (0.0..=1.0).contains(&lo) && !hi.is_nan());
        }
    }
}
