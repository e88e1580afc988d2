//! Time-ordered LP dives with backtracking: round an LP's integer columns to whole numbers
//! start time by start time, re-solving the LP warm after each, so later starts absorb the
//! rounding. Used by the shift mix ([`crate::shiftmix`]); kept apart from it because nothing in
//! the diver depends on the shift-mix instance (an LP, its integer columns grouped by start
//! time, and their granularity).

use highs::{Col, HighsModelStatus};
use std::time::Instant;

/// SplitMix64: a small seeded generator (no dependency, same stream on every platform).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64 * n as f64) as usize % n.max(1)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A split tried at a start time: (LP objective, counts, the LP's point after fixing them).
type Split = (f64, Vec<u32>, Vec<f64>);

/// Time-ordered LP dives (the search's start). Coverage of interval t depends only on shifts
/// starting at or before t, so the day is fixed start time by start time: at each start, the
/// LP's (fractional) counts of the templates starting there are rounded to a few integer splits
/// with the same total (largest remainders first), each split is fixed and the LP re-solved
/// warm, and the split with the lowest LP optimum is kept; later starts absorb the rounding.
/// When every split of a start time would lift the LP bound to the best day found, the dive
/// goes back to the latest start time with a split it has not tried whose bound still beats it
/// (depth first, up to `backtracks` times), and is cut only when none is left: on
/// sched_p500_s15 this took the 10 s mean from 133.4 to 131.3, as days reached their bound
/// that cut dives only reached by luck. Dives after the first perturb the ranking of the
/// remainders and break ties at random, so they explore. On
/// sched_p500_s15 one dive per day gave 151 in total where the chain search from plain
/// rounding reached 166: the optimal solutions (HiGHS, 30+ s a day) differ from the chains' by
/// hundreds of shifts, and only a construction that follows the LP finds their basin.
pub(crate) struct LpDiver {
    pub(crate) model: Option<highs::Model>,
    pub(crate) cols: Vec<Col>,
    /// Dived columns (indices into `cols`) grouped by start time, in time order.
    pub(crate) by_start: Vec<Vec<usize>>,
    pub(crate) lp_x: Vec<f64>,
    pub(crate) lp: f64,
    /// Granularity of an integer point's objective, if any (see [`LpDiver::new`]).
    step: Option<f64>,
    /// Upper bound of every dived column.
    upper: f64,
    /// Current tilt of each template column's cost (see [`LpDiver::tilt`]).
    pub(crate) tilt: Vec<f64>,
    /// Current (lower, upper) bound of each template column in `model`.
    pub(crate) bounds: Vec<(f64, f64)>,
    /// Start-time groups (indices into `by_start`) at which the last dive's LP bound rose: where
    /// it lost against the LP, and where a re-dive should start a little before.
    pub(crate) rises: Vec<usize>,
    /// How many times a dive may go back to an earlier start time's next-best split when every
    /// split of a start time loses the day (0 = cut the dive there).
    pub(crate) backtracks: usize,
}

impl LpDiver {
    /// A diver on the LP `solved` (optimal), diving on `cols` in the groups `by_start` (indices
    /// into `cols`, in start-time order), each column between 0 and `upper`. With `step`, every
    /// integer point's objective is a multiple of it, so a bound rounds up to the next one.
    pub(crate) fn new(solved: highs::SolvedModel, cols: Vec<Col>, by_start: Vec<Vec<usize>>, step: Option<f64>, upper: f64) -> Self {
        let all = solved.get_solution().columns().to_vec();
        let lp_x = cols.iter().map(|c| all.get(c.index()).copied().unwrap_or(0.0)).collect();
        let lp = solved.objective_value();
        LpDiver { tilt: vec![0.0; cols.len()], bounds: vec![(0.0, upper); cols.len()], model: Some(solved.into()), cols, by_start, lp_x, lp, step, upper, rises: Vec::new(), backtracks: 0 }
    }

    /// Re-solve the LP with the current bounds: (objective, template counts), None if HiGHS
    /// did not reach optimality.
    pub(crate) fn resolve(&mut self) -> Option<(f64, Vec<f64>)> {
        let model = self.model.take()?;
        let solved = model.try_solve().ok()?;
        let out = (solved.status() == HighsModelStatus::Optimal).then(|| {
            let sol = solved.get_solution();
            let all = sol.columns();
            let xs: Vec<f64> = self.cols.iter().map(|c| all.get(c.index()).copied().unwrap_or(0.0)).collect();
            // The objective without the tilt (see `tilt`).
            let tilt: f64 = self.tilt.iter().zip(&xs).map(|(c, v)| c * v).sum();
            (solved.objective_value() - tilt, xs)
        });
        self.model = Some(solved.into());
        out
    }

    /// Tiny random costs on the template columns (`eps` = 0: none). The LP's optimal face is
    /// wide (hundreds of templates at zero reduced cost); a tilt picks another optimal point to
    /// follow, so dives start in other basins at no loss of bound.
    pub(crate) fn tilt(&mut self, rng: &mut Rng, eps: f64) {
        for s in 0..self.cols.len() {
            let c = eps * rng.unit();
            if c != 0.0 || self.tilt[s] != 0.0 {
                self.tilt[s] = c;
                if let Some(m) = self.model.as_mut() {
                    m.change_column_cost(self.cols[s], c);
                }
            }
        }
    }

    /// Bounds of template column `s`. HiGHS is called only for a change: each call costs more
    /// than a warm re-solve's simplex work per column, and a dive resets every column.
    pub(crate) fn set(&mut self, s: usize, lo: f64, hi: f64) {
        if self.bounds[s] == (lo, hi) {
            return;
        }
        if let Some(m) = self.model.as_mut() {
            m.change_column_bounds(self.cols[s], lo..=hi);
            self.bounds[s] = (lo, hi);
        }
    }

    /// One dive; `noise` > 0 perturbs the remainders' ranking and breaks ties at random. Returns
    /// the counts, or None if the dive was cut (bound ≥ `cutoff` at a start time with no split
    /// left to go back to, or after `backtracks` returns) or ran out of time.
    /// The first `keep` start times are fixed to `prefix` (a re-dive of the rest of a good day).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn dive(
        &mut self,
        rng: &mut Rng,
        noise: f64,
        cutoff: f64,
        deadline: Instant,
        prefix: &[u32],
        keep: usize,
    ) -> Option<Vec<u32>> {
        let n = self.cols.len();
        let mut fixed = vec![0u32; n];
        let groups = std::mem::take(&mut self.by_start);
        let keep = if prefix.len() == n { keep.min(groups.len()) } else { 0 };
        for (gi, g) in groups.iter().enumerate() {
            for &s in g {
                if gi < keep {
                    fixed[s] = prefix[s];
                    self.set(s, prefix[s] as f64, prefix[s] as f64);
                } else {
                    self.set(s, 0.0, self.upper);
                }
            }
        }
        // Each re-solve is a few warm simplex iterations; the limit guards against a stray long
        // one. Set once per dive: setting it per re-solve cost more than some re-solves.
        if let Some(m) = self.model.as_mut() {
            // HiGHS's time limit counts every run of the model so far (its run clock is never
            // reset), so the time left is added to what the model has run: a plain "time left"
            // failed every re-solve once the runs had added up to it, about halfway into a day.
            // SAFETY: the pointer is the live HiGHS instance owned by `m`.
            let spent = unsafe { highs_sys::Highs_getRunTime(m.as_ptr()) };
            m.set_option("time_limit", spent.max(0.0) + deadline.saturating_duration_since(Instant::now()).as_secs_f64().max(0.01));
        }
        let mut x = self.lp_x.clone();
        self.rises.clear();
        let step = self.step;
        let bound = move |obj: f64| match step {
            Some(k) => ((obj - 1e-6 * k.max(1.0)) / k).ceil() * k,
            None => obj,
        };
        let mut last_lb = bound(self.lp);
        if keep > 0 || self.tilt.iter().any(|&c| c != 0.0) {
            match self.resolve() {
                Some((obj, xs)) => {
                    x = xs;
                    last_lb = bound(obj);
                }
                None => {
                    self.by_start = groups;
                    return None;
                }
            }
        }
        // Splits not taken, per fixed group, for backtracking: (group, bound before it,
        // untried splits best last).
        let mut stack: Vec<(usize, f64, Vec<Split>)> = Vec::new();
        let mut backtracks = 0;
        let out = (|| {
            let mut gi = keep;
            while gi < groups.len() {
                if Instant::now() >= deadline {
                    return None;
                }
                let g = &groups[gi];
                let vals: Vec<f64> = g.iter().map(|&s| x[s].max(0.0)).collect();
                let mut tried: Vec<Split> = Vec::new();
                if vals.iter().all(|v| (v - v.round()).abs() < 1e-7) {
                    // Already integral: fixing it leaves the LP optimum where it is.
                    let c: Vec<u32> = vals.iter().map(|v| v.round() as u32).collect();
                    tried.push((f64::NAN, c, Vec::new()));
                } else {
                    for c in splits(&vals, rng, noise) {
                        for (&s, &k) in g.iter().zip(&c) {
                            self.set(s, k as f64, k as f64);
                        }
                        let Some((obj, xs)) = self.resolve() else { continue };
                        if bound(obj) >= cutoff {
                            continue;
                        }
                        let key = obj + if noise > 0.0 { rng.unit() * 1e-7 } else { 0.0 };
                        tried.push((key, c, xs));
                    }
                    // Best last, so `pop` takes it.
                    tried.sort_by(|a, b| b.0.total_cmp(&a.0));
                }
                let mut lb_before = last_lb;
                let mut at = gi;
                if tried.is_empty() {
                    // Every split lost the day: go back to the latest group with a split left
                    // (each stored with the LP point it gave, so no re-solve is needed).
                    loop {
                        if backtracks >= self.backtracks {
                            return None;
                        }
                        let (gj, lb, mut alts) = stack.pop()?;
                        if alts.is_empty() {
                            continue;
                        }
                        backtracks += 1;
                        for h in &groups[gj + 1..=gi] {
                            for &s in h {
                                self.set(s, 0.0, self.upper);
                            }
                        }
                        let alt = alts.pop()?;
                        stack.push((gj, lb, alts));
                        tried.push(alt);
                        lb_before = lb;
                        at = gj;
                        self.rises.retain(|&r| r < gj);
                        break;
                    }
                } else {
                    let last = tried.len() - 1;
                    let rest: Vec<_> = tried.drain(..last).collect();
                    stack.push((gi, last_lb, rest));
                }
                let (obj, c, xs) = tried.pop()?;
                if !obj.is_nan() {
                    let lb = bound(obj);
                    if lb > lb_before + 1e-9 {
                        self.rises.push(at);
                    }
                    last_lb = lb;
                    x = xs;
                } else {
                    last_lb = lb_before;
                }
                for (&s, &k) in groups[at].iter().zip(&c) {
                    self.set(s, k as f64, k as f64);
                    fixed[s] = k;
                }
                gi = at + 1;
            }
            Some(fixed)
        })();
        self.by_start = groups;
        out
    }
}


/// Integer splits of the fractional counts `vals` with their rounded total: the two best by
/// (perturbed) largest remainders, and plain rounding.
pub(crate) fn splits(vals: &[f64], rng: &mut Rng, noise: f64) -> Vec<Vec<u32>> {
    let total = vals.iter().sum::<f64>().round().max(0.0) as i64;
    let floor: Vec<i64> = vals.iter().map(|v| (v + 1e-9).floor() as i64).collect();
    let rem = total - floor.iter().sum::<i64>();
    let mut out: Vec<Vec<u32>> = Vec::new();
    let push = |c: Vec<u32>, out: &mut Vec<Vec<u32>>| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    if rem >= 0 && (rem as usize) <= vals.len() {
        let rem = rem as usize;
        let frac: Vec<f64> = vals
            .iter()
            .zip(&floor)
            .map(|(v, f)| v - *f as f64 + if noise > 0.0 { noise * (rng.unit() - 0.5) * 2.0 } else { 0.0 })
            .collect();
        let mut order: Vec<usize> = (0..vals.len()).collect();
        order.sort_by(|&a, &b| frac[b].total_cmp(&frac[a]));
        let base: Vec<u32> = floor.iter().map(|&f| f.max(0) as u32).collect();
        // Best: the `rem` largest remainders; second best: swap the last one taken for the
        // first one left out.
        let mut best = base.clone();
        for &i in &order[..rem] {
            best[i] += 1;
        }
        push(best, &mut out);
        if rem > 0 && rem < vals.len() {
            let mut second = base.clone();
            for &i in order[..rem - 1].iter().chain([&order[rem]]) {
                second[i] += 1;
            }
            push(second, &mut out);
        }
    }
    push(vals.iter().map(|v| v.round().max(0.0) as u32).collect(), &mut out);
    out
}

