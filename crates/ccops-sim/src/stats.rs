//! Counters per queue × interval, replication summaries and confidence intervals (§12):
//! ratios such as service level are ratios of sums across replications with a delta-method CI,
//! never means of daily ratios.

use serde::Serialize;

/// Raw sums for one queue over one interval (or a whole day). Contacts count in the interval
/// they *arrived* in; handle and idle seconds count in the interval they were spent in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub offered: u64,
    pub answered: u64,
    /// Answered within the queue's threshold T.
    pub answered_in_sl: u64,
    pub abandoned: u64,
    /// Abandoned within the short-abandon threshold (removed from the SL base).
    pub abandoned_short: u64,
    /// Still waiting when the run stopped (offered = answered + abandoned + in_queue_end).
    pub in_queue_end: u64,
    pub wait_answered_seconds: f64,
    pub wait_abandoned_seconds: f64,
    /// Agent time spent handling this queue's contacts (chat sessions weighted by 1/concurrency).
    pub handle_seconds: f64,
    /// Available idle agent time attributed to this queue (shared equally among an agent's queues).
    pub idle_seconds: f64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.answered_in_sl += o.answered_in_sl;
        self.abandoned += o.abandoned;
        self.abandoned_short += o.abandoned_short;
        self.in_queue_end += o.in_queue_end;
        self.wait_answered_seconds += o.wait_answered_seconds;
        self.wait_abandoned_seconds += o.wait_abandoned_seconds;
        self.handle_seconds += o.handle_seconds;
        self.idle_seconds += o.idle_seconds;
    }

    /// PRODUCT.md: answered within T / (offered − abandoned within the short threshold).
    pub fn service_level(&self) -> f64 {
        ratio(self.answered_in_sl as f64, (self.offered - self.abandoned_short) as f64)
    }
    pub fn abandon_rate(&self) -> f64 {
        ratio(self.abandoned as f64, self.offered as f64)
    }
    /// Mean wait of answered contacts.
    pub fn asa(&self) -> f64 {
        ratio(self.wait_answered_seconds, self.answered as f64)
    }
    /// Handling time / (handling + available idle time).
    pub fn occupancy(&self) -> f64 {
        ratio(self.handle_seconds, self.handle_seconds + self.idle_seconds)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Floor totals for one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct FloorCounts {
    /// Agent-seconds logged in and in a work segment (available or handling).
    pub staffed_seconds: f64,
    /// Agent-seconds handling contacts (by load).
    pub busy_seconds: f64,
}

/// Logical events, counted as the peer benchmarks count them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventCounts {
    pub arrivals: u64,
    pub completions: u64,
    pub abandonments: u64,
}

impl EventCounts {
    pub fn total(&self) -> u64 {
        self.arrivals + self.completions + self.abandonments
    }
}

/// The outcome of one replication.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicationReport {
    /// `queues[q][interval]`.
    pub intervals: Vec<Vec<Counts>>,
    /// Whole-run totals per queue.
    pub totals: Vec<Counts>,
    pub floor: Vec<FloorCounts>,
    pub events: EventCounts,
}

/// A point estimate with a two-sided 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// Student t 0.975 quantile for `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => T[df - 1],
        // Cornish–Fisher expansion around the normal quantile; error < 1e-3 beyond 30.
        _ => {
            let z = 1.959964_f64;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// Mean of `xs` with a t-based 95 % CI (infinite half-width with fewer than two values).
pub fn mean_ci(xs: &[f64]) -> Estimate {
    let n = xs.len();
    if n == 0 {
        return Estimate { mean: f64::NAN, low: f64::NAN, high: f64::NAN };
    }
    let m = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate { mean: m, low: f64::NEG_INFINITY, high: f64::INFINITY };
    }
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    let h = t975(n - 1) * (var / n as f64).sqrt();
    Estimate { mean: m, low: m - h, high: m + h }
}

/// Ratio of sums Σx/Σy across replications with a delta-method 95 % CI.
pub fn ratio_ci(x: &[f64], y: &[f64]) -> Estimate {
    let n = x.len().min(y.len());
    let sx: f64 = x[..n].iter().sum();
    let sy: f64 = y[..n].iter().sum();
    if n == 0 || sy <= 0.0 {
        return Estimate { mean: f64::NAN, low: f64::NAN, high: f64::NAN };
    }
    let r = sx / sy;
    if n < 2 {
        return Estimate { mean: r, low: f64::NEG_INFINITY, high: f64::INFINITY };
    }
    let ybar = sy / n as f64;
    let s2 = (0..n).map(|i| (x[i] - r * y[i]).powi(2)).sum::<f64>() / (n - 1) as f64;
    let h = t975(n - 1) * (s2 / n as f64).sqrt() / ybar;
    Estimate { mean: r, low: r - h, high: r + h }
}

/// Whether a queue meets a target, judged on the 95 % CI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole CI is on the right side of the target.
    Meets,
    /// The CI straddles the target: more replications or a closer look needed.
    Inconclusive,
    /// The whole CI is on the wrong side.
    Misses,
    /// Nothing offered, nothing to judge.
    NoTraffic,
}

impl Verdict {
    /// `at_least`: the estimate should be ≥ target (SL) or ≤ target (abandonment).
    pub fn judge(e: &Estimate, target: f64, at_least: bool) -> Verdict {
        if e.mean.is_nan() {
            return Verdict::NoTraffic;
        }
        let (good, bad) = if at_least { (e.low >= target, e.high < target) } else { (e.high <= target, e.low > target) };
        if good {
            Verdict::Meets
        } else if bad {
            Verdict::Misses
        } else {
            Verdict::Inconclusive
        }
    }
}

/// Results over replications for one queue × interval (or the day).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueEstimates {
    pub offered: Estimate,
    pub answered: Estimate,
    pub abandoned: Estimate,
    pub service_level: Estimate,
    pub abandon_rate: Estimate,
    pub asa_seconds: Estimate,
    pub occupancy: Estimate,
}

/// A fraction's CI cannot leave [0, 1].
fn clamp01(e: Estimate) -> Estimate {
    Estimate { mean: e.mean, low: e.low.max(0.0), high: e.high.min(1.0) }
}

impl QueueEstimates {
    pub fn from_counts(reps: &[Counts]) -> QueueEstimates {
        let col = |f: &dyn Fn(&Counts) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
        let offered = col(&|c| c.offered as f64);
        QueueEstimates {
            offered: mean_ci(&offered),
            answered: mean_ci(&col(&|c| c.answered as f64)),
            abandoned: mean_ci(&col(&|c| c.abandoned as f64)),
            service_level: clamp01(ratio_ci(
                &col(&|c| c.answered_in_sl as f64),
                &col(&|c| (c.offered - c.abandoned_short) as f64),
            )),
            abandon_rate: clamp01(ratio_ci(&col(&|c| c.abandoned as f64), &offered)),
            asa_seconds: ratio_ci(&col(&|c| c.wait_answered_seconds), &col(&|c| c.answered as f64)),
            occupancy: clamp01(ratio_ci(&col(&|c| c.handle_seconds), &col(&|c| c.handle_seconds + c.idle_seconds))),
        }
    }
}

/// Day summary of one queue with its verdicts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueSummary {
    pub queue: String,
    pub sl_target: f64,
    pub sl_seconds: f64,
    pub max_abandon_rate: Option<f64>,
    pub day: QueueEstimates,
    pub intervals: Vec<QueueEstimates>,
    pub sl_verdict: Verdict,
    pub abandon_verdict: Option<Verdict>,
}

/// Results of `replications` independent runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub replications: usize,
    pub seed: u64,
    pub interval_seconds: f64,
    pub queues: Vec<QueueSummary>,
    /// Mean staffed agents per interval (staffed agent-seconds / interval length).
    pub staffed_agents: Vec<f64>,
    pub events: EventCounts,
}

impl Summary {
    /// True when every queue's SL (and abandonment, where a ceiling is set) is `Meets`.
    pub fn meets_all(&self) -> bool {
        self.queues.iter().all(|q| {
            matches!(q.sl_verdict, Verdict::Meets | Verdict::NoTraffic)
                && q.abandon_verdict.is_none_or(|v| matches!(v, Verdict::Meets | Verdict::NoTraffic))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(19), 2.093);
        assert!((t975(60) - 2.000).abs() < 2e-3);
        assert!((t975(120) - 1.980).abs() < 2e-3);
    }

    #[test]
    fn ratio_ci_is_ratio_of_sums() {
        let e = ratio_ci(&[8.0, 9.0, 7.0], &[10.0, 10.0, 10.0]);
        assert!((e.mean - 0.8).abs() < 1e-12);
        assert!(e.low < 0.8 && e.high > 0.8);
        // Unequal bases weight by volume: (1 + 90) / (10 + 100).
        let e = ratio_ci(&[1.0, 90.0], &[10.0, 100.0]);
        assert!((e.mean - 91.0 / 110.0).abs() < 1e-12);
    }

    #[test]
    fn verdicts() {
        let e = Estimate { mean: 0.85, low: 0.82, high: 0.88 };
        assert_eq!(Verdict::judge(&e, 0.8, true), Verdict::Meets);
        assert_eq!(Verdict::judge(&e, 0.86, true), Verdict::Inconclusive);
        assert_eq!(Verdict::judge(&e, 0.9, true), Verdict::Misses);
        assert_eq!(Verdict::judge(&e, 0.9, false), Verdict::Meets);
        assert_eq!(Verdict::judge(&e, 0.8, false), Verdict::Misses);
    }
}
