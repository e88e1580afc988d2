//! The demo floor: run `ccops-sim` against today's published roster and the latest forecasts,
//! feeding its agent state events and queue statistics through the same ingest path as an ACD
//! (so the floor, adherence, intraday and alerts all see them), with occasional surges that
//! push volume over forecast and raise an alert.

use super::{ingest, view};
use crate::AppState;
use ccops_floor::StateEvent;
use ccops_formats::events::QueueStats;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// How the demo floor runs.
#[derive(Debug, Clone)]
pub struct DemoFloorOptions {
    /// 1.0 = real time: the simulated day is fast-forwarded to now, then follows the clock.
    /// Above 1 the simulated clock runs faster than the wall clock (tests, screenshots); event
    /// times are then simulated times of today.
    pub speed: f64,
    pub seed: u64,
    /// A surge starts this long (simulated) after the demo starts, and again every
    /// `surge_every` after that.
    pub first_surge_after: Duration,
    pub surge_every: Duration,
    pub surge_length: Duration,
    /// Volume multiplier during a surge (1.8 = 80 % over forecast).
    pub surge_factor: f64,
    /// Wall-clock pause between steps.
    pub tick: std::time::Duration,
    /// Stop after this much simulated time (None = end of day).
    pub run_for: Option<Duration>,
}

impl Default for DemoFloorOptions {
    fn default() -> Self {
        DemoFloorOptions {
            speed: 1.0,
            seed: 20261122,
            first_surge_after: Duration::minutes(10),
            surge_every: Duration::hours(3),
            surge_length: Duration::minutes(45),
            surge_factor: 1.8,
            tick: std::time::Duration::from_secs(1),
            run_for: None,
        }
    }
}

/// What the demo fed in.
#[derive(Debug, Clone, Default)]
pub struct DemoFloorReport {
    pub events: u64,
    pub stats_lines: u64,
    pub agents: usize,
    pub queues: usize,
}

/// Run the simulated floor for today until the day ends (or `run_for`). Needs a published
/// roster overlapping today and a forecast per queue; returns an error naming what is missing.
pub async fn run_demo_floor(state: AppState, opts: DemoFloorOptions) -> anyhow::Result<DemoFloorReport> {
    super::start_background(&state);
    let store = &state.store;
    let tz = crate::ui::center_tz(&state, None).await;
    let (origin, day_end) = view::day_bounds(tz, Utc::now().with_timezone(&tz).date_naive());
    let secs = |t: DateTime<Utc>| (t - origin).num_milliseconds() as f64 / 1000.0;

    // Queues with their skill codes.
    let skills: HashMap<i64, String> = store.list_skills().await?.into_iter().map(|s| (s.id, s.code)).collect();
    let queues = store.list_queues(None).await?;
    let interval_minutes = queues.first().map_or(15, |q| q.interval_minutes.max(1));
    let interval_seconds = (interval_minutes * 60) as f64;
    let mut qspecs = Vec::new();
    let mut forecast = Vec::new();
    let now0 = Utc::now();
    let surge_start = secs(now0) + opts.first_surge_after.num_seconds() as f64;
    let in_surge = |t: f64| {
        if t < surge_start {
            return false;
        }
        let every = opts.surge_every.num_seconds().max(1) as f64;
        (t - surge_start) % every < opts.surge_length.num_seconds() as f64
    };
    for q in &queues {
        let Some(f) = store.list_forecasts(Some(q.id)).await?.into_iter().max_by_key(|f| f.id) else { continue };
        let channel = match q.channel.as_str() {
            "chat" => ccops_sim::Channel::Chat,
            "email" | "ticket" | "deferred" => ccops_sim::Channel::Deferred,
            _ => ccops_sim::Channel::Voice,
        };
        let mut spec = ccops_sim::QueueSpec::new(&q.code, channel);
        spec.skill = q.skill_id.and_then(|s| skills.get(&s).cloned()).unwrap_or_else(|| q.code.clone());
        spec.sl_seconds = q.sl_seconds;
        spec.sl_target = q.sl_target;
        if let Some(p) = q.patience_seconds {
            spec.patience = ccops_sim::Patience::Exponential { mean_seconds: p };
        }
        let qi = qspecs.len();
        for fi in store.forecast_intervals(f.id).await? {
            if fi.interval_start < origin || fi.interval_start >= day_end {
                continue;
            }
            let start = secs(fi.interval_start);
            let factor = if in_surge(start) { opts.surge_factor } else { 1.0 };
            forecast.push(ccops_sim::ForecastInterval {
                queue: qi,
                start,
                length: (f.interval_minutes * 60) as f64,
                volume: fi.effective_volume() * factor,
                aht_seconds: fi.effective_aht().max(1.0),
            });
        }
        qspecs.push(spec);
    }
    anyhow::ensure!(!qspecs.is_empty() && !forecast.is_empty(), "no forecast covers today: create forecasts first");

    // Agents, their skills, and today's published roster.
    let agents = store.list_agents(None).await?;
    let agent_skills = store.agent_skills(None).await?;
    let segments = store.published_segments(None, origin, day_end).await?;
    anyhow::ensure!(!segments.is_empty(), "no published roster covers today: publish a roster first");
    let index: HashMap<i64, usize> = agents.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let specs: Vec<ccops_sim::AgentSpec> = agents
        .iter()
        .map(|a| ccops_sim::AgentSpec {
            id: a.code.clone(),
            skills: agent_skills.iter().filter(|s| s.agent_id == a.id).map(|s| ccops_sim::AgentSkill::new(&s.skill_code)).collect(),
        })
        .collect();
    let roster: Vec<ccops_sim::RosterSegment> = segments
        .iter()
        .filter_map(|s| {
            Some(ccops_sim::RosterSegment {
                agent: *index.get(&s.agent_id)?,
                start: secs(s.start_at).max(0.0),
                end: secs(s.end_at).min(secs(day_end)),
                activity: ccops_sim::Activity::parse(&s.activity),
            })
        })
        .filter(|s| s.end > s.start)
        .collect();
    let model = ccops_sim::Model {
        queues: qspecs,
        agents: specs,
        roster,
        forecast,
        selection: ccops_sim::AgentSelection::default(),
        adherence: ccops_sim::AdherenceNoise {
            late_login_probability: 0.15,
            late_login_mean_seconds: 240.0,
            long_break_probability: 0.2,
            long_break_mean_seconds: 180.0,
        },
        interval_seconds,
        drain_seconds: 0.0,
    };
    let compiled = Arc::new(model.compile().map_err(|e| anyhow::anyhow!("{e}"))?);
    let mut sim = ccops_sim::Simulation::new(Arc::clone(&compiled), opts.seed, 0, ccops_sim::SimOptions { record_events: true });
    let names: Vec<String> = model.agents.iter().map(|a| a.id.clone()).collect();
    let qnames: Vec<String> = model.queues.iter().map(|q| q.name.clone()).collect();
    let date_tag = origin.format("%Y%m%d").to_string();
    let mut report = DemoFloorReport { agents: names.len(), queues: qnames.len(), ..Default::default() };
    let mut stats_sent = 0usize; // intervals already reported
    let started_wall = std::time::Instant::now();
    let start_sim = secs(now0).max(0.0);
    let stop_at = opts.run_for.map_or(f64::INFINITY, |d| start_sim + d.num_seconds() as f64);
    tracing::info!(agents = report.agents, queues = report.queues, speed = opts.speed, "demo floor running");
    loop {
        let target = (start_sim + started_wall.elapsed().as_secs_f64() * opts.speed.max(0.01)).min(stop_at);
        let raw = sim.advance_to(target);
        let events: Vec<StateEvent> = raw
            .iter()
            .filter_map(|e| {
                Some(StateEvent {
                    event_id: format!("demo-{date_tag}-{}", sim.event_id(e)),
                    agent_id: names.get(e.agent as usize)?.clone(),
                    state: e.state.as_str().parse().ok()?,
                    at: origin + Duration::milliseconds((e.at * 1000.0) as i64),
                    queue: e.queue.and_then(|q| qnames.get(q as usize).cloned()),
                    reason: e.reason.map(|r| sim.reason_name(r).to_string()).filter(|r| !r.is_empty()),
                })
            })
            .collect();
        // Queue statistics of every interval that has ended.
        let done = (sim.now() / interval_seconds).floor() as usize;
        let mut stats = Vec::new();
        for k in stats_sent..done {
            for (qi, name) in qnames.iter().enumerate() {
                let Some(c) = sim.counts().get(qi).and_then(|v| v.get(k)) else { continue };
                stats.push(QueueStats {
                    queue: name.clone(),
                    interval_start: origin + Duration::seconds((k as f64 * interval_seconds) as i64),
                    interval_minutes: interval_minutes as u32,
                    offered: c.offered as f64,
                    answered: c.answered as f64,
                    abandoned: c.abandoned as f64,
                    answered_within_sl: Some(c.answered_in_sl as f64),
                    short_abandoned: Some(c.abandoned_short as f64),
                    aht_seconds: (c.answered > 0).then(|| c.handle_seconds / c.answered as f64),
                });
            }
        }
        stats_sent = stats_sent.max(done);
        for chunk in events.chunks(5000) {
            ingest::store_parsed(&state, 0, "demo", chunk, &[]).await?;
        }
        if !stats.is_empty() {
            ingest::store_parsed(&state, 0, "demo", &[], &stats).await?;
        }
        report.events += events.len() as u64;
        report.stats_lines += stats.len() as u64;
        if sim.is_finished() || target >= stop_at || origin + Duration::seconds(target as i64) >= day_end {
            break;
        }
        tokio::time::sleep(opts.tick).await;
    }
    Ok(report)
}
