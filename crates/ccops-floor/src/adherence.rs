//! Schedule adherence and conformance (ALGORITHMS.md §11).
//!
//! Adherence = minutes in the scheduled activity / scheduled minutes (scheduled = every activity
//! except `off`). Conformance = productive minutes worked (ready, talking, ACW, at any time in the
//! window) / scheduled work minutes; it can exceed 100 %. Each out-of-adherence stretch gets a
//! reason (late login, early logout, long break, unscheduled ACW, …). Approved exceptions count as
//! adherent; stretches no longer than the tolerance are forgiven. Both are reported separately so
//! a report can show adherence with and without them. Everything is kept in milliseconds and
//! rounded only for display.

use crate::state::{Activity, AdherenceMap, AgentState};
use crate::timeline::Timeline;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One roster row: `agent_id,start,end,activity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledSegment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub activity: Activity,
}

/// An approved exception: the agent's time in `[start, end)` is not held against them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Why a stretch was out of adherence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Logged out at the start of the shift, before the first login.
    LateLogin,
    /// Logged out before the scheduled end of the shift and did not come back.
    EarlyLogout,
    /// Never logged in during the shift.
    Absent,
    /// Logged out in the middle of the shift.
    LoggedOut,
    /// Still on break or lunch after the scheduled break ended.
    LongBreak,
    /// On break or lunch when scheduled for something else (not a run-over).
    UnscheduledBreak,
    /// In after-call work while scheduled for a break, lunch, training or meeting.
    UnscheduledAcw,
    /// Logged in but not ready during scheduled work.
    NotReady,
    /// Any other mismatch between state and activity.
    WrongState,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::LateLogin => "late_login",
            Reason::EarlyLogout => "early_logout",
            Reason::Absent => "absent",
            Reason::LoggedOut => "logged_out",
            Reason::LongBreak => "long_break",
            Reason::UnscheduledBreak => "unscheduled_break",
            Reason::UnscheduledAcw => "unscheduled_acw",
            Reason::NotReady => "not_ready",
            Reason::WrongState => "wrong_state",
        }
    }
}

/// Adherence configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdherenceRules {
    pub map: AdherenceMap,
    /// Out-of-adherence stretches no longer than this are forgiven (counted as adherent).
    pub tolerance_ms: i64,
}

impl Default for AdherenceRules {
    fn default() -> Self {
        AdherenceRules { map: AdherenceMap::default(), tolerance_ms: 0 }
    }
}

/// A contiguous out-of-adherence stretch with one activity, state and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub activity: Activity,
    pub state: AgentState,
    pub reason: Reason,
    /// Inside an approved exception.
    pub excepted: bool,
    /// Part of a run no longer than the tolerance.
    pub tolerated: bool,
}

impl Violation {
    pub fn millis(&self) -> i64 {
        (self.end - self.start).num_milliseconds()
    }
}

/// Adherence and conformance of one agent (or, summed, of a team or site) over a window.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdherenceTotals {
    /// Scheduled (non-off) time.
    pub scheduled_ms: i64,
    /// Scheduled time spent in an accepted state.
    pub in_adherence_ms: i64,
    /// Out-of-adherence time forgiven by the tolerance.
    pub tolerated_ms: i64,
    /// Out-of-adherence time covered by an approved exception.
    pub excepted_ms: i64,
    /// Scheduled work (phone) time.
    pub work_scheduled_ms: i64,
    /// Productive time (ready/talking/ACW) anywhere in the window.
    pub worked_ms: i64,
}

impl AdherenceTotals {
    /// Adherence counting tolerated and excepted time as adherent. None when nothing scheduled.
    pub fn adherence(&self) -> Option<f64> {
        ratio(self.in_adherence_ms + self.tolerated_ms + self.excepted_ms, self.scheduled_ms)
    }
    /// Adherence without approved exceptions (tolerance still applied).
    pub fn adherence_without_exceptions(&self) -> Option<f64> {
        ratio(self.in_adherence_ms + self.tolerated_ms, self.scheduled_ms)
    }
    /// Strict adherence: no tolerance, no exceptions.
    pub fn adherence_strict(&self) -> Option<f64> {
        ratio(self.in_adherence_ms, self.scheduled_ms)
    }
    /// Conformance: worked / scheduled work. May exceed 1.
    pub fn conformance(&self) -> Option<f64> {
        ratio(self.worked_ms, self.work_scheduled_ms)
    }
    /// Out-of-adherence time still held against the agent.
    pub fn out_of_adherence_ms(&self) -> i64 {
        self.scheduled_ms - self.in_adherence_ms - self.tolerated_ms - self.excepted_ms
    }
    pub fn add(&mut self, o: &AdherenceTotals) {
        self.scheduled_ms += o.scheduled_ms;
        self.in_adherence_ms += o.in_adherence_ms;
        self.tolerated_ms += o.tolerated_ms;
        self.excepted_ms += o.excepted_ms;
        self.work_scheduled_ms += o.work_scheduled_ms;
        self.worked_ms += o.worked_ms;
    }
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// One agent's adherence: totals plus the reasoned violations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentAdherence {
    pub totals: AdherenceTotals,
    pub violations: Vec<Violation>,
}

impl AgentAdherence {
    /// Start of the out-of-adherence run that is still going at `until` (not excepted), if any:
    /// what the live floor shows as "out of adherence for N min".
    pub fn open_mismatch_since(&self, until: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut since = None;
        let mut expect_end = until;
        for v in self.violations.iter().rev() {
            if v.end != expect_end || v.excepted {
                break;
            }
            since = Some(v.start);
            expect_end = v.start;
        }
        since
    }

    /// Total milliseconds per reason (not tolerated, not excepted).
    pub fn by_reason(&self) -> Vec<(Reason, i64)> {
        let mut m: std::collections::BTreeMap<Reason, i64> = Default::default();
        for v in self.violations.iter().filter(|v| !v.excepted && !v.tolerated) {
            *m.entry(v.reason).or_default() += v.millis();
        }
        m.into_iter().collect()
    }
}

/// Non-overlapping schedule pieces. Rosters either list consecutive segments or a whole `work`
/// shift with breaks on top; in the second style the more specific activity wins (anything over
/// work, and among equals the one starting later).
pub fn flatten_schedule(segments: &[ScheduledSegment]) -> Vec<ScheduledSegment> {
    let mut bounds: Vec<DateTime<Utc>> = segments.iter().flat_map(|s| [s.start, s.end]).collect();
    bounds.sort();
    bounds.dedup();
    let mut out: Vec<ScheduledSegment> = Vec::new();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let best = segments
            .iter()
            .filter(|s| s.start <= a && s.end >= b && s.start < s.end)
            .max_by_key(|s| (s.activity != Activity::Work && s.activity != Activity::Off, s.activity != Activity::Off, s.start));
        let Some(best) = best else { continue };
        match out.last_mut() {
            Some(last) if last.end == a && last.activity == best.activity => last.end = b,
            _ => out.push(ScheduledSegment { start: a, end: b, activity: best.activity }),
        }
    }
    out
}

/// Compute adherence for one agent on `[from, until)`.
///
/// `timeline` must cover the window (see [`Timeline::build`]); `schedule` is the agent's roster
/// rows (any order, may overlap as described in [`flatten_schedule`]); `exceptions` the
/// approved exception windows.
pub fn agent_adherence(
    timeline: &Timeline,
    schedule: &[ScheduledSegment],
    exceptions: &[ExceptionWindow],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    rules: &AdherenceRules,
) -> AgentAdherence {
    let mut res = AgentAdherence::default();
    if until <= from {
        return res;
    }
    let sched: Vec<ScheduledSegment> = flatten_schedule(schedule)
        .into_iter()
        .filter(|s| s.activity.is_scheduled() && s.end > from && s.start < until)
        .map(|s| ScheduledSegment { start: s.start.max(from), end: s.end.min(until), activity: s.activity })
        .collect();
    res.totals.worked_ms = timeline.millis_where(from, until, AgentState::is_productive);

    // Elementary pieces: every boundary of schedule, state spans and exceptions.
    let mut bounds: Vec<DateTime<Utc>> = Vec::new();
    for s in &sched {
        bounds.push(s.start);
        bounds.push(s.end);
    }
    for s in &timeline.spans {
        bounds.push(s.start.clamp(from, until));
        bounds.push(s.end.clamp(from, until));
    }
    for x in exceptions {
        bounds.push(x.start.clamp(from, until));
        bounds.push(x.end.clamp(from, until));
    }
    bounds.sort();
    bounds.dedup();

    let blocks = shift_blocks(&sched);
    let (mut si, mut ti) = (0usize, 0usize);
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        while si < sched.len() && sched[si].end <= a {
            si += 1;
        }
        let Some(seg) = sched.get(si).filter(|s| s.start <= a) else { continue };
        while ti < timeline.spans.len() && timeline.spans[ti].end <= a {
            ti += 1;
        }
        // A timeline that does not cover the window is treated as logged out there.
        let (state, state_start) = match timeline.spans.get(ti).filter(|s| s.start <= a) {
            Some(span) => (span.state, span.start),
            None => (AgentState::Logout, a),
        };
        let ms = (b - a).num_milliseconds();
        res.totals.scheduled_ms += ms;
        if seg.activity.is_work() {
            res.totals.work_scheduled_ms += ms;
        }
        if rules.map.accepts(seg.activity, state) {
            res.totals.in_adherence_ms += ms;
            continue;
        }
        let excepted = exceptions.iter().any(|x| x.start <= a && x.end >= b);
        let reason = classify(timeline, &sched, si, &blocks, a, state, state_start, rules);
        match res.violations.last_mut() {
            Some(v) if v.end == a && v.reason == reason && v.state == state && v.activity == seg.activity && v.excepted == excepted => {
                v.end = b
            }
            _ => res.violations.push(Violation { start: a, end: b, activity: seg.activity, state, reason, excepted, tolerated: false }),
        }
    }

    // Tolerance: forgive contiguous out-of-adherence runs (ignoring excepted pieces) that are short.
    if rules.tolerance_ms > 0 {
        let n = res.violations.len();
        let mut i = 0;
        while i < n {
            if res.violations[i].excepted {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < n && !res.violations[j].excepted && res.violations[j].start == res.violations[j - 1].end {
                j += 1;
            }
            let run_ms = (res.violations[j - 1].end - res.violations[i].start).num_milliseconds();
            if run_ms <= rules.tolerance_ms {
                for v in &mut res.violations[i..j] {
                    v.tolerated = true;
                }
            }
            i = j;
        }
    }
    for v in &res.violations {
        if v.excepted {
            res.totals.excepted_ms += v.millis();
        } else if v.tolerated {
            res.totals.tolerated_ms += v.millis();
        }
    }
    res
}

/// Index ranges of contiguous scheduled pieces (one shift each).
fn shift_blocks(sched: &[ScheduledSegment]) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < sched.len() {
        let mut j = i + 1;
        while j < sched.len() && sched[j].start == sched[j - 1].end {
            j += 1;
        }
        blocks.push((i, j));
        i = j;
    }
    blocks
}

#[allow(clippy::too_many_arguments)]
fn classify(
    timeline: &Timeline,
    sched: &[ScheduledSegment],
    si: usize,
    blocks: &[(usize, usize)],
    a: DateTime<Utc>,
    state: AgentState,
    state_start: DateTime<Utc>,
    _rules: &AdherenceRules,
) -> Reason {
    let activity = sched[si].activity;
    match (activity, state) {
        (Activity::Work, AgentState::Logout) => {
            let (b0, b1) = blocks.iter().copied().find(|&(b0, b1)| b0 <= si && si < b1).unwrap_or((si, si + 1));
            let (bs, be) = (sched[b0].start, sched[b1 - 1].end);
            let logged_in = |x: DateTime<Utc>, y: DateTime<Utc>| timeline.millis_where(x, y, AgentState::is_logged_in) > 0;
            if !logged_in(bs, be) {
                Reason::Absent
            } else if !logged_in(bs, a) {
                Reason::LateLogin
            } else if !logged_in(a, be) {
                Reason::EarlyLogout
            } else {
                Reason::LoggedOut
            }
        }
        (Activity::Work, AgentState::Break | AgentState::Lunch) => {
            let after_break = si > 0
                && sched[si - 1].end == sched[si].start
                && matches!(sched[si - 1].activity, Activity::Break | Activity::Lunch);
            if after_break && state_start < sched[si].start {
                Reason::LongBreak
            } else {
                Reason::UnscheduledBreak
            }
        }
        (Activity::Work, AgentState::Login) => Reason::NotReady,
        (_, AgentState::Acw) => Reason::UnscheduledAcw,
        (Activity::Training | Activity::Meeting, AgentState::Break | AgentState::Lunch) => Reason::UnscheduledBreak,
        (Activity::Training | Activity::Meeting, AgentState::Logout) => Reason::LoggedOut,
        _ => Reason::WrongState,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{ev, seg, t};

    /// The worked example of ALGORITHMS.md §11.
    fn example() -> (Timeline, Vec<ScheduledSegment>) {
        let sched = vec![
            seg("09:00", "10:00", Activity::Work),
            seg("10:00", "10:15", Activity::Break),
            seg("10:15", "11:00", Activity::Work),
        ];
        let evs = vec![
            ev("1", "a", AgentState::Ready, t("09:02")),
            ev("2", "a", AgentState::Talking, t("09:30")),
            ev("3", "a", AgentState::Break, t("10:01")),
            ev("4", "a", AgentState::Ready, t("10:16")),
        ];
        (Timeline::build(&evs, t("09:00"), t("11:00")), sched)
    }

    #[test]
    fn algorithms_worked_example() {
        let (tl, sched) = example();
        let r = agent_adherence(&tl, &sched, &[], t("09:00"), t("11:00"), &AdherenceRules::default());
        assert_eq!(r.totals.scheduled_ms, 120 * 60_000);
        assert_eq!(r.totals.out_of_adherence_ms(), 4 * 60_000);
        let adh = r.totals.adherence().unwrap();
        assert!((adh - 116.0 / 120.0).abs() < 1e-12, "{adh}");
        let conf = r.totals.conformance().unwrap();
        assert!((conf - 103.0 / 105.0).abs() < 1e-12, "{conf}");
        let reasons: Vec<_> = r.violations.iter().map(|v| (v.reason, v.millis() / 60_000)).collect();
        assert_eq!(reasons, vec![(Reason::LateLogin, 2), (Reason::WrongState, 1), (Reason::LongBreak, 1)]);

        let tol = AdherenceRules { tolerance_ms: 3 * 60_000, ..Default::default() };
        let r = agent_adherence(&tl, &sched, &[], t("09:00"), t("11:00"), &tol);
        assert_eq!(r.totals.adherence(), Some(1.0));
        assert!(r.totals.adherence_strict().unwrap() < 1.0);
    }

    #[test]
    fn approved_exception_excluded() {
        let (tl, sched) = example();
        let ex = [ExceptionWindow { start: t("09:00"), end: t("09:02") }];
        let r = agent_adherence(&tl, &sched, &ex, t("09:00"), t("11:00"), &AdherenceRules::default());
        assert_eq!(r.totals.excepted_ms, 2 * 60_000);
        assert!((r.totals.adherence().unwrap() - 118.0 / 120.0).abs() < 1e-12);
        assert!((r.totals.adherence_without_exceptions().unwrap() - 116.0 / 120.0).abs() < 1e-12);
        assert_eq!(r.by_reason().iter().map(|x| x.0).collect::<Vec<_>>(), vec![Reason::LongBreak, Reason::WrongState]);
    }

    #[test]
    fn early_logout_absent_unscheduled_acw() {
        let sched = vec![seg("09:00", "10:00", Activity::Work), seg("10:00", "10:15", Activity::Break)];
        let evs = vec![
            ev("1", "a", AgentState::Ready, t("09:00")),
            ev("2", "a", AgentState::Acw, t("09:55")),
            ev("3", "a", AgentState::Logout, t("10:05")),
        ];
        let tl = Timeline::build(&evs, t("09:00"), t("10:15"));
        let r = agent_adherence(&tl, &sched, &[], t("09:00"), t("10:15"), &AdherenceRules::default());
        assert_eq!(r.violations.len(), 1);
        assert_eq!(r.violations[0].reason, Reason::UnscheduledAcw);
        assert_eq!(r.violations[0].millis(), 5 * 60_000);

        let evs = vec![ev("1", "a", AgentState::Ready, t("09:00")), ev("2", "a", AgentState::Logout, t("09:40"))];
        let tl = Timeline::build(&evs, t("09:00"), t("10:15"));
        let r = agent_adherence(&tl, &sched, &[], t("09:00"), t("10:15"), &AdherenceRules::default());
        assert_eq!(r.violations[0].reason, Reason::EarlyLogout);
        assert_eq!(r.violations[0].millis(), 20 * 60_000);
        assert_eq!(r.open_mismatch_since(t("10:15")), None, "break accepts logout, so not open");

        let tl = Timeline::build(&[], t("09:00"), t("10:15"));
        let r = agent_adherence(&tl, &sched, &[], t("09:00"), t("10:15"), &AdherenceRules::default());
        assert_eq!(r.violations[0].reason, Reason::Absent);
        assert_eq!(r.open_mismatch_since(t("10:15")), None, "the break accepts logged out");
        let r = agent_adherence(&tl, &sched, &[], t("09:00"), t("09:30"), &AdherenceRules::default());
        assert_eq!(r.open_mismatch_since(t("09:30")), Some(t("09:00")));
    }

    #[test]
    fn overlapping_roster_style_is_flattened() {
        let sched = vec![seg("09:00", "11:00", Activity::Work), seg("10:00", "10:15", Activity::Break)];
        let flat = flatten_schedule(&sched);
        assert_eq!(flat, vec![
            seg("09:00", "10:00", Activity::Work),
            seg("10:00", "10:15", Activity::Break),
            seg("10:15", "11:00", Activity::Work),
        ]);
    }

    #[test]
    fn nothing_scheduled_gives_none() {
        let tl = Timeline::build(&[], t("09:00"), t("10:00"));
        let r = agent_adherence(&tl, &[seg("09:00", "10:00", Activity::Off)], &[], t("09:00"), t("10:00"), &AdherenceRules::default());
        assert_eq!(r.totals.adherence(), None);
        assert_eq!(r.totals.conformance(), None);
    }
}
