//! Shift scheduling without names (ALGORITHMS.md §9): how many agents start each shift template
//! on each day so that coverage matches the requirement, minimising
//! `under_weight · Σ under + over_weight · Σ over` over all (day, interval) cells.
//! Days are independent (shifts end by midnight), so each day is one small MIP for HiGHS
//! (Dantzig's set-covering model with soft coverage); the LP relaxation and the MIP dual bound
//! are reported so the gap is known.

use highs::{HighsModelStatus, RowProblem, Sense};
use serde::{Deserialize, Serialize};

use crate::ScheduleError;

/// A shift-mix instance (the `sched_*.json` benchmark layout).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShiftMixInstance {
    pub days: usize,
    pub intervals_per_day: usize,
    /// `required[day][interval]`
    pub required: Vec<Vec<f64>>,
    /// Working intervals of each template (indices within the day).
    pub templates: Vec<Vec<usize>>,
    pub under_weight: f64,
    pub over_weight: f64,
    pub max_per_shift: f64,
}

/// Result: `x[day][template]` counts and the quality figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShiftMixResult {
    pub x: Vec<Vec<u32>>,
    pub under: f64,
    pub over: f64,
    pub objective: f64,
    /// Σ over days of the LP relaxation optimum (rounded up per day when weights are integral).
    pub lp_bound: f64,
    /// Σ over days of the MIP dual bound (≥ LP bound).
    pub mip_bound: f64,
    pub days_proved_optimal: usize,
}

/// Score counts `x` on an instance: (under, over).
pub fn evaluate(inst: &ShiftMixInstance, x: &[Vec<u32>]) -> (f64, f64) {
    let (mut under, mut over) = (0.0, 0.0);
    for d in 0..inst.days {
        let mut cov = vec![0.0; inst.intervals_per_day];
        for (s, t) in inst.templates.iter().enumerate() {
            let k = x[d][s] as f64;
            if k > 0.0 {
                for &i in t {
                    cov[i] += k;
                }
            }
        }
        for i in 0..inst.intervals_per_day {
            let diff = cov[i] - inst.required[d][i];
            if diff < 0.0 { under -= diff } else { over += diff }
        }
    }
    (under, over)
}

/// Solve every day as a MIP with `time_limit_s` in total (split evenly over days).
pub fn solve_shift_mix(inst: &ShiftMixInstance, time_limit_s: f64) -> Result<ShiftMixResult, ScheduleError> {
    if inst.required.len() != inst.days || inst.required.iter().any(|r| r.len() != inst.intervals_per_day) {
        return Err(ScheduleError::Input("required must be days × intervals_per_day".into()));
    }
    if inst.templates.iter().flatten().any(|&i| i >= inst.intervals_per_day) {
        return Err(ScheduleError::Input("a template works an interval outside the day".into()));
    }
    let per_day = (time_limit_s / inst.days.max(1) as f64).max(0.05);
    let integral_weights = inst.under_weight.fract() == 0.0 && inst.over_weight.fract() == 0.0
        && inst.required.iter().flatten().all(|r| r.fract() == 0.0);
    let mut x = Vec::with_capacity(inst.days);
    let (mut lp_bound, mut mip_bound, mut proved) = (0.0, 0.0, 0);
    for d in 0..inst.days {
        let build = |integer: bool| {
            let mut pb = RowProblem::default();
            let cols: Vec<_> = inst
                .templates
                .iter()
                .map(|_| pb.add_column_with_integrality(0.0, 0.0..=inst.max_per_shift, integer))
                .collect();
            let mut covers: Vec<Vec<usize>> = vec![Vec::new(); inst.intervals_per_day];
            for (s, t) in inst.templates.iter().enumerate() {
                for &i in t {
                    covers[i].push(s);
                }
            }
            for i in 0..inst.intervals_per_day {
                let u = pb.add_column(inst.under_weight, 0.0..);
                let o = pb.add_column(inst.over_weight, 0.0..);
                let r = inst.required[d][i];
                let mut row: Vec<_> = covers[i].iter().map(|&s| (cols[s], 1.0)).collect();
                row.push((u, 1.0));
                row.push((o, -1.0));
                pb.add_row(r..=r, row);
            }
            pb
        };
        // LP relaxation: the bound.
        let mut lp = build(false).optimise(Sense::Minimise);
        lp.make_quiet();
        let lps = lp.try_solve().map_err(|e| ScheduleError::Input(format!("HiGHS: {e:?}")))?;
        let mut lpv = lps.objective_value();
        if integral_weights {
            lpv = (lpv - 1e-6).ceil();
        }
        lp_bound += lpv;
        // MIP.
        let mut mip = build(true).optimise(Sense::Minimise);
        mip.make_quiet();
        mip.set_option("time_limit", per_day);
        mip.set_option("threads", 1);
        let sol = mip.try_solve().map_err(|e| ScheduleError::Input(format!("HiGHS: {e:?}")))?;
        let cols = sol.get_solution().columns().to_vec();
        let xd: Vec<u32> = (0..inst.templates.len()).map(|s| cols.get(s).copied().unwrap_or(0.0).round().max(0.0) as u32).collect();
        let db = sol.double_info_value(c"mip_dual_bound").unwrap_or(lpv);
        let db = if db.is_finite() { db.max(lpv) } else { lpv };
        let db = if integral_weights { (db - 1e-6).ceil() } else { db };
        if sol.status() == HighsModelStatus::Optimal {
            proved += 1;
        }
        mip_bound += db;
        x.push(xd);
    }
    let (under, over) = evaluate(inst, &x);
    Ok(ShiftMixResult {
        objective: inst.under_weight * under + inst.over_weight * over,
        x,
        under,
        over,
        lp_bound,
        mip_bound,
        days_proved_optimal: proved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ALGORITHMS.md §9 test value (1): r = [1,2,2,1], length-2 shifts from intervals 0,1,2.
    #[test]
    fn covers_known_optimum() {
        let inst = ShiftMixInstance {
            days: 1,
            intervals_per_day: 4,
            required: vec![vec![1.0, 2.0, 2.0, 1.0]],
            templates: vec![vec![0, 1], vec![1, 2], vec![2, 3]],
            under_weight: 10.0,
            over_weight: 1.0,
            max_per_shift: 10.0,
        };
        let r = solve_shift_mix(&inst, 5.0).unwrap();
        assert_eq!(r.x[0], vec![1, 1, 1]);
        assert_eq!((r.under, r.over, r.mip_bound), (0.0, 0.0, 0.0));
    }

    /// §9 test value (2): cyclic cover r=[1,1,1] with {0,1},{1,2},{2,0}: LP 1.5 shifts, ILP 2.
    /// As soft coverage with under weight 10 and over weight 1: the integer optimum is over = 1.
    #[test]
    fn lp_bound_below_integer_optimum() {
        let inst = ShiftMixInstance {
            days: 1,
            intervals_per_day: 3,
            required: vec![vec![1.0, 1.0, 1.0]],
            templates: vec![vec![0, 1], vec![1, 2], vec![2, 0]],
            under_weight: 10.0,
            over_weight: 1.0,
            max_per_shift: 5.0,
        };
        let r = solve_shift_mix(&inst, 5.0).unwrap();
        assert_eq!(r.objective, 1.0);
        assert_eq!(r.days_proved_optimal, 1);
        assert!(r.lp_bound <= 1.0);
    }
}
