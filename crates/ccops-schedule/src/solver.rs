//! Construction + local search. The search state is agent × day → shift candidate (or off) with
//! placed breaks; coverage is kept per interval and skill group so a move is evaluated by
//! recomputing only the intervals it touches. Every accepted move keeps all hard rules.

use serde::{Deserialize, Serialize};

use crate::ScheduleError;
use crate::coverage::slot_cover;
use crate::lp;
use std::collections::HashMap;
use crate::model::{Cand, Model, Problem, Segment};

/// Knobs of [`solve`]. Time limits are the caller's business (stop via the progress callback).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SolveOptions {
    /// Local-search moves after construction (the callback may stop earlier).
    pub max_moves: u64,
    /// Compute the LP lower bound (HiGHS).
    pub lower_bound: bool,
    /// Time limit handed to HiGHS for the bound, seconds.
    pub lp_time_limit_s: f64,
    pub seed: u64,
    /// The wall-clock budget after which the caller will stop the search (through the progress
    /// callback), seconds from the call. With it the search anneals: a move may make the
    /// objective worse by up to about one agent-hour of under-staffing at first, falling
    /// linearly to nothing at 90 % of the budget (the best roster seen is returned). Without it
    /// the search is a plain descent (only moves that do not worsen the objective).
    pub time_limit_s: Option<f64>,
    /// With a time limit: re-plan whole days from day MIPs (HiGHS, one worker thread) beside
    /// the search. A day MIP in flight when the search stops is waited for (at most
    /// `REPLAN_SECONDS`, and never past the limit by design).
    #[serde(default = "default_day_mip")]
    pub day_mip: bool,
}

fn default_day_mip() -> bool {
    true
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions { max_moves: 2_000_000, lower_bound: true, lp_time_limit_s: 30.0, seed: 1, time_limit_s: None, day_mip: true }
    }
}

/// What the callback sees; return `false` from it to stop the search (best roster is kept).
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub phase: &'static str,
    pub moves: u64,
    pub objective: f64,
    pub under_hours: f64,
    pub over_hours: f64,
    pub under_bound_hours: Option<f64>,
}

/// Soft-rule statistics of a roster.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SoftStats {
    pub weekend_days_min: u32,
    pub weekend_days_max: u32,
    pub night_shifts_min: u32,
    pub night_shifts_max: u32,
    pub holiday_days_min: u32,
    pub holiday_days_max: u32,
    /// Shifts on a day the agent asked to avoid.
    pub avoided_days_worked: u32,
    /// Mean over agent-weeks of (latest − earliest start time), minutes.
    pub mean_start_spread_minutes: f64,
    pub soft_cost: f64,
}

/// The result of [`solve`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Solution {
    pub roster: Vec<Segment>,
    pub objective: f64,
    pub under_hours: f64,
    pub over_hours: f64,
    /// LP lower bound on under-staffed agent-hours (valid for every roster obeying the rules).
    pub under_bound_hours: Option<f64>,
    /// (under − bound) / max(bound, one interval-hour).
    pub under_gap: Option<f64>,
    pub shifts: usize,
    pub soft: SoftStats,
    /// Re-optimisation: agent-days that differ from the existing roster, and agents affected.
    pub changed_days: usize,
    pub changed_agents: usize,
    pub moves: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DayShift {
    pub cand: u32,
    /// Start minute (horizon minutes) of each break, in `Cand::breaks` order.
    pub breaks: Vec<i32>,
}

/// Small deterministic RNG (xorshift64*): reproducible runs without a dependency.
pub(crate) struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Why an agent-week could not be built (for a useful error).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fail {
    DaysOff,
    Contract,
    Realise,
}

struct State<'m> {
    m: &'m Model,
    rules: &'m crate::Rules,
    ng: usize,
    nq: usize,
    assign: Vec<Vec<Option<DayShift>>>,
    locked: Vec<Vec<bool>>,
    /// n[t * ng + g]
    n: Vec<f64>,
    at_work: Vec<i32>,
    on_break: Vec<i32>,
    req_t: Vec<f64>,
    w_t: Vec<f64>,
    /// Largest under-staffing weight per slot (the scale of the construction bonuses).
    w_max: f64,
    slot_cost: Vec<f64>,
    slot_under: Vec<f64>,
    slot_over: Vec<f64>,
    cov_cost: f64,
    // soft
    cnt: [Vec<i32>; 3],
    cnt_sum: [f64; 3],
    cnt_sq: [f64; 3],
    agent_soft: Vec<f64>,
    agent_soft_sum: f64,
    existing: Option<Vec<Vec<Option<(i32, i32)>>>>,
    changed: Vec<Vec<bool>>,
    changed_count: usize,
    touched: Vec<usize>,
    touched_mark: Vec<bool>,
    /// LP shift mix still to be placed, `[group][day][cand]`: construction prefers it.
    target: Option<Vec<Vec<Vec<f64>>>>,
    /// LP working-day patterns still to be given out, per week class: construction prefers them.
    pattern_target: Option<std::collections::HashMap<lp::ClassKey, Vec<(u32, f64)>>>,
    /// Whole-agent weeks rounded from the LP (`[agent][week]`): construction tries them first.
    week_plan: Option<Vec<Vec<Option<crate::weekplan::WeekPlan>>>>,
    /// How much worse than `before` a move may leave the objective and still be accepted
    /// (annealing; 0 = descent).
    slack: f64,
    /// Cache of [`State::marginal`] per `t * ng + g`, valid while `marg_stamp` equals the slot's
    /// `slot_stamp` (bumped whenever the slot's coverage is recomputed): a move changes a few
    /// dozen slots, but every move asks for the marginal of two whole days.
    marg: Vec<f64>,
    marg_stamp: Vec<u32>,
    slot_stamp: Vec<u32>,
}

impl<'m> State<'m> {
    fn new(m: &'m Model, rules: &'m crate::Rules) -> Self {
        let (ng, nq, ns) = (m.group_mask.len(), m.queues.len(), m.nslots);
        let na = m.agent_group.len();
        let mut req_t = vec![0.0; ns * nq];
        let mut w_t = vec![0.0; ns * nq];
        for q in 0..nq {
            for t in 0..ns {
                req_t[t * nq + q] = m.required[q][t];
                w_t[t * nq + q] = m.wunder[q][t];
            }
        }
        let mut s = State {
            m,
            rules,
            ng,
            nq,
            assign: vec![vec![None; m.days]; na],
            locked: vec![vec![false; m.days]; na],
            n: vec![0.0; ns * ng],
            at_work: vec![0; ns],
            on_break: vec![0; ns],
            req_t,
            w_max: w_t.iter().copied().fold(0.0, f64::max),
            w_t,
            slot_cost: vec![0.0; ns],
            slot_under: vec![0.0; ns],
            slot_over: vec![0.0; ns],
            cov_cost: 0.0,
            cnt: [vec![0; na], vec![0; na], vec![0; na]],
            cnt_sum: [0.0; 3],
            cnt_sq: [0.0; 3],
            agent_soft: vec![0.0; na],
            agent_soft_sum: 0.0,
            existing: None,
            changed: vec![vec![false; m.days]; na],
            changed_count: 0,
            touched: Vec::new(),
            touched_mark: vec![false; ns],
            target: None,
            pattern_target: None,
            week_plan: None,
            slack: 0.0,
            marg: vec![0.0; ns * ng],
            marg_stamp: vec![0; ns * ng],
            slot_stamp: vec![1; ns],
        };
        for t in 0..ns {
            s.recompute_slot(t);
        }
        s
    }

    fn eval_slot(&self, t: usize, extra_group: Option<usize>) -> (f64, f64, f64) {
        let (ng, nq) = (self.ng, self.nq);
        let mut n = [0.0f64; 64];
        let nn: &mut [f64] = if ng <= 64 { &mut n[..ng] } else { return self.eval_slot_vec(t, extra_group) };
        nn.copy_from_slice(&self.n[t * ng..t * ng + ng]);
        if let Some(g) = extra_group {
            nn[g] += 1.0;
        }
        let c = slot_cover(&self.m.group_mask, nn, &self.req_t[t * nq..t * nq + nq], &self.w_t[t * nq..t * nq + nq]);
        (c.weighted_under + self.m.wover * c.over, c.under, c.over)
    }

    fn eval_slot_vec(&self, t: usize, extra_group: Option<usize>) -> (f64, f64, f64) {
        let (ng, nq) = (self.ng, self.nq);
        let mut nn = self.n[t * ng..t * ng + ng].to_vec();
        if let Some(g) = extra_group {
            nn[g] += 1.0;
        }
        let c = slot_cover(&self.m.group_mask, &nn, &self.req_t[t * nq..t * nq + nq], &self.w_t[t * nq..t * nq + nq]);
        (c.weighted_under + self.m.wover * c.over, c.under, c.over)
    }

    fn recompute_slot(&mut self, t: usize) {
        let (c, u, o) = self.eval_slot(t, None);
        self.cov_cost += c - self.slot_cost[t];
        self.slot_cost[t] = c;
        self.slot_under[t] = u;
        self.slot_over[t] = o;
        self.slot_stamp[t] = self.slot_stamp[t].wrapping_add(1).max(1);
    }

    fn objective(&self) -> f64 {
        self.cov_cost + self.soft_cost()
    }

    fn soft_cost(&self) -> f64 {
        let w = &self.rules.weights;
        let na = self.m.agent_group.len().max(1) as f64;
        let fair = |i: usize| self.cnt_sq[i] - self.cnt_sum[i] * self.cnt_sum[i] / na;
        w.weekend_fairness * fair(0)
            + w.night_fairness * fair(1)
            + w.holiday_fairness * fair(2)
            + self.agent_soft_sum
            + self.rules.reoptimise.change_penalty * self.changed_count as f64
    }

    fn cand(&self, d: usize, ds: &DayShift) -> &'m Cand {
        &self.m.cands[d][ds.cand as usize]
    }

    /// Apply the coverage footprint of a shift with sign ±1.
    fn footprint(&mut self, a: usize, d: usize, ds: &DayShift, sign: f64) {
        let c = self.cand(d, ds);
        let slot = self.m.slot;
        let g = self.m.agent_group[a];
        let s0 = (c.start / slot) as usize;
        let s1 = (((c.start + c.len) / slot) as usize).min(self.m.nslots);
        for t in s0..s1 {
            let tm = t as i32 * slot;
            let on_break = c.breaks.iter().zip(&ds.breaks).any(|(b, &bs)| tm >= bs && tm < bs + b.length);
            self.at_work[t] += sign as i32;
            if on_break {
                self.on_break[t] += sign as i32;
            } else {
                self.n[t * self.ng + g] += sign;
                if !self.touched_mark[t] {
                    self.touched_mark[t] = true;
                    self.touched.push(t);
                }
            }
        }
    }

    fn flush(&mut self) {
        let touched = std::mem::take(&mut self.touched);
        for &t in &touched {
            self.touched_mark[t] = false;
            self.recompute_slot(t);
        }
        self.touched = touched;
        self.touched.clear();
    }

    /// Replace agent `a`'s shift on day `d`; returns the old one. Coverage and soft costs follow.
    fn set_day(&mut self, a: usize, d: usize, new: Option<DayShift>) -> Option<DayShift> {
        let old = self.assign[a][d].take();
        if let Some(o) = &old {
            self.footprint(a, d, o, -1.0);
        }
        if let Some(n) = &new {
            self.footprint(a, d, n, 1.0);
        }
        self.assign[a][d] = new;
        self.flush();
        self.update_agent_soft(a);
        self.update_change(a, d);
        old
    }

    fn update_change(&mut self, a: usize, d: usize) {
        let Some(ex) = &self.existing else { return };
        let now = self.assign[a][d].as_ref().map(|ds| {
            let c = self.cand(d, ds);
            (c.start, c.len)
        });
        let ch = now != ex[a][d];
        if ch != self.changed[a][d] {
            self.changed[a][d] = ch;
            if ch { self.changed_count += 1 } else { self.changed_count -= 1 }
        }
    }

    fn update_agent_soft(&mut self, a: usize) {
        let m = self.m;
        let mut counts = [0i32; 3];
        let mut pref = 0.0;
        let mut stab = 0.0;
        for w in &m.weeks[a] {
            let mut starts: Vec<i32> = Vec::with_capacity(7);
            for d in w.first_day..w.first_day + w.ndays {
                if let Some(ds) = &self.assign[a][d] {
                    let c = self.cand(d, ds);
                    counts[0] += m.weekend[d] as i32;
                    counts[1] += c.night as i32;
                    counts[2] += m.holiday[d] as i32;
                    pref += m.pref_cost(a, d, c);
                    starts.push(c.start - d as i32 * 1440);
                }
            }
            if starts.len() > 1 {
                starts.sort_unstable();
                let med = starts[starts.len() / 2];
                stab += starts.iter().map(|s| (s - med).abs() as f64 / 60.0).sum::<f64>();
            }
        }
        for (i, &c) in counts.iter().enumerate() {
            let old = self.cnt[i][a] as f64;
            self.cnt_sum[i] += c as f64 - old;
            self.cnt_sq[i] += (c * c) as f64 - old * old;
            self.cnt[i][a] = c;
        }
        let s = pref + self.rules.weights.start_stability * stab;
        self.agent_soft_sum += s - self.agent_soft[a];
        self.agent_soft[a] = s;
    }

    fn stagger_limit(&self, at_work: i32) -> i32 {
        ((self.rules.breaks.max_on_break_fraction * at_work as f64).floor() as i32).max(1)
    }

    fn stagger_ok(&self, s0: usize, s1: usize) -> bool {
        (s0..s1.min(self.m.nslots)).all(|t| self.on_break[t] <= self.stagger_limit(self.at_work[t]))
    }

    /// Hard rules of one agent over days `[0, upto_day)` (weeks fully inside are checked).
    fn agent_violation(&self, a: usize, upto_day: usize) -> Option<&'static str> {
        let m = self.m;
        let lim = &self.rules.limits;
        let mut prev_end: Option<i32> = None;
        let (mut consec, mut consec_n, mut hol) = (0u32, 0u32, 0u32);
        for d in 0..upto_day.min(m.days) {
            match &self.assign[a][d] {
                Some(ds) => {
                    let c = self.cand(d, ds);
                    if prev_end.is_some_and(|e| c.start < e + lim.min_rest_minutes as i32) {
                        return Some("min_rest_minutes");
                    }
                    prev_end = Some(c.start + c.len);
                    consec += 1;
                    if consec > lim.max_consecutive_days {
                        return Some("max_consecutive_days");
                    }
                    if c.night {
                        consec_n += 1;
                        if consec_n > lim.max_consecutive_nights {
                            return Some("max_consecutive_nights");
                        }
                    } else {
                        consec_n = 0;
                    }
                    if m.holiday[d] {
                        hol += 1;
                    }
                }
                None => {
                    consec = 0;
                    consec_n = 0;
                }
            }
        }
        if let Some(cap) = self.rules.holidays.max_days_per_agent
            && hol > cap
        {
            return Some("holidays.max_days_per_agent");
        }
        for w in &m.weeks[a] {
            if w.first_day + w.ndays > upto_day {
                break;
            }
            let (mut paid, mut off, mut nights) = (0i32, 0u32, 0u32);
            let (mut smin, mut smax) = (i32::MAX, i32::MIN);
            let mut pair = false;
            let mut prev_off = false;
            for d in w.first_day..w.first_day + w.ndays {
                match &self.assign[a][d] {
                    Some(ds) => {
                        let c = self.cand(d, ds);
                        paid += c.paid;
                        nights += c.night as u32;
                        let s = c.start - d as i32 * 1440;
                        smin = smin.min(s);
                        smax = smax.max(s);
                        prev_off = false;
                    }
                    None => {
                        off += 1;
                        pair |= prev_off;
                        prev_off = true;
                    }
                }
            }
            if paid < w.lo || paid > w.hi {
                return Some("contract_minutes_per_week");
            }
            if off < w.min_off {
                return Some("min_days_off_per_week");
            }
            if w.full && lim.paired_days_off && !pair {
                return Some("paired_days_off");
            }
            if nights > lim.max_nights_per_week {
                return Some("max_nights_per_week");
            }
            if let Some(sp) = lim.max_start_spread_minutes
                && smax > smin
                && (smax - smin) as u32 > sp
            {
                return Some("max_start_spread_minutes");
            }
        }
        None
    }

    /// Marginal gain of one more agent of group `g` in each slot of `[s0, s1)`.
    fn marginal(&mut self, g: usize, s0: usize, s1: usize) -> Vec<f64> {
        let ng = self.ng;
        (s0..s1.min(self.m.nslots))
            .map(|t| {
                let k = t * ng + g;
                if self.marg_stamp[k] != self.slot_stamp[t] {
                    self.marg[k] = self.slot_cost[t] - self.eval_slot(t, Some(g)).0;
                    self.marg_stamp[k] = self.slot_stamp[t];
                }
                self.marg[k]
            })
            .collect()
    }

    /// Place the breaks of `c` for an agent, where they cost least (`gain` = marginal per slot
    /// from slot `base`), respecting windows, min gap and staggering. None if impossible.
    fn place_breaks(&self, c: &Cand, gain: &[f64], base: usize) -> Option<Vec<i32>> {
        let slot = self.m.slot;
        let gap = self.rules.breaks.min_gap_minutes as i32;
        let mut out = Vec::with_capacity(c.breaks.len());
        let mut earliest_ok = c.start;
        for b in &c.breaks {
            let lo = (c.start + b.earliest).max(earliest_ok);
            let hi = c.start + b.latest;
            let mut best: Option<(f64, i32)> = None;
            let mut s = lo;
            while s <= hi {
                let t0 = (s / slot) as usize;
                let t1 = ((s + b.length) / slot) as usize;
                let mut loss = 0.0;
                let mut ok = true;
                for t in t0..t1 {
                    if t >= self.m.nslots {
                        continue;
                    }
                    // This agent adds one at work and one on break in t.
                    if self.on_break[t] + 1 > self.stagger_limit(self.at_work[t] + 1) {
                        ok = false;
                        break;
                    }
                    loss += gain.get(t.wrapping_sub(base)).copied().unwrap_or(0.0);
                }
                if ok && best.is_none_or(|(l, _)| loss < l) {
                    best = Some((loss, s));
                }
                s += slot;
            }
            let (_, s) = best?;
            out.push(s);
            earliest_ok = s + b.length + gap;
        }
        Some(out)
    }

    /// Estimated gain of working `c` (coverage minus a cheap break estimate minus preferences).
    fn cand_gain(&self, a: usize, d: usize, c: &Cand, pre: &[f64], base: usize) -> f64 {
        let slot = self.m.slot;
        let ps = |t: usize| pre[(t.saturating_sub(base)).min(pre.len() - 1)];
        let t0 = (c.start / slot) as usize;
        let t1 = ((c.start + c.len) / slot) as usize;
        let mut g = ps(t1) - ps(t0);
        for b in &c.breaks {
            // cheapest window position, ignoring staggering and gaps
            let mut best = f64::INFINITY;
            let mut s = c.start + b.earliest;
            while s <= c.start + b.latest {
                let (u0, u1) = ((s / slot) as usize, ((s + b.length) / slot) as usize);
                best = best.min(ps(u1) - ps(u0));
                s += slot;
            }
            if best.is_finite() {
                g -= best;
            }
        }
        g - self.m.pref_cost(a, d, c)
    }

    /// Build agent `a`'s week `w` from scratch (its days in the week must be empty or locked).
    fn build_week(&mut self, a: usize, w: usize, rng: &mut Rng, spread: usize) -> Result<(), Fail> {
        let m = self.m;
        let wt = m.weeks[a][w];
        let g = m.agent_group[a];
        let (d0, nd) = (wt.first_day, wt.ndays);
        let slot = m.slot as usize;
        let base = d0 * 1440 / slot;
        let end = ((d0 + nd) * 1440 / slot + 1440 / slot).min(m.nslots);
        let gain = self.marginal(g, base, end);
        let mut pre = vec![0.0; gain.len() + 1];
        for (i, x) in gain.iter().enumerate() {
            pre[i + 1] = pre[i] + x;
        }
        // Per day: candidates sorted by estimated gain; best per paid-minutes value.
        let mut day_list: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nd];
        let mut paid_vals: Vec<i32> = Vec::new();
        for i in 0..nd {
            let d = d0 + i;
            if self.locked[a][d] {
                if let Some(ds) = &self.assign[a][d] {
                    day_list[i].push((0.0, ds.cand as usize));
                    paid_vals.push(self.cand(d, ds).paid);
                }
                continue;
            }
            for (ci, c) in m.cands[d].iter().enumerate() {
                if m.cand_ok(a, d, c) {
                    let noise = if spread > 1 { rng.unit() * m.wover * 0.5 } else { 0.0 };
                    let bonus = self.target_bonus(g, d, ci, c);
                    day_list[i].push((self.cand_gain(a, d, c, &pre, base) + noise + bonus, ci));
                    paid_vals.push(c.paid);
                }
            }
            day_list[i].sort_by(|x, y| y.0.total_cmp(&x.0));
        }
        paid_vals.sort_unstable();
        paid_vals.dedup();
        // best[i][p] = best estimated gain on day i with paid value index p
        let np = paid_vals.len();
        let mut best = vec![vec![f64::NEG_INFINITY; np]; nd];
        for i in 0..nd {
            for &(gn, ci) in &day_list[i] {
                let p = paid_vals.binary_search(&m.cands[d0 + i][ci].paid).unwrap_or(0);
                if gn > best[i][p] {
                    best[i][p] = gn;
                }
            }
        }
        // Working-day run before the week (for max consecutive days).
        let lim = &self.rules.limits;
        let mut run_before = 0u32;
        for d in (0..d0).rev() {
            if self.assign[a][d].is_some() { run_before += 1 } else { break }
        }
        let pattern_bonus = self.pattern_bonus(a, w);
        let mut patterns: Vec<(f64, u32, Vec<usize>)> = Vec::new();
        let mut any_days_ok = false;
        for mask in 0u32..(1 << nd) {
            let mut ok = true;
            for i in 0..nd {
                let d = d0 + i;
                let on = mask & (1 << i) != 0;
                let lockw = self.locked[a][d] && self.assign[a][d].is_some();
                let lockoff = self.locked[a][d] && self.assign[a][d].is_none();
                if (on && (day_list[i].is_empty() || lockoff)) || (!on && lockw) {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            let off = nd as u32 - mask.count_ones();
            if off < wt.min_off {
                continue;
            }
            if wt.full && lim.paired_days_off && !(0..nd - 1).any(|i| mask & (0b11 << i) == 0) {
                continue;
            }
            let mut run = run_before;
            let mut too_long = false;
            for i in 0..nd {
                if mask & (1 << i) != 0 {
                    run += 1;
                    too_long |= run > lim.max_consecutive_days;
                } else {
                    run = 0;
                }
            }
            if too_long {
                continue;
            }
            any_days_ok = true;
            // DP over paid totals.
            let mut states: Vec<(i32, f64, Vec<usize>)> = vec![(0, 0.0, Vec::new())];
            for i in 0..nd {
                if mask & (1 << i) == 0 {
                    continue;
                }
                let mut next: Vec<(i32, f64, Vec<usize>)> = Vec::new();
                for (tot, val, ch) in &states {
                    for p in 0..np {
                        if best[i][p] == f64::NEG_INFINITY {
                            continue;
                        }
                        let nt = tot + paid_vals[p];
                        if nt > wt.hi {
                            continue;
                        }
                        let nv = val + best[i][p];
                        match next.iter_mut().find(|s| s.0 == nt) {
                            Some(s) if s.1 >= nv => {}
                            Some(s) => {
                                s.1 = nv;
                                s.2 = ch.clone();
                                s.2.push(p);
                            }
                            None => {
                                let mut c2 = ch.clone();
                                c2.push(p);
                                next.push((nt, nv, c2));
                            }
                        }
                    }
                }
                states = next;
            }
            if let Some(bst) = states.into_iter().filter(|s| s.0 >= wt.lo).max_by(|x, y| x.1.total_cmp(&y.1)) {
                patterns.push((bst.1 + pattern_bonus(mask), mask, bst.2));
            }
        }
        if patterns.is_empty() {
            return Err(if any_days_ok { Fail::Contract } else { Fail::DaysOff });
        }
        patterns.sort_by(|x, y| y.0.total_cmp(&x.0));
        if spread > 1 {
            let k = spread.min(patterns.len());
            let pick = rng.below(k);
            patterns.swap(0, pick);
        }
        // The planned week first, when its days and paid lengths are open to the agent.
        if let Some(plan) = self.week_plan.as_ref().and_then(|p| p[a][w].as_ref())
            && let Some(choice) = (0..nd)
                .filter(|&i| plan.mask & (1 << i) != 0)
                .map(|i| paid_vals.binary_search(&plan.paid[i]).ok().filter(|&p| best[i][p] > f64::NEG_INFINITY))
                .collect::<Option<Vec<usize>>>()
            && patterns.iter().any(|p| p.1 == plan.mask)
        {
            patterns.insert(0, (f64::INFINITY, plan.mask, choice));
        }
        // Realise: pick concrete shifts day by day (rest, spread, breaks), verify.
        for (_, mask, choice) in patterns.iter().take(24) {
            let mut ci_iter = choice.iter();
            let mut ok = true;
            let mut first_start: Option<i32> = None;
            for i in 0..nd {
                let d = d0 + i;
                if mask & (1 << i) == 0 {
                    continue;
                }
                let p = *ci_iter.next().unwrap_or(&0);
                if self.locked[a][d] {
                    continue;
                }
                let prev_end = (0..d).rev().find_map(|x| self.assign[a][x].as_ref().map(|ds| {
                    let c = self.cand(x, ds);
                    c.start + c.len
                }));
                let next_start = (d + 1..m.days).find_map(|x| self.assign[a][x].as_ref().map(|ds| self.cand(x, ds).start));
                let rest = lim.min_rest_minutes as i32;
                let mut placed = false;
                for &(_, ci) in &day_list[i] {
                    let c = &m.cands[d][ci];
                    if c.paid != paid_vals[p] {
                        continue;
                    }
                    if prev_end.is_some_and(|e| c.start < e + rest) || next_start.is_some_and(|s| s < c.start + c.len + rest) {
                        continue;
                    }
                    let tod = c.start - d as i32 * 1440;
                    if let (Some(sp), Some(f)) = (lim.max_start_spread_minutes, first_start)
                        && (tod - f).unsigned_abs() > sp
                    {
                        continue;
                    }
                    let Some(br) = self.place_breaks(c, &gain, base) else { continue };
                    first_start.get_or_insert(tod);
                    if let Some(t) = self.target.as_mut() {
                        t[g][d][ci] -= 1.0;
                    }
                    self.set_day(a, d, Some(DayShift { cand: ci as u32, breaks: br }));
                    placed = true;
                    break;
                }
                if !placed {
                    ok = false;
                    break;
                }
            }
            if ok && self.agent_violation(a, d0 + nd).is_none() {
                let key = lp::class_key(m, a, w);
                if let Some(v) = self.pattern_target.as_mut().and_then(|t| t.get_mut(&key))
                    && let Some(e) = v.iter_mut().find(|e| e.0 == *mask)
                {
                    e.1 -= 1.0;
                }
                return Ok(());
            }
            for d in d0..d0 + nd {
                if !self.locked[a][d] && self.assign[a][d].is_some() {
                    self.set_day(a, d, None);
                }
            }
        }
        Err(Fail::Realise)
    }

    /// Construction bonus per working-day pattern of agent `a`'s week `w`: several shifts of
    /// under-staffing for each pattern the LP still has agents of this class on, so the week's
    /// days follow the LP's day totals instead of every agent taking the locally best days; and
    /// as much again for last week's pattern, which the run-of-days limit always allows (a
    /// pattern whose off pair moves later may not be) and the LP's week-to-week mixes resemble.
    /// Worked out once per agent-week: the caller scores up to 2⁷ patterns.
    fn pattern_bonus(&self, a: usize, w: usize) -> impl Fn(u32) -> f64 + use<> {
        let left: Vec<(u32, f64)> = self
            .pattern_target
            .as_ref()
            .and_then(|t| t.get(&lp::class_key(self.m, a, w)))
            .map_or_else(Vec::new, |v| v.iter().map(|&(mask, y)| (mask, y.clamp(0.0, 1.0))).collect());
        let prev = (self.pattern_target.is_some() && w > 0).then(|| {
            let pw = self.m.weeks[a][w - 1];
            (0..pw.ndays).filter(|&i| self.assign[a][pw.first_day + i].is_some()).fold(0u32, |acc, i| acc | (1 << i))
        });
        let scale = self.w_max * 4.0 * (480 / self.m.slot) as f64;
        move |mask| {
            let l = left.iter().find(|e| e.0 == mask).map_or(0.0, |e| e.1);
            (l + if prev == Some(mask) { 1.0 } else { 0.0 }) * scale
        }
    }

    /// Construction bonus for following the LP shift mix: worth a full shift of under-staffing
    /// per remaining unit, so the mix wins over myopic marginal gains.
    fn target_bonus(&self, g: usize, d: usize, ci: usize, c: &Cand) -> f64 {
        match &self.target {
            Some(t) => {
                let left = t[g][d][ci].clamp(0.0, 1.0);
                left * self.w_max * (c.len / self.m.slot) as f64
            }
            None => 0.0,
        }
    }

    fn clear_week(&mut self, a: usize, w: usize) -> Vec<Option<DayShift>> {
        let wt = self.m.weeks[a][w];
        (wt.first_day..wt.first_day + wt.ndays)
            .map(|d| if self.locked[a][d] { self.assign[a][d].clone() } else { self.set_day(a, d, None) })
            .collect()
    }

    fn restore_week(&mut self, a: usize, w: usize, saved: Vec<Option<DayShift>>) {
        let wt = self.m.weeks[a][w];
        for (i, s) in saved.into_iter().enumerate() {
            let d = wt.first_day + i;
            if !self.locked[a][d] {
                self.set_day(a, d, s);
            }
        }
    }

    fn budget_ok(&self) -> bool {
        self.rules.reoptimise.max_changed_days.is_none_or(|b| self.changed_count <= b as usize)
    }

    fn totals(&self) -> (f64, f64) {
        let h = self.m.slot_hours();
        (self.slot_under.iter().sum::<f64>() * h, self.slot_over.iter().sum::<f64>() * h)
    }

    /// Agent `a`'s [`lp::DayClass`] on day `d` if they work it: group and paid minutes, with
    /// open windows. (Classes per rest window make the day MIP too slow to answer in seconds on
    /// the short days — 500 agents, 6 s: no useful incumbent — so the MIP leaves rest out and
    /// [`apply_day_mix`] respects it when it hands out the shifts.)
    fn day_class(&self, a: usize, d: usize) -> Option<lp::DayClass> {
        let ds = self.assign[a][d].as_ref()?;
        Some((self.m.agent_group[a], self.cand(d, ds).paid, i32::MIN, i32::MAX))
    }

    /// The earliest start and latest end of agent `a` on day `d` that rest after yesterday's and
    /// before tomorrow's shift allow.
    fn rest_window(&self, a: usize, d: usize) -> (i32, i32) {
        let rest = self.rules.limits.min_rest_minutes as i32;
        let lo = d.checked_sub(1).and_then(|p| self.assign[a][p].as_ref().map(|x| (p, x))).map_or(i32::MIN, |(p, x)| {
            let c = self.cand(p, x);
            c.start + c.len + rest
        });
        let hi = self.assign[a].get(d + 1).and_then(|x| x.as_ref()).map_or(i32::MAX, |x| self.cand(d + 1, x).start - rest);
        (lo, hi)
    }

    fn day_slots(&self, d: usize) -> (usize, usize) {
        let per = 1440 / self.m.slot as usize;
        (d * per, ((d + 2) * per).min(self.m.nslots))
    }
}

fn fail_rule(f: Fail) -> (&'static str, &'static str) {
    match f {
        Fail::DaysOff => (
            "days off / rotation / max_consecutive_days",
            "no pattern of working days satisfies days off, rotation, leave and consecutive-day limits",
        ),
        Fail::Contract => (
            "contract_minutes_per_week ± contract_tolerance_minutes",
            "no combination of allowed shift lengths reaches the weekly contract within tolerance",
        ),
        Fail::Realise => (
            "min_rest_minutes / breaks / stable starts",
            "no concrete shifts satisfy rest, break placement and start-time rules together",
        ),
    }
}

/// Solve a scheduling problem. `progress` is called regularly; returning `false` stops the
/// search and the best roster found so far is returned.
pub fn solve(
    problem: &Problem,
    opts: &SolveOptions,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<Solution, ScheduleError> {
    let solve_start = std::time::Instant::now();
    let m = Model::compile(problem)?;
    let rules = &problem.rules;
    let mut bound = None;
    // The LP's shift mix and break starts, rounded into the first day plans (see [`lp_day_mixes`]).
    let mut lp_day_under: Vec<f64> = Vec::new();
    let mut lp_guide: Option<(Vec<Vec<Vec<f64>>>, Vec<Vec<LpBreak>>)> = None;
    // The cut plans' day LPs, for the day plans' first boxes.
    let mut day_lps: Vec<Option<lp::DayLp>> = Vec::new();
    let mut st = State::new(&m, rules);
    if opts.lower_bound {
        progress(&Progress { phase: "bound", moves: 0, objective: f64::NAN, under_hours: f64::NAN, over_hours: f64::NAN, under_bound_hours: None });
        if let Some(lp) = lp::under_bound(&m, rules, opts.lp_time_limit_s) {
            // Whole agent-slots per block: a roster's shortfall can be no less (see
            // [`lp::whole_slots_bound`]).
            bound = Some(lp.roster_bound_hours);
            if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
                eprintln!("LP bound {:.2} (whole slots {:.2}) at {:.2}s", lp.under_bound_hours, lp.roster_bound_hours, solve_start.elapsed().as_secs_f64());
            }
            // With a time limit (day MIPs need one) and nothing to keep, the construction
            // follows whole-agent weeks rounded from the LP; see [`crate::weekplan`].
            if opts.day_mip && problem.existing.is_none() && let Some(limit) = opts.time_limit_s {
                let t = std::time::Instant::now();
                let plan = crate::weekplan::plan_weeks(&m, rules, &lp, (0.08 * limit).min(5.0));
                // Then the plans against the days' own LPs (`CCOPS_CUT_SHARE` overrides the
                // share of the limit; 0 turns them off).
                let share = std::env::var("CCOPS_CUT_SHARE").ok().and_then(|v| v.parse().ok()).unwrap_or(CUT_PLAN_SHARE);
                let cut = (share > 0.0).then(|| crate::weekplan::plan_weeks_cut(&m, rules, &lp, &plan, share * limit)).flatten();
                if std::env::var("CCOPS_DEBUG_REPLAN").is_ok()
                    && let Some(c) = &cut
                {
                    eprintln!("cut plans: day LPs {:.2} from {:.2} in {} rounds", c.value, c.start_value, c.rounds.len());
                }
                st.week_plan = Some(match cut {
                    Some(c) => {
                        day_lps = c.day_lps;
                        c.plan
                    }
                    None => plan,
                });
                if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
                    let planned = st.week_plan.iter().flatten().flatten().filter(|x| x.is_some()).count();
                    eprintln!("week plan: {planned} agent-weeks in {:.2}s", t.elapsed().as_secs_f64());
                }
            }
            if st.week_plan.is_some() {
                lp_guide = Some((lp.mix.clone(), breaks_by_day(&m, &lp.breaks)));
                lp_day_under = lp.day_under.clone();
            }
            st.target = Some(lp.mix);
            st.pattern_target = Some(lp.patterns);
        }
    }
    let mut rng = Rng::new(opts.seed);
    let na = problem.agents.len();
    // Fixed shifts are locked in first.
    for a in 0..na {
        for &(d, ci) in &m.fixed[a] {
            let c = &m.cands[d][ci];
            let gain = st.marginal(m.agent_group[a], 0, m.nslots);
            let br = st.place_breaks(c, &gain, 0).unwrap_or_else(|| c.breaks.iter().map(|b| c.start + b.earliest).collect());
            st.set_day(a, d, Some(DayShift { cand: ci as u32, breaks: br }));
            st.locked[a][d] = true;
        }
    }
    // Existing roster (re-optimisation): start from it.
    let mut need_build = vec![vec![true; m.weeks.first().map_or(0, |w| w.len())]; na];
    if let Some(ex) = &problem.existing {
        let ex_days = existing_days(&m, problem, ex);
        for a in 0..na {
            for d in 0..m.days {
                if st.locked[a][d] {
                    continue;
                }
                if let Some((s, l)) = ex_days[a][d]
                    && let Some(ci) = m.cands[d].iter().position(|c| c.start == s && c.len == l && m.cand_ok(a, d, c))
                {
                    let c = &m.cands[d][ci];
                    let gain = st.marginal(m.agent_group[a], 0, 0);
                    let br = st.place_breaks(c, &gain, 0).unwrap_or_else(|| c.breaks.iter().map(|b| c.start + b.earliest).collect());
                    st.set_day(a, d, Some(DayShift { cand: ci as u32, breaks: br }));
                }
                if d < m.freeze_days {
                    st.locked[a][d] = true;
                }
            }
            for (w, wt) in m.weeks[a].iter().enumerate() {
                need_build[a][w] = false;
                // Rebuild weeks that the existing roster leaves illegal (new leave, new rules).
                if st.agent_violation(a, wt.first_day + wt.ndays).is_some() {
                    st.clear_week(a, w);
                    need_build[a][w] = true;
                }
            }
        }
        st.existing = Some(ex_days);
        for a in 0..na {
            for d in 0..m.days {
                st.update_change(a, d);
            }
        }
    }
    // Construction, week-major so coverage fills evenly; single-skilled agents first.
    let mut order: Vec<usize> = (0..na).collect();
    for i in (1..na).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order.sort_by_key(|&a| m.group_mask[m.agent_group[a]].count_ones());
    let nweeks = m.days.div_ceil(7);
    // A stop asked for during the construction takes effect after it: a week left unbuilt would
    // break its agents' contracts (a bound LP that ran past the limit once handed out such a
    // roster).
    let mut stopped = false;
    for w in 0..nweeks {
        for &a in &order {
            if !need_build[a][w] {
                continue;
            }
            if let Err(f) = st.build_week(a, w, &mut rng, 1) {
                let (rule, why) = fail_rule(f);
                return Err(ScheduleError::Contradiction {
                    agent: problem.agents[a].id.clone(),
                    rule: rule.into(),
                    detail: format!("week {} (from {}): {why}", w + 1, m.time_at((w * 7 * 1440) as i32).date()),
                });
            }
        }
        let (u, o) = st.totals();
        stopped |= !progress(&Progress { phase: "construct", moves: 0, objective: st.objective(), under_hours: u, over_hours: o, under_bound_hours: bound });
    }
    let past_deadline = opts.time_limit_s.is_some_and(|l| solve_start.elapsed().as_secs_f64() >= l);
    if stopped || past_deadline {
        return Ok(finish(&st, problem, bound, 0));
    }
    st.target = None;
    st.pattern_target = None;
    // Then every day's MIP at once, within [`DAY_PLAN_SHARE`] of the time left (the search polishes the rest).
    let mut planned = false;
    let mut plan_losses: Vec<usize> = Vec::new();
    if st.week_plan.take().is_some()
        && let Some(limit) = opts.time_limit_s
    {
        let left = limit - solve_start.elapsed().as_secs_f64();
        let threads = crate::parallel::cores();
        // (500 × 4, 60 s: 0.8 of the time left gave the same as 0.6, 603–621.)
        let secs = (DAY_PLAN_SHARE * left / m.days.div_ceil(threads).max(1) as f64).min(DAY_MIP_SECONDS);
        // First the LP's own days, rounded: far nearer the bound than the greedy construction
        // (500 × 4: about 680 under-staffed agent-hours against 2,800), so the day MIPs start
        // from there and a slow machine's short MIPs no longer leave greedy days behind.
        if let Some((mix, brk)) = &lp_guide {
            let days = lp_day_mixes(&st, mix, brk);
            let before = st.objective();
            let kept = realise_day_mixes(&mut st, &days);
            if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
                eprintln!("LP days kept {kept}: {before:.0} -> {:.0} at {:.2}s", st.objective(), solve_start.elapsed().as_secs_f64());
                let per = 1440 / m.slot as usize;
                for d in 0..m.days {
                    let under: f64 = st.slot_under[d * per..(d + 1) * per].iter().sum::<f64>() * m.slot_hours();
                    eprintln!("LP day {d}: LP {:.2} rounded {under:.2}", lp_day_under.get(d).copied().unwrap_or(f64::NAN));
                }
            }
            // A roster this near the LP is searched by descent, as after day plans.
            planned = kept;
            let (u, o) = st.totals();
            progress(&Progress { phase: "LP days", moves: 0, objective: st.objective(), under_hours: u, over_hours: o, under_bound_hours: bound });
        }
        if secs >= 0.5 {
            let kept;
            let days;
            (kept, days) = replan_every_day(&mut st, secs, std::mem::take(&mut day_lps));
            plan_losses = days_to_replan(&days);
            planned |= kept;
            let (u, o) = st.totals();
            progress(&Progress { phase: "day plans", moves: 0, objective: st.objective(), under_hours: u, over_hours: o, under_bound_hours: bound });
        }
    }
    // Local search: every move keeps hard rules; accept if not worse (plateau moves allowed).
    let mut moves = 0u64;
    let bound_obj = bound.map(|b| b * rules.weights.under);
    let anneal_seconds = opts.time_limit_s.map_or(0.0, |l| 0.9 * l - solve_start.elapsed().as_secs_f64());
    let annealing = anneal_seconds > 0.0;
    // A roster made of day MIPs is already close: annealing would first take it apart (500
    // agents × 4 weeks, 60 s: 608–624 under-staffed agent-hours with descent, 650–670 at 0.3 of
    // the temperature), so the search after day plans is a descent.
    let temp0 = if planned { 0.0 } else { rules.weights.under };
    let mut temp = if annealing { temp0 } else { 0.0 };
    let search_start = std::time::Instant::now();
    // Annealing may leave the best roster behind: keep a copy of it.
    let mut best = (st.objective(), if annealing { st.assign.clone() } else { Vec::new() });
    // Day re-planning (see [`apply_day_mix`]) runs beside the search when there is a time
    // limit: worker threads each solve one day's MIP at a time from the day's current shift
    // counts, and the search applies each answer when it arrives (pausing while every worker
    // is busy).
    let deadline = opts.time_limit_s.map(|l| solve_start + std::time::Duration::from_secs_f64(l));
    std::thread::scope(|sc| {
        let mut replan = deadline.filter(|_| opts.day_mip).map(|_| DayReplanner::start(sc, &m, &rules.breaks));
        if let Some(r) = replan.as_mut() {
            r.first = std::mem::take(&mut plan_losses);
        }
        'search: while moves < opts.max_moves && na > 0 {
            for _ in 0..200 {
                moves += 1;
                let before = st.objective();
                let a = rng.below(na);
                st.slack = if temp > 0.0 { -temp * (1.0 - rng.unit()).ln() } else { 0.0 };
                let kind = rng.below(10);
                let accepted = match kind {
                    0 => match rng.below(3) {
                        0 => move_rebuild_tail(&mut st, a, &mut rng, before),
                        1 => move_rebuild_week(&mut st, a, &mut rng, before),
                        _ => move_rebuild_week_chained(&mut st, a, &mut rng, before),
                    },
                    1..=2 => move_shift_day(&mut st, a, &mut rng, before),
                    3..=5 => move_retime(&mut st, a, &mut rng, before),
                    6 if !planned && rng.below(CHAIN_EVERY) == 0 => move_retime_chain(&mut st, a, &mut rng, before),
                    6 => move_retime(&mut st, a, &mut rng, before),
                    _ => move_swap_agents(&mut st, a, &mut rng, before),
                };
                let _ = accepted;
            }
            st.slack = 0.0;
            if let Some(p) = replan.as_mut() {
                p.step(&mut st, deadline);
                // Every core on a re-plan: the search waits (its moves gain little after the day plans).
                if p.workers > 1 && p.in_flight >= p.workers {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            }
            if annealing {
                let frac = search_start.elapsed().as_secs_f64() / anneal_seconds;
                temp = temp0 * (1.0 - frac).max(0.0);
                if st.objective() < best.0 - 1e-9 {
                    best = (st.objective(), st.assign.clone());
                }
            }
            let (u, o) = st.totals();
            if !progress(&Progress { phase: "search", moves, objective: st.objective(), under_hours: u, over_hours: o, under_bound_hours: bound }) {
                break 'search;
            }
            // The limit holds whatever the caller's progress callback answers.
            if deadline.is_some_and(|t| std::time::Instant::now() >= t) {
                break 'search;
            }
            if let Some(b) = bound_obj
                && st.cov_cost <= b + 1e-9
                && o == 0.0
                && st.soft_cost() <= 1e-9
            {
                break;
            }
        }
    });
    if annealing && best.0 < st.objective() - 1e-9 {
        for (a, days) in best.1.into_iter().enumerate() {
            for (d, ds) in days.into_iter().enumerate() {
                if st.assign[a][d] != ds {
                    st.set_day(a, d, ds);
                }
            }
        }
    }
    Ok(finish(&st, problem, bound, moves))
}

/// Re-time one working day (same paid minutes, so the week's contract still holds).
fn move_retime(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    let d = rng.below(st.m.days);
    let Some(old) = retime(st, a, d, rng, false) else { return false };
    if st.objective() <= accept_limit(st, before) {
        return true;
    }
    st.set_day(a, d, Some(old));
    false
}

/// Give agent `a` on day `d` the best shift of the same paid minutes against the coverage
/// without them (with `other`, the best one that differs from the current shift), breaks placed.
/// Leaves it in place and returns the old shift when every hard rule holds; otherwise changes
/// nothing and returns `None`.
fn retime(st: &mut State, a: usize, d: usize, rng: &mut Rng, other: bool) -> Option<DayShift> {
    let m = st.m;
    if st.locked[a][d] {
        return None;
    }
    let old = st.assign[a][d].clone()?;
    let oc = &m.cands[d][old.cand as usize];
    st.set_day(a, d, None);
    let (s0, s1) = st.day_slots(d);
    let gain = st.marginal(m.agent_group[a], s0, s1);
    let mut pre = vec![0.0; gain.len() + 1];
    for (i, x) in gain.iter().enumerate() {
        pre[i + 1] = pre[i] + x;
    }
    // Best candidate among the same-paid candidates. The old shift itself stays a candidate
    // (re-placing its breaks is a move too) unless `other` asks for a different one.
    let cands = &m.cands[d];
    let mut best: Option<(f64, usize)> = if other { None } else { Some((st.cand_gain(a, d, oc, &pre, s0), old.cand as usize)) };
    for (ci, c) in cands.iter().enumerate() {
        if c.paid != oc.paid || (other && ci == old.cand as usize) || !m.cand_ok(a, d, c) {
            continue;
        }
        let g = st.cand_gain(a, d, c, &pre, s0) + rng.unit() * 1e-6;
        if best.is_none_or(|(bg, _)| g > bg) {
            best = Some((g, ci));
        }
    }
    let target = best.map_or(old.cand as usize, |(_, ci)| ci);
    let c = &cands[target];
    let Some(br) = st.place_breaks(c, &gain, s0) else {
        st.set_day(a, d, Some(old));
        return None;
    };
    st.set_day(a, d, Some(DayShift { cand: target as u32, breaks: br }));
    if st.agent_violation(a, m.days).is_none() && st.stagger_ok(s0, s1) && st.budget_ok() {
        return Some(old);
    }
    st.set_day(a, d, Some(old));
    None
}

// Re-time chains: one in `CHAIN_EVERY` draws of the re-time slot is a chain (a chain costs
// about a hundred plain moves), of at most `CHAIN_DEPTH` re-times, each the best of
// `CHAIN_SAMPLE` sampled agents — the best of a sweep on 500 agents × 1 week. After day plans
// the slot re-times plainly: there chains bought nothing (500 × 4, 60 s, mean of 7 runs: 601.7
// without, 602.4 with one in two; 611.75–615.50 with every draw a chain; 200 × 4 and 500 × 1
// the same either way).
const CHAIN_EVERY: usize = 2;
const CHAIN_DEPTH: usize = 10;
const CHAIN_SAMPLE: usize = 24;

/// Variable-depth move on one day (Kernighan–Lin style, as `shiftmix::chain_search`): re-time
/// one agent to another shift even at a loss, then keep re-timing the best of a sample of the
/// day's other agents, up to [`CHAIN_DEPTH`] agents, and keep the chain up to its best point.
/// One agent moving from 06:00 to 07:00 only shifts a surplus from before opening into the
/// afternoon; it pays off when a second agent turns that surplus into evening cover — a
/// coordinated change that single moves (each one a loss or a draw) do not make.
fn move_retime_chain(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    retime_chain(st, a, rng, before, CHAIN_DEPTH) > 0
}

/// [`move_retime_chain`] with a given longest chain; returns how many re-times were kept.
fn retime_chain(st: &mut State, a: usize, rng: &mut Rng, before: f64, depth: usize) -> usize {
    let d = rng.below(st.m.days);
    let Some(first) = retime(st, a, d, rng, true) else { return 0 };
    let mut chain: Vec<(usize, DayShift)> = vec![(a, first)];
    let best = extend_chain(st, d, &mut chain, depth, rng);
    if best <= accept_limit(st, before) {
        return chain.len();
    }
    undo_chain(st, d, chain);
    0
}

/// The highest objective a move may leave and still be accepted (annealing slack included).
fn accept_limit(st: &State, before: f64) -> f64 {
    before + st.slack + 1e-9
}

/// Extend `chain` on day `d` (the agents already re-timed, each with their old shift) up to
/// `depth` links, each the best re-time among a sample of the day's other agents even if it
/// costs, then roll it back to its best point — possibly the chain it was given. Returns the
/// objective there.
fn extend_chain(st: &mut State, d: usize, chain: &mut Vec<(usize, DayShift)>, depth: usize, rng: &mut Rng) -> f64 {
    let m = st.m;
    let mut best = (st.objective(), chain.len());
    let working: Vec<usize> = (0..m.agent_group.len()).filter(|&b| st.assign[b][d].is_some() && !st.locked[b][d] && !chain.iter().any(|&(x, _)| x == b)).collect();
    if working.is_empty() {
        return best.0;
    }
    while chain.len() < depth {
        // The best re-time among a sample of agents not yet in the chain, even if it costs.
        let mut pick: Option<(f64, usize, DayShift)> = None;
        for _ in 0..CHAIN_SAMPLE {
            let b = working[rng.below(working.len())];
            if chain.iter().any(|&(x, _)| x == b) {
                continue;
            }
            if let Some(old) = retime(st, b, d, rng, true) {
                let obj = st.objective();
                if pick.as_ref().is_none_or(|p| obj < p.0) {
                    pick = st.assign[b][d].clone().map(|ds| (obj, b, ds));
                }
                st.set_day(b, d, Some(old));
            }
        }
        let Some((obj, b, ds)) = pick else { break };
        let old = st.set_day(b, d, Some(ds));
        let Some(old) = old else { break };
        chain.push((b, old));
        if obj < best.0 - 1e-9 {
            best = (obj, chain.len());
        }
    }
    while chain.len() > best.1 {
        if let Some((b, old)) = chain.pop() {
            st.set_day(b, d, Some(old));
        }
    }
    best.0
}

/// Undo a chain on day `d`, last link first.
fn undo_chain(st: &mut State, d: usize, mut chain: Vec<(usize, DayShift)>) {
    while let Some((b, old)) = chain.pop() {
        st.set_day(b, d, Some(old));
    }
}

/// Rebuild one week of an agent (possibly other days, other paid lengths), then let a re-time
/// chain on every day the agent's shift changed absorb the change. Shifting paid hours between
/// days — a part-timer trading two short even-day shifts for one long shift on a short-staffed
/// day — always leaves a hole in the day given up; it pays only when others re-time into it,
/// which a rebuild alone (judged before anyone adapts) never sees.
fn move_rebuild_week_chained(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    chained(st, a, rng, before, move_rebuild_week)
}

/// Make the legal move `inner` whatever it costs, run a re-time chain on every day where agent
/// `a`'s shift changed, and keep the lot if the objective is good enough; else undo all of it.
fn chained(st: &mut State, a: usize, rng: &mut Rng, before: f64, inner: fn(&mut State, usize, &mut Rng, f64) -> bool) -> bool {
    let saved = st.assign[a].clone();
    if !inner(st, a, rng, f64::INFINITY) {
        return false;
    }
    let changed: Vec<usize> = (0..st.m.days).filter(|&d| st.assign[a][d] != saved[d]).collect();
    let mut chains: Vec<(usize, Vec<(usize, DayShift)>)> = Vec::with_capacity(changed.len());
    for &d in &changed {
        let mut chain = Vec::new();
        extend_chain(st, d, &mut chain, CHAIN_DEPTH, rng);
        chains.push((d, chain));
    }
    if !changed.is_empty() && st.objective() <= accept_limit(st, before) {
        return true;
    }
    while let Some((d, chain)) = chains.pop() {
        undo_chain(st, d, chain);
    }
    for d in changed {
        st.set_day(a, d, saved[d].clone());
    }
    false
}

/// Move one working day of an agent to one of their days off in the same week (same paid
/// minutes, best start for the new day).
fn move_shift_day(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    let m = st.m;
    let w = rng.below(m.weeks[a].len());
    let wt = m.weeks[a][w];
    let d1 = wt.first_day + rng.below(wt.ndays);
    let d2 = wt.first_day + rng.below(wt.ndays);
    if d1 == d2 || st.locked[a][d1] || st.locked[a][d2] || st.assign[a][d2].is_some() || !m.allowed[a][d2] {
        return false;
    }
    let Some(old) = st.assign[a][d1].clone() else { return false };
    let paid = m.cands[d1][old.cand as usize].paid;
    st.set_day(a, d1, None);
    let (s0, s1) = st.day_slots(d2);
    let gain = st.marginal(m.agent_group[a], s0, s1);
    let mut pre = vec![0.0; gain.len() + 1];
    for (i, x) in gain.iter().enumerate() {
        pre[i + 1] = pre[i] + x;
    }
    let best = m.cands[d2]
        .iter()
        .enumerate()
        .filter(|(_, c)| c.paid == paid && m.cand_ok(a, d2, c))
        .map(|(ci, c)| (st.cand_gain(a, d2, c, &pre, s0), ci))
        .max_by(|x, y| x.0.total_cmp(&y.0));
    if let Some((_, ci)) = best
        && let Some(br) = st.place_breaks(&m.cands[d2][ci], &gain, s0)
    {
        st.set_day(a, d2, Some(DayShift { cand: ci as u32, breaks: br }));
        let (t0, _) = st.day_slots(d1.min(d2));
        let (_, t1) = st.day_slots(d1.max(d2));
        if st.agent_violation(a, m.days).is_none() && st.stagger_ok(t0, t1) && st.budget_ok() && st.objective() <= accept_limit(st, before) {
            return true;
        }
        st.set_day(a, d2, None);
    }
    st.set_day(a, d1, Some(old));
    false
}

/// Swap two agents' shifts on one day (helps multi-skill coverage and fairness).
fn move_swap_agents(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    let m = st.m;
    let na = m.agent_group.len();
    let b = rng.below(na);
    let d = rng.below(m.days);
    if a == b || st.locked[a][d] || st.locked[b][d] || st.assign[a][d] == st.assign[b][d] {
        return false;
    }
    if m.agent_group[a] == m.agent_group[b] && rules_symmetric(st) {
        return false; // identical agents: swapping changes nothing but fairness; skip most of the time
    }
    let ok_for = |x: usize, ds: &Option<DayShift>| ds.as_ref().is_none_or(|s| m.cand_ok(x, d, &m.cands[d][s.cand as usize]));
    if !ok_for(a, &st.assign[b][d]) || !ok_for(b, &st.assign[a][d]) {
        return false;
    }
    let sa = st.set_day(a, d, None);
    let sb = st.set_day(b, d, sa.clone());
    st.set_day(a, d, sb.clone());
    let (s0, s1) = st.day_slots(d);
    let ok = st.agent_violation(a, m.days).is_none()
        && st.agent_violation(b, m.days).is_none()
        && st.stagger_ok(s0, s1)
        && st.budget_ok();
    if ok && st.objective() <= accept_limit(st, before) {
        return true;
    }
    st.set_day(a, d, sa);
    st.set_day(b, d, sb);
    false
}

fn rules_symmetric(st: &State) -> bool {
    st.existing.is_none() && st.rules.preferences.is_empty()
}

/// Large-neighbourhood move: rebuild one agent-week against current coverage.
fn move_rebuild_week(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    let m = st.m;
    let w = rng.below(m.weeks[a].len());
    let saved = st.clear_week(a, w);
    let built = st.build_week(a, w, rng, 3).is_ok();
    let wt = m.weeks[a][w];
    let (s0, _) = st.day_slots(wt.first_day);
    let (_, s1) = st.day_slots(wt.first_day + wt.ndays - 1);
    if built && st.agent_violation(a, m.days).is_none() && st.stagger_ok(s0, s1) && st.budget_ok() && st.objective() <= accept_limit(st, before) {
        return true;
    }
    st.clear_week(a, w);
    st.restore_week(a, w, saved);
    false
}

/// Large-neighbourhood move over weeks: rebuild an agent's weeks from `w` to the horizon's end.
/// Under paired days off and a maximum run of working days, one week's day-off pair limits where
/// the next week's may fall (it can move later by at most a day), so an agent whose pairs drifted
/// onto the wrong weekdays can only be repaired by re-planning the whole chain.
fn move_rebuild_tail(st: &mut State, a: usize, rng: &mut Rng, before: f64) -> bool {
    let m = st.m;
    let nw = m.weeks[a].len();
    if nw < 2 {
        return move_rebuild_week(st, a, rng, before);
    }
    let w0 = rng.below(nw);
    let saved: Vec<Vec<Option<DayShift>>> = (w0..nw).map(|w| st.clear_week(a, w)).collect();
    let mut built = true;
    for w in w0..nw {
        if st.build_week(a, w, rng, 3).is_err() {
            built = false;
            break;
        }
    }
    let wt = m.weeks[a][w0];
    let (s0, _) = st.day_slots(wt.first_day);
    let s1 = m.nslots;
    if built && st.agent_violation(a, m.days).is_none() && st.stagger_ok(s0, s1) && st.budget_ok() && st.objective() <= accept_limit(st, before) {
        return true;
    }
    for w in w0..nw {
        st.clear_week(a, w);
    }
    for (w, sv) in (w0..nw).zip(saved) {
        st.restore_week(a, w, sv);
    }
    false
}

/// A day MIP to solve: day, shifts per class, the class's agents' rest windows, the day as it
/// stands (the MIP's start), time limit.
type DayJob = (usize, HashMap<lp::DayClass, f64>, HashMap<lp::DayClass, Vec<(i32, i32)>>, DayStart, f64);

/// A day as it stands: agents per (class, candidate), the day MIP's start.
type DayStart = HashMap<(lp::DayClass, usize), u32>;

/// The day-MIP workers (one per core) and the search's side of them: a day in flight per
/// worker, days in turn, skipping those unchanged since they were last sent. (Costliest day
/// first kept sending the short-staffed day, whose plans the search mostly declined, and never
/// reached the days where re-planning pays.)
struct DayReplanner {
    jobs: std::sync::mpsc::Sender<DayJob>,
    answers: std::sync::mpsc::Receiver<(usize, Option<lp::DayMix>)>,
    /// Days sent whose answers have not come back.
    in_flight: usize,
    /// Worker threads: days in flight at once.
    workers: usize,
    /// Days to send before the round: those the day plans left furthest above their MIP's
    /// bound, the furthest last.
    first: Vec<usize>,
    /// Each day's coverage cost when it was last sent.
    sent_at: Vec<Option<f64>>,
    next_day: usize,
}

/// Share of the time left after the construction that the day plans get (the search and the
/// re-plans beside it polish the rest). With each day's MIP in its LP's box (see
/// [`lp::day_mix`]), the days gain on time far more than the search does: 500 × 4 at 60 s gave
/// 579–584 under-staffed agent-hours at 0.6 (with 0.08 of the limit on other roundings of the
/// LP's days), 575–579 at 0.6 and 573–577 at 0.85 without them, 571–576 at 0.95.
const DAY_PLAN_SHARE: f64 = 0.9;

/// Share of the time limit for the week plans cut by the day LPs
/// ([`crate::weekplan::plan_weeks_cut`]), which the day plans then lack. 500 × 4 at 60 s:
/// 562.25 under-staffed agent-hours without, 561.00 at 0.2, 557.75–558.50 at 0.3, 568.00 at
/// 0.4; 500 × 1: 149.00 → 146.75; 200 × 4: 286.00 → 269.75.
const CUT_PLAN_SHARE: f64 = 0.3;

/// Longest a day's MIP may run, seconds (HiGHS proves most 500-agent days within it).
const DAY_MIP_SECONDS: f64 = 6.0;

/// Longest a re-plan of a worker thread may run, seconds. A re-plan solves the day from a fresh
/// LP — another vertex, another box — and is kept only if better, so after the day plans each
/// one is a free second chance for a day whose box was poor; short ones on every core give more
/// of them in the few seconds left (500 × 4 at 60 s, same cut plans: one worker at 3 s 550.50,
/// 551.00, 550.75; a worker per core at 1.5 s 549.25, 550.25, 550.50; at 3 s 552.00 twice on
/// plans where one worker gave 552.50–553.25).
const REPLAN_SECONDS: f64 = 1.5;

/// A day within this many agent-hours of its MIP's bound (one agent for one 15-minute slot) is
/// as good as whole agents get; one further above goes to the re-plan workers first, the
/// furthest first. (With 1.0 the second worker took the next day in day order: 500 × 4 at 60 s
/// on the same cut plans, 551.00 three times and 550.75, against 550.25, 550.75, 550.50 and 549.00
/// with 0.25.)
const REPLAN_MIN_LOSS: f64 = 0.25 + 1e-9;

impl DayReplanner {
    fn start<'scope>(sc: &'scope std::thread::Scope<'scope, '_>, m: &'scope Model, breaks: &'scope crate::rules::BreakPolicy) -> DayReplanner {
        let (jobs, job_rx) = std::sync::mpsc::channel::<DayJob>();
        let (ans_tx, answers) = std::sync::mpsc::channel();
        let job_rx = std::sync::Arc::new(std::sync::Mutex::new(job_rx));
        let workers = crate::parallel::cores().max(1);
        for _ in 0..workers {
            let job_rx = job_rx.clone();
            let ans_tx = ans_tx.clone();
            sc.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((d, counts, windows, start, limit)) = job else { break };
                    if ans_tx.send((d, lp::day_mix(m, breaks, d, &counts, Some(&windows), Some(&start), limit, true))).is_err() {
                        break;
                    }
                }
            });
        }
        DayReplanner { jobs, answers, in_flight: 0, workers, first: Vec::new(), sent_at: vec![None; m.days], next_day: 0 }
    }

    /// Apply any answer that has arrived; send the next day when none is in flight and the MIP
    /// can finish before the deadline.
    fn step(&mut self, st: &mut State, deadline: Option<std::time::Instant>) {
        while let Ok((d, mix)) = self.answers.try_recv() {
            self.in_flight = self.in_flight.saturating_sub(1);
            if let Some(mix) = mix {
                let before = st.objective();
                let ok = apply_day_mix(st, d, &mix, before);
                if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
                    eprintln!("replan day {d}: mip {:.2} kept {ok}: {:.0} -> {:.0}", mix.found_hours.unwrap_or(f64::NAN), before, st.objective());
                }
            }
        }
        let left = deadline.map_or(f64::INFINITY, |t| t.saturating_duration_since(std::time::Instant::now()).as_secs_f64());
        // Leave the end of the search to the search (and the answer time to arrive).
        let limit = REPLAN_SECONDS.min(left - 2.0);
        if self.in_flight >= self.workers || limit < 1.0 {
            return;
        }
        let per = 1440 / st.m.slot as usize;
        let cost = |d: usize| st.slot_cost[d * per..((d + 1) * per).min(st.m.nslots)].iter().sum::<f64>();
        for _ in 0..st.m.days + self.first.len() {
            let d = match self.first.pop() {
                Some(d) => d,
                None => {
                    self.next_day += 1;
                    (self.next_day - 1) % st.m.days
                }
            };
            let c = cost(d);
            if c <= 0.0 || self.sent_at[d].is_some_and(|x| (x - c).abs() < 1e-6) {
                continue;
            }
            self.sent_at[d] = Some(c);
            if let Some(counts) = day_counts(st, d) {
                let windows = day_windows(st, d);
                if self.jobs.send((d, counts, windows, day_start(st, d), limit)).is_ok() {
                    self.in_flight += 1;
                }
                if self.in_flight >= self.workers {
                    return;
                }
            }
        }
    }
}

/// Every day's MIP (on all cores, `secs` each), in two rounds: the even days, then the odd days,
/// each day's MIP with its agents' rest windows from the days beside it as they then stand, so
/// that the hand-out finds an agent for every shift (without windows, 500 agents × 4 weeks lost
/// about 5 agent-hours to shifts no agent could take after closing the night before). After a
/// construction that follows the LP's week plan, the day structure is right and what is left is
/// where in each day the shifts and breaks go.
///
/// Returns whether either round's plans were kept, and the days of the kept rounds.
fn replan_every_day(st: &mut State, secs: f64, day_lps: Vec<Option<lp::DayLp>>) -> (bool, Vec<PlannedDay>) {
    let m = st.m;
    let day_lps: Vec<std::sync::Mutex<Option<lp::DayLp>>> = day_lps.into_iter().map(std::sync::Mutex::new).collect();
    let per = 1440 / m.slot as usize;
    let day_under = |st: &State, d: usize| st.slot_under[d * per..((d + 1) * per).min(m.nslots)].iter().sum::<f64>() * m.slot_hours();
    let mut ok = false;
    let mut planned = Vec::new();
    for parity in 0..2 {
        let st_breaks = &st.rules.breaks;
        let mut jobs: Vec<(usize, HashMap<lp::DayClass, f64>, lp::RestWindows, DayStart)> = (0..m.days)
            .filter(|d| d % 2 == parity)
            .filter_map(|d| day_counts(st, d).map(|c| (d, c, day_windows(st, d), day_start(st, d))))
            .collect();
        // Short-staffed days first: their boxes mostly settle early, and the time they leave
        // goes to the quiet days, whose boxes run to their limit (500 × 4 at 60 s: 553.75–561.50,
        // mean 558.25, against 558.25–561.50, mean 560.2, in day order).
        jobs.sort_by(|a, b| day_under(st, b.0).total_cmp(&day_under(st, a.0)).then(a.0.cmp(&b.0)));
        // The round's time, not each day's: a day that settles early (a short day's box often
        // holds its LP's value within a second) leaves its time to the days still to come
        // (500 × 4 at 60 s: 567.00 twice, against 576.50–576.75 at a fixed time per day).
        let threads = crate::parallel::cores().max(1);
        let round_end = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs * jobs.len().div_ceil(threads) as f64);
        let begun = std::sync::atomic::AtomicUsize::new(0);
        let answers = crate::parallel::on_all_cores(&jobs, |(d, counts, windows, start)| {
            let t = std::time::Instant::now();
            let i = begun.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let waves = (jobs.len() - i).div_ceil(threads).max(1) as f64;
            let secs = (round_end.saturating_duration_since(t).as_secs_f64() / waves).clamp(0.5, DAY_MIP_SECONDS);
            let mut warm = day_lps.get(*d).and_then(|x| x.lock().ok()?.take());
            let mix = lp::day_mix_from(m, st_breaks, *d, counts, Some(windows), Some(start), secs, true, warm.as_mut());
            if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
                eprintln!("  day {d} MIP {:.2}s", t.elapsed().as_secs_f64());
            }
            mix
        });
        // A day whose MIP found nothing better than the day as it stands (no incumbent in time)
        // keeps its shifts.
        let days: Vec<(usize, lp::DayMix)> = jobs
            .iter()
            .zip(answers)
            .filter_map(|((d, _, _, _), mix)| Some((*d, mix??)))
            .filter(|(d, mix)| mix.found_hours.is_some_and(|f| f < day_under(st, *d)))
            .collect();
        let before = st.objective();
        let kept = realise_day_mixes(st, &days);
        ok |= kept;
        let round: Vec<PlannedDay> =
            days.iter().map(|(d, mix)| PlannedDay { day: *d, found: mix.found_hours.unwrap_or(f64::NAN), bound: mix.bound_hours, under: day_under(st, *d) }).collect();
        if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
            for p in &round {
                eprintln!("plan day {}: mip {:.2} (bound {:.2}), day under {:.2}", p.day, p.found, p.bound, p.under);
            }
            eprintln!("day plans ({} days) kept {kept}: {before:.0} -> {:.0}", if parity == 0 { "even" } else { "odd" }, st.objective());
        }
        if kept {
            planned.extend(round);
        }
    }
    (ok, planned)
}

/// A day re-planned by [`replan_every_day`]: its MIP's best point and bound, and the day's
/// under-staffed agent-hours after the hand-out (agent-hours).
#[derive(Debug, Clone, Copy)]
struct PlannedDay {
    day: usize,
    found: f64,
    bound: f64,
    under: f64,
}

/// The days a re-plan may still gain on (more than [`REPLAN_MIN_LOSS`] above their MIP's bound:
/// a MIP stopped by its limit, or a short hand-out), the most last: the workers take them from
/// the end, and on 500 × 4 at 60 s only two or four re-plans fit after the day plans.
fn days_to_replan(planned: &[PlannedDay]) -> Vec<usize> {
    let mut losses: Vec<(f64, usize)> = planned.iter().map(|p| (p.under - p.bound, p.day)).filter(|x| x.0 > REPLAN_MIN_LOSS).collect();
    losses.sort_by(|x, y| x.0.total_cmp(&y.0));
    losses.into_iter().map(|x| x.1).collect()
}

/// Per class of day `d`, its agents' rest windows as the days beside it stand.
fn day_windows(st: &State, d: usize) -> lp::RestWindows {
    let mut windows = lp::RestWindows::new();
    for a in 0..st.m.agent_group.len() {
        if let Some(class) = st.day_class(a, d) {
            windows.entry(class).or_default().push(st.rest_window(a, d));
        }
    }
    windows
}

/// A break start of the LP (group, template, break number k, slot, running total): see
/// [`lp::LpResult::breaks`].
type LpBreak = (usize, usize, usize, usize, f64);

/// The LP's break starts by day (in their order, so each running total stays in slot order):
/// every rounding reads one day's, not the whole horizon's.
fn breaks_by_day(m: &Model, breaks: &[LpBreak]) -> Vec<Vec<LpBreak>> {
    let per = 1440 / m.slot as usize;
    let mut by_day = vec![Vec::new(); m.days];
    for &b in breaks {
        if let Some(day) = by_day.get_mut(b.3 / per) {
            day.push(b);
        }
    }
    by_day
}

/// Every day's shifts and breaks rounded from the LP's (`mix[g][d][c]`, running totals of break
/// starts by day `breaks`, see [`breaks_by_day`]), with the day's shifts per class as they stand: each class's count is split
/// over its candidates in the LP's proportions, rounded on the running total in start order (so
/// the number started by any time stays within half an agent of the LP's), and each (group,
/// template, break)'s starts likewise. With hundreds of agents this is close to the LP's day and
/// costs nothing; the day MIPs then start from it.
fn lp_day_mixes(st: &State, mix: &[Vec<Vec<f64>>], breaks: &[Vec<LpBreak>]) -> Vec<(usize, lp::DayMix)> {
    let m = st.m;
    let mut out = Vec::new();
    for d in 0..m.days {
        let Some(counts) = day_counts(st, d) else { continue };
        let breaks = breaks.get(d).map_or(&[][..], Vec::as_slice);
        let mut classes: Vec<(lp::DayClass, f64)> = counts.into_iter().collect();
        classes.sort_by_key(|c| c.0);
        let mut shifts = Vec::new();
        // Shifts per (group, template) after rounding, for the break starts.
        let mut per_tpl: HashMap<(usize, usize), f64> = HashMap::new();
        for (class, n) in classes {
            let (g, paid, _, _) = class;
            let mut cands: Vec<usize> = (0..m.cands[d].len()).filter(|&ci| m.cands[d][ci].paid == paid).collect();
            cands.sort_by_key(|&ci| m.cands[d][ci].start);
            let lpv = |ci: usize| mix.get(g).and_then(|x| x.get(d)).and_then(|x| x.get(ci)).copied().unwrap_or(0.0);
            let mut total: f64 = cands.iter().map(|&ci| lpv(ci)).sum();
            // A class the LP gives no shift of that length: all groups' shifts of that length.
            let all = |ci: usize| mix.iter().map(|x| x.get(d).and_then(|x| x.get(ci)).copied().unwrap_or(0.0)).sum::<f64>();
            let pooled = total < 1e-6;
            if pooled {
                total = cands.iter().map(|&ci| all(ci)).sum();
            }
            if total < 1e-6 {
                continue;
            }
            let (mut run, mut given) = (0.0, 0.0);
            // Halfway: the number started by any time within half an agent of the LP's.
            let th = 0.5;
            for &ci in &cands {
                run += if pooled { all(ci) } else { lpv(ci) } * n / total;
                let k = (run + 1.0 - th + 1e-9).floor().min(n) - given;
                if k >= 1.0 {
                    given += k;
                    shifts.push((class, ci, k as u32));
                    *per_tpl.entry((g, m.cands[d][ci].template)).or_default() += k;
                }
            }
        }
        // Break starts: the LP's running totals scaled to the rounded shifts, rounded.
        let mut lp_total: HashMap<(usize, usize, usize), f64> = HashMap::new();
        for &(g, tpl, k, _, p) in breaks {
            let e = lp_total.entry((g, tpl, k)).or_default();
            *e = e.max(p);
        }
        let mut day_breaks = Vec::new();
        let mut given: HashMap<(usize, usize, usize), (f64, f64)> = HashMap::new();
        for &(g, tpl, k, t, p) in breaks {
            let (Some(&n), Some(&tot)) = (per_tpl.get(&(g, tpl)), lp_total.get(&(g, tpl, k))) else { continue };
            if tot < 1e-6 {
                continue;
            }
            let (done, th) = given.entry((g, tpl, k)).or_insert((0.0, 0.5));
            let c = (p * n / tot + 1.0 - *th + 1e-9).floor().min(n) - *done;
            if c >= 1.0 {
                *done += c;
                day_breaks.push((g, tpl, k, t, c as u32));
            }
        }
        out.push((d, lp::DayMix { bound_hours: 0.0, found_hours: None, shifts, breaks: day_breaks }));
    }
    out
}

/// The next planned day's class of each agent working it, and each class's unit starts.
type Tomorrow = (HashMap<usize, lp::DayClass>, HashMap<lp::DayClass, Vec<i32>>);

/// Hand out every day's MIP mix at once, days in order: the planned days are cleared first (the
/// same agents keep the same paid minutes per day), then each day's shifts of a class go, latest
/// first, to the agent with the latest earliest start that rest after yesterday allows — so
/// nobody is held by the old shift of a day about to be re-planned, and late workers stay late.
/// Kept when every rule holds and the objective is no worse; otherwise the roster is restored.
fn realise_day_mixes(st: &mut State, days: &[(usize, lp::DayMix)]) -> bool {
    let m = st.m;
    let saved = st.assign.clone();
    let before = st.objective();
    let restore = |st: &mut State| {
        for (a, row) in saved.iter().enumerate() {
            for (d, ds) in row.iter().enumerate() {
                if st.assign[a][d] != *ds {
                    st.set_day(a, d, ds.clone());
                }
            }
        }
    };
    // Who works each planned day, by class.
    let mut working: Vec<HashMap<lp::DayClass, Vec<usize>>> = Vec::with_capacity(days.len());
    for &(d, _) in days {
        let mut by_class: HashMap<lp::DayClass, Vec<usize>> = HashMap::new();
        for a in 0..m.agent_group.len() {
            if let Some(class) = st.day_class(a, d) {
                by_class.entry(class).or_default().push(a);
            }
        }
        working.push(by_class);
    }
    for (&(d, _), by_class) in days.iter().zip(&working) {
        for &a in by_class.values().flatten() {
            st.set_day(a, d, None);
        }
    }
    let rest = st.rules.limits.min_rest_minutes as i32;
    for (i, (d, mix)) in days.iter().enumerate() {
        let d = *d;
        let mut units: HashMap<lp::DayClass, Vec<usize>> = HashMap::new();
        for &(class, ci, n) in &mix.shifts {
            units.entry(class).or_default().extend(std::iter::repeat_n(ci, n as usize));
        }
        // Tomorrow, when it is planned too: each agent's class there and each class's unit
        // starts (latest first), so that today's late shifts go to agents tomorrow can take.
        let tomorrow: Option<Tomorrow> =
            days.get(i + 1).filter(|x| x.0 == d + 1).map(|(d1, mix1)| {
                let class_of = working[i + 1].iter().flat_map(|(cl, v)| v.iter().map(move |&a| (a, *cl))).collect();
                let mut starts: HashMap<lp::DayClass, Vec<i32>> = HashMap::new();
                for &(class, ci, n) in &mix1.shifts {
                    starts.entry(class).or_default().extend(std::iter::repeat_n(m.cands[*d1][ci].start, n as usize));
                }
                for v in starts.values_mut() {
                    v.sort_unstable_by(|x, y| y.cmp(x));
                }
                (class_of, starts)
            });
        // Earliest starts tomorrow already implied by today's hand-out, per tomorrow's class.
        let mut implied: HashMap<lp::DayClass, Vec<i32>> = HashMap::new();
        let mut plan: Vec<(usize, usize)> = Vec::new();
        let mut classes: Vec<_> = working[i].clone().into_iter().collect();
        classes.sort_by_key(|c| c.0);
        for (class, agents) in classes {
            // Agents latest earliest start first; units latest start first.
            let mut free: Vec<(usize, (i32, i32))> = agents.iter().map(|&a| (a, st.rest_window(a, d))).collect();
            free.sort_by_key(|&(a, (lo, _))| (std::cmp::Reverse(lo), a));
            let mut list = units.remove(&class).unwrap_or_default();
            list.sort_by_key(|&ci| std::cmp::Reverse(m.cands[d][ci].start));
            let mut left = Vec::new();
            for j in 0..list.len() {
                let c = &m.cands[d][list[j]];
                let starts: Vec<i32> = list[j..].iter().map(|&ci| m.cands[d][ci].start).collect();
                // Taking agent p for this unit leaves the rest matchable (sorted pairing of
                // earliest starts against unit starts) iff the prefix before p pairs with the
                // next units and the suffix after p with its own.
                let n = free.len();
                let lo = |k: usize| free[k].1.0;
                let pairs = |k: usize, u: usize| starts.get(u).is_none_or(|&s| lo(k) <= s);
                let mut pre = vec![true; n + 1];
                for k in 0..n {
                    pre[k + 1] = pre[k] && pairs(k, k + 1);
                }
                let mut suf = vec![true; n + 1];
                for k in (0..n).rev() {
                    suf[k] = suf[k + 1] && (k + 1 >= n || pairs(k + 1, k + 1));
                }
                let fits = |k: usize| {
                    let (a, (lo, hi)) = free[k];
                    c.start >= lo && c.start + c.len <= hi && m.cand_ok(a, d, c)
                };
                let tomorrow_ok = |a: usize, implied: &HashMap<lp::DayClass, Vec<i32>>| {
                    let Some((class_of, starts)) = &tomorrow else { return true };
                    let Some(cl) = class_of.get(&a) else { return true };
                    let mut v = implied.get(cl).cloned().unwrap_or_default();
                    v.push(c.start + c.len + rest);
                    v.sort_unstable_by(|x, y| y.cmp(x));
                    let s = starts.get(cl).map_or(&[][..], |s| s.as_slice());
                    v.iter().zip(s.iter().chain(std::iter::repeat(&i32::MIN))).all(|(l, s)| l <= s)
                };
                let safe: Vec<usize> = (0..n).filter(|&k| fits(k) && pre[k] && suf[k]).collect();
                let pick = safe
                    .iter()
                    .copied()
                    .find(|&k| tomorrow_ok(free[k].0, &implied))
                    .or_else(|| safe.first().copied())
                    .or_else(|| (0..n).find(|&k| fits(k)));
                match pick {
                    Some(k) => {
                        let a = free.remove(k).0;
                        if let Some(cl) = tomorrow.as_ref().and_then(|t| t.0.get(&a)) {
                            implied.entry(*cl).or_default().push(c.start + c.len + rest);
                        }
                        plan.push((a, list[j]));
                    }
                    None => left.push(c.start),
                }
            }
            // Agents no unit fits: the shift of their paid minutes that fits them nearest a
            // unit left over.
            if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() && !free.is_empty() {
                eprintln!("  day {d} class {:?}: {} agents no unit fits; units left at {:?}; their windows {:?}", (class.0, class.1), free.len(), left, free.iter().map(|x| (x.1.0 - d as i32 * 1440, x.1.1.saturating_sub(d as i32 * 1440))).collect::<Vec<_>>());
            }
            for (a, (lo, hi)) in free {
                let best = m.cands[d]
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.paid == class.1 && c.start >= lo && c.start + c.len <= hi && m.cand_ok(a, d, c))
                    .min_by_key(|(_, c)| left.iter().map(|&s| (s - c.start).abs()).min().unwrap_or(0));
                match best {
                    Some((ci, _)) => plan.push((a, ci)),
                    None => {
                        restore(st);
                        return false;
                    }
                }
            }
        }
        place_day(st, d, &plan, mix);
    }
    let gap = st.rules.breaks.min_gap_minutes as i32;
    let legal = (0..m.agent_group.len()).all(|a| st.agent_violation(a, m.days).is_none())
        && st.stagger_ok(0, m.nslots)
        && st.budget_ok()
        && st.assign.iter().zip(0..).all(|(row, _)| {
            row.iter().enumerate().all(|(d, ds)| {
                ds.as_ref().is_none_or(|ds| {
                    let c = st.cand(d, ds);
                    ds.breaks.windows(2).zip(&c.breaks).all(|(w, b)| w[1] >= w[0] + b.length + gap)
                })
            })
        });
    if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() && !legal {
        let bad: Vec<_> = (0..m.agent_group.len()).filter_map(|a| st.agent_violation(a, m.days)).take(5).collect();
        eprintln!("day plans illegal: {bad:?} stagger {}", st.stagger_ok(0, m.nslots));
    }
    if legal && st.objective() <= before + 1e-9 {
        return true;
    }
    restore(st);
    false
}

/// The day's shifts per [`lp::DayClass`] (group, paid minutes, rest window), or None when day
/// `d` cannot be re-planned on its own: a locked shift, or a shift reaching across midnight into
/// or out of it.
fn day_counts(st: &State, d: usize) -> Option<HashMap<lp::DayClass, f64>> {
    let m = st.m;
    let (day0, day1) = ((d * 1440) as i32, ((d + 1) * 1440) as i32);
    if m.cands[d].iter().any(|c| c.start + c.len > day1) {
        return None;
    }
    let mut counts: HashMap<lp::DayClass, f64> = HashMap::new();
    for a in 0..m.agent_group.len() {
        if d > 0 && let Some(ds) = &st.assign[a][d - 1] {
            let c = st.cand(d - 1, ds);
            if c.start + c.len > day0 {
                return None;
            }
        }
        if st.assign[a][d].is_some() && st.locked[a][d] {
            return None;
        }
        if let Some(class) = st.day_class(a, d) {
            *counts.entry(class).or_default() += 1.0;
        }
    }
    Some(counts)
}

/// The day MIP's start: day `d` as it stands, agents per (class, candidate).
fn day_start(st: &State, d: usize) -> DayStart {
    let mut start = DayStart::new();
    for a in 0..st.m.agent_group.len() {
        if let (Some(class), Some(ds)) = (st.day_class(a, d), &st.assign[a][d]) {
            *start.entry((class, ds.cand as usize)).or_default() += 1;
        }
    }
    start
}

/// Re-plan day `d` from a day MIP's shift mix (same agents, same paid minutes): each class's
/// shifts go to its agents inside their rest windows; the i-th earliest shift of a template takes
/// the i-th earliest break start of the MIP; agents then breaking a gap or the on-break share
/// get their breaks placed again, and everyone's breaks move where that does not cost. Kept
/// when every rule holds and the objective is no worse; otherwise the day is restored. The MIP
/// works on whole shift counts per group, which one-agent moves cannot reach once a day has
/// settled.
fn apply_day_mix(st: &mut State, d: usize, mix: &lp::DayMix, before: f64) -> bool {
    let m = st.m;
    let working: Vec<usize> = (0..m.agent_group.len()).filter(|&a| st.assign[a][d].is_some()).collect();
    let saved: Vec<(usize, DayShift)> = working.iter().filter_map(|&a| st.assign[a][d].clone().map(|ds| (a, ds))).collect();
    // Shift units per class, in start order.
    let mut units: HashMap<lp::DayClass, Vec<usize>> = HashMap::new();
    for &(class, ci, n) in &mix.shifts {
        units.entry(class).or_default().extend(std::iter::repeat_n(ci, n as usize));
    }
    for u in units.values_mut() {
        u.sort_by_key(|&ci| m.cands[d][ci].start);
    }
    let mut by_class: HashMap<lp::DayClass, Vec<usize>> = HashMap::new();
    for &a in &working {
        if let Some(class) = st.day_class(a, d) {
            by_class.entry(class).or_default().push(a);
        }
    }
    let mut plan: Vec<(usize, usize)> = Vec::with_capacity(working.len());
    for (class, mut agents) in by_class {
        agents.sort_unstable();
        // Each shift, in start order, to the agent whose rest window closes first among those
        // it fits: for windows on a line this matches everyone whenever anyone can be.
        let mut free: Vec<(usize, (i32, i32))> = agents.iter().map(|&a| (a, st.rest_window(a, d))).collect();
        for &ci in units.get(&class).map_or(&[][..], |v| v.as_slice()) {
            let c = &m.cands[d][ci];
            let pick = free
                .iter()
                .enumerate()
                .filter(|(_, (a, (lo, hi)))| c.start >= *lo && c.start + c.len <= *hi && m.cand_ok(*a, d, c))
                .min_by_key(|(_, (a, (_, hi)))| (*hi, *a))
                .map(|(i, _)| i);
            if let Some(i) = pick {
                plan.push((free.remove(i).0, ci));
            }
        }
        // Agents the mix leaves without a fitting shift keep theirs.
        if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() && !free.is_empty() {
            eprintln!("  day {d} class {class:?}: {} agents without a fitting shift", free.len());
        }
        for (a, _) in free {
            if let Some(ds) = &st.assign[a][d] {
                plan.push((a, ds.cand as usize));
            }
        }
    }
    let restore = |st: &mut State| {
        for &a in &working {
            st.set_day(a, d, None);
        }
        for (a, ds) in &saved {
            st.set_day(*a, d, Some(ds.clone()));
        }
    };
    for &a in &working {
        st.set_day(a, d, None);
    }
    place_day(st, d, &plan, mix);
    let (s0, s1) = st.day_slots(d);
    let gap = st.rules.breaks.min_gap_minutes as i32;
    let gaps_ok = |br: &[i32], c: &Cand| br.windows(2).zip(&c.breaks).all(|(w, b)| w[1] >= w[0] + b.length + gap);
    let legal = st.stagger_ok(s0, s1)
        && st.budget_ok()
        && working.iter().all(|&a| st.agent_violation(a, m.days).is_none())
        && plan.iter().all(|&(a, ci)| st.assign[a][d].as_ref().is_some_and(|ds| gaps_ok(&ds.breaks, &m.cands[d][ci])));
    if legal && st.objective() <= before + 1e-9 {
        return true;
    }
    restore(st);
    false
}

/// Put each (agent, candidate) of `plan` on day `d` (empty for them) with the MIP's break
/// starts, then repair breaks that break the gap rule or crowd a slot, and move everyone's
/// breaks where that does not cost.
fn place_day(st: &mut State, d: usize, plan: &[(usize, usize)], mix: &lp::DayMix) {
    let m = st.m;
    let (s0, s1) = st.day_slots(d);
    // The MIP's break starts: per (group, template, k), the i-th earliest shift takes the i-th
    // earliest start (windows are the same offsets from each shift start, so this order fits).
    let mut slots: HashMap<(usize, usize, usize), Vec<usize>> = HashMap::new();
    for &(g, tpl, k, t, n) in &mix.breaks {
        slots.entry((g, tpl, k)).or_default().extend(std::iter::repeat_n(t, n as usize));
    }
    for v in slots.values_mut() {
        v.sort_unstable();
    }
    let mut order: Vec<(usize, usize)> = plan.to_vec();
    order.sort_by_key(|&(a, ci)| (m.agent_group[a], m.cands[d][ci].template, m.cands[d][ci].start));
    let mut next: HashMap<(usize, usize, usize), usize> = HashMap::new();
    for &(a, ci) in &order {
        let c = &m.cands[d][ci];
        let g = m.agent_group[a];
        let br: Vec<i32> = (0..c.breaks.len())
            .map(|k| {
                let key = (g, c.template, k);
                let i = next.entry(key).or_default();
                let t = slots.get(&key).and_then(|v| v.get(*i)).copied();
                *i += 1;
                let b = &c.breaks[k];
                t.map(|t| t as i32 * m.slot).filter(|&x| x >= c.start + b.earliest && x <= c.start + b.latest).unwrap_or(c.start + b.earliest)
            })
            .collect();
        st.set_day(a, d, Some(DayShift { cand: ci as u32, breaks: br }));
    }
    // Repair: an agent whose breaks break the gap rule, or who is on break where too many are,
    // gets them placed again against the coverage.
    let gap = st.rules.breaks.min_gap_minutes as i32;
    let gaps_ok = |br: &[i32], c: &Cand| br.windows(2).zip(&c.breaks).all(|(w, b)| w[1] >= w[0] + b.length + gap);
    for &(a, ci) in plan {
        let c = &m.cands[d][ci];
        let Some(ds) = st.assign[a][d].clone() else { continue };
        let gap_ok = gaps_ok(&ds.breaks, c);
        let crowded = ds.breaks.iter().zip(&c.breaks).any(|(&x, b)| {
            (x / m.slot..(x + b.length) / m.slot).any(|t| {
                let t = t as usize;
                t < m.nslots && st.on_break[t] > st.stagger_limit(st.at_work[t])
            })
        });
        if gap_ok && !crowded {
            continue;
        }
        st.set_day(a, d, None);
        let gain = st.marginal(m.agent_group[a], s0, s1);
        let br = st.place_breaks(c, &gain, s0);
        st.set_day(a, d, Some(br.map_or(ds, |br| DayShift { cand: ci as u32, breaks: br })));
    }
    // Then each agent's breaks placed again where that does not cost.
    for &(a, ci) in plan {
        let now = st.objective();
        let old = st.set_day(a, d, None);
        let c = &m.cands[d][ci];
        let gain = st.marginal(m.agent_group[a], s0, s1);
        if let Some(br) = st.place_breaks(c, &gain, s0) {
            st.set_day(a, d, Some(DayShift { cand: ci as u32, breaks: br }));
            if st.objective() <= now + 1e-9 {
                continue;
            }
        }
        st.set_day(a, d, old);
    }
}

/// Shifts per (skill group, day, paid minutes) of `roster`, for [`lp::under_bound_with`]: each
/// agent-day's shift is matched to its candidate (start and length) for the paid minutes.
/// Shifts that match no candidate (a roster built under other rules) are left out.
pub fn roster_day_counts(problem: &Problem, roster: &[Segment]) -> Result<lp::DayCounts, ScheduleError> {
    let m = Model::compile(problem)?;
    let mut counts = lp::DayCounts::new();
    for (a, days) in existing_days(&m, problem, roster).into_iter().enumerate() {
        for (d, day) in days.into_iter().enumerate() {
            if let Some((s, l)) = day
                && let Some(c) = m.cands[d].iter().find(|c| c.start == s && c.len == l)
            {
                *counts.entry((m.agent_group[a], d, c.paid)).or_default() += 1.0;
            }
        }
    }
    Ok(counts)
}

/// Per day of a roster, its agents' rest windows (earliest start, latest end, horizon minutes) per
/// [`lp::DayClass`]: what [`lp::day_mix`] needs to plan the roster's days as they stand.
pub fn roster_day_windows(problem: &Problem, roster: &[Segment]) -> Result<Vec<lp::RestWindows>, ScheduleError> {
    let m = Model::compile(problem)?;
    let rest = problem.rules.limits.min_rest_minutes as i32;
    let mut out = vec![HashMap::new(); m.days];
    for (a, days) in existing_days(&m, problem, roster).into_iter().enumerate() {
        for d in 0..m.days {
            let Some((s, l)) = days[d] else { continue };
            let Some(c) = m.cands[d].iter().find(|c| c.start == s && c.len == l) else { continue };
            let lo = d.checked_sub(1).and_then(|p| days[p]).map_or(i32::MIN, |(s, l)| s + l + rest);
            let hi = days.get(d + 1).copied().flatten().map_or(i32::MAX, |(s, _)| s - rest);
            out[d].entry((m.agent_group[a], c.paid, i32::MIN, i32::MAX)).or_insert_with(Vec::new).push((lo, hi));
        }
    }
    Ok(out)
}

/// Map the existing roster's shifts to (start, length) per agent-day in horizon minutes.
fn existing_days(m: &Model, p: &Problem, ex: &[Segment]) -> Vec<Vec<Option<(i32, i32)>>> {
    let idx: std::collections::HashMap<&str, usize> = p.agents.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
    let mut out = vec![vec![None; m.days]; p.agents.len()];
    for (agent, shifts) in crate::check::shifts_of(ex) {
        let Some(&a) = idx.get(agent.as_str()) else { continue };
        for sh in shifts {
            let s = m.minute_of(sh.start);
            if s < 0 || s >= m.days as i64 * 1440 {
                continue;
            }
            let d = (s / 1440) as usize;
            out[a][d] = Some((s as i32, (sh.end - sh.start).num_minutes() as i32));
        }
    }
    out
}

fn finish(st: &State, p: &Problem, bound: Option<f64>, moves: u64) -> Solution {
    let m = st.m;
    let mut roster = Vec::new();
    let mut shifts = 0;
    let mut avoided = 0;
    let mut spreads = Vec::new();
    for (a, agent) in p.agents.iter().enumerate() {
        for w in &m.weeks[a] {
            let mut starts = Vec::new();
            for d in w.first_day..w.first_day + w.ndays {
                if let Some(ds) = &st.assign[a][d] {
                    starts.push(m.cands[d][ds.cand as usize].start - d as i32 * 1440);
                }
            }
            if let (Some(lo), Some(hi)) = (starts.iter().min(), starts.iter().max()) {
                spreads.push((hi - lo) as f64);
            }
        }
        for d in 0..m.days {
            let Some(ds) = &st.assign[a][d] else { continue };
            let c = &m.cands[d][ds.cand as usize];
            shifts += 1;
            avoided += m.avoid_day[a][d] as u32;
            let mut t = c.start;
            let mut bs: Vec<(i32, i32, &str)> =
                c.breaks.iter().zip(&ds.breaks).map(|(b, &s)| (s, s + b.length, b.kind.as_str())).collect();
            bs.sort();
            let seg = |s: i32, e: i32, act: &str| Segment {
                agent_id: agent.id.clone(),
                start: m.time_at(s),
                end: m.time_at(e),
                activity: act.to_string(),
            };
            for (bs_, be, kind) in bs {
                if bs_ > t {
                    roster.push(seg(t, bs_, "work"));
                }
                roster.push(seg(bs_, be, kind));
                t = be;
            }
            if c.start + c.len > t {
                roster.push(seg(t, c.start + c.len, "work"));
            }
        }
    }
    let (u, o) = st.totals();
    let mm = |v: &Vec<i32>| (v.iter().copied().min().unwrap_or(0) as u32, v.iter().copied().max().unwrap_or(0) as u32);
    let (wmin, wmax) = mm(&st.cnt[0]);
    let (nmin, nmax) = mm(&st.cnt[1]);
    let (hmin, hmax) = mm(&st.cnt[2]);
    let changed_agents = st.changed.iter().filter(|r| r.iter().any(|&c| c)).count();
    Solution {
        roster,
        objective: st.objective(),
        under_hours: u,
        over_hours: o,
        under_bound_hours: bound,
        under_gap: bound.map(|b| (u - b) / b.max(m.slot_hours())),
        shifts,
        soft: SoftStats {
            weekend_days_min: wmin,
            weekend_days_max: wmax,
            night_shifts_min: nmin,
            night_shifts_max: nmax,
            holiday_days_min: hmin,
            holiday_days_max: hmax,
            avoided_days_worked: avoided,
            mean_start_spread_minutes: if spreads.is_empty() { 0.0 } else { spreads.iter().sum::<f64>() / spreads.len() as f64 },
            soft_cost: st.soft_cost(),
        },
        changed_days: st.changed_count,
        changed_agents,
        moves,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;

    /// Days more than a quarter agent-hour above their MIP's bound go to the re-plan workers,
    /// the furthest last in the list (the workers pop from its end); a day a quarter above is
    /// settled.
    #[test]
    fn re_plans_take_the_days_furthest_above_their_bound_first() {
        let day = |day: usize, under: f64, bound: f64| PlannedDay { day, found: under, bound, under };
        let planned = [day(0, 0.50, 0.25), day(1, 39.0, 38.91), day(2, 1.25, 0.0), day(7, 0.75, 0.0), day(9, 2.0, 1.25), day(23, 1.25, 0.39)];
        assert_eq!(days_to_replan(&planned), vec![7, 9, 23, 2]);
    }

    /// The cached marginal value of one more agent equals a fresh evaluation after every move,
    /// for every group and interval (the cache is invalidated when a slot's coverage changes).
    #[test]
    fn marginal_cache_matches_fresh_evaluation() {
        let p = generate(30, 1, 11);
        let m = Model::compile(&p).expect("model");
        let mut st = State::new(&m, &p.rules);
        let mut rng = Rng::new(3);
        build_first_week(&mut st, &mut rng);
        let fresh = |st: &State, g: usize| -> Vec<f64> { (0..m.nslots).map(|t| st.slot_cost[t] - st.eval_slot(t, Some(g)).0).collect() };
        for round in 0..300 {
            let a = rng.below(p.agents.len());
            let before = st.objective();
            match round % 3 {
                0 => move_retime(&mut st, a, &mut rng, before),
                1 => move_shift_day(&mut st, a, &mut rng, before),
                _ => move_rebuild_week(&mut st, a, &mut rng, before),
            };
            // Ask for a few groups each round so that stale entries would be served.
            for g in (round % st.ng..st.ng).step_by(3) {
                assert_eq!(st.marginal(g, 0, m.nslots), fresh(&st, g), "round {round}, group {g}");
            }
        }
    }

    /// Every agent's first week, built greedily one agent at a time (as the construction does).
    fn build_first_week(st: &mut State, rng: &mut Rng) {
        for a in 0..st.m.agent_group.len() {
            st.build_week(a, 0, rng, 1).expect("week");
        }
    }

    fn built(agents: usize, seed: u64) -> (crate::model::Problem, Model) {
        let p = generate(agents, 1, seed);
        let m = Model::compile(&p).expect("model");
        (p, m)
    }

    /// Re-time every (agent, day) to its best shift, and to its best other shift, until a
    /// whole pass improves nothing.
    fn retime_descent(st: &mut State, rng: &mut Rng) {
        loop {
            let mut improved = false;
            for a in 0..st.m.agent_group.len() {
                for d in 0..st.m.days {
                    for other in [false, true] {
                        let before = st.objective();
                        if let Some(old) = retime(st, a, d, rng, other) {
                            if st.objective() < before - 1e-9 {
                                improved = true;
                            } else {
                                st.set_day(a, d, Some(old));
                            }
                        }
                    }
                }
            }
            if !improved {
                return;
            }
        }
    }

    /// Build every agent's week, re-time until single re-times are stuck, then make `rounds`
    /// draws of `mv`; returns the objective when stuck and at the end.
    fn from_stuck(p: &crate::model::Problem, m: &Model, seed: u64, rounds: usize, mut mv: impl FnMut(&mut State, usize, &mut Rng, f64)) -> (f64, f64) {
        let mut st = State::new(m, &p.rules);
        let mut rng = Rng::new(seed);
        build_first_week(&mut st, &mut rng);
        retime_descent(&mut st, &mut rng);
        let stuck = st.objective();
        for _ in 0..rounds {
            let a = rng.below(p.agents.len());
            let before = st.objective();
            mv(&mut st, a, &mut rng, before);
        }
        (stuck, st.objective())
    }

    /// From a roster where single re-times are stuck, chains of re-times lower the objective
    /// further than the same number of one-link "chains" (single forced re-times) do.
    #[test]
    fn retime_chain_improves_where_single_retimes_are_stuck() {
        let (p, m) = built(60, 7);
        let run = |depth: usize| {
            from_stuck(&p, &m, 5, 400, |st, a, rng, before| {
                retime_chain(st, a, rng, before, depth);
            })
        };
        let (stuck, single) = run(1);
        let (stuck_again, chained) = run(CHAIN_DEPTH);
        assert_eq!(stuck, stuck_again, "the same start");
        assert!(chained < single - 1e-6, "chains {chained}, single re-times {single}, start {stuck}");
    }

    /// From the same roster, after single re-times are stuck, week rebuilds whose changed days
    /// are then re-balanced by chains lower the objective further than plain week rebuilds.
    #[test]
    fn chained_rebuilds_beat_plain_rebuilds() {
        let (p, m) = built(60, 11);
        let (stuck, plain) = from_stuck(&p, &m, 3, 300, |st, a, rng, before| {
            move_rebuild_week(st, a, rng, before);
        });
        let (stuck_again, chained) = from_stuck(&p, &m, 3, 300, |st, a, rng, before| {
            move_rebuild_week_chained(st, a, rng, before);
        });
        assert_eq!(stuck, stuck_again, "the same start");
        assert!(chained < plain - 1e-6, "chained {chained}, plain {plain}, start {stuck}");
    }

    /// The compound moves never leave the objective worse (without annealing slack), never
    /// break a hard rule, and a rejected move restores the roster exactly.
    /// Without the rules the day MIP leaves out (rest, on-break share, gaps between breaks), a
    /// re-planned day covers exactly as the MIP says: the shifts reach the agents and the break
    /// starts are realised as counted (the i-th earliest shift takes the i-th earliest start).
    #[test]
    fn day_mix_is_realised_exactly() {
        let (mut p, _) = built(40, 5);
        p.rules.breaks.max_on_break_fraction = 1.0;
        p.rules.breaks.min_gap_minutes = 0;
        p.rules.limits.min_rest_minutes = 0;
        let m = Model::compile(&p).expect("model");
        let mut st = State::new(&m, &p.rules);
        let mut rng = Rng::new(4);
        build_first_week(&mut st, &mut rng);
        let per = 1440 / m.slot as usize;
        for d in [0, 5, 6] {
            let counts = day_counts(&st, d).expect("generated days stand alone");
            let mix = lp::day_mix(&m, &p.rules.breaks, d, &counts, None, None, 30.0, true).expect("an integer point");
            // Applied whatever it costs in over-staffing and soft rules (which the MIP leaves
            // out, so an equally short day may be declined): only its realisation is tested.
            assert!(apply_day_mix(&mut st, d, &mix, f64::INFINITY), "day {d}: declined as illegal");
            let under: f64 = st.slot_under[d * per..(d + 1) * per].iter().sum::<f64>() * m.slot_hours();
            let found = mix.found_hours.expect("found");
            assert!(under <= found + 1e-6, "day {d}: roster {under} vs the MIP's {found}");
        }
    }

    /// A day MIP started from the day as it stands has an integer point however short its time
    /// (HiGHS completes the break starts), and none worse than the day: a slow machine's short
    /// MIPs used to end without one, and their days were lost to the plan.
    #[test]
    fn day_mip_from_the_day_as_it_stands_has_a_point_at_once() {
        let (p, m) = built(300, 6);
        let mut st = State::new(&m, &p.rules);
        let mut rng = Rng::new(4);
        build_first_week(&mut st, &mut rng);
        let per = 1440 / m.slot as usize;
        for d in [1, 3] {
            let counts = day_counts(&st, d).expect("generated days stand alone");
            let start = day_start(&st, d);
            assert_eq!(start.values().sum::<u32>() as f64, counts.values().sum::<f64>(), "day {d}: every shift in the start");
            let mix = lp::day_mix(&m, &p.rules.breaks, d, &counts, None, Some(&start), 0.05, true).expect("an integer point");
            let under: f64 = st.slot_under[d * per..(d + 1) * per].iter().sum::<f64>() * m.slot_hours();
            let found = mix.found_hours.expect("found");
            assert!(found <= under + 1e-6, "day {d}: the MIP's {found} vs the day's {under}");
        }
    }

    /// Re-planning each day of a constructed roster from its day MIP: never worse, never
    /// illegal (the independent checker agrees), restores the day exactly when it declines, and
    /// gains somewhere — the greedy construction leaves whole-day slack a MIP finds.
    #[test]
    fn day_mix_replanning_never_worsens_keeps_rules_and_gains() {
        let (p, m) = built(40, 5);
        let mut st = State::new(&m, &p.rules);
        let mut rng = Rng::new(4);
        build_first_week(&mut st, &mut rng);
        let start = st.objective();
        // Days HiGHS settles in about 2 s each (others take 20 s and more in a debug build).
        for d in [0, 5, 6] {
            let counts = day_counts(&st, d).expect("generated days stand alone");
            let mix = lp::day_mix(&m, &p.rules.breaks, d, &counts, None, None, 30.0, true).expect("an integer point");
            let n: u32 = mix.shifts.iter().map(|x| x.2).sum();
            assert_eq!(n as f64, counts.values().sum::<f64>(), "day {d}: the mix keeps the day's shift count");
            let before = st.objective();
            let roster = st.assign.clone();
            if !apply_day_mix(&mut st, d, &mix, before) {
                assert!(st.assign == roster, "day {d}: a declined re-plan changed the roster");
            }
            assert!(st.objective() <= before + 1e-6, "day {d}: {} after {before}", st.objective());
        }
        assert!(st.objective() < start - 1.0, "no day gained: {start} → {}", st.objective());
        let sol = finish(&st, &p, None, 0);
        let rep = crate::check(&sol.roster, &p.rules, &p.agents, Some(&p.requirements)).expect("check");
        assert!(rep.violations.is_empty(), "{:?}", &rep.violations[..rep.violations.len().min(3)]);
    }

    /// The construction follows the week plans, and every day's MIP handed out at once keeps
    /// every rule (the independent checker agrees), is no worse, and gains on the greedy days;
    /// the hand-out comes close to what the MIPs found.
    #[test]
    fn day_plans_follow_the_week_plans_keep_rules_and_gain() {
        let weeks = 1;
        let mut p = generate(40, weeks, 5);
        // A long rest, so that yesterday's late shifts hold today's hand-out.
        p.rules.limits.min_rest_minutes = 780;
        let m = Model::compile(&p).expect("model");
        let lp = lp::under_bound(&m, &p.rules, 120.0).expect("lp");
        let mut st = State::new(&m, &p.rules);
        st.week_plan = Some(crate::weekplan::plan_weeks(&m, &p.rules, &lp, 20.0));
        st.target = Some(lp.mix);
        st.pattern_target = Some(lp.patterns);
        let mut rng = Rng::new(4);
        for w in 0..weeks {
            for a in 0..p.agents.len() {
                st.build_week(a, w, &mut rng, 1).expect("week");
            }
        }
        let plan = st.week_plan.take().expect("plan");
        let followed = (0..p.agents.len())
            .flat_map(|a| (0..weeks).map(move |w| (a, w)))
            .filter(|&(a, w)| {
                let wt = m.weeks[a][w];
                let mask = (0..wt.ndays).filter(|&i| st.assign[a][wt.first_day + i].is_some()).fold(0u32, |acc, i| acc | (1 << i));
                plan[a][w].as_ref().is_some_and(|x| x.mask == mask)
            })
            .count();
        assert!(followed * 10 >= 9 * weeks * p.agents.len(), "{followed} of {} agent-weeks follow their plan", weeks * p.agents.len());
        let before = st.objective();
        let (kept, days) = replan_every_day(&mut st, 15.0, Vec::new());
        assert!(kept, "the day plans were declined");
        // With the rest windows in the MIPs, every shift finds its agent: each day ends where
        // its MIP did, but for breaks placed again after the hand-out, which may cost one agent
        // for one slot (a quarter agent-hour; seen once in CI on a sub-MIP's point). (Without
        // the windows, 5 of the 7 days ended above.)
        assert_eq!(days.len(), m.days);
        for p in &days {
            assert!(p.under <= p.found + 0.25 + 1e-6, "day {}: {:.2} after the hand-out, MIP {:.2}", p.day, p.under, p.found);
        }
        let lost: f64 = days.iter().map(|p| (p.under - p.found).max(0.0)).sum();
        assert!(lost <= 0.5 + 1e-6, "{lost:.2} agent-hours lost in the hand-outs");
        assert!(st.objective() < before - 1.0, "no gain: {before} → {}", st.objective());
        let sol = finish(&st, &p, None, 0);
        let rep = crate::check(&sol.roster, &p.rules, &p.agents, Some(&p.requirements)).expect("check");
        assert!(rep.violations.is_empty(), "{:?}", &rep.violations[..rep.violations.len().min(3)]);
    }

    /// The LP's days rounded to whole agents: each class's shifts keep its count, the hand-out
    /// keeps every rule, and the roster lands far nearer the LP's bound than the greedy
    /// construction it replaces (which the day MIPs then start from).
    #[test]
    fn lp_rounded_days_land_near_the_bound() {
        let weeks = 1;
        let p = generate(150, weeks, 7);
        let m = Model::compile(&p).expect("model");
        let lp = lp::under_bound(&m, &p.rules, 120.0).expect("lp");
        let mut st = State::new(&m, &p.rules);
        st.week_plan = Some(crate::weekplan::plan_weeks(&m, &p.rules, &lp, 20.0));
        st.target = Some(lp.mix.clone());
        st.pattern_target = Some(lp.patterns.clone());
        let mut rng = Rng::new(4);
        build_first_week(&mut st, &mut rng);
        st.week_plan = None;
        let constructed = st.totals().0;
        // The rounding keeps every class's count.
        let breaks = breaks_by_day(&m, &lp.breaks);
        let days = lp_day_mixes(&st, &lp.mix, &breaks);
        assert_eq!(days.len(), m.days, "every day rounded");
        for (d, mix) in &days {
            let counts = day_counts(&st, *d).expect("generated days stand alone");
            for (class, n) in &counts {
                let got: u32 = mix.shifts.iter().filter(|s| s.0 == *class).map(|s| s.2).sum();
                assert_eq!(got as f64, *n, "day {d} class {class:?}");
            }
        }
        assert!(realise_day_mixes(&mut st, &days), "the rounded days were declined");
        let rounded = st.totals().0;
        let bound = lp.under_bound_hours;
        eprintln!("bound {bound:.2} constructed {constructed:.2} rounded {rounded:.2}");
        assert!(rounded - bound < 0.25 * (constructed - bound), "bound {bound:.2}, construction {constructed:.2}, rounded LP {rounded:.2}");
        let sol = finish(&st, &p, None, 0);
        let rep = crate::check(&sol.roster, &p.rules, &p.agents, Some(&p.requirements)).expect("check");
        assert!(rep.violations.is_empty(), "{:?}", &rep.violations[..rep.violations.len().min(3)]);
    }

    #[test]
    fn compound_moves_never_worsen_and_keep_rules() {
        type Move = fn(&mut State, usize, &mut Rng, f64) -> bool;
        let moves: [(&str, Move); 2] = [("re-time chain", move_retime_chain), ("chained week rebuild", move_rebuild_week_chained)];
        for (name, mv) in moves {
            let (p, m) = built(40, 3);
            let mut st = State::new(&m, &p.rules);
            let mut rng = Rng::new(9);
            build_first_week(&mut st, &mut rng);
            let mut rejected = 0;
            for round in 0..300 {
                let a = rng.below(p.agents.len());
                let before = st.objective();
                let roster = st.assign.clone();
                let accepted = mv(&mut st, a, &mut rng, before);
                assert!(st.objective() <= before + 1e-9, "{name}, round {round}: {} after {before}", st.objective());
                if !accepted {
                    rejected += 1;
                    assert!(st.assign == roster, "{name}, round {round}: a rejected move changed the roster");
                    assert!((st.objective() - before).abs() < 1e-6, "{name}, round {round}: objective drifted");
                }
                for b in 0..p.agents.len() {
                    assert_eq!(st.agent_violation(b, m.days), None, "{name}, round {round}, agent {b}");
                }
            }
            assert!(rejected > 0 && rejected < 300, "{name}: {rejected} of 300 rejected");
        }
    }
}
