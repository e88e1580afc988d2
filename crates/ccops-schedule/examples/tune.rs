//! Quick quality probe on a generated instance: `cargo run --release -p ccops-schedule --example
//! tune -- AGENTS WEEKS SECONDS [MAX_MOVES]`. Prints the progress of the objective against the
//! LP bound, then where the roster is short and over by day and hour. `MAX_MOVES` 0 shows the
//! construction alone. Environment: `TUNE_FIXED=1` also solves the LP with the roster's shifts
//! per (skill group, day, paid length) fixed; `TUNE_REST`, `TUNE_GAP`, `TUNE_FRAC` override the
//! minimum rest (minutes), the gap between breaks (minutes) and the largest on-break share;
//! `TUNE_NO_DAYMIP=1` turns the day-MIP re-planning off; `TUNE_DAYMIP=SECONDS` solves each day's
//! MIP with the roster's shift counts (rest left out) and prints it beside the roster's
//! under-staffing.
use ccops_schedule::generate::generate;
use ccops_schedule::{SolveOptions, check, solve};
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let w = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let secs: f64 = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let mut p = generate(n, w, 1);
    if let Ok(v) = std::env::var("TUNE_REST") { p.rules.limits.min_rest_minutes = v.parse().unwrap_or(660); }
    if let Ok(v) = std::env::var("TUNE_GAP") { p.rules.breaks.min_gap_minutes = v.parse().unwrap_or(60); }
    if let Ok(v) = std::env::var("TUNE_FRAC") { p.rules.breaks.max_on_break_fraction = v.parse().unwrap_or(0.34); }
    let t0 = Instant::now();
    let mut last = 0.0;
    // Optional 4th argument: stop the search after this many moves (0 = the construction alone).
    let max_moves = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
    let day_mip = std::env::var("TUNE_NO_DAYMIP").is_err();
    let opts = SolveOptions { max_moves, lp_time_limit_s: secs * 0.6, time_limit_s: Some(secs), day_mip, ..Default::default() };
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
        // TUNE_HOLES=1: each short interval of the quiet days, with all queues there and the
        // agents at work and on break.
        if std::env::var("TUNE_HOLES").is_ok() {
            let mut at: std::collections::HashMap<chrono::NaiveDateTime, Vec<(String, f64, f64)>> = Default::default();
            for iv in &c.intervals {
                at.entry(iv.interval_start).or_default().push((iv.queue.clone(), iv.required, iv.scheduled));
            }
            for iv in c.intervals.iter().filter(|iv| iv.diff < 0.0) {
                let h = (iv.interval_start - p.requirements.start).num_minutes();
                let d = (h / 1440) as usize;
                if by_day[d].0 >= 3.0 {
                    continue;
                }
                let (mut work, mut brk) = (0, 0);
                for s in sol.roster.iter().filter(|s| s.start <= iv.interval_start && s.end > iv.interval_start) {
                    if s.activity == "work" { work += 1 } else { brk += 1 }
                }
                println!("hole day {d:2} {} {}: {:?} work {work} break {brk}", iv.interval_start.format("%H:%M"), iv.queue, at[&iv.interval_start]);
            }
        }
        // Net cover (scheduled − required) per day and hour, agent-hours: where the surplus
        // and the shortfall sit.
        let mut grid = vec![vec![0.0; 24]; p.requirements.days];
        // Agents at work (breaks included) minus required, as `lpshape` prints the LP's.
        let mut atwork = vec![vec![0.0; 24]; p.requirements.days];
        for s in &sol.roster {
            let (a, b) = ((s.start - p.requirements.start).num_minutes(), (s.end - p.requirements.start).num_minutes());
            for t in (a / 15)..(b / 15) {
                if let Some(x) = atwork.get_mut((t / 96) as usize) {
                    x[((t % 96) / 4) as usize] += 0.25;
                }
            }
        }
        for iv in &c.intervals {
            let h = (iv.interval_start - p.requirements.start).num_minutes();
            grid[(h / 1440) as usize][((h % 1440) / 60) as usize] += iv.diff / 4.0;
            atwork[(h / 1440) as usize][((h % 1440) / 60) as usize] -= iv.required / 4.0;
        }
        for (d, row) in grid.iter().enumerate().take(7) {
            let cells: Vec<String> = row[6..23].iter().map(|x| format!("{x:6.1}")).collect();
            println!("net day {d} h06..22: {}", cells.join(""));
        }
        // Under-staffing per day and hour, every day.
        let mut under = vec![vec![0.0; 24]; p.requirements.days];
        for iv in &c.intervals {
            let h = (iv.interval_start - p.requirements.start).num_minutes();
            under[(h / 1440) as usize][((h % 1440) / 60) as usize] += (-iv.diff).max(0.0) / 4.0;
        }
        for (d, row) in under.iter().enumerate() {
            let cells: Vec<String> = row[6..23].iter().map(|x| format!("{x:6.1}")).collect();
            println!("under day {d:2} h06..22: {}", cells.join(""));
        }
        for (d, row) in atwork.iter().enumerate().take(7) {
            let cells: Vec<String> = row[6..23].iter().map(|x| format!("{x:6.1}")).collect();
            println!("at work - required, day {d} h06..22: {}", cells.join(""));
        }
    }
    // Shift starts by hour (full = longer than 6 h).
    let mut first: std::collections::BTreeMap<(String, chrono::NaiveDate), (chrono::NaiveDateTime, chrono::NaiveDateTime)> = Default::default();
    for s in &sol.roster {
        let e = first.entry((s.agent_id.clone(), s.start.date())).or_insert((s.start, s.end));
        e.0 = e.0.min(s.start);
        e.1 = e.1.max(s.end);
    }
    let mut starts = [(0u32, 0u32); 24];
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
    // The LP with this roster's shifts per (group, day, paid length) fixed: the least
    // under-staffing those day counts allow.
    if let Some(secs) = std::env::var("TUNE_DAYMIP").ok().and_then(|v| v.parse::<f64>().ok()) {
        let m = ccops_schedule::model::Model::compile(&p).expect("model");
        let counts = ccops_schedule::roster_day_counts(&p, &sol.roster).expect("counts");
        let windows = ccops_schedule::roster_day_windows(&p, &sol.roster).expect("windows");
        let mut under = vec![0.0; p.requirements.days];
        if let Some(c) = &rep.coverage {
            for iv in &c.intervals {
                let d = ((iv.interval_start - p.requirements.start).num_minutes() / 1440) as usize;
                under[d] += (-iv.diff).max(0.0) / 4.0;
            }
        }
        for d in 0..m.days {
            let day: std::collections::HashMap<ccops_schedule::lp::DayClass, f64> =
                counts.iter().filter(|(k, _)| k.1 == d).map(|(&(g, _, paid), &n)| ((g, paid, i32::MIN, i32::MAX), n)).collect();
            let t = Instant::now();
            let lp = ccops_schedule::lp::day_mix(&m, &p.rules.breaks, d, &day, None, None, 60.0, false).map(|x| x.bound_hours);
            let lp_secs = t.elapsed().as_secs_f64();
            let lpw = ccops_schedule::lp::day_mix(&m, &p.rules.breaks, d, &day, Some(&windows[d]), None, 60.0, false).map(|x| x.bound_hours);
            let mip = ccops_schedule::lp::day_mix(&m, &p.rules.breaks, d, &day, None, None, secs, true).map(|x| (x.bound_hours, x.found_hours));
            println!("day {d}: roster under {:.2}, day LP {:?} in {lp_secs:.2} s, with rest windows {lpw:?}, day MIP (bound, found) {:?} in {:.1} s", under[d], lp, mip, t.elapsed().as_secs_f64() - lp_secs);
        }
    }
    if std::env::var("TUNE_FIXED").is_ok() {
        let m = ccops_schedule::model::Model::compile(&p).expect("model");
        let counts = ccops_schedule::roster_day_counts(&p, &sol.roster).expect("counts");
        let r = ccops_schedule::lp::under_bound_with(&m, &p.rules, 120.0, Some(&counts));
        println!("LP with the roster's day counts fixed: {:?}", r.as_ref().map(|r| r.under_bound_hours));
        // Its full-shift starts by hour (as "starts by hour" above) and agents at work minus
        // required per day and hour (as "at work - required" above).
        if let Some(r) = r {
            let mut st = [0.0; 24];
            let mut net = vec![vec![0.0; 24]; m.days];
            for g in &r.mix {
                for (d, day) in g.iter().enumerate() {
                    for (ci, x) in day.iter().enumerate() {
                        let c = &m.cands[d][ci];
                        let tod = c.start - d as i32 * 1440;
                        if c.paid >= 400 {
                            st[(tod / 60) as usize % 24] += x;
                        }
                        for t in (c.start / 15)..((c.start + c.len) / 15) {
                            if let Some(row) = net.get_mut((t / 96) as usize) {
                                row[((t % 96) / 4) as usize] += x / 4.0;
                            }
                        }
                    }
                }
            }
            for (d, row) in net.iter_mut().enumerate() {
                for t in 0..96 {
                    row[t / 4] -= (0..3).map(|q| m.required[q][d * 96 + t]).sum::<f64>() / 4.0;
                }
            }
            let cells: Vec<String> = st[5..20].iter().map(|x| format!("{x:.0}")).collect();
            println!("fixed LP full starts by hour 05..19: {}", cells.join(" "));
            for (d, row) in net.iter().enumerate().take(7) {
                let cells: Vec<String> = row[6..23].iter().map(|x| format!("{x:6.1}")).collect();
                println!("fixed LP at work - required, day {d} h06..22: {}", cells.join(""));
            }
        }
    }
    for v in rep.violations.iter().take(5) {
        println!("  {v:?}");
    }
}
