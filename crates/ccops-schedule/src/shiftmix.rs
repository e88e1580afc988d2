//! Shift scheduling without names (ALGORITHMS.md §9): how many agents start each shift template
//! on each day so that coverage matches the requirement, minimising
//! `under_weight · Σ under + over_weight · Σ over` over all (day, interval) cells.
//! Days are independent (shifts end by midnight) and are solved in parallel (one worker thread
//! per core, `std::thread::scope`). Each day: the LP relaxation of Dantzig's set-covering model
//! with soft coverage (HiGHS; its optimum, rounded up when the weights are integral, is the
//! bound), rounding + descent, then the search until the day's deadline: time-ordered LP dives
//! ([`LpDiver`], by default 95 % of the search time: fix the day start time by start time,
//! re-solving the LP warm), then simulated annealing (add / remove / replace-by-neighbour moves)
//! and variable-depth chains of those moves ([`chain_search`]) polish the best dive, and optionally the HiGHS MIP
//! warm-started from the result (long runs, for a tighter dual bound). The wall-clock limit
//! covers all of it: this module reads the clock.

use highs::{Col, HighsModelStatus, RowProblem, Sense};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::ScheduleError;
use crate::dive::{LpDiver, Rng};

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
            if diff < 0.0 {
                under -= diff
            } else {
                over += diff
            }
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
    if c < r {
        inst.under_weight * (r - c)
    } else {
        inst.over_weight * (c - r)
    }
}

fn day_cost(inst: &ShiftMixInstance, d: usize, x: &[u32]) -> f64 {
    let cov = coverage_day(inst, x);
    (0..inst.intervals_per_day)
        .map(|i| cell_cost(inst, inst.required[d][i], cov[i]))
        .sum()
}

/// Local search on one day's counts: best single add/remove, then remove-one-add-another swaps,
/// until no move improves.
fn improve(inst: &ShiftMixInstance, d: usize, mut x: Vec<u32>) -> Vec<u32> {
    let req = &inst.required[d];
    let mut cov = coverage_day(inst, &x);
    let delta = |cov: &[f64], s: usize, k: f64| -> f64 {
        inst.templates[s]
            .iter()
            .map(|&i| cell_cost(inst, req[i], cov[i] + k) - cell_cost(inst, req[i], cov[i]))
            .sum()
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

/// Options of [`solve_shift_mix_with`].
#[derive(Debug, Clone)]
pub struct ShiftMixOptions {
    /// Wall-clock limit for the whole solve (LP, search and MIP of every day), s.
    pub time_limit_s: f64,
    /// Worker threads; days are independent and solved in parallel (0 = all cores).
    pub threads: usize,
    /// Seed of the annealing search (each day derives its own stream from it).
    pub seed: u64,
    /// Annealing moves per day; `None` = until the day's share of the time limit. A fixed count
    /// makes the result independent of timing and of the thread count (tests, reproductions).
    pub moves_per_day: Option<u64>,
    /// Finish each day with the HiGHS MIP (warm-started from the search) for its remaining time.
    /// Off by default: on sched_p500_s15 HiGHS overran sub-second MIP time limits by 2–3 s and
    /// did not improve the annealing; use it for long runs that tighten the dual bound.
    pub mip: bool,
    /// Share of each day's time given to the MIP when `mip` is set (the rest: the search).
    pub mip_share: f64,
    /// Share of each day's search time after the dives given to the variable-depth chain search
    /// ([`chain_search`]), after the annealing has had the rest. On sched_p500_s15 at 10 s the
    /// chains alone (1.0) gave 173–178, annealing then chains (0.8) 183–185, annealing alone 187–198
    /// (depth 8, before the bit-set pricing of replaces made the chains ~2× cheaper).
    pub chain_share: f64,
    /// Moves per chain before it is rolled back to its best point. On sched_p500_s15 at 10 s:
    /// depth 5 / 8 / 10 / 12 / 16 / 24 gave 181 / 171 / 175 / 166–167 / 178 / 175.
    pub chain_depth: usize,
    /// With `moves_per_day` set (a reproducible run): chains per day after the annealing.
    pub chains_per_day: Option<u64>,
    /// Share of each day's search time given to time-ordered LP dives ([`LpDiver`]) before the
    /// annealing and the chains polish the best of them.
    pub dive_share: f64,
    /// How far dives after the first perturb the LP's remainders (0 = every dive the same).
    pub dive_noise: f64,
    /// With `moves_per_day` set (a reproducible run): dives per day.
    pub dives_per_day: u64,
    /// Share of the re-dives that start shortly before a start time where the best day's LP
    /// bound rose (the rest start anywhere).
    pub dive_rise_share: f64,
    /// Largest random cost added to a template column in dives after the first (see
    /// [`LpDiver::tilt`]); 0 = follow the same LP optimum every time.
    pub dive_tilt: f64,
    /// Share of the dives after the first that start from scratch (the rest re-dive the best
    /// day's tail). On sched_p500_s15, 10 s, without backtracking: 0.25 and 0.5 gave the same
    /// within the run-to-run scatter (means 133.2 and 133.3 over 20 runs each, 130–139), 0.75
    /// was worse (136.6); with 200 backtracks 0.1 / 0.25 / 0.5 gave 131.4 / 131.1 / 131.3 and
    /// 0.75 132.5 (10–20 seeds each).
    pub dive_full_share: f64,
    /// How many times a dive may go back to an earlier start time's next-best split before it
    /// is cut (see [`LpDiver::dive`]). On sched_p500_s15, 10 s, seeds 1–10: 0 gave a mean of
    /// 133.4, 30 131.8 (6 seeds), 200 131.3, 1000 131.3, unlimited 131.6.
    pub dive_backtracks: usize,
}

impl Default for ShiftMixOptions {
    fn default() -> Self {
        ShiftMixOptions {
            time_limit_s: 10.0,
            threads: 0,
            seed: 1,
            moves_per_day: None,
            mip: false,
            mip_share: 0.25,
            chain_share: 1.0,
            chain_depth: 12,
            chains_per_day: None,
            dive_share: 0.95,
            dive_noise: 0.0,
            dives_per_day: 4,
            dive_rise_share: 0.7,
            dive_tilt: 1e-2,
            dive_full_share: 0.25,
            dive_backtracks: 200,
        }
    }
}

/// Solve every day within `time_limit_s` in total, days in parallel on all cores.
pub fn solve_shift_mix(
    inst: &ShiftMixInstance,
    time_limit_s: f64,
) -> Result<ShiftMixResult, ScheduleError> {
    solve_shift_mix_with(
        inst,
        &ShiftMixOptions {
            time_limit_s,
            ..Default::default()
        },
    )
}

/// One day's answer.
#[derive(Debug, Clone)]
struct DayResult {
    x: Vec<u32>,
    lp: f64,
    bound: f64,
    proved: bool,
}

/// Templates near each template: starting within ±4 intervals, or ending within ±2 — the
/// targets of the "replace one shift by a similar one" move.
fn neighbours(inst: &ShiftMixInstance) -> Vec<Vec<u32>> {
    let span: Vec<(i64, i64)> = inst
        .templates
        .iter()
        .map(|t| {
            (
                t.iter().copied().min().unwrap_or(0) as i64,
                t.iter().copied().max().unwrap_or(0) as i64,
            )
        })
        .collect();
    (0..span.len())
        .map(|s| {
            (0..span.len())
                .filter(|&u| {
                    u != s
                        && ((span[u].0 - span[s].0).abs() <= 4
                            || (span[u].1 - span[s].1).abs() <= 2)
                })
                .map(|u| u as u32)
                .collect()
        })
        .collect()
}

/// Simulated annealing on one day's counts: add one shift, remove one, or replace one by a
/// neighbouring template (other start, length or break variant); the temperature falls
/// geometrically over the budget and the search restarts from the best point found when it
/// stalls. Stops after `moves` moves or at `deadline`, whichever comes first. Returns the best
/// counts seen.
#[allow(clippy::too_many_arguments)]
fn anneal(
    inst: &ShiftMixInstance,
    d: usize,
    x0: Vec<u32>,
    neigh: &[Vec<u32>],
    seed: u64,
    moves: Option<u64>,
    deadline: Instant,
    target: f64,
) -> Vec<u32> {
    let req = &inst.required[d];
    let n = inst.templates.len();
    if n == 0 {
        return x0;
    }
    let mut x = x0;
    let mut cov = coverage_day(inst, &x);
    let mut cost: f64 = (0..inst.intervals_per_day)
        .map(|i| cell_cost(inst, req[i], cov[i]))
        .sum();
    let mut best = (cost, x.clone());
    let mut units: Vec<u32> = Vec::new();
    for (s, &k) in x.iter().enumerate() {
        units.extend(std::iter::repeat_n(s as u32, k as usize));
    }
    let delta = |cov: &[f64], s: usize, k: f64| -> f64 {
        inst.templates[s]
            .iter()
            .map(|&i| cell_cost(inst, req[i], cov[i] + k) - cell_cost(inst, req[i], cov[i]))
            .sum()
    };
    let shift = |cov: &mut [f64], s: usize, k: f64| {
        for &i in &inst.templates[s] {
            cov[i] += k;
        }
    };
    let mut rng = Rng(seed ^ (d as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    let w = inst.under_weight.max(inst.over_weight).max(1e-9);
    // One cooling from 1.0 to 0.2 (in units of the larger weight) over the budget: tried against
    // 0.8→0.1, 1.5→0.3, 2→0.1, 3→0.2 and 3–12 re-heating cycles on sched_p500_s15 (200 vs 205–214).
    let (t0, t1) = (1.0 * w, 0.2 * w);
    let cycles = 1.0;
    let stall: u64 = 400_000;
    // Time-driven runs are split into rounds of this many moves between clock checks.
    let budget = moves.unwrap_or(u64::MAX);
    let started = Instant::now();
    let total_s = deadline
        .saturating_duration_since(started)
        .as_secs_f64()
        .max(1e-6);
    let mut done: u64 = 0;
    let mut since_best: u64 = 0;
    let mut temp = t0;
    while done < budget && best.0 > target + 1e-9 {
        if done % 1024 == 0 {
            let frac = match moves {
                Some(m) => done as f64 / m as f64,
                None => {
                    let el = started.elapsed().as_secs_f64();
                    if el >= total_s {
                        break;
                    }
                    el / total_s
                }
            };
            // Several cooling cycles over the budget: each cycle re-heats from the best point.
            let cyc = (frac * cycles).fract();
            temp = t0 * (t1 / t0).powf(cyc);
            if since_best > stall {
                x.clone_from(&best.1);
                cost = best.0;
                cov = coverage_day(inst, &x);
                units.clear();
                for (s, &k) in x.iter().enumerate() {
                    units.extend(std::iter::repeat_n(s as u32, k as usize));
                }
                since_best = 0;
            }
        }
        done += 1;
        since_best += 1;
        let kind = rng.below(10);
        let accept = |dl: f64, rng: &mut Rng| dl <= 0.0 || rng.unit() < (-dl / temp).exp();
        if kind == 0 || units.is_empty() {
            // Add one shift.
            let s = rng.below(n);
            if x[s] as f64 >= inst.max_per_shift {
                continue;
            }
            let dl = delta(&cov, s, 1.0);
            if accept(dl, &mut rng) {
                shift(&mut cov, s, 1.0);
                x[s] += 1;
                units.push(s as u32);
                cost += dl;
            }
        } else if kind == 1 {
            // Remove one shift.
            let ui = rng.below(units.len());
            let s = units[ui] as usize;
            let dl = delta(&cov, s, -1.0);
            if accept(dl, &mut rng) {
                shift(&mut cov, s, -1.0);
                x[s] -= 1;
                units.swap_remove(ui);
                cost += dl;
            }
        } else {
            // Replace one shift by a neighbouring template.
            let ui = rng.below(units.len());
            let s = units[ui] as usize;
            if neigh[s].is_empty() {
                continue;
            }
            let t = neigh[s][rng.below(neigh[s].len())] as usize;
            if x[t] as f64 >= inst.max_per_shift {
                continue;
            }
            let dr = delta(&cov, s, -1.0);
            shift(&mut cov, s, -1.0);
            let dl = dr + delta(&cov, t, 1.0);
            if accept(dl, &mut rng) {
                shift(&mut cov, t, 1.0);
                x[s] -= 1;
                x[t] += 1;
                units[ui] = t as u32;
                cost += dl;
            } else {
                shift(&mut cov, s, 1.0);
            }
        }
        if cost < best.0 - 1e-9 {
            best = (cost, x.clone());
            since_best = 0;
        }
    }
    best.1
}

/// One day's coverage, with what one more and one fewer agent would cost in each interval, and
/// each template's intervals as a bit set — so that replacing one shift by a similar one is
/// priced on the few intervals where the two differ, not on both whole shifts.
struct DayCover<'a> {
    inst: &'a ShiftMixInstance,
    req: &'a [f64],
    cov: Vec<f64>,
    up: Vec<f64>,
    down: Vec<f64>,
    words: usize,
    bits: Vec<u64>,
}

/// (template removed, template added); `NONE` for an add or a remove alone.
type Move = (usize, usize);
const NONE: usize = usize::MAX;

impl<'a> DayCover<'a> {
    fn new(inst: &'a ShiftMixInstance, d: usize, x: &[u32]) -> Self {
        let ipd = inst.intervals_per_day;
        let words = ipd.div_ceil(64).max(1);
        let mut bits = vec![0u64; words * inst.templates.len()];
        for (s, t) in inst.templates.iter().enumerate() {
            for &i in t {
                bits[s * words + i / 64] |= 1 << (i % 64);
            }
        }
        let mut dc = DayCover { inst, req: &inst.required[d], cov: coverage_day(inst, x), up: vec![0.0; ipd], down: vec![0.0; ipd], words, bits };
        (0..ipd).for_each(|i| dc.refresh(i));
        dc
    }

    fn refresh(&mut self, i: usize) {
        let (r, c) = (self.req[i], self.cov[i]);
        let now = cell_cost(self.inst, r, c);
        self.up[i] = cell_cost(self.inst, r, c + 1.0) - now;
        self.down[i] = cell_cost(self.inst, r, c - 1.0) - now;
    }

    fn shift(&mut self, s: usize, k: f64) {
        for &i in &self.inst.templates[s] {
            self.cov[i] += k;
            self.refresh(i);
        }
    }

    /// Σ of `arr` over the intervals in template `a` and not in template `b` (`NONE`: empty).
    fn sum_diff(&self, arr: &[f64], a: usize, b: usize) -> f64 {
        let w = self.words;
        let mut sum = 0.0;
        for k in 0..w {
            let mut m = self.bits[a * w + k] & if b == NONE { !0 } else { !self.bits[b * w + k] };
            while m != 0 {
                sum += arr[k * 64 + m.trailing_zeros() as usize];
                m &= m - 1;
            }
        }
        sum
    }

    fn delta(&self, (r, a): Move) -> f64 {
        match (r, a) {
            (NONE, NONE) => 0.0,
            (NONE, a) => self.inst.templates[a].iter().map(|&i| self.up[i]).sum(),
            (r, NONE) => self.inst.templates[r].iter().map(|&i| self.down[i]).sum(),
            // Intervals in both shifts keep their coverage.
            (r, a) => self.sum_diff(&self.up, a, r) + self.sum_diff(&self.down, r, a),
        }
    }

    fn apply(&mut self, x: &mut [u32], (r, a): Move) {
        if r != NONE {
            self.shift(r, -1.0);
            x[r] -= 1;
        }
        if a != NONE {
            self.shift(a, 1.0);
            x[a] += 1;
        }
    }

    /// Take a move back: the reverse move (remove what was added, add back what was removed).
    fn undo(&mut self, x: &mut [u32], (r, a): Move) {
        self.apply(x, (a, r));
    }
}

/// Variable-depth search (Kernighan–Lin style): from a random first move, keep taking the best
/// add / remove / replace among templates not yet touched in this chain — even when it costs —
/// up to `depth` moves, then roll back to the best point of the chain. This finds the chains of
/// several coordinated moves (one shift later, another earlier, a third shorter) that the
/// annealing leaves alone because every first step is a loss. Stops after `max_chains`
/// chains, at `deadline`, or when the cost reaches `target` (the bound).
#[allow(clippy::too_many_arguments)]
fn chain_search(
    inst: &ShiftMixInstance,
    d: usize,
    mut x: Vec<u32>,
    neigh: &[Vec<u32>],
    seed: u64,
    depth: usize,
    max_chains: u64,
    deadline: Instant,
    target: f64,
) -> Vec<u32> {
    let n = inst.templates.len();
    if n == 0 || max_chains == 0 {
        return x;
    }
    let depth = depth.max(1);
    let mut dc = DayCover::new(inst, d, &x);
    let mut cost = day_cost(inst, d, &x);
    let mut rng = Rng(seed ^ (d as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xC4A1);
    let mut tabu = vec![false; n];
    let mut chain: Vec<Move> = Vec::with_capacity(depth);
    let mut chains = 0u64;
    while chains < max_chains && cost > target + 1e-9 && Instant::now() < deadline {
        let used: Vec<usize> = (0..n).filter(|&s| x[s] > 0).collect();
        if used.is_empty() {
            break;
        }
        chains += 1;
        // Random first move: replace a used template by a neighbour.
        let r = used[rng.below(used.len())];
        if neigh[r].is_empty() {
            continue;
        }
        let a = neigh[r][rng.below(neigh[r].len())] as usize;
        if x[a] as f64 >= inst.max_per_shift {
            continue;
        }
        chain.clear();
        let mut c = cost + dc.delta((r, a));
        dc.apply(&mut x, (r, a));
        chain.push((r, a));
        tabu[r] = true;
        tabu[a] = true;
        let (mut best_c, mut best_len) = (cost, 0usize);
        if c < best_c - 1e-9 {
            best_c = c;
            best_len = 1;
        }
        while chain.len() < depth {
            // The best move among untouched templates, even if it costs.
            let mut bm: (f64, Move) = (f64::INFINITY, (NONE, NONE));
            for s in 0..n {
                if tabu[s] {
                    continue;
                }
                if (x[s] as f64) < inst.max_per_shift {
                    let v = dc.delta((NONE, s));
                    if v < bm.0 {
                        bm = (v, (NONE, s));
                    }
                }
                if x[s] > 0 {
                    let v = dc.delta((s, NONE));
                    if v < bm.0 {
                        bm = (v, (s, NONE));
                    }
                    for &u in &neigh[s] {
                        let u = u as usize;
                        if tabu[u] || x[u] as f64 >= inst.max_per_shift {
                            continue;
                        }
                        let w = dc.delta((s, u));
                        if w < bm.0 {
                            bm = (w, (s, u));
                        }
                    }
                }
            }
            if bm.1 == (NONE, NONE) {
                break;
            }
            dc.apply(&mut x, bm.1);
            c += bm.0;
            chain.push(bm.1);
            for t in [bm.1.0, bm.1.1] {
                if t != NONE {
                    tabu[t] = true;
                }
            }
            if c < best_c - 1e-9 {
                best_c = c;
                best_len = chain.len();
            }
        }
        // Keep the chain up to its best point.
        while chain.len() > best_len {
            if let Some(mv) = chain.pop() {
                dc.undo(&mut x, mv);
            }
        }
        tabu.iter_mut().for_each(|t| *t = false);
        cost = best_c;
    }
    x
}

/// A diver on day LP `solved`: the template columns, grouped by their first working interval.
fn day_diver(inst: &ShiftMixInstance, solved: highs::SolvedModel, cols: Vec<Col>, integral: bool) -> LpDiver {
    let mut first: Vec<(usize, usize)> = inst
        .templates
        .iter()
        .enumerate()
        .filter_map(|(s, t)| t.iter().min().map(|&i| (i, s)))
        .collect();
    first.sort_unstable();
    let mut by_start: Vec<Vec<usize>> = Vec::new();
    let mut last = usize::MAX;
    for (i, s) in first {
        if i != last {
            by_start.push(Vec::new());
            last = i;
        }
        if let Some(g) = by_start.last_mut() {
            g.push(s);
        }
    }
    LpDiver::new(solved, cols, by_start, integral.then_some(1.0), inst.max_per_shift)
}

/// The best day the dive workers have found, and where its LP bound rose ([`LpDiver::rises`]).
#[derive(Debug, Clone)]
struct BestDay {
    cost: f64,
    x: Vec<u32>,
    rises: Vec<usize>,
}

/// How many start times before a rise of the bound a targeted re-dive may start.
const DIVE_BACKTRACK: usize = 12;

/// One worker's dives on day `d` until `deadline`, `max_dives`, or the day reaches its bound
/// `lpv`; `best` (cost, counts) is shared by the workers. Returns the number of dives.
#[allow(clippy::too_many_arguments)]
fn run_dives(
    inst: &ShiftMixInstance,
    d: usize,
    diver: &mut LpDiver,
    rng: &mut Rng,
    opts: &ShiftMixOptions,
    max_dives: u64,
    lpv: f64,
    best: &Mutex<BestDay>,
    deadline: Instant,
    worker: usize,
) -> u64 {
    let mut k = 0;
    while k < max_dives && Instant::now() < deadline {
        let b = best.lock().map(|b| b.clone()).unwrap_or_else(|e| e.into_inner().clone());
        if b.cost <= lpv + 1e-9 {
            break;
        }
        // The first worker's first dive follows the LP exactly; the others explore around it
        // (tilted), a share of them from scratch and the rest keeping the best day's first start
        // times and re-diving the rest — mostly from a little before a start time where the best
        // day's bound rose.
        let noise = if k == 0 && worker == 0 { 0.0 } else { opts.dive_noise };
        let groups = diver.by_start.len();
        let keep = if rng.unit() < opts.dive_full_share {
            0
        } else if !b.rises.is_empty() && rng.unit() < opts.dive_rise_share {
            b.rises[rng.below(b.rises.len())].saturating_sub(rng.below(DIVE_BACKTRACK))
        } else {
            rng.below(groups)
        };
        let eps = if k == 0 && worker == 0 { 0.0 } else { opts.dive_tilt };
        diver.tilt(rng, eps);
        if let Some(x) = diver.dive(rng, noise, b.cost, deadline, &b.x, keep) {
            let c = day_cost(inst, d, &x);
            let mut b = best.lock().unwrap_or_else(|e| e.into_inner());
            if c < b.cost {
                *b = BestDay { cost: c, x, rises: diver.rises.clone() };
            }
        }
        k += 1;
    }
    k
}

/// The day's model: one column per template (returned, in template order), then an under and an
/// over column per interval.
fn build_day(inst: &ShiftMixInstance, d: usize, integer: bool) -> (RowProblem, Vec<Col>) {
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
    (pb, cols)
}

/// The day's LP relaxation solved on one thread within `time_limit_s`, with its template columns.
fn solve_day_lp(inst: &ShiftMixInstance, d: usize, time_limit_s: f64) -> Result<(highs::SolvedModel, Vec<Col>), ScheduleError> {
    let (pb, cols) = build_day(inst, d, false);
    let mut lp = pb.optimise(Sense::Minimise);
    lp.make_quiet();
    lp.set_option("time_limit", time_limit_s.max(0.01));
    lp.set_option("threads", 1);
    let solved = lp.try_solve().map_err(|e| ScheduleError::Input(format!("HiGHS: {e:?}")))?;
    Ok((solved, cols))
}

fn integral_weights(inst: &ShiftMixInstance) -> bool {
    inst.under_weight.fract() == 0.0
        && inst.over_weight.fract() == 0.0
        && inst.required.iter().flatten().all(|r| r.fract() == 0.0)
}

/// LP bound, rounding, annealing and (optionally) the MIP of one day, all before `deadline`.
fn solve_day(
    inst: &ShiftMixInstance,
    d: usize,
    neigh: &[Vec<u32>],
    opts: &ShiftMixOptions,
    deadline: Instant,
    dive_threads: usize,
    start: Option<&[u32]>,
) -> Result<DayResult, ScheduleError> {
    let integral = integral_weights(inst);
    let left = |now: Instant| deadline.saturating_duration_since(now).as_secs_f64();
    let day_s = left(Instant::now());
    // LP relaxation: the bound, and the point we round from.
    let (lps, lp_cols) = solve_day_lp(inst, d, day_s * 0.3)?;
    let lp_ok = lps.status() == HighsModelStatus::Optimal;
    let mut lpv = if lp_ok { lps.objective_value() } else { 0.0 };
    if integral {
        lpv = (lpv - 1e-6).ceil();
    }
    let lp_x: Vec<f64> = if lp_ok {
        lps.get_solution().columns()[..inst.templates.len()].to_vec()
    } else {
        vec![0.0; inst.templates.len()]
    };
    // Round, then the descent of `improve`, then LP dives, annealing and chains.
    let mut heur = improve(
        inst,
        d,
        lp_x.iter().map(|v| v.round().max(0.0) as u32).collect(),
    );
    // A day solved before (a second pass) goes on from its best.
    let start = start.filter(|x| x.len() == heur.len() && day_cost(inst, d, x) < day_cost(inst, d, &heur));
    if let Some(x) = start {
        heur = x.to_vec();
    }
    let mip_s = if opts.mip {
        left(Instant::now()) * opts.mip_share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // The search's time: annealing first, then the chains (`chain_share` of it), then the MIP.
    let chain_deadline = deadline - Duration::from_secs_f64(mip_s.min(left(Instant::now())));
    if lp_ok && opts.dive_share > 0.0 {
        let dive_s = chain_deadline.saturating_duration_since(Instant::now()).as_secs_f64() * opts.dive_share.min(1.0);
        let dive_deadline = Instant::now() + Duration::from_secs_f64(dive_s);
        let max_dives = if opts.moves_per_day.is_some() { opts.dives_per_day } else { u64::MAX };
        let best = Mutex::new(BestDay { cost: day_cost(inst, d, &heur), x: start.map(<[u32]>::to_vec).unwrap_or_default(), rises: Vec::new() });
        let seed = |w: u64| opts.seed ^ (d as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03) ^ w.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut diver = day_diver(inst, lps, lp_cols, integral);
        diver.backtracks = opts.dive_backtracks;
        // Extra workers (days solved one after another with all cores) dive with their own
        // copy of the LP and share the best day, whose cost cuts every worker's dives.
        let dives: u64 = std::thread::scope(|sc| {
            let helpers: Vec<_> = (1..dive_threads.max(1))
                .map(|w| {
                    let best = &best;
                    sc.spawn(move || {
                        let left = dive_deadline.saturating_duration_since(Instant::now()).as_secs_f64();
                        let Ok((solved, cols)) = solve_day_lp(inst, d, left) else { return 0 };
                        if solved.status() != HighsModelStatus::Optimal {
                            return 0;
                        }
                        let mut diver = day_diver(inst, solved, cols, integral);
                        diver.backtracks = opts.dive_backtracks;
                        run_dives(inst, d, &mut diver, &mut Rng(seed(w as u64)), opts, max_dives, lpv, best, dive_deadline, w)
                    })
                })
                .collect();
            let mine = run_dives(inst, d, &mut diver, &mut Rng(seed(0)), opts, max_dives, lpv, &best, dive_deadline, 0);
            mine + helpers.into_iter().map(|h| h.join().unwrap_or(0)).sum::<u64>()
        });
        let BestDay { cost, x, rises } = best.into_inner().unwrap_or_else(|e| e.into_inner());
        if !x.is_empty() {
            heur = x;
        }
        if std::env::var_os("CCOPS_DEBUG_DIVES").is_some() {
            eprintln!("day {d}: lp {lpv} dives {dives} best {cost} bound rose at start groups {rises:?}");
        }
    }
    let search_s = chain_deadline.saturating_duration_since(Instant::now()).as_secs_f64();
    let chain_s = if opts.moves_per_day.is_none() { search_s * opts.chain_share.clamp(0.0, 1.0) } else { 0.0 };
    let ls_deadline = chain_deadline - Duration::from_secs_f64(chain_s.min(search_s));
    let target = if lp_ok { lpv } else { 0.0 };
    let heur = anneal(
        inst,
        d,
        heur,
        neigh,
        opts.seed,
        opts.moves_per_day,
        ls_deadline,
        target,
    );
    let heur = improve(inst, d, heur);
    let max_chains = match opts.moves_per_day {
        Some(_) => opts.chains_per_day.unwrap_or(0),
        None if opts.chain_share > 0.0 => u64::MAX,
        None => 0,
    };
    let heur = chain_search(inst, d, heur, neigh, opts.seed, opts.chain_depth, max_chains, chain_deadline, target);
    let heur_cost = day_cost(inst, d, &heur);
    let mut bound = lpv;
    let mut proved = lp_ok && heur_cost <= lpv + 1e-9;
    let mut xd = heur;
    // MIP from that start, for the rest of the day's time.
    let rest = left(Instant::now());
    if opts.mip && !proved && rest > 0.05 {
        let mut mip = build_day(inst, d, true).0.optimise(Sense::Minimise);
        mip.make_quiet();
        mip.set_option("time_limit", rest);
        mip.set_option("threads", 1);
        let mut start: Vec<f64> = xd.iter().map(|&v| v as f64).collect();
        let cov = coverage_day(inst, &xd);
        for i in 0..inst.intervals_per_day {
            let diff = cov[i] - inst.required[d][i];
            start.push((-diff).max(0.0));
            start.push(diff.max(0.0));
        }
        let _ = mip.try_set_solution(Some(&start), None, None, None);
        let sol = mip
            .try_solve()
            .map_err(|e| ScheduleError::Input(format!("HiGHS: {e:?}")))?;
        let cols = sol.get_solution().columns().to_vec();
        let mip_x: Vec<u32> = (0..inst.templates.len())
            .map(|s| cols.get(s).copied().unwrap_or(0.0).round().max(0.0) as u32)
            .collect();
        if cols.len() >= inst.templates.len() && day_cost(inst, d, &mip_x) < heur_cost {
            xd = mip_x;
        }
        let db = sol.double_info_value(c"mip_dual_bound").unwrap_or(lpv);
        let db = if db.is_finite() { db.max(lpv) } else { lpv };
        bound = if integral { (db - 1e-6).ceil() } else { db };
        proved =
            sol.status() == HighsModelStatus::Optimal || day_cost(inst, d, &xd) <= bound + 1e-9;
    }
    Ok(DayResult {
        x: xd,
        lp: lpv,
        bound,
        proved,
    })
}

/// When day `d` must be finished, as a fraction of the time limit: days are taken in order by
/// `threads` workers in rounds of `threads` days, and round k ends at (k + 1) / rounds. A worker
/// that finishes early starts its next day early and so gives it more time; no day can end past
/// the limit.
fn day_end_frac(d: usize, days: usize, threads: usize) -> f64 {
    let threads = threads.max(1);
    let rounds = days.div_ceil(threads).max(1);
    ((d / threads + 1) as f64 / rounds as f64).min(1.0)
}

/// Solve every day within `opts.time_limit_s` (wall clock, everything included). Days are
/// handed to `opts.threads` workers in order; each day gets an equal share of the time that is
/// left when it starts (remaining time × workers / days not yet started). With
/// `moves_per_day` set, each day's result depends only on the instance and the seed, not on
/// the thread count.
pub fn solve_shift_mix_with(
    inst: &ShiftMixInstance,
    opts: &ShiftMixOptions,
) -> Result<ShiftMixResult, ScheduleError> {
    let t_start = Instant::now();
    if inst.required.len() != inst.days
        || inst
            .required
            .iter()
            .any(|r| r.len() != inst.intervals_per_day)
    {
        return Err(ScheduleError::Input(
            "required must be days × intervals_per_day".into(),
        ));
    }
    if inst
        .templates
        .iter()
        .flatten()
        .any(|&i| i >= inst.intervals_per_day)
    {
        return Err(ScheduleError::Input(
            "a template works an interval outside the day".into(),
        ));
    }
    // Keep a small margin for scoring and hand-back.
    let limit = (opts.time_limit_s * 0.98 - 0.02).max(0.01);
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    }
    .clamp(1, inst.days.max(1));
    let neigh = neighbours(inst);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<DayResult, ScheduleError>>>> =
        Mutex::new(vec![None; inst.days]);
    let worker = || loop {
        let d = next.fetch_add(1, Ordering::SeqCst);
        if d >= inst.days {
            break;
        }
        let r = solve_day(
            inst,
            d,
            &neigh,
            opts,
            t_start + Duration::from_secs_f64(limit * day_end_frac(d, inst.days, threads)),
            1,
            None,
        );
        results.lock().unwrap_or_else(|e| e.into_inner())[d] = Some(r);
    };
    // With LP dives (and no fixed move count), days go one after another and every core dives
    // on the day in hand: each day gets an equal share of the time still left, so a day that
    // reaches its bound early hands its time on, and no core idles in a last round of fewer
    // days than cores (7 days on 2 cores left one core idle for a quarter of the limit).
    let days_in_turn = threads > 1 && opts.dive_share > 0.0 && opts.moves_per_day.is_none();
    if threads == 1 {
        worker();
    } else if days_in_turn {
        let t_end = t_start + Duration::from_secs_f64(limit);
        let mut days: Vec<Option<DayResult>> = vec![None; inst.days];
        let mut todo: Vec<usize> = (0..inst.days).collect();
        // First pass: every day; then the time the days that reached their bound did not use
        // goes round the others again, each going on from its best.
        while !todo.is_empty() && t_end.saturating_duration_since(Instant::now()) > Duration::from_millis(200) {
            for (i, &d) in todo.iter().enumerate() {
                let left = t_end.saturating_duration_since(Instant::now());
                let deadline = Instant::now() + left / (todo.len() - i) as u32;
                let prev = days[d].as_ref().map(|r| r.x.as_slice());
                let r = solve_day(inst, d, &neigh, opts, deadline, threads, prev)?;
                if days[d].as_ref().is_none_or(|p| day_cost(inst, d, &r.x) < day_cost(inst, d, &p.x)) {
                    days[d] = Some(r);
                }
            }
            todo.retain(|&d| days[d].as_ref().is_some_and(|r| !r.proved));
        }
        let mut res = results.lock().unwrap_or_else(|e| e.into_inner());
        for (d, r) in days.into_iter().enumerate() {
            res[d] = r.map(Ok);
        }
    } else {
        std::thread::scope(|sc| {
            for _ in 0..threads {
                sc.spawn(worker);
            }
        });
    }
    let mut x = Vec::with_capacity(inst.days);
    let (mut lp_bound, mut mip_bound, mut proved) = (0.0, 0.0, 0);
    for r in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let r = r.ok_or_else(|| ScheduleError::Input("a day was not solved".into()))??;
        lp_bound += r.lp;
        mip_bound += r.bound;
        proved += r.proved as usize;
        x.push(r.x);
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
        // Annealing alone cannot prove this day (LP 0 < 1): the MIP does.
        let opts = ShiftMixOptions {
            time_limit_s: 2.0,
            mip: true,
            mip_share: 0.5,
            ..Default::default()
        };
        let r = solve_shift_mix_with(&inst, &opts).unwrap();
        assert_eq!(r.objective, 1.0);
        assert_eq!(r.days_proved_optimal, 1);
        assert_eq!(r.mip_bound, 1.0);
        // Without the MIP the answer is the same, only unproved.
        let r = solve_shift_mix_with(
            &inst,
            &ShiftMixOptions {
                time_limit_s: 0.5,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.objective, 1.0);
        assert!(r.lp_bound <= 1.0);
    }

    /// Templates of a `per_day`-interval day built like sched_p500_s15: 4 h shifts with a break
    /// after 2 h, 8 h shifts with two breaks and a lunch in three positions, at every start.
    fn sched_like_templates(per_day: usize) -> Vec<Vec<usize>> {
        let mut templates: Vec<Vec<usize>> = Vec::new();
        let shapes: [(usize, &[(usize, usize)]); 4] =
            [(16, &[(8, 1)]), (32, &[(8, 1), (16, 2), (26, 1)]), (32, &[(8, 1), (14, 2), (26, 1)]), (32, &[(8, 1), (18, 2), (26, 1)])];
        for (len, brk) in shapes {
            for start in 0..=per_day - len {
                templates.push((0..len).filter(|&o| !brk.iter().any(|&(b, l)| (b..b + l).contains(&o))).map(|o| start + o).collect());
            }
        }
        templates
    }

    /// A day built like sched_p500_s15 (4 h shifts with a break after 2 h, 8 h shifts with
    /// breaks and a lunch in three positions), its requirement the exact cover of a hidden
    /// integer mix: the first LP dive (no noise) finds a perfect cover, where rounding the LP
    /// and the descent do not; each dive's answer is a legal count vector.
    #[test]
    fn lp_dive_finds_an_exact_cover_that_rounding_misses() {
        let per_day = 64;
        let templates = sched_like_templates(per_day);
        let mut rng = Rng(11);
        let hidden: Vec<u32> = (0..templates.len()).map(|_| if rng.unit() < 0.3 { rng.below(6) as u32 } else { 0 }).collect();
        let mut inst = ShiftMixInstance {
            days: 1,
            intervals_per_day: per_day,
            required: vec![vec![0.0; per_day]],
            templates,
            under_weight: 1.0,
            over_weight: 1.0,
            max_per_shift: 100.0,
        };
        inst.required[0] = coverage_day(&inst, &hidden);
        let (pb, cols) = build_day(&inst, 0, false);
        let mut lp = pb.optimise(Sense::Minimise);
        lp.make_quiet();
        let solved = lp.solve();
        assert_eq!(solved.status(), HighsModelStatus::Optimal);
        let rounded: Vec<u32> = solved.get_solution().columns()[..cols.len()].iter().map(|v| v.round() as u32).collect();
        let descent = day_cost(&inst, 0, &improve(&inst, 0, rounded));
        assert!(descent > 0.0, "rounding + descent should not already be exact here ({descent})");
        let mut diver = day_diver(&inst, solved, cols, true);
        let far = Instant::now() + Duration::from_secs(60);
        let x = diver.dive(&mut Rng(1), 0.0, f64::INFINITY, far, &[], 0).expect("dive");
        assert_eq!(x.len(), inst.templates.len());
        assert_eq!(day_cost(&inst, 0, &x), 0.0);
        // A noisy re-dive of the second half keeps the first half's start times as they were.
        let keep = diver.by_start.len() / 2;
        let y = diver.dive(&mut Rng(2), 0.3, f64::INFINITY, far, &x, keep).expect("re-dive");
        for g in &diver.by_start[..keep] {
            for &s in g {
                assert_eq!(x[s], y[s], "template {s} of the kept prefix changed");
            }
        }
        // A dive whose bound cannot beat the cutoff is cut.
        assert!(diver.dive(&mut Rng(3), 0.0, 0.0, far, &[], 0).is_none());
        // A tilted LP follows another (near-)optimal point, but reports the untilted objective
        // (what a dive is cut by): close to 0, though the tilt costs of its shifts are not.
        diver.tilt(&mut Rng(4), 1e-2);
        for s in 0..inst.templates.len() {
            diver.set(s, 0.0, inst.max_per_shift);
        }
        let (obj, xs) = diver.resolve().expect("tilted LP");
        let tilt: f64 = diver.tilt.iter().zip(&xs).map(|(c, v)| c * v).sum();
        assert!(tilt > 0.1 && obj < 0.05, "objective {obj}, tilt {tilt}");
    }

    /// Dives that may go back to an earlier start time's next-best split find exact covers
    /// that cut dives miss, and never hand back a day that does not beat the cutoff.
    #[test]
    fn backtracking_dives_find_exact_covers_that_cut_dives_miss() {
        let per_day = 64;
        let templates = sched_like_templates(per_day);
        let far = Instant::now() + Duration::from_secs(120);
        let (mut cut_found, mut back_found) = (0, 0);
        for case in 0..12u64 {
            let mut rng = Rng(100 + case);
            let hidden: Vec<u32> = (0..templates.len()).map(|_| if rng.unit() < 0.5 { rng.below(9) as u32 } else { 0 }).collect();
            let mut inst = ShiftMixInstance {
                days: 1,
                intervals_per_day: per_day,
                required: vec![vec![0.0; per_day]],
                templates: templates.clone(),
                under_weight: 1.0,
                over_weight: 1.0,
                max_per_shift: 100.0,
            };
            inst.required[0] = coverage_day(&inst, &hidden);
            for backtracks in [0, 200] {
                let (solved, cols) = solve_day_lp(&inst, 0, 60.0).expect("LP");
                let mut diver = day_diver(&inst, solved, cols, true);
                diver.backtracks = backtracks;
                let mut found = 0;
                for k in 0..4 {
                    let mut r = Rng(7 * case + k);
                    diver.tilt(&mut r, if k == 0 { 0.0 } else { 1e-2 });
                    // Only an exact cover beats a cutoff of 1.
                    if let Some(x) = diver.dive(&mut r, 0.0, 1.0, far, &[], 0) {
                        assert_eq!(day_cost(&inst, 0, &x), 0.0, "case {case}: a dive beat the cutoff with a worse day");
                        found += 1;
                    }
                }
                if backtracks == 0 { cut_found += found } else { back_found += found }
            }
        }
        assert!(back_found >= 2 * cut_found.max(1), "backtracking dives found {back_found} exact covers, cut dives {cut_found}");
    }

    /// A small multi-day instance with break holes (4 days × 32 intervals).
    fn small() -> ShiftMixInstance {
        let mut templates = Vec::new();
        for len in [8usize, 12] {
            for st in 0..=(32 - len) {
                templates.push((st..st + len).filter(|&i| i != st + 4).collect());
            }
        }
        let required = (0..4)
            .map(|d| {
                (0..32)
                    .map(|i| {
                        ((i as f64 * 0.4 + d as f64).sin() * 4.0
                            + 6.0
                            + ((i * 7 + d * 3) % 3) as f64)
                            .round()
                    })
                    .collect()
            })
            .collect();
        ShiftMixInstance {
            days: 4,
            intervals_per_day: 32,
            required,
            templates,
            under_weight: 1.0,
            over_weight: 1.0,
            max_per_shift: 50.0,
        }
    }

    /// With a fixed move count (no MIP), the days' results do not depend on the thread count.
    #[test]
    fn parallel_equals_sequential() {
        let inst = small();
        let opts = |threads| ShiftMixOptions {
            time_limit_s: 600.0,
            threads,
            seed: 7,
            moves_per_day: Some(20_000),
            mip: false,
            mip_share: 0.0,
            chain_share: 1.0,
            chain_depth: 8,
            chains_per_day: Some(100),
            ..Default::default()
        };
        let seq = solve_shift_mix_with(&inst, &opts(1)).unwrap();
        let par = solve_shift_mix_with(&inst, &opts(2)).unwrap();
        assert_eq!(seq.x, par.x);
        assert_eq!(seq.objective, par.objective);
        assert!(seq.objective >= seq.lp_bound - 1e-9);
        let (u, o) = evaluate(&inst, &seq.x);
        assert_eq!(u + o, seq.objective);
    }

    /// Annealing improves on an empty start and is deterministic for a given seed.
    #[test]
    fn chain_finds_a_two_move_improvement_that_descent_misses() {
        // r = 1,1,1,1 and shifts {0,1}, {2,3}, {1,2}. From one {1,2} shift (cost 2) every single
        // add, remove or swap costs 2 or more; replacing it by {0,1} (no gain) and then adding
        // {2,3} (gain 2) covers the day exactly.
        let inst = ShiftMixInstance {
            days: 1,
            intervals_per_day: 4,
            required: vec![vec![1.0; 4]],
            templates: vec![vec![0, 1], vec![2, 3], vec![1, 2]],
            under_weight: 1.0,
            over_weight: 1.0,
            max_per_shift: 10.0,
        };
        let neigh = neighbours(&inst);
        let start = vec![0, 0, 1];
        assert_eq!(day_cost(&inst, 0, &improve(&inst, 0, start.clone())), 2.0);
        let far = Instant::now() + Duration::from_secs(600);
        let one = chain_search(&inst, 0, start.clone(), &neigh, 1, 1, 50, far, 0.0);
        assert_eq!(day_cost(&inst, 0, &one), 2.0, "a chain of one move is a plain descent step");
        let x = chain_search(&inst, 0, start, &neigh, 1, 8, 50, far, 0.0);
        assert_eq!(x, vec![1, 1, 0]);
    }

    #[test]
    fn chains_never_worsen_and_are_deterministic() {
        let inst = small();
        let neigh = neighbours(&inst);
        let far = Instant::now() + Duration::from_secs(600);
        for d in 0..inst.days {
            // From a local optimum of single moves: a chain is only kept up to its best point,
            // so nothing gets worse, however costly the chains' later moves are.
            let start = improve(&inst, d, vec![1u32; inst.templates.len()]);
            let x = chain_search(&inst, d, start.clone(), &neigh, 5, 8, 200, far, f64::NEG_INFINITY);
            assert!(day_cost(&inst, d, &x) <= day_cost(&inst, d, &start));
            assert_eq!(x, chain_search(&inst, d, start, &neigh, 5, 8, 200, far, f64::NEG_INFINITY));
        }
    }

    #[test]
    fn anneal_improves_on_its_start() {
        let inst = small();
        let neigh = neighbours(&inst);
        let start = vec![0u32; inst.templates.len()];
        let far = Instant::now() + Duration::from_secs(600);
        let x = anneal(&inst, 1, start.clone(), &neigh, 3, Some(50_000), far, 0.0);
        assert!(day_cost(&inst, 1, &x) < day_cost(&inst, 1, &start));
        // Deterministic for a given seed.
        assert_eq!(
            x,
            anneal(&inst, 1, start, &neigh, 3, Some(50_000), far, 0.0)
        );
    }

    /// The time split: rounds of `threads` days, the last round ending at the limit.
    #[test]
    fn day_deadlines_fit_the_limit() {
        // 7 days on 2 workers: 4 rounds of 2.5 s of a 10 s limit.
        let ends: Vec<f64> = (0..7).map(|d| day_end_frac(d, 7, 2) * 10.0).collect();
        assert_eq!(ends, vec![2.5, 2.5, 5.0, 5.0, 7.5, 7.5, 10.0]);
        // One worker: one day per round.
        assert_eq!(day_end_frac(6, 7, 1), 1.0);
        assert_eq!(day_end_frac(0, 7, 1), 1.0 / 7.0);
        // More workers than days: everything in one round.
        assert_eq!(day_end_frac(2, 3, 8), 1.0);
    }
}
