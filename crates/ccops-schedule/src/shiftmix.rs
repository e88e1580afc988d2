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

fn coverage_day(inst: &ShiftMixInstance, x: &[u32]) -> Vec<f64> {
    let mut cov = vec![0.0; inst.intervals_per_day];
    for (s, t) in inst.templates.iter().enumerate() {
        for &i in t {
            cov[i] += x[s] as f64;
        }
    }
    cov
}



fn cell_cost(inst: &ShiftMixInstance, r: f64, c: f64) -> f64 {
    if c < r { inst.under_weight * (r - c) } else { inst.over_weight * (c - r) }
}

fn day_cost(inst: &ShiftMixInstance, d: usize, x: &[u32]) -> f64 {
    let cov = coverage_day(inst, x);
    (0..inst.intervals_per_day).map(|i| cell_cost(inst, inst.required[d][i], cov[i])).sum()
}

/// Local search on one day's counts: best single add/remove, then remove-one-add-another swaps,
/// until no move improves.
fn improve(inst: &ShiftMixInstance, d: usize, mut x: Vec<u32>) -> Vec<u32> {
    let req = &inst.required[d];
    let mut cov = coverage_day(inst, &x);
    let delta = |cov: &[f64], s: usize, k: f64| -> f64 {
        inst.templates[s].iter().map(|&i| cell_cost(inst, req[i], cov[i] + k) - cell_cost(inst, req[i], cov[i])).sum()
    };
    let apply = |cov: &mut Vec<f64>, x: &mut Vec<u32>, s: usize, k: i32| {
        for &i in &inst.templates[s] {
            cov[i] += k as f64;
        }
        x[s] = (x[s] as i32 + k) as u32;
    };
    loop {
        let mut best = (0.0, usize::MAX, 0i32);
        for s in 0..x.len() {
            let a = delta(&cov, s, 1.0);
            if a < best.0 - 1e-9 && (x[s] as f64) < inst.max_per_shift {
                best = (a, s, 1);
            }
            if x[s] > 0 {
                let r = delta(&cov, s, -1.0);
                if r < best.0 - 1e-9 {
                    best = (r, s, -1);
                }
            }
        }
        if best.1 != usize::MAX {
            apply(&mut cov, &mut x, best.1, best.2);
            continue;
        }
        // Swaps: remove one of s, add the best t.
        let mut moved = false;
        for s in 0..x.len() {
            if x[s] == 0 {
                continue;
            }
            let r = delta(&cov, s, -1.0);
            apply(&mut cov, &mut x, s, -1);
            let mut bt = (f64::INFINITY, usize::MAX);
            for t in 0..x.len() {
                if t != s {
                    let a = delta(&cov, t, 1.0);
                    if a < bt.0 {
                        bt = (a, t);
                    }
                }
            }
            if bt.1 != usize::MAX && r + bt.0 < -1e-9 {
                apply(&mut cov, &mut x, bt.1, 1);
                moved = true;
            } else {
                apply(&mut cov, &mut x, s, 1);
            }
        }
        if !moved {
            return x;
        }
    }
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
        // LP relaxation: the bound, and the point we round from.
        let mut lp = build(false).optimise(Sense::Minimise);
        lp.make_quiet();
        lp.set_option("time_limit", per_day * 0.3);
        let lps = lp.try_solve().map_err(|e| ScheduleError::Input(format!("HiGHS: {e:?}")))?;
        let lp_ok = lps.status() == HighsModelStatus::Optimal;
        let mut lpv = if lp_ok { lps.objective_value() } else { 0.0 };
        if integral_weights {
            lpv = (lpv - 1e-6).ceil();
        }
        lp_bound += lpv;
        let lp_x: Vec<f64> = lps.get_solution().columns()[..inst.templates.len()].to_vec();
        // Round, then improve by add / remove / swap moves (fast, usually near the LP).
        let heur = improve(inst, d, lp_x.iter().map(|v| v.round().max(0.0) as u32).collect());
        let heur_cost = day_cost(inst, d, &heur);
        // MIP from that start, for the rest of the day's time.
        let mut mip = build(true).optimise(Sense::Minimise);
        mip.make_quiet();
        mip.set_option("time_limit", per_day * 0.7);
        mip.set_option("threads", 1);
        let mut start: Vec<f64> = heur.iter().map(|&v| v as f64).collect();
        let cov = coverage_day(inst, &heur);
        for i in 0..inst.intervals_per_day {
            let diff = cov[i] - inst.required[d][i];
            start.push((-diff).max(0.0));
            start.push(diff.max(0.0));
        }
        let _ = mip.try_set_solution(Some(&start), None, None, None);
        let sol = mip.try_solve().map_err(|e| ScheduleError::Input(format!("HiGHS: {e:?}")))?;
        let cols = sol.get_solution().columns().to_vec();
        let mip_x: Vec<u32> = (0..inst.templates.len()).map(|s| cols.get(s).copied().unwrap_or(0.0).round().max(0.0) as u32).collect();
        let xd = if day_cost(inst, d, &mip_x) < heur_cost { mip_x } else { heur };
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
