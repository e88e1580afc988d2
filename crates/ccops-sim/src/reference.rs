//! Closed-form Erlang C and Erlang A (ALGORITHMS.md §1–2), kept here only to validate the
//! simulator (tests and `ccops bench sim`). Staffing uses `ccops-queueing`, not this module.

/// Erlang B blocking probability for `n` servers and load `a` Erlangs (stable recursion).
pub fn erlang_b(n: u32, a: f64) -> f64 {
    (1..=n).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Erlang C: probability of waiting and service level within `t` seconds.
/// Returns `None` when the queue is unstable (n ≤ A).
pub fn erlang_c(n: u32, lambda: f64, aht: f64, t: f64) -> Option<(f64, f64)> {
    let a = lambda * aht;
    if (n as f64) <= a {
        return None;
    }
    let b = erlang_b(n, a);
    let c = n as f64 * b / (n as f64 - a * (1.0 - b));
    Some((c, 1.0 - c * (-(n as f64 - a) * t / aht).exp()))
}

/// Erlang A (M/M/n+M) measures over all offered contacts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErlangA {
    pub p_wait: f64,
    pub p_abandon: f64,
    /// Answered within T / offered (abandons count as failures).
    pub service_level: f64,
    /// Mean wait of answered contacts.
    pub asa_answered: f64,
}

/// Exact Erlang A by the series of §2 (`lambda` per second, times in seconds).
pub fn erlang_a(n: u32, lambda: f64, aht: f64, patience: f64, t: f64) -> ErlangA {
    let mu = 1.0 / aht;
    let theta = 1.0 / patience;
    let a = lambda * aht;
    let x = n as f64 * mu / theta;
    let y = lambda / theta;
    let b = erlang_b(n, a);
    // t_k series and the sums we need, truncated once the terms are negligible.
    let mut terms = vec![1.0f64];
    let (mut sum, mut ksum) = (1.0, 0.0);
    let mut k = 0usize;
    loop {
        k += 1;
        let tk = terms[k - 1] * y / (x + k as f64);
        terms.push(tk);
        sum += tk;
        ksum += k as f64 * tk;
        if (tk < 1e-17 * sum && k as f64 > y - x) || k > 100_000 {
            break;
        }
    }
    let pi_n = 1.0 / (1.0 / b - 1.0 + sum);
    let p_wait = pi_n * sum;
    let p_abandon = theta / lambda * pi_n * ksum;
    // s_k(T) = x/(x+k+1)·(1 − I_c(x+1, k+1)), with I_c for integer b as a negative-binomial sum.
    let c = (-theta * t).exp();
    let av = x + 1.0;
    let mut nb_term = c.powf(av); // j = 0 term of I_c(av, ·)
    let mut nb_sum = nb_term;
    let mut harmonic = 0.0;
    let (mut sl_wait, mut asa_num) = (0.0, 0.0);
    for (k, tk) in terms.iter().enumerate() {
        if k > 0 {
            nb_term *= (av + k as f64 - 1.0) / k as f64 * (1.0 - c);
            nb_sum += nb_term;
        }
        let served = x / (x + k as f64 + 1.0);
        harmonic += 1.0 / (x + k as f64 + 1.0);
        let p = pi_n * tk;
        sl_wait += p * served * (1.0 - nb_sum.min(1.0));
        asa_num += p * served * harmonic / theta;
    }
    ErlangA {
        p_wait,
        p_abandon,
        service_level: 1.0 - p_wait + sl_wait,
        asa_answered: asa_num / (1.0 - p_abandon),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_table_values() {
        // §1 / §2: A = 40 (λ = 1/6, AHT 240), T = 20 s.
        let (c, sl) = erlang_c(45, 1.0 / 6.0, 240.0, 20.0).unwrap();
        assert!((c - 0.340706).abs() < 1e-6, "{c}");
        assert!((sl - 0.775393).abs() < 1e-6, "{sl}");
        let (_, sl) = erlang_c(14, 10.0 / 180.0, 180.0, 20.0).unwrap();
        assert!((sl - 0.8884).abs() < 1e-4, "{sl}");
        assert!(erlang_c(40, 1.0 / 6.0, 240.0, 20.0).is_none());
    }

    #[test]
    fn erlang_a_table_values() {
        for (n, pw, pab, sl) in [
            (36, 0.649513, 0.135129, 0.583258),
            (41, 0.386605, 0.061584, 0.807286),
            (48, 0.105083, 0.012056, 0.964757),
        ] {
            let r = erlang_a(n, 1.0 / 6.0, 240.0, 120.0, 20.0);
            assert!((r.p_wait - pw).abs() < 1e-6, "n={n} p_wait {}", r.p_wait);
            assert!((r.p_abandon - pab).abs() < 1e-6, "n={n} p_ab {}", r.p_abandon);
            assert!((r.service_level - sl).abs() < 1e-6, "n={n} sl {}", r.service_level);
        }
        let r = erlang_a(41, 1.0 / 6.0, 240.0, 120.0, 20.0);
        assert!((r.asa_answered - 6.8222).abs() < 1e-3, "{}", r.asa_answered);
        let r = erlang_a(46, 1.0 / 6.0, 240.0, 120.0, 20.0);
        assert!((r.asa_answered - 2.2524).abs() < 1e-3, "{}", r.asa_answered);
    }

    #[test]
    fn benchmark_instance_value() {
        // sim_single.json: 1000/h, AHT 240, patience 180, 70 agents, T = 20 → 0.8669 (peers' reference).
        let r = erlang_a(70, 1000.0 / 3600.0, 240.0, 180.0, 20.0);
        assert!((r.service_level - 0.8669).abs() < 5e-5, "{}", r.service_level);
    }
}
