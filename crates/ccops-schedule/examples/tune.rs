//! Quick quality probe on a generated instance: `cargo run --release -p ccops-schedule --example
//! tune -- AGENTS WEEKS SECONDS`. Prints the progress of the objective against the LP bound.

use ccops_schedule::generate::generate;
use ccops_schedule::{SolveOptions, check, solve};
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let w = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let secs: f64 = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let p = generate(n, w, 1);
    let t0 = Instant::now();
    let mut last = 0.0;
    let opts = SolveOptions { max_moves: u64::MAX, lp_time_limit_s: secs * 0.4, time_limit_s: Some(secs), ..Default::default() };
    let sol = solve(&p, &opts, &mut |pr| {
        let t = t0.elapsed().as_secs_f64();
        if t - last > 1.0 || pr.phase != "search" {
            last = t;
            eprintln!("{t:6.1}s {:9} moves {:8} obj {:10.0} under {:8.2} over {:8.2} bound {:?}", pr.phase, pr.moves, pr.objective, pr.under_hours, pr.over_hours, pr.under_bound_hours);
        }
        t < secs
    })
    .expect("solve");
    let rep = check(&sol.roster, &p.rules, &p.agents, Some(&p.requirements)).expect("check");
    println!(
        "agents {n} weeks {w}: under {:.2} bound {:?} over {:.2} shifts {} violations {} moves {} time {:.1}s soft {:?}",
        sol.under_hours,
        sol.under_bound_hours,
        sol.over_hours,
        sol.shifts,
        rep.violations.len(),
        sol.moves,
        t0.elapsed().as_secs_f64(),
        sol.soft
    );
    if let Some(c) = &rep.coverage {
        let mut by_hour = vec![(0.0, 0.0, 0.0); 24];
        let mut by_day = vec![(0.0, 0.0); p.requirements.days];
        for iv in &c.intervals {
            let h = (iv.interval_start - p.requirements.start).num_minutes();
            let (d, hr) = ((h / 1440) as usize, ((h % 1440) / 60) as usize);
            by_hour[hr].0 += iv.required / 4.0;
            by_hour[hr].1 += (-iv.diff).max(0.0) / 4.0;
            by_hour[hr].2 += iv.diff.max(0.0) / 4.0;
            by_day[d].0 += (-iv.diff).max(0.0) / 4.0;
            by_day[d].1 += iv.diff.max(0.0) / 4.0;
        }
        for (h, x) in by_hour.iter().enumerate() {
            println!("hour {h:2}: required {:8.2} under {:7.2} over {:7.2}", x.0, x.1, x.2);
        }
        println!("by day (under, over): {by_day:?}");
    }
    // Shift starts by hour (full = longer than 6 h).
    let mut first: std::collections::BTreeMap<(String, chrono::NaiveDate), (chrono::NaiveDateTime, chrono::NaiveDateTime)> = Default::default();
    for s in &sol.roster {
        let e = first.entry((s.agent_id.clone(), s.start.date())).or_insert((s.start, s.end));
        e.0 = e.0.min(s.start);
        e.1 = e.1.max(s.end);
    }
    let mut starts = vec![(0u32, 0u32); 24];
    for (s, e) in first.values() {
        use chrono::Timelike;
        let long = (*e - *s).num_minutes() > 360;
        if long { starts[s.hour() as usize].0 += 1 } else { starts[s.hour() as usize].1 += 1 }
    }
    println!("starts by hour (full, part): {:?}", &starts[5..20]);
    let mut per_day = vec![(0u32, 0u32); p.requirements.days];
    for (s, e) in first.values() {
        let d = (*s - p.requirements.start).num_days();
        if let Some(n) = per_day.get_mut(d as usize) {
            n.0 += 1;
            n.1 += ((*e - *s).num_minutes() > 360) as u32;
        }
    }
    println!("shifts by day (all, full): {per_day:?}");
    let mut per_agent: std::collections::BTreeMap<String, (u32, i64)> = Default::default();
    for ((a, _), (s, e)) in &first {
        let x = per_agent.entry(a.clone()).or_default();
        x.0 += 1;
        x.1 += (*e - *s).num_minutes();
    }
    let mut hist: std::collections::BTreeMap<(u32, i64), u32> = Default::default();
    for v in per_agent.values() {
        *hist.entry(*v).or_default() += 1;
    }
    println!("agents {} (days, span minutes) -> count: {hist:?}", per_agent.len());
    for v in rep.violations.iter().take(5) {
        println!("  {v:?}");
    }
}
