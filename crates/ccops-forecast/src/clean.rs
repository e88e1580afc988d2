//! Outlier and outage cleaning (F4): flag, replace by the expected value for fitting, keep the
//! raw series, and let the planner override any flag.

use crate::prepare::{DayClass, Prepared, class_of, day_total};
use crate::series::Series;
use ccops_calendar::Calendar;
use chrono::NaiveDateTime;
use serde::Serialize;

/// Why an interval was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// No data for the interval.
    Missing,
    /// A whole day far below its expected volume (ACD or routing outage), not a calendar holiday.
    OutageDay,
    /// A run of zero intervals where several contacts were expected.
    OutageIntervals,
    /// A whole day far above its expected volume, not explained by the calendar.
    OutlierDay,
}

/// One cleaned interval: what was there, what the models trained on instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CleanFlag {
    pub queue: String,
    pub interval_start: NaiveDateTime,
    pub kind: FlagKind,
    /// `None` when missing.
    pub original: Option<f64>,
    pub replacement: f64,
}

/// A planner's decision about a time range of one queue (`queue` = `*` for all queues).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub queue: String,
    pub from: NaiveDateTime,
    /// Exclusive.
    pub to: NaiveDateTime,
    /// `true`: keep the data as it is (do not clean); `false`: treat as an outage and replace.
    pub keep: bool,
}

/// Cleaning thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanOptions {
    pub enabled: bool,
    /// A day below this fraction of its expected total is an outage day.
    pub outage_ratio: f64,
    /// A day above this multiple of its expected total is an outlier day.
    pub outlier_ratio: f64,
    /// Minimum expected daily total for day-level flags (tiny queues are just noisy).
    pub min_expected_day: f64,
    /// Consecutive zero intervals, each expected at least `min_expected_interval`, that make an outage.
    pub min_zero_run: usize,
    pub min_expected_interval: f64,
    pub overrides: Vec<Override>,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions { enabled: true, outage_ratio: 0.3, outlier_ratio: 2.5, min_expected_day: 30.0, min_zero_run: 3, min_expected_interval: 2.0, overrides: Vec::new() }
    }
}

/// The cleaned volume of one series plus the flags. Expected values come from the same class of
/// day (weekday, or 调休 day as the weekday it behaves like; holidays are never flagged when the
/// calendar knows them) among the four before and four after.
pub fn clean_series(s: &Series, calendar: &Calendar, o: &CleanOptions) -> (Vec<f64>, Vec<CleanFlag>) {
    let n = s.per_day();
    let days = s.days();
    let mut y = s.volume.clone();
    let mut flags = Vec::new();
    let classes: Vec<DayClass> = (0..days).map(|d| class_of(&calendar.day_info(s.day(d)))).collect();
    let totals: Vec<f64> = (0..days).map(|d| day_total(&s.volume[d * n..(d + 1) * n])).collect();
    let override_of = |t: NaiveDateTime| o.overrides.iter().rev().find(|ov| (ov.queue == s.queue || ov.queue == "*") && ov.from <= t && t < ov.to).map(|ov| ov.keep);
    for d in 0..days {
        // Neighbours of the same class, nearest first, up to 4 each side.
        let mut neigh: Vec<usize> = Vec::with_capacity(8);
        let (mut back, mut fwd) = (0, 0);
        let mut k = 1;
        while (back < 4 || fwd < 4) && k <= 7 * 10 {
            if back < 4 && d >= k && classes[d - k] == classes[d] && totals[d - k].is_finite() {
                neigh.push(d - k);
                back += 1;
            }
            if fwd < 4 && d + k < days && classes[d + k] == classes[d] && totals[d + k].is_finite() {
                neigh.push(d + k);
                fwd += 1;
            }
            k += 1;
        }
        let mut nt: Vec<f64> = neigh.iter().map(|&x| totals[x]).collect();
        nt.sort_by(f64::total_cmp);
        let expected_total = if nt.is_empty() { f64::NAN } else { nt[nt.len() / 2] };
        // Expected shape: per-interval median of the ordinary neighbours' normalised shapes
        // (robust to an outage run or a missing interval in one neighbour).
        let ordinary: Vec<usize> = neigh.iter().copied().filter(|&x| totals[x] >= 0.5 * expected_total && totals[x] <= 2.0 * expected_total && totals[x] > 0.0).collect();
        let mut shape = vec![0.0; n];
        let mut buf: Vec<f64> = Vec::with_capacity(8);
        for (k, sh) in shape.iter_mut().enumerate() {
            buf.clear();
            buf.extend(ordinary.iter().map(|&x| s.volume[x * n + k] / totals[x]).filter(|v| v.is_finite()));
            if !buf.is_empty() {
                buf.sort_by(f64::total_cmp);
                let m = buf.len();
                *sh = if m % 2 == 1 { buf[m / 2] } else { 0.5 * (buf[m / 2 - 1] + buf[m / 2]) };
            }
        }
        let ssum: f64 = shape.iter().sum();
        let expected = |k: usize| if ssum > 0.0 && expected_total.is_finite() { expected_total * shape[k] / ssum } else { 0.0 };
        let t = totals[d];
        let day_kind = if !o.enabled || !t.is_finite() || !expected_total.is_finite() || expected_total < o.min_expected_day || classes[d] == DayClass::Holiday {
            None
        } else if t < o.outage_ratio * expected_total {
            Some(FlagKind::OutageDay)
        } else if t > o.outlier_ratio * expected_total {
            Some(FlagKind::OutlierDay)
        } else {
            None
        };
        let mut zero_run_start: Option<usize> = None;
        for k in 0..=n {
            let i = d * n + k;
            if k < n {
                let v = s.volume[i];
                let ov = override_of(s.interval_start(i));
                let kind = match (ov, v.is_finite()) {
                    (_, false) => Some(FlagKind::Missing),
                    (Some(true), true) => None,
                    (Some(false), true) => Some(FlagKind::OutageIntervals),
                    (None, true) => day_kind,
                };
                if let Some(kind) = kind {
                    let rep = expected(k);
                    y[i] = rep;
                    flags.push(CleanFlag { queue: s.queue.clone(), interval_start: s.interval_start(i), kind, original: v.is_finite().then_some(v), replacement: rep });
                    zero_run_start = None;
                    continue;
                }
            }
            // Runs of zeros where volume was expected (only on days not already flagged).
            let is_zero_expected = k < n && o.enabled && s.volume[d * n + k] == 0.0 && expected(k) >= o.min_expected_interval && override_of(s.interval_start(d * n + k)).is_none();
            if is_zero_expected {
                zero_run_start.get_or_insert(k);
            } else if let Some(r0) = zero_run_start.take()
                && k - r0 >= o.min_zero_run
            {
                for kk in r0..k {
                    let i = d * n + kk;
                    y[i] = expected(kk);
                    flags.push(CleanFlag { queue: s.queue.clone(), interval_start: s.interval_start(i), kind: FlagKind::OutageIntervals, original: Some(0.0), replacement: y[i] });
                }
            }
        }
    }
    (y, flags)
}

/// Convenience for the models: a [`Prepared`] on cleaned data.
pub(crate) fn prepare<'a>(s: &'a Series, calendar: &Calendar, o: &CleanOptions, extra_days: usize) -> (Prepared<'a>, Vec<CleanFlag>) {
    let (y, flags) = clean_series(s, calendar, o);
    (Prepared::new(s, calendar, y, extra_days), flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn series(days: usize, f: impl Fn(usize, usize) -> f64) -> Series {
        let n = 24;
        let volume: Vec<f64> = (0..days * n).map(|i| f(i / n, i % n)).collect();
        Series { queue: "q".into(), first_day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), interval_minutes: 60, aht: vec![f64::NAN; volume.len()], handled: vec![f64::NAN; volume.len()], volume }
    }

    #[test]
    fn flags_outage_day_outage_run_missing_and_respects_overrides() {
        let base = |_d: usize, k: usize| if (8..20).contains(&k) { 10.0 } else { 0.0 };
        let s = series(56, |d, k| match d {
            21 => base(d, k) * 0.1,                                    // outage day
            28 if (10..14).contains(&k) => 0.0,                        // 4-hour outage
            35 if k == 12 => f64::NAN,                                 // missing
            42 => base(d, k) * 4.0,                                    // outlier day
            _ => base(d, k),
        });
        let (y, flags) = clean_series(&s, &Calendar::plain(), &CleanOptions::default());
        let count = |kind| flags.iter().filter(|f| f.kind == kind).count();
        assert_eq!(count(FlagKind::OutageDay), 24);
        assert_eq!(count(FlagKind::OutageIntervals), 4);
        assert_eq!(count(FlagKind::Missing), 1);
        assert_eq!(count(FlagKind::OutlierDay), 24);
        assert_eq!(flags.len(), 53);
        // Replacements are the neighbours' typical value (one neighbour has the outage run).
        assert!((y[21 * 24 + 12] - 10.0).abs() < 1.5, "{}", y[21 * 24 + 12]);
        assert!((y[28 * 24 + 11] - 10.0).abs() < 1.5);
        assert_eq!(s.volume[21 * 24 + 12], 1.0); // raw kept
        // The planner says day 21 was real (e.g. a system migration they want to keep).
        let day21 = s.interval_start(21 * 24);
        let o = CleanOptions { overrides: vec![Override { queue: "q".into(), from: day21, to: day21 + chrono::Duration::days(1), keep: true }], ..Default::default() };
        let (y2, flags2) = clean_series(&s, &Calendar::plain(), &o);
        assert_eq!(flags2.len(), 29);
        assert_eq!(y2[21 * 24 + 12], 1.0);
        // Disabled: only missing intervals are filled.
        let (_, f3) = clean_series(&s, &Calendar::plain(), &CleanOptions { enabled: false, ..Default::default() });
        assert_eq!(f3.len(), 1);
    }

    #[test]
    fn calendar_holidays_are_not_outages() {
        // 2025-01-28..02-04 off: volume 10 % of normal on those days.
        let cal = Calendar::china();
        let first = NaiveDate::from_ymd_opt(2024, 12, 2).unwrap();
        let n = 24;
        let volume: Vec<f64> = (0..70 * n)
            .map(|i| {
                let day = first + chrono::Duration::days((i / n) as i64);
                let off = matches!(cal.day_kind(day), ccops_calendar::DayKind::Holiday(_));
                if (8..20).contains(&(i % n)) { if off { 1.0 } else { 10.0 } } else { 0.0 }
            })
            .collect();
        let s = Series { queue: "q".into(), first_day: first, interval_minutes: 60, aht: vec![f64::NAN; volume.len()], handled: vec![f64::NAN; volume.len()], volume };
        let (_, with_cal) = clean_series(&s, &cal, &CleanOptions::default());
        assert!(with_cal.is_empty(), "{:?}", with_cal.first());
        let (_, plain) = clean_series(&s, &Calendar::plain(), &CleanOptions::default());
        assert!(plain.iter().any(|f| f.kind == FlagKind::OutageDay));
    }
}
