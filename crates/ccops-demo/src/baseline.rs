//! A deliberately simple forecast used by `ccops demo` only while `ccops-forecast` has no
//! engine: for each future interval, the mean of the same weekday and time over the last
//! `weeks` ordinary weeks (holidays, 调休 days and the Spring Festival run-up left out), with a
//! band of ±1.96 standard deviations across those weeks. It ignores trend and any holiday inside
//! the horizon; the real engine replaces it.

use crate::history::{HistoryRow, INTERVAL_MINUTES, china_offset};
use crate::holidays::Holiday;
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeDelta, Timelike};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One sample day's (offered, AHT) in one slot.
type Observation = (f64, Option<f64>);

/// Name stored with forecasts made by [`seasonal_baseline`].
pub const BASELINE_MODEL: &str = "seasonal-weekday-mean (demo fallback)";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastPoint {
    pub interval_start: DateTime<FixedOffset>,
    pub volume: f64,
    pub aht_seconds: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Forecast `days` days from `start` for one queue's history rows (any order).
/// Slots never seen open in the sample are left out (the queue is closed then).
pub fn seasonal_baseline(
    history: &[&HistoryRow],
    holidays: &[Holiday],
    start: NaiveDate,
    days: u32,
    weeks: u32,
) -> Vec<ForecastPoint> {
    let skip: HashSet<NaiveDate> = holidays.iter().map(|h| h.date).collect();
    // Sample: the `weeks` most recent ordinary occurrences of each weekday before `start`.
    let mut sample_days: HashMap<chrono::Weekday, Vec<NaiveDate>> = HashMap::new();
    let mut d = start.pred_opt();
    while let Some(day) = d {
        if start - day > TimeDelta::days(7 * (weeks as i64 + 8)) {
            break;
        }
        if !skip.contains(&day) {
            let v = sample_days.entry(day.weekday()).or_default();
            if v.len() < weeks as usize {
                v.push(day);
            }
        }
        d = day.pred_opt();
    }
    let wanted: HashSet<NaiveDate> = sample_days.values().flatten().copied().collect();
    // (weekday, slot) → observed (volume, aht) per sample day.
    let mut obs: HashMap<(chrono::Weekday, u32), Vec<Observation>> = HashMap::new();
    for h in history {
        let date = h.interval_start.date_naive();
        if wanted.contains(&date) {
            let t = h.interval_start.time();
            let slot = (t.hour() * 60 + t.minute()) / INTERVAL_MINUTES;
            obs.entry((date.weekday(), slot))
                .or_default()
                .push((h.offered as f64, h.aht_seconds));
        }
    }
    let offset = china_offset();
    let mut out = Vec::new();
    for k in 0..days {
        let Some(date) = start.checked_add_days(Days::new(k.into())) else {
            break;
        };
        let Some(midnight) = date
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
        else {
            continue;
        };
        let n_days = sample_days.get(&date.weekday()).map_or(0, Vec::len).max(1) as f64;
        let mut slots: Vec<_> = obs
            .iter()
            .filter(|((w, _), _)| *w == date.weekday())
            .collect();
        slots.sort_by_key(|((_, s), _)| *s);
        for ((_, slot), xs) in slots {
            // Days with the slot missing count as zero volume.
            let mean = xs.iter().map(|x| x.0).sum::<f64>() / n_days;
            let var = xs.iter().map(|x| (x.0 - mean).powi(2)).sum::<f64>() / n_days;
            let ahts: Vec<(f64, f64)> = xs.iter().filter_map(|x| x.1.map(|a| (a, x.0))).collect();
            let weight: f64 = ahts.iter().map(|a| a.1).sum();
            let Some(aht) =
                (weight > 0.0).then(|| ahts.iter().map(|a| a.0 * a.1).sum::<f64>() / weight)
            else {
                continue;
            };
            let band = 1.96 * var.sqrt();
            out.push(ForecastPoint {
                interval_start: midnight + TimeDelta::minutes((*slot * INTERVAL_MINUTES) as i64),
                volume: mean,
                aht_seconds: aht,
                lower: (mean - band).max(0.0),
                upper: mean + band,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DemoConfig, generate};

    #[test]
    fn baseline_tracks_the_last_weeks_and_keeps_the_weekly_shape() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let c = generate(&DemoConfig::small(4, today)).unwrap();
        let rows: Vec<&HistoryRow> = c.history.iter().filter(|h| h.queue == "cn_voice").collect();
        let f = seasonal_baseline(&rows, &c.holidays, today, 14, 6);
        let per_day = |date: NaiveDate| {
            f.iter()
                .filter(|p| p.interval_start.date_naive() == date)
                .map(|p| p.volume)
                .sum::<f64>()
        };
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        // Last weeks of history: the configured weekday volume (1500 × 0.22 scale, Monday 1.12 ≈ 370).
        assert!(
            (290.0..450.0).contains(&per_day(monday)),
            "{}",
            per_day(monday)
        );
        assert!(per_day(monday) > 1.5 * per_day(sunday));
        assert!(
            f.iter()
                .all(|p| p.lower <= p.volume && p.volume <= p.upper && p.aht_seconds > 0.0)
        );
        // Closed hours stay closed: nothing before 08:00 for cn_voice.
        assert!(f.iter().all(|p| p.interval_start.hour() >= 8));
        assert_eq!(
            f.iter()
                .filter(|p| p.interval_start.date_naive() == monday)
                .count(),
            56
        );
    }
}
