//! Synthetic 15-minute interval history (`interval_start,queue,offered,handled,abandoned,aht_seconds`).
//!
//! expected offered = weekday volume × day factor × trend × intraday share, then Poisson noise.
//! - day factor: weekly shape (Monday peak, quiet Sunday), statutory holidays (dip), 调休
//!   workdays (worked like a weekday), a surge in the ten days before the Spring Festival and
//!   during it a deep dip, a rebound on the first workdays after a holiday, ±5 % daily noise;
//! - trend: +8 % a year, so the last day is at the queue's `weekday_volume`;
//! - intraday share: two humps for voice (10:30, 15:00), an evening hump for chat, email all day;
//! - AHT: ±4 % daily drift, longer at the edges of the day and on holidays, and the sampling
//!   noise of a mean over the interval's handled contacts;
//! - abandonment (voice, chat): a base rate that climbs steeply on busy days.
//!
//! Rows are emitted for every interval inside the queue's opening hours (zeros included), none
//! outside them.

use crate::center::{Channel, Queue};
use crate::holidays::{DayKind, Festival, Holiday};
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, TimeDelta, Weekday};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::collections::HashMap;

/// Minutes per history interval.
pub const INTERVAL_MINUTES: u32 = 15;
const SLOTS_PER_DAY: u32 = 24 * 60 / INTERVAL_MINUTES;

/// One queue × 15-minute interval, as in the interval-history exchange format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    /// Local time in China (+08:00).
    pub interval_start: DateTime<FixedOffset>,
    pub queue: String,
    pub offered: u32,
    pub handled: u32,
    pub abandoned: u32,
    /// Mean handle time of the handled contacts; `None` when nothing was handled.
    pub aht_seconds: Option<f64>,
}

/// China Standard Time; no daylight saving, so a fixed offset is exact.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller; 1 − u keeps the logarithm finite.
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Poisson(λ): exact (Knuth) for small λ, normal approximation above 30 where it is accurate
/// to well under the model's own uncertainty.
fn poisson(rng: &mut StdRng, lambda: f64) -> u32 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = rng.random::<f64>();
        while p > limit {
            k += 1;
            p *= rng.random::<f64>();
        }
        return k;
    }
    (lambda + lambda.sqrt() * normal(rng)).round().max(0.0) as u32
}

fn weekly_factor(channel: Channel, weekday: Weekday) -> f64 {
    let weekend = match channel {
        Channel::Voice => [0.62, 0.52],
        Channel::Chat => [0.85, 0.78],
        Channel::Email => [0.45, 0.40],
    };
    match weekday {
        Weekday::Mon => 1.12,
        Weekday::Tue => 1.03,
        Weekday::Wed => 1.0,
        Weekday::Thu => 0.97,
        Weekday::Fri => 0.93,
        Weekday::Sat => weekend[0],
        Weekday::Sun => weekend[1],
    }
}

/// Relative arrival intensity at local hour `h` (fractional).
fn intraday_intensity(channel: Channel, h: f64) -> f64 {
    let bump = |centre: f64, width: f64| (-0.5 * ((h - centre) / width).powi(2)).exp();
    match channel {
        Channel::Voice => 0.12 + bump(10.5, 1.4) + 0.85 * bump(15.0, 1.7),
        Channel::Chat => {
            0.2 + 0.7 * bump(11.0, 1.5) + 0.6 * bump(15.0, 1.5) + 0.95 * bump(20.5, 1.4)
        }
        Channel::Email => 0.1 + bump(10.0, 2.5) + 0.8 * bump(15.5, 2.5),
    }
}

/// Share of the day's volume per 15-minute slot (0 outside opening hours; sums to 1).
fn intraday_shares(q: &Queue) -> Vec<f64> {
    let open = q.open_hour * 60 / INTERVAL_MINUTES;
    let close = (q.close_hour * 60 / INTERVAL_MINUTES).min(SLOTS_PER_DAY);
    let raw: Vec<f64> = (0..SLOTS_PER_DAY)
        .map(|s| {
            if s < open || s >= close {
                return 0.0;
            }
            let hour = (s as f64 + 0.5) * INTERVAL_MINUTES as f64 / 60.0;
            intraday_intensity(q.channel, hour)
        })
        .collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter()
        .map(|x| if total > 0.0 { x / total } else { 0.0 })
        .collect()
}

/// The calendar effect on one day, before trend and noise.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DayShape {
    factor: f64,
    /// Multiplier on AHT (holiday contacts are fewer but harder).
    aht: f64,
}

/// Calendar effects for each date in [from, to): weekly shape, holidays, 调休, Spring Festival
/// surge and rebound. Computed once for all queues of a channel.
fn day_shapes(
    channel: Channel,
    holidays: &[Holiday],
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<NaiveDate, DayShape> {
    let by_date: HashMap<NaiveDate, &Holiday> = holidays.iter().map(|h| (h.date, h)).collect();
    let spring_starts: Vec<NaiveDate> = holidays
        .iter()
        .filter(|h| h.festival == Festival::SpringFestival && h.kind == DayKind::Off)
        .map(|h| h.date)
        .filter(|d| {
            !by_date
                .get(&(*d - TimeDelta::days(1)))
                .is_some_and(|p| p.kind == DayKind::Off)
        })
        .collect();
    // Spring Festival effects reach back before `from`; look a little further both ways.
    let mut shapes = HashMap::new();
    let mut days_since_break = u32::MAX;
    let lead_in = from.checked_sub_days(Days::new(20)).unwrap_or(from);
    for date in lead_in.iter_days().take_while(|d| *d < to) {
        let holiday = by_date.get(&date);
        let (mut factor, mut aht) = match holiday.map(|h| (h.festival, h.kind)) {
            Some((Festival::SpringFestival, DayKind::Off)) => {
                let start = spring_starts
                    .iter()
                    .rev()
                    .find(|s| **s <= date)
                    .copied()
                    .unwrap_or(date);
                let k = (date - start).num_days() as f64;
                // Deepest on 除夕 / 初一, recovering towards the end of the break.
                (0.22 + 0.04 * k, 1.15)
            }
            Some((_, DayKind::Off)) => (if days_since_break == 0 { 0.5 } else { 0.55 }, 1.08),
            // 调休: a weekend day worked as a weekday, a little quieter than a real one.
            Some((_, DayKind::Workday)) => (0.92, 1.0),
            None => (weekly_factor(channel, date.weekday()), 1.0),
        };
        if holiday.is_some_and(|h| h.kind == DayKind::Off) {
            days_since_break = 0;
        } else {
            // Rebound on the first two working days after a break.
            let is_workday = holiday.is_some() || date.weekday().num_days_from_monday() < 5;
            if is_workday && days_since_break < 2 {
                factor *= if days_since_break == 0 { 1.25 } else { 1.12 };
                days_since_break += 1;
            } else if is_workday {
                days_since_break = 2;
            }
            // Pre-Spring-Festival surge: ramps up over the ten days before the break.
            if let Some(start) = spring_starts.iter().find(|s| **s > date) {
                let before = (*start - date).num_days();
                if before <= 10 {
                    factor *= 1.0 + 0.04 * (11 - before) as f64;
                    aht *= 1.05;
                }
            }
        }
        if date >= from {
            shapes.insert(date, DayShape { factor, aht });
        }
    }
    shapes
}

/// History for every queue, from `from` (inclusive) to `to` (exclusive), ordered by queue then
/// time. Deterministic in `seed`.
pub fn generate(
    queues: &[Queue],
    holidays: &[Holiday],
    from: NaiveDate,
    to: NaiveDate,
    seed: u64,
) -> Vec<HistoryRow> {
    let offset = china_offset();
    let total_days = (to - from).num_days().max(0) as f64;
    let mut rows = Vec::new();
    for (qi, q) in queues.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(
            seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .wrapping_add(qi as u64),
        );
        let shares = intraday_shares(q);
        let shapes = day_shapes(q.channel, holidays, from, to);
        let base_abandon = match q.channel {
            Channel::Voice => 0.035,
            Channel::Chat => 0.05,
            Channel::Email => 0.0,
        };
        for (day_index, date) in from.iter_days().take_while(|d| *d < to).enumerate() {
            let shape = shapes.get(&date).copied().unwrap_or(DayShape {
                factor: 1.0,
                aht: 1.0,
            });
            // Years before the end of the history (≤ 0): +8 % volume and −3 % AHT per year.
            let years_back = (day_index as f64 - total_days) / 365.0;
            let trend = 1.0 + 0.08 * years_back;
            let day_noise = (1.0 + 0.05 * normal(&mut rng)).max(0.5);
            let day_volume = q.weekday_volume * shape.factor * trend * day_noise;
            let day_aht = q.aht_seconds
                * shape.aht
                * (1.0 - 0.03 * years_back)
                * (1.0 + 0.04 * normal(&mut rng));
            // Busy days overload the floor: abandonment grows with the cube of the load.
            let abandon_rate = (base_abandon * (shape.factor * day_noise).powi(3)).min(0.3);
            let Some(midnight) = date
                .and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_local_timezone(offset).single())
            else {
                continue;
            };
            for (slot, share) in shares.iter().enumerate() {
                if *share == 0.0 {
                    continue;
                }
                let offered = poisson(&mut rng, day_volume * share);
                let abandoned = poisson(&mut rng, offered as f64 * abandon_rate).min(offered);
                let handled = offered - abandoned;
                let hour = slot as f64 * INTERVAL_MINUTES as f64 / 60.0;
                let edge = if !(9.0..20.0).contains(&hour) {
                    1.08
                } else {
                    1.0
                };
                // A mean of `handled` contacts with a coefficient of variation of 0.8.
                let aht_seconds = (handled > 0).then(|| {
                    let sd = 0.8 / (handled as f64).sqrt();
                    (day_aht * edge * (1.0 + sd * normal(&mut rng))).max(30.0)
                });
                rows.push(HistoryRow {
                    interval_start: midnight
                        + TimeDelta::minutes(slot as i64 * INTERVAL_MINUTES as i64),
                    queue: q.id.clone(),
                    offered,
                    handled,
                    abandoned,
                    aht_seconds,
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DemoConfig, generate as generate_center};
    use chrono::Timelike;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    /// Daily offered per date for one queue of the full demo (today 2026-11-22).
    fn daily(queue: &str) -> HashMap<NaiveDate, u32> {
        let c = generate_center(&DemoConfig::full(5, d(2026, 11, 22))).unwrap();
        let mut out = HashMap::new();
        for h in c.history.iter().filter(|h| h.queue == queue) {
            *out.entry(h.interval_start.date_naive()).or_insert(0) += h.offered;
        }
        out
    }

    fn mean(days: &HashMap<NaiveDate, u32>, pick: impl Fn(&NaiveDate) -> bool) -> f64 {
        let v: Vec<f64> = days
            .iter()
            .filter(|(d, _)| pick(d))
            .map(|(_, n)| *n as f64)
            .collect();
        assert!(!v.is_empty());
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn weekdays_busier_than_weekends() {
        let days = daily("cn_voice");
        // Autumn, away from holidays.
        let ordinary = |dt: &NaiveDate| *dt >= d(2026, 10, 12) && *dt < d(2026, 11, 22);
        let wd = mean(&days, |dt| {
            ordinary(dt) && dt.weekday().num_days_from_monday() < 5
        });
        let we = mean(&days, |dt| {
            ordinary(dt) && dt.weekday().num_days_from_monday() >= 5
        });
        assert!(wd > 1.4 * we, "weekday {wd} weekend {we}");
        // The last weeks sit near the configured weekday volume (1500).
        assert!((1300.0..1700.0).contains(&wd), "weekday mean {wd}");
    }

    #[test]
    fn spring_festival_dips_and_the_weeks_before_surge() {
        let days = daily("cn_voice");
        let normal_weekdays = mean(&days, |dt| {
            *dt >= d(2026, 1, 12) && *dt < d(2026, 1, 31) && dt.weekday().num_days_from_monday() < 5
        });
        let festival = mean(&days, |dt| *dt >= d(2026, 2, 15) && *dt <= d(2026, 2, 23));
        let surge = mean(&days, |dt| *dt >= d(2026, 2, 9) && *dt <= d(2026, 2, 13));
        assert!(
            festival < 0.5 * normal_weekdays,
            "festival {festival} vs {normal_weekdays}"
        );
        assert!(
            surge > 1.15 * normal_weekdays,
            "surge {surge} vs {normal_weekdays}"
        );
        // 调休: Saturday 2026-02-28 is worked, so far busier than an ordinary Saturday.
        let saturdays = mean(&days, |dt| {
            *dt >= d(2026, 3, 7) && *dt < d(2026, 4, 1) && dt.weekday() == Weekday::Sat
        });
        assert!(
            days[&d(2026, 2, 28)] as f64 > 1.2 * saturdays,
            "{} vs {saturdays}",
            days[&d(2026, 2, 28)]
        );
    }

    #[test]
    fn rows_are_consistent_and_inside_opening_hours() {
        let c = generate_center(&DemoConfig::small(9, d(2026, 3, 1))).unwrap();
        for q in &c.queues {
            for h in c.history.iter().filter(|h| h.queue == q.id) {
                let hour = h.interval_start.hour();
                assert!(
                    hour >= q.open_hour && hour < q.close_hour,
                    "{} at {}",
                    q.id,
                    h.interval_start
                );
                assert_eq!(h.offered, h.handled + h.abandoned);
                assert_eq!(h.aht_seconds.is_some(), h.handled > 0);
                if q.channel == Channel::Email {
                    assert_eq!(h.abandoned, 0);
                }
            }
        }
        let email_mean: f64 = {
            let v: Vec<f64> = c
                .history
                .iter()
                .filter(|h| h.queue == "email")
                .filter_map(|h| h.aht_seconds)
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(
            (350.0..520.0).contains(&email_mean),
            "email AHT {email_mean}"
        );
    }

    #[test]
    fn poisson_sampler_has_the_right_mean_and_variance() {
        let mut rng = StdRng::seed_from_u64(1);
        for lambda in [0.7, 12.0, 80.0] {
            let xs: Vec<f64> = (0..20_000)
                .map(|_| poisson(&mut rng, lambda) as f64)
                .collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
            assert!(
                (m - lambda).abs() < 0.05 * lambda + 0.05,
                "mean {m} for {lambda}"
            );
            assert!(
                (var - lambda).abs() < 0.1 * lambda + 0.1,
                "var {var} for {lambda}"
            );
        }
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
    }
}
