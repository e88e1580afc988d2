//! `ccops demo` — create a fresh demo center, run forecast → staffing → roster through the
//! engines, then serve it with a simulated live floor.
//!
//! Stages (each with a progress bar and a timing line): generate the center (`ccops-demo`),
//! seed the database (`ccops-store`), import history, forecast, staffing (`ccops-queueing`),
//! roster (`ccops-schedule`), then `ccops_server::serve_listener` plus the floor simulator.

use crate::progress;
use anyhow::{Context, bail};
use ccops_demo::{Center, Channel, DemoConfig};
use ccops_store::{Actor, NewAgent, NewForecast, NewQueue, NewRoster, NewUser, Store};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use clap::Args;
use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct DemoArgs {
    /// Data directory to create; the SQLite database is `<DIR>/ccops.db`. Must not exist or be
    /// empty (see --force).
    #[arg(long, default_value = "ccops-data/demo")]
    pub data_dir: PathBuf,
    /// Seed an (empty) PostgreSQL or SQLite database at this URL instead of `<DIR>/ccops.db`.
    #[arg(long)]
    pub database: Option<String>,
    /// Replace an existing demo data directory (only one that holds a ccops database).
    #[arg(long)]
    pub force: bool,
    /// Port to serve on (0 = any free port; the URL is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Stop after setting up (no server).
    #[arg(long)]
    pub no_serve: bool,
    /// Serve without the simulated live floor.
    #[arg(long)]
    pub no_floor: bool,
    /// Seed for everything random (same seed and date → same center).
    #[arg(long, default_value_t = 20261122)]
    pub seed: u64,
    /// The center's "today" (YYYY-MM-DD); default: today in China. History ends the day before.
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// A small center (30 agents, scaled volumes) for tests; the default is full size.
    #[arg(long)]
    pub small: bool,
    /// Forecast horizon in weeks from today.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub forecast_weeks: u32,
    /// Roster horizon in weeks from today (the first week is published, later weeks are drafts).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=4))]
    pub roster_weeks: u32,
    /// Time budget for the roster search, seconds (the best roster so far is kept).
    #[arg(long, default_value_t = 20)]
    pub roster_seconds: u64,
}

/// China Standard Time: both demo sites, no daylight saving.
fn cst() -> FixedOffset {
    ccops_demo::history::china_offset()
}

fn local_to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    (t - TimeDelta::hours(8)).and_utc()
}

/// One stage's timing line, and the running list for the summary.
struct Stages {
    start: Instant,
    lines: Vec<(String, Duration)>,
}

impl Stages {
    fn done(&mut self, name: &str, since: Instant, what: String) {
        let took = since.elapsed();
        eprintln!("  {name:<10} {:>6.1} s  {what}", took.as_secs_f64());
        self.lines.push((name.to_string(), took));
    }
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let today = args
        .today
        .unwrap_or_else(|| Utc::now().with_timezone(&cst()).date_naive());
    let url = prepare_database(&args)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let mut stages = Stages {
            start: Instant::now(),
            lines: Vec::new(),
        };
        eprintln!(
            "ccops demo: building a center for {today} (seed {})",
            args.seed
        );

        let store = Store::open(&url)
            .await
            .with_context(|| format!("cannot open database {url}"))?;
        if !store.list_tenants().await?.is_empty() {
            bail!("the database already holds a center; `ccops demo` only seeds an empty one");
        }

        let t = Instant::now();
        let config = if args.small {
            DemoConfig::small(args.seed, today)
        } else {
            DemoConfig::full(args.seed, today)
        };
        let center = ccops_demo::generate(&config)?;
        stages.done(
            "center",
            t,
            format!(
                "{} agents, {} queues, {} sites, {} tenants, {} history rows",
                center.agents.len(),
                center.queues.len(),
                center.sites.len(),
                center.tenants.len(),
                center.history.len()
            ),
        );

        let t = Instant::now();
        let ids = seed(&store, &center).await?;
        stages.done(
            "database",
            t,
            format!(
                "{} users, {} agents",
                center.users.len(),
                center.agents.len()
            ),
        );

        let t = Instant::now();
        import_history(&store, &center, &ids).await?;
        stages.done(
            "history",
            t,
            format!(
                "{} → {}",
                center
                    .history
                    .first()
                    .map_or(today, |h| h.interval_start.date_naive()),
                today.pred_opt().unwrap_or(today)
            ),
        );

        let t = Instant::now();
        let (forecasts, how) = forecast(&store, &center, &ids, today, args.forecast_weeks).await?;
        stages.done(
            "forecast",
            t,
            format!(
                "{} weeks × {} queues ({how})",
                args.forecast_weeks,
                forecasts.len()
            ),
        );

        let t = Instant::now();
        let required = staffing(&store, &center, &ids, &forecasts).await?;
        stages.done(
            "staffing",
            t,
            format!(
                "{} queue-intervals (Erlang A / chat / deferred)",
                required.len()
            ),
        );

        let t = Instant::now();
        let summary = roster(&store, &center, &ids, &required, today, &args).await?;
        stages.done("roster", t, summary);

        std::fs::create_dir_all(&args.data_dir).ok();
        write_rules_file(&args.data_dir, &center, today, args.roster_weeks)?;

        let total = stages.start.elapsed();
        eprintln!("  {:<10} {:>6.1} s", "setup", total.as_secs_f64());
        print_logins(&center);
        if args.no_serve {
            println!(
                "setup done in {:.1} s; data in {} (start it with `ccops serve --data-dir {}`)",
                total.as_secs_f64(),
                args.data_dir.display(),
                args.data_dir.display()
            );
            return Ok(());
        }
        serve(store, &args).await
    })
}

/// Decide the database URL and make sure the target is fresh.
fn prepare_database(args: &DemoArgs) -> anyhow::Result<String> {
    if let Some(url) = &args.database {
        return Ok(url.clone());
    }
    let dir = &args.data_dir;
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if entries.next().is_some() {
            if !args.force {
                bail!(
                    "{} already exists and is not empty; pass --force to replace it or choose another --data-dir",
                    dir.display()
                );
            }
            // Only ever delete what looks like a ccops data directory.
            if !dir.join("ccops.db").exists() {
                bail!(
                    "{} does not look like a ccops data directory (no ccops.db); refusing to delete it",
                    dir.display()
                );
            }
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        dir.join("ccops.db").display()
    ))
}

/// Database ids of what `seed` created, by the demo's codes.
struct Ids {
    queues: HashMap<String, i64>,
    agents: HashMap<String, i64>,
    planner: Actor,
}

async fn seed(store: &Store, center: &Center) -> anyhow::Result<Ids> {
    let pb = progress::bar(
        (center.agents.len() + center.users.len() + center.queues.len()) as u64,
        "records",
    );
    let mut tenants = HashMap::new();
    for t in &center.tenants {
        tenants.insert(t.id.clone(), store.create_tenant(&t.id, &t.name).await?.id);
    }
    let mut sites = HashMap::new();
    for s in &center.sites {
        sites.insert(
            s.id.clone(),
            store
                .create_site(&s.id, &s.name, &s.timezone, Some(s.seats.into()))
                .await?
                .id,
        );
    }
    let mut skills = HashMap::new();
    let mut queues = HashMap::new();
    for q in &center.queues {
        let skill = store.create_skill(&q.skill, &q.name).await?;
        skills.insert(q.skill.clone(), skill.id);
        let mut nq = NewQueue::new(&q.id, &q.name, q.channel.as_str());
        nq.tenant_id = tenants.get(&q.tenant).copied();
        nq.skill_id = Some(skill.id);
        nq.sl_target = q.sl_target;
        nq.sl_seconds = q.sl_seconds.into();
        nq.shrinkage = q.shrinkage;
        nq.concurrency = q.concurrency.unwrap_or(1).into();
        nq.patience_seconds = q.patience_seconds.map(f64::from);
        nq.max_occupancy = Some(q.max_occupancy);
        queues.insert(q.id.clone(), store.create_queue(&nq).await?.id);
        pb.inc(1);
    }
    let mut teams = HashMap::new();
    for t in &center.teams {
        teams.insert(
            t.id.clone(),
            store
                .create_team(&t.id, &t.name, sites.get(&t.site).copied())
                .await?
                .id,
        );
    }
    let client_queues: Vec<&str> = center
        .queues
        .iter()
        .filter(|q| q.tenant != center.tenants[0].id)
        .map(|q| q.skill.as_str())
        .collect();
    let mut agents = HashMap::new();
    for a in &center.agents {
        // An agent serving only the client's queues belongs to the client; only house queues →
        // the house; both → center-wide.
        let client = a
            .skills
            .iter()
            .filter(|s| client_queues.contains(&s.as_str()))
            .count();
        let tenant = match (client, a.skills.len() - client) {
            (0, _) => tenants.get(&center.tenants[0].id).copied(),
            (_, 0) => center
                .tenants
                .get(1)
                .and_then(|t| tenants.get(&t.id))
                .copied(),
            _ => None,
        };
        let na = NewAgent {
            code: a.id.clone(),
            name: a.name.clone(),
            tenant_id: tenant,
            site_id: sites.get(&a.site).copied(),
            team_id: teams.get(&a.team).copied(),
            contract_minutes_per_week: a.contract_minutes_per_week.into(),
            // Primary skill at level 4, secondary ones at 3.
            skills: a
                .skills
                .iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), if i == 0 { 4 } else { 3 }))
                .collect(),
        };
        agents.insert(a.id.clone(), store.create_agent(&na).await?.id);
        pb.inc(1);
    }
    let mut planner = Actor::system();
    for u in &center.users {
        let user = store
            .create_user(&NewUser {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                password: u.password.clone(),
                role: u.role.as_str().into(),
                // Center staff see every tenant; the client viewer only its own.
                tenant_id: if u.role == ccops_demo::Role::ClientViewer {
                    tenants.get(&u.tenant).copied()
                } else {
                    None
                },
                agent_id: u.agent_id.as_ref().and_then(|a| agents.get(a)).copied(),
                locale: "zh".into(),
            })
            .await?;
        if u.role == ccops_demo::Role::Planner {
            planner = Actor::user(user.id, &user.username);
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    Ok(Ids {
        queues,
        agents,
        planner,
    })
}

async fn import_history(store: &Store, center: &Center, ids: &Ids) -> anyhow::Result<()> {
    let pb = progress::bar(center.history.len() as u64, "rows");
    // One import per queue: each is one transaction, and the bar moves between them.
    for q in &center.queues {
        let qid = ids.queues[&q.id];
        let rows: Vec<ccops_store::HistoryRow> = center
            .history
            .iter()
            .filter(|h| h.queue == q.id)
            .map(|h| ccops_store::HistoryRow {
                queue_id: qid,
                interval_start: h.interval_start.with_timezone(&Utc),
                interval_minutes: ccops_demo::history::INTERVAL_MINUTES.into(),
                offered: h.offered.into(),
                handled: Some(h.handled.into()),
                abandoned: Some(h.abandoned.into()),
                aht_seconds: h.aht_seconds,
            })
            .collect();
        store
            .import_history(&format!("demo-history-{}.csv", q.id), &rows, None)
            .await?;
        pb.inc(rows.len() as u64);
    }
    pb.finish_and_clear();
    Ok(())
}

/// One stored forecast per queue: (queue code, forecast id, intervals).
struct QueueForecast {
    queue: String,
    id: i64,
    intervals: Vec<ccops_store::ForecastInterval>,
}

/// A forecast for one queue before it is stored: model name, accuracy, intervals in UTC.
struct Predicted {
    model: String,
    accuracy: Option<serde_json::Value>,
    points: Vec<ccops_store::ForecastInterval>,
}

fn interval(
    start: DateTime<Utc>,
    volume: f64,
    aht: f64,
    band: (f64, f64),
) -> ccops_store::ForecastInterval {
    ccops_store::ForecastInterval {
        interval_start: start,
        volume,
        aht_seconds: aht,
        volume_lower: Some(band.0),
        volume_upper: Some(band.1),
        adjusted_volume: None,
        adjusted_aht: None,
        holiday: None,
    }
}

/// Forecast every queue with `ccops-forecast` (model chosen per queue by backtest). The history
/// holds rows only for open hours, so closed intervals are handed to the engine as zeros and
/// left out of the stored forecast.
fn engine_forecast(
    center: &Center,
    today: NaiveDate,
    days: u32,
    pb: &indicatif::ProgressBar,
) -> anyhow::Result<HashMap<String, Predicted>> {
    use ccops_forecast::{History, Observation, Options, forecast_with_progress};
    let first = center
        .history
        .iter()
        .map(|h| h.interval_start.date_naive())
        .min()
        .unwrap_or(today);
    let slots = 24 * 60 / ccops_demo::history::INTERVAL_MINUTES;
    let step = TimeDelta::minutes(ccops_demo::history::INTERVAL_MINUTES.into());
    let seen: HashMap<(&str, NaiveDateTime), &ccops_demo::HistoryRow> = center
        .history
        .iter()
        .map(|h| ((h.queue.as_str(), h.interval_start.naive_local()), h))
        .collect();
    let mut obs = Vec::new();
    for q in &center.queues {
        for date in first.iter_days().take_while(|d| *d < today) {
            let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
            for k in 0..slots {
                let start = midnight + step * k as i32;
                let row = seen.get(&(q.id.as_str(), start));
                obs.push(Observation {
                    queue: q.id.clone(),
                    start,
                    offered: row.map_or(0.0, |r| r.offered.into()),
                    handled: row.map(|r| r.handled.into()),
                    aht_seconds: row.and_then(|r| r.aht_seconds),
                });
            }
        }
    }
    let history = History::from_observations(&obs, Some(ccops_demo::history::INTERVAL_MINUTES))?;
    let calendar = ccops_calendar::Calendar::china();
    let f = forecast_with_progress(
        &history,
        &calendar,
        today,
        days as usize,
        &Options::default(),
        &|| pb.inc(1),
    )?;
    let mut out = HashMap::new();
    for qf in f.queues {
        let Some(q) = center.queues.iter().find(|q| q.id == qf.queue) else {
            continue;
        };
        let points = qf
            .intervals
            .iter()
            .filter(|i| (q.open_hour..q.close_hour).contains(&chrono::Timelike::hour(&i.start)))
            .map(|i| {
                interval(
                    local_to_utc(i.start),
                    i.volume,
                    i.aht_seconds.unwrap_or(q.aht_seconds),
                    (i.p10, i.p90),
                )
            })
            .collect();
        let chosen = qf.selection.iter().find(|s| s.model == qf.model);
        let accuracy = chosen.map(|s| serde_json::json!({ "wape": s.wape, "mase": s.mase, "bias": s.bias, "points": s.points }));
        out.insert(
            qf.queue.clone(),
            Predicted {
                model: qf.model.name().to_string(),
                accuracy,
                points,
            },
        );
    }
    Ok(out)
}

/// The demo's own fallback: weekday means of the last six ordinary weeks.
fn baseline_forecast(
    center: &Center,
    q: &ccops_demo::Queue,
    today: NaiveDate,
    days: u32,
) -> Predicted {
    let rows: Vec<&ccops_demo::HistoryRow> =
        center.history.iter().filter(|h| h.queue == q.id).collect();
    let points = ccops_demo::baseline::seasonal_baseline(&rows, &center.holidays, today, days, 6)
        .iter()
        .map(|p| {
            interval(
                p.interval_start.with_timezone(&Utc),
                p.volume,
                p.aht_seconds,
                (p.lower, p.upper),
            )
        })
        .collect();
    Predicted {
        model: ccops_demo::baseline::BASELINE_MODEL.into(),
        accuracy: None,
        points,
    }
}

async fn forecast(
    store: &Store,
    center: &Center,
    ids: &Ids,
    today: NaiveDate,
    weeks: u32,
) -> anyhow::Result<(Vec<QueueForecast>, String)> {
    let days = 7 * weeks;
    let pb = progress::bar(center.queues.len() as u64, "queues");
    let (mut predicted, how) = match engine_forecast(center, today, days, &pb) {
        Ok(p) => (
            p,
            "ccops-forecast, model chosen per queue by backtest".to_string(),
        ),
        Err(e) => (
            HashMap::new(),
            format!(
                "ccops-forecast failed ({e:#}); used {}",
                ccops_demo::baseline::BASELINE_MODEL
            ),
        ),
    };
    let horizon_end = today
        .checked_add_days(Days::new(days.into()))
        .unwrap_or(today);
    let horizon_holidays = ccops_demo::holidays::holidays_between(today, horizon_end);
    let mut out = Vec::new();
    for q in &center.queues {
        let mut p = predicted
            .remove(&q.id)
            .unwrap_or_else(|| baseline_forecast(center, q, today, days));
        for i in &mut p.points {
            let date = i.interval_start.with_timezone(&cst()).date_naive();
            i.holiday = horizon_holidays
                .iter()
                .find(|h| h.date == date)
                .map(|h| h.festival.name_zh().to_string());
        }
        let nf = NewForecast {
            queue_id: ids.queues[&q.id],
            model: p.model.clone(),
            interval_minutes: ccops_demo::history::INTERVAL_MINUTES.into(),
            params: serde_json::json!({ "horizon_days": days, "source": "ccops demo" }),
            accuracy: p.accuracy.clone(),
            intervals: p.points.clone(),
        };
        let f = store.create_forecast(&nf, &ids.planner).await?;
        out.push(QueueForecast {
            queue: q.id.clone(),
            id: f.id,
            intervals: p.points,
        });
    }
    pb.finish_and_clear();
    Ok((out, how))
}

/// Agents to schedule per (queue, local interval start).
type Required = Vec<(NaiveDateTime, String, f64)>;

/// The roster search stops when its objective has not improved by 0.1 % for this long.
const PLATEAU: Duration = Duration::from_secs(4);

/// Part of the queue's shrinkage the roster itself accounts for (paid breaks are placed by the
/// scheduler); the rest (absence, training, meetings) stays in the requirement.
const BREAKS_IN_ROSTER: f64 = 0.06;

async fn staffing(
    store: &Store,
    center: &Center,
    ids: &Ids,
    forecasts: &[QueueForecast],
) -> anyhow::Result<Required> {
    use ccops_queueing::{Model, StaffingCell, Targets, staff};
    let total: usize = forecasts.iter().map(|f| f.intervals.len()).sum();
    let pb = progress::bar(total as u64, "intervals");
    let interval_seconds = f64::from(ccops_demo::history::INTERVAL_MINUTES) * 60.0;
    let mut required = Vec::new();
    for f in forecasts {
        let Some(q) = center.queues.iter().find(|q| q.id == f.queue) else {
            continue;
        };
        let shrinkage = (q.shrinkage - BREAKS_IN_ROSTER).max(0.0);
        let targets = Targets {
            service_level: (q.channel != Channel::Email).then_some(q.sl_target),
            sl_seconds: q.sl_seconds.into(),
            max_occupancy: Some(q.max_occupancy),
            shrinkage,
            ..Targets::default()
        };
        let cells = staffing_cells(q, &f.intervals);
        let mut rows = Vec::with_capacity(cells.len());
        for (fi, volume) in f.intervals.iter().zip(cells) {
            let model = match (q.channel, q.patience_seconds) {
                (Channel::Email, _) => Model::Deferred,
                (_, Some(p)) => Model::ErlangA {
                    patience_seconds: p.into(),
                },
                (_, None) => Model::ErlangC,
            };
            let cell = StaffingCell {
                volume,
                interval_seconds,
                aht_seconds: fi.effective_aht(),
                model,
                concurrency: q.concurrency.unwrap_or(1),
            };
            let s = staff(&cell, &targets)
                .with_context(|| format!("staffing queue {} at {}", q.id, fi.interval_start))?;
            rows.push(ccops_store::StaffingInterval {
                interval_start: fi.interval_start,
                volume,
                aht_seconds: fi.effective_aht(),
                agents: s.agents.into(),
                required: s.scheduled_fractional,
                service_level: Some(s.performance.service_level),
                asa_seconds: Some(s.performance.asa_seconds),
                occupancy: Some(s.performance.occupancy),
            });
            let local = fi.interval_start.with_timezone(&cst()).naive_local();
            required.push((local, q.id.clone(), s.scheduled_fractional));
            pb.inc(1);
        }
        let params = serde_json::json!({
            "model": match q.channel { Channel::Email => "deferred (24 h deadline, spread over the desk's hours)", _ => "erlang_a" },
            "sl_target": q.sl_target, "sl_seconds": q.sl_seconds, "patience_seconds": q.patience_seconds,
            "concurrency": q.concurrency, "max_occupancy": q.max_occupancy, "shrinkage_in_requirement": shrinkage,
        });
        store
            .create_staffing_plan(f.id, ids.queues[&q.id], &params, &rows, &ids.planner)
            .await?;
    }
    pb.finish_and_clear();
    Ok(required)
}

/// Volume to staff per forecast interval. E-mail has a 24-hour deadline, so a day's arrivals
/// are worked evenly over the desk's hours (09:00–21:00) instead of when they arrive.
fn staffing_cells(q: &ccops_demo::Queue, intervals: &[ccops_store::ForecastInterval]) -> Vec<f64> {
    if q.channel != Channel::Email {
        return intervals.iter().map(|i| i.effective_volume()).collect();
    }
    let local = |i: &ccops_store::ForecastInterval| i.interval_start.with_timezone(&cst());
    let desk =
        |i: &ccops_store::ForecastInterval| (9..21).contains(&chrono::Timelike::hour(&local(i)));
    let mut per_day: HashMap<NaiveDate, (f64, usize)> = HashMap::new();
    for i in intervals {
        let e = per_day.entry(local(i).date_naive()).or_default();
        e.0 += i.effective_volume();
        if desk(i) {
            e.1 += 1;
        }
    }
    intervals
        .iter()
        .map(|i| {
            let (total, slots) = per_day[&local(i).date_naive()];
            if desk(i) && slots > 0 {
                total / slots as f64
            } else {
                0.0
            }
        })
        .collect()
}

async fn roster(
    store: &Store,
    center: &Center,
    ids: &Ids,
    required: &Required,
    today: NaiveDate,
    args: &DemoArgs,
) -> anyhow::Result<String> {
    use ccops_schedule::{Problem, Requirements, Rules, SolveOptions, solve};
    let days = 7 * args.roster_weeks;
    let end = today
        .checked_add_days(Days::new(days.into()))
        .unwrap_or(today);
    let start_local = today.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end_local = end.and_hms_opt(0, 0, 0).unwrap_or_default();
    let rows: Vec<(NaiveDateTime, String, f64, f64)> = required
        .iter()
        .filter(|r| r.0 >= start_local && r.0 < end_local)
        .map(|r| (r.0, r.1.clone(), r.2, 1.0))
        .collect();
    let slot_hours = f64::from(ccops_demo::history::INTERVAL_MINUTES) / 60.0;
    let required_hours: f64 = rows.iter().map(|r| r.2 * slot_hours).sum();
    let requirements = Requirements::from_rows(&rows)?;
    let holidays: Vec<NaiveDate> = ccops_demo::holidays::holidays_between(today, end)
        .iter()
        .filter(|h| h.kind == ccops_demo::DayKind::Off)
        .map(|h| h.date)
        .collect();
    let rules = Rules::from_toml(&center.rules.to_schedule_toml(&holidays))?;
    let agents = center
        .agents
        .iter()
        .map(|a| ccops_schedule::Agent {
            id: a.id.clone(),
            name: a.name.clone(),
            skills: a.skills.clone(),
            contract_minutes_per_week: a.contract_minutes_per_week,
            site: Some(a.site.clone()),
            team: Some(a.team.clone()),
        })
        .collect();
    let problem = Problem {
        requirements,
        agents,
        rules,
        existing: None,
    };
    let opts = SolveOptions {
        seed: args.seed,
        lower_bound: false,
        ..SolveOptions::default()
    };
    let pb = progress::bar(0, "moves");
    let budget = Duration::from_secs(args.roster_seconds.max(1));
    let t = Instant::now();
    // Stop at the budget, or earlier once the search has stopped improving for a few seconds.
    let mut best = (f64::INFINITY, Instant::now());
    let solution = solve(&problem, &opts, &mut |p| {
        pb.set_position(p.moves);
        pb.set_message(format!(
            "{} — under {:.0} h, over {:.0} h",
            p.phase, p.under_hours, p.over_hours
        ));
        if p.objective < best.0 * (1.0 - 1e-3) {
            best = (p.objective, Instant::now());
        }
        t.elapsed() < budget && best.1.elapsed() < PLATEAU
    })?;
    pb.finish_and_clear();

    // Split into weekly rosters: the first is published, the others stay drafts for the planner.
    let mut published = 0;
    for w in 0..args.roster_weeks {
        let ws = today
            .checked_add_days(Days::new((7 * w).into()))
            .unwrap_or(today)
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default();
        let we = ws + TimeDelta::days(7);
        let segments: Vec<ccops_store::Segment> = solution
            .roster
            .iter()
            .filter(|s| s.start >= ws && s.start < we)
            .filter_map(|s| {
                Some(ccops_store::Segment {
                    agent_id: *ids.agents.get(&s.agent_id)?,
                    start_at: local_to_utc(s.start),
                    end_at: local_to_utc(s.end),
                    activity: s.activity.clone(),
                    queue_id: None,
                })
            })
            .collect();
        let r = store
            .create_roster(
                &NewRoster {
                    name: format!(
                        "{} 周班表 week of {}",
                        if w == 0 { "本" } else { "下" },
                        ws.date()
                    ),
                    tenant_id: None,
                    period_start: local_to_utc(ws),
                    period_end: local_to_utc(we),
                    based_on: None,
                    segments,
                },
                &ids.planner,
            )
            .await?;
        if w == 0 {
            store.publish_roster(r.id, &ids.planner).await?;
            published = r.id;
        }
    }
    let on_shift = link_agent_user(store, ids, &solution.roster, today).await?;
    Ok(format!(
        "{on_shift}{} shifts for {:.0} required agent-h: short {:.0} agent-h, over {:.0}; week 1 published (roster {published})",
        solution.shifts, required_hours, solution.under_hours, solution.over_hours
    ))
}

/// Point the `agent` login at the first agent who works today, so a newcomer logging in as an
/// agent sees a shift this week (the generator links it to A001, who may be off today).
/// Returns a note for the summary line.
async fn link_agent_user(
    store: &Store,
    ids: &Ids,
    roster: &[ccops_schedule::Segment],
    today: NaiveDate,
) -> anyhow::Result<String> {
    let Some(first) = roster
        .iter()
        .filter(|s| s.activity == "work" && s.start.date() == today)
        .min_by(|a, b| (&a.agent_id, a.start).cmp(&(&b.agent_id, b.start)))
    else {
        return Ok(String::new());
    };
    let (Some(user), Some(&agent_id)) = (
        store.user_by_name("agent").await?,
        ids.agents.get(&first.agent_id),
    ) else {
        return Ok(String::new());
    };
    store
        .update_user(
            user.id,
            &user.role,
            user.tenant_id,
            Some(agent_id),
            &user.locale,
            false,
            None,
        )
        .await?;
    Ok(format!(
        "user `agent` = {} (on shift today from {}); ",
        first.agent_id,
        first.start.format("%H:%M")
    ))
}

/// The rules the roster was built with, as an editable file beside the database.
fn write_rules_file(
    dir: &Path,
    center: &Center,
    today: NaiveDate,
    weeks: u32,
) -> anyhow::Result<()> {
    let end = today
        .checked_add_days(Days::new((7 * weeks).into()))
        .unwrap_or(today);
    let holidays: Vec<NaiveDate> = ccops_demo::holidays::holidays_between(today, end)
        .iter()
        .map(|h| h.date)
        .collect();
    let path = dir.join("rules.toml");
    let tmp = dir.join("rules.toml.tmp");
    std::fs::write(&tmp, center.rules.to_schedule_toml(&holidays))
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn print_logins(center: &Center) {
    println!("logins ({}):", ccops_demo::DEMO_PASSWORD_NOTE);
    for u in &center.users {
        println!(
            "  {:<14} {:<12} {:<18} {}",
            u.role.as_str(),
            u.username,
            u.password,
            u.display_name
        );
    }
}

async fn serve(store: Store, args: &DemoArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}:{} (try --port 0)",
                args.host, args.port
            )
        })?;
    let addr = listener.local_addr()?;
    let state = ccops_server::AppState::new(store, ccops_server::Config::default());
    if !args.no_floor {
        let floor_state = state.clone();
        let opts = ccops_server::floor::DemoFloorOptions {
            seed: args.seed,
            ..Default::default()
        };
        tokio::spawn(async move {
            if let Err(e) = ccops_server::floor::run_demo_floor(floor_state, opts).await {
                eprintln!("live floor simulation stopped: {e:#}");
            }
        });
    }
    // The server must outlive whoever reads stdout: a closed pipe is not a reason to stop.
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "ccops demo is running at http://{addr}/  (live floor: http://{addr}/floor, API docs: http://{addr}/api/docs)"
    );
    let _ = writeln!(out, "press Ctrl-C to stop");
    let _ = out.flush();
    ccops_server::serve_listener(state, listener).await
}
