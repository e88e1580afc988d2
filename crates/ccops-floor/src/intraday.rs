//! Intraday view: per queue and interval, actual vs forecast vs required, and the staffing gap.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Queue statistics for one interval as reported by the ACD (the `queue_stats` lines), joined
/// with the plan. Counts are f64 because forecasts and averages are fractional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IntervalFacts {
    pub queue: String,
    pub start: DateTime<Utc>,
    pub interval_minutes: u32,
    /// Actual offered contacts (None for intervals not yet reported).
    pub offered: Option<f64>,
    pub answered: Option<f64>,
    pub abandoned: Option<f64>,
    /// Answered within the queue's service-level threshold T.
    pub answered_within_sl: Option<f64>,
    /// Abandoned before the short-abandon threshold (excluded from the SL denominator).
    pub short_abandoned: Option<f64>,
    /// Original forecast volume.
    pub forecast: Option<f64>,
    /// Re-forecast volume for the rest of the day (None for past intervals).
    pub reforecast: Option<f64>,
    /// Required agents for the volume that matters (re-forecast if present, else forecast).
    pub required: Option<f64>,
    /// Agents actually staffed (average productive agents), or scheduled for future intervals.
    pub staffed: Option<f64>,
}

impl IntervalFacts {
    /// Service level = answered within T / (offered − short abandons). None without the data or
    /// when nothing was offered.
    pub fn service_level(&self) -> Option<f64> {
        let within = self.answered_within_sl?;
        let denom = self.offered? - self.short_abandoned.unwrap_or(0.0);
        (denom > 0.0).then(|| (within / denom).clamp(0.0, 1.0))
    }

    /// Offered over forecast − 1 (0.25 = 25 % over). None without both or with a zero forecast.
    pub fn volume_over_forecast(&self) -> Option<f64> {
        let f = self.forecast?;
        (f > 0.0).then(|| self.offered.map(|o| o / f - 1.0)).flatten()
    }

    /// Staffed − required: negative means short.
    pub fn gap(&self) -> Option<f64> {
        Some(self.staffed? - self.required?)
    }
}

/// Re-estimate the rest of the day from today's actuals (ALGORITHMS.md §9 step 4), used when the
/// forecasting engine is not available: scale the remaining forecast by actual/forecast so far,
/// blended with the original by the share of the day already observed. `forecast` and `actual`
/// are aligned per interval; `actual` has None for intervals not yet reported.
pub fn scale_reforecast(forecast: &[f64], actual: &[Option<f64>]) -> Vec<f64> {
    let total: f64 = forecast.iter().sum();
    let (mut seen_f, mut seen_a) = (0.0, 0.0);
    for (f, a) in forecast.iter().zip(actual) {
        if let Some(a) = a {
            seen_f += f;
            seen_a += a;
        }
    }
    if total <= 0.0 || seen_f <= 0.0 {
        return forecast.to_vec();
    }
    let w = (seen_f / total).clamp(0.0, 1.0);
    let factor = w * (seen_a / seen_f) + (1.0 - w);
    forecast.iter().zip(actual).map(|(f, a)| a.unwrap_or(f * factor)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_level_and_gap() {
        let f = IntervalFacts {
            offered: Some(100.0),
            answered_within_sl: Some(72.0),
            short_abandoned: Some(10.0),
            forecast: Some(80.0),
            staffed: Some(9.0),
            required: Some(11.5),
            ..Default::default()
        };
        assert!((f.service_level().unwrap() - 0.8).abs() < 1e-12);
        assert!((f.volume_over_forecast().unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(f.gap(), Some(-2.5));
        assert_eq!(IntervalFacts::default().service_level(), None);
    }

    #[test]
    fn reforecast_scales_the_rest() {
        let r = scale_reforecast(&[10.0, 10.0, 10.0, 10.0], &[Some(20.0), Some(20.0), None, None]);
        // half the day seen at 2×: factor = 0.5·2 + 0.5 = 1.5
        assert_eq!(r, vec![20.0, 20.0, 15.0, 15.0]);
        assert_eq!(scale_reforecast(&[1.0, 2.0], &[None, None]), vec![1.0, 2.0]);
    }
}
