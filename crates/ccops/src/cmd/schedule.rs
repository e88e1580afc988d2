//! `ccops schedule`: requirements + agents + rules → roster (CSV, JSON report, Excel), and
//! `ccops schedule check`, the independent rule checker with the coverage report.
//! `ccops bench schedule` lives in `schedule/bench.rs`.

use anyhow::{Context, bail};
use ccops_formats::agents::read_agents;
use ccops_formats::history::Zone;
use ccops_formats::requirements::read_requirements;
use ccops_formats::roster::{RosterRow, read_roster, write_roster};
use ccops_schedule::{Agent, CheckReport, Problem, Requirements, Rules, Segment, Solution, SolveOptions};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use clap::{Args, Subcommand};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

mod bench;
mod xlsx;
pub use bench::{BenchScheduleArgs, bench};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub cmd: Option<ScheduleCmd>,
    /// Requirements CSV: interval_start,queue,required[,weight]
    #[arg(long, required = true)]
    pub requirements: Option<PathBuf>,
    /// Agents CSV: agent_id,name,skills,contract_minutes_per_week[,site,team]
    #[arg(long, required = true)]
    pub agents: Option<PathBuf>,
    /// Rules TOML (shift templates, breaks, limits, weights, holidays, time off, …)
    #[arg(long, required = true)]
    pub rules: Option<PathBuf>,
    /// Published roster to re-optimise with minimal change (same CSV format as --output).
    #[arg(long)]
    pub existing: Option<PathBuf>,
    /// Search time limit in seconds (the LP bound uses at most 60 % of it; it stops when solved).
    #[arg(long, default_value_t = 30.0)]
    pub time_limit: f64,
    /// Roster CSV to write: agent_id,start,end,activity (one row per segment).
    #[arg(long, required = true)]
    pub output: Option<PathBuf>,
    /// JSON report: coverage per interval, totals, bound, gap, soft statistics, violations.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Excel workbook: a Gantt-like roster sheet and a coverage sheet.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Zone for times without an offset (+08:00, UTC, Asia/Shanghai); default: the offset of
    /// the first requirements row.
    #[arg(long)]
    pub tz: Option<String>,
    /// Random seed of the local search (runs are reproducible for a given seed and move count).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Skip the LP lower bound.
    #[arg(long)]
    pub no_bound: bool,
}

#[derive(Subcommand, Debug)]
pub enum ScheduleCmd {
    /// Verify every hard rule of a roster and print its coverage report (exit 1 on violations).
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[arg(long)]
    pub roster: PathBuf,
    #[arg(long)]
    pub rules: PathBuf,
    #[arg(long)]
    pub agents: PathBuf,
    #[arg(long)]
    pub requirements: Option<PathBuf>,
    /// Write the check report as JSON.
    #[arg(long)]
    pub report: Option<PathBuf>,
    #[arg(long)]
    pub tz: Option<String>,
}

fn open(p: &Path) -> anyhow::Result<File> {
    File::open(p).with_context(|| format!("cannot open {}", p.display()))
}

fn name(p: &Path) -> String {
    p.display().to_string()
}

/// The offset given by --tz (named zones: their offset at `at`).
fn tz_offset(tz: Option<&str>, at: NaiveDateTime) -> anyhow::Result<Option<FixedOffset>> {
    let Some(t) = tz else { return Ok(None) };
    let z = Zone::parse(t).map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
    Ok(Some(*z.from_local(at).map_err(|e| anyhow::anyhow!("--tz: {e}"))?.offset()))
}

pub fn read_rules(p: &Path) -> anyhow::Result<Rules> {
    let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    Rules::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
}

pub fn load_agents(p: &Path) -> anyhow::Result<Vec<Agent>> {
    let rows = read_agents(open(p)?, &name(p))?;
    Ok(rows
        .into_iter()
        .map(|r| Agent {
            id: r.agent_id,
            name: r.name,
            skills: r.skills,
            contract_minutes_per_week: r.contract_minutes_per_week,
            site: r.site,
            team: r.team,
        })
        .collect())
}

/// Requirements in the center's local time, and that offset.
pub fn load_requirements(p: &Path, tz: Option<&str>) -> anyhow::Result<(Requirements, FixedOffset)> {
    let probe = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(12, 0, 0)).unwrap_or_default();
    let off = tz_offset(tz, probe)?;
    let rows = read_requirements(open(p)?, &name(p), off)?;
    let Some(first) = rows.first() else { bail!("{}: no requirement rows", p.display()) };
    let center = off.unwrap_or(*first.interval_start.offset());
    let local: Vec<(NaiveDateTime, String, f64, f64)> = rows
        .iter()
        .map(|r| (r.interval_start.with_timezone(&center).naive_local(), r.queue.clone(), r.required, r.weight))
        .collect();
    let req = Requirements::from_rows(&local).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
    Ok((req, center))
}

fn load_roster(p: &Path, center: FixedOffset, tz: Option<FixedOffset>) -> anyhow::Result<Vec<Segment>> {
    let rows = read_roster(open(p)?, &name(p), tz.or(Some(center)))?;
    Ok(rows
        .into_iter()
        .map(|r| Segment {
            agent_id: r.agent_id,
            start: r.start.with_timezone(&center).naive_local(),
            end: r.end.with_timezone(&center).naive_local(),
            activity: r.activity,
        })
        .collect())
}

fn to_fixed(t: NaiveDateTime, off: FixedOffset) -> DateTime<FixedOffset> {
    off.from_local_datetime(&t).single().unwrap_or_else(|| off.from_utc_datetime(&t))
}

/// Write through a temporary file beside the target, renamed on success (no partial output).
pub fn write_atomic(path: &Path, f: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp{}", path.file_name().and_then(|s| s.to_str()).unwrap_or("out"), std::process::id()));
    let res = (|| {
        let mut w = std::io::BufWriter::new(File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?);
        f(&mut w)?;
        w.flush()?;
        drop(w);
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

pub fn roster_rows(roster: &[Segment], off: FixedOffset) -> Vec<RosterRow> {
    roster
        .iter()
        .map(|s| RosterRow {
            agent_id: s.agent_id.clone(),
            start: to_fixed(s.start, off),
            end: to_fixed(s.end, off),
            activity: s.activity.clone(),
            line: 0,
            extra: Vec::new(),
        })
        .collect()
}

/// The JSON report of `ccops schedule`.
fn report_json(sol: &Solution, check: &CheckReport, req: &Requirements, off: FixedOffset, elapsed: f64) -> serde_json::Value {
    let cov = check.coverage.as_ref();
    serde_json::json!({
        "horizon": {"start": to_fixed(req.start, off).to_rfc3339(), "days": req.days, "interval_minutes": req.slot_minutes},
        "under_staffed_agent_hours": sol.under_hours,
        "over_staffed_agent_hours": sol.over_hours,
        "required_agent_hours": cov.map(|c| c.required_hours),
        "lower_bound_under_agent_hours": sol.under_bound_hours,
        "gap": sol.under_gap,
        "objective": sol.objective,
        "shifts": sol.shifts,
        "soft": sol.soft,
        "changed_agent_days": sol.changed_days,
        "changed_agents": sol.changed_agents,
        "moves": sol.moves,
        "elapsed_seconds": elapsed,
        "hard_violations": check.violations,
        "intervals": cov.map(|c| c.intervals.iter().map(|i| serde_json::json!({
            "interval_start": to_fixed(i.interval_start, off).to_rfc3339(),
            "queue": i.queue, "required": i.required, "scheduled": i.scheduled, "diff": i.diff,
        })).collect::<Vec<_>>()),
    })
}

pub fn run(args: ScheduleArgs) -> anyhow::Result<()> {
    if let Some(ScheduleCmd::Check(c)) = args.cmd {
        return run_check(c);
    }
    let (Some(rp), Some(ap), Some(rules_p), Some(out)) = (&args.requirements, &args.agents, &args.rules, &args.output) else {
        bail!("--requirements, --agents, --rules and --output are required");
    };
    let t0 = Instant::now();
    let rules = read_rules(rules_p)?;
    let (req, center) = load_requirements(rp, args.tz.as_deref())?;
    let agents = load_agents(ap)?;
    let tzo = tz_offset(args.tz.as_deref(), req.start)?;
    let existing = match &args.existing {
        Some(p) => Some(load_roster(p, center, tzo)?),
        None => None,
    };
    let problem = Problem { requirements: req.clone(), agents: agents.clone(), rules: rules.clone(), existing };
    let opts = SolveOptions {
        lower_bound: !args.no_bound,
        lp_time_limit_s: (args.time_limit * 0.6).max(1.0),
        seed: args.seed,
        max_moves: u64::MAX,
        // The search anneals over what is left of the limit when it starts.
        time_limit_s: Some((args.time_limit - t0.elapsed().as_secs_f64()).max(0.0)),
        day_mip: true,
    };
    let pb = crate::progress::bar(0, "moves");
    let limit = args.time_limit;
    let sol = ccops_schedule::solve(&problem, &opts, &mut |p| {
        pb.set_position(p.moves);
        let b = p.under_bound_hours.map_or("–".to_string(), |b| format!("{b:.1}"));
        pb.set_message(format!("{}: objective {:.0}, under {:.1} h (bound {b}), over {:.1} h", p.phase, p.objective, p.under_hours, p.over_hours));
        t0.elapsed().as_secs_f64() < limit
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    pb.finish_and_clear();
    let check = ccops_schedule::check(&sol.roster, &rules, &agents, Some(&req)).map_err(|e| anyhow::anyhow!("{e}"))?;
    if !check.violations.is_empty() {
        // The solver only makes legal moves; a violation here is a bug, never silently written.
        bail!("internal error: the roster breaks {} hard rules (first: {:?}); nothing written", check.violations.len(), check.violations[0]);
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let rows = roster_rows(&sol.roster, center);
    write_atomic(out, |w| Ok(write_roster(w, &rows)?))?;
    if let Some(p) = &args.report {
        let j = report_json(&sol, &check, &req, center, elapsed);
        write_atomic(p, |w| Ok(serde_json::to_writer_pretty(w, &j)?))?;
    }
    if let Some(p) = &args.xlsx {
        let bytes = xlsx::workbook(&sol.roster, &agents, &req, check.coverage.as_ref())?;
        write_atomic(p, |w| Ok(w.write_all(&bytes)?))?;
    }
    let bound = sol.under_bound_hours.map_or("n/a".into(), |b| format!("{b:.2}"));
    let gap = sol.under_gap.map_or("n/a".into(), |g| format!("{:.1}%", g * 100.0));
    println!(
        "{} shifts for {} agents over {} days: under-staffed {:.2} agent-h (lower bound {bound}, gap {gap}), over-staffed {:.2} agent-h, 0 hard-rule violations, {} moves in {:.1} s",
        sol.shifts, agents.len(), req.days, sol.under_hours, sol.over_hours, sol.moves, elapsed
    );
    if problem.existing.is_some() {
        println!("re-optimised: {} agent-days changed for {} agents", sol.changed_days, sol.changed_agents);
    }
    Ok(())
}

fn run_check(c: CheckArgs) -> anyhow::Result<()> {
    let rules = read_rules(&c.rules)?;
    let agents = load_agents(&c.agents)?;
    let (req, center) = match &c.requirements {
        Some(p) => {
            let (r, o) = load_requirements(p, c.tz.as_deref())?;
            (Some(r), Some(o))
        }
        None => (None, None),
    };
    let probe = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).and_then(|d| d.and_hms_opt(12, 0, 0)).unwrap_or_default();
    let tzo = tz_offset(c.tz.as_deref(), probe)?;
    // Without requirements, local time is the roster's own offset (first row).
    let center = match center.or(tzo) {
        Some(o) => o,
        None => {
            let rows = read_roster(open(&c.roster)?, &name(&c.roster), None)?;
            rows.first().map(|r| *r.start.offset()).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"))
        }
    };
    let roster = load_roster(&c.roster, center, tzo)?;
    let rep = ccops_schedule::check(&roster, &rules, &agents, req.as_ref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{} shifts of {} agents checked: {} hard-rule violations", rep.shifts, rep.agents_scheduled, rep.violations.len());
    for v in rep.violations.iter().take(50) {
        println!("  VIOLATION agent {} rule {}: {}", v.agent, v.rule, v.detail);
    }
    if rep.violations.len() > 50 {
        println!("  … {} more (see --report)", rep.violations.len() - 50);
    }
    if let Some(cov) = &rep.coverage {
        println!(
            "coverage: required {:.2} agent-h, under-staffed {:.2} agent-h, over-staffed {:.2} agent-h",
            cov.required_hours, cov.under_hours, cov.over_hours
        );
        let worst = cov.intervals.iter().min_by(|a, b| a.diff.total_cmp(&b.diff));
        if let Some(w) = worst.filter(|w| w.diff < 0.0) {
            println!("  largest shortfall: {} {} required {} scheduled {}", to_fixed(w.interval_start, center).to_rfc3339(), w.queue, w.required, w.scheduled);
        }
    }
    if let Some(p) = &c.report {
        let j = serde_json::json!({
            "violations": rep.violations,
            "shifts": rep.shifts,
            "agents_scheduled": rep.agents_scheduled,
            "coverage": rep.coverage.as_ref().map(|cov| serde_json::json!({
                "required_agent_hours": cov.required_hours,
                "under_staffed_agent_hours": cov.under_hours,
                "over_staffed_agent_hours": cov.over_hours,
                "intervals": cov.intervals.iter().map(|i| serde_json::json!({
                    "interval_start": to_fixed(i.interval_start, center).to_rfc3339(),
                    "queue": i.queue, "required": i.required, "scheduled": i.scheduled, "diff": i.diff,
                })).collect::<Vec<_>>(),
            })),
        });
        write_atomic(p, |w| Ok(serde_json::to_writer_pretty(w, &j)?))?;
    }
    if !rep.violations.is_empty() {
        bail!("{} hard-rule violations", rep.violations.len());
    }
    Ok(())
}
