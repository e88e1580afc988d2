//! Erlang A against a small simulation of the M/M/n+M queue it models.
//!
//! Under FCFS each caller's offered wait depends only on the callers ahead who were served, so
//! the queue can be simulated caller by caller: the wait is the time until the earliest server is
//! free; a caller whose patience is shorter leaves without taking a server.

use ccops_queueing::erlang_a::{PalmMeasures, PalmQueue, evaluate};

/// xorshift64* — enough randomness for a test, no dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (bits as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }
}

struct Observed {
    service_level: f64,
    abandon_rate: f64,
    asa_answered: f64,
}

fn simulate(agents: usize, q: &PalmQueue, callers: usize, seed: u64) -> Observed {
    let mut rng = Rng(seed);
    let mut free_at = vec![0.0f64; agents];
    let (mut now, mut fast, mut abandoned, mut served, mut wait_served) = (0.0, 0usize, 0usize, 0usize, 0.0);
    // Skip a warm-up so the empty start does not bias the averages.
    let warm_up = callers / 10;
    for i in 0..callers + warm_up {
        now += rng.exponential(1.0 / q.arrival_rate);
        let (slot, &earliest) = free_at
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least one agent");
        let wait = (earliest - now).max(0.0);
        let patience = rng.exponential(q.patience_seconds);
        let counted = i >= warm_up;
        if patience < wait {
            abandoned += counted as usize;
            continue;
        }
        free_at[slot] = now + wait + rng.exponential(q.aht_seconds);
        if counted {
            served += 1;
            wait_served += wait;
            fast += (wait <= q.sl_seconds) as usize;
        }
    }
    Observed {
        service_level: fast as f64 / callers as f64,
        abandon_rate: abandoned as f64 / callers as f64,
        asa_answered: wait_served / served as f64,
    }
}

#[test]
fn erlang_a_matches_simulation() {
    // ALGORITHMS.md §2 queue: 300 calls / 30 min, AHT 240 s, patience 120 s, T = 20 s.
    let q = PalmQueue {
        arrival_rate: 1.0 / 6.0,
        aht_seconds: 240.0,
        patience_seconds: 120.0,
        sl_seconds: 20.0,
        lines: None,
    };
    for (agents, seed) in [(38usize, 7u64), (42, 11)] {
        let exact = evaluate(agents as u32, &q);
        let sim = simulate(agents, &q, 3_000_000, seed);
        agree(&format!("n={agents}"), &sim, &exact, true);
    }
}

/// Simulated and exact measures agree within the simulation's noise.
fn agree(case: &str, sim: &Observed, exact: &PalmMeasures, check_asa: bool) {
    let close = |what: &str, got: f64, want: f64, tol: f64| {
        assert!(
            (got - want).abs() < tol,
            "{case}: simulated {what} {got} vs Erlang A {want}"
        );
    };
    close("SL", sim.service_level, exact.service_level, 0.01);
    close("abandonment", sim.abandon_rate, exact.p_abandon, 0.006);
    if check_asa {
        close("ASA", sim.asa_answered, exact.asa_answered_seconds, 0.8);
    }
}

#[test]
fn short_patience_is_still_erlang_a() {
    // Few agents, impatient callers: most of the mass is in the queue.
    let q = PalmQueue {
        arrival_rate: 0.05,
        aht_seconds: 180.0,
        patience_seconds: 30.0,
        sl_seconds: 15.0,
        lines: None,
    };
    let exact = evaluate(7, &q);
    let sim = simulate(7, &q, 300_000, 3);
    agree("n=7, short patience", &sim, &exact, false);
}
