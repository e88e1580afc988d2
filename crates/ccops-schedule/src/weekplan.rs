//! Whole agents' working weeks from the LP (HiGHS MIP per skill group and week).
//!
//! The LP of [`crate::lp`] says how many agents of each week class work each day pattern and how
//! many shifts of each paid length the group works each day — fractionally. Local search started
//! from a greedy roster never gets the day structure right: under paired days off every
//! full-timer works exactly two of Tue/Thu/Sat, so hours only move there through part-timers'
//! long shifts, a coordinated change of many agents. Here each class's agents get *typed*
//! patterns (the days worked and each day's paid minutes) whose counts per (day, paid minutes)
//! come as close as whole agents can to the LP's; the construction then follows them and day
//! MIPs place the shifts.

use highs::{HighsModelStatus, RowProblem, Sense};
use std::collections::HashMap;

use crate::Rules;
use crate::lp::{LpResult, class_key, week_classes};
use crate::model::Model;

/// One agent's planned week: bit i of `mask` = day `first_day + i` worked, with `paid[i]` paid
/// minutes (0 on days off).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WeekPlan {
    pub mask: u32,
    pub paid: Vec<i32>,
}

/// Most typed patterns one class may have before planning gives up (many paid lengths).
const MAX_TYPED: usize = 20_000;

/// Per agent and week, the planned week, or None when the plan cannot be made (too many typed
/// patterns, a MIP without an answer): the construction then chooses freely.
pub fn plan_weeks(m: &Model, rules: &Rules, lp: &LpResult, time_limit_s: f64) -> Vec<Vec<Option<WeekPlan>>> {
    plan_weeks_with(m, rules, lp, time_limit_s, true)
}

/// What a unit of deviation from the LP's count costs beside its dual price: only a tie-break
/// (0.02, 0.1 and 0.3 gave the same plans on 500 agents × 4 weeks).
const PRICE_EPS: f64 = 0.1;

/// [`plan_weeks`], with the deviations from the LP's counts priced by its duals (`priced`) or
/// all alike (plain distance, as before the prices; kept to compare against).
pub fn plan_weeks_with(m: &Model, rules: &Rules, lp: &LpResult, time_limit_s: f64, priced: bool) -> Vec<Vec<Option<WeekPlan>>> {
    let na = m.agent_group.len();
    let nweeks = m.weeks.first().map_or(0, |w| w.len());
    let mut plan: Vec<Vec<Option<WeekPlan>>> = vec![vec![None; nweeks]; na];
    // Groups are independent: solved on all cores, each within its share of the limit.
    let (members, groups) = group_members(m);
    let lp_counts = lp_day_counts(m, lp);
    let threads = crate::parallel::cores().min(groups.len()).max(1);
    let per_group = time_limit_s * threads as f64 / groups.len().max(1) as f64;
    let solved = crate::parallel::on_all_cores(&groups, |&g| plan_group(m, rules, lp, &lp_counts, &members[g], g, per_group, priced));
    for units in solved.into_iter().flatten().flatten() {
        for (agents, weeks) in units {
            hand_out(m, rules, &mut plan, &agents, weeks);
        }
    }
    plan
}

/// Shifts per (group, day, paid minutes) that the plans give (the keys of
/// [`crate::lp::under_bound_with`]'s fixed counts).
pub fn plan_counts(m: &Model, plan: &[Vec<Option<WeekPlan>>]) -> crate::lp::DayCounts {
    let mut counts = crate::lp::DayCounts::new();
    for (a, weeks) in plan.iter().enumerate() {
        for (w, wp) in weeks.iter().enumerate() {
            let Some(wp) = wp else { continue };
            let wt = m.weeks[a][w];
            for i in (0..wt.ndays).filter(|&i| wp.mask & (1 << i) != 0) {
                *counts.entry((m.agent_group[a], wt.first_day + i, wp.paid[i])).or_default() += 1.0;
            }
        }
    }
    counts
}

/// The LP's shifts per (group, day, paid minutes): its mix summed over each day's candidates
/// (every (group, day, paid) of a candidate present, zero or not).
fn lp_day_counts(m: &Model, lp: &LpResult) -> crate::lp::DayCounts {
    let mut counts = crate::lp::DayCounts::new();
    for (g, days) in lp.mix.iter().enumerate() {
        for (d, day) in days.iter().enumerate() {
            for (ci, x) in day.iter().enumerate() {
                *counts.entry((g, d, m.cands[d][ci].paid)).or_default() += x;
            }
        }
    }
    counts
}

/// Each group's agents, and the groups that are planned (with agents and skills).
fn group_members(m: &Model) -> (Vec<Vec<usize>>, Vec<usize>) {
    let ng = m.group_mask.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ng];
    for (a, &g) in m.agent_group.iter().enumerate() {
        members[g].push(a);
    }
    let groups = (0..ng).filter(|&g| !members[g].is_empty() && m.group_mask[g] != 0).collect();
    (members, groups)
}

/// Agents of one group with the same week constraints in every week, and per week their
/// typed patterns: (pattern, how many agents).
type Unit = (Vec<usize>, Vec<Vec<(WeekPlan, usize)>>);

/// Days worked at the start and at the end of a week's mask.
fn runs(mask: u32, ndays: usize) -> (usize, usize) {
    let lead = (0..ndays).take_while(|&i| mask & (1 << i) != 0).count();
    let trail = (0..ndays).rev().take_while(|&i| mask & (1 << i) != 0).count();
    (lead, trail)
}

/// The MIP of group `g` over all weeks: integer agents per (unit, week, typed pattern), each
/// unit's agents once a week; the deviations of shifts per (day, paid minutes) from the LP's
/// minimised — priced, each of the first unit above the LP's count at ε + π and each below at
/// ε − π, where π is the LP's dual of that (day, paid minutes)'s link row (what one more such
/// shift lowers the bound by, about an agent's hours on the floor on a short-staffed day, less
/// on a quiet one), so that whole agents round toward the days that need them; and between
/// consecutive weeks a flow from last week's trailing run r to this week's leading run l with
/// r + l within the consecutive-days limit, which is exactly when the weeks can be chained
/// agent by agent (a transportation problem on run lengths).
#[allow(clippy::too_many_arguments)]
fn plan_group(m: &Model, rules: &Rules, lp: &LpResult, lp_counts: &crate::lp::DayCounts, members: &[usize], g: usize, time_limit_s: f64, priced: bool) -> Option<Vec<Unit>> {
    let mut pb = RowProblem::default();
    let group = add_group(&mut pb, m, rules, members)?;
    // |shifts − the LP's| per (day, paid).
    let target: HashMap<(usize, i32), f64> = lp_counts.iter().filter(|(k, _)| k.0 == g).map(|(k, &n)| ((k.1, k.2), n)).collect();
    let mut keys: Vec<(usize, i32)> = target.keys().chain(group.member_of.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let t = target.get(&key).copied().unwrap_or(0.0);
        let mut e: Vec<_> = group.member_of.get(&key).map_or(&[][..], |v| v.as_slice()).iter().map(|&c| (c, 1.0)).collect();
        if priced {
            // One unit either side of the LP's count at its dual price (plus a little, so that
            // counts stay near the LP where prices tie); further off at a price no rounding needs.
            let pi = lp.link_dual.get(&(g, key.0, key.1)).copied().unwrap_or(0.0);
            let tail = 1.0 + pi.abs();
            let over1 = pb.add_column(PRICE_EPS + pi, 0.0..=1.0);
            let under1 = pb.add_column(PRICE_EPS - pi, 0.0..=1.0);
            let over2 = pb.add_column(tail, 0.0..);
            let under2 = pb.add_column(tail, 0.0..);
            e.extend([(over1, -1.0), (over2, -1.0), (under1, 1.0), (under2, 1.0)]);
        } else {
            let over = pb.add_column(1.0, 0.0..);
            let under = pb.add_column(1.0, 0.0..);
            e.push((over, -1.0));
            e.push((under, 1.0));
        }
        pb.add_row(t..=t, e);
    }
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    model.set_option("time_limit", time_limit_s.max(0.2));
    model.set_option("threads", 1);
    let t = std::time::Instant::now();
    let solved = model.try_solve().ok()?;
    if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
        eprintln!("week plan group {g}: {:?} {:.2} (bound {:.2}) in {:.2}s", solved.status(), solved.objective_value(), solved.double_info_value(c"mip_dual_bound").unwrap_or(f64::NAN), t.elapsed().as_secs_f64());
    }
    if !matches!(solved.status(), HighsModelStatus::Optimal | HighsModelStatus::ReachedTimeLimit) {
        return None;
    }
    let sol = solved.get_solution();
    group.units(sol.columns())
}

/// A group's columns in a week-plan MIP (see [`add_group`]).
struct GroupCols {
    nweeks: usize,
    /// Each unit's agents.
    units: Vec<Vec<usize>>,
    /// (unit, week, pattern, column) of each integer column.
    cols: Vec<(usize, usize, WeekPlan, highs::Col)>,
    /// The columns whose pattern works (day, paid minutes).
    member_of: HashMap<(usize, i32), Vec<highs::Col>>,
}

impl GroupCols {

    /// The columns' values at a plan: its agents per (unit, week, pattern).
    fn point(&self, plan: &[Vec<Option<WeekPlan>>]) -> Vec<(highs::Col, f64)> {
        let mut n: HashMap<(usize, usize, &WeekPlan), f64> = HashMap::new();
        for (u, agents) in self.units.iter().enumerate() {
            for &a in agents {
                for (w, wp) in plan[a].iter().enumerate() {
                    if let Some(wp) = wp {
                        *n.entry((u, w, wp)).or_default() += 1.0;
                    }
                }
            }
        }
        self.cols.iter().map(|(u, w, p, col)| (*col, n.get(&(*u, *w, p)).copied().unwrap_or(0.0))).collect()
    }

    /// The units' typed patterns at the MIP's point `vals`; None unless each unit comes out with
    /// exactly one plan per agent and week.
    fn units(&self, vals: &[f64]) -> Option<Vec<Unit>> {
        let nweeks = self.nweeks;
        let mut out: Vec<Unit> = self.units.iter().map(|agents| (agents.clone(), vec![Vec::new(); nweeks])).collect();
        for (u, w, plan, col) in &self.cols {
            let n = vals.get(col.index()).copied().unwrap_or(0.0).round();
            if n >= 1.0 {
                out[*u].1[*w].push((plan.clone(), n as usize));
            }
        }
        if out.iter().any(|(agents, weeks)| weeks.iter().any(|v| v.iter().map(|x| x.1).sum::<usize>() != agents.len())) {
            return None;
        }
        Some(out)
    }
}

/// A group's part of a week-plan MIP: integer agents per (unit, week, typed pattern), each
/// unit's agents once a week, and the run flows between weeks. None when a unit has no
/// pattern or too many.
fn add_group(pb: &mut RowProblem, m: &Model, rules: &Rules, members: &[usize]) -> Option<GroupCols> {
    let nweeks = m.weeks.first().map_or(0, |w| w.len());
    let max_run = rules.limits.max_consecutive_days as usize;
    // Units: agents whose class keys agree in every week.
    let mut by_sig: HashMap<Vec<crate::lp::ClassKey>, Vec<usize>> = HashMap::new();
    for &a in members {
        by_sig.entry((0..nweeks).map(|w| class_key(m, a, w)).collect()).or_default().push(a);
    }
    let mut sigs: Vec<(Vec<crate::lp::ClassKey>, Vec<usize>)> = by_sig.into_iter().collect();
    sigs.sort();
    let mut cols: Vec<(usize, usize, WeekPlan, highs::Col)> = Vec::new();
    let mut member_of: HashMap<(usize, i32), Vec<highs::Col>> = HashMap::new();
    let mut unit_week: Vec<Vec<Vec<usize>>> = Vec::new();
    for (u, (_, agents)) in sigs.iter().enumerate() {
        let mut weeks = Vec::with_capacity(nweeks);
        for w in 0..nweeks {
            let classes = week_classes(m, rules, agents, w);
            let class = classes.first()?;
            if class.masks.is_empty() {
                return None;
            }
            let (lo, hi) = (class.key.1, class.key.2);
            let days: Vec<usize> = (class.first_day..class.first_day + class.ndays).collect();
            let paid_of: Vec<Vec<i32>> = days
                .iter()
                .map(|&d| {
                    let mut v: Vec<i32> = m.cands[d].iter().map(|c| c.paid).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let mut mine = Vec::new();
            // No more agents on a pattern than the unit has (binary for a unit of one).
            let size = agents.len() as f64;
            for &mask in &class.masks {
                let worked: Vec<usize> = (0..class.ndays).filter(|&i| mask & (1 << i) != 0).collect();
                let mut stack: Vec<(usize, i32, Vec<i32>)> = vec![(0, 0, vec![0; class.ndays])];
                while let Some((k, tot, paid)) = stack.pop() {
                    if k == worked.len() {
                        if tot >= lo && tot <= hi {
                            if mine.len() >= MAX_TYPED {
                                return None;
                            }
                            let col = pb.add_integer_column(0.0, 0.0..=size);
                            for &i in &worked {
                                member_of.entry((days[i], paid[i])).or_default().push(col);
                            }
                            mine.push(cols.len());
                            cols.push((u, w, WeekPlan { mask, paid }, col));
                        }
                        continue;
                    }
                    let i = worked[k];
                    for &p in &paid_of[i] {
                        if tot + p <= hi {
                            let mut next = paid.clone();
                            next[i] = p;
                            stack.push((k + 1, tot + p, next));
                        }
                    }
                }
            }
            if mine.is_empty() {
                return None;
            }
            pb.add_row(size..=size, mine.iter().map(|&i| (cols[i].3, 1.0)));
            weeks.push(mine);
        }
        unit_week.push(weeks);
    }
    // Run flows between consecutive weeks.
    for (u, weeks) in unit_week.iter().enumerate() {
        let a0 = sigs[u].1[0];
        for w in 1..nweeks {
            let (pn, n) = (m.weeks[a0][w - 1].ndays, m.weeks[a0][w].ndays);
            let mut flow: HashMap<(usize, usize), highs::Col> = HashMap::new();
            for r in 0..=pn {
                for l in 0..=n {
                    if r + l <= max_run {
                        flow.insert((r, l), pb.add_column(0.0, 0.0..));
                    }
                }
            }
            for r in 0..=pn {
                let mut e: Vec<(highs::Col, f64)> = (0..=n).filter_map(|l| flow.get(&(r, l)).map(|&c| (c, 1.0))).collect();
                e.extend(weeks[w - 1].iter().filter(|&&i| runs(cols[i].2.mask, pn).1 == r).map(|&i| (cols[i].3, -1.0)));
                pb.add_row(0.0..=0.0, e);
            }
            for l in 0..=n {
                let mut e: Vec<(highs::Col, f64)> = (0..=pn).filter_map(|r| flow.get(&(r, l)).map(|&c| (c, 1.0))).collect();
                e.extend(weeks[w].iter().filter(|&&i| runs(cols[i].2.mask, n).0 == l).map(|&i| (cols[i].3, -1.0)));
                pb.add_row(0.0..=0.0, e);
            }
        }
    }
    Some(GroupCols { nweeks, units: sigs.into_iter().map(|(_, agents)| agents).collect(), cols, member_of })
}

/// Week plans chosen against the days' own LPs (see [`plan_weeks_cut`]).
pub struct CutPlan {
    pub plan: Vec<Vec<Option<WeekPlan>>>,
    /// Σ over days of the day LP's under-staffed agent-hours at the plan's counts.
    pub value: f64,
    /// Σ of the day LPs at the plans it started from.
    pub start_value: f64,
    /// (Σ of the day LPs at the best plan, seconds) after each round.
    pub rounds: Vec<(f64, f64)>,
    /// Each day's LP as the rounds left it (its basis near the plan's counts): the day plans
    /// start their boxes from it (see [`crate::lp::day_mix_from`]).
    pub day_lps: Vec<Option<crate::lp::DayLp>>,
}

/// The day classes of day `d` without rest windows: (group, paid minutes) for every group with
/// agents and every paid length of the day.
fn day_classes(m: &Model, groups: &[usize], d: usize) -> Vec<crate::lp::DayClass> {
    let mut paid: Vec<i32> = m.cands[d].iter().map(|c| c.paid).collect();
    paid.sort_unstable();
    paid.dedup();
    groups.iter().flat_map(|&g| paid.iter().map(move |&p| (g, p, i32::MIN, i32::MAX))).collect()
}

/// One day LP's cut: θ_d ≥ value + Σ dual · (count − at), over the day's classes.
struct Cut {
    d: usize,
    value: f64,
    duals: HashMap<crate::lp::DayClass, f64>,
    at: HashMap<crate::lp::DayClass, f64>,
}

/// How far a round's master may move from the best plan: shifts per (group, day, paid) added
/// or removed, in all over its week (the cuts are accurate only near where they were taken;
/// 500 × 1 with 8 gained 2.7 of the 3.1 agent-hours the plans lost against the LP).
const TRUST_RADIUS: f64 = 8.0;

/// Seconds for one week's master MIP: HiGHS finds its improving points at the root (central
/// rounding, sub-MIPs) within a second or two, then only separates cuts.
const MASTER_SECONDS: f64 = 2.0;

/// Longest time of a week's master after rounds where it moved nothing (see
/// [`next_master_seconds`]).
const MASTER_MAX_SECONDS: f64 = 4.5;

/// A week master's time in its next round, after `secs` in this one: [`MASTER_SECONDS`] again
/// if it moved its week, else half as long again up to [`MASTER_MAX_SECONDS`]. A master that
/// moved nothing may have stopped before its root heuristics found a point: on 500 × 4, week
/// 2's master needs about 2 s for its first, and when a slower second left it without one it
/// found none in later rounds either (the cut plans ended at 547 instead of 541–542).
fn next_master_seconds(secs: f64, moved: bool) -> f64 {
    if moved { MASTER_SECONDS } else { (secs * 1.5).min(MASTER_MAX_SECONDS) }
}

/// Week plans by Benders decomposition with a trust region. The week plans' day counts enter
/// the days through the day LP, whose value is convex in the counts, so each day LP solved
/// at some counts gives a cut (its value plus its duals times the change) below it everywhere.
/// A master MIP over the typed patterns of [`plan_weeks`], all groups at once, minimises Σ θ_d
/// over those cuts within [`TRUST_RADIUS`] of the best plan; the day LPs at its answer add
/// their cuts, and the answer becomes the best plan when the day LPs agree it is better.
///
/// One week is free per master, the others held (four weeks at once left HiGHS ten seconds at
/// its root); weeks that do not touch (0 and 2, then 1 and 3) are solved side by side, as
/// run flows only join consecutive weeks. The first cut of each day comes from the LP itself.
/// On 500 agents × 4 weeks this takes the plans from 554.95 to 542.5 agent-hours of day LPs
/// (the LP bound is 539.17) in about 18 s.
pub fn plan_weeks_cut(m: &Model, rules: &Rules, lp: &LpResult, start: &[Vec<Option<WeekPlan>>], time_limit_s: f64) -> Option<CutPlan> {
    let started = std::time::Instant::now();
    let na = m.agent_group.len();
    let nweeks = m.weeks.first().map_or(0, |w| w.len());
    let (members, groups) = group_members(m);
    let classes: Vec<Vec<crate::lp::DayClass>> = (0..m.days).map(|d| day_classes(m, &groups, d)).collect();
    let left = || time_limit_s - started.elapsed().as_secs_f64();
    // The day LPs of `days` at counts (group, day, paid): their cuts (value at the counts).
    // Each day's LP is kept and re-solved from its last basis.
    let day_lps: Vec<std::sync::Mutex<Option<crate::lp::DayLp>>> = (0..m.days).map(|_| std::sync::Mutex::new(None)).collect();
    let evaluate = |days: &[usize], counts: &crate::lp::DayCounts| -> Option<Vec<Cut>> {
        let out = crate::parallel::on_all_cores(days, |&d| {
            let at: HashMap<crate::lp::DayClass, f64> = classes[d].iter().map(|&c| (c, counts.get(&(c.0, d, c.1)).copied().unwrap_or(0.0))).collect();
            let mut slot = day_lps[d].lock().ok()?;
            let day_lp = slot.get_or_insert_with(|| {
                let mut fresh = crate::lp::DayLp::new(m, &rules.breaks, d, &classes[d]);
                // A week earlier the day had the same shape: dual simplex from its basis is
                // quicker than interior point (the start's 28 day LPs on 500 × 4: 4.6 s against
                // 5.6 s).
                if let Some(b) = d.checked_sub(7).and_then(|e| day_lps[e].try_lock().ok()?.as_ref()?.basis()) {
                    fresh.start_from(&b);
                }
                fresh
            });
            day_lp.solve(&at, left().max(0.5)).map(|ans| Cut { d, value: ans.value, duals: ans.duals, at })
        });
        out.into_iter().collect::<Option<Option<Vec<Cut>>>>()?
    };
    let lp_counts = lp_day_counts(m, lp);
    // The first cut of each day comes from the LP itself: its day part at its own counts, with
    // the link rows' duals as the slopes. (The LP's day part leaves out the on-break share, so
    // it is at most the day LP and the cut holds; on 500 × 4 the two differ by 0.13 in all.)
    let mut cuts: Vec<Cut> = (0..m.days)
        .map(|d| {
            let at = classes[d].iter().map(|&c| (c, lp_counts.get(&(c.0, d, c.1)).copied().unwrap_or(0.0))).collect();
            let duals = classes[d].iter().map(|&c| (c, lp.link_dual.get(&(c.0, d, c.1)).copied().unwrap_or(0.0))).collect();
            Cut { d, value: lp.day_under.get(d).copied().unwrap_or(0.0), duals, at }
        })
        .collect();
    let all_days: Vec<usize> = (0..m.days).collect();
    // The first week first, so that every later day starts from its basis a week earlier.
    let start_counts = plan_counts(m, start);
    let (first_week, later): (Vec<usize>, Vec<usize>) = all_days.iter().partition(|&&d| d < 7);
    let mut at_start = evaluate(&first_week, &start_counts)?;
    at_start.extend(evaluate(&later, &start_counts)?);
    if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
        eprintln!("cut plans: start's day LPs at {:.1}s", started.elapsed().as_secs_f64());
    }
    let mut day_value: Vec<f64> = at_start.iter().map(|c| c.value).collect();
    let start_value = day_value.iter().sum();
    cuts.extend(at_start);
    // All groups' pattern columns and rows, built once: each master starts from a copy.
    let mut base = RowProblem::default();
    let parts: Vec<GroupCols> = groups.iter().map(|&g| add_group(&mut base, m, rules, &members[g])).collect::<Option<_>>()?;
    if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
        eprintln!("cut plans: start {start_value:.2}, columns built at {:.1}s", started.elapsed().as_secs_f64());
    }
    let week_days = |w: usize| -> Vec<usize> {
        (0..na).find(|&a| m.weeks[a].len() == nweeks).map_or_else(|| all_days.clone(), |a| {
            let wt = m.weeks[a][w];
            (wt.first_day..wt.first_day + wt.ndays).collect()
        })
    };
    let mut best = start.to_vec();
    let mut rounds = Vec::new();
    let mut since_better = 0;
    // Per week, its master's time: longer after a master that found nothing to move.
    let mut master_s = vec![MASTER_SECONDS; nweeks];
    while left() > 0.3 && since_better < nweeks {
        let free: Vec<usize> = (0..nweeks).filter(|w| nweeks < 2 || w % 2 == rounds.len() % 2).collect();
        let best_counts = plan_counts(m, &best);
        // The round's masters run side by side: all get the longest time of any.
        let secs = free.iter().map(|&w| master_s[w]).fold(0.0, f64::max);
        let masters = crate::parallel::on_all_cores(&free, |&w| {
            let days = week_days(w);
            let held: f64 = days.iter().map(|&d| day_value[d]).sum();
            week_master(&base, &parts, &groups, &cuts, &best, &best_counts, w, &days, left().min(secs)).map(|(obj, vals)| (w, held, obj, vals))
        });
        // Weeks whose master expects better, even by the cuts' optimistic reckoning.
        let moved: Vec<(usize, f64, Vec<f64>)> = masters.into_iter().flatten().flatten().filter(|x| x.2 < x.1 - 0.05).map(|(w, held, _, vals)| (w, held, vals)).collect();
        for &w in &free {
            master_s[w] = next_master_seconds(master_s[w], moved.iter().any(|x| x.0 == w));
        }
        if moved.is_empty() {
            since_better += free.len();
            rounds.push((day_value.iter().sum(), started.elapsed().as_secs_f64()));
            continue;
        }
        let plan = merge_weeks(m, rules, &parts, &best, &moved, nweeks)?;
        let days: Vec<usize> = moved.iter().flat_map(|x| week_days(x.0)).collect();
        let Some(more) = evaluate(&days, &plan_counts(m, &plan)) else { break };
        // Keep each week the day LPs find better; the rest go back to the best plan.
        let kept: Vec<(usize, f64, Vec<f64>)> = moved
            .into_iter()
            .filter(|(w, held, _)| {
                let wd = week_days(*w);
                more.iter().filter(|c| wd.contains(&c.d)).map(|c| c.value).sum::<f64>() < held - 1e-6
            })
            .collect();
        since_better += free.len() - kept.len();
        if !kept.is_empty() {
            since_better = 0;
            let kept_days: Vec<usize> = kept.iter().flat_map(|x| week_days(x.0)).collect();
            for c in more.iter().filter(|c| kept_days.contains(&c.d)) {
                day_value[c.d] = c.value;
            }
            best = merge_weeks(m, rules, &parts, &best, &kept, nweeks)?;
        }
        cuts.extend(more);
        rounds.push((day_value.iter().sum(), started.elapsed().as_secs_f64()));
        if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
            eprintln!("cut round {}: weeks {free:?}, kept {:?}, day LPs {:.2}, {} cuts, at {:.1}s", rounds.len(), kept.iter().map(|x| x.0).collect::<Vec<_>>(), day_value.iter().sum::<f64>(), cuts.len(), started.elapsed().as_secs_f64());
        }
    }
    let day_lps = day_lps.into_iter().map(|x| x.into_inner().ok().flatten()).collect();
    Some(CutPlan { plan: best, value: day_value.iter().sum(), start_value, rounds, day_lps })
}

/// The master MIP of [`plan_weeks_cut`] with week `w` free (its `days`) and the others held at
/// `best`, on a copy of `base` (the groups' columns, `parts`, one per group of `groups`): its
/// objective (Σ θ over the week's days) and point, or None without an answer.
#[allow(clippy::too_many_arguments)]
fn week_master(
    base: &RowProblem,
    parts: &[GroupCols],
    groups: &[usize],
    cuts: &[Cut],
    best: &[Vec<Option<WeekPlan>>],
    best_counts: &crate::lp::DayCounts,
    w: usize,
    days: &[usize],
    time_limit_s: f64,
) -> Option<(f64, Vec<f64>)> {
    let mut pb = base.clone();
    let theta: HashMap<usize, highs::Col> = days.iter().map(|&d| (d, pb.add_column(1.0, 0.0..))).collect();
    // A count column per (group, day, paid): the cuts and the trust region read these (a few
    // entries a row), not the thousands of pattern columns behind them, which kept HiGHS's cut
    // separation at the root for 10 s on 500 agents × 4 weeks.
    let mut count_col: Vec<((usize, usize, i32), highs::Col)> = Vec::new();
    for (&g, gc) in groups.iter().zip(parts) {
        let mut keys: Vec<&(usize, i32)> = gc.member_of.keys().filter(|k| theta.contains_key(&k.0)).collect();
        keys.sort_unstable();
        for &(d, paid) in keys {
            let c = pb.add_column(0.0, 0.0..);
            let mut e: Vec<(highs::Col, f64)> = gc.member_of[&(d, paid)].iter().map(|&x| (x, 1.0)).collect();
            e.push((c, -1.0));
            pb.add_row(0.0..=0.0, e);
            count_col.push(((g, d, paid), c));
        }
    }
    let col_of: HashMap<(usize, usize, i32), highs::Col> = count_col.iter().copied().collect();
    for cut in cuts.iter().filter(|c| theta.contains_key(&c.d)) {
        let mut e: Vec<(highs::Col, f64)> = vec![(theta[&cut.d], 1.0)];
        let mut rhs = cut.value;
        let mut by_class: Vec<(&crate::lp::DayClass, &f64)> = cut.duals.iter().collect();
        by_class.sort_by_key(|x| x.0);
        for (class, &pi) in by_class {
            rhs -= pi * cut.at.get(class).copied().unwrap_or(0.0);
            if let Some(&c) = col_of.get(&(class.0, cut.d, class.1))
                && pi.abs() > 1e-9
            {
                e.push((c, -pi));
            }
        }
        pb.add_row(rhs.., e);
    }
    // The trust region, with a thousandth of an agent-hour per shift moved as a tie-break.
    let mut dev = Vec::new();
    for &(key, c) in &count_col {
        let c0 = best_counts.get(&key).copied().unwrap_or(0.0);
        let up = pb.add_column(1e-3, 0.0..);
        let down = pb.add_column(1e-3, 0.0..);
        pb.add_row(c0..=c0, [(c, 1.0), (up, -1.0), (down, 1.0)]);
        dev.extend([(up, 1.0), (down, 1.0)]);
    }
    pb.add_row(..=TRUST_RADIUS, dev);
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    // The best plan as the start, the other weeks held at it; HiGHS completes the continuous
    // columns.
    let mut start = vec![0.0; model.num_cols()];
    for gc in parts {
        for (i, (col, n)) in gc.point(best).into_iter().enumerate() {
            start[col.index()] = n;
            if gc.cols[i].1 != w {
                model.change_column_bounds(col, n..=n);
            }
        }
    }
    let _ = model.try_set_solution(Some(&start), None, None, None);
    model.set_option("time_limit", time_limit_s.max(0.2));
    model.set_option("threads", 1);
    let t0 = std::time::Instant::now();
    let solved = model.try_solve().ok()?;
    if std::env::var("CCOPS_DEBUG_MASTER").is_ok() {
        let mut nodes: i64 = -1;
        // SAFETY: a live solved model and a known int64 info key.
        unsafe { highs_sys::Highs_getInt64InfoValue(solved.as_ptr() as *mut _, c"mip_node_count".as_ptr(), &mut nodes) };
        let bound = solved.double_info_value(c"mip_dual_bound").unwrap_or(f64::NAN);
        eprintln!("master w{w}: {:?} obj {:.3} bound {bound:.3} nodes {nodes} in {:.2}s", solved.status(), solved.objective_value(), t0.elapsed().as_secs_f64());
    }
    if !matches!(solved.status(), HighsModelStatus::Optimal | HighsModelStatus::ReachedTimeLimit) || solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
        return None;
    }
    Some((solved.objective_value(), solved.get_solution().columns().to_vec()))
}

/// The best plan with the weeks of `moved` (week, _, master point) taken from their masters,
/// handed out to the agents afresh (run flows join only consecutive weeks, and moved weeks do
/// not touch, so every pair of consecutive weeks keeps a flow).
fn merge_weeks(m: &Model, rules: &Rules, parts: &[GroupCols], best: &[Vec<Option<WeekPlan>>], moved: &[(usize, f64, Vec<f64>)], nweeks: usize) -> Option<Vec<Vec<Option<WeekPlan>>>> {
    let mut plan: Vec<Vec<Option<WeekPlan>>> = vec![vec![None; nweeks]; m.agent_group.len()];
    for gc in parts {
        let mut vals = vec![0.0; gc.cols.iter().map(|c| c.3.index() + 1).max().unwrap_or(0)];
        for (i, (col, n)) in gc.point(best).into_iter().enumerate() {
            let w = gc.cols[i].1;
            vals[col.index()] = moved.iter().find(|x| x.0 == w).map_or(n, |x| x.2.get(col.index()).copied().unwrap_or(0.0));
        }
        for (agents, weeks) in gc.units(&vals)? {
            hand_out(m, rules, &mut plan, &agents, weeks);
        }
    }
    Some(plan)
}

/// Give a unit's typed patterns to its agents week by week: the agents whose run at the end of
/// last week is longest choose first, among the patterns whose leading run keeps them within
/// the consecutive-days limit, last week's pattern if one is left (for agents taken in that
/// order, any fitting choice leaves a fit for the rest whenever the plan's run flow exists).
fn hand_out(m: &Model, rules: &Rules, plan: &mut [Vec<Option<WeekPlan>>], agents: &[usize], weeks: Vec<Vec<(WeekPlan, usize)>>) {
    let max_run = rules.limits.max_consecutive_days as usize;
    for (w, typed) in weeks.into_iter().enumerate() {
        let mut left: Vec<WeekPlan> = typed.into_iter().flat_map(|(p, n)| std::iter::repeat_n(p, n)).collect();
        let trailing = |a: usize| -> usize {
            w.checked_sub(1).and_then(|p| plan[a][p].as_ref()).map_or(0, |p| runs(p.mask, m.weeks[a][w - 1].ndays).1)
        };
        let mut order: Vec<(usize, usize)> = agents.iter().map(|&a| (trailing(a), a)).collect();
        order.sort_by_key(|&(t, a)| (std::cmp::Reverse(t), a));
        for (t, a) in order {
            let n = m.weeks[a][w].ndays;
            let fits = |p: &WeekPlan| t + runs(p.mask, n).0 <= max_run;
            let last = w.checked_sub(1).and_then(|p| plan[a][p].as_ref()).map(|p| p.mask);
            let i = left
                .iter()
                .position(|p| fits(p) && Some(p.mask) == last)
                .or_else(|| left.iter().position(fits))
                .or_else(|| (!left.is_empty()).then_some(0));
            if let Some(i) = i {
                plan[a][w] = Some(left.swap_remove(i));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;
    use crate::{SolveOptions, roster_day_counts, solve};

    /// L1 distance of shifts per (group, day, paid minutes) from the LP's mix.
    fn deviation(m: &Model, lp: &LpResult, counts: &HashMap<(usize, usize, i32), f64>) -> f64 {
        let target = lp_day_counts(m, lp);
        let mut keys: Vec<_> = target.keys().chain(counts.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        keys.iter().map(|k| (target.get(k).copied().unwrap_or(0.0) - counts.get(k).copied().unwrap_or(0.0)).abs()).sum()
    }

    /// The LP's link duals are never positive (one more shift cannot raise the least
    /// under-staffing), and week plans priced by them lose less against the LP than plans that
    /// only keep close to its counts: the LP with the plans' day counts fixed is lower. (The LP's
    /// point is the same every run since its columns come in a fixed order; with hash order this
    /// comparison moved by several agent-hours from run to run.)
    #[test]
    fn dual_priced_week_plans_lose_less_against_the_lp() {
        let (mut plain, mut priced, mut bound) = (0.0, 0.0, 0.0);
        // (On 100 agents the prices are no better: one seed of three lost 2 agent-hours to them.)
        for seed in [1, 2] {
            let p = generate(300, 1, seed);
            let m = Model::compile(&p).expect("model");
            let lp = crate::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
            assert!(!lp.link_dual.is_empty());
            assert!(lp.link_dual.values().all(|&pi| pi <= 1e-6), "a positive link dual");
            let fixed = |priced: bool| {
                let plan = plan_weeks_with(&m, &p.rules, &lp, 20.0, priced);
                let counts = plan_counts(&m, &plan);
                crate::lp::under_bound_with(&m, &p.rules, 120.0, Some(&counts)).expect("fixed LP").under_bound_hours
            };
            let (a, b) = (fixed(false), fixed(true));
            eprintln!("seed {seed}: bound {:.2} plain {a:.2} priced {b:.2}", lp.under_bound_hours);
            plain += a;
            priced += b;
            bound += lp.under_bound_hours;
        }
        // Measured: plain 74.18 / 62.46, priced 66.56 / 58.75 (bounds 62.04 / 56.19).
        assert!(priced < plain - 4.0, "priced plans {priced:.2} vs plain {plain:.2} (bound {bound:.2})");
    }

    /// Asserts that every agent-week has a plan that keeps its contract, days off (paired), the
    /// run limit across weeks and the day's paid lengths; returns the shifts per (group, day,
    /// paid minutes).
    fn assert_plans_keep_the_rules(p: &crate::Problem, m: &Model, plan: &[Vec<Option<WeekPlan>>]) -> HashMap<(usize, usize, i32), f64> {
        let lim = &p.rules.limits;
        let mut counts: HashMap<(usize, usize, i32), f64> = HashMap::new();
        for (a, weeks) in plan.iter().enumerate() {
            let mut run = 0;
            for (w, wp) in weeks.iter().enumerate() {
                let wp = wp.as_ref().unwrap_or_else(|| panic!("agent {a} week {w}: no plan"));
                let wt = m.weeks[a][w];
                let paid: i32 = wp.paid.iter().sum();
                assert!((wt.lo..=wt.hi).contains(&paid), "agent {a} week {w}: {paid} paid minutes");
                let off = (0..wt.ndays).filter(|&i| wp.mask & (1 << i) == 0).count() as u32;
                assert!(off >= wt.min_off, "agent {a} week {w}: {off} days off");
                if wt.full && lim.paired_days_off {
                    assert!((0..wt.ndays - 1).any(|i| wp.mask & (0b11 << i) == 0), "agent {a} week {w}: no paired days off");
                }
                for i in 0..wt.ndays {
                    let d = wt.first_day + i;
                    if wp.mask & (1 << i) != 0 {
                        assert!(m.allowed[a][d], "agent {a} day {d}: planned on a day off limits");
                        assert!(m.cands[d].iter().any(|c| c.paid == wp.paid[i]), "agent {a} day {d}: no {} min shift", wp.paid[i]);
                        *counts.entry((m.agent_group[a], d, wp.paid[i])).or_default() += 1.0;
                        run += 1;
                        assert!(run <= lim.max_consecutive_days, "agent {a} day {d}: run of {run}");
                    } else {
                        assert_eq!(wp.paid[i], 0);
                        run = 0;
                    }
                }
            }
        }
        counts
    }

    /// Every agent-week gets a plan that keeps the rules (see [`assert_plans_keep_the_rules`]);
    /// and the plans follow the LP's day structure more closely than the greedy construction
    /// does.
    #[test]
    fn week_plans_keep_the_rules_and_follow_the_lp() {
        let p = generate(60, 3, 7);
        let m = Model::compile(&p).expect("model");
        let lp = crate::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
        let plan = plan_weeks(&m, &p.rules, &lp, 20.0);
        let counts = assert_plans_keep_the_rules(&p, &m, &plan);
        let planned = deviation(&m, &lp, &counts);
        let greedy = solve(&p, &SolveOptions { max_moves: 0, day_mip: false, ..Default::default() }, &mut |_| true).expect("solve");
        let built = roster_day_counts(&p, &greedy.roster).expect("counts");
        let constructed = deviation(&m, &lp, &built);
        // (Measured 64.2–64.8 against 126.2–146.0; the construction solves its own LP.)
        assert!(planned < 0.7 * constructed, "plans {planned:.1} vs construction {constructed:.1} shifts off the LP");
    }

    /// A week master that moved nothing gets half as long again next round, up to a cap; one
    /// that moved gets the base time again.
    #[test]
    fn a_master_that_moved_nothing_gets_more_time_up_to_a_cap() {
        assert_eq!(next_master_seconds(MASTER_SECONDS, false), 1.5 * MASTER_SECONDS);
        let mut secs = MASTER_SECONDS;
        for _ in 0..10 {
            secs = next_master_seconds(secs, false);
        }
        assert_eq!(secs, MASTER_MAX_SECONDS);
        assert_eq!(next_master_seconds(secs, true), MASTER_SECONDS);
    }

    /// The week plans cut by the day LPs keep every rule, across weeks too (weeks are solved two
    /// at a time and merged), and lose less against the LP than the dual-priced plans they start
    /// from: the day LPs at their counts, recomputed here from scratch, sum to what the cuts
    /// report, at least the LP bound and well below the start.
    #[test]
    fn cut_plans_keep_the_rules_and_lose_less_against_the_lp() {
        let p = generate(150, 3, 2);
        let m = Model::compile(&p).expect("model");
        let lp = crate::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
        let start = plan_weeks(&m, &p.rules, &lp, 20.0);
        let cut = plan_weeks_cut(&m, &p.rules, &lp, &start, 60.0).expect("cut plans");
        let counts = assert_plans_keep_the_rules(&p, &m, &cut.plan);
        let (_, groups) = group_members(&m);
        let day_lps = |counts: &HashMap<(usize, usize, i32), f64>| -> f64 {
            (0..m.days)
                .map(|d| {
                    let classes = day_classes(&m, &groups, d);
                    let at = classes.iter().map(|&c| (c, counts.get(&(c.0, d, c.1)).copied().unwrap_or(0.0))).collect();
                    crate::lp::DayLp::new(&m, &p.rules.breaks, d, &classes).solve(&at, 60.0).expect("day LP").value
                })
                .sum()
        };
        let (got, from) = (day_lps(&counts), day_lps(&plan_counts(&m, &start)));
        eprintln!("cut plans: day LPs {got:.2} (reported {:.2}) from {from:.2}, LP {:.2}, {} rounds", cut.value, lp.under_bound_hours, cut.rounds.len());
        assert!((got - cut.value).abs() < 1e-4 * got.max(1.0), "the cuts report {:.2}, the day LPs give {got:.2}", cut.value);
        assert!((from - cut.start_value).abs() < 1e-4 * from.max(1.0));
        assert!(got >= lp.under_bound_hours - 1e-6, "below the LP bound: {got:.2} < {:.2}", lp.under_bound_hours);
        // Measured: 74.89 from 98.32 (LP 73.13) in 9 rounds.
        assert!(got < from - 0.5 * (from - lp.under_bound_hours), "cut plans {got:.2} from {from:.2} (LP {:.2})", lp.under_bound_hours);
    }
}
