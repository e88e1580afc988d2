//! LP lower bound on under-staffed agent-hours (HiGHS).
//!
//! A relaxation of the roster problem aggregated by week class k (agents of one skill group g
//! with the same contract and availability in a week): `y[k,p]` agents of k working day pattern
//! p; `x[k,d,c]` agents of k working candidate shift c on day d, as many on day d as the
//! patterns that include it, with their paid minutes within the class's Σ contract ± tolerance;
//! break-start variables `s[g,d,t]` (agents of g whose day-d shift starts a break in interval
//! t: as many as the chosen shifts, each inside its own window; see `add_breaks`); and a flow `z[g,q,t]` of present
//! agents to the queues they are skilled for. Per group and day at most the agents available,
//! per group and week at most Σ (days − days off) working days. Every legal roster maps to a
//! feasible point with the same shortfall, so the LP optimum is a valid lower bound.

use highs::{ColProblem, HighsModelStatus, Row, Sense};
use std::collections::HashMap;

use crate::Rules;
use crate::model::Model;

/// The LP's answer: the bound and the fractional shift mix `mix[g][d][c]` (agents of skill
/// group g working candidate c of day d), which guides the construction of the roster.
#[derive(Debug, Clone)]
pub struct LpResult {
    /// The LP optimum (less its solver tolerance): the relaxation's least under-staffing.
    pub under_bound_hours: f64,
    /// The bound a roster can be held to: per block of weeks, the LP optimum rounded up to a
    /// whole number of agent-slots where every requirement of the block is whole (see
    /// [`whole_slots_bound`]); the sum over blocks. Never below `under_bound_hours`.
    pub roster_bound_hours: f64,
    pub mix: Vec<Vec<Vec<f64>>>,
    /// Working-day patterns per week class: how many agents of the class work each pattern
    /// (bit i = day `first_day + i`), fractional.
    pub patterns: HashMap<ClassKey, Vec<(u32, f64)>>,
    /// Break starts: (group, template, break number k, slot, how many of the group's shifts of
    /// that template have started their k-th break by the end of the slot), fractional.
    pub breaks: Vec<(usize, usize, usize, usize, f64)>,
    /// Under-staffed agent-hours of the LP's point, per day (zero outside the block).
    pub day_under: Vec<f64>,
    /// Dual of the row that links (group, day, paid minutes)'s shifts to the working-day
    /// patterns: about what one more such shift would change the bound by (agent-hours).
    pub link_dual: HashMap<(usize, usize, i32), f64>,
}

/// Agents of one skill group with the same constraints in one week (see [`class_key`]).
pub type ClassKey = (usize, i32, i32, u32, bool, u32, usize);

/// The week class of agent `a` in week `w`: skill group, paid-minute range, minimum days off,
/// full week or not, available days (bit mask), first day.
pub fn class_key(m: &Model, a: usize, w: usize) -> ClassKey {
    let wt = m.weeks[a][w];
    let avail = (0..wt.ndays).filter(|&i| m.allowed[a][wt.first_day + i]).fold(0u32, |acc, i| acc | (1 << i));
    (m.agent_group[a], wt.lo, wt.hi, wt.min_off, wt.full, avail, wt.first_day)
}

/// Minimum under-staffed agent-hours of any legal roster (None if HiGHS did not reach optimality).
///
/// Nothing in the relaxation links one week to the next (the weekly rows are per week, rest and
/// consecutive days are not modelled) except a shift that runs past the week's end, so the LP
/// splits into blocks of whole weeks cut where no shift crosses; the blocks are solved on all
/// cores and their bounds add up. On four weeks this is several times faster than one LP.
pub fn under_bound(m: &Model, rules: &Rules, time_limit_s: f64) -> Option<LpResult> {
    under_bound_with(m, rules, time_limit_s, None)
}

/// Shifts per (skill group, day, paid minutes) that a diagnostic LP must schedule exactly.
pub type DayCounts = HashMap<(usize, usize, i32), f64>;

/// [`under_bound`], optionally with the number of shifts per (group, day, paid minutes) fixed:
/// the least under-staffing any roster with those day counts can have — a probe of whether a
/// roster loses in which days its agents work or in the shifts it gives them on those days.
pub fn under_bound_with(m: &Model, rules: &Rules, time_limit_s: f64, fixed: Option<&DayCounts>) -> Option<LpResult> {
    bound_by_blocks(m, rules, time_limit_s, fixed)
}

fn bound_by_blocks(m: &Model, rules: &Rules, time_limit_s: f64, fixed: Option<&DayCounts>) -> Option<LpResult> {
    let blocks = week_blocks(m);
    let threads = crate::parallel::cores().min(blocks.len()).max(1);
    // Each thread solves its blocks one after another within the whole limit.
    let per_block = time_limit_s / blocks.len().div_ceil(threads) as f64;
    let results = crate::parallel::on_all_cores(&blocks, |&(d0, d1)| under_bound_days(m, rules, d0, d1, per_block, fixed));
    let mut total: Option<LpResult> = None;
    for r in results {
        let r = r??;
        match &mut total {
            None => total = Some(r),
            Some(t) => {
                t.under_bound_hours += r.under_bound_hours;
                t.roster_bound_hours += r.roster_bound_hours;
                t.patterns.extend(r.patterns);
                t.breaks.extend(r.breaks);
                t.link_dual.extend(r.link_dual);
                for (a, b) in t.day_under.iter_mut().zip(r.day_under) {
                    *a += b;
                }
                for (tg, rg) in t.mix.iter_mut().zip(r.mix) {
                    for (td, rd) in tg.iter_mut().zip(rg) {
                        for (tc, rc) in td.iter_mut().zip(rd) {
                            *tc += rc;
                        }
                    }
                }
            }
        }
    }
    total
}

/// Agents of one group who share the same week constraints, and the working-day patterns
/// (bit i = day `first_day + i` worked) any of them may legally have.
pub(crate) struct WeekClass {
    pub(crate) key: ClassKey,
    pub(crate) first_day: usize,
    pub(crate) ndays: usize,
    pub(crate) size: usize,
    pub(crate) masks: Vec<u32>,
}

/// The week-`w` classes of `members`: a pattern is legal for an agent when it works only days
/// the agent is available, leaves at least `min_off` days off (two of them adjacent under
/// `paired_days_off`), has no run longer than `max_consecutive_days` inside the week, and its
/// number of days can hold the week's paid minutes with the day's shortest and longest
/// candidates. Every legal roster gives each agent one such pattern, so the rows
/// "shifts on day d = Σ patterns containing d" keep the LP a relaxation — and stop it from
/// staffing every day in the demand's ratio when paired days off make that impossible.
pub(crate) fn week_classes(m: &Model, rules: &Rules, members: &[usize], w: usize) -> Vec<WeekClass> {
    let lim = &rules.limits;
    let mut classes: HashMap<ClassKey, usize> = HashMap::new();
    for &a in members {
        *classes.entry(class_key(m, a, w)).or_default() += 1;
    }
    let mut out = Vec::new();
    for (key, size) in classes {
        let (_, lo, hi, min_off, full, avail, first_day) = key;
        let ndays = m.weeks[members[0]][w].ndays;
        let paid: Vec<i32> = m.cands[first_day..first_day + ndays].iter().flatten().map(|c| c.paid).collect();
        let (pmin, pmax) = (paid.iter().copied().min().unwrap_or(0), paid.iter().copied().max().unwrap_or(0));
        let masks: Vec<u32> = (0u32..(1 << ndays))
            .filter(|&mask| {
                let k = mask.count_ones() as i32;
                let off = ndays as u32 - mask.count_ones();
                let mut run = 0;
                let mut longest = 0;
                for i in 0..ndays {
                    run = if mask & (1 << i) != 0 { run + 1 } else { 0 };
                    longest = longest.max(run);
                }
                mask & !avail == 0
                    && off >= min_off
                    && !(full && lim.paired_days_off && !(0..ndays.saturating_sub(1)).any(|i| mask & (0b11 << i) == 0))
                    && longest <= lim.max_consecutive_days
                    && k * pmin <= hi
                    && k * pmax >= lo
            })
            .collect();
        out.push(WeekClass { key, first_day, ndays, size, masks });
    }
    // In key order, not hash order: the LP's columns follow it, and so does which of its many
    // optimal points HiGHS returns.
    out.sort_by_key(|c| c.key);
    out
}

/// The breaks of one (group, day) in the LP, with the entries each candidate shift's column
/// needs. Per break `k` of each template (all that template's shifts have their k-th break in a
/// window at the same offset from their start): `s[t]` agents starting that break in slot t
/// (on break in slots t .. t + ℓ), and its running total `P[t]`. Rows:
/// - total: `P[last] = Σ x_c`;
/// - window: `s[t] ≤ Σ x_c` over shifts whose break may start in t;
/// - forward: `P[t] ≥ Σ x_c` over shifts whose latest break start is by t;
/// - backward: `P[t−1] ≤ Σ x_c` over shifts whose earliest break start is before t.
///
/// Every legal roster satisfies them, so the LP stays a relaxation; they keep each lunch inside
/// its own shift's window (one pool of break time per day lets the LP move every break to the
/// quiet afternoon), and whole: counting starts rather than agents on break keeps a 30-minute
/// lunch in two consecutive slots — counting occupancy let the LP split it. The windows are the
/// same offsets from every start, so sorted shifts take sorted break starts: the counts of an
/// integer solution are realisable break by break (see [`DayMix`]). Forward/backward rows are
/// only needed where their right-hand side changes; the running total is monotone in between.
///
/// The gap between breaks: in a legal roster each shift's (k+1)-th break starts at least
/// L = ℓₖ + gap after its k-th, so at most as many (k+1)-th breaks have started by t as k-th
/// breaks by t − L: `P_{k+1}[t] ≤ P_k[t − L]` — valid for every roster, and exactly what the
/// i-th-to-i-th hand-out of sorted break starts needs to keep the gap. `on_break(t)` is the
/// row counting agents on break in slot t (the on-break share), if any.
#[allow(clippy::too_many_arguments)]
fn add_breaks(
    pb: &mut ColProblem,
    ncols: &mut usize,
    cands: &[crate::model::Cand],
    slot: i32,
    integral: bool,
    gap_minutes: i32,
    cap: impl Fn(usize) -> Option<Row>,
    on_break: impl Fn(usize) -> Option<Row>,
    mut bcols: Option<&mut Vec<(usize, usize, usize, usize)>>,
) -> Vec<Vec<(Row, f64)>> {
    let mut per_cand: Vec<Vec<(Row, f64)>> = vec![Vec::new(); cands.len()];
    // (template, k) → [(candidate, earliest start slot, latest start slot, ℓ)]
    let mut keys: std::collections::BTreeMap<(usize, usize), Vec<(usize, usize, usize, usize)>> = Default::default();
    for (ci, c) in cands.iter().enumerate() {
        for (k, b) in c.breaks.iter().enumerate() {
            let len = (b.length / slot) as usize;
            if len == 0 {
                continue;
            }
            let ss = ((c.start + b.earliest) / slot) as usize;
            let se = ((c.start + b.latest) / slot) as usize;
            keys.entry((c.template, k)).or_default().push((ci, ss, se.max(ss), len));
        }
    }
    // Gap rows: (template, k ≥ 1, t) → row `P_k[t] − P_{k−1}[t − L] ≤ 0`, and the rows each
    // P_{k−1}[τ] enters with −1. Rows whose right side is the whole total are left out.
    let span = |list: &[(usize, usize, usize, usize)]| {
        (list.iter().map(|e| e.1).min().unwrap_or(0), list.iter().map(|e| e.2).max().unwrap_or(0) + 1)
    };
    let mut gap_row: HashMap<(usize, usize, usize), Row> = HashMap::new();
    let mut gap_prev: HashMap<(usize, usize, usize), Vec<Row>> = HashMap::new();
    for (&(template, k), list) in &keys {
        let Some(prev) = k.checked_sub(1).and_then(|p| keys.get(&(template, p))) else { continue };
        let (p0, p1) = span(prev);
        let lp = prev.first().map_or(1, |e| e.3);
        let l = lp + (gap_minutes.max(0) as usize).div_ceil(slot as usize);
        let (t0, t1) = span(list);
        for t in t0..t1 {
            let tau = t.checked_sub(l);
            if tau.is_some_and(|x| x + 1 >= p1) {
                continue;
            }
            let r = pb.add_row(..=0.0);
            gap_row.insert((template, k, t), r);
            if let Some(x) = tau.filter(|&x| x >= p0) {
                gap_prev.entry((template, k - 1, x)).or_default().push(r);
            }
        }
    }
    for (&(template, k), list) in &keys {
        let t0 = list.iter().map(|e| e.1).min().unwrap_or(0);
        let t1 = list.iter().map(|e| e.2).max().unwrap_or(0) + 1;
        let len = list.first().map_or(1, |e| e.3);
        let link: Vec<Row> = (t0..t1).map(|_| pb.add_row(0.0..=0.0)).collect();
        let window: Vec<Row> = (t0..t1).map(|_| pb.add_row(..=0.0)).collect();
        let total = pb.add_row(0.0..=0.0);
        let mut fwd: std::collections::BTreeMap<usize, Row> = Default::default();
        let mut bwd: std::collections::BTreeMap<usize, Row> = Default::default();
        for &(_, ss, se, _) in list {
            fwd.entry(se).or_insert_with(|| pb.add_row(0.0..));
            if ss > t0 {
                bwd.entry(ss).or_insert_with(|| pb.add_row(0.0..));
            }
        }
        for t in t0..t1 {
            let i = t - t0;
            let mut e = vec![(link[i], 1.0), (window[i], 1.0)];
            e.extend((t..t + len).filter_map(&cap).map(|cr| (cr, 1.0)));
            e.extend((t..t + len).filter_map(&on_break).map(|r| (r, 1.0)));
            if let Some(b) = bcols.as_deref_mut() {
                b.push((template, k, t, *ncols));
            }
            pb.add_column_with_integrality(0.0, 0.0.., e, integral);
            let mut e = vec![(link[i], -1.0)];
            if t + 1 < t1 {
                e.push((link[i + 1], 1.0));
            }
            if let Some(&r) = fwd.get(&t) {
                e.push((r, 1.0));
            }
            if let Some(&r) = bwd.get(&(t + 1)) {
                e.push((r, -1.0));
            }
            if t + 1 == t1 {
                e.push((total, 1.0));
            }
            if let Some(&r) = gap_row.get(&(template, k, t)) {
                e.push((r, 1.0));
            }
            e.extend(gap_prev.get(&(template, k, t)).into_iter().flatten().map(|&r| (r, -1.0)));
            pb.add_column(0.0, 0.0.., e);
            *ncols += 2;
        }
        for &(ci, ss, se, _) in list {
            let e = &mut per_cand[ci];
            e.extend((ss..=se).map(|t| (window[t - t0], -1.0)));
            e.extend(fwd.range(se..).map(|(_, &r)| (r, -1.0)));
            e.extend(bwd.range(ss + 1..).map(|(_, &r)| (r, 1.0)));
            e.push((total, -1.0));
        }
    }
    per_cand
}

/// A shift's entries in its group's capacity rows: one agent present in every slot it spans
/// (slots before `ns`, the model's end).
fn shift_cover(c: &crate::model::Cand, slot: i32, ns: usize, cap: &HashMap<(usize, usize), Row>, g: usize) -> Vec<(Row, f64)> {
    let t0 = (c.start / slot) as usize;
    let t1 = (((c.start + c.len) / slot) as usize).min(ns);
    (t0..t1).filter_map(|t| cap.get(&(g, t)).map(|&cr| (cr, -1.0))).collect()
}

/// A lower bound `lp` on a block's under-staffed agent-hours, raised to the next multiple of
/// `slot_hours`. When every requirement of the block is a whole number of agents, a roster's
/// shortfall in each slot is whole too (agents are whole, and a max flow with whole capacities
/// has a whole optimum), so the block's under-staffing is a multiple of the slot length and
/// can be no smaller than this. The small slack keeps an LP value that sits on a multiple
/// (up to rounding noise) from being lifted a whole slot.
pub fn whole_slots_bound(lp: f64, slot_hours: f64) -> f64 {
    if slot_hours <= 0.0 || !lp.is_finite() {
        return lp;
    }
    let slots = lp / slot_hours;
    slot_hours * (slots - 1e-6).ceil().max(0.0)
}

/// Day ranges `[d0, d1)` of whole weeks such that no candidate shift of a block reaches into the
/// next block.
fn week_blocks(m: &Model) -> Vec<(usize, usize)> {
    let day_min = 1440;
    let mut blocks = Vec::new();
    let mut d0 = 0;
    let mut w = 1;
    while w * 7 < m.days {
        let cut = w * 7;
        let crosses = m.cands[..cut]
            .iter()
            .flatten()
            .any(|c| c.start + c.len > (cut * day_min) as i32);
        if !crosses {
            blocks.push((d0, cut));
            d0 = cut;
        }
        w += 1;
    }
    blocks.push((d0, m.days));
    blocks
}

/// Relative duality gap at which the bound LP's interior point method stops.
const IPM_GAP: f64 = 1e-6;

/// The LP of the days `[d0, d1)` (whole weeks; see [`week_blocks`]). Its `mix` is zero outside them.
fn under_bound_days(
    m: &Model,
    rules: &Rules,
    d0: usize,
    d1: usize,
    time_limit_s: f64,
    fixed: Option<&DayCounts>,
) -> Option<LpResult> {
    let (ng, nq) = (m.group_mask.len(), m.queues.len());
    let slot = m.slot;
    let per_day = (1440 / slot) as usize;
    // Slots of the block; the last block also owns anything past the horizon's last day.
    let (t_lo, ns) = (
        d0 * per_day,
        if d1 == m.days {
            m.nslots
        } else {
            (d1 * per_day).min(m.nslots)
        },
    );
    let h = m.slot_hours();
    let na = m.agent_group.len();
    let gap = rules.breaks.min_gap_minutes as i32;
    let mut pb = ColProblem::default();
    let mut ncols = 0usize;
    // Column index of x[g][d][c], to read the shift mix back.
    let mut xcol: Vec<(usize, usize, usize, usize)> = Vec::new();
    // Column index of each working-day pattern y[class][mask].
    let mut ycol: Vec<(ClassKey, u32, usize)> = Vec::new();
    // (group, template, k, slot, column) of each break start; its running total is the next column.
    let mut bcol: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    // (group, day, paid minutes) and row index of each row linking the shifts to the patterns.
    let mut link_rows: Vec<((usize, usize, i32), usize)> = Vec::new();
    // Group sizes and availability.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ng];
    for a in 0..na {
        members[m.agent_group[a]].push(a);
    }
    // Rows.
    let mut cap: HashMap<(usize, usize), Row> = HashMap::new(); // (g, t)
    let mut cov: HashMap<(usize, usize), Row> = HashMap::new(); // (q, t)
    for q in 0..nq {
        for t in t_lo..ns {
            if m.required[q][t] > 0.0 {
                cov.insert((q, t), pb.add_row(..=m.required[q][t]));
            }
        }
    }
    for g in 0..ng {
        if members[g].is_empty() || m.group_mask[g] == 0 {
            continue;
        }
        for t in t_lo..ns {
            if (0..nq).any(|q| m.group_mask[g] & (1 << q) != 0 && m.required[q][t] > 0.0) {
                cap.insert((g, t), pb.add_row(..=0.0));
            }
        }
    }
    let mut total_required = 0.0;
    for q in 0..nq {
        total_required += m.required[q][t_lo..ns].iter().sum::<f64>() * h;
    }
    for g in 0..ng {
        if members[g].is_empty() || m.group_mask[g] == 0 {
            continue;
        }
        let (w0, w1) = (d0 / 7, d1.div_ceil(7));
        let mut week_days = Vec::new();
        for w in w0..w1 {
            let mut dmax = 0i64;
            for &a in &members[g] {
                let wt = m.weeks[a][w];
                let avail = (wt.first_day..wt.first_day + wt.ndays)
                    .filter(|&d| m.allowed[a][d])
                    .count() as i64;
                dmax += avail.min(wt.ndays as i64 - wt.min_off as i64).max(0);
            }
            week_days.push(pb.add_row(..=dmax as f64));
        }
        // Diagnostic only: the group's shifts per (day, paid minutes) fixed.
        let mut fixed_rows: HashMap<(usize, i32), Row> = HashMap::new();
        if let Some(f) = fixed {
            for (&(fg, d, v), &n) in f {
                if fg == g && (d0..d1).contains(&d) {
                    fixed_rows.insert((d, v), pb.add_row(n..=n));
                }
            }
        }
        // Per day of the group, one column per candidate shift with its coverage, the day's
        // availability row and its break rows, and a row per paid length linking those columns to
        // the classes' counts below. A class's own columns would differ from these only in rows
        // that depend on the paid length alone, so the group's pool splits among its classes in
        // proportion to their counts: the same LP with fewer columns (the time hardly moved —
        // 500 × 4: 23.2 → 21.4 s — as the break rows, not the class columns, make it big).
        let mut paid_link: HashMap<(usize, i32), Row> = HashMap::new();
        for d in d0..d1 {
            let avail = members[g].iter().filter(|&&a| m.allowed[a][d]).count();
            let day_row = pb.add_row(..=avail as f64);
            let mut bc = Vec::new();
            let brk = add_breaks(&mut pb, &mut ncols, &m.cands[d], slot, false, gap, |t| cap.get(&(g, t)).copied(), |_| None, Some(&mut bc));
            bcol.extend(bc.into_iter().map(|(tpl, k, t, col)| (g, tpl, k, t, col)));
            for (ci, (c, brk_entries)) in m.cands[d].iter().zip(brk).enumerate() {
                let mut entries = shift_cover(c, slot, ns, &cap, g);
                entries.push((day_row, 1.0));
                entries.extend(brk_entries);
                entries.push((
                    *paid_link.entry((d, c.paid)).or_insert_with(|| {
                        // Rows are numbered in the order they are added: this one's index, for its dual.
                        link_rows.push(((g, d, c.paid), pb.num_rows()));
                        pb.add_row(0.0..=0.0)
                    }),
                    1.0,
                ));
                if fixed.is_some() {
                    // Shifts of a (day, length) the roster has none of are fixed at zero.
                    let r = *fixed_rows.entry((d, c.paid)).or_insert_with(|| pb.add_row(0.0..=0.0));
                    entries.push((r, 1.0));
                }
                xcol.push((g, d, ci, ncols));
                pb.add_column(0.0, 0.0.., entries);
                ncols += 1;
            }
        }
        // Paid lengths of each day, in a fixed order so that the LP is the same every run.
        let day_paid: Vec<Vec<i32>> = (d0..d1)
            .map(|d| {
                let mut v: Vec<i32> = m.cands[d].iter().map(|c| c.paid).collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        // Per class (agents of the group with the same week constraints): its working-day
        // patterns, and its shifts per (day, paid length), so that the class's shifts on day d
        // equal its patterns that include d and its paid minutes meet its contracts. With one
        // pool of shifts per group, the part-timers' flexible day patterns could carry the
        // full-timers' long shifts — a relaxation too loose to say where the roster stands.
        for w in w0..w1 {
            // A class without a legal pattern has no legal roster at all (the solver reports
            // it); leaving it out keeps the LP solvable.
            for class in week_classes(m, rules, &members[g], w).into_iter().filter(|c| !c.masks.is_empty()) {
                let (lo, hi) = (class.key.1 as f64, class.key.2 as f64);
                let size = class.size as f64;
                let size_row = pb.add_row(size..=size);
                let paid_row = pb.add_row(size * lo..=size * hi);
                // (day, its row: the class's shifts that day = its patterns that include it),
                // in day order so that the LP's columns come in the same order every run.
                let day_eq: Vec<(usize, Row)> = (class.first_day..class.first_day + class.ndays)
                    .filter(|d| (d0..d1).contains(d))
                    .map(|d| (d, pb.add_row(0.0..=0.0)))
                    .collect();
                for &mask in &class.masks {
                    ycol.push((class.key, mask, ncols));
                    let mut entries = vec![(size_row, 1.0)];
                    entries.extend(day_eq.iter().filter(|(d, _)| mask & (1 << (d - class.first_day)) != 0).map(|&(_, r)| (r, -1.0)));
                    pb.add_column(0.0, 0.0.., entries);
                    ncols += 1;
                }
                for &(d, eq) in &day_eq {
                    for &paid in &day_paid[d - d0] {
                        let entries = [(eq, 1.0), (paid_row, paid as f64), (week_days[w - w0], 1.0), (paid_link[&(d, paid)], -1.0)];
                        pb.add_column(0.0, 0.0.., entries);
                        ncols += 1;
                    }
                }
            }
        }
        // Flow of present agents to queues: each unit served lowers the shortfall by one.
        for t in t_lo..ns {
            let Some(&cr) = cap.get(&(g, t)) else {
                continue;
            };
            for q in 0..nq {
                if m.group_mask[g] & (1 << q) == 0 {
                    continue;
                }
                if let Some(&qr) = cov.get(&(q, t)) {
                    pb.add_column(-h, 0.0.., [(cr, 1.0), (qr, 1.0)]);
                    ncols += 1;
                }
            }
        }
    }
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    model.set_option("time_limit", time_limit_s.max(0.1));
    // Interior point without crossover: far faster than dual simplex on these degenerate models
    // (1 week: > 100 s), and half the time of IPM + crossover; the bound needs only the optimal
    // value, and the construction is happy with an interior (spread-out) shift mix.
    model.set_option("solver", "ipm");
    model.set_option("run_crossover", "off");
    // A looser duality gap than HiGHS's 1e-8 saves the last IPM iterations (500 agents, 1 week:
    // 7.3 s against 8.4 s); the bound gives the gap back below (the dual objective is within it).
    model.set_option("ipm_optimality_tolerance", IPM_GAP);
    let started = std::time::Instant::now();
    let mut solved = model.try_solve().ok()?;
    // IPX now and then stops short of its tolerance without crossover (status Unknown: one run
    // in five of a 40-agent fixed-counts LP whose rows come in hash order): finish it with
    // crossover within what is left of the limit.
    if solved.status() == HighsModelStatus::Unknown {
        let mut again = highs::Model::from(solved);
        again.set_option("run_crossover", "on");
        again.set_option("time_limit", (time_limit_s - started.elapsed().as_secs_f64()).max(0.1));
        solved = again.try_solve().ok()?;
    }
    if solved.status() != HighsModelStatus::Optimal {
        return None;
    }
    let obj = solved.objective_value();
    let v = total_required + obj - 2.0 * IPM_GAP * (1.0 + obj.abs());
    let sol = solved.get_solution();
    let cols = sol.columns();
    let mut mix: Vec<Vec<Vec<f64>>> = (0..ng)
        .map(|_| m.cands.iter().map(|c| vec![0.0; c.len()]).collect())
        .collect();
    for &(g, d, ci, col) in &xcol {
        mix[g][d][ci] += cols.get(col).copied().unwrap_or(0.0).max(0.0);
    }
    let mut patterns: HashMap<ClassKey, Vec<(u32, f64)>> = HashMap::new();
    for &(key, mask, col) in &ycol {
        let y = cols.get(col).copied().unwrap_or(0.0);
        if y > 1e-6 {
            patterns.entry(key).or_default().push((mask, y));
        }
    }
    let mut day_under = vec![0.0; m.days];
    // The coverage rows were the first added, in (queue, slot) order.
    let mut rows = sol.rows().iter();
    for q in 0..nq {
        for t in t_lo..ns {
            if m.required[q][t] > 0.0 {
                let served = rows.next().copied().unwrap_or(0.0);
                day_under[(t / per_day).min(m.days - 1)] += (m.required[q][t] - served).max(0.0) * h;
            }
        }
    }
    let breaks = bcol.iter().map(|&(g, tpl, k, t, col)| (g, tpl, k, t, cols.get(col + 1).copied().unwrap_or(0.0).max(0.0))).collect();
    let duals = sol.dual_rows();
    let link_dual = link_rows.iter().map(|&(key, r)| (key, duals.get(r).copied().unwrap_or(0.0))).collect();
    // Round away LP noise, never upward past a legal value.
    let under_bound_hours = (v - 1e-6 * v.abs().max(1.0)).max(0.0);
    let whole = (0..nq).all(|q| m.required[q][t_lo..ns].iter().all(|r| r.fract() == 0.0));
    Some(LpResult {
        under_bound_hours,
        roster_bound_hours: if whole { whole_slots_bound(under_bound_hours, h) } else { under_bound_hours },
        mix,
        patterns,
        breaks,
        day_under,
        link_dual,
    })
}

/// Agents of one day who are interchangeable there: skill group, paid minutes, earliest start
/// and latest end (minutes from the horizon start) that rest around the day allows.
pub type DayClass = (usize, i32, i32, i32);

/// Per [`DayClass`] of a day, its agents' rest windows (earliest start, latest end, minutes from
/// the horizon start): see [`day_mix`].
pub type RestWindows = HashMap<DayClass, Vec<(i32, i32)>>;

/// A day's shift mix from [`day_mix`].
#[derive(Debug, Clone)]
pub struct DayMix {
    /// Proven lower bound on the day's under-staffed agent-hours with these counts.
    pub bound_hours: f64,
    /// Under-staffed agent-hours of `shifts` in the day model.
    pub found_hours: Option<f64>,
    /// (class, candidate of the day, how many agents), rounded to whole agents.
    pub shifts: Vec<(DayClass, usize, u32)>,
    /// (group, template, break number k, slot, how many agents start their k-th break there).
    pub breaks: Vec<(usize, usize, usize, usize, u32)>,
}

/// One day `d` with the shifts per [`DayClass`] given: the least under-staffed agent-hours of
/// that day over start times (inside each class's rest window) and break starts, with the gap
/// between breaks and the on-break share as rows (see [`add_breaks`]).
/// `integral` makes shift and break counts integer (a MIP, HiGHS, within the limit; None when it
/// found no integer point).
///
/// `windows` (optional) are, per class, its agents' rest windows (earliest start, latest end):
/// then at least as many of the class's shifts start at or after each earliest start as there
/// are agents who cannot start before it, and likewise for latest ends — the counts a hand-out
/// to those agents needs (Hall's condition on each side), at a few rows instead of a class per
/// window.
///
/// `start` (optional) is the day as it stands, agents per (class, candidate): the MIP starts from
/// it (HiGHS completes the break starts), so it always has an integer point at least that good
/// and its improvement heuristics work from a good one. Without it, a slow machine's second of
/// MIP often ended without any integer point and the day was lost to the plan. The MIP in the
/// LP's box (tried first) does not need it; the whole-day MIP after it does.
///
/// The bound is the day's LP when the box answers (valid for the whole day), else the MIP's.
#[allow(clippy::too_many_arguments)]
pub fn day_mix(
    m: &Model,
    breaks: &crate::rules::BreakPolicy,
    d: usize,
    counts: &HashMap<DayClass, f64>,
    windows: Option<&RestWindows>,
    start: Option<&HashMap<(DayClass, usize), u32>>,
    time_limit_s: f64,
    integral: bool,
) -> Option<DayMix> {
    day_mix_from(m, breaks, d, counts, windows, start, time_limit_s, integral, None)
}

/// [`day_mix`], with the box's LP (see [`lp_box`]) from `warm`, the day's [`DayLp`] kept by the
/// week plans, when it has a row for every class of `counts`: re-solved from its last basis with
/// the rest windows added, it answers in a few hundredths of a second where a fresh LP takes
/// about 0.4 s (500 agents), and the day's MIP gets that time.
#[allow(clippy::too_many_arguments)]
pub fn day_mix_from(
    m: &Model,
    breaks: &crate::rules::BreakPolicy,
    d: usize,
    counts: &HashMap<DayClass, f64>,
    windows: Option<&RestWindows>,
    start: Option<&HashMap<(DayClass, usize), u32>>,
    time_limit_s: f64,
    integral: bool,
    warm: Option<&mut DayLp>,
) -> Option<DayMix> {
    let started = std::time::Instant::now();
    // Two stages: shift counts integer with break starts continuous (HiGHS finds near-optimal
    // counts several times faster with a fifth of the integers), then the break starts integer
    // with those counts fixed, which HiGHS settles at once. If the second stage has no answer in
    // time, the running totals are rounded instead (order, totals, windows and gaps are kept).
    // Stage one searches the LP's box first (see [`lp_box`]: 500 agents × 1 week at 2 s a day,
    // 155.25 under-staffed agent-hours against 183.25 over the whole day, LP 147.38), and the
    // whole day only when the box has no point in time.
    let day = Day { m, breaks, d, counts, windows };
    let boxed = if integral && day_box() { lp_box(&day, 0.85 * time_limit_s, warm) } else { None };
    let StageOne { bound, mut found, mut cols, xcol, bcols } = match boxed {
        Some(b) => {
            // Time left (the box stopped early, short of the LP): the whole day's MIP from the
            // box's point, which it can only better.
            let left = 0.85 * time_limit_s - started.elapsed().as_secs_f64();
            let from_box: HashMap<(DayClass, usize), u32> = b.xcol.iter().map(|&(class, ci, col)| ((class, ci), b.cols[col].round().max(0.0) as u32)).collect();
            // A box point within a quarter agent-hour of the day's LP is as good as it gets
            // (one agent for one 15-minute slot): its time goes back to the caller.
            let settled = b.found.is_some_and(|f| f <= b.bound + 0.25 + 1e-9);
            match (left >= 0.3 && !settled).then(|| full_day_mip(&day, Some(&from_box), left, integral)).flatten() {
                Some(full) if full.found.zip(b.found).is_some_and(|(f, bf)| f < bf - 1e-9) => StageOne { bound: full.bound.max(b.bound), ..full },
                Some(full) => StageOne { bound: full.bound.max(b.bound), ..b },
                None => b,
            }
        }
        None => full_day_mip(&day, start, time_limit_s, integral)?,
    };
    let counts_of: Vec<f64> = xcol.iter().map(|&(_, _, col)| cols.get(col).copied().unwrap_or(0.0).round().max(0.0)).collect();
    if integral {
        let left = time_limit_s - started.elapsed().as_secs_f64();
        let fixed: Vec<(f64, f64)> = counts_of.iter().map(|&n| (n, n)).collect();
        let stage2 = day.model(true, Some(&fixed));
        let total_required = stage2.total_required;
        let mut model = stage2.pb.optimise(Sense::Minimise);
        model.make_quiet();
        model.set_option("time_limit", left.max(0.2));
        model.set_option("threads", 1);
        if let Ok(s2) = model.try_solve()
            && s2.status() != HighsModelStatus::Infeasible
            && s2.primal_solution_status() == highs::HighsSolutionStatus::Feasible
        {
            found = Some(total_required + s2.objective_value());
            cols = s2.get_solution().columns().to_vec();
        }
    }
    let shifts = xcol
        .iter()
        .zip(&counts_of)
        .filter_map(|(&(class, ci, _), &n)| (n >= 1.0).then_some((class, ci, n as u32)))
        .collect();
    // Break starts from the rounded running totals (the column after each start's): whole
    // agents, in the same order, totals kept.
    let mut breaks = Vec::new();
    let mut prev: HashMap<(usize, usize, usize), f64> = HashMap::new();
    for &(g, tpl, k, t, col) in &bcols {
        let p = cols.get(col + 1).copied().unwrap_or(0.0).round();
        let last = prev.insert((g, tpl, k), p).unwrap_or(0.0);
        let n = p - last;
        if n >= 1.0 {
            breaks.push((g, tpl, k, t, n as u32));
        }
    }
    Some(DayMix { bound_hours: (bound - 1e-6 * bound.abs().max(1.0)).max(0.0), found_hours: found, shifts, breaks })
}

/// Day `d`'s LP with the shifts per [`DayClass`] given (rest left out), kept between solves:
/// after the first (interior point with crossover), a change of counts only moves the count
/// rows' bounds and dual simplex starts from the last basis.
///
/// Each solve gives the least under-staffed agent-hours and, per class, the dual of its count
/// row — what one more shift of that class would change them by. The value is convex in the
/// counts, so value + dual · (counts' − counts) never exceeds the value at any other counts' (a
/// cut, see [`crate::weekplan::plan_weeks_cut`]).
pub struct DayLp {
    model: Option<highs::Model>,
    rows: Vec<(DayClass, usize)>,
    /// (class, candidate, column) of each shift count.
    xcol: Vec<(DayClass, usize, usize)>,
    total_required: f64,
    solved_once: bool,
}

/// A [`DayLp`]'s basis (HiGHS statuses of its columns and rows).
pub struct DayBasis {
    cols: Vec<highs_sys::HighsInt>,
    rows: Vec<highs_sys::HighsInt>,
}

/// A day's LP solved at some counts: see [`DayLp::solve`].
pub struct DayLpAnswer {
    /// Least under-staffed agent-hours.
    pub value: f64,
    /// Per class, the dual of its count row.
    pub duals: HashMap<DayClass, f64>,
}

// SAFETY: a HiGHS instance has no thread affinity; `DayLp` owns its instance and is only used
// through `&mut`, so it is never touched by two threads at once.
unsafe impl Send for DayLp {}

impl DayLp {
    /// The LP of day `d` with these classes (their counts are set by [`DayLp::solve`]).
    pub fn new(m: &Model, breaks: &crate::rules::BreakPolicy, d: usize, classes: &[DayClass]) -> DayLp {
        let counts: HashMap<DayClass, f64> = classes.iter().map(|&c| (c, 0.0)).collect();
        let day = Day { m, breaks, d, counts: &counts, windows: None };
        let DayModel { pb, total_required, class_rows, xcol, .. } = day.model(false, None);
        let mut model = pb.optimise(Sense::Minimise);
        model.make_quiet();
        model.set_option("threads", 1);
        DayLp { model: Some(model), rows: class_rows, xcol, total_required, solved_once: false }
    }

    /// The optimal basis of the last solve, None before one.
    pub fn basis(&self) -> Option<DayBasis> {
        let model = self.model.as_ref().filter(|_| self.solved_once)?;
        let mut cols = vec![0 as highs_sys::HighsInt; model.num_cols()];
        let mut rows = vec![0 as highs_sys::HighsInt; model.num_rows()];
        // SAFETY: the buffers have the model's column and row counts.
        let status = unsafe { highs_sys::Highs_getBasis(model.as_ptr(), cols.as_mut_ptr(), rows.as_mut_ptr()) };
        (status == highs_sys::STATUS_OK).then_some(DayBasis { cols, rows })
    }

    /// Starts the next solve by dual simplex from `basis` — another day's of the same shape
    /// (a week earlier: same candidates and classes, only the requirement and counts differ)
    /// — instead of interior point. Whether it was taken (the shapes match).
    pub fn start_from(&mut self, basis: &DayBasis) -> bool {
        let Some(model) = self.model.as_mut() else { return false };
        if self.solved_once || basis.cols.len() != model.num_cols() || basis.rows.len() != model.num_rows() {
            return false;
        }
        // SAFETY: the buffers have the model's column and row counts.
        let status = unsafe { highs_sys::Highs_setBasis(model.as_mut_ptr(), basis.cols.as_ptr(), basis.rows.as_ptr()) };
        self.solved_once = status == highs_sys::STATUS_OK;
        self.solved_once
    }

    /// The day's LP at `counts` (classes not given: zero); None when HiGHS does not reach
    /// optimality in time.
    pub fn solve(&mut self, counts: &HashMap<DayClass, f64>, time_limit_s: f64) -> Option<DayLpAnswer> {
        self.run(counts, time_limit_s, |solved, value, rows| {
            let sol = solved.get_solution();
            let duals = sol.dual_rows();
            DayLpAnswer { value, duals: rows.iter().map(|&(c, r)| (c, duals.get(r).copied().unwrap_or(0.0))).collect() }
        })
    }

    /// The day's LP at `counts` with the Hall rows of `windows` (see [`day_mix`]) added for
    /// good: its value and its shifts per (class, candidate) — the LP of [`lp_box`]. None when a
    /// class of `counts` has no row here (the caller then solves the LP afresh) or without an
    /// optimum in time.
    fn solve_with_windows(
        &mut self,
        m: &Model,
        d: usize,
        counts: &HashMap<DayClass, f64>,
        windows: Option<&RestWindows>,
        time_limit_s: f64,
    ) -> Option<(f64, HashMap<(DayClass, usize), f64>)> {
        if counts.keys().any(|c| !self.rows.iter().any(|r| r.0 == *c)) {
            return None;
        }
        let model = self.model.as_mut()?;
        let mut classes: Vec<(&DayClass, &Vec<(i32, i32)>)> = windows.into_iter().flatten().filter(|(c, _)| counts.contains_key(c)).collect();
        classes.sort_by_key(|x| x.0);
        for (&class, w) in classes {
            for (hall, need) in hall_rows(m, d, class, w) {
                let (idx, val): (Vec<highs_sys::HighsInt>, Vec<f64>) =
                    self.xcol.iter().filter(|x| x.0 == class && hall.holds(&m.cands[d][x.1])).map(|x| (x.2 as highs_sys::HighsInt, 1.0)).unzip();
                // SAFETY: the columns are this model's (recorded when it was built) and the
                // two slices have the length given.
                unsafe { highs_sys::Highs_addRow(model.as_mut_ptr(), need, f64::INFINITY, idx.len() as highs_sys::HighsInt, idx.as_ptr(), val.as_ptr()) };
            }
        }
        let xcol = std::mem::take(&mut self.xcol);
        let out = self.run(counts, time_limit_s, |solved, value, _| {
            let cols = solved.get_solution().columns().to_vec();
            (value, xcol.iter().map(|&(class, ci, col)| ((class, ci), cols.get(col).copied().unwrap_or(0.0))).collect())
        });
        self.xcol = xcol;
        out
    }

    /// Solves at `counts` from the last basis (interior point the first time) and reads the
    /// optimum with `read` (given the under-staffed agent-hours).
    fn run<T>(&mut self, counts: &HashMap<DayClass, f64>, time_limit_s: f64, read: impl FnOnce(&highs::SolvedModel, f64, &[(DayClass, usize)]) -> T) -> Option<T> {
        let mut model = self.model.take()?;
        for &(class, row) in &self.rows {
            let n = counts.get(&class).copied().unwrap_or(0.0);
            // SAFETY: `row` is a row of this model (recorded when it was built).
            unsafe { highs_sys::Highs_changeRowBounds(model.as_mut_ptr(), row as highs_sys::HighsInt, n, n) };
        }
        model.set_option("time_limit", time_limit_s.max(0.1));
        model.set_option("solver", if self.solved_once { "simplex" } else { "ipm" });
        let solved = model.try_solve().ok()?;
        let out = (solved.status() == HighsModelStatus::Optimal).then(|| read(&solved, self.total_required + solved.objective_value(), &self.rows));
        self.solved_once |= out.is_some();
        self.model = Some(highs::Model::from(solved));
        out
    }
}

/// One day's inputs to [`day_mix`], shared by its stages.
struct Day<'a> {
    m: &'a Model,
    breaks: &'a crate::rules::BreakPolicy,
    d: usize,
    counts: &'a HashMap<DayClass, f64>,
    windows: Option<&'a RestWindows>,
}

impl Day<'_> {
    /// The day's model (see [`day_model`]).
    fn model(&self, integral: bool, shift_bounds: Option<&[(f64, f64)]>) -> DayModel {
        day_model(self.m, self.breaks, self.d, self.counts, self.windows, integral, shift_bounds)
    }
}

/// What stage one of [`day_mix`] found.
struct StageOne {
    /// Proven bound on the day's under-staffed agent-hours.
    bound: f64,
    /// Under-staffed agent-hours of the point found.
    found: Option<f64>,
    /// The point, by column of the model below.
    cols: Vec<f64>,
    /// The model's [`DayModel::xcol`] and [`DayModel::bcols`].
    xcol: Vec<(DayClass, usize, usize)>,
    bcols: Vec<(usize, usize, usize, usize, usize)>,
}

/// Whether [`day_mix`] first tries the LP's box (see [`lp_box`]); `CCOPS_DAY_BOX=0` turns it off
/// for comparison.
fn day_box() -> bool {
    std::env::var("CCOPS_DAY_BOX").map_or(true, |v| v != "0")
}

/// Stage one of [`day_mix`] over the whole day: shift counts integer, from the day as it stands.
fn full_day_mip(day: &Day, start: Option<&HashMap<(DayClass, usize), u32>>, time_limit_s: f64, integral: bool) -> Option<StageOne> {
    let DayModel { pb, xcol, bcols, total_required, .. } = day.model(integral, None);
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    if integral && let Some(start) = start {
        let mut cols = vec![0.0; model.num_cols()];
        let mut placed = 0;
        for &(class, ci, col) in &xcol {
            if let Some(&n) = start.get(&(class, ci)) {
                cols[col] = n as f64;
                placed += n;
            }
        }
        // Only a start that places every agent of the day is a point of the model.
        if placed == start.values().sum::<u32>() {
            let _ = model.try_set_solution(Some(&cols), None, None, None);
        }
    }
    model.set_option("time_limit", (if integral { 0.85 } else { 1.0 } * time_limit_s).max(0.1));
    // It runs beside the roster search: one core.
    model.set_option("threads", 1);
    let solved = model.try_solve().ok()?;
    let (bound, found) = if integral {
        // Stopped before the root's bound (a start, little time): the bound is zero.
        let dual = solved.double_info_value(c"mip_dual_bound").ok().filter(|x| x.is_finite()).unwrap_or(-total_required);
        // Without an integer point there is no mix to hand out.
        if solved.status() == HighsModelStatus::Infeasible || solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
            return None;
        }
        (total_required + dual, Some(total_required + solved.objective_value()))
    } else {
        if solved.status() != HighsModelStatus::Optimal {
            return None;
        }
        let v = total_required + solved.objective_value();
        (v, Some(v))
    };
    let cols = solved.get_solution().columns().to_vec();
    Some(StageOne { bound, found, cols, xcol, bcols })
}

/// Stage one of [`day_mix`] in the LP's box: the day's LP, then the MIP with each shift count
/// between the floor and the ceiling of its LP value. The LP is near the day's integer optimum
/// (within a quarter agent-hour on 500-agent days given time), and the box leaves HiGHS a few
/// hundred binary choices instead of the whole day, so it settles in a fraction of the time.
/// The bound is the LP's (the box MIP's own bound holds only inside the box). None when the box
/// has no integer point in time (the full MIP then runs).
fn lp_box(day: &Day, time_limit_s: f64, warm: Option<&mut DayLp>) -> Option<StageOne> {
    let started = std::time::Instant::now();
    if let Some(lp) = warm
        && let Some((value, x)) = lp.solve_with_windows(day.m, day.d, day.counts, day.windows, 0.5 * time_limit_s)
    {
        let counts: Vec<f64> = shift_order(day.m, day.d, day.counts).iter().map(|k| x.get(k).copied().unwrap_or(0.0).max(0.0)).collect();
        if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
            eprintln!("box LP day {} (warm): {:.3}s", day.d, started.elapsed().as_secs_f64());
        }
        return box_mip(day, value, &counts, started, time_limit_s);
    }
    let DayModel { pb, xcol, total_required, .. } = day.model(false, None);
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    model.set_option("time_limit", (0.8 * (time_limit_s - started.elapsed().as_secs_f64())).max(0.1));
    model.set_option("threads", 1);
    // Interior point with crossover: a vertex (few fractional counts, a small box) in about half
    // the time of dual simplex (500-agent days: 0.4–0.6 s against 0.5–0.9 s).
    // (Without crossover: 500 × 1 at 2 s a day, 172 against 156.)
    model.set_option("solver", "ipm");
    let solved = model.try_solve().ok()?;
    if solved.status() != HighsModelStatus::Optimal {
        return None;
    }
    if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
        eprintln!("box LP day {}: {:.3}s", day.d, started.elapsed().as_secs_f64());
    }
    let x = solved.get_solution().columns().to_vec();
    // The LP's shift counts, in the order of `xcol` (the same in both models).
    let counts: Vec<f64> = xcol.iter().map(|&(_, _, col)| x.get(col).copied().unwrap_or(0.0).max(0.0)).collect();
    box_mip(day, total_required + solved.objective_value(), &counts, started, time_limit_s)
}

/// The MIP of [`lp_box`] in the box of `lp_counts` (the LP's shift counts, in the order of the
/// day model's shift columns), whose value `bound` is the day's bound; until `time_limit_s`
/// after `started`. (Given the week plans' day LPs' points instead — dual simplex from a
/// basis, no rest windows — the boxes were worse: 500 × 4 at 60 s, 563.25–564.50 against
/// 558.25–558.75.)
fn box_mip(day: &Day, bound: f64, lp_counts: &[f64], started: std::time::Instant, time_limit_s: f64) -> Option<StageOne> {
    let shift_bounds: Vec<(f64, f64)> = lp_counts.iter().map(|&v| ((v + 1e-6).floor(), (v - 1e-6).ceil().max((v + 1e-6).floor()))).collect();
    let DayModel { pb, xcol, bcols, total_required, cov_rows, .. } = day.model(true, Some(&shift_bounds));
    let mut model = pb.optimise(Sense::Minimise);
    model.make_quiet();
    // A point in the box at once: each class's counts rounded along its running total (every
    // count to its floor or ceiling, the class's total kept), the break starts completed by
    // HiGHS. (500 × 1 at 2 s a day: 155.25 against 156.00 without.)
    let mut start = vec![0.0; model.num_cols()];
    let mut run: HashMap<DayClass, f64> = HashMap::new();
    for (&(class, _, col), &v) in xcol.iter().zip(lp_counts) {
        let before = run.get(&class).copied().unwrap_or(0.0);
        run.insert(class, before + v);
        start[col] = ((before + v + 0.5).floor() - (before + 0.5).floor()).max(0.0);
    }
    let _ = model.try_set_solution(Some(&start), None, None, None);
    // HiGHS's own search first; on a day it cannot settle, the neighbourhoods below.
    let whole = time_limit_s - started.elapsed().as_secs_f64();
    let first = if whole < BOX_FIRST_MIN_SECONDS { BOX_FIRST_SHORT_SHARE } else { BOX_FIRST_SHARE };
    model.set_option("time_limit", (if day_lns() { first } else { 1.0 } * whole).max(0.1));
    model.set_option("threads", 1);
    let solved = model.try_solve().ok()?;
    if solved.status() == HighsModelStatus::Infeasible || solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
        return None;
    }
    let first = total_required + solved.objective_value();
    let optimal = solved.status() == HighsModelStatus::Optimal;
    let sol = solved.get_solution();
    let mut point = BoxPoint { found: first, cols: sol.columns().to_vec(), rows: sol.rows().to_vec() };
    let mut subs = 0;
    if !optimal {
        let free: Vec<usize> = (0..xcol.len()).filter(|&i| shift_bounds[i].1 > shift_bounds[i].0).collect();
        let mut model = highs::Model::from(solved);
        let mut rng = crate::solver::Rng::new(day.d as u64 + 17);
        while point.found > bound + 0.25 + 1e-9 && !free.is_empty() {
            let left = time_limit_s - started.elapsed().as_secs_f64();
            if left < 0.15 {
                break;
            }
            let open = neighbourhood(day, &xcol, &free, &cov_rows, &point.rows, &mut rng);
            for &i in &free {
                let col = xcol[i].2;
                let (lo, hi) = if open.contains(&i) { shift_bounds[i] } else { (point.cols[col].round(), point.cols[col].round()) };
                // SAFETY: `col` is a column of this model.
                unsafe { highs_sys::Highs_changeColBounds(model.as_mut_ptr(), col as highs_sys::HighsInt, lo, hi) };
            }
            let _ = model.try_set_solution(Some(&point.cols), None, None, None);
            model.set_option("time_limit", LNS_STEP_SECONDS.min(left));
            let Ok(solved) = model.try_solve() else { break };
            subs += 1;
            if solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible && total_required + solved.objective_value() < point.found - 1e-9 {
                let sol = solved.get_solution();
                point = BoxPoint { found: total_required + solved.objective_value(), cols: sol.columns().to_vec(), rows: sol.rows().to_vec() };
            }
            model = highs::Model::from(solved);
        }
    }
    if std::env::var("CCOPS_DEBUG_REPLAN").is_ok() {
        let free = shift_bounds.iter().filter(|b| b.1 > b.0).count();
        eprintln!(
            "box MIP day {}: {free} of {} counts free, optimal {optimal}, found {first:.2} then {:.2} in {subs} sub-MIPs, LP {bound:.2}, {:.2}s in all",
            day.d,
            shift_bounds.len(),
            point.found,
            started.elapsed().as_secs_f64()
        );
    }
    Some(StageOne { bound, found: Some(point.found), cols: point.cols, xcol, bcols })
}

/// Share of the box's time for HiGHS's own search before the neighbourhoods of [`box_mip`]. On
/// the quiet days (LP near zero) HiGHS spends seconds separating cuts at the root before its
/// sub-MIP heuristics find what is there; small sub-MIPs get there at once. 16 quiet days of 500
/// agents × 4 weeks at 2 s a day: 27.00 under-staffed agent-hours with HiGHS alone, 21.00–22.00
/// at 0.2–0.3 (LPs 13.53); `CCOPS_DAY_LNS=0` turns the neighbourhoods off.
const BOX_FIRST_SHARE: f64 = 0.3;

/// A box with less time than this (seconds) gives HiGHS only [`BOX_FIRST_SHORT_SHARE`] of it:
/// so short a first phase ends before HiGHS's heuristics run (their effort setting changed
/// nothing), and the neighbourhoods need the time. The 16 quiet days of `dayprobe` (500 × 4, cut plans
/// 540.89, LPs 4.96): at 1.5 s a day 14.00 under-staffed agent-hours with 0.3 and 12.25 with
/// 0.05; at 2 s 12.75 and 12.25; at 3 s 11.75 and 12.25 (the neighbourhoods alone settle by
/// 1.5 s, where HiGHS's first point leads further given the time).
const BOX_FIRST_MIN_SECONDS: f64 = 2.5;
const BOX_FIRST_SHORT_SHARE: f64 = 0.05;

/// Time limit of one sub-MIP of [`box_mip`], seconds.
const LNS_STEP_SECONDS: f64 = 0.2;

/// Most counts a sub-MIP of [`box_mip`] leaves free (the rest held at the point).
const LNS_OPEN: usize = 24;

/// A sub-MIP frees the counts whose shifts start or end within this many minutes of its short slot.
const LNS_REACH_MINUTES: i32 = 120;

fn day_lns() -> bool {
    std::env::var("CCOPS_DAY_LNS").map_or(true, |v| v != "0")
}

/// The box MIP's best point: under-staffed agent-hours, columns and row activities.
struct BoxPoint {
    found: f64,
    cols: Vec<f64>,
    rows: Vec<f64>,
}

/// The counts (indices into `xcol`, among `free`) a sub-MIP of [`box_mip`] may move: around a
/// slot the point leaves short (drawn by how short), those whose shifts start or end within
/// [`LNS_REACH_MINUTES`] of it and half of those that cover it, at most [`LNS_OPEN`]. Empty when
/// no slot is short.
fn neighbourhood(day: &Day, xcol: &[(DayClass, usize, usize)], free: &[usize], cov_rows: &[(usize, usize, f64)], rows: &[f64], rng: &mut crate::solver::Rng) -> Vec<usize> {
    let short: Vec<(usize, f64)> = cov_rows.iter().map(|&(t, r, req)| (t, req - rows.get(r).copied().unwrap_or(req))).filter(|x| x.1 > 1e-6).collect();
    let total: f64 = short.iter().map(|x| x.1).sum();
    let mut pick = rng.unit() * total;
    let Some(mut at) = short.first().map(|x| x.0) else { return Vec::new() };
    for &(t, w) in &short {
        at = t;
        pick -= w;
        if pick <= 0.0 {
            break;
        }
    }
    let tmin = at as i32 * day.m.slot;
    let near = |x: i32| (x - tmin).abs() <= LNS_REACH_MINUTES;
    let mut open: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| {
            let c = &day.m.cands[day.d][xcol[i].1];
            near(c.start) || near(c.start + c.len) || (c.start <= tmin && tmin < c.start + c.len && rng.unit() < 0.5)
        })
        .collect();
    while open.len() > LNS_OPEN {
        open.swap_remove(rng.below(open.len()));
    }
    open
}

/// Whether candidate `c` may carry a shift of `class` (its paid length, inside its window).
fn fits(c: &crate::model::Cand, class: DayClass) -> bool {
    let (_, paid, lo, hi) = class;
    c.paid == paid && c.start >= lo && c.start + c.len <= hi
}

/// One Hall row of a class's rest windows (see [`day_mix`]): the shifts that start at or after
/// a time, or that end by one.
enum Hall {
    StartsFrom(i32),
    EndsBy(i32),
}

impl Hall {
    fn holds(&self, c: &crate::model::Cand) -> bool {
        match *self {
            Hall::StartsFrom(tau) => c.start >= tau,
            Hall::EndsBy(tau) => c.start + c.len <= tau,
        }
    }
}

/// The Hall rows of `class` on day `d` for its agents' rest windows `w`, each with how many of
/// the class's shifts it needs: as many starting at or after each earliest start as agents who
/// cannot start before it, likewise for latest ends (thresholds the class's candidates meet
/// anyway are left out).
fn hall_rows(m: &Model, d: usize, class: DayClass, w: &[(i32, i32)]) -> Vec<(Hall, f64)> {
    let first = m.cands[d].iter().filter(|c| fits(c, class)).map(|c| c.start).min().unwrap_or(i32::MAX);
    let last = m.cands[d].iter().filter(|c| fits(c, class)).map(|c| c.start + c.len).max().unwrap_or(i32::MIN);
    let mut rows = Vec::new();
    let mut los: Vec<i32> = w.iter().map(|x| x.0).filter(|&x| x > first).collect();
    los.sort_unstable();
    los.dedup();
    rows.extend(los.into_iter().map(|tau| (Hall::StartsFrom(tau), w.iter().filter(|x| x.0 >= tau).count() as f64)));
    let mut his: Vec<i32> = w.iter().map(|x| x.1).filter(|&x| x < last).collect();
    his.sort_unstable();
    his.dedup();
    rows.extend(his.into_iter().map(|tau| (Hall::EndsBy(tau), w.iter().filter(|x| x.1 <= tau).count() as f64)));
    rows
}

/// The (class, candidate) of each shift column of [`day_model`] with `counts`, in column order.
fn shift_order(m: &Model, d: usize, counts: &HashMap<DayClass, f64>) -> Vec<(DayClass, usize)> {
    let mut classes: Vec<DayClass> = counts.keys().copied().collect();
    // Groups in order, each group's classes sorted: the order of `day_model`.
    classes.sort();
    classes.iter().flat_map(|&class| m.cands[d].iter().enumerate().filter(move |(_, c)| fits(c, class)).map(move |(ci, _)| (class, ci))).collect()
}

/// The day model of [`day_mix`] and where its columns are.
struct DayModel {
    pb: ColProblem,
    /// (class, candidate, column) of each shift count.
    xcol: Vec<(DayClass, usize, usize)>,
    /// (group, template, break number, slot, column) of each break start; its running total is
    /// the next column.
    bcols: Vec<(usize, usize, usize, usize, usize)>,
    total_required: f64,
    /// (class, row) of each class's count row, for its dual.
    class_rows: Vec<(DayClass, usize)>,
    /// (slot, row, required agents) of each queue's coverage row.
    cov_rows: Vec<(usize, usize, f64)>,
}

fn day_model(
    m: &Model,
    breaks: &crate::rules::BreakPolicy,
    d: usize,
    counts: &HashMap<DayClass, f64>,
    windows: Option<&RestWindows>,
    integral: bool,
    shift_bounds: Option<&[(f64, f64)]>,
) -> DayModel {
    // With the shift counts fixed (the second stage), the break starts are integer.
    let integral_breaks = shift_bounds.is_some_and(|b| b.iter().all(|x| x.0 == x.1));
    let gap = breaks.min_gap_minutes as i32;
    let frac = breaks.max_on_break_fraction;
    let (ng, nq) = (m.group_mask.len(), m.queues.len());
    let slot = m.slot;
    let per_day = (1440 / slot) as usize;
    let (t_lo, ns) = (d * per_day, ((d + 1) * per_day).min(m.nslots));
    let h = m.slot_hours();
    let mut pb = ColProblem::default();
    let mut ncols = 0usize;
    let mut cap: HashMap<(usize, usize), Row> = HashMap::new();
    let mut cov: HashMap<(usize, usize), Row> = HashMap::new();
    let mut xcol: Vec<(DayClass, usize, usize)> = Vec::new();
    let mut bcols: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    let mut class_rows: Vec<(DayClass, usize)> = Vec::new();
    let mut cov_rows: Vec<(usize, usize, f64)> = Vec::new();
    let mut total_required = 0.0;
    for q in 0..nq {
        for t in t_lo..ns {
            if m.required[q][t] > 0.0 {
                cov_rows.push((t, pb.num_rows(), m.required[q][t]));
                cov.insert((q, t), pb.add_row(..=m.required[q][t]));
                total_required += m.required[q][t] * h;
            }
        }
    }
    // On break at most `frac` of those at work (`max(1, ⌊frac·n⌋)` allows a little more when
    // few are at work; the plan keeps the stricter share, so it can always be handed out).
    let on_break: HashMap<usize, Row> = if frac < 1.0 { (t_lo..ns).map(|t| (t, pb.add_row(..=0.0))).collect() } else { HashMap::new() };
    for g in 0..ng {
        for t in t_lo..ns {
            if (0..nq).any(|q| m.group_mask[g] & (1 << q) != 0 && m.required[q][t] > 0.0) {
                cap.insert((g, t), pb.add_row(..=0.0));
            }
        }
        // The group's classes in a fixed order, so that the model is the same every run.
        let mut classes: Vec<(DayClass, f64)> = counts.iter().filter(|(k, _)| k.0 == g).map(|(&k, &n)| (k, n)).collect();
        if classes.is_empty() {
            continue;
        }
        classes.sort_by_key(|c| c.0);
        let mut bc = Vec::new();
        let brk = add_breaks(&mut pb, &mut ncols, &m.cands[d], slot, integral_breaks, gap, |t| cap.get(&(g, t)).copied(), |t| on_break.get(&t).copied(), Some(&mut bc));
        bcols.extend(bc.into_iter().map(|(tpl, k, t, col)| (g, tpl, k, t, col)));
        let shared: Vec<Vec<(Row, f64)>> = m.cands[d]
            .iter()
            .zip(brk)
            .map(|(c, brk_entries)| {
                let mut entries = shift_cover(c, slot, ns, &cap, g);
                entries.extend(brk_entries);
                let (t0, t1) = ((c.start / slot) as usize, (((c.start + c.len) / slot) as usize).min(ns));
                entries.extend((t0..t1).filter_map(|t| on_break.get(&t)).map(|&r| (r, -frac)));
                entries
            })
            .collect();
        for (class, n) in classes {
            class_rows.push((class, pb.num_rows()));
            let r = pb.add_row(n..=n);
            let hall: Vec<(Hall, Row)> = windows.and_then(|w| w.get(&class)).map_or_else(Vec::new, |w| hall_rows(m, d, class, w).into_iter().map(|(h, need)| (h, pb.add_row(need..))).collect());
            for (ci, c) in m.cands[d].iter().enumerate() {
                if !fits(c, class) {
                    continue;
                }
                let mut entries = shared[ci].clone();
                entries.push((r, 1.0));
                entries.extend(hall.iter().filter(|x| x.0.holds(c)).map(|x| (x.1, 1.0)));
                match shift_bounds.and_then(|f| f.get(xcol.len())) {
                    Some(&(lo, hi)) if lo == hi => pb.add_column(0.0, lo..=hi, entries),
                    Some(&(lo, hi)) => pb.add_column_with_integrality(0.0, lo..=hi, entries, integral),
                    None => pb.add_column_with_integrality(0.0, 0.0.., entries, integral),
                }
                xcol.push((class, ci, ncols));
                ncols += 1;
            }
        }
        for t in t_lo..ns {
            let Some(&cr) = cap.get(&(g, t)) else { continue };
            for q in 0..nq {
                if m.group_mask[g] & (1 << q) != 0
                    && let Some(&qr) = cov.get(&(q, t))
                {
                    pb.add_column(-h, 0.0.., [(cr, 1.0), (qr, 1.0)]);
                    ncols += 1;
                }
            }
        }
    }
    DayModel { pb, xcol, bcols, total_required, class_rows, cov_rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;

    /// With rest windows, a day's mix leaves as many late shifts per class as agents who cannot
    /// start earlier (Hall's condition, so the hand-out can serve everyone); without them, the
    /// day's best mix does not.
    #[test]
    fn rest_windows_make_a_mix_every_agent_can_take() {
        let p = generate(40, 1, 5);
        let m = Model::compile(&p).expect("model");
        let d = 1;
        let sol = crate::solve(&p, &crate::SolveOptions { max_moves: 0, day_mip: false, ..Default::default() }, &mut |_| true).expect("solve");
        let per_day = crate::roster_day_counts(&p, &sol.roster).expect("counts");
        let counts: HashMap<DayClass, f64> = per_day
            .iter()
            .filter(|(k, _)| k.1 == d)
            .map(|(&(g, _, paid), &n)| ((g, paid, i32::MIN, i32::MAX), n))
            .collect();
        // Two in five agents of each class worked late yesterday: no start before 12:00.
        let noon = (d * 1440 + 720) as i32;
        let windows: HashMap<DayClass, Vec<(i32, i32)>> = counts
            .iter()
            .map(|(&k, &n)| (k, (0..n as usize).map(|i| (if i % 5 < 2 { noon } else { i32::MIN }, i32::MAX)).collect()))
            .collect();
        let late_enough = |mix: &DayMix| {
            windows.iter().all(|(k, w)| {
                let late = mix.shifts.iter().filter(|s| s.0 == *k && m.cands[d][s.1].start >= noon).map(|s| s.2 as usize).sum::<usize>();
                late >= w.iter().filter(|x| x.0 >= noon).count()
            })
        };
        let free = day_mix(&m, &p.rules.breaks, d, &counts, None, None, 60.0, true).expect("a mix");
        let held = day_mix(&m, &p.rules.breaks, d, &counts, Some(&windows), None, 60.0, true).expect("a mix");
        assert!(!late_enough(&free), "the unconstrained mix already starts enough late shifts: the test shows nothing");
        assert!(late_enough(&held), "the mix leaves agents who start at noon without a shift");
        let n = |mix: &DayMix| mix.shifts.iter().map(|s| s.2 as f64).sum::<f64>();
        assert_eq!(n(&held), counts.values().sum::<f64>());
        assert!(held.found_hours.expect("found") >= free.bound_hours - 1e-6, "holding shifts late cannot beat the free day");
    }

    /// The week plans' kept day LP, moved to other counts and given the rest windows' rows, is
    /// the day's fresh LP with those windows: same value, the counts and the late starts kept.
    /// A class it has no row for is declined (the box then solves the LP afresh).
    #[test]
    fn a_kept_day_lp_with_windows_is_the_fresh_lp() {
        let p = generate(40, 1, 5);
        let m = Model::compile(&p).expect("model");
        let d = 1;
        let sol = crate::solve(&p, &crate::SolveOptions { max_moves: 0, day_mip: false, ..Default::default() }, &mut |_| true).expect("solve");
        let per_day = crate::roster_day_counts(&p, &sol.roster).expect("counts");
        let counts: HashMap<DayClass, f64> = per_day.iter().filter(|(k, _)| k.1 == d).map(|(&(g, _, paid), &n)| ((g, paid, i32::MIN, i32::MAX), n)).collect();
        let noon = (d * 1440 + 720) as i32;
        let windows: RestWindows = counts.iter().map(|(&k, &n)| (k, (0..n as usize).map(|i| (if i % 5 < 2 { noon } else { i32::MIN }, i32::MAX)).collect())).collect();
        let classes: Vec<DayClass> = counts.keys().copied().collect();
        let mut kept = DayLp::new(&m, &p.rules.breaks, d, &classes);
        // Its basis from other counts first, as the week plans leave it.
        let other: HashMap<DayClass, f64> = counts.iter().map(|(&k, &n)| (k, n + 1.0)).collect();
        kept.solve(&other, 60.0).expect("day LP");
        let fresh = day_mix(&m, &p.rules.breaks, d, &counts, Some(&windows), None, 60.0, false).expect("the day's LP");
        let (value, shifts) = kept.solve_with_windows(&m, d, &counts, Some(&windows), 60.0).expect("warm day LP");
        assert!((value - fresh.bound_hours).abs() < 1e-5 * value.max(1.0), "warm {value} fresh {}", fresh.bound_hours);
        for (k, w) in &windows {
            let of = |late: bool| shifts.iter().filter(|((c, ci), _)| c == k && (!late || m.cands[d][*ci].start >= noon)).map(|x| x.1).sum::<f64>();
            assert!((of(false) - counts[k]).abs() < 1e-6, "class {k:?}: {} shifts for {}", of(false), counts[k]);
            let need = w.iter().filter(|x| x.0 >= noon).count() as f64;
            assert!(of(true) >= need - 1e-6, "class {k:?}: {} late shifts for {need} agents who start at noon", of(true));
        }
        assert_eq!(shift_order(&m, d, &counts).len(), shifts.len(), "the box reads every shift column");
        let day = Day { m: &m, breaks: &p.rules.breaks, d, counts: &counts, windows: Some(&windows) };
        let columns: Vec<(DayClass, usize)> = day.model(true, None).xcol.iter().map(|x| (x.0, x.1)).collect();
        assert_eq!(shift_order(&m, d, &counts), columns, "the box's counts would land on other columns");
        let mut missing = counts.clone();
        missing.insert((usize::MAX, 0, i32::MIN, i32::MAX), 1.0);
        assert!(kept.solve_with_windows(&m, d, &missing, None, 60.0).is_none(), "a class without a row was not declined");
    }

    /// A day's MIP in its LP's box (each shift count at the floor or the ceiling of its LP
    /// value) keeps every class's count, reports the day's LP as its bound, and lands within an
    /// agent-hour of it. With the box rounded the wrong way (every count at its floor) the box has
    /// no point and the test fails.
    #[test]
    fn the_lp_box_rounds_a_day_to_whole_agents_near_its_lp() {
        let p = generate(120, 1, 3);
        let m = Model::compile(&p).expect("model");
        let lp = under_bound(&m, &p.rules, 60.0).expect("LP");
        let plan = crate::weekplan::plan_weeks(&m, &p.rules, &lp, 10.0);
        let counts = crate::weekplan::plan_counts(&m, &plan);
        for d in [1, 4] {
            let day: HashMap<DayClass, f64> =
                counts.iter().filter(|(k, _)| k.1 == d).map(|(&(g, _, paid), &n)| ((g, paid, i32::MIN, i32::MAX), n)).collect();
            let relaxed = day_mix(&m, &p.rules.breaks, d, &day, None, None, 60.0, false).expect("the day's LP");
            let StageOne { bound, found, cols, xcol, .. } = lp_box(&Day { m: &m, breaks: &p.rules.breaks, d, counts: &day, windows: None }, 10.0, None).expect("a point in the box");
            let found = found.expect("found");
            assert!((bound - relaxed.bound_hours).abs() < 1e-3, "day {d}: box bound {bound:.3}, day LP {:.3}", relaxed.bound_hours);
            assert!(found >= bound - 1e-6 && found <= bound + 1.0, "day {d}: box {found:.2}, LP {bound:.2}");
            for (class, n) in &day {
                let got: f64 = xcol.iter().filter(|x| x.0 == *class).map(|x| cols[x.2]).sum();
                assert!((got - n).abs() < 1e-6, "day {d} class {class:?}: {got} shifts for {n} agents");
                assert!(xcol.iter().filter(|x| x.0 == *class).all(|x| (cols[x.2] - cols[x.2].round()).abs() < 1e-6), "whole agents");
            }
            // The whole day through `day_mix`: the same bound, whole agents.
            let mix = day_mix(&m, &p.rules.breaks, d, &day, None, None, 3.0, true).expect("a mix");
            assert!((mix.bound_hours - bound).abs() < 1e-3);
            assert_eq!(mix.shifts.iter().map(|s| s.2 as f64).sum::<f64>(), day.values().sum::<f64>());
        }
    }

    /// A day's LP started from the basis of the same weekday a week earlier (same shape, other
    /// requirement and counts) reaches the fresh LP's value; a basis of another shape is refused.
    #[test]
    fn a_day_lp_from_last_weeks_basis_is_the_fresh_lp() {
        let p = generate(60, 2, 3);
        let m = Model::compile(&p).expect("model");
        let classes = |d: usize| -> Vec<DayClass> {
            let mut paid: Vec<i32> = m.cands[d].iter().map(|c| c.paid).collect();
            paid.sort_unstable();
            paid.dedup();
            (0..m.group_mask.len()).flat_map(|g| paid.iter().map(move |&q| (g, q, i32::MIN, i32::MAX))).collect()
        };
        let counts = |d: usize, k: usize| -> HashMap<DayClass, f64> { classes(d).iter().enumerate().map(|(i, &c)| (c, ((2 * i + k) % 5 + 1) as f64)).collect() };
        let mut before = DayLp::new(&m, &p.rules.breaks, 1, &classes(1));
        assert!(before.basis().is_none(), "a basis before any solve");
        before.solve(&counts(1, 0), 60.0).expect("day LP");
        let basis = before.basis().expect("a basis");
        let mut warm = DayLp::new(&m, &p.rules.breaks, 8, &classes(8));
        assert!(warm.start_from(&basis), "the same weekday's basis was refused");
        let got = warm.solve(&counts(8, 1), 60.0).expect("warm day LP").value;
        let fresh = DayLp::new(&m, &p.rules.breaks, 8, &classes(8)).solve(&counts(8, 1), 60.0).expect("day LP").value;
        assert!((got - fresh).abs() < 1e-6 * fresh.max(1.0), "warm {got} fresh {fresh}");
        let mut other = DayLp::new(&m, &p.rules.breaks, 8, &classes(8)[..1]);
        assert!(!other.start_from(&basis), "a basis of another shape was taken");
    }

    /// A sub-MIP's neighbourhood frees only counts the box leaves free, near the one short slot
    /// (start or end within reach, or covering it), at most [`LNS_OPEN`] of them; with no slot
    /// short there is nothing to free.
    #[test]
    fn sub_mips_free_counts_near_the_short_slot() {
        let p = generate(120, 1, 3);
        let m = Model::compile(&p).expect("model");
        let d = 1;
        let counts: HashMap<DayClass, f64> = (0..m.group_mask.len()).flat_map(|g| m.cands[d].iter().map(move |c| ((g, c.paid, i32::MIN, i32::MAX), 6.0))).collect();
        let day = Day { m: &m, breaks: &p.rules.breaks, d, counts: &counts, windows: None };
        let DayModel { xcol, cov_rows, pb, .. } = day.model(true, None);
        let free: Vec<usize> = (0..xcol.len()).filter(|i| i % 3 != 0).collect();
        let mut rows = vec![0.0; pb.num_rows()];
        for &(_, r, req) in &cov_rows {
            rows[r] = req;
        }
        let mut rng = crate::solver::Rng::new(5);
        assert!(neighbourhood(&day, &xcol, &free, &cov_rows, &rows, &mut rng).is_empty(), "no slot is short");
        // One slot short, mid-morning.
        let &(t, r, req) = cov_rows.iter().find(|x| (x.0 as i32 * m.slot) % 1440 == 10 * 60).expect("a 10:00 slot");
        rows[r] = req - 1.0;
        let tmin = t as i32 * m.slot;
        for _ in 0..20 {
            let open = neighbourhood(&day, &xcol, &free, &cov_rows, &rows, &mut rng);
            assert!(!open.is_empty() && open.len() <= LNS_OPEN, "{} counts free", open.len());
            for i in open {
                assert!(free.contains(&i), "count {i} is fixed in the box");
                let c = &m.cands[d][xcol[i].1];
                let near = |x: i32| (x - tmin).abs() <= LNS_REACH_MINUTES;
                assert!(near(c.start) || near(c.start + c.len) || (c.start <= tmin && tmin < c.start + c.len), "shift {}+{} is far from the slot", c.start, c.len);
            }
        }
    }

    /// The same instance gives the same LP point every time: its columns do not follow hash-map
    /// order (the optimum is not unique, and HiGHS's choice among optimal points follows the
    /// column order, so the week plans built from it moved from run to run).
    #[test]
    fn the_lp_point_does_not_depend_on_hash_order() {
        let p = generate(60, 1, 4);
        let m = Model::compile(&p).expect("model");
        let first = under_bound(&m, &p.rules, 60.0).expect("LP");
        for _ in 0..2 {
            let again = under_bound(&m, &p.rules, 60.0).expect("LP");
            assert_eq!(first.mix, again.mix, "another LP point");
        }
    }

    /// Fixing the shifts per (group, day, paid length) to a solved roster's gives a bound at
    /// least the plain LP's (more rows) and at most that roster's under-staffing (the roster is
    /// a point of the fixed LP).
    #[test]
    fn fixed_day_counts_bound_lies_between_the_bound_and_the_roster() {
        let p = generate(40, 1, 2);
        let m = Model::compile(&p).expect("model");
        let opts = crate::SolveOptions { max_moves: 20_000, ..Default::default() };
        let sol = crate::solve(&p, &opts, &mut |_| true).expect("roster");
        let counts = crate::solver::roster_day_counts(&p, &sol.roster).expect("counts");
        assert_eq!(counts.values().sum::<f64>() as usize, sol.shifts, "every shift counted");
        let plain = under_bound(&m, &p.rules, 60.0).expect("plain LP optimal").under_bound_hours;
        let fixed = under_bound_with(&m, &p.rules, 60.0, Some(&counts)).expect("fixed LP optimal").under_bound_hours;
        assert!(plain <= fixed + 1e-4, "plain {plain} > fixed {fixed}");
        assert!(fixed <= sol.under_hours + 1e-4, "fixed {fixed} > roster {}", sol.under_hours);
        assert!(fixed > plain + 1e-3 || (fixed - sol.under_hours).abs() < 1e-3, "the fixed rows changed nothing: {plain} {fixed} {}", sol.under_hours);
    }

    /// Whole slots: a value a hair above a multiple stays on it, anything more goes up a slot.
    #[test]
    fn whole_slots_bound_rounds_up_to_the_next_slot() {
        assert_eq!(whole_slots_bound(0.0, 0.25), 0.0);
        assert_eq!(whole_slots_bound(1.25, 0.25), 1.25);
        assert_eq!(whole_slots_bound(1.25 + 1e-9, 0.25), 1.25);
        assert_eq!(whole_slots_bound(1.26, 0.25), 1.5);
        assert_eq!(whole_slots_bound(1.49, 0.25), 1.5);
        assert_eq!(whole_slots_bound(0.01, 0.5), 0.5);
        assert_eq!(whole_slots_bound(-1e-9, 0.25), 0.0);
    }

    /// On generated weeks (whole requirements) each block's bound is lifted to whole slots: at
    /// most a slot per block above the LP, on a multiple of the slot, and a solved roster is
    /// never below it.
    #[test]
    fn roster_bound_is_the_lp_in_whole_slots() {
        let p = generate(10, 2, 3);
        let m = Model::compile(&p).expect("model");
        let lp = under_bound(&m, &p.rules, 60.0).expect("block LPs optimal");
        let (b, h) = (lp.roster_bound_hours, m.slot_hours());
        let blocks = week_blocks(&m).len() as f64;
        assert!(b >= lp.under_bound_hours && b < lp.under_bound_hours + blocks * h, "LP {} whole slots {b}", lp.under_bound_hours);
        assert!(((b / h) - (b / h).round()).abs() < 1e-9, "{b} is not whole slots");
        let opts = crate::SolveOptions { max_moves: 20_000, day_mip: false, ..Default::default() };
        let sol = crate::solve(&p, &opts, &mut |_| true).expect("solve");
        assert_eq!(sol.under_bound_hours, Some(b));
        assert!(sol.under_hours >= b - 1e-9, "roster {} below the bound {b}", sol.under_hours);
        // A half agent required somewhere in each week: a roster's shortfall need not be whole
        // slots, and neither block is rounded.
        let mut q = p.clone();
        for t in [600, 7 * 96 + 600] {
            q.requirements.required[0][t] += 0.5;
        }
        let mq = Model::compile(&q).expect("model");
        let lq = under_bound(&mq, &q.rules, 60.0).expect("LP");
        assert_eq!(lq.roster_bound_hours, lq.under_bound_hours);
    }

    /// Two generated weeks (shifts end by 22:30, so the weeks are independent): the blocks are
    /// the two weeks, and the sum of their bounds equals the bound of one LP over the whole
    /// horizon — the decomposition loses nothing.
    #[test]
    fn week_blocks_add_up_to_the_whole_lp() {
        let p = generate(20, 2, 3);
        let m = Model::compile(&p).expect("model");
        assert_eq!(week_blocks(&m), vec![(0, 7), (7, 14)]);
        let whole = under_bound_days(&m, &p.rules, 0, m.days, 60.0, None).expect("whole LP optimal");
        let split = under_bound(&m, &p.rules, 60.0).expect("block LPs optimal");
        // Each LP gives back its IPM gap, which scales with its objective: a few 1e-4 apart.
        assert!(
            (whole.under_bound_hours - split.under_bound_hours).abs() < 2e-3,
            "whole {} vs blocks {}",
            whole.under_bound_hours,
            split.under_bound_hours
        );
        // Each block's shift mix lands on its own days only.
        let agents_week1: f64 = split.mix.iter().map(|g| g[..7].iter().flatten().sum::<f64>()).sum();
        let agents_week2: f64 = split.mix.iter().map(|g| g[7..].iter().flatten().sum::<f64>()).sum();
        assert!(agents_week1 > 0.0 && agents_week2 > 0.0);
    }

    /// A day's LP is convex in its counts: the cut from one set of counts (value plus duals times
    /// the change) lies below the value at others, and a re-solve from the kept basis gives
    /// what a fresh solve gives. With the duals' sign flipped the cut is violated and the test
    /// fails.
    #[test]
    fn a_day_lp_cut_lies_below_the_day_lp_everywhere() {
        let p = generate(120, 1, 4);
        let m = Model::compile(&p).expect("model");
        let d = 2;
        let mut paid: Vec<i32> = m.cands[d].iter().map(|c| c.paid).collect();
        paid.sort_unstable();
        paid.dedup();
        let mut groups: Vec<usize> = m.agent_group.clone();
        groups.sort_unstable();
        groups.dedup();
        let classes: Vec<DayClass> = groups.iter().flat_map(|&g| paid.iter().map(move |&q| (g, q, i32::MIN, i32::MAX))).collect();
        // Counts around what the agents could work that day, varied class by class.
        let counts = |k: usize| -> HashMap<DayClass, f64> { classes.iter().enumerate().map(|(i, &c)| (c, ((3 * i + 5 * k) % 9 + 2) as f64)).collect() };
        let mut kept = DayLp::new(&m, &p.rules.breaks, d, &classes);
        let at = counts(0);
        let cut = kept.solve(&at, 60.0).expect("day LP");
        assert!(cut.duals.values().all(|&pi| pi <= 1e-6), "one more shift cannot raise the shortfall");
        assert!(cut.duals.values().any(|&pi| pi < -1e-3), "no count matters: the test shows nothing");
        for k in 1..6 {
            let other = counts(k);
            let warm = kept.solve(&other, 60.0).expect("warm day LP");
            let fresh = DayLp::new(&m, &p.rules.breaks, d, &classes).solve(&other, 60.0).expect("day LP");
            assert!((warm.value - fresh.value).abs() < 1e-6 * fresh.value.max(1.0), "warm {} fresh {}", warm.value, fresh.value);
            let below = cut.value + classes.iter().map(|c| cut.duals[c] * (other[c] - at[c])).sum::<f64>();
            assert!(below <= fresh.value + 1e-6, "counts {k}: cut {below:.3} above the day LP {:.3}", fresh.value);
        }
    }
}
