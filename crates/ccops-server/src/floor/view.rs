//! Builds the floor's views from the database and the pure engine: live tiles, team/site
//! summaries, the adherence report and the intraday table.

use super::db::{self, from_ms, ms};
use crate::AppState;
use ccops_floor::{
    Activity, AdherenceRules, AdherenceTotals, AgentNow, ExceptionWindow, GroupSummary, IntervalFacts, ScheduledSegment, StateEvent,
    Timeline, Violation, agent_adherence, agent_now, by_agent, flatten_schedule, summarize,
};
use ccops_store::Result;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// `[local midnight, next local midnight)` of `date` in `tz`, as UTC instants.
pub fn day_bounds(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |d: NaiveDate| {
        let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&naive))
    };
    (at(date), at(date.succ_opt().unwrap_or(date)))
}

/// How far back to look for the state an agent carried into the day.
const CARRY_IN: Duration = Duration::hours(16);

/// One agent on the floor with its roster and org data.
#[derive(Debug, Clone, Serialize)]
pub struct Tile {
    pub code: String,
    pub name: String,
    pub team: String,
    pub state: String,
    pub since_ms: i64,
    pub scheduled: Option<String>,
    pub in_adherence: bool,
    pub mismatch_since_ms: Option<i64>,
    pub adherence: Option<f64>,
    pub conformance: Option<f64>,
    /// Today's flattened schedule: `[start_ms, end_ms, activity]`.
    pub schedule: Vec<(i64, i64, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub name: String,
    pub summary: GroupSummary,
    pub adherence: Option<f64>,
    pub conformance: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub now_ms: i64,
    pub day_start_ms: i64,
    pub cursor: i64,
    pub tiles: Vec<Tile>,
    pub teams: Vec<GroupView>,
    pub site: GroupView,
}

/// Everything known about the agents of one day.
pub struct DayData {
    pub agents: Vec<(String, String, String)>, // code, name, team
    pub schedules: HashMap<String, Vec<ScheduledSegment>>,
    pub events: Vec<StateEvent>,
    pub exceptions: HashMap<String, Vec<ExceptionWindow>>,
}

/// Load agents (tenant-scoped), the published roster, events and approved exceptions of a day.
/// `scheduled_only`: load events only of agents with a published schedule that day (adherence
/// and alerts look at no one else; the live tiles show everyone).
pub async fn load_day(state: &AppState, tenant: Option<i64>, from: DateTime<Utc>, until: DateTime<Utc>, scheduled_only: bool) -> Result<DayData> {
    let store = &state.store;
    let teams: HashMap<i64, String> = store.list_teams().await?.into_iter().map(|t| (t.id, t.name)).collect();
    let agents_rows = store.list_agents(tenant).await?;
    let by_id: HashMap<i64, String> = agents_rows.iter().map(|a| (a.id, a.code.clone())).collect();
    let mut agents: Vec<(String, String, String)> = agents_rows
        .iter()
        .filter(|a| a.active)
        .map(|a| (a.code.clone(), a.name.clone(), a.team_id.and_then(|t| teams.get(&t).cloned()).unwrap_or_else(|| "—".into())))
        .collect();
    let mut schedules: HashMap<String, Vec<ScheduledSegment>> = HashMap::new();
    for s in store.published_segments(None, from, until).await? {
        let Some(code) = by_id.get(&s.agent_id) else { continue };
        // Site-specific activities the floor does not know are not scheduled time.
        let activity = s.activity.parse::<Activity>().unwrap_or(Activity::Off);
        schedules.entry(code.clone()).or_default().push(ScheduledSegment { start: s.start_at, end: s.end_at, activity });
    }
    let events = if scheduled_only {
        let codes: Vec<&str> = schedules.keys().map(String::as_str).collect();
        db::events_of_agents(store, &codes, from - CARRY_IN, until).await?
    } else {
        db::events_between(store, None, from - CARRY_IN, until).await?
    };
    // Event sources may report agents not (yet) in the org data: show them to center staff.
    if tenant.is_none() && !scheduled_only {
        let known: std::collections::HashSet<String> = agents.iter().map(|a| a.0.clone()).collect();
        let mut extra: Vec<String> = events.iter().filter(|e| !known.contains(&e.agent_id)).map(|e| e.agent_id.clone()).collect();
        extra.sort();
        extra.dedup();
        agents.extend(extra.into_iter().map(|c| (c.clone(), c, "(unassigned)".into())));
    } 
    let mut exceptions: HashMap<String, Vec<ExceptionWindow>> = HashMap::new();
    for x in db::list_exceptions(store, None, Some("approved"), from, until).await? {
        exceptions.entry(x.agent_code).or_default().push(ExceptionWindow { start: from_ms(x.start_ms), end: from_ms(x.end_ms) });
    }
    Ok(DayData { agents, schedules, events, exceptions })
}

fn group_view(name: String, summary: GroupSummary) -> GroupView {
    GroupView { adherence: summary.totals.adherence(), conformance: summary.totals.conformance(), name, summary }
}

/// The live floor at `now` for the day starting at `day_start`.
pub async fn snapshot(state: &AppState, tenant: Option<i64>, day_start: DateTime<Utc>, day_end: DateTime<Utc>, now: DateTime<Utc>) -> Result<Snapshot> {
    let cursor = db::stream_cursor(&state.store).await?;
    let day = load_day(state, tenant, day_start, day_end, false).await?;
    let rules = AdherenceRules::default();
    let grouped = by_agent(day.events.iter());
    let empty: Vec<&StateEvent> = Vec::new();
    let mut tiles = Vec::with_capacity(day.agents.len());
    let mut nows: Vec<AgentNow> = Vec::with_capacity(day.agents.len());
    let mut team_of: HashMap<String, String> = HashMap::new();
    for (code, name, team) in &day.agents {
        let sched = day.schedules.get(code).map(Vec::as_slice).unwrap_or(&[]);
        let exc = day.exceptions.get(code).map(Vec::as_slice).unwrap_or(&[]);
        let evs = grouped.get(code.as_str()).unwrap_or(&empty);
        let a = agent_now(code, evs.iter().copied(), sched, exc, day_start, now.min(day_end), &rules);
        tiles.push(Tile {
            code: code.clone(),
            name: name.clone(),
            team: team.clone(),
            state: a.state.as_str().into(),
            since_ms: ms(a.since),
            scheduled: a.scheduled.map(|s| s.as_str().to_string()),
            in_adherence: a.in_adherence,
            mismatch_since_ms: a.mismatch_since.map(ms),
            adherence: a.totals.adherence(),
            conformance: a.totals.conformance(),
            schedule: flatten_schedule(sched).into_iter().map(|s| (ms(s.start), ms(s.end), s.activity.as_str().to_string())).collect(),
        });
        team_of.insert(code.clone(), team.clone());
        nows.push(a);
    }
    let (teams, site) = summarize(nows.iter(), |c| team_of.get(c).cloned().unwrap_or_default());
    Ok(Snapshot {
        now_ms: ms(now),
        day_start_ms: ms(day_start),
        cursor,
        tiles,
        teams: teams.into_iter().map(|(n, s)| group_view(n, s)).collect(),
        site: group_view("site".into(), site),
    })
}

/// The live tiles only (for alert evaluation).
pub async fn live_agents(state: &AppState, day_start: DateTime<Utc>, day_end: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<AgentNow>> {
    let day = load_day(state, None, day_start, day_end, true).await?;
    let grouped = by_agent(day.events.iter());
    let rules = AdherenceRules::default();
    Ok(day
        .agents
        .iter()
        .filter_map(|(code, _, _)| {
            let sched = day.schedules.get(code)?;
            let exc = day.exceptions.get(code).map(Vec::as_slice).unwrap_or(&[]);
            let evs = grouped.get(code.as_str()).cloned().unwrap_or_default();
            Some(agent_now(code, evs, sched, exc, day_start, now.min(day_end), &rules))
        })
        .collect())
}

/// One agent's adherence for a day, with reasons.
#[derive(Debug, Clone, Serialize)]
pub struct AgentReport {
    pub code: String,
    pub name: String,
    pub team: String,
    pub totals: AdherenceTotals,
    pub adherence: Option<f64>,
    pub adherence_without_exceptions: Option<f64>,
    pub conformance: Option<f64>,
    pub out_minutes: f64,
    /// (reason, minutes) not tolerated nor excepted.
    pub reasons: Vec<(String, f64)>,
    pub violations: Vec<ViolationView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ViolationView {
    pub start_ms: i64,
    pub end_ms: i64,
    pub activity: String,
    pub state: String,
    pub reason: String,
    pub minutes: f64,
    pub excepted: bool,
}

impl From<&Violation> for ViolationView {
    fn from(v: &Violation) -> Self {
        ViolationView {
            start_ms: ms(v.start),
            end_ms: ms(v.end),
            activity: v.activity.as_str().into(),
            state: v.state.as_str().into(),
            reason: v.reason.as_str().into(),
            minutes: v.millis() as f64 / 60_000.0,
            excepted: v.excepted,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AdherenceReport {
    pub agents: Vec<AgentReport>,
    pub teams: Vec<(String, AdherenceTotals, Option<f64>, Option<f64>)>,
    pub site: AdherenceTotals,
    pub site_adherence: Option<f64>,
    pub site_conformance: Option<f64>,
}

/// Adherence per agent and team over `[from, until)` (until = now for today).
pub async fn adherence_report(state: &AppState, tenant: Option<i64>, from: DateTime<Utc>, until: DateTime<Utc>, team: Option<&str>) -> Result<AdherenceReport> {
    let day = load_day(state, tenant, from, until, true).await?;
    let grouped = by_agent(day.events.iter());
    let rules = AdherenceRules::default();
    let mut agents = Vec::new();
    let mut teams: BTreeMap<String, AdherenceTotals> = BTreeMap::new();
    let mut site = AdherenceTotals::default();
    for (code, name, t) in &day.agents {
        if team.is_some_and(|x| x != t) {
            continue;
        }
        let Some(sched) = day.schedules.get(code) else { continue };
        let evs = grouped.get(code.as_str()).cloned().unwrap_or_default();
        let tl = Timeline::build(evs, from, until);
        let exc = day.exceptions.get(code).map(Vec::as_slice).unwrap_or(&[]);
        let r = agent_adherence(&tl, sched, exc, from, until, &rules);
        teams.entry(t.clone()).or_default().add(&r.totals);
        site.add(&r.totals);
        agents.push(AgentReport {
            code: code.clone(),
            name: name.clone(),
            team: t.clone(),
            adherence: r.totals.adherence(),
            adherence_without_exceptions: r.totals.adherence_without_exceptions(),
            conformance: r.totals.conformance(),
            out_minutes: r.totals.out_of_adherence_ms() as f64 / 60_000.0,
            reasons: r.by_reason().into_iter().map(|(k, v)| (k.as_str().to_string(), v as f64 / 60_000.0)).collect(),
            violations: r.violations.iter().filter(|v| !v.tolerated).map(ViolationView::from).collect(),
            totals: r.totals,
        });
    }
    Ok(AdherenceReport {
        agents,
        teams: teams.into_iter().map(|(n, t)| { let (a, c) = (t.adherence(), t.conformance()); (n, t, a, c) }).collect(),
        site_adherence: site.adherence(),
        site_conformance: site.conformance(),
        site,
    })
}

/// Intraday rows of one queue.
#[derive(Debug, Clone, Serialize)]
pub struct IntradayQueue {
    pub queue: String,
    pub rows: Vec<IntradayRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IntradayRow {
    pub start_ms: i64,
    pub facts: IntervalFacts,
    pub service_level: Option<f64>,
    pub gap: Option<f64>,
}

/// Actual vs forecast vs required per interval for every queue with a forecast or stats today,
/// with the re-forecast of the rest of the day and the staffing gap.
pub async fn intraday(state: &AppState, from: DateTime<Utc>, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<IntradayQueue>> {
    let store = &state.store;
    let stats = db::stats_between(store, from, until).await?;
    let mut facts: BTreeMap<String, BTreeMap<i64, IntervalFacts>> = BTreeMap::new();
    for s in stats {
        facts.entry(s.queue.clone()).or_default().insert(
            ms(s.interval_start),
            IntervalFacts {
                queue: s.queue.clone(),
                start: s.interval_start,
                interval_minutes: s.interval_minutes,
                offered: Some(s.offered),
                answered: Some(s.answered),
                abandoned: Some(s.abandoned),
                answered_within_sl: s.answered_within_sl,
                short_abandoned: s.short_abandoned,
                ..Default::default()
            },
        );
    }
    // Forecast volume and AHT from the latest forecast of each queue; queue targets for staffing.
    let queues = store.list_queues(None).await?;
    let mut aht: HashMap<(String, i64), f64> = HashMap::new();
    let mut targets: HashMap<String, ccops_queueing::Targets> = HashMap::new();
    for q in &queues {
        targets.insert(
            q.code.clone(),
            ccops_queueing::Targets { service_level: Some(q.sl_target), sl_seconds: q.sl_seconds, ..Default::default() },
        );
        let Some(f) = store.list_forecasts(Some(q.id)).await?.into_iter().max_by_key(|f| f.id) else { continue };
        let entry = facts.entry(q.code.clone()).or_default();
        let im = u32::try_from(f.interval_minutes).unwrap_or(15);
        for fi in store.forecast_intervals(f.id).await? {
            if fi.interval_start < from || fi.interval_start >= until {
                continue;
            }
            aht.insert((q.code.clone(), ms(fi.interval_start)), fi.effective_aht());
            let e = entry.entry(ms(fi.interval_start)).or_insert_with(|| IntervalFacts {
                queue: q.code.clone(),
                start: fi.interval_start,
                interval_minutes: im,
                ..Default::default()
            });
            e.forecast = Some(fi.effective_volume());
        }
    }
    // Staffed: average productive agents per interval from today's events (all queues share the
    // floor; agents are not split per queue here).
    let events = db::events_between(store, None, from - CARRY_IN, now.min(until)).await?;
    let timelines: Vec<Timeline> = by_agent(events.iter()).into_values().map(|evs| Timeline::build(evs, from, now.min(until))).collect();
    let mut out = Vec::new();
    for (queue, rows) in facts {
        let starts: Vec<DateTime<Utc>> = rows.values().map(|f| f.start).collect();
        let len = Duration::minutes(i64::from(rows.values().next().map_or(15, |f| f.interval_minutes)));
        let staffed = ccops_floor::staffed_per_interval(&timelines, &starts, len);
        let forecast: Vec<f64> = rows.values().map(|f| f.forecast.unwrap_or(0.0)).collect();
        let actual: Vec<Option<f64>> = rows.values().map(|f| if f.start + len <= now { f.offered } else { None }).collect();
        let refc = ccops_floor::scale_reforecast(&forecast, &actual);
        let mut view = Vec::new();
        let tg = targets.get(&queue).cloned().unwrap_or_default();
        for (i, (start, mut f)) in rows.into_iter().enumerate() {
            if f.start >= now {
                f.reforecast = refc.get(i).copied();
            } else {
                f.staffed = staffed.get(i).copied();
            }
            // Agents needed on the phones (Erlang C at the queue's target) for the volume that
            // matters: the re-forecast for the rest of the day, the forecast before.
            let volume = f.reforecast.or(f.forecast);
            if let (Some(v), Some(a)) = (volume, aht.get(&(queue.clone(), start)))
                && *a > 0.0
            {
                let cell = ccops_queueing::StaffingCell::voice(v, len.num_seconds() as f64, *a, ccops_queueing::Model::ErlangC);
                f.required = ccops_queueing::staff(&cell, &tg).ok().map(|s| s.agents_fractional);
            }
            view.push(IntradayRow { start_ms: start, service_level: f.service_level(), gap: f.gap(), facts: f });
        }
        out.push(IntradayQueue { queue, rows: view });
    }
    Ok(out)
}
