//! Probe of the week plans: `cargo run --release -p ccops-schedule --example weekprobe -- AGENTS
//! WEEKS` solves the LP, plans the weeks, and solves the LP again with the plans' shifts per
//! (skill group, day, paid length) fixed: per day the LP's under-staffing beside the plans', so
//! what the whole-agent weeks cost shows before any day is built. Optional third argument: the
//! instance's seed; `PROBE_PLAIN=1` plans by plain distance to the LP's counts (no prices),
//! `PROBE_COUNTS=1` lists every count off the LP's.
use ccops_schedule::generate::generate;
use ccops_schedule::model::Model;
use std::collections::HashMap;

fn main() {
    let a: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let p = generate(a.first().copied().unwrap_or(500), a.get(1).copied().unwrap_or(1), a.get(2).copied().unwrap_or(1) as u64);
    let m = Model::compile(&p).expect("model");
    let t = std::time::Instant::now();
    let lp = ccops_schedule::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
    eprintln!("bound {:.2} in {:.1} s", lp.under_bound_hours, t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let plan = ccops_schedule::weekplan::plan_weeks_with(&m, &p.rules, &lp, 5.0, std::env::var("PROBE_PLAIN").is_err());
    eprintln!("plans in {:.1} s", t.elapsed().as_secs_f64());
    let counts = ccops_schedule::weekplan::plan_counts(&m, &plan);
    let fixed = ccops_schedule::lp::under_bound_with(&m, &p.rules, 120.0, Some(&counts)).expect("fixed lp");
    for d in 0..m.days {
        println!("day {d:2}: LP {:7.2} plans {:7.2}", lp.day_under[d], fixed.day_under[d]);
    }
    if std::env::var("PROBE_COUNTS").is_ok() {
        let mut target: HashMap<(usize, usize, i32), f64> = HashMap::new();
        for (g, days) in lp.mix.iter().enumerate() {
            for (d, day) in days.iter().enumerate() {
                for (ci, x) in day.iter().enumerate() {
                    *target.entry((g, d, m.cands[d][ci].paid)).or_default() += x;
                }
            }
        }
        let mut keys: Vec<_> = target.keys().chain(counts.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            let (t, c) = (target.get(&k).copied().unwrap_or(0.0), counts.get(&k).copied().unwrap_or(0.0));
            if (t - c).abs() > 1e-6 {
                println!("group {} day {:2} paid {}: LP {t:7.2} plans {c:4}", k.0, k.1, k.2);
            }
        }
    }
    println!("bound {:.2} with the plans' day counts {:.2}", lp.under_bound_hours, fixed.under_bound_hours);
}
