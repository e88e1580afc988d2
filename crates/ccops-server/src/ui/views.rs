//! Pure view-model builders: store rows in, what a page shows out. No database, no clock
//! (callers pass "today"), so every rule here is unit-tested.

use super::charts::{GanttRow, GanttSegment, Point};
use crate::api::requests::productive;
use ccops_store::{Agent, Segment};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

/// UTC instant → the center's local wall-clock time.
pub fn local(t: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// Local midnight of `day` in `tz` as UTC (the earliest instant when a DST gap hides midnight).
pub fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// Number of productive agents at the start of each `step_minutes` interval in `[from, to)`,
/// counting only segments `keep` accepts (e.g. one queue).
pub fn coverage_counts(
    segments: &[Segment],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step_minutes: i64,
    keep: impl Fn(&Segment) -> bool,
) -> Vec<(DateTime<Utc>, f64)> {
    let step = Duration::minutes(step_minutes.max(1));
    let n = ((to - from).num_minutes() / step_minutes.max(1)).max(0) as usize;
    let mut counts = vec![0.0; n];
    for s in segments.iter().filter(|s| productive(&s.activity) && keep(s)) {
        // Intervals whose start lies inside the segment.
        let first = ((s.start_at - from).num_seconds() as f64 / step.num_seconds() as f64).ceil().max(0.0) as usize;
        let last = ((s.end_at - from).num_seconds() as f64 / step.num_seconds() as f64).ceil().max(0.0) as usize;
        for c in counts.iter_mut().take(last.min(n)).skip(first) {
            *c += 1.0;
        }
    }
    counts.into_iter().enumerate().map(|(i, c)| (from + step * i as i32, c)).collect()
}

/// Sum several per-queue series (e.g. required agents) by interval start.
pub fn sum_series<'a>(series: impl IntoIterator<Item = &'a [(DateTime<Utc>, f64)]>) -> Vec<(DateTime<Utc>, f64)> {
    let mut by_t: BTreeMap<DateTime<Utc>, f64> = BTreeMap::new();
    for s in series {
        for (t, v) in s {
            *by_t.entry(*t).or_default() += v;
        }
    }
    by_t.into_iter().collect()
}

/// Convert a UTC series to local time for charting, keeping points inside `[from, to)`.
pub fn to_local(series: &[(DateTime<Utc>, f64)], from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Vec<Point> {
    series.iter().filter(|(t, _)| *t >= from && *t < to).map(|(t, v)| (local(*t, tz), *v)).collect()
}

/// One team's Gantt rows: agents sorted by name, each with their segments in local time.
pub struct TeamRows {
    pub team_id: Option<i64>,
    pub rows: Vec<GanttRow>,
}

/// Group roster segments into Gantt rows per team (agents without a team go last).
pub fn gantt_by_team(segments: &[Segment], agents: &[Agent], tz: Tz) -> Vec<TeamRows> {
    let by_id: BTreeMap<i64, &Agent> = agents.iter().map(|a| (a.id, a)).collect();
    let mut per_agent: BTreeMap<i64, Vec<&Segment>> = BTreeMap::new();
    for s in segments {
        per_agent.entry(s.agent_id).or_default().push(s);
    }
    // Key (team_id or MAX for none) keeps a stable team order.
    let mut teams: BTreeMap<i64, Vec<GanttRow>> = BTreeMap::new();
    for (agent_id, mut segs) in per_agent {
        segs.sort_by_key(|s| s.start_at);
        let agent = by_id.get(&agent_id);
        let label = agent.map_or_else(|| format!("#{agent_id}"), |a| a.name.clone());
        let team = agent.and_then(|a| a.team_id).unwrap_or(i64::MAX);
        let row = GanttRow {
            label,
            segments: segs
                .iter()
                .map(|s| GanttSegment { start: local(s.start_at, tz), end: local(s.end_at, tz), activity: s.activity.clone() })
                .collect(),
        };
        teams.entry(team).or_default().push(row);
    }
    teams
        .into_iter()
        .map(|(team, mut rows)| {
            // Earliest shift first reads like a staircase, which is how planners scan a day.
            rows.sort_by(|a, b| {
                let sa = a.segments.first().map(|s| s.start);
                let sb = b.segments.first().map(|s| s.start);
                sa.cmp(&sb).then_with(|| a.label.cmp(&b.label))
            });
            TeamRows { team_id: (team != i64::MAX).then_some(team), rows }
        })
        .collect()
}

/// A request window as people say it: whole days as "2026-12-06" … "2026-12-07" (the last day
/// included), anything else with times.
pub fn window_label(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> (String, String) {
    let (a, b) = (local(start, tz), local(end, tz));
    let midnight = |t: NaiveDateTime| t.time() == chrono::NaiveTime::MIN;
    if midnight(a) && midnight(b) && b > a {
        (a.date().to_string(), (b.date() - Duration::days(1)).to_string())
    } else {
        (a.format("%Y-%m-%d %H:%M").to_string(), b.format("%Y-%m-%d %H:%M").to_string())
    }
}

/// One day in the agent's schedule.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DayView {
    pub date: NaiveDate,
    pub label: String,
    pub day: u32,
    pub in_month: bool,
    pub today: bool,
    /// "08:00–17:00" when the agent works that day.
    pub shift: Option<String>,
    pub segments: Vec<SegmentView>,
    pub holiday: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentView {
    pub start: String,
    pub end: String,
    pub activity: String,
    pub colour: &'static str,
}

/// Days `from..from+days` with the agent's segments in local time (a segment belongs to the
/// local day it starts on, so night shifts stay one shift).
pub fn agent_days(segments: &[Segment], from: NaiveDate, days: u32, today: NaiveDate, tz: Tz, lang_zh: bool) -> Vec<DayView> {
    (0..days)
        .filter_map(|i| from.checked_add_signed(Duration::days(i64::from(i))))
        .map(|date| {
            let mut segs: Vec<&Segment> = segments.iter().filter(|s| local(s.start_at, tz).date() == date).collect();
            segs.sort_by_key(|s| s.start_at);
            let on = segs.iter().filter(|s| !matches!(s.activity.as_str(), "off" | "leave"));
            let (first, last) = (on.clone().map(|s| s.start_at).min(), on.map(|s| s.end_at).max());
            let shift = first.zip(last).map(|(a, b)| format!("{}–{}", local(a, tz).format("%H:%M"), local(b, tz).format("%H:%M")));
            DayView {
                date,
                label: day_label(date, lang_zh),
                day: date.day(),
                in_month: true,
                today: date == today,
                shift,
                segments: segs
                    .iter()
                    .map(|s| SegmentView {
                        start: local(s.start_at, tz).format("%H:%M").to_string(),
                        end: local(s.end_at, tz).format("%H:%M").to_string(),
                        activity: s.activity.clone(),
                        colour: super::charts::activity_colour(&s.activity),
                    })
                    .collect(),
                holiday: None,
            }
        })
        .collect()
}

/// "02-16 Mon" / "02-16 周一".
pub fn day_label(d: NaiveDate, zh: bool) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    let names: [&str; 7] =
        if zh { ["周一", "周二", "周三", "周四", "周五", "周六", "周日"] } else { ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] };
    format!("{} {}", d.format("%m-%d"), names[wd])
}

/// Monday of the week containing `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Month calendar grid (weeks Monday–Sunday) covering the month of `any_day`, as
/// `(first grid day, number of grid days)`.
pub fn month_grid(any_day: NaiveDate) -> (NaiveDate, u32) {
    let first = any_day.with_day(1).unwrap_or(any_day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let start = week_start(first);
    let last = next - Duration::days(1);
    let end = last + Duration::days(i64::from(6 - last.weekday().num_days_from_monday()));
    (start, ((end - start).num_days() + 1) as u32)
}

/// The weekday of a month grid column, for i18n keys `wd.mon` …
pub const WEEKDAY_KEYS: [&str; 7] = ["wd.mon", "wd.tue", "wd.wed", "wd.thu", "wd.fri", "wd.sat", "wd.sun"];

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        // Local Shanghai time → UTC.
        TZ.with_ymd_and_hms(2026, 2, d, h, m, 0).single().expect("valid").with_timezone(&Utc)
    }

    fn seg(agent: i64, a: DateTime<Utc>, b: DateTime<Utc>, act: &str) -> Segment {
        Segment { agent_id: agent, start_at: a, end_at: b, activity: act.into(), queue_id: None }
    }

    fn agent(id: i64, name: &str, team: Option<i64>) -> Agent {
        Agent {
            id,
            code: format!("A{id}"),
            name: name.into(),
            tenant_id: None,
            site_id: None,
            team_id: team,
            contract_minutes_per_week: 2400,
            active: true,
            ical_token: String::new(),
        }
    }

    #[test]
    fn coverage_counts_productive_interval_starts_only() {
        let segs = vec![
            seg(1, utc(16, 8, 0), utc(16, 10, 0), "work"),
            seg(1, utc(16, 10, 0), utc(16, 10, 15), "break"),
            seg(2, utc(16, 8, 30), utc(16, 9, 10), "work"), // 09:00 start covered, 09:15 not
        ];
        let c = coverage_counts(&segs, utc(16, 8, 0), utc(16, 10, 30), 15, |_| true);
        let v: Vec<f64> = c.iter().map(|p| p.1).collect();
        assert_eq!(v, vec![1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(c[0].0, utc(16, 8, 0));
    }

    #[test]
    fn gantt_groups_by_team_and_converts_to_local_time() {
        let agents = vec![agent(1, "王芳", Some(2)), agent(2, "Li Na", Some(1)), agent(3, "Zhao", None)];
        let segs = vec![
            seg(1, utc(16, 9, 0), utc(16, 17, 0), "work"),
            seg(2, utc(16, 8, 0), utc(16, 16, 0), "work"),
            seg(3, utc(16, 10, 0), utc(16, 18, 0), "work"),
        ];
        let teams = gantt_by_team(&segs, &agents, TZ);
        assert_eq!(teams.iter().map(|t| t.team_id).collect::<Vec<_>>(), vec![Some(1), Some(2), None]);
        assert_eq!(teams[0].rows[0].label, "Li Na");
        assert_eq!(teams[1].rows[0].segments[0].start.format("%H:%M").to_string(), "09:00");
    }

    #[test]
    fn agent_days_show_local_shift_span() {
        let segs = vec![
            seg(1, utc(16, 8, 0), utc(16, 12, 0), "work"),
            seg(1, utc(16, 12, 0), utc(16, 13, 0), "lunch"),
            seg(1, utc(16, 13, 0), utc(16, 17, 0), "work"),
            seg(1, utc(17, 22, 0), utc(18, 6, 0), "work"), // night shift belongs to the 17th
        ];
        let d0 = NaiveDate::from_ymd_opt(2026, 2, 16).expect("date");
        let days = agent_days(&segs, d0, 3, d0, TZ, true);
        assert_eq!(days[0].shift.as_deref(), Some("08:00–17:00"));
        assert_eq!(days[0].segments.len(), 3);
        assert!(days[0].today && days[0].label.ends_with("周一"));
        assert_eq!(days[1].shift.as_deref(), Some("22:00–06:00"));
        assert_eq!(days[2].shift, None);
    }

    #[test]
    fn whole_day_windows_show_inclusive_dates() {
        assert_eq!(window_label(utc(16, 0, 0), utc(18, 0, 0), TZ), ("2026-02-16".into(), "2026-02-17".into()));
        assert_eq!(window_label(utc(16, 9, 0), utc(16, 12, 30), TZ), ("2026-02-16 09:00".into(), "2026-02-16 12:30".into()));
    }

    #[test]
    fn month_grid_spans_whole_weeks() {
        let (start, n) = month_grid(NaiveDate::from_ymd_opt(2026, 2, 17).expect("date"));
        // February 2026 starts on a Sunday and ends on a Saturday.
        assert_eq!(start, NaiveDate::from_ymd_opt(2026, 1, 26).expect("date"));
        assert_eq!(n % 7, 0);
        assert_eq!(n, 35, "26 Jan … 1 Mar");
        let (start, n) = month_grid(NaiveDate::from_ymd_opt(2026, 12, 5).expect("date"));
        assert_eq!(start.weekday(), chrono::Weekday::Mon);
        assert_eq!(n, 35);
    }

    #[test]
    fn day_start_is_local_midnight() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 16).expect("date");
        assert_eq!(day_start(d, TZ), utc(16, 0, 0));
        assert_eq!(day_start(d, TZ).to_rfc3339(), "2026-02-15T16:00:00+00:00");
    }
}
