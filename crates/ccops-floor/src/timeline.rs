//! Agent state events → per-agent timelines of half-open state spans.
//!
//! Events may arrive late, out of order, or more than once (at-least-once delivery from the ACD
//! or a message bus). A timeline is a pure function of the *set* of distinct event ids: events are
//! deduplicated by `event_id` and ordered by `(at, event_id)`, so any arrival order gives the same
//! timeline. That is what makes reprocessing a window after a late event idempotent.

use crate::state::AgentState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One agent state change as reported by the ACD/CTI (the `events` exchange format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEvent {
    /// Unique per source; the idempotency key.
    pub event_id: String,
    pub agent_id: String,
    pub state: AgentState,
    /// When the agent entered `state` (ACD clock).
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Not-ready reason code from the ACD, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `[start, end)` in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateSpan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub state: AgentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl StateSpan {
    pub fn millis(&self) -> i64 {
        (self.end - self.start).num_milliseconds()
    }
}

/// The reconstructed state history of one agent over a window `[from, until)`. Spans are
/// contiguous, non-overlapping, cover the whole window, and have positive length.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Timeline {
    pub spans: Vec<StateSpan>,
}

/// Distinct events (first occurrence of each `event_id` in `(at, event_id)` order), sorted.
/// Independent of input order, so safe to call on any mix of old and newly arrived events.
pub fn dedup_sorted<'a, I>(events: I) -> Vec<&'a StateEvent>
where
    I: IntoIterator<Item = &'a StateEvent>,
{
    let mut all: Vec<&StateEvent> = events.into_iter().collect();
    // Full key so that two copies of one id that disagree still sort deterministically.
    all.sort_by(|a, b| {
        (a.at, &a.event_id, a.state, &a.agent_id).cmp(&(b.at, &b.event_id, b.state, &b.agent_id))
    });
    let mut seen = HashSet::with_capacity(all.len());
    all.retain(|e| seen.insert(e.event_id.as_str()));
    all
}

/// Group events by agent (deduplicated and sorted within each agent).
pub fn by_agent<'a, I>(events: I) -> BTreeMap<&'a str, Vec<&'a StateEvent>>
where
    I: IntoIterator<Item = &'a StateEvent>,
{
    let mut map: BTreeMap<&str, Vec<&StateEvent>> = BTreeMap::new();
    for e in dedup_sorted(events) {
        map.entry(e.agent_id.as_str()).or_default().push(e);
    }
    map
}

impl Timeline {
    /// Build one agent's timeline on `[from, until)` from its events (any order, duplicates
    /// allowed; events of other agents must not be passed). The state at `from` is the last
    /// event at or before `from`, or `Logout` when there is none. Empty when `until <= from`.
    pub fn build<'a, I>(events: I, from: DateTime<Utc>, until: DateTime<Utc>) -> Timeline
    where
        I: IntoIterator<Item = &'a StateEvent>,
    {
        let mut spans: Vec<StateSpan> = Vec::new();
        if until <= from {
            return Timeline { spans };
        }
        let sorted = dedup_sorted(events);
        let mut cur_state = AgentState::Logout;
        let mut cur_reason: Option<String> = None;
        let mut cur_start = from;
        for e in sorted {
            if e.at <= from {
                cur_state = e.state;
                cur_reason = e.reason.clone();
                continue;
            }
            if e.at >= until {
                break;
            }
            push_span(&mut spans, cur_start, e.at, cur_state, cur_reason.take());
            cur_start = e.at;
            cur_state = e.state;
            cur_reason = e.reason.clone();
        }
        push_span(&mut spans, cur_start, until, cur_state, cur_reason);
        Timeline { spans }
    }

    /// State at instant `t` (None outside the window).
    pub fn state_at(&self, t: DateTime<Utc>) -> Option<AgentState> {
        let i = self.spans.partition_point(|s| s.end <= t);
        self.spans.get(i).filter(|s| s.start <= t).map(|s| s.state)
    }

    /// The last span (the current state when the window ends at "now").
    pub fn last(&self) -> Option<&StateSpan> {
        self.spans.last()
    }

    /// Milliseconds spent in states matching `pred` within `[a, b)`.
    pub fn millis_where(&self, a: DateTime<Utc>, b: DateTime<Utc>, pred: impl Fn(AgentState) -> bool) -> i64 {
        self.spans
            .iter()
            .filter(|s| pred(s.state))
            .map(|s| (s.end.min(b) - s.start.max(a)).num_milliseconds().max(0))
            .sum()
    }
}

/// Append a span, merging with the previous one when the state (and reason) did not change, so
/// repeated "ready → ready" events do not split spans.
fn push_span(
    spans: &mut Vec<StateSpan>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    state: AgentState,
    reason: Option<String>,
) {
    if end <= start {
        return;
    }
    if let Some(last) = spans.last_mut()
        && last.state == state
        && last.reason == reason
        && last.end == start
    {
        last.end = end;
        return;
    }
    spans.push(StateSpan { start, end, state, reason });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{ev, t};

    #[test]
    fn builds_contiguous_spans_and_merges_repeats() {
        let evs = vec![
            ev("1", "a", AgentState::Ready, t("09:02")),
            ev("2", "a", AgentState::Ready, t("09:10")),
            ev("3", "a", AgentState::Break, t("10:01")),
        ];
        let tl = Timeline::build(&evs, t("09:00"), t("11:00"));
        let states: Vec<_> = tl.spans.iter().map(|s| (s.state, s.start, s.end)).collect();
        assert_eq!(
            states,
            vec![
                (AgentState::Logout, t("09:00"), t("09:02")),
                (AgentState::Ready, t("09:02"), t("10:01")),
                (AgentState::Break, t("10:01"), t("11:00")),
            ]
        );
        assert_eq!(tl.state_at(t("10:30")), Some(AgentState::Break));
        assert_eq!(tl.state_at(t("11:00")), None);
    }

    #[test]
    fn state_before_window_carries_in() {
        let evs = vec![ev("1", "a", AgentState::Talking, t("08:00"))];
        let tl = Timeline::build(&evs, t("09:00"), t("10:00"));
        assert_eq!(tl.spans.len(), 1);
        assert_eq!(tl.spans[0].state, AgentState::Talking);
    }

    #[test]
    fn duplicate_and_late_event_placed_correctly() {
        let mut evs = vec![
            ev("1", "a", AgentState::Ready, t("09:00")),
            ev("3", "a", AgentState::Ready, t("09:20")),
        ];
        let before = Timeline::build(&evs, t("09:00"), t("10:00"));
        assert_eq!(before.spans.len(), 1);
        // The talking event arrives late, after the 09:20 one, and twice.
        evs.push(ev("2", "a", AgentState::Talking, t("09:10")));
        evs.push(ev("2", "a", AgentState::Talking, t("09:10")));
        let after = Timeline::build(&evs, t("09:00"), t("10:00"));
        assert_eq!(after.spans.len(), 3);
        assert_eq!(after.state_at(t("09:15")), Some(AgentState::Talking));
        assert_eq!(after.millis_where(t("09:00"), t("10:00"), |s| s == AgentState::Talking), 10 * 60_000);
    }

    #[test]
    fn empty_window() {
        assert!(Timeline::build(&[], t("10:00"), t("10:00")).spans.is_empty());
        let tl = Timeline::build(&[], t("10:00"), t("10:05"));
        assert_eq!(tl.spans[0].state, AgentState::Logout);
    }
}
