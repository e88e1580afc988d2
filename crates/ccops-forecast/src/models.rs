//! The volume models and the AHT model. Every model forecasts whole days from an origin day
//! (the first day not used for fitting) as daily total × intraday profile, except seasonal naive.

use crate::prepare::{DayClass, Prepared};
use serde::Serialize;

/// The candidate volume models, chosen per queue by backtest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Same interval one week earlier (the last observed week repeated).
    SeasonalNaive,
    /// Damped-trend Holt–Winters on daily totals with weekday seasonality (level updating),
    /// times weekday intraday profiles. Ignores the holiday calendar.
    MultiSeasonal,
    /// Log-linear ridge regression of daily totals on weekday (调休 days as the weekday they
    /// behave like), trend, holiday, 调休, pre/post-holiday, Spring Festival window and user-event
    /// effects, with a local level on the residuals; profiles by day class (holidays apart).
    CalendarRegression,
}

impl ModelKind {
    pub const ALL: [ModelKind; 3] = [ModelKind::SeasonalNaive, ModelKind::MultiSeasonal, ModelKind::CalendarRegression];
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::SeasonalNaive => "seasonal_naive",
            ModelKind::MultiSeasonal => "multi_seasonal",
            ModelKind::CalendarRegression => "calendar_regression",
        }
    }
    pub fn parse(s: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// Tuning shared by the models.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOptions {
    /// Same-class days averaged into an intraday profile.
    pub profile_days: usize,
    /// Days of history the daily-total models fit on (most recent).
    pub train_days: usize,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions { profile_days: 8, train_days: 730 }
    }
}

/// Forecast `horizon_days` whole days of interval volume from `origin` (a day index).
pub(crate) fn predict(kind: ModelKind, p: &Prepared, origin: usize, horizon_days: usize, o: &ModelOptions) -> Vec<f64> {
    match kind {
        ModelKind::SeasonalNaive => seasonal_naive(p, origin, horizon_days),
        ModelKind::MultiSeasonal => {
            let totals = holt_winters_daily(p, origin, horizon_days, o);
            spread(p, origin, &totals, o, false)
        }
        ModelKind::CalendarRegression => {
            let totals = calendar_regression(p, origin, horizon_days, o);
            spread(p, origin, &totals, o, true)
        }
    }
}

fn seasonal_naive(p: &Prepared, origin: usize, horizon_days: usize) -> Vec<f64> {
    let n = p.per_day;
    let week = 7 * n;
    let end = origin * n;
    let avail = end.min(p.y.len());
    (0..horizon_days * n)
        .map(|i| {
            let mut src = end + i;
            while src >= avail {
                if src < week {
                    return 0.0;
                }
                src -= week;
            }
            let v = p.y[src];
            if v.is_finite() { v } else { 0.0 }
        })
        .collect()
}

/// Daily totals → intervals by the profile of each day's class.
fn spread(p: &Prepared, origin: usize, totals: &[f64], o: &ModelOptions, by_calendar: bool) -> Vec<f64> {
    let mut cache: Vec<(DayClass, Vec<f64>)> = Vec::new();
    let mut out = Vec::with_capacity(totals.len() * p.per_day);
    for (h, &t) in totals.iter().enumerate() {
        let d = origin + h;
        let class = if by_calendar { p.class.get(d).copied().unwrap_or(DayClass::Weekday(d % 7)) } else { DayClass::Weekday(weekday_of(p, d)) };
        let prof = match cache.iter().find(|(c, _)| *c == class) {
            Some((_, v)) => v,
            None => {
                let (exclude_holidays, class) = (by_calendar, class);
                let v = if exclude_holidays { p.profile(class, origin, o.profile_days) } else { profile_plain(p, class, origin, o.profile_days) };
                cache.push((class, v));
                &cache[cache.len() - 1].1
            }
        };
        out.extend(prof.iter().map(|s| s * t.max(0.0)));
    }
    out
}

fn weekday_of(p: &Prepared, d: usize) -> usize {
    p.infos.get(d).map_or(d % 7, |i| chrono::Datelike::weekday(&i.date).num_days_from_monday() as usize)
}

/// Weekday profile that ignores the calendar (for the calendar-free model): last `max_days` days
/// of the same weekday by date.
fn profile_plain(p: &Prepared, class: DayClass, origin: usize, max_days: usize) -> Vec<f64> {
    let DayClass::Weekday(w) = class else { return p.profile(class, origin, max_days) };
    p.profile_where(|d| weekday_of(p, d) == w, origin, max_days).unwrap_or_else(|| p.profile(class, origin, max_days))
}

/// Damped additive trend, multiplicative weekday seasonality, on daily totals; parameters by a
/// small grid minimising one-step absolute error.
fn holt_winters_daily(p: &Prepared, origin: usize, horizon: usize, o: &ModelOptions) -> Vec<f64> {
    let origin = origin.min(p.days());
    let start = origin.saturating_sub(o.train_days.min(16 * 7));
    let y: Vec<(usize, f64)> = (start..origin).map(|d| (weekday_of(p, d), p.totals[d])).collect();
    if y.len() < 14 {
        return fallback_totals(p, origin, horizon);
    }
    // Initial state from the first two weeks.
    let mut s0 = [0.0f64; 7];
    let mut c0 = [0usize; 7];
    let mut tot = 0.0;
    let mut n = 0;
    for &(w, v) in &y[..14] {
        if v.is_finite() {
            s0[w] += v;
            c0[w] += 1;
            tot += v;
            n += 1;
        }
    }
    let level0 = if n > 0 { tot / n as f64 } else { 0.0 };
    if level0 <= 0.0 {
        return vec![0.0; horizon];
    }
    for w in 0..7 {
        s0[w] = if c0[w] > 0 { s0[w] / c0[w] as f64 / level0 } else { 1.0 };
    }
    const PHI: f64 = 0.9;
    let run = |alpha: f64, beta: f64, gamma: f64, out: Option<&mut Vec<f64>>| -> f64 {
        let (mut l, mut b, mut s) = (level0, 0.0, s0);
        let mut err = 0.0;
        for (t, &(w, v)) in y.iter().enumerate() {
            let fc = (l + PHI * b) * s[w];
            if !v.is_finite() {
                l += PHI * b;
                b *= PHI;
                continue;
            }
            if t >= 14 {
                err += (v - fc).abs();
            }
            let lp = l;
            if s[w] > 1e-6 {
                l = alpha * (v / s[w]) + (1.0 - alpha) * (l + PHI * b);
            } else {
                l += PHI * b;
            }
            l = l.max(1e-9);
            b = beta * (l - lp) + (1.0 - beta) * PHI * b;
            s[w] = gamma * (v / l) + (1.0 - gamma) * s[w];
        }
        if let Some(out) = out {
            let last_w = y.last().map_or(0, |x| x.0);
            let mut damp = 0.0;
            let mut pw = 1.0;
            for h in 0..horizon {
                pw *= PHI;
                damp += pw;
                let w = (last_w + 1 + h) % 7;
                out.push(((l + damp * b) * s[w]).max(0.0));
            }
        }
        err
    };
    let mut best = (f64::INFINITY, 0.1, 0.0, 0.1);
    for alpha in [0.03, 0.08, 0.15, 0.3, 0.5] {
        for beta in [0.0, 0.03] {
            for gamma in [0.03, 0.1, 0.25] {
                let e = run(alpha, beta, gamma, None);
                if e < best.0 {
                    best = (e, alpha, beta, gamma);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(horizon);
    run(best.1, best.2, best.3, Some(&mut out));
    // The weekday cycle above assumes consecutive days; it is, by construction of the series.
    out
}

/// Mean of the same weekday over the last four weeks (used when history is too short).
fn fallback_totals(p: &Prepared, origin: usize, horizon: usize) -> Vec<f64> {
    (0..horizon)
        .map(|h| {
            let d = origin + h;
            let vals: Vec<f64> = (1..=4).filter_map(|k| d.checked_sub(7 * k)).filter(|&x| x < origin).map(|x| p.totals[x]).filter(|v| v.is_finite()).collect();
            if vals.is_empty() {
                let recent: Vec<f64> = (origin.saturating_sub(7)..origin).map(|x| p.totals[x]).filter(|v| v.is_finite()).collect();
                if recent.is_empty() { 0.0 } else { recent.iter().sum::<f64>() / recent.len() as f64 }
            } else {
                vals.iter().sum::<f64>() / vals.len() as f64
            }
        })
        .collect()
}

const N_BASE: usize = 8; // 7 weekday dummies + trend
/// Spring Festival offset bins (days relative to 正月初一) for days that are not themselves off.
const SF_BINS: [(i32, i32); 6] = [(-21, -15), (-14, -8), (-7, -3), (-2, -1), (1, 10), (11, 21)];
/// holiday, Spring Festival holiday, 调休, weekend holiday; pre-holiday 1 / 2 / 3–4 days; post 1 / 2–3; SF bins.
const N_CAL: usize = 4 + 3 + 2 + SF_BINS.len();
/// Prior log-effects of the calendar features, in `features` order: a day off halves volume,
/// Spring Festival days off lose 40 % more, weekend holidays lose less, the day before a holiday
/// and the first day back are busier. Rough contact-center rules of thumb, not fitted values.
const CAL_PRIOR: [f64; N_CAL] = [-0.69, -0.51, 0.0, 0.4, 0.1, 0.05, 0.0, 0.15, 0.05, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
/// Days of data the prior is worth.
const PRIOR_WEIGHT: f64 = 2.0;

fn features(p: &Prepared, d: usize, origin: usize, n_events: usize, out: &mut Vec<f64>) {
    out.clear();
    out.resize(N_BASE + N_CAL + 3 * n_events, 0.0);
    let Some(info) = p.infos.get(d) else { return };
    let class = p.class[d];
    let w = match class {
        DayClass::Weekday(w) => w,
        DayClass::Holiday => weekday_of(p, d),
    };
    out[w] = 1.0;
    out[7] = (d as f64 - origin as f64) / 365.0;
    let c = N_BASE;
    let is_holiday = class == DayClass::Holiday;
    if is_holiday {
        out[c] = 1.0;
        if matches!(&info.kind, ccops_calendar::DayKind::Holiday(n) if n == "春节") {
            out[c + 1] = 1.0;
        }
        // Weekend holidays lose less volume than weekday holidays.
        if w >= 5 {
            out[c + 3] = 1.0;
        }
    }
    if matches!(info.kind, ccops_calendar::DayKind::MakeupWorkday(_)) {
        out[c + 2] = 1.0;
    }
    match info.days_to_holiday {
        Some(1) => out[c + 4] = 1.0,
        Some(2) => out[c + 5] = 1.0,
        Some(3 | 4) => out[c + 6] = 1.0,
        _ => {}
    }
    if let Some(k) = info.days_after_holiday {
        if k == 1 {
            out[c + 7] = 1.0;
        } else if k <= 3 {
            out[c + 8] = 1.0;
        }
    }
    if !is_holiday && let Some(off) = info.spring_festival_offset {
        for (i, (lo, hi)) in SF_BINS.iter().enumerate() {
            if off >= *lo && off <= *hi {
                out[c + 9 + i] = 1.0;
            }
        }
    }
    let e0 = N_BASE + N_CAL;
    for &(ev, rel) in &info.events {
        let len = p.event_lens.get(ev).copied().unwrap_or(0);
        let slot = if rel < 0 { 0 } else if rel <= len { 1 } else { 2 };
        if ev < n_events {
            out[e0 + 3 * ev + slot] = 1.0;
        }
    }
}

/// Ridge regression of log(total + 1) with recency weights, plus an exponentially smoothed local
/// level on the last residuals.
fn calendar_regression(p: &Prepared, origin: usize, horizon: usize, o: &ModelOptions) -> Vec<f64> {
    let origin = origin.min(p.days());
    let start = origin.saturating_sub(o.train_days);
    let n_events = p.event_lens.len();
    let k = N_BASE + N_CAL + 3 * n_events;
    let mut xtx = vec![0.0; k * k];
    let mut xty = vec![0.0; k];
    let mut x = Vec::with_capacity(k);
    let mut rows = 0usize;
    let mut seen = vec![0.0f64; k];
    for d in start..origin {
        let t = p.totals[d];
        if !t.is_finite() {
            continue;
        }
        features(p, d, origin, n_events, &mut x);
        let age_weeks = (origin - d) as f64 / 7.0;
        let w = 0.5f64.powf(age_weeks / 52.0);
        let yv = (t + 1.0).ln();
        for i in 0..k {
            if x[i] == 0.0 {
                continue;
            }
            seen[i] += x[i].abs();
            xty[i] += w * x[i] * yv;
            for j in 0..k {
                xtx[i * k + j] += w * x[i] * x[j];
            }
        }
        rows += 1;
    }
    if rows < 14 {
        return fallback_totals(p, origin, horizon);
    }
    // Ridge: weekday dummies and trend lightly; calendar effects shrink toward prior effects
    // (worth `PRIOR_WEIGHT` days of data) so a holiday never seen in the history still gets a
    // plausible dip, and a year of history overrides the prior.
    for i in 0..k {
        let lambda = if i < 7 { 1e-6 } else if i == 7 { 0.5 } else { PRIOR_WEIGHT };
        xtx[i * k + i] += lambda;
        if i >= N_BASE && i < N_BASE + N_CAL {
            xty[i] += lambda * CAL_PRIOR[i - N_BASE];
        }
    }
    let Some(beta) = solve_spd(&mut xtx, &xty, k) else { return fallback_totals(p, origin, horizon) };
    // Local level from the residuals of the last 8 weeks.
    let mut level = 0.0;
    const ALPHA: f64 = 0.15;
    for d in origin.saturating_sub(56).max(start)..origin {
        let t = p.totals[d];
        if !t.is_finite() || p.class[d] == DayClass::Holiday {
            continue;
        }
        features(p, d, origin, n_events, &mut x);
        let r = (t + 1.0).ln() - dot(&x, &beta);
        level = ALPHA * r + (1.0 - ALPHA) * level;
    }
    (0..horizon)
        .map(|h| {
            let d = origin + h;
            features(p, d, origin, n_events, &mut x);
            let mut lf = dot(&x, &beta) + level;
            // Events never seen in training use the planner's prior factor.
            if let Some(info) = p.infos.get(d) {
                for &(ev, _) in &info.events {
                    let e0 = N_BASE + N_CAL + 3 * ev;
                    if (e0..e0 + 3).all(|i| seen.get(i).copied().unwrap_or(0.0) == 0.0)
                        && let Some(f) = p.event_priors.get(ev).copied().flatten()
                    {
                        lf += f.max(1e-3).ln();
                    }
                }
            }
            (lf.exp() - 1.0).max(0.0)
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solve A x = b for symmetric positive definite A (Cholesky, in place). `None` if not SPD.
pub(crate) fn solve_spd(a: &mut [f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        if s <= 0.0 || !s.is_finite() {
            return None;
        }
        let l = s.sqrt();
        a[j * n + j] = l;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / l;
        }
    }
    let mut z = b.to_vec();
    for i in 0..n {
        for k in 0..i {
            z[i] -= a[i * n + k] * z[k];
        }
        z[i] /= a[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            z[i] -= a[k * n + i] * z[k];
        }
        z[i] /= a[i * n + i];
    }
    Some(z)
}

/// AHT per interval for `horizon_days` from `origin`: handled-weighted mean AHT of the same
/// class and interval over the last `profile_days` such days, shrunk toward the interval's mean
/// over all days and then the overall mean (5 pseudo-contacts each), so sparse night intervals
/// stay sensible. `None` when the history has no AHT.
pub(crate) fn predict_aht(p: &Prepared, origin: usize, horizon_days: usize, o: &ModelOptions) -> Option<Vec<f64>> {
    let s = p.series;
    if !s.has_aht() {
        return None;
    }
    let n = p.per_day;
    let origin = origin.min(p.days());
    let window_start = origin.saturating_sub(7 * o.profile_days);
    let (mut slot_sum, mut slot_w) = (vec![0.0; n], vec![0.0; n]);
    let mut class_sum: Vec<(DayClass, Vec<f64>, Vec<f64>)> = Vec::new();
    for d in window_start..origin {
        let class = p.class[d];
        let idx = match class_sum.iter().position(|(c, _, _)| *c == class) {
            Some(i) => i,
            None => {
                class_sum.push((class, vec![0.0; n], vec![0.0; n]));
                class_sum.len() - 1
            }
        };
        for k in 0..n {
            let (a, w) = (s.aht[d * n + k], s.handled[d * n + k]);
            if a.is_finite() && w.is_finite() && w > 0.0 {
                slot_sum[k] += a * w;
                slot_w[k] += w;
                class_sum[idx].1[k] += a * w;
                class_sum[idx].2[k] += w;
            }
        }
    }
    let total_w: f64 = slot_w.iter().sum();
    let overall = if total_w > 0.0 {
        slot_sum.iter().sum::<f64>() / total_w
    } else {
        // No AHT in the recent window: the overall mean of all history.
        let (sa, sw) = s.aht.iter().zip(&s.handled).filter(|(a, w)| a.is_finite() && w.is_finite()).fold((0.0, 0.0), |acc, (a, w)| (acc.0 + a * w, acc.1 + w));
        if sw > 0.0 { sa / sw } else { return None }
    };
    const M: f64 = 5.0;
    let slot_mean: Vec<f64> = (0..n).map(|k| (slot_sum[k] + M * overall) / (slot_w[k] + M)).collect();
    let mut out = Vec::with_capacity(horizon_days * n);
    for h in 0..horizon_days {
        let d = origin + h;
        let class = p.class.get(d).copied().unwrap_or(DayClass::Weekday(d % 7));
        let cs = class_sum.iter().find(|(c, _, _)| *c == class);
        for k in 0..n {
            out.push(match cs {
                Some((_, sum, w)) => (sum[k] + M * slot_mean[k]) / (w[k] + M),
                None => slot_mean[k],
            });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves() {
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let x = solve_spd(&mut a, &[2.0, 1.0], 2).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12);
        let mut bad = vec![1.0, 2.0, 2.0, 1.0];
        assert!(solve_spd(&mut bad, &[1.0, 1.0], 2).is_none());
    }
}
