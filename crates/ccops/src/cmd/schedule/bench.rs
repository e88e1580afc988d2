//! `ccops bench schedule`: quality and speed of the scheduling engine, with the Python peers
//! (`../shared/bench/peers/`) measured in the same run when `--peers` is given.
//!
//! 1. Generated instances (50/200/500 agents × 1/4 weeks, 15 min, 3 skills): under/over
//!    agent-hours, the LP lower bound, the gap, time, and hard-rule violations by the checker.
//! 2. `sched_*.json` shift-mix instances: under+over vs the best bound, against OR-Tools CP-SAT.
//! 3. `roster_*.json` open-shift rostering: unassigned shifts and unwanted-day assignments,
//!    against Timefold at the same time limit.

use anyhow::Context;
use ccops_schedule::assign::{OpenAgent, OpenLimits, OpenShift, assign_shifts};
use ccops_schedule::generate::generate;
use ccops_schedule::shiftmix::{ShiftMixInstance, ShiftMixOptions, solve_shift_mix_with};
use ccops_schedule::{SolveOptions, check, solve};
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    Generated,
    Shiftmix,
    Roster,
}

#[derive(Args, Debug)]
pub struct BenchScheduleArgs {
    /// Which parts to run (default: all).
    #[arg(long, value_enum)]
    pub only: Vec<Part>,
    /// Run the Python peers (CP-SAT, Timefold) in the same run and print them side by side.
    #[arg(long)]
    pub peers: bool,
    /// Small generated sizes only (50 and 200 agents, 1 week).
    #[arg(long)]
    pub quick: bool,
    /// Time limit for the generated instances, s (the 1-week ones up to 200 agents get 30 s);
    /// the LP bound may take up to three quarters of it (what it leaves goes to the search).
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Time limit for the shift-mix instances, s (the target is 10 s).
    #[arg(long, default_value_t = 10.0)]
    pub shiftmix_time_limit: f64,
    /// Worker threads for the shift mix (days in parallel; 0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub shiftmix_threads: usize,
    /// Also run a long solve with the HiGHS MIP on every day (this many seconds in total, e.g.
    /// 600) to tighten the dual bound; the timed run's gap is then taken to the best bound.
    #[arg(long)]
    pub shiftmix_prove_time_limit: Option<f64>,
    /// Time limit for the rostering instances, s (ccops and Timefold alike).
    #[arg(long, default_value_t = 30.0)]
    pub roster_time_limit: f64,
    /// Directory of the peer instances and scripts (default: ../shared/bench, $CCOPS_SHARED/bench).
    #[arg(long)]
    pub bench_dir: Option<PathBuf>,
    /// Python with the peers installed.
    #[arg(long)]
    pub python: Option<PathBuf>,
}

fn bench_dir(arg: &Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = arg {
        return Some(p.clone());
    }
    let mut cur = std::env::current_dir().ok();
    while let Some(c) = cur {
        let cand = c.join("shared/bench");
        if cand.is_dir() {
            return Some(cand);
        }
        cur = c.parent().map(Path::to_path_buf);
    }
    if let Ok(s) = std::env::var("CCOPS_SHARED") {
        return Some(PathBuf::from(s).join("bench"));
    }
    Some(PathBuf::from("/work/shared/bench")).filter(|p| p.is_dir())
}

fn python(arg: &Option<PathBuf>) -> PathBuf {
    arg.clone().unwrap_or_else(|| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        PathBuf::from(home).join(".cache/ccops-peers/bin/python")
    })
}

fn run_peer(py: &Path, script: &Path, args: &[&str]) -> anyhow::Result<Value> {
    let out = Command::new(py).arg(script).args(args).output().with_context(|| format!("cannot run {}", py.display()))?;
    if !out.status.success() {
        anyhow::bail!("peer failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or("{}");
    Ok(serde_json::from_str(line)?)
}

pub fn bench(args: BenchScheduleArgs) -> anyhow::Result<()> {
    let all = args.only.is_empty();
    let want = |p: Part| all || args.only.contains(&p);
    println!("ccops bench schedule — {} ({} CPUs)", chrono::Local::now().format("%Y-%m-%d %H:%M"), std::thread::available_parallelism().map_or(1, |n| n.get()));
    if want(Part::Generated) {
        generated(&args)?;
    }
    let dir = bench_dir(&args.bench_dir);
    let py = python(&args.python);
    match &dir {
        None => println!("\n(no shared/bench directory found: skipping the peer instances)"),
        Some(d) => {
            if want(Part::Shiftmix) {
                shiftmix(&args, d, &py)?;
            }
            if want(Part::Roster) {
                roster(&args, d, &py)?;
            }
        }
    }
    Ok(())
}

fn generated(args: &BenchScheduleArgs) -> anyhow::Result<()> {
    println!("\n## Generated instances (15-min intervals, 3 queues, seed 1)");
    println!("| agents | weeks | under agent-h | lower bound | under gap | over agent-h | required agent-h | shifts | violations | time s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let sizes: Vec<(usize, usize)> = if args.quick { vec![(50, 1), (200, 1)] } else { vec![(50, 1), (50, 4), (200, 1), (200, 4), (500, 1), (500, 4)] };
    for (n, w) in sizes {
        // One week up to 200 agents: 30 s. Four weeks: the full limit, because the 4-week LP
        // alone takes 20–30 s on a slow 2-core VM whatever the agent count.
        let limit = match (n, w) {
            (0..=200, 1) => args.time_limit.min(30.0),
            _ => args.time_limit,
        };
        let p = generate(n, w, 1);
        let t0 = Instant::now();
        // The 4-week LP takes 18–21 s on a slow 2-core VM whatever the agent count (agents of a
        // class are aggregated); at half of 30 s it timed out and left no bound. It stops when
        // solved, so a generous cap costs the search nothing on a fast machine.
        let opts = SolveOptions { max_moves: u64::MAX, lp_time_limit_s: limit * 0.75, time_limit_s: Some(limit), ..Default::default() };
        let sol = solve(&p, &opts, &mut |_| t0.elapsed().as_secs_f64() < limit).map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = t0.elapsed().as_secs_f64();
        let rep = check(&sol.roster, &p.rules, &p.agents, Some(&p.requirements)).map_err(|e| anyhow::anyhow!("{e}"))?;
        let req_h = rep.coverage.as_ref().map_or(0.0, |c| c.required_hours);
        println!(
            "| {n} | {w} | {:.2} | {} | {} | {:.2} | {:.0} | {} | {} | {:.1} |",
            sol.under_hours,
            sol.under_bound_hours.map_or("–".into(), |b| format!("{b:.2}")),
            sol.under_gap.map_or("–".into(), |g| format!("{:.2}%", g * 100.0)),
            sol.over_hours,
            req_h,
            sol.shifts,
            rep.violations.len(),
            secs
        );
    }
    Ok(())
}

fn shiftmix(args: &BenchScheduleArgs, dir: &Path, py: &Path) -> anyhow::Result<()> {
    println!("\n## Shift mix (`sched_*.json`, under + over agent-intervals, time limit {} s)", args.shiftmix_time_limit);
    println!("| instance | ccops under+over | ccops best bound | gap to the best bound of the run | time s | CP-SAT under+over | CP-SAT bound | CP-SAT time s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for name in ["sched_p50_s30", "sched_p500_s15"] {
        let path = dir.join("gen/out").join(format!("{name}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("| {name} | (missing {}) |", path.display());
            continue;
        };
        let j: Value = serde_json::from_str(&text)?;
        let inst = ShiftMixInstance {
            days: j["days"].as_u64().unwrap_or(0) as usize,
            intervals_per_day: j["intervals_per_day"].as_u64().unwrap_or(0) as usize,
            required: serde_json::from_value(j["required"].clone())?,
            templates: j["shift_templates"]
                .as_array()
                .map(|a| a.iter().map(|t| serde_json::from_value(t["working_intervals"].clone()).unwrap_or_default()).collect())
                .unwrap_or_default(),
            under_weight: j["under_weight"].as_f64().unwrap_or(1.0),
            over_weight: j["over_weight"].as_f64().unwrap_or(1.0),
            max_per_shift: j["max_per_shift"].as_f64().unwrap_or(1e6),
        };
        let t0 = Instant::now();
        let opts = ShiftMixOptions { time_limit_s: args.shiftmix_time_limit, threads: args.shiftmix_threads, ..Default::default() };
        let r = solve_shift_mix_with(&inst, &opts).map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = t0.elapsed().as_secs_f64();
        let mut best_bound = r.mip_bound;
        let mut proved_note = String::new();
        if let Some(pt) = args.shiftmix_prove_time_limit {
            let popts = ShiftMixOptions { time_limit_s: pt, mip: true, mip_share: 0.85, ..opts.clone() };
            let tp = Instant::now();
            let p = solve_shift_mix_with(&inst, &popts).map_err(|e| anyhow::anyhow!("{e}"))?;
            best_bound = best_bound.max(p.mip_bound);
            proved_note = format!(
                "; long run {pt} s: under+over {:.0}, dual bound {:.0}, {}/{} days proved, {:.0} s",
                p.under + p.over,
                p.mip_bound,
                p.days_proved_optimal,
                inst.days,
                tp.elapsed().as_secs_f64()
            );
        }
        let ours = r.under + r.over;
        let mut peer = ("–".to_string(), "–".to_string(), "–".to_string());
        let mut run_bound = best_bound;
        if args.peers {
            let tl = format!("{}", args.shiftmix_time_limit);
            match run_peer(py, &dir.join("peers/bench_schedule.py"), &["--instance", &path.to_string_lossy(), "--solver", "cpsat", "--time-limit", &tl]) {
                Ok(v) => {
                    let uo = v["under_agent_intervals"].as_f64().unwrap_or(f64::NAN) + v["over_agent_intervals"].as_f64().unwrap_or(f64::NAN);
                    // CP-SAT's dual bound is a proven bound too: the gap is taken to the best.
                    if let Some(b) = v["best_bound"].as_f64().filter(|b| b.is_finite()) {
                        run_bound = run_bound.max(b);
                    }
                    peer = (format!("{uo:.0}"), format!("{:.0}", v["best_bound"].as_f64().unwrap_or(f64::NAN)), format!("{:.1}", v["total_wall_s"].as_f64().unwrap_or(f64::NAN)));
                }
                Err(e) => peer.0 = format!("error: {e}"),
            }
        }
        let gap = if run_bound > 0.0 { (ours - run_bound) / run_bound * 100.0 } else { 0.0 };
        println!(
            "| {name} | {ours:.0} | {best_bound:.0} (LP {:.0}, {}/{} days proved optimal{proved_note}) | {gap:.1}% (to {run_bound:.0}) | {secs:.1} | {} | {} | {} |",
            r.lp_bound, r.days_proved_optimal, inst.days, peer.0, peer.1, peer.2
        );
    }
    Ok(())
}

fn roster(args: &BenchScheduleArgs, dir: &Path, py: &Path) -> anyhow::Result<()> {
    let tl = args.roster_time_limit;
    println!("\n## Open-shift rostering (`roster_*.json`, time limit {tl} s)");
    println!("| instance | shifts | ccops unassigned | ccops unwanted-day | ccops hard | ccops time s | Timefold unassigned | Timefold unwanted-day | Timefold hard | Timefold time s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for name in ["roster_50", "roster_200"] {
        let path = dir.join("gen/out").join(format!("{name}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("| {name} | (missing {}) |", path.display());
            continue;
        };
        let j: Value = serde_json::from_str(&text)?;
        let agents: Vec<OpenAgent> = j["agents"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| OpenAgent {
                        id: x["id"].to_string(),
                        skills: serde_json::from_value(x["skills"].clone()).unwrap_or_default(),
                        unwanted_day: x["unwanted_day"].as_u64().map(|d| d as usize),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let shifts: Vec<OpenShift> = j["shifts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| OpenShift {
                        id: x["id"].to_string(),
                        day: x["day"].as_u64().unwrap_or(0) as usize,
                        start: x["start_min"].as_i64().unwrap_or(0),
                        end: x["end_min"].as_i64().unwrap_or(0),
                        paid_hours: x["paid_hours"].as_f64().unwrap_or(0.0),
                        skill: x["skill"].as_str().unwrap_or("").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let r = &j["rules"];
        let lim = OpenLimits {
            max_shifts: r["max_shifts_per_week"].as_u64().unwrap_or(5) as usize,
            max_hours: r["max_hours_per_week"].as_f64().unwrap_or(40.0),
            min_rest_minutes: r["min_rest_minutes"].as_i64().unwrap_or(660),
        };
        let t0 = Instant::now();
        let res = assign_shifts(&agents, &shifts, lim, 1, &mut |_, _, _| t0.elapsed().as_secs_f64() < tl);
        let secs = t0.elapsed().as_secs_f64();
        let hard = hard_violations(&agents, &shifts, lim, &res.agent_of);
        let mut peer = vec!["–".to_string(); 4];
        if args.peers {
            let tls = format!("{tl}");
            match run_peer(py, &dir.join("peers/bench_roster.py"), &["--instance", &path.to_string_lossy(), "--solver", "timefold", "--time-limit", &tls]) {
                Ok(v) => {
                    peer = vec![
                        v["unassigned_shifts"].to_string(),
                        v["unwanted_day_shifts"].to_string(),
                        v["hard_violations"].to_string(),
                        format!("{:.1}", v["total_wall_s"].as_f64().unwrap_or(f64::NAN)),
                    ]
                }
                Err(e) => peer[0] = format!("error: {e}"),
            }
        }
        println!("| {name} | {} | {} | {} | {hard} | {secs:.1} | {} | {} | {} | {} |", shifts.len(), res.unassigned_shifts, res.unwanted, peer[0], peer[1], peer[2], peer[3]);
    }
    Ok(())
}

/// Hard-rule count exactly as the peer's `evaluate()` (bench_roster.py) scores it, written
/// independently of the solver: skill, rest/overlap between consecutive shifts, shift and hour caps.
fn hard_violations(agents: &[OpenAgent], shifts: &[OpenShift], lim: OpenLimits, agent_of: &[Option<usize>]) -> usize {
    let mut by: Vec<Vec<&OpenShift>> = vec![Vec::new(); agents.len()];
    let mut hard = 0;
    for (s, a) in agent_of.iter().enumerate() {
        let Some(a) = *a else { continue };
        if !agents[a].skills.contains(&shifts[s].skill) {
            hard += 1;
        }
        by[a].push(&shifts[s]);
    }
    for ss in &mut by {
        ss.sort_by_key(|s| s.start);
        hard += ss.windows(2).filter(|w| w[1].start < w[0].end + lim.min_rest_minutes).count();
        hard += ss.len().saturating_sub(lim.max_shifts);
        let h: f64 = ss.iter().map(|s| s.paid_hours).sum();
        hard += (h - lim.max_hours).max(0.0).ceil() as usize;
    }
    hard
}
