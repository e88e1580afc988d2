//! Erlang B (M/M/n/n) by the reciprocal recursion of ALGORITHMS.md §1.
//!
//! `R(n) = 1 / B(n, A)` is built upward with `R(k) = 1 + (k/A)·R(k−1)`: no factorials, no powers,
//! one multiply-add per step, so it is stable for any load we plan (tested to 5,000 Erlangs).
//! `R` can overflow to `+∞` only when `B` is below ~1e-308, where `B = 0` is the right answer.

/// Erlang B blocking probability `B(n, A)` for `n` servers and offered load `a` Erlangs.
///
/// `a ≤ 0` (no traffic) blocks nothing unless there are no servers at all.
pub fn erlang_b(n: u32, a: f64) -> f64 {
    1.0 / reciprocal_b(n, a)
}

/// `1 / B(n, A)`, the quantity the staffing search carries from one `n` to the next.
pub fn reciprocal_b(n: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return if n == 0 { 1.0 } else { f64::INFINITY };
    }
    let (mut k, mut r) = recursion_start(n, a);
    let inv_a = 1.0 / a;
    // Four steps at once: R(k+4) = c0 + c1·R(k) with c0, c1 built from k alone, so the chain
    // of dependent operations is one multiply-add per four steps instead of one per step.
    // Every term is positive: no cancellation.
    while k + 4 <= n {
        let kf = k as f64;
        let (a1, a2, a3, a4) = (
            (kf + 1.0) * inv_a,
            (kf + 2.0) * inv_a,
            (kf + 3.0) * inv_a,
            (kf + 4.0) * inv_a,
        );
        let c0 = 1.0 + a4 * (1.0 + a3 * (1.0 + a2));
        let c1 = (a4 * a3) * (a2 * a1);
        r = c0 + c1 * r;
        k += 4;
    }
    while k < n {
        k += 1;
        r = 1.0 + (k as f64 * inv_a) * r;
    }
    r
}

/// Where the recursion may start for large loads.
///
/// Below `A` each step multiplies an error in the starting value by `k/A < 1`; from
/// `k0 = A − 10√A` up to `A` the product is about `exp(−50)`, so the recursion forgets where it
/// started. Starting there from the geometric approximation `R ≈ 1/(1 − k0/A)` makes the cost
/// O(√A) per cell at 5,000 Erlangs instead of O(A) without losing a digit.
fn recursion_start(n: u32, a: f64) -> (u32, f64) {
    let mut k0 = (a - 10.0 * a.sqrt()).floor();
    let nf = n as f64;
    if k0 >= 1.0 && nf < a {
        // Deep overload (what-if, Erlang A): the steps up to n each damp by at most n/A, so
        // take enough of them for a factor below e^{−46}.
        let steps = (46.0 / (a / nf).ln()).ceil();
        k0 = k0.min(nf - steps);
    }
    if k0 < 1.0 {
        return (0, 1.0);
    }
    let k0 = k0 as u32;
    (k0, 1.0 / (1.0 - k0 as f64 / a))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed form Σ-based Erlang B for small n (terms Aᵏ/k! built iteratively, no factorials).
    pub(crate) fn erlang_b_closed(n: u32, a: f64) -> f64 {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..=n {
            term *= a / k as f64;
            sum += term;
        }
        term / sum
    }

    fn close(x: f64, y: f64, rel: f64) -> bool {
        (x - y).abs() <= rel * y.abs().max(1e-300)
    }

    #[test]
    fn published_values() {
        // ALGORITHMS.md §1 table.
        let cases = [
            (1, 1.0, 0.5),
            (2, 1.0, 0.2),
            (5, 2.0, 4.0 / 109.0),
            (10, 5.0, 0.0183846),
            (30, 25.0, 0.0526032),
            (100, 80.0, 0.00399203),
        ];
        for (n, a, b) in cases {
            assert!(
                close(erlang_b(n, a), b, 1e-5),
                "B({n},{a}) = {} want {b}",
                erlang_b(n, a)
            );
        }
    }

    #[test]
    fn zero_load_and_zero_servers() {
        assert_eq!(erlang_b(0, 3.0), 1.0);
        assert_eq!(erlang_b(3, 0.0), 0.0);
        assert_eq!(erlang_b(0, 0.0), 1.0);
    }

    #[test]
    fn large_loads_stay_finite_and_match_full_recursion() {
        for a in [150.0, 1000.0, 5000.0, 20000.0] {
            for n in [
                (a * 0.9) as u32,
                a as u32,
                (a + 2.0 * f64::sqrt(a)) as u32,
                (a * 3.0) as u32,
            ] {
                let fast = reciprocal_b(n, a);
                // Full recursion from R(0) = 1 for comparison.
                let mut r = 1.0;
                for k in 1..=n {
                    r = 1.0 + (k as f64 / a) * r;
                }
                assert!(fast.is_finite() || r.is_infinite(), "A={a} n={n}");
                if r.is_finite() {
                    assert!(close(fast, r, 1e-12), "A={a} n={n}: {fast} vs {r}");
                }
                let b = erlang_b(n, a);
                assert!((0.0..=1.0).contains(&b) && !b.is_nan());
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn recursion_equals_closed_form(n in 0u32..120, a in 0.01f64..100.0) {
            let got = erlang_b(n, a);
            let want = erlang_b_closed(n, a);
            proptest::prop_assert!(close(got, want, 1e-11), "B({}, {}) = {} want {}", n, a, got, want);
        }

        #[test]
        fn decreasing_in_servers(n in 0u32..500, a in 0.01f64..400.0) {
            proptest::prop_assert!(erlang_b(n + 1, a) < erlang_b(n, a) || erlang_b(n, a) == 0.0);
        }
    }
}
