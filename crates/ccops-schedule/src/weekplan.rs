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
#[derive(Debug, Clone, PartialEq)]
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
    let ng = m.group_mask.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ng];
    for a in 0..na {
        members[m.agent_group[a]].push(a);
    }
    // Groups are independent: solved on all cores, each within its share of the limit.
    let groups: Vec<usize> = (0..ng).filter(|&g| !members[g].is_empty() && m.group_mask[g] != 0).collect();
    let threads = crate::parallel::cores().min(groups.len()).max(1);
    let per_group = time_limit_s * threads as f64 / groups.len().max(1) as f64;
    let solved = crate::parallel::on_all_cores(&groups, |&g| plan_group(m, rules, lp, &members[g], g, per_group, priced));
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
fn plan_group(m: &Model, rules: &Rules, lp: &LpResult, members: &[usize], g: usize, time_limit_s: f64, priced: bool) -> Option<Vec<Unit>> {
    let nweeks = m.weeks.first().map_or(0, |w| w.len());
    let max_run = rules.limits.max_consecutive_days as usize;
    // Units: agents whose class keys agree in every week.
    let mut by_sig: HashMap<Vec<crate::lp::ClassKey>, Vec<usize>> = HashMap::new();
    for &a in members {
        by_sig.entry((0..nweeks).map(|w| class_key(m, a, w)).collect()).or_default().push(a);
    }
    let mut sigs: Vec<(Vec<crate::lp::ClassKey>, Vec<usize>)> = by_sig.into_iter().collect();
    sigs.sort();
    let mut pb = RowProblem::default();
    // (unit, week, pattern) of each integer column.
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
            for &mask in &class.masks {
                let worked: Vec<usize> = (0..class.ndays).filter(|&i| mask & (1 << i) != 0).collect();
                let mut stack: Vec<(usize, i32, Vec<i32>)> = vec![(0, 0, vec![0; class.ndays])];
                while let Some((k, tot, paid)) = stack.pop() {
                    if k == worked.len() {
                        if tot >= lo && tot <= hi {
                            if mine.len() >= MAX_TYPED {
                                return None;
                            }
                            let col = pb.add_integer_column(0.0, 0.0..);
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
            let size = agents.len() as f64;
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
    // |shifts − the LP's| per (day, paid): the LP's mix summed over the day's candidates.
    let mut target: HashMap<(usize, i32), f64> = HashMap::new();
    for d in 0..m.days {
        for (ci, c) in m.cands[d].iter().enumerate() {
            *target.entry((d, c.paid)).or_default() += lp.mix[g][d][ci];
        }
    }
    let mut keys: Vec<(usize, i32)> = target.keys().chain(member_of.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let t = target.get(&key).copied().unwrap_or(0.0);
        let mut e: Vec<_> = member_of.get(&key).map_or(&[][..], |v| v.as_slice()).iter().map(|&c| (c, 1.0)).collect();
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
    let vals = sol.columns();
    let mut out: Vec<Unit> = sigs.into_iter().map(|(_, agents)| (agents, vec![Vec::new(); nweeks])).collect();
    for (u, w, plan, col) in cols {
        let n = vals.get(col.index()).copied().unwrap_or(0.0).round();
        if n >= 1.0 {
            out[u].1[w].push((plan, n as usize));
        }
    }
    // Each unit must come out with exactly one plan per agent and week.
    for (agents, weeks) in &out {
        if weeks.iter().any(|v| v.iter().map(|x| x.1).sum::<usize>() != agents.len()) {
            return None;
        }
    }
    Some(out)
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
        let mut target: HashMap<(usize, usize, i32), f64> = HashMap::new();
        for (g, days) in lp.mix.iter().enumerate() {
            for (d, day) in days.iter().enumerate() {
                for (ci, x) in day.iter().enumerate() {
                    *target.entry((g, d, m.cands[d][ci].paid)).or_default() += x;
                }
            }
        }
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

    /// Every agent-week gets a plan that keeps its contract, days off (paired), the run limit
    /// across weeks and the day's paid lengths; and the plans follow the LP's day structure more
    /// closely than the greedy construction does.
    #[test]
    fn week_plans_keep_the_rules_and_follow_the_lp() {
        let p = generate(60, 3, 7);
        let m = Model::compile(&p).expect("model");
        let lp = crate::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
        let plan = plan_weeks(&m, &p.rules, &lp, 20.0);
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
        let planned = deviation(&m, &lp, &counts);
        let greedy = solve(&p, &SolveOptions { max_moves: 0, day_mip: false, ..Default::default() }, &mut |_| true).expect("solve");
        let built = roster_day_counts(&p, &greedy.roster).expect("counts");
        let constructed = deviation(&m, &lp, &built);
        // (Measured 64.2–64.8 against 126.2–146.0; the construction solves its own LP.)
        assert!(planned < 0.7 * constructed, "plans {planned:.1} vs construction {constructed:.1} shifts off the LP");
    }
}
