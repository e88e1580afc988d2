//! Forecasting engine (F1–F5, F7): history cleaning, volume and AHT models, rolling-origin
//! backtest with automatic model choice per queue, prediction intervals, intraday re-forecast.
//! Pure: no I/O, no clock — callers pass history, calendar and dates in.
//!
//! Public API (stable; used by the CLI, the server and the demo):
//!
//! * [`History::from_observations`] — interval rows → one day-aligned [`Series`] per queue.
//! * [`forecast`]`(&History, &Calendar, start, days, &Options) -> Forecast` — per queue: cleans
//!   the history ([`clean_series`], flags kept in [`QueueForecast::cleaning`]), chooses a model by
//!   a rolling-origin backtest on the most recent history, forecasts interval volume with p10/p90
//!   (negative binomial, dispersion from the backtest residuals) and AHT.
//! * [`backtest`]`(&History, &Calendar, &BacktestOptions) -> BacktestReport` — WAPE, MASE, bias
//!   of every model per queue and overall, and the model chosen on a separate selection window.
//! * [`reforecast_intraday`]`(day_forecast, actuals_so_far)` — re-forecast the rest of today.
//! * [`synthetic::generate`] — seeded synthetic history (daily/weekly shapes, trend, noise,
//!   Spring Festival dip, pre-holiday surge) for tests and benchmarks.
//!
//! ```
//! use ccops_forecast::{forecast, synthetic, Options};
//! use ccops_calendar::Calendar;
//! use chrono::NaiveDate;
//! let cal = Calendar::china();
//! let spec = synthetic::SyntheticSpec { queues: 1, days: 70, ..Default::default() };
//! let history = synthetic::generate(&spec, &cal);
//! let start = spec.first_day + chrono::Duration::days(70);
//! let f = forecast(&history, &cal, start, 2, &Options::default()).unwrap();
//! assert_eq!(f.queues[0].intervals.len(), 2 * 96);
//! assert!(f.queues[0].intervals.iter().all(|i| i.p10 <= i.volume.ceil() && i.volume <= i.p90 + 1.0));
//! ```

mod backtest;
mod clean;
pub mod metrics;
mod models;
mod prepare;
mod series;
pub mod synthetic;

pub use backtest::{BacktestOptions, BacktestReport, ModelScore, QueueBacktest, backtest, backtest_with_progress};
pub use clean::{CleanFlag, CleanOptions, FlagKind, Override, clean_series};
pub use models::{ModelKind, ModelOptions};
pub use series::{History, Observation, Series};

use backtest::{MIN_TRAIN_DAYS, argmin, horizon_is_special, origin_list, score, total};
use ccops_calendar::Calendar;
use chrono::{NaiveDate, NaiveDateTime};
use metrics::{nb_dispersion, nb_quantile, seasonal_naive_scale};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("not enough history: {0}")]
    NotEnoughHistory(String),
}

/// Forecast options.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Candidate models; the backtest picks one per queue. When the forecast horizon holds
    /// holidays, 调休 days, pre/post-holiday days, the Spring Festival window or user events, the
    /// calendar regression is used whatever the backtest said (the others cannot know them).
    pub models: Vec<ModelKind>,
    pub model: ModelOptions,
    pub clean: CleanOptions,
    /// Origins of the selection backtest (one per day, most recent first).
    pub selection_origins: usize,
    /// Horizon of the selection backtest; `None` = the forecast horizon capped at 7 days.
    pub selection_horizon_days: Option<usize>,
    /// Worker threads (0 = all cores).
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { models: ModelKind::ALL.to_vec(), model: ModelOptions::default(), clean: CleanOptions::default(), selection_origins: 7, selection_horizon_days: None, threads: 0 }
    }
}

/// One forecast interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalForecast {
    /// Local civil time.
    pub start: NaiveDateTime,
    /// Expected contacts.
    pub volume: f64,
    /// 10 % / 90 % quantiles of the contacts (negative binomial).
    pub p10: f64,
    pub p90: f64,
    /// `None` when the history has no AHT.
    pub aht_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueForecast {
    pub queue: String,
    pub interval_minutes: u32,
    pub model: ModelKind,
    /// Selection backtest score of every candidate.
    pub selection: Vec<ModelScore>,
    /// Negative-binomial dispersion κ (Var = m + m²/κ); infinite = Poisson.
    pub dispersion: f64,
    pub intervals: Vec<IntervalForecast>,
    /// What cleaning replaced in this queue's history (overridable via [`CleanOptions::overrides`]).
    pub cleaning: Vec<CleanFlag>,
    /// Forecast days whose holiday data is provisional (no official notice loaded).
    pub provisional_days: Vec<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub queues: Vec<QueueForecast>,
}

/// Forecast `days` days from `start` for every queue. History after `start` is ignored; a gap
/// between the end of history and `start` is forecast too (and not returned).
pub fn forecast(history: &History, calendar: &Calendar, start: NaiveDate, days: usize, o: &Options) -> Result<Forecast, ForecastError> {
    forecast_with_progress(history, calendar, start, days, o, &|| {})
}

/// [`forecast`] calling `progress` once per finished queue.
pub fn forecast_with_progress(history: &History, calendar: &Calendar, start: NaiveDate, days: usize, o: &Options, progress: &(dyn Fn() + Sync)) -> Result<Forecast, ForecastError> {
    if days == 0 {
        return Err(ForecastError::InvalidInput("days must be at least 1".into()));
    }
    if o.models.is_empty() {
        return Err(ForecastError::InvalidInput("no candidate models".into()));
    }
    let res = parallel_map(&history.series, o.threads, |s| {
        let r = forecast_queue(s, calendar, start, days, o);
        progress();
        r
    });
    Ok(Forecast { queues: res.into_iter().collect::<Result<_, _>>()? })
}

fn forecast_queue(s: &Series, calendar: &Calendar, start: NaiveDate, days: usize, o: &Options) -> Result<QueueForecast, ForecastError> {
    let start_idx = s.day_index(start);
    let origin = (s.observed_days() as i64).min(start_idx);
    if origin < MIN_TRAIN_DAYS as i64 {
        return Err(ForecastError::NotEnoughHistory(format!("queue `{}`: needs at least {MIN_TRAIN_DAYS} days of history before {start} (has {})", s.queue, origin.max(0))));
    }
    let origin = origin as usize;
    let skip = (start_idx - origin as i64) as usize;
    let horizon = skip + days;
    let sel_h = o.selection_horizon_days.unwrap_or(horizon.min(7)).max(1);
    let (p, cleaning) = clean::prepare(s, calendar, &o.clean, horizon.max(sel_h));
    let n = p.per_day;
    // Model choice + dispersion from a rolling-origin backtest on the most recent history.
    let sel = origin_list(origin as i64 - sel_h as i64, o.selection_origins, 1, MIN_TRAIN_DAYS);
    let (model, selection, dispersion) = if sel.is_empty() {
        (if o.models.contains(&ModelKind::MultiSeasonal) { ModelKind::MultiSeasonal } else { o.models[0] }, Vec::new(), f64::INFINITY)
    } else {
        let train_start = sel[0].saturating_sub(o.model.train_days.min(sel[0]));
        let scale = seasonal_naive_scale(&s.volume[train_start * n..sel[0] * n], 7 * n);
        let mut pairs = Vec::new();
        let sums: Vec<_> = score(&p, &o.models, &sel, sel_h, scale, &o.model, Some(&mut pairs)).iter().map(|v| total(v)).collect();
        let idx = argmin(&sums.iter().map(|e| e.wape()).collect::<Vec<_>>());
        let model = if o.models.contains(&ModelKind::CalendarRegression) && horizon_is_special(&p, origin, horizon) { ModelKind::CalendarRegression } else { o.models[idx] };
        let (ys, fs): (Vec<f64>, Vec<f64>) = pairs.iter().filter(|(m, _, _)| *m == model).flat_map(|(_, y, f)| y.iter().copied().zip(f.iter().copied())).unzip();
        let selection = o.models.iter().zip(&sums).map(|(&m, e)| ModelScore::from_sums(m, *e)).collect();
        (model, selection, nb_dispersion(&ys, &fs))
    };
    let vol = models::predict(model, &p, origin, horizon, &o.model);
    let aht = models::predict_aht(&p, origin, horizon, &o.model);
    let mut intervals = Vec::with_capacity(days * n);
    for i in skip * n..horizon * n {
        let v = vol[i];
        intervals.push(IntervalForecast {
            start: s.interval_start(origin * n + i),
            volume: v,
            p10: nb_quantile(v, dispersion, 0.1),
            p90: nb_quantile(v, dispersion, 0.9),
            aht_seconds: aht.as_ref().map(|a| a[i]),
        });
    }
    let provisional_days = (0..days).map(|d| start + chrono::Duration::days(d as i64)).filter(|d| calendar.day_info(*d).provisional).collect();
    Ok(QueueForecast { queue: s.queue.clone(), interval_minutes: s.interval_minutes, model, selection, dispersion, intervals, cleaning, provisional_days })
}

/// Intraday re-forecast (F7): given today's forecast and the actuals of its first intervals,
/// return the whole day — actuals where observed, the rest scaled by the observed/forecast ratio
/// blended with 1 by the share of the day's forecast volume already observed (a day 10 % in
/// trusts its ratio 10 %). The ratio is bounded to 0.2–5 so one odd interval cannot explode it.
pub fn reforecast_intraday(day_forecast: &[f64], actuals_so_far: &[f64]) -> Vec<f64> {
    let k = actuals_so_far.len().min(day_forecast.len());
    let f_seen: f64 = day_forecast[..k].iter().sum();
    let f_all: f64 = day_forecast.iter().sum();
    let a_seen: f64 = actuals_so_far[..k].iter().filter(|v| v.is_finite()).sum();
    let share = if f_all > 0.0 { f_seen / f_all } else { 0.0 };
    let ratio = ((a_seen + 1.0) / (f_seen + 1.0)).clamp(0.2, 5.0);
    let factor = 1.0 + share * (ratio - 1.0);
    actuals_so_far[..k].iter().copied().chain(day_forecast[k..].iter().map(|f| f * factor)).collect()
}

/// Map `f` over `items` on up to `threads` worker threads (0 = all cores), keeping order.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads }.min(items.len()).max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let chunks: Vec<Vec<(usize, R)>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let mut got = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= items.len() {
                            break;
                        }
                        got.push((i, f(&items[i])));
                    }
                    got
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    for (i, r) in chunks.into_iter().flatten() {
        out[i] = Some(r);
    }
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reforecast_scales_the_rest_of_the_day() {
        let f = vec![10.0; 10];
        // Half the day seen at 1.5× the forecast: ratio ≈ 1.49, half trusted → ≈ 1.245×.
        let a = vec![15.0; 5];
        let r = reforecast_intraday(&f, &a);
        assert_eq!(r.len(), 10);
        assert_eq!(&r[..5], &a[..]);
        let expect = 1.0 + 0.5 * (76.0 / 51.0 - 1.0);
        assert!((r[7] - 10.0 * expect).abs() < 1e-9);
        // Nothing seen yet → unchanged.
        assert_eq!(reforecast_intraday(&f, &[]), f);
        // An outage morning cannot cut the rest below 20 %… of the blend.
        let r = reforecast_intraday(&f, &[0.0; 9]);
        assert!(r[9] >= 10.0 * (1.0 + 0.9 * (0.2 - 1.0)) - 1e-9);
    }

    #[test]
    fn parallel_map_keeps_order() {
        let v: Vec<usize> = (0..100).collect();
        assert_eq!(parallel_map(&v, 3, |x| x * 2), v.iter().map(|x| x * 2).collect::<Vec<_>>());
    }
}
