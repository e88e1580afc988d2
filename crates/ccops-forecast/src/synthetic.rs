//! Seeded synthetic contact-center history for tests and benchmarks: intraday shape with two
//! peaks, weekday pattern, trend, day-level and Poisson noise, AHT with its own intraday shape,
//! and (when the calendar has holidays) a Spring Festival dip, pre-holiday surge, post-holiday
//! catch-up and 调休 days that behave like a Monday.

use crate::series::{History, Series};
use ccops_calendar::{Calendar, DayKind};
use chrono::{Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    pub queues: usize,
    pub first_day: NaiveDate,
    pub days: usize,
    pub interval_minutes: u32,
    pub seed: u64,
    /// Mean weekday contacts per day of a typical queue (queues vary ×0.3–×3 around it).
    pub mean_daily: f64,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec { queues: 1, first_day: NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default(), days: 364, interval_minutes: 15, seed: 1, mean_daily: 2000.0 }
    }
}

/// SplitMix64: small, fast, reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    /// Poisson sample: inversion by multiplication below 30, a rounded normal above.
    pub fn poisson(&mut self, lambda: f64) -> f64 {
        if lambda <= 0.0 {
            return 0.0;
        }
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let (mut k, mut p) = (0.0, 1.0);
            loop {
                p *= self.uniform();
                if p <= l {
                    return k;
                }
                k += 1.0;
            }
        }
        (lambda + lambda.sqrt() * self.normal()).round().max(0.0)
    }
}

/// Volume multiplier of a day from the calendar (1.0 on a plain calendar).
pub fn calendar_effect(calendar: &Calendar, day: NaiveDate) -> f64 {
    let info = calendar.day_info(day);
    let mut f = match &info.kind {
        DayKind::Holiday(name) if name == "春节" => 0.25,
        DayKind::Holiday(_) => 0.45,
        _ => 1.0,
    };
    if !matches!(info.kind, DayKind::Holiday(_)) {
        f *= match info.days_to_holiday {
            Some(1) => 1.35,
            Some(2) => 1.15,
            _ => 1.0,
        };
        f *= match info.days_after_holiday {
            Some(1) => 1.5,
            Some(2 | 3) => 1.2,
            _ => 1.0,
        };
        if let Some(off) = info.spring_festival_offset
            && (-14..=-3).contains(&off)
        {
            f *= 1.2;
        }
    }
    f
}

const WEEKDAY: [f64; 7] = [1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.45];

/// Generate `spec.queues` queues named `q0001…`.
pub fn generate(spec: &SyntheticSpec, calendar: &Calendar) -> History {
    let per_day = (1440 / spec.interval_minutes.max(1)) as usize;
    let day_effects: Vec<(f64, usize)> = (0..spec.days)
        .map(|d| {
            let day = spec.first_day + Duration::days(d as i64);
            let info = calendar.day_info(day);
            let w = match info.kind {
                DayKind::Holiday(_) => 6,
                _ => info.behaves_like.num_days_from_monday() as usize,
            };
            (calendar_effect(calendar, day), w)
        })
        .collect();
    let series = (0..spec.queues)
        .map(|q| {
            let mut rng = Rng::new(spec.seed.wrapping_mul(1_000_003).wrapping_add(q as u64));
            let size = spec.mean_daily * (0.3 + 2.7 * rng.uniform());
            let trend = 0.15 * (rng.uniform() - 0.3); // per year
            let peak1 = 9.5 + rng.uniform() * 1.5;
            let peak2 = 14.0 + rng.uniform() * 2.0;
            let wk: Vec<f64> = WEEKDAY.iter().map(|w| w * (0.9 + 0.2 * rng.uniform())).collect();
            let aht_base = 180.0 + 240.0 * rng.uniform();
            // Intraday shapes: weekdays two peaks 08–21 h; weekends one flatter peak.
            let shape = |hour: f64, weekend: bool| -> f64 {
                if !(7.0..22.0).contains(&hour) {
                    return 0.02;
                }
                if weekend {
                    0.3 + (-((hour - 13.0) / 3.5).powi(2)).exp()
                } else {
                    0.2 + (-((hour - peak1) / 1.6).powi(2)).exp() + 0.8 * (-((hour - peak2) / 2.0).powi(2)).exp()
                }
            };
            let mut shapes = [vec![0.0; per_day], vec![0.0; per_day]];
            for (we, sh) in shapes.iter_mut().enumerate() {
                for (k, v) in sh.iter_mut().enumerate() {
                    *v = shape((k as f64 + 0.5) * spec.interval_minutes as f64 / 60.0, we == 1);
                }
                let s: f64 = sh.iter().sum();
                sh.iter_mut().for_each(|v| *v /= s);
            }
            let n = spec.days * per_day;
            let (mut volume, mut aht, mut handled) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
            for (d, &(cal, w)) in day_effects.iter().enumerate() {
                let level = size * (1.0 + trend * d as f64 / 365.0) * wk[w] * cal * (0.05 * rng.normal()).exp();
                let sh = &shapes[(w >= 5) as usize];
                for (k, p) in sh.iter().enumerate() {
                    let v = rng.poisson(level * p);
                    let hour = k as f64 * spec.interval_minutes as f64 / 60.0;
                    let h = (v * 0.95).round();
                    volume.push(v);
                    handled.push(h);
                    aht.push(if h > 0.0 { aht_base * (1.0 + 0.15 * ((hour - 12.0) / 6.0).powi(2)) * (1.0 + 0.1 * rng.normal() / h.sqrt()) } else { f64::NAN });
                }
            }
            Series { queue: format!("q{:04}", q + 1), first_day: spec.first_day, interval_minutes: spec.interval_minutes, volume, aht, handled }
        })
        .collect();
    History { series }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible_and_shaped() {
        let cal = Calendar::china();
        let spec = SyntheticSpec { queues: 2, days: 28, ..Default::default() };
        let a = generate(&spec, &cal);
        let b = generate(&spec, &cal);
        assert_eq!(a.series[0].volume, b.series[0].volume);
        assert_ne!(a.series[0].volume, a.series[1].volume);
        assert_eq!(a.series[0].volume.len(), 28 * 96);
        let night: f64 = a.series[0].volume[..20].iter().sum();
        let midday: f64 = a.series[0].volume[40..60].iter().sum();
        assert!(midday > 10.0 * night.max(1.0));
    }

    #[test]
    fn poisson_mean() {
        let mut r = Rng::new(7);
        for lambda in [0.5, 4.0, 80.0] {
            let m: f64 = (0..20_000).map(|_| r.poisson(lambda)).sum::<f64>() / 20_000.0;
            assert!((m - lambda).abs() < 0.05 * lambda + 0.02, "{lambda}: {m}");
        }
    }

    #[test]
    fn spring_festival_dip_and_surge() {
        let cal = Calendar::china();
        let d = |m, dd| NaiveDate::from_ymd_opt(2025, m, dd).unwrap();
        assert_eq!(calendar_effect(&cal, d(1, 29)), 0.25);
        assert!(calendar_effect(&cal, d(1, 20)) > 1.1); // pre-festival
        assert!(calendar_effect(&cal, d(2, 5)) > 1.4); // first day back
        assert_eq!(calendar_effect(&Calendar::plain(), d(1, 29)), 1.0);
    }
}
