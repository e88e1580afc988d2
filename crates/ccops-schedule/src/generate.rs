//! Seeded instances for benchmarks, tests and the demo: `agents` agents over `weeks` weeks at
//! 15-minute intervals, 3 queues (sales, service, tech), 80 % full-time (2400 paid min/week,
//! 8.5 h shifts with two paid breaks and an unpaid lunch) and 20 % part-time (1200 min/week,
//! 4 h shifts), 60 % single-skilled, 30 % two skills, 10 % all three.

use chrono::NaiveDate;

use crate::model::{Agent, Problem, Requirements};
use crate::rules::Rules;
use crate::solver::Rng;

/// The rules used by generated instances (also a compact example of the rules file).
pub const BENCH_RULES: &str = r#"
[[shift]]
name = "full"
earliest_start = "06:00"
latest_start = "14:00"
start_step_minutes = 30
lengths_minutes = [510]
[[shift.break]]
kind = "break"
length_minutes = 15
earliest_offset_minutes = 90
latest_offset_minutes = 150
[[shift.break]]
kind = "lunch"
length_minutes = 30
earliest_offset_minutes = 210
latest_offset_minutes = 300
[[shift.break]]
kind = "break"
length_minutes = 15
earliest_offset_minutes = 375
latest_offset_minutes = 435

[[shift]]
name = "part"
earliest_start = "07:00"
latest_start = "18:00"
start_step_minutes = 30
lengths_minutes = [240]
[[shift.break]]
kind = "break"
length_minutes = 15
earliest_offset_minutes = 90
latest_offset_minutes = 150

[limits]
min_rest_minutes = 660
max_consecutive_days = 6
min_days_off_per_week = 2
paired_days_off = true
max_daily_minutes = 600
max_weekly_minutes = 2700
contract_tolerance_minutes = 0

[breaks]
min_gap_minutes = 60
max_on_break_fraction = 0.34
"#;

/// A generated problem (deterministic in `seed`). Demand is sized to about the agents' capacity
/// so that both under- and over-staffing occur where the curve's shape demands it.
pub fn generate(agents: usize, weeks: usize, seed: u64) -> Problem {
    let mut rng = Rng::new(seed);
    let queues = ["sales", "service", "tech"];
    let share = [0.5, 0.3, 0.2];
    let mut list = Vec::with_capacity(agents);
    let mut capacity_min = 0.0;
    for i in 0..agents {
        let r = rng.unit();
        let primary = if r < 0.5 { 0 } else if r < 0.8 { 1 } else { 2 };
        let k = rng.unit();
        let mut skills = vec![queues[primary].to_string()];
        if k > 0.6 {
            skills.push(queues[(primary + 1) % 3].to_string());
        }
        if k > 0.9 {
            skills.push(queues[(primary + 2) % 3].to_string());
        }
        let contract = if rng.unit() < 0.8 { 2400 } else { 1200 };
        // Net of paid breaks: ~450/480 of paid time is on the phone.
        capacity_min += contract as f64 * 450.0 / 480.0;
        list.push(Agent {
            id: format!("A{:04}", i + 1),
            name: format!("Agent {}", i + 1),
            skills,
            contract_minutes_per_week: contract,
            site: None,
            team: Some(format!("T{}", i % 10 + 1)),
        });
    }
    let days = weeks * 7;
    let per_day = 96;
    // Intraday curve: open 07:00–22:00, peaks at 10:30 and 15:00; weekends lighter.
    let shape = |i: usize| {
        let h = i as f64 / 4.0;
        if !(7.0..22.0).contains(&h) {
            return 0.0;
        }
        let g = |mu: f64, s: f64| (-(h - mu) * (h - mu) / (2.0 * s * s)).exp();
        0.25 + g(10.5, 1.8) + 0.85 * g(15.0, 2.0)
    };
    let mut day_weight = Vec::with_capacity(days);
    for d in 0..days {
        let wd = d % 7;
        let base = if wd >= 5 { 0.65 } else { 1.0 + 0.05 * (rng.unit() - 0.5) };
        day_weight.push(base);
    }
    let total_shape: f64 = (0..days).map(|d| day_weight[d] * (0..per_day).map(shape).sum::<f64>()).sum();
    let scale = capacity_min * weeks as f64 / 15.0 / total_shape; // agent-intervals per shape unit
    let mut required = vec![vec![0.0; days * per_day]; 3];
    for d in 0..days {
        for i in 0..per_day {
            let v = shape(i) * day_weight[d] * scale;
            for q in 0..3 {
                let noise = 1.0 + 0.08 * (rng.unit() - 0.5);
                required[q][d * per_day + i] = (v * share[q] * noise).round();
            }
        }
    }
    let start = NaiveDate::from_ymd_opt(2026, 3, 2).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    let requirements = Requirements {
        start,
        days,
        slot_minutes: 15,
        queues: queues.iter().map(|s| s.to_string()).collect(),
        required,
        weight: vec![vec![1.0; days * per_day]; 3],
    };
    let rules = Rules::from_toml(BENCH_RULES).unwrap_or_default();
    Problem { requirements, agents: list, rules, existing: None }
}
