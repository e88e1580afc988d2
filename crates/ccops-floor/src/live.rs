//! The live floor: each agent's state now against the schedule, and team / site summaries.

use crate::adherence::{AdherenceRules, AdherenceTotals, ExceptionWindow, ScheduledSegment, agent_adherence, flatten_schedule};
use crate::state::{Activity, AgentState};
use crate::timeline::{StateEvent, Timeline};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One tile on the floor view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentNow {
    pub agent_id: String,
    pub state: AgentState,
    /// When the agent entered `state` (may be before the day started).
    pub since: DateTime<Utc>,
    /// Scheduled activity now; None when nothing is scheduled (off).
    pub scheduled: Option<Activity>,
    /// The current state matches the schedule (always true when unscheduled).
    pub in_adherence: bool,
    /// Start of the current out-of-adherence run (excluding approved exceptions).
    pub mismatch_since: Option<DateTime<Utc>>,
    /// Adherence and conformance from the start of the day until now.
    pub totals: AdherenceTotals,
}

impl AgentNow {
    /// Milliseconds in the current state.
    pub fn time_in_state_ms(&self, now: DateTime<Utc>) -> i64 {
        (now - self.since).num_milliseconds().max(0)
    }
    /// Milliseconds out of adherence right now (0 when adherent).
    pub fn mismatch_ms(&self, now: DateTime<Utc>) -> i64 {
        self.mismatch_since.map_or(0, |s| (now - s).num_milliseconds().max(0))
    }
}

/// Compute one agent's tile at `now`, with adherence "so far" over `[day_start, now)`.
/// `events` are that agent's events (any order, duplicates allowed), including the last one
/// before `day_start` if the caller wants the carried-in state.
pub fn agent_now<'a>(
    agent_id: &str,
    events: impl IntoIterator<Item = &'a StateEvent>,
    schedule: &[ScheduledSegment],
    exceptions: &[ExceptionWindow],
    day_start: DateTime<Utc>,
    now: DateTime<Utc>,
    rules: &AdherenceRules,
) -> AgentNow {
    let events: Vec<&StateEvent> = events.into_iter().collect();
    let tl = Timeline::build(events.iter().copied(), day_start, now);
    let adh = agent_adherence(&tl, schedule, exceptions, day_start, now, rules);
    // "since" looks before the window: the span start is clipped to day_start otherwise.
    let last = crate::timeline::dedup_sorted(events.iter().copied()).into_iter().rev().find(|e| e.at <= now);
    let (state, since) = match (tl.last(), last) {
        (Some(span), Some(e)) if e.at < day_start => (span.state, e.at),
        (Some(span), _) => (span.state, span.start),
        (None, Some(e)) => (e.state, e.at),
        (None, None) => (AgentState::Logout, day_start),
    };
    let scheduled = flatten_schedule(schedule)
        .into_iter()
        .find(|s| s.start <= now && now < s.end)
        .map(|s| s.activity)
        .filter(|a| a.is_scheduled());
    let in_adherence = scheduled.is_none_or(|a| rules.map.accepts(a, state));
    let mismatch_since = if in_adherence { None } else { adh.open_mismatch_since(now) };
    AgentNow { agent_id: agent_id.to_string(), state, since, scheduled, in_adherence, mismatch_since, totals: adh.totals }
}

/// Counts and adherence for a group of agents (a team or the whole site).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupSummary {
    pub agents: u32,
    pub logged_in: u32,
    pub by_state: BTreeMap<AgentState, u32>,
    /// Scheduled now and matching.
    pub in_adherence: u32,
    /// Scheduled now and not matching (excluding approved exceptions).
    pub out_of_adherence: u32,
    pub totals: AdherenceTotals,
}

/// Summaries per group key (e.g. team) and for everyone. `group_of` maps an agent to its group.
pub fn summarize<'a>(
    tiles: impl IntoIterator<Item = &'a AgentNow>,
    group_of: impl Fn(&str) -> String,
) -> (BTreeMap<String, GroupSummary>, GroupSummary) {
    let mut groups: BTreeMap<String, GroupSummary> = BTreeMap::new();
    let mut site = GroupSummary::default();
    for a in tiles {
        let g = groups.entry(group_of(&a.agent_id)).or_default();
        for s in [&mut *g, &mut site] {
            s.agents += 1;
            if a.state.is_logged_in() {
                s.logged_in += 1;
            }
            *s.by_state.entry(a.state).or_default() += 1;
            if a.scheduled.is_some() {
                if a.in_adherence {
                    s.in_adherence += 1;
                } else if a.mismatch_since.is_some() {
                    s.out_of_adherence += 1;
                }
            }
            s.totals.add(&a.totals);
        }
    }
    (groups, site)
}

/// Average number of agents in a productive state (ready/talking/ACW) over each interval
/// `[start_k, start_k + len)`: the "actual staffed" line of the intraday view.
pub fn staffed_per_interval(timelines: &[Timeline], starts: &[DateTime<Utc>], len: chrono::Duration) -> Vec<f64> {
    let len_ms = len.num_milliseconds();
    starts
        .iter()
        .map(|&s| {
            if len_ms <= 0 {
                return 0.0;
            }
            let ms: i64 = timelines.iter().map(|t| t.millis_where(s, s + len, AgentState::is_productive)).sum();
            ms as f64 / len_ms as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{ev, seg, t};

    #[test]
    fn tile_and_summary() {
        let sched = vec![seg("09:00", "10:00", Activity::Work), seg("10:00", "10:15", Activity::Break)];
        let evs = vec![ev("0", "a", AgentState::Ready, t("08:55")), ev("1", "a", AgentState::Break, t("09:40"))];
        let now = t("09:50");
        let a = agent_now("a", &evs, &sched, &[], t("09:00"), now, &AdherenceRules::default());
        assert_eq!(a.state, AgentState::Break);
        assert_eq!(a.since, t("09:40"));
        assert_eq!(a.scheduled, Some(Activity::Work));
        assert!(!a.in_adherence);
        assert_eq!(a.mismatch_ms(now), 10 * 60_000);
        assert_eq!(a.time_in_state_ms(now), 10 * 60_000);
        let b = agent_now("b", &[], &sched, &[], t("09:00"), now, &AdherenceRules::default());
        assert_eq!(b.state, AgentState::Logout);
        let c = agent_now("c", &evs[..1], &sched, &[], t("09:00"), now, &AdherenceRules::default());
        assert_eq!(c.since, t("08:55"), "carried-in state keeps its real start");
        assert!(c.in_adherence);
        let (teams, site) = summarize([&a, &b, &c], |id| if id == "a" { "t1".into() } else { "t2".into() });
        assert_eq!(site.agents, 3);
        assert_eq!(site.logged_in, 2);
        assert_eq!(site.in_adherence, 1);
        assert_eq!(site.out_of_adherence, 2);
        assert_eq!(teams["t2"].agents, 2);
    }

    #[test]
    fn staffed_average() {
        let evs = vec![ev("1", "a", AgentState::Ready, t("09:00")), ev("2", "a", AgentState::Logout, t("09:15"))];
        let tl = Timeline::build(&evs, t("09:00"), t("10:00"));
        let s = staffed_per_interval(&[tl.clone(), tl], &[t("09:00"), t("09:30")], chrono::Duration::minutes(30));
        assert_eq!(s, vec![1.0, 0.0]);
    }
}
