//! Rolling-origin backtest (F5) and per-queue model choice.

use crate::clean::{CleanOptions, prepare};
use crate::metrics::{ErrorSums, seasonal_naive_scale};
use crate::models::{ModelKind, ModelOptions, predict};
use crate::prepare::Prepared;
use crate::{ForecastError, History, parallel_map};
use ccops_calendar::Calendar;
use chrono::NaiveDate;
use serde::Serialize;

/// What to backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    pub horizon_days: usize,
    /// Number of evaluation origins.
    pub origins: usize,
    /// Days between consecutive origins.
    pub step_days: usize,
    /// The last origin (first forecast day). `None`: the last day that leaves a full horizon.
    pub last_origin: Option<NaiveDate>,
    pub models: Vec<ModelKind>,
    pub model: ModelOptions,
    pub clean: CleanOptions,
    /// Worker threads (0 = all cores).
    pub threads: usize,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions { horizon_days: 1, origins: 14, step_days: 1, last_origin: None, models: ModelKind::ALL.to_vec(), model: ModelOptions::default(), clean: CleanOptions::default(), threads: 0 }
    }
}

/// Accuracy of one model over all origins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelScore {
    pub model: ModelKind,
    pub wape: f64,
    pub mase: f64,
    pub bias: f64,
    pub points: u64,
    #[serde(skip)]
    pub sums: ErrorSums,
}

impl ModelScore {
    pub(crate) fn from_sums(model: ModelKind, sums: ErrorSums) -> Self {
        ModelScore { model, wape: sums.wape(), mase: sums.mase(), bias: sums.bias(), points: sums.points, sums }
    }
}

/// One queue's backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueBacktest {
    pub queue: String,
    /// Evaluation scores of every candidate.
    pub scores: Vec<ModelScore>,
    /// The model chosen on the selection window (the origins just before the evaluated ones),
    /// and its evaluation score — an honest out-of-sample figure for automatic model choice.
    pub chosen: ModelKind,
    pub chosen_score: ModelScore,
    /// `true` when the history was too short for a separate selection window and the choice was
    /// made on the evaluation origins themselves (optimistic).
    pub chosen_in_sample: bool,
    /// Evaluation origins whose horizon held holidays, 调休 or events, where the calendar model
    /// was used instead of `chosen` (see [`crate::Options`]).
    pub calendar_origins: usize,
    pub first_origin: NaiveDate,
    pub last_origin: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    pub horizon_days: usize,
    pub origins: usize,
    pub queues: Vec<QueueBacktest>,
    /// Pooled over queues (WAPE and bias weighted by volume; MASE averaged over points).
    pub overall: Vec<ModelScore>,
    pub overall_chosen: ModelScore,
}

/// Error sums per model and origin (`[model][origin]`), scored against the raw series.
pub(crate) fn score(p: &Prepared, models: &[ModelKind], origins: &[usize], horizon: usize, scale: f64, mo: &ModelOptions, mut keep: Option<&mut Vec<(ModelKind, Vec<f64>, Vec<f64>)>>) -> Vec<Vec<ErrorSums>> {
    let n = p.per_day;
    let raw = &p.series.volume;
    models
        .iter()
        .map(|&m| {
            origins
                .iter()
                .map(|&o| {
                    let mut sums = ErrorSums::default();
                    let fc = predict(m, p, o, horizon, mo);
                    let end = ((o + horizon) * n).min(raw.len());
                    let actual = &raw[(o * n).min(end)..end];
                    sums.add(actual, &fc, scale);
                    if let Some(k) = keep.as_deref_mut() {
                        k.push((m, actual.to_vec(), fc[..actual.len()].to_vec()));
                    }
                    sums
                })
                .collect()
        })
        .collect()
}

pub(crate) fn total(per_origin: &[ErrorSums]) -> ErrorSums {
    let mut s = ErrorSums::default();
    per_origin.iter().for_each(|e| s.merge(e));
    s
}

/// Whether the calendar gives any day of `origin..origin + horizon` a special effect (holiday,
/// 调休, pre/post-holiday, Spring Festival window, user event): then only calendar-aware models
/// may be chosen, whatever the selection window said — a calendar-free model cannot know.
pub(crate) fn horizon_is_special(p: &Prepared, origin: usize, horizon: usize) -> bool {
    (origin..origin + horizon).any(|d| {
        p.infos.get(d).is_some_and(|i| {
            !matches!(i.kind, ccops_calendar::DayKind::Workday | ccops_calendar::DayKind::Weekend)
                || i.days_to_holiday.is_some_and(|k| k <= 4)
                || i.days_after_holiday.is_some_and(|k| k <= 3)
                || (i.spring_festival_offset.is_some() && !p.holidays_empty)
                || !i.events.is_empty()
        })
    })
}

/// Origins `last, last − step, …` (count of them), ascending; none below `min_origin`.
pub(crate) fn origin_list(last: i64, count: usize, step: usize, min_origin: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..count as i64).map(|i| last - i * step as i64).filter(|&o| o >= min_origin as i64).map(|o| o as usize).collect();
    v.reverse();
    v
}

/// Minimum history before an origin for any model to fit.
pub(crate) const MIN_TRAIN_DAYS: usize = 14;

/// Rolling-origin backtest of every candidate model on every queue.
pub fn backtest(history: &History, calendar: &Calendar, o: &BacktestOptions) -> Result<BacktestReport, ForecastError> {
    backtest_with_progress(history, calendar, o, &|| {})
}

/// [`backtest`] calling `progress` once per finished queue (for progress bars).
pub fn backtest_with_progress(history: &History, calendar: &Calendar, o: &BacktestOptions, progress: &(dyn Fn() + Sync)) -> Result<BacktestReport, ForecastError> {
    if o.horizon_days == 0 || o.origins == 0 || o.step_days == 0 {
        return Err(ForecastError::InvalidInput("horizon, origins and step must be at least 1".into()));
    }
    if o.models.is_empty() {
        return Err(ForecastError::InvalidInput("no candidate models".into()));
    }
    let results = parallel_map(&history.series, o.threads, |s| {
        let r = backtest_queue(s, calendar, o);
        progress();
        r
    });
    let queues: Vec<QueueBacktest> = results.into_iter().collect::<Result<_, _>>()?;
    let mut overall = Vec::new();
    for (i, &m) in o.models.iter().enumerate() {
        let mut s = ErrorSums::default();
        for q in &queues {
            s.merge(&q.scores[i].sums);
        }
        overall.push(ModelScore::from_sums(m, s));
    }
    let mut chosen = ErrorSums::default();
    for q in &queues {
        chosen.merge(&q.chosen_score.sums);
    }
    let label = queues.first().map_or(o.models[0], |q| q.chosen);
    Ok(BacktestReport { horizon_days: o.horizon_days, origins: o.origins, queues, overall, overall_chosen: ModelScore::from_sums(label, chosen) })
}

fn backtest_queue(s: &crate::Series, calendar: &Calendar, o: &BacktestOptions) -> Result<QueueBacktest, ForecastError> {
    let (p, _) = prepare(s, calendar, &o.clean, o.horizon_days);
    let last = match o.last_origin {
        Some(d) => s.day_index(d),
        None => p.series.observed_days() as i64 - o.horizon_days as i64,
    };
    let eval = origin_list(last, o.origins, o.step_days, MIN_TRAIN_DAYS);
    let Some(&first) = eval.first() else {
        return Err(ForecastError::NotEnoughHistory(format!("queue `{}`: needs at least {} days before the first origin", s.queue, MIN_TRAIN_DAYS)));
    };
    let n = p.per_day;
    let train_start = first.saturating_sub(o.model.train_days.min(first));
    let scale = seasonal_naive_scale(&s.volume[train_start * n..first * n], 7 * n);
    let per_origin = score(&p, &o.models, &eval, o.horizon_days, scale, &o.model, None);
    let scores: Vec<ModelScore> = o.models.iter().zip(&per_origin).map(|(&m, s)| ModelScore::from_sums(m, total(s))).collect();
    // Selection window: the same number of origins ending a horizon before the first evaluated one.
    let sel = origin_list(first as i64 - o.horizon_days as i64, o.origins, o.step_days, MIN_TRAIN_DAYS);
    let (chosen_idx, in_sample) = if sel.is_empty() {
        (argmin(&scores.iter().map(|s| s.wape).collect::<Vec<_>>()), true)
    } else {
        let sel_sums = score(&p, &o.models, &sel, o.horizon_days, scale, &o.model, None);
        (argmin(&sel_sums.iter().map(|s| total(s).wape()).collect::<Vec<_>>()), false)
    };
    // Per origin, the calendar rule may override the selected model.
    let cal_idx = o.models.iter().position(|m| *m == ModelKind::CalendarRegression);
    let mut chosen_sums = ErrorSums::default();
    let mut special_origins = 0;
    for (j, &org) in eval.iter().enumerate() {
        let idx = match cal_idx {
            Some(c) if horizon_is_special(&p, org, o.horizon_days) => {
                special_origins += 1;
                c
            }
            _ => chosen_idx,
        };
        chosen_sums.merge(&per_origin[idx][j]);
    }
    Ok(QueueBacktest {
        queue: s.queue.clone(),
        chosen: o.models[chosen_idx],
        chosen_score: ModelScore::from_sums(o.models[chosen_idx], chosen_sums),
        calendar_origins: special_origins,
        chosen_in_sample: in_sample,
        scores,
        first_origin: s.day(first),
        last_origin: s.day(*eval.last().unwrap_or(&first)),
    })
}

/// Index of the smallest finite value (0 when none is finite); ties go to the earlier model.
pub(crate) fn argmin(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if x.is_finite() && (!v[best].is_finite() || *x < v[best]) {
            best = i;
        }
    }
    best
}
