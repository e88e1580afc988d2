//! Shift-mix probe: `cargo run --release -p ccops-schedule --example shiftmix -- FILE.json SECONDS [THREADS [MIP_SHARE [CHAIN_DEPTH]]]`
//! (THREADS 0 = all cores; MIP_SHARE 0 = annealing only; `CCOPS_SHIFTMIX_DUMP=FILE` writes the counts).

use ccops_schedule::shiftmix::{ShiftMixInstance, ShiftMixOptions, solve_shift_mix_with};
use serde_json::Value;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let path = a
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/work/shared/bench/gen/out/sched_p500_s15.json".into());
    let secs: f64 = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    let inst = ShiftMixInstance {
        days: j["days"].as_u64().unwrap_or(0) as usize,
        intervals_per_day: j["intervals_per_day"].as_u64().unwrap_or(0) as usize,
        required: serde_json::from_value(j["required"].clone()).expect("required"),
        templates: j["shift_templates"]
            .as_array()
            .expect("templates")
            .iter()
            .map(|t| serde_json::from_value(t["working_intervals"].clone()).expect("wi"))
            .collect(),
        under_weight: j["under_weight"].as_f64().unwrap_or(1.0),
        over_weight: j["over_weight"].as_f64().unwrap_or(1.0),
        max_per_shift: j["max_per_shift"].as_f64().unwrap_or(1e6),
    };
    let t0 = std::time::Instant::now();
    let mut opts = ShiftMixOptions {
        time_limit_s: secs,
        ..Default::default()
    };
    if let Some(t) = a.get(3).and_then(|s| s.parse().ok()) {
        opts.threads = t;
    }
    if let Some(m) = a.get(4).and_then(|s| s.parse::<f64>().ok()) {
        opts.mip = m > 0.0;
        opts.mip_share = m;
    }
    if let Some(k) = a.get(5).and_then(|s| s.parse().ok()) {
        opts.chain_depth = k;
    }
    // SHIFTMIX_DIVE_SHARE / _NOISE / _RISE / _TILT / _FULL override the LP dives' options (see
    // `ShiftMixOptions`); SHIFTMIX_SEED the search's seed.
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    opts.dive_share = env("SHIFTMIX_DIVE_SHARE").unwrap_or(opts.dive_share);
    opts.dive_noise = env("SHIFTMIX_DIVE_NOISE").unwrap_or(opts.dive_noise);
    opts.dive_rise_share = env("SHIFTMIX_DIVE_RISE").unwrap_or(opts.dive_rise_share);
    opts.dive_tilt = env("SHIFTMIX_DIVE_TILT").unwrap_or(opts.dive_tilt);
    opts.dive_full_share = env("SHIFTMIX_DIVE_FULL").unwrap_or(opts.dive_full_share);
    opts.dive_backtracks = env("SHIFTMIX_DIVE_BACKTRACKS").unwrap_or(opts.dive_backtracks);
    opts.seed = env("SHIFTMIX_SEED").unwrap_or(opts.seed);
    let r = solve_shift_mix_with(&inst, &opts).expect("solve");
    // CCOPS_SHIFTMIX_DUMP=FILE writes the counts per day and template, for inspection.
    if let Ok(out) = std::env::var("CCOPS_SHIFTMIX_DUMP") {
        std::fs::write(&out, serde_json::to_string(&r.x).expect("json")).expect("write dump");
    }
    println!(
        "under+over {} (under {} over {}) mip bound {} lp bound {} proved {} time {:.1}s",
        r.under + r.over,
        r.under,
        r.over,
        r.mip_bound,
        r.lp_bound,
        r.days_proved_optimal,
        t0.elapsed().as_secs_f64()
    );
}
