//! `ccops forecast` (interval volume + AHT forecast → staffing input), `ccops forecast backtest`
//! (rolling-origin accuracy of every model) and `ccops bench forecast`.

use anyhow::{Context, bail};
use ccops_calendar::{Calendar, HolidayTable, parse_events};
use ccops_forecast::{BacktestOptions, BacktestReport, CleanOptions, History, ModelKind, ModelOptions, Observation, Options, Override};
use ccops_formats::history::{Severity, Zone, read_history, validate};
use ccops_formats::{FormatError, contacts};
use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ForecastArgs {
    #[command(subcommand)]
    pub command: Option<ForecastCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Subcommand)]
pub enum ForecastCommand {
    /// Rolling-origin backtest: WAPE, MASE and bias of every model per queue and overall.
    Backtest(BacktestArgs),
}

/// Where history comes from and how to read it (shared by forecast and backtest).
#[derive(Args, Clone)]
pub struct InputArgs {
    /// Interval history CSV: interval_start,queue,offered[,handled,abandoned,aht_seconds].
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Contact records CSV instead of --history (aggregated to --interval-minutes intervals).
    #[arg(long, value_name = "FILE", conflicts_with = "history")]
    pub contacts: Option<PathBuf>,
    /// Interval length for --contacts (minutes; must divide a day).
    #[arg(long, default_value_t = 15)]
    pub interval_minutes: u32,
    /// Zone of local times in the files and of the output: +08:00, UTC or an IANA name.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Holiday calendar: `cn` (built-in Chinese statutory holidays and 调休) or `none`.
    #[arg(long, default_value = "none", value_name = "cn|none")]
    pub holidays: String,
    /// Holiday file(s) with an official notice (date,kind,name[,source]); replaces those years.
    #[arg(long, value_name = "FILE")]
    pub holiday_file: Vec<PathBuf>,
    /// User events: name,start,end[,before_days,after_days,factor].
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Candidate models, comma-separated (seasonal_naive, multi_seasonal, calendar_regression).
    #[arg(long, value_delimiter = ',', default_value = "seasonal_naive,multi_seasonal,calendar_regression")]
    pub models: Vec<String>,
    /// Days of history the daily-total models fit on.
    #[arg(long, default_value_t = 730)]
    pub train_days: usize,
    /// Do not clean outliers and outages (missing intervals are still filled).
    #[arg(long)]
    pub no_clean: bool,
    /// Cleaning overrides: queue,from,to,action (action keep|clean; queue `*` = all).
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// First forecast day (YYYY-MM-DD, local).
    #[arg(long, value_name = "DATE")]
    pub start: Option<NaiveDate>,
    /// Number of days to forecast.
    #[arg(long, default_value_t = 7)]
    pub days: usize,
    /// Output CSV (staffing input: queue,interval_start,interval_minutes,volume,aht_seconds,volume_p10,volume_p90).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// AHT in seconds when the history has none.
    #[arg(long, value_name = "SECONDS")]
    pub default_aht: Option<f64>,
    /// Also write what cleaning replaced: queue,interval_start,kind,original,replacement.
    #[arg(long, value_name = "FILE")]
    pub cleaning_report: Option<PathBuf>,
}

#[derive(Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Forecast horizon of each origin, days.
    #[arg(long, default_value_t = 1)]
    pub horizon_days: usize,
    /// Number of evaluation origins (the last K that leave a full horizon).
    #[arg(long, default_value_t = 14)]
    pub origins: usize,
    /// Days between origins.
    #[arg(long, default_value_t = 1)]
    pub step_days: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ForecastArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ForecastCommand::Backtest(b)) => run_backtest(b),
        None => run_forecast(args.run),
    }
}

/// Everything loaded from the input flags.
struct Loaded {
    history: History,
    zone: Zone,
    calendar: Calendar,
    models: Vec<ModelKind>,
    clean: CleanOptions,
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn open(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))
}

fn load(input: &InputArgs) -> anyhow::Result<Loaded> {
    let zone = input.tz.as_deref().map(Zone::parse).transpose().map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
    let models = input
        .models
        .iter()
        .map(|m| ModelKind::parse(m.trim()).ok_or_else(|| anyhow::anyhow!("--models: unknown model `{m}` (seasonal_naive, multi_seasonal, calendar_regression)")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut calendar = match input.holidays.as_str() {
        "cn" => Calendar::china(),
        "none" => Calendar::plain(),
        other => bail!("--holidays: `{other}` is not `cn` or `none` (load official notices with --holiday-file)"),
    };
    for f in &input.holiday_file {
        let t = HolidayTable::parse(&read_text(f)?, &f.display().to_string())?;
        calendar.holidays.merge(t);
    }
    if let Some(f) = &input.events {
        calendar.events = parse_events(&read_text(f)?, &f.display().to_string())?;
    }
    let (file, rows_file) = match (&input.history, &input.contacts) {
        (Some(h), _) => {
            let name = h.display().to_string();
            let hf = read_history(open(h)?, &name, zone.as_ref())?;
            let issues = validate(&hf, zone.as_ref());
            report_issues(&issues.iter().map(|i| (i.severity, &i.error)).collect::<Vec<_>>())?;
            (name, hf)
        }
        (None, Some(c)) => {
            let name = c.display().to_string();
            let cs = contacts::read_contacts(open(c)?, &name, zone.as_ref())?;
            (name.clone(), contacts::aggregate(&cs, input.interval_minutes, &name)?)
        }
        (None, None) => bail!("give --history FILE (interval history) or --contacts FILE (contact records)"),
    };
    let zone = match zone.or(rows_file.last_offset.map(Zone::Fixed)) {
        Some(z) => z,
        None => bail!("{file}: times have no UTC offset; give the zone with --tz"),
    };
    let obs: Vec<Observation> = rows_file.rows.iter().map(|r| Observation { queue: r.queue.clone(), start: r.local, offered: r.offered, handled: r.handled, aht_seconds: r.aht_seconds }).collect();
    let history = History::from_observations(&obs, None).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let mut clean = CleanOptions { enabled: !input.no_clean, ..Default::default() };
    if let Some(f) = &input.overrides {
        clean.overrides = parse_overrides(&read_text(f)?, &f.display().to_string(), &zone)?;
    }
    Ok(Loaded { history, zone, calendar, models, clean })
}

/// Print warnings (at most 20, then a count); fail on the first error.
fn report_issues(issues: &[(Severity, &FormatError)]) -> anyhow::Result<()> {
    if let Some((_, e)) = issues.iter().find(|(s, _)| *s == Severity::Error) {
        let n = issues.iter().filter(|(s, _)| *s == Severity::Error).count();
        bail!("{e}{}", if n > 1 { format!(" (and {} more errors)", n - 1) } else { String::new() });
    }
    for (_, w) in issues.iter().take(20) {
        eprintln!("warning: {w}");
    }
    if issues.len() > 20 {
        eprintln!("warning: … and {} more warnings", issues.len() - 20);
    }
    Ok(())
}

fn parse_overrides(text: &str, file: &str, zone: &Zone) -> anyhow::Result<Vec<Override>> {
    use ccops_formats::history::{parse_timestamp, to_local};
    let mut out = Vec::new();
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let h = rdr.headers().map_err(|e| FormatError::new(file, 1, None, e.to_string()))?.clone();
    if h.iter().collect::<Vec<_>>() != ["queue", "from", "to", "action"] {
        return Err(FormatError::new(file, 1, None, "expected header queue,from,to,action").into());
    }
    for rec in rdr.records() {
        let rec = rec.map_err(|e| FormatError::new(file, e.position().map_or(0, |p| p.line()), None, e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let time = |i: usize, col: &str| -> Result<NaiveDateTime, FormatError> {
            let s = rec.get(i).unwrap_or("");
            let t = parse_timestamp(s).ok_or_else(|| FormatError::new(file, line, Some(col), format!("`{s}` is not an ISO 8601 time")))?;
            to_local(t, Some(zone)).map_err(|r| FormatError::new(file, line, Some(col), r))
        };
        let (from, to) = (time(1, "from")?, time(2, "to")?);
        if to <= from {
            return Err(FormatError::new(file, line, Some("to"), "must be after `from`").into());
        }
        let keep = match rec.get(3).unwrap_or("") {
            "keep" => true,
            "clean" => false,
            other => return Err(FormatError::new(file, line, Some("action"), format!("`{other}` is not keep or clean")).into()),
        };
        out.push(Override { queue: rec.get(0).unwrap_or("").to_string(), from, to, keep });
    }
    Ok(out)
}

fn run_forecast(a: RunArgs) -> anyhow::Result<()> {
    let (Some(start), Some(output)) = (a.start, a.output.as_ref()) else {
        bail!("give --history FILE --start DATE --output FILE (or use `ccops forecast backtest`)");
    };
    if a.days == 0 || a.days > 366 {
        bail!("--days must be 1..=366");
    }
    if let Some(x) = a.default_aht
        && !(x.is_finite() && x > 0.0)
    {
        bail!("--default-aht must be a positive number of seconds");
    }
    let l = load(&a.input)?;
    if a.default_aht.is_none()
        && let Some(s) = l.history.series.iter().find(|s| !s.has_aht())
    {
        bail!("queue `{}` has no aht_seconds in the history; give --default-aht SECONDS", s.queue);
    }
    let opts = Options { models: l.models.clone(), model: ModelOptions { train_days: a.input.train_days, ..Default::default() }, clean: l.clean.clone(), ..Default::default() };
    let pb = crate::progress::bar(l.history.series.len() as u64, "queues");
    let f = ccops_forecast::forecast_with_progress(&l.history, &l.calendar, start, a.days, &opts, &|| pb.inc(1))?;
    pb.finish_and_clear();
    let mut rows = 0usize;
    super::schedule::write_atomic(output, |w| {
        writeln!(w, "queue,interval_start,interval_minutes,volume,aht_seconds,volume_p10,volume_p90")?;
        for q in &f.queues {
            for i in &q.intervals {
                let t = l.zone.from_local(i.start).map_err(|e| anyhow::anyhow!("queue `{}`: {e}", q.queue))?;
                let aht = i.aht_seconds.or(a.default_aht).unwrap_or(0.0);
                writeln!(w, "{},{},{},{:.3},{:.1},{},{}", csv_field(&q.queue), t.to_rfc3339(), q.interval_minutes, i.volume, aht, i.p10, i.p90)?;
                rows += 1;
            }
        }
        Ok(())
    })?;
    if let Some(path) = &a.cleaning_report {
        super::schedule::write_atomic(path, |w| {
            writeln!(w, "queue,interval_start,kind,original,replacement")?;
            for q in &f.queues {
                for c in &q.cleaning {
                    let t = l.zone.from_local(c.interval_start).map(|t| t.to_rfc3339()).unwrap_or_else(|_| c.interval_start.to_string());
                    let kind = serde_json::to_value(c.kind)?.as_str().unwrap_or("").to_string();
                    writeln!(w, "{},{t},{kind},{},{:.3}", csv_field(&q.queue), c.original.map(|v| v.to_string()).unwrap_or_default(), c.replacement)?;
                }
            }
            Ok(())
        })?;
    }
    for q in &f.queues {
        let best = q.selection.iter().find(|s| s.model == q.model).map(|s| format!(" (selection WAPE {:.3})", s.wape)).unwrap_or_default();
        eprintln!("{}: {}{best}, {} cleaned intervals{}", q.queue, q.model.name(), q.cleaning.len(), if q.provisional_days.is_empty() { String::new() } else { format!(", {} days with provisional holiday data", q.provisional_days.len()) });
    }
    eprintln!("wrote {rows} rows to {}", output.display());
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn run_backtest(b: BacktestArgs) -> anyhow::Result<()> {
    let l = load(&b.input)?;
    let o = BacktestOptions {
        horizon_days: b.horizon_days,
        origins: b.origins,
        step_days: b.step_days,
        models: l.models.clone(),
        model: ModelOptions { train_days: b.input.train_days, ..Default::default() },
        clean: l.clean.clone(),
        ..Default::default()
    };
    let pb = crate::progress::bar(l.history.series.len() as u64, "queues");
    let r = ccops_forecast::backtest_with_progress(&l.history, &l.calendar, &o, &|| pb.inc(1))?;
    pb.finish_and_clear();
    if b.json {
        println!("{}", serde_json::to_string_pretty(&backtest_json(&r))?);
    } else {
        print!("{}", backtest_table(&r));
    }
    Ok(())
}

fn backtest_json(r: &BacktestReport) -> serde_json::Value {
    let score = |s: &ccops_forecast::ModelScore| serde_json::json!({"model": s.model.name(), "wape": s.wape, "mase": s.mase, "bias": s.bias, "points": s.points});
    serde_json::json!({
        "horizon_days": r.horizon_days,
        "origins": r.origins,
        "overall": {
            "models": r.overall.iter().map(score).collect::<Vec<_>>(),
            "chosen": {"wape": r.overall_chosen.wape, "mase": r.overall_chosen.mase, "bias": r.overall_chosen.bias, "points": r.overall_chosen.points},
        },
        "queues": r.queues.iter().map(|q| serde_json::json!({
            "queue": q.queue,
            "first_origin": q.first_origin.to_string(),
            "last_origin": q.last_origin.to_string(),
            "models": q.scores.iter().map(score).collect::<Vec<_>>(),
            "chosen": q.chosen.name(),
            "chosen_score": {"wape": q.chosen_score.wape, "mase": q.chosen_score.mase, "bias": q.chosen_score.bias},
            "chosen_in_sample": q.chosen_in_sample,
            "calendar_origins": q.calendar_origins,
        })).collect::<Vec<_>>(),
    })
}

fn backtest_table(r: &BacktestReport) -> String {
    let mut s = format!("rolling-origin backtest: {} origins × {} day(s) ahead\n", r.origins, r.horizon_days);
    s += &format!("{:<24} {:<22} {:>7} {:>7} {:>8}\n", "queue", "model", "WAPE", "MASE", "bias");
    let line = |s: &mut String, q: &str, m: &str, w: f64, ma: f64, b: f64| *s += &format!("{q:<24} {m:<22} {w:>7.4} {ma:>7.3} {b:>+8.3}\n");
    for q in &r.queues {
        for m in &q.scores {
            line(&mut s, &q.queue, m.model.name(), m.wape, m.mase, m.bias);
        }
        line(&mut s, &q.queue, &format!("chosen: {}", q.chosen.name()), q.chosen_score.wape, q.chosen_score.mase, q.chosen_score.bias);
    }
    for m in &r.overall {
        line(&mut s, "ALL", m.model.name(), m.wape, m.mase, m.bias);
    }
    line(&mut s, "ALL", "chosen", r.overall_chosen.wape, r.overall_chosen.mase, r.overall_chosen.bias);
    s
}

// ------------------------------------------------------------------------------ benchmarks

#[derive(Args)]
pub struct BenchForecastArgs {
    /// Which part: all, anon (accuracy on the real data vs statsforecast), holidays, speed.
    #[arg(long, default_value = "all")]
    pub only: String,
    /// Reuse the peers' last JSON results instead of running Python again (when present).
    #[arg(long)]
    pub reuse_peer: bool,
    /// Do not run the Python peers at all.
    #[arg(long)]
    pub skip_peer: bool,
    /// Queues in the speed benchmark.
    #[arg(long, default_value_t = 1000)]
    pub queues: usize,
    /// Queues of the speed benchmark the peer (statsforecast MSTL) runs on; its time is scaled up.
    #[arg(long, default_value_t = 1)]
    pub peer_sample: usize,
    /// Where peer results and the summary JSON go.
    #[arg(long, default_value = "target/ccops-bench")]
    pub out_dir: PathBuf,
}

/// `shared/` beside the repository: walk up from the current directory, else `$CCOPS_SHARED`,
/// else `/work/shared`.
fn shared_dir() -> PathBuf {
    if let Ok(cwd) = std::env::current_dir() {
        for d in cwd.ancestors() {
            let c = d.join("shared");
            if c.join("bench").is_dir() {
                return c;
            }
            if d.join("bench").is_dir() && d.join("data").is_dir() {
                return d.to_path_buf();
            }
        }
    }
    std::env::var_os("CCOPS_SHARED").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/work/shared"))
}

fn peer_python() -> PathBuf {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/ccops-peers/bin/python")).unwrap_or_else(|| PathBuf::from("python3"))
}

/// Run a peer script (or reuse its JSON); `None` when skipped or unavailable.
fn run_peer(args: &BenchForecastArgs, json: &Path, cmd: &[String]) -> Option<serde_json::Value> {
    if args.skip_peer {
        return None;
    }
    if !(args.reuse_peer && json.exists()) {
        eprintln!("running peer: {}", cmd.join(" "));
        let st = std::process::Command::new(&cmd[0]).args(&cmd[1..]).stdout(std::process::Stdio::null()).status();
        match st {
            Ok(s) if s.success() => {}
            other => {
                eprintln!("peer failed ({other:?}); continuing without it");
                return None;
            }
        }
    }
    serde_json::from_str(&std::fs::read_to_string(json).ok()?).ok()
}

pub fn bench(args: BenchForecastArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out_dir).with_context(|| format!("cannot create {}", args.out_dir.display()))?;
    let mut summary = serde_json::Map::new();
    let all = args.only == "all";
    if !all && !["anon", "holidays", "speed"].contains(&args.only.as_str()) {
        bail!("--only must be all, anon, holidays or speed");
    }
    if all || args.only == "anon" {
        summary.insert("anon1999".into(), bench_anon(&args)?);
    }
    if all || args.only == "holidays" {
        summary.insert("holidays".into(), bench_holidays()?);
    }
    if all || args.only == "speed" {
        summary.insert("speed".into(), bench_speed(&args)?);
    }
    let path = args.out_dir.join("forecast_summary.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    println!("\nsummary written to {}", path.display());
    Ok(())
}

/// The peers' protocol on the anonymous bank data: test span = last 4 weeks; day-ahead origins at
/// every day, week-ahead at every week; 16 weeks of training; one MASE scale over the training
/// window before the first origin. The chosen model is selected on the origins before the span.
fn bench_anon(args: &BenchForecastArgs) -> anyhow::Result<serde_json::Value> {
    let shared = shared_dir();
    let data = shared.join("data/anonymous_bank_1999_6min.csv");
    let zone = Zone::parse("+02:00").map_err(anyhow::Error::msg)?;
    let hf = read_history(open(&data)?, &data.display().to_string(), Some(&zone))?;
    let obs: Vec<Observation> = hf.rows.iter().map(|r| Observation { queue: r.queue.clone(), start: r.local, offered: r.offered, handled: None, aht_seconds: None }).collect();
    let history = History::from_observations(&obs, None)?;
    let s = &history.series[0];
    let days = s.days();
    let cal = Calendar::plain();
    let mut ours = serde_json::Map::new();
    println!("## anon1999 (Anonymous Bank 1999, 6-min intervals), rolling origin, interval WAPE");
    for (proto, h, k, step) in [("day_ahead", 1, 28, 1), ("week_ahead", 7, 4, 7)] {
        let o = BacktestOptions { horizon_days: h, origins: k, step_days: step, last_origin: Some(s.day(days - h)), model: ModelOptions { train_days: 112, ..Default::default() }, ..Default::default() };
        let t = std::time::Instant::now();
        let r = ccops_forecast::backtest(&history, &cal, &o)?;
        let secs = t.elapsed().as_secs_f64();
        let mut m = serde_json::Map::new();
        for sc in &r.overall {
            m.insert(sc.model.name().into(), serde_json::json!({"wape": sc.wape, "mase": sc.mase, "bias": sc.bias}));
        }
        m.insert("chosen".into(), serde_json::json!({"model": r.queues[0].chosen.name(), "wape": r.overall_chosen.wape, "mase": r.overall_chosen.mase, "bias": r.overall_chosen.bias, "seconds_all_models": secs}));
        ours.insert(proto.into(), serde_json::Value::Object(m));
    }
    let peer_json = args.out_dir.join("forecast_peer_anon1999.json");
    let script = shared.join("bench/forecast/backtest.py");
    let cmd = [peer_python().display().to_string(), script.display().to_string(), "--dataset".into(), "anon1999".into(), "--models".into(), "snaive_week,mstl,ets_per_slot".into(), "--out".into(), peer_json.display().to_string()];
    let peer = run_peer(args, &peer_json, &cmd);
    println!("| protocol | tool | model | WAPE | MASE | bias |\n|---|---|---|---|---|---|");
    for proto in ["day_ahead", "week_ahead"] {
        if let Some(m) = ours.get(proto).and_then(|v| v.as_object()) {
            for (name, v) in m {
                println!("| {proto} | ccops | {name}{} | {:.3} | {:.3} | {:+.3} |", v.get("model").and_then(|x| x.as_str()).map(|x| format!(" ({x})")).unwrap_or_default(), f(v, "wape"), f(v, "mase"), f(v, "bias"));
            }
        }
        if let Some(res) = peer.as_ref().and_then(|p| p.get("results")).and_then(|r| r.as_object()) {
            for (key, v) in res {
                if key.ends_with(proto) {
                    println!("| {proto} | statsforecast/peer | {} | {:.3} | {:.3} | {:+.3} |", v.get("model").and_then(|x| x.as_str()).unwrap_or(key), f(v, "wape"), f(v, "mase"), f(v, "bias"));
                }
            }
        }
    }
    Ok(serde_json::json!({"ccops": ours, "peer": peer}))
}

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v.get(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN)
}

/// Synthetic history with three Spring Festivals (2023–2025): accuracy over the 2025 holiday
/// weeks with the Chinese calendar vs a plain one.
fn bench_holidays() -> anyhow::Result<serde_json::Value> {
    use ccops_forecast::synthetic::{SyntheticSpec, generate};
    let truth = Calendar::china();
    let first = NaiveDate::from_ymd_opt(2023, 1, 2).unwrap_or_default();
    let spec = SyntheticSpec { queues: 20, first_day: first, days: 800, interval_minutes: 15, seed: 2026, mean_daily: 1500.0 };
    let history = generate(&spec, &truth);
    // 2025 Spring Festival 01-29, off 01-28..02-04: evaluate 2025-01-13 .. 2025-02-16.
    let last_day = NaiveDate::from_ymd_opt(2025, 2, 16).unwrap_or_default();
    println!("\n## holidays: synthetic 20 queues × 15 min, 2023-01-02..2025-03-11; evaluated 2025-01-13..2025-02-16 (Spring Festival 01-29)");
    println!("| protocol | model | WAPE with calendar (cn) | WAPE without (plain) |\n|---|---|---|---|");
    let mut out = serde_json::Map::new();
    for (proto, h, k, step) in [("day_ahead", 1usize, 35usize, 1usize), ("week_ahead", 7, 5, 7)] {
        let last_origin = last_day - chrono::Duration::days(h as i64 - 1);
        let o = BacktestOptions { horizon_days: h, origins: k, step_days: step, last_origin: Some(last_origin), ..Default::default() };
        let with = ccops_forecast::backtest(&history, &truth, &o)?;
        let without = ccops_forecast::backtest(&history, &Calendar::plain(), &o)?;
        let mut m = serde_json::Map::new();
        for (a, b) in with.overall.iter().zip(&without.overall) {
            println!("| {proto} | {} | {:.3} | {:.3} |", a.model.name(), a.wape, b.wape);
            m.insert(a.model.name().into(), serde_json::json!({"with_calendar": a.wape, "without_calendar": b.wape}));
        }
        println!("| {proto} | chosen | {:.3} | {:.3} |", with.overall_chosen.wape, without.overall_chosen.wape);
        m.insert("chosen".into(), serde_json::json!({"with_calendar": with.overall_chosen.wape, "without_calendar": without.overall_chosen.wape}));
        out.insert(proto.into(), serde_json::Value::Object(m));
    }
    Ok(serde_json::Value::Object(out))
}

/// 1,000 synthetic queues × 364 days of 15-minute history: day-ahead backtest (28 origins,
/// 16-week training, every model, plus the selection window) vs statsforecast MSTL on a sample.
fn bench_speed(args: &BenchForecastArgs) -> anyhow::Result<serde_json::Value> {
    use ccops_forecast::synthetic::{SyntheticSpec, generate};
    let cal = Calendar::china();
    let first = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
    let o = BacktestOptions { horizon_days: 1, origins: 28, step_days: 1, model: ModelOptions { train_days: 112, ..Default::default() }, ..Default::default() };
    let batch = 100;
    let mut secs = 0.0;
    let mut done = 0;
    let pb = crate::progress::bar(args.queues as u64, "queues");
    while done < args.queues {
        let nq = batch.min(args.queues - done);
        // Generation is not timed; each batch has its own seed so queues differ.
        let spec = SyntheticSpec { queues: nq, first_day: first, days: 364, interval_minutes: 15, seed: 7 + done as u64, mean_daily: 2000.0 };
        let h = generate(&spec, &cal);
        let t = std::time::Instant::now();
        ccops_forecast::backtest(&h, &cal, &o)?;
        secs += t.elapsed().as_secs_f64();
        done += nq;
        pb.inc(nq as u64);
    }
    pb.finish_and_clear();
    println!("\n## speed: {} queues × 364 days × 96 intervals, day-ahead backtest, 28 origins + 28 selection origins, 3 models", args.queues);
    println!("ccops: {secs:.2} s total ({:.1} ms per queue, {} threads)", 1000.0 * secs / args.queues as f64, std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Peer: statsforecast MSTL on a sample of the same queues, same origins and training window.
    let sample = args.peer_sample.min(args.queues);
    let spec = SyntheticSpec { queues: sample, first_day: first, days: 364, interval_minutes: 15, seed: 7, mean_daily: 2000.0 };
    let h = generate(&spec, &cal);
    let csv_path = args.out_dir.join("forecast_speed_sample.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
    writeln!(w, "queue,y")?;
    for s in &h.series {
        for v in &s.volume {
            writeln!(w, "{},{v}", s.queue)?;
        }
    }
    w.flush()?;
    let peer_json = args.out_dir.join("forecast_peer_speed.json");
    let script = std::env::current_dir()?.ancestors().map(|d| d.join("crates/ccops-forecast/bench/speed_peer.py")).find(|p| p.exists());
    let peer = script.and_then(|script| {
        let cmd = [peer_python().display().to_string(), script.display().to_string(), csv_path.display().to_string(), peer_json.display().to_string()];
        run_peer(args, &peer_json, &cmd)
    });
    let per_queue_peer = peer.as_ref().and_then(|p| p.get("seconds_per_queue")).and_then(|x| x.as_f64());
    if let Some(pq) = per_queue_peer {
        let peer_total = pq * args.queues as f64;
        let ours_one_model = secs / 6.0; // 3 models × (evaluation + selection) windows
        println!("statsforecast MSTL: {pq:.2} s per queue on {sample} queue(s) → {peer_total:.0} s for {} queues (one model, evaluation origins only)", args.queues);
        println!("ratio: {:.0}× (ccops doing 6× the model fits); {:.0}× per model fit", peer_total / secs, peer_total / ours_one_model);
    } else {
        println!("peer not run (see --skip-peer / Python environment)");
    }
    Ok(serde_json::json!({"queues": args.queues, "ccops_seconds": secs, "peer_seconds_per_queue": per_queue_peer, "peer": peer}))
}
