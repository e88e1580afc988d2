//! Probe of the day MIPs: `cargo run --release -p ccops-schedule --example dayprobe -- AGENTS
//! WEEKS SECONDS` plans the weeks from the LP, then solves each day's MIP with the plans' shift
//! counts (no rest windows, no start) within SECONDS and prints its best point and bound.
//! `DAYPROBE_THREADS=N` solves N days side by side (the solver's day plans use every core).
use ccops_schedule::generate::generate;
use ccops_schedule::model::Model;
use std::collections::HashMap;

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let n = a.first().and_then(|s| s.parse().ok()).unwrap_or(500);
    let w = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let secs: f64 = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let p = generate(n, w, 1);
    let m = Model::compile(&p).expect("model");
    let lp = ccops_schedule::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
    let mut plan = ccops_schedule::weekplan::plan_weeks(&m, &p.rules, &lp, 5.0);
    // DAYPROBE_CUT=SECONDS: the week plans cut by the day LPs instead (see `cutplan`).
    if let Some(cut_s) = std::env::var("DAYPROBE_CUT").ok().and_then(|v| v.parse::<f64>().ok()) {
        let cut = ccops_schedule::weekplan::plan_weeks_cut(&m, &p.rules, &lp, &plan, cut_s).expect("cut plans");
        println!("cut plans: day LPs {:.2}", cut.value);
        plan = cut.plan;
    }
    // DAYPROBE_DAYS=a,b,..: only these days.
    let only: Option<Vec<usize>> = std::env::var("DAYPROBE_DAYS").ok().map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect());
    let counts = ccops_schedule::weekplan::plan_counts(&m, &plan);
    let (mut found, mut bound) = (0.0, 0.0);
    let days: Vec<usize> = (0..m.days).filter(|d| only.as_ref().is_none_or(|o| o.contains(d))).collect();
    // DAYPROBE_THREADS (default 1): days solved side by side.
    let threads: usize = std::env::var("DAYPROBE_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for _ in 0..threads.max(1) {
            sc.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&d) = days.get(i) else { break };
                    let day: HashMap<ccops_schedule::lp::DayClass, f64> =
                        counts.iter().filter(|(k, _)| k.1 == d).map(|(&(g, _, paid), &n)| ((g, paid, i32::MIN, i32::MAX), n)).collect();
                    let t = std::time::Instant::now();
                    let mix = ccops_schedule::lp::day_mix(&m, &p.rules.breaks, d, &day, None, None, secs, true);
                    let (b, f) = mix.map_or((f64::NAN, f64::NAN), |x| (x.bound_hours, x.found_hours.unwrap_or(f64::NAN)));
                    if let Ok(mut r) = results.lock() {
                        r.push((d, f, b, t.elapsed().as_secs_f64()));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|r| r.0);
    for (d, f, b, t) in results {
        println!("day {d:2}: found {f:7.2} bound {b:7.2} in {t:.1} s");
        found += f;
        bound += b;
    }
    println!("total found {found:.2} bound {bound:.2}");
}
