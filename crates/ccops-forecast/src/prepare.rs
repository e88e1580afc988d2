//! Per-queue working data shared by cleaning, models and backtests: day classes from the
//! calendar, daily totals, and intraday profiles.

use crate::series::Series;
use ccops_calendar::{Calendar, DayInfo, DayKind};
use chrono::Duration;

/// Which intraday profile a day follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayClass {
    /// Weekday 0 = Monday … 6 = Sunday (for 调休 days: the weekday it behaves like).
    Weekday(usize),
    /// Statutory day off.
    Holiday,
}

pub(crate) struct Prepared<'a> {
    pub series: &'a Series,
    pub per_day: usize,
    /// Volume after cleaning (missing intervals filled); what models train on.
    pub y: Vec<f64>,
    /// Calendar facts for every day of the history plus `extra_days` ahead.
    pub infos: Vec<DayInfo>,
    pub class: Vec<DayClass>,
    /// Day totals of `y` (`NaN` when the day is entirely missing).
    pub totals: Vec<f64>,
    /// Per user event: length in days (end − start) and the planner's prior factor.
    pub event_lens: Vec<i32>,
    pub event_priors: Vec<Option<f64>>,
    /// The calendar has no holidays at all (a plain calendar).
    pub holidays_empty: bool,
}

impl<'a> Prepared<'a> {
    pub fn new(series: &'a Series, calendar: &Calendar, y: Vec<f64>, extra_days: usize) -> Self {
        let per_day = series.per_day();
        let days = series.days();
        let infos: Vec<DayInfo> = (0..days + extra_days).map(|d| calendar.day_info(series.first_day + Duration::days(d as i64))).collect();
        let class = infos.iter().map(class_of).collect();
        let totals = (0..days).map(|d| day_total(&y[d * per_day..(d + 1) * per_day])).collect();
        let event_lens = calendar.events.iter().map(|e| (e.end - e.start).num_days() as i32).collect();
        let event_priors = calendar.events.iter().map(|e| e.factor).collect();
        Prepared { series, per_day, y, infos, class, totals, event_lens, event_priors, holidays_empty: calendar.holidays.is_empty() }
    }

    pub fn days(&self) -> usize {
        self.totals.len()
    }

    pub fn day(&self, d: usize) -> &[f64] {
        &self.y[d * self.per_day..(d + 1) * self.per_day]
    }

    /// Intraday profile (sums to 1) for `class`, from the last `max_days` days of that class
    /// before `origin`, weighted by volume (so quiet days do not distort the shape).
    /// Falls back to the weekday of a holiday's own date, then to all days.
    pub fn profile(&self, class: DayClass, origin: usize, max_days: usize) -> Vec<f64> {
        match self.profile_where(|d| self.class[d] == class, origin, max_days) {
            Some(p) => p,
            None => match class {
                DayClass::Holiday => self.profile(DayClass::Weekday(6), origin, max_days),
                DayClass::Weekday(_) => self.pooled_profile(origin, max_days * 7),
            },
        }
    }

    /// Volume-weighted profile of the last `max_days` days before `origin` that satisfy `pick`
    /// and have volume; `None` when there are none.
    pub fn profile_where(&self, pick: impl Fn(usize) -> bool, origin: usize, max_days: usize) -> Option<Vec<f64>> {
        let mut acc = vec![0.0; self.per_day];
        let mut found = 0;
        let mut d = origin.min(self.days());
        while d > 0 && found < max_days {
            d -= 1;
            if pick(d) && self.totals[d].is_finite() && self.totals[d] > 0.0 {
                for (a, v) in acc.iter_mut().zip(self.day(d)) {
                    if v.is_finite() {
                        *a += v;
                    }
                }
                found += 1;
            }
        }
        let sum: f64 = acc.iter().sum();
        (found > 0 && sum > 0.0).then(|| acc.iter().map(|a| a / sum).collect())
    }

    fn pooled_profile(&self, origin: usize, max_days: usize) -> Vec<f64> {
        let mut acc = vec![0.0; self.per_day];
        let start = origin.min(self.days()).saturating_sub(max_days);
        for d in start..origin.min(self.days()) {
            for (a, v) in acc.iter_mut().zip(self.day(d)) {
                if v.is_finite() {
                    *a += v;
                }
            }
        }
        let sum: f64 = acc.iter().sum();
        if sum > 0.0 { acc.iter().map(|a| a / sum).collect() } else { vec![1.0 / self.per_day as f64; self.per_day] }
    }
}

pub(crate) fn class_of(i: &DayInfo) -> DayClass {
    match i.kind {
        DayKind::Holiday(_) => DayClass::Holiday,
        _ => DayClass::Weekday(i.behaves_like.num_days_from_monday() as usize),
    }
}

/// Sum of a day's finite intervals, scaled up for missing ones; `NaN` when over half are missing.
pub(crate) fn day_total(day: &[f64]) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for v in day {
        if v.is_finite() {
            s += v;
            n += 1;
        }
    }
    if n * 2 < day.len() || n == 0 { f64::NAN } else { s * day.len() as f64 / n as f64 }
}

