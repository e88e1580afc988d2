//! Accuracy metrics (ALGORITHMS.md §7) and negative-binomial prediction intervals.

use serde::Serialize;

/// Sums that make WAPE, bias and MASE additive over origins and queues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ErrorSums {
    pub abs_err: f64,
    pub signed_err: f64,
    pub actual: f64,
    pub points: u64,
    /// Σ over points of |y − ŷ| / scale (MASE numerator with each queue's own scale).
    pub scaled_abs_err: f64,
}

impl ErrorSums {
    /// Add one series of actuals and forecasts; `scale` = in-sample seasonal-naive MAE (MASE).
    /// Points whose actual is missing (`NaN`) are skipped.
    pub fn add(&mut self, actual: &[f64], forecast: &[f64], scale: f64) {
        for (&y, &f) in actual.iter().zip(forecast) {
            if !y.is_finite() || !f.is_finite() {
                continue;
            }
            self.abs_err += (y - f).abs();
            self.signed_err += f - y;
            self.actual += y;
            self.points += 1;
            if scale > 0.0 {
                self.scaled_abs_err += (y - f).abs() / scale;
            }
        }
    }
    pub fn merge(&mut self, o: &ErrorSums) {
        self.abs_err += o.abs_err;
        self.signed_err += o.signed_err;
        self.actual += o.actual;
        self.points += o.points;
        self.scaled_abs_err += o.scaled_abs_err;
    }
    /// Σ|y − ŷ| / Σy.
    pub fn wape(&self) -> f64 {
        if self.actual > 0.0 { self.abs_err / self.actual } else { f64::NAN }
    }
    /// Σ(ŷ − y) / Σy; positive = over-forecast.
    pub fn bias(&self) -> f64 {
        if self.actual > 0.0 { self.signed_err / self.actual } else { f64::NAN }
    }
    /// mean |y − ŷ| / scale.
    pub fn mase(&self) -> f64 {
        if self.points > 0 { self.scaled_abs_err / self.points as f64 } else { f64::NAN }
    }
}

/// MASE scale: mean |y_t − y_{t−m}| over a training window (finite pairs only).
pub fn seasonal_naive_scale(train: &[f64], m: usize) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for t in m..train.len() {
        let (a, b) = (train[t], train[t - m]);
        if a.is_finite() && b.is_finite() {
            s += (a - b).abs();
            n += 1;
        }
    }
    if n > 0 { s / n as f64 } else { f64::NAN }
}

/// Negative-binomial dispersion κ (Var = m + m²/κ) by moments from forecast/actual pairs;
/// `f64::INFINITY` means no over-dispersion beyond Poisson.
pub fn nb_dispersion(actual: &[f64], forecast: &[f64]) -> f64 {
    let (mut m2, mut excess) = (0.0, 0.0);
    for (&y, &f) in actual.iter().zip(forecast) {
        if y.is_finite() && f.is_finite() && f > 0.0 {
            m2 += f * f;
            excess += (y - f).powi(2) - f;
        }
    }
    if excess <= 0.0 || m2 <= 0.0 { f64::INFINITY } else { (m2 / excess).max(0.5) }
}

/// Quantile `q` of a negative binomial with mean `m` and dispersion `kappa` (Poisson when
/// infinite). Exact summation of the pmf for small means, a normal approximation (with the NB
/// variance) above 300.
pub fn nb_quantile(m: f64, kappa: f64, q: f64) -> f64 {
    if !(m > 0.0) {
        return 0.0;
    }
    let var = m + if kappa.is_finite() { m * m / kappa } else { 0.0 };
    if m > 300.0 {
        return (m + normal_quantile(q) * var.sqrt()).max(0.0);
    }
    let kappa = if kappa.is_finite() { kappa } else { 1e9 };
    // p(0) = (κ/(κ+m))^κ; p(k+1) = p(k)·(k+κ)/(k+1)·m/(κ+m).
    let r = m / (kappa + m);
    let mut p = (kappa * (kappa / (kappa + m)).ln()).exp();
    let mut cdf = p;
    let mut k = 0.0;
    let limit = m + 40.0 * var.sqrt() + 50.0;
    while cdf < q && k < limit {
        p *= (k + kappa) / (k + 1.0) * r;
        k += 1.0;
        cdf += p;
    }
    k
}

/// Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let pl = 0.02425;
    if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn algorithms_md_test_values() {
        let mut e = ErrorSums::default();
        e.add(&[10.0, 20.0, 30.0], &[12.0, 18.0, 30.0], 1.0);
        assert!((e.wape() - 4.0 / 60.0).abs() < 1e-12);
        assert_eq!(e.bias(), 0.0);
        assert!((e.mase() - 4.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn seasonal_naive_has_mase_one_on_its_training_data() {
        let y: Vec<f64> = (0..50).map(|i| ((i * 7919) % 13) as f64 + (i % 5) as f64).collect();
        let m = 5;
        let scale = seasonal_naive_scale(&y, m);
        let mut e = ErrorSums::default();
        e.add(&y[m..], &y[..y.len() - m], scale);
        assert!((e.mase() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn nb_quantiles() {
        // Poisson(4): P(X ≤ 1) = 0.0916, P(X ≤ 2) = 0.2381 → 10 % quantile is 2; P(X ≤ 6) = 0.889, P(X ≤ 7) = 0.949 → 90 % is 7.
        assert_eq!(nb_quantile(4.0, f64::INFINITY, 0.1), 2.0);
        assert_eq!(nb_quantile(4.0, f64::INFINITY, 0.9), 7.0);
        // Over-dispersion widens the interval.
        assert!(nb_quantile(50.0, 5.0, 0.9) > nb_quantile(50.0, f64::INFINITY, 0.9));
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert_eq!(nb_quantile(0.0, 3.0, 0.9), 0.0);
        // Dispersion by moments: exact Poisson-like residuals → infinite κ.
        assert_eq!(nb_dispersion(&[10.0, 10.0], &[10.0, 10.0]), f64::INFINITY);
        let k = nb_dispersion(&[0.0, 40.0], &[20.0, 20.0]);
        assert!((k - 800.0 / 760.0).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn nb_quantiles_are_ordered(m in 0.1f64..500.0, kappa in 0.5f64..1000.0) {
            let lo = nb_quantile(m, kappa, 0.1);
            let hi = nb_quantile(m, kappa, 0.9);
            prop_assert!(lo <= hi);
            prop_assert!(lo <= m + 1.0 && hi + 1.0 >= m);
        }

        #[test]
        fn wape_is_scale_free(k in 0.1f64..100.0) {
            let y = [3.0, 0.0, 7.0, 12.0];
            let f = [4.0, 1.0, 5.0, 12.5];
            let (mut a, mut b) = (ErrorSums::default(), ErrorSums::default());
            a.add(&y, &f, 1.0);
            b.add(&y.map(|v| v * k), &f.map(|v| v * k), 1.0);
            prop_assert!((a.wape() - b.wape()).abs() < 1e-9);
        }
    }
}
