//! Interval history held as one regular, day-aligned series per queue (local civil time).

use crate::ForecastError;
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use std::collections::BTreeMap;

/// One observed interval, as the importer hands it in.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub queue: String,
    /// Interval start, local civil time.
    pub start: NaiveDateTime,
    pub offered: f64,
    /// Handled contacts (weights the AHT); `None` = unknown (then `offered` weights it).
    pub handled: Option<f64>,
    pub aht_seconds: Option<f64>,
}

/// One queue's history on a regular grid that starts at midnight of `first_day` and covers whole
/// days. Missing intervals are `NaN`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub queue: String,
    pub first_day: NaiveDate,
    pub interval_minutes: u32,
    pub volume: Vec<f64>,
    /// Mean handle time per interval, seconds (`NaN` = unknown).
    pub aht: Vec<f64>,
    /// Weight of `aht` (handled contacts; `NaN` when unknown).
    pub handled: Vec<f64>,
}

impl Series {
    pub fn per_day(&self) -> usize {
        (1440 / self.interval_minutes) as usize
    }
    pub fn days(&self) -> usize {
        self.volume.len() / self.per_day()
    }
    pub fn day(&self, i: usize) -> NaiveDate {
        self.first_day + Duration::days(i as i64)
    }
    /// Index of a date's first interval (may be past the end).
    pub fn day_index(&self, date: NaiveDate) -> i64 {
        (date - self.first_day).num_days()
    }
    pub fn interval_start(&self, idx: usize) -> NaiveDateTime {
        self.first_day.and_time(chrono::NaiveTime::MIN) + Duration::minutes(idx as i64 * self.interval_minutes as i64)
    }
    /// Whether any AHT is known.
    pub fn has_aht(&self) -> bool {
        self.aht.iter().any(|a| a.is_finite())
    }
    /// The last day with at least one observed interval (+1), i.e. the natural forecast origin.
    pub fn observed_days(&self) -> usize {
        let p = self.per_day();
        (0..self.days()).rev().find(|&d| self.volume[d * p..(d + 1) * p].iter().any(|v| v.is_finite())).map_or(0, |d| d + 1)
    }
}

/// Interval history of several queues.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub series: Vec<Series>,
}

impl History {
    /// Build day-aligned series. `interval_minutes` = `None` detects each queue's grid (the most
    /// common step). Intervals off the grid are added to the interval containing them; repeated
    /// intervals (a daylight-saving hour that occurs twice) are added.
    pub fn from_observations(obs: &[Observation], interval_minutes: Option<u32>) -> Result<History, ForecastError> {
        let mut by_queue: BTreeMap<&str, Vec<&Observation>> = BTreeMap::new();
        for o in obs {
            if !o.offered.is_finite() || o.offered < 0.0 {
                return Err(ForecastError::InvalidInput(format!("queue `{}` at {}: offered {} is not a count", o.queue, o.start, o.offered)));
            }
            by_queue.entry(o.queue.as_str()).or_default().push(o);
        }
        let mut series = Vec::new();
        for (queue, mut rows) in by_queue {
            rows.sort_by_key(|o| o.start);
            let step = match interval_minutes {
                Some(m) => m,
                None => detect_step(&rows).ok_or_else(|| ForecastError::InvalidInput(format!("queue `{queue}`: cannot find a regular interval length that divides the day")))?,
            };
            if step == 0 || 1440 % step != 0 {
                return Err(ForecastError::InvalidInput(format!("interval length {step} min does not divide a day")));
            }
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else { continue };
            let first_day = first.start.date();
            let n_days = (last.start.date() - first_day).num_days() as usize + 1;
            let per_day = (1440 / step) as usize;
            let n = n_days * per_day;
            let mut volume = vec![f64::NAN; n];
            let mut aht_sum = vec![0.0; n];
            let mut weight = vec![f64::NAN; n];
            for o in rows {
                let day = (o.start.date() - first_day).num_days() as usize;
                let slot = ((o.start.hour() * 60 + o.start.minute()) / step) as usize;
                let i = day * per_day + slot;
                volume[i] = if volume[i].is_nan() { o.offered } else { volume[i] + o.offered };
                if let Some(a) = o.aht_seconds.filter(|a| a.is_finite() && *a > 0.0) {
                    let w = o.handled.unwrap_or(o.offered);
                    if w > 0.0 {
                        aht_sum[i] += a * w;
                        weight[i] = if weight[i].is_nan() { w } else { weight[i] + w };
                    }
                }
            }
            let aht = aht_sum.iter().zip(&weight).map(|(s, w)| if w.is_finite() && *w > 0.0 { s / w } else { f64::NAN }).collect();
            series.push(Series { queue: queue.to_string(), first_day, interval_minutes: step, volume, aht, handled: weight });
        }
        if series.is_empty() {
            return Err(ForecastError::InvalidInput("history has no rows".into()));
        }
        Ok(History { series })
    }
}

fn detect_step(rows: &[&Observation]) -> Option<u32> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for w in rows.windows(2) {
        let m = (w[1].start - w[0].start).num_minutes();
        if m > 0 && m <= 1440 {
            *counts.entry(m).or_default() += 1;
        }
    }
    let step = counts.iter().max_by_key(|(m, c)| (**c, -**m)).map(|(m, _)| *m).unwrap_or(1440);
    (step > 0 && 1440 % step == 0).then_some(step as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_day_aligned_grid_with_gaps_and_aht() {
        let t = |h: u32, m: u32| NaiveDate::from_ymd_opt(2026, 1, 5).unwrap().and_hms_opt(h, m, 0).unwrap();
        let o = |start, offered, aht: Option<f64>| Observation { queue: "q".into(), start, offered, handled: Some(offered), aht_seconds: aht };
        let obs = vec![o(t(9, 0), 10.0, Some(100.0)), o(t(9, 30), 4.0, Some(200.0)), o(t(9, 45), 6.0, None), o(t(9, 37), 2.0, Some(300.0))];
        let h = History::from_observations(&obs, Some(15)).unwrap();
        let s = &h.series[0];
        assert_eq!(s.per_day(), 96);
        assert_eq!(s.days(), 1);
        assert_eq!(s.volume[36], 10.0);
        assert!(s.volume[37].is_nan());
        assert_eq!(s.volume[38], 6.0); // 09:30 + off-grid 09:37
        assert!((s.aht[38] - (4.0 * 200.0 + 2.0 * 300.0) / 6.0).abs() < 1e-9);
        assert!(s.aht[39].is_nan());
        assert_eq!(s.observed_days(), 1);
        let regular: Vec<_> = (0..8).map(|i| o(t(9, 0) + Duration::minutes(30 * i), 1.0, None)).collect();
        assert_eq!(History::from_observations(&regular, None).unwrap().series[0].interval_minutes, 30);
    }
}
