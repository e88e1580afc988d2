//! The independent checker: verifies every hard rule on a roster given as segments (it shares no
//! search code with the solver) and computes the per-interval coverage report.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use crate::ScheduleError;
use crate::coverage::allocate;
use crate::model::{Agent, Requirements, Segment, day_kind, touches_night};
use crate::rules::{Rules, parse_hhmm, parse_local};

/// A broken hard rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub agent: String,
    /// Rule name as in the rules file (e.g. `limits.min_rest_minutes`).
    pub rule: String,
    pub detail: String,
}

/// Coverage of one queue in one interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalCoverage {
    pub interval_start: NaiveDateTime,
    pub queue: String,
    pub required: f64,
    /// Agents allocated to the queue (served + idle agents whose first skill it is).
    pub scheduled: f64,
    /// scheduled − required.
    pub diff: f64,
}

/// Coverage report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub intervals: Vec<IntervalCoverage>,
    pub under_hours: f64,
    pub over_hours: f64,
    pub required_hours: f64,
}

/// What [`check`] finds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub violations: Vec<Violation>,
    pub shifts: usize,
    pub agents_scheduled: usize,
    pub coverage: Option<Coverage>,
}

/// A shift reconstructed from segments: touching non-off segments of one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftSpan {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// (start, end, activity) in time order.
    pub parts: Vec<(NaiveDateTime, NaiveDateTime, String)>,
}

fn is_absence(act: &str) -> bool {
    matches!(act, "off" | "leave" | "absence" | "holiday")
}

/// Group segments into shifts per agent (sorted by time).
pub fn shifts_of(roster: &[Segment]) -> BTreeMap<String, Vec<ShiftSpan>> {
    let mut by: BTreeMap<String, Vec<&Segment>> = BTreeMap::new();
    for s in roster.iter().filter(|s| !is_absence(&s.activity)) {
        by.entry(s.agent_id.clone()).or_default().push(s);
    }
    by.into_iter()
        .map(|(a, mut segs)| {
            segs.sort_by_key(|s| (s.start, s.end));
            let mut out: Vec<ShiftSpan> = Vec::new();
            for s in segs {
                match out.last_mut() {
                    Some(sh) if s.start <= sh.end => {
                        sh.end = sh.end.max(s.end);
                        sh.parts.push((s.start, s.end, s.activity.clone()));
                    }
                    _ => out.push(ShiftSpan { start: s.start, end: s.end, parts: vec![(s.start, s.end, s.activity.clone())] }),
                }
            }
            (a, out)
        })
        .collect()
}

fn mins(a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    (b - a).num_minutes()
}

/// Verify every hard rule of `rules` on `roster`; with `requirements`, also report coverage.
/// Weekly rules use 7-day blocks from the requirements' first day (or the roster's first day).
pub fn check(
    roster: &[Segment],
    rules: &Rules,
    agents: &[Agent],
    requirements: Option<&Requirements>,
) -> Result<CheckReport, ScheduleError> {
    rules.validate()?;
    let lim = &rules.limits;
    let mut v: Vec<Violation> = Vec::new();
    let mut viol = |agent: &str, rule: &str, detail: String| {
        v.push(Violation { agent: agent.to_string(), rule: rule.to_string(), detail })
    };
    let agent_by: HashMap<&str, &Agent> = agents.iter().map(|a| (a.id.as_str(), a)).collect();
    let origin = match requirements {
        Some(r) => r.start,
        None => roster.iter().map(|s| s.start).min().map(|t| t.date().and_hms_opt(0, 0, 0).unwrap_or(t)).unwrap_or_default(),
    };
    let days = match requirements {
        Some(r) => r.days,
        // Without requirements the horizon is the whole weeks the roster touches.
        None => roster.iter().map(|s| (mins(origin, s.start) / 1440 + 1) as usize).max().unwrap_or(0).div_ceil(7) * 7,
    };
    let holidays: Vec<NaiveDate> = rules.holidays.dates.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect();
    let night = (parse_hhmm(&lim.night_start).unwrap_or(1320) as i32, parse_hhmm(&lim.night_end).unwrap_or(360) as i32);
    let date_of = |d: usize| origin.date() + Duration::days(d as i64);

    // Segment-level sanity: unknown agents, overlaps, unknown activities.
    let mut segs_by: BTreeMap<&str, Vec<&Segment>> = BTreeMap::new();
    for s in roster {
        if !agent_by.contains_key(s.agent_id.as_str()) {
            viol(&s.agent_id, "agents", format!("roster names unknown agent (segment at {})", s.start));
            continue;
        }
        if s.end <= s.start {
            viol(&s.agent_id, "segment", format!("segment at {} ends before it starts", s.start));
        }
        segs_by.entry(&s.agent_id).or_default().push(s);
    }
    for (a, segs) in segs_by.iter_mut() {
        segs.sort_by_key(|s| s.start);
        for w in segs.windows(2) {
            if w[1].start < w[0].end {
                viol(a, "segment", format!("segments overlap at {}", w[1].start));
            }
        }
    }

    let all_shifts = shifts_of(roster);
    let mut shift_count = 0;
    for (aid, shifts) in &all_shifts {
        let Some(agent) = agent_by.get(aid.as_str()) else { continue };
        shift_count += shifts.len();
        let time_off: Vec<(NaiveDateTime, NaiveDateTime, bool)> = rules
            .time_off
            .iter()
            .filter(|t| &t.agent == aid)
            .filter_map(|t| Some((parse_local(&t.start)?, parse_local(&t.end)?, t.paid)))
            .collect();
        // Per-day facts for the day-level and weekly rules.
        let mut work_day = vec![false; days];
        let mut night_day = vec![false; days];
        let mut paid_day = vec![0i64; days];
        let mut start_tod: Vec<Option<i64>> = vec![None; days];
        let mut prev_end: Option<NaiveDateTime> = None;
        for sh in shifts {
            let len = mins(sh.start, sh.end);
            let dm = mins(origin, sh.start);
            let d = dm.div_euclid(1440);
            let tod = dm.rem_euclid(1440);
            let kind = day_kind(sh.start.date(), &holidays);
            if let Some(pe) = prev_end
                && mins(pe, sh.start) < lim.min_rest_minutes as i64
            {
                viol(aid, "limits.min_rest_minutes", format!("only {} min rest before the shift at {}", mins(pe, sh.start), sh.start));
            }
            prev_end = Some(sh.end);
            // Breaks as found in the roster.
            let brks: Vec<(i64, i64, &str)> = sh
                .parts
                .iter()
                .filter(|p| p.2 == "break" || p.2 == "lunch")
                .map(|p| (mins(sh.start, p.0), mins(p.0, p.1), p.2.as_str()))
                .collect();
            // Shift template and break rules: some template must accept the shift.
            let mut template_ok = false;
            let mut break_problem: Option<String> = None;
            let mut unpaid = 0i64;
            for t in &rules.shifts {
                let (Some(e), Some(l)) = (parse_hhmm(&t.earliest_start), parse_hhmm(&t.latest_start)) else { continue };
                let (e, l) = (e as i64, l as i64);
                if !t.days.iter().any(|k| k == kind)
                    || tod < e
                    || tod > l
                    || (tod - e) % t.start_step_minutes as i64 != 0
                    || !t.lengths_minutes.contains(&(len as u32))
                {
                    continue;
                }
                template_ok = true;
                let mut want: Vec<&crate::rules::BreakRule> = Vec::new();
                for b in t.breaks.iter().filter(|b| len as u32 >= b.min_shift_minutes) {
                    for _ in 0..b.count {
                        want.push(b);
                    }
                }
                let mut problem = None;
                if want.len() != brks.len() {
                    problem = Some(format!("{} breaks, template `{}` needs {}", brks.len(), t.name, want.len()));
                } else {
                    let mut last_end: Option<i64> = None;
                    for (b, &(off, blen, kind)) in want.iter().zip(&brks) {
                        if b.kind != kind || blen != b.length_minutes as i64 {
                            problem = Some(format!("found {kind} of {blen} min where template `{}` has {} of {} min", t.name, b.kind, b.length_minutes));
                        } else if off < b.earliest_offset_minutes as i64 || off > b.latest_offset_minutes as i64 {
                            problem = Some(format!("{kind} at +{off} min is outside its window {}–{}", b.earliest_offset_minutes, b.latest_offset_minutes));
                        } else if last_end.is_some_and(|le| off - le < rules.breaks.min_gap_minutes as i64) {
                            problem = Some(format!("{kind} at +{off} min is closer than min_gap_minutes to the previous break"));
                        }
                        last_end = Some(off + blen);
                    }
                }
                match problem {
                    None => {
                        break_problem = None;
                        unpaid = want.iter().filter(|b| !b.is_paid()).map(|b| b.length_minutes as i64).sum();
                        break;
                    }
                    Some(p) => break_problem = Some(p),
                }
            }
            if !template_ok {
                viol(aid, "shift", format!("shift {}–{} ({len} min, {kind}) matches no shift template", sh.start, sh.end));
            } else if let Some(p) = break_problem {
                viol(aid, "shift.break", format!("shift at {}: {p}", sh.start));
            }
            let paid = len - unpaid;
            if paid > lim.max_daily_minutes as i64 {
                viol(aid, "limits.max_daily_minutes", format!("{paid} paid minutes in the shift at {}", sh.start));
            }
            for &(s, e, _) in &time_off {
                let works = sh.parts.iter().any(|p| p.2 != "break" && p.2 != "lunch" && p.0 < e && s < p.1);
                if works {
                    viol(aid, "time_off", format!("works during time off {s}–{e}"));
                }
            }
            if d >= 0 && (d as usize) < days {
                let d = d as usize;
                if work_day[d] {
                    viol(aid, "shift", format!("two shifts start on {}", date_of(d)));
                }
                work_day[d] = true;
                night_day[d] = touches_night(tod as i32, (tod + len) as i32, night);
                paid_day[d] += paid;
                start_tod[d] = Some(tod);
            }
        }
        // Day sequences.
        let (mut run, mut nrun, mut hol) = (0u32, 0u32, 0u32);
        for d in 0..days {
            if work_day[d] {
                run += 1;
                if run == lim.max_consecutive_days + 1 {
                    viol(aid, "limits.max_consecutive_days", format!("more than {} working days in a row up to {}", lim.max_consecutive_days, date_of(d)));
                }
                if night_day[d] {
                    nrun += 1;
                    if nrun == lim.max_consecutive_nights + 1 {
                        viol(aid, "limits.max_consecutive_nights", format!("more than {} nights in a row up to {}", lim.max_consecutive_nights, date_of(d)));
                    }
                } else {
                    nrun = 0;
                }
                if holidays.contains(&date_of(d)) {
                    hol += 1;
                }
            } else {
                run = 0;
                nrun = 0;
            }
        }
        if let Some(cap) = rules.holidays.max_days_per_agent
            && hol > cap
        {
            viol(aid, "holidays.max_days_per_agent", format!("works {hol} holiday days, at most {cap} allowed"));
        }
        // Rotations.
        for rot in &rules.rotations {
            let hit = rot.agents.contains(aid) || agent.team.as_ref().is_some_and(|t| rot.teams.contains(t));
            if !hit {
                continue;
            }
            for d in 0..days {
                let wk = (d / 7 + rot.start_week as usize) % rot.weeks.len();
                if work_day[d] && rot.weeks[wk].as_bytes().get(d % 7) == Some(&b'O') {
                    viol(aid, "rotation", format!("works on {} which rotation `{}` keeps off", date_of(d), rot.name));
                }
            }
        }
        // Weeks.
        let credit = agent.contract_minutes_per_week as i64 / (7 - lim.min_days_off_per_week.min(6)) as i64;
        for w0 in (0..days).step_by(7) {
            let nd = (days - w0).min(7);
            let full = nd == 7;
            let range = w0..w0 + nd;
            let leave = range
                .clone()
                .filter(|&d| {
                    let (ds, de) = (date_of(d).and_hms_opt(0, 0, 0).unwrap_or(origin), date_of(d + 1).and_hms_opt(0, 0, 0).unwrap_or(origin));
                    time_off.iter().any(|&(s, e, paid)| paid && mins(s.max(ds), e.min(de)) >= 240)
                })
                .count() as i64;
            let paid: i64 = range.clone().map(|d| paid_day[d]).sum();
            let target = (agent.contract_minutes_per_week as i64 - leave * credit).max(0);
            let tol = lim.contract_tolerance_minutes as i64;
            let label = date_of(w0);
            if paid > (target + tol).min(lim.max_weekly_minutes as i64) {
                viol(aid, "contract_minutes_per_week", format!("week of {label}: {paid} paid minutes, at most {} allowed", (target + tol).min(lim.max_weekly_minutes as i64)));
            }
            if full && paid < target - tol {
                viol(aid, "contract_minutes_per_week", format!("week of {label}: {paid} paid minutes, contract needs at least {}", target - tol));
            }
            let off = range.clone().filter(|&d| !work_day[d]).count() as u32;
            if full && off < lim.min_days_off_per_week {
                viol(aid, "limits.min_days_off_per_week", format!("week of {label}: {off} days off"));
            }
            if full && lim.paired_days_off && !(w0..w0 + 6).any(|d| !work_day[d] && !work_day[d + 1]) {
                viol(aid, "limits.paired_days_off", format!("week of {label}: no two consecutive days off"));
            }
            let nights = range.clone().filter(|&d| work_day[d] && night_day[d]).count() as u32;
            if nights > lim.max_nights_per_week {
                viol(aid, "limits.max_nights_per_week", format!("week of {label}: {nights} night shifts"));
            }
            if let Some(sp) = lim.max_start_spread_minutes {
                let st: Vec<i64> = range.clone().filter_map(|d| start_tod[d]).collect();
                if let (Some(lo), Some(hi)) = (st.iter().min(), st.iter().max())
                    && hi - lo > sp as i64
                {
                    viol(aid, "limits.max_start_spread_minutes", format!("week of {label}: starts vary by {} min", hi - lo));
                }
            }
        }
    }
    // Fixed shifts must be present exactly.
    for f in &rules.fixed {
        let (Some(s), Some(e)) = (parse_local(&f.start), parse_local(&f.end)) else { continue };
        let present = all_shifts.get(&f.agent).is_some_and(|sh| sh.iter().any(|x| x.start == s && x.end == e));
        if !present {
            viol(&f.agent, "fixed", format!("fixed shift {s}–{e} is missing"));
        }
    }
    // Staggering of breaks, on a 15-minute (or requirements) grid.
    let step = requirements.map_or(15, |r| r.slot_minutes as i64);
    let mut at_work: BTreeMap<i64, (i32, i32)> = BTreeMap::new();
    for shifts in all_shifts.values() {
        for sh in shifts {
            let mut t = mins(origin, sh.start).div_euclid(step) * step;
            while t < mins(origin, sh.end) {
                let tt = origin + Duration::minutes(t);
                let brk = sh.parts.iter().any(|p| (p.2 == "break" || p.2 == "lunch") && p.0 <= tt && tt < p.1);
                let e = at_work.entry(t).or_default();
                e.0 += 1;
                e.1 += brk as i32;
                t += step;
            }
        }
    }
    for (t, (w, b)) in at_work {
        let limit = ((rules.breaks.max_on_break_fraction * w as f64).floor() as i32).max(1);
        if b > limit {
            viol("*", "breaks.max_on_break_fraction", format!("{b} of {w} agents on break at {}", origin + Duration::minutes(t)));
        }
    }
    let coverage = requirements.map(|r| coverage(roster, agents, r));
    Ok(CheckReport { violations: v, shifts: shift_count, agents_scheduled: all_shifts.len(), coverage })
}

/// Per-interval coverage: agents working (fraction of the interval in `work`) by skill group,
/// allocated to queues by max flow, heaviest queues first.
pub fn coverage(roster: &[Segment], agents: &[Agent], r: &Requirements) -> Coverage {
    let nq = r.queues.len();
    let ns = r.slots();
    let slot = r.slot_minutes as i64;
    let qidx: HashMap<&str, usize> = r.queues.iter().enumerate().map(|(i, q)| (q.as_str(), i)).collect();
    let mut groups: Vec<u32> = Vec::new();
    let mut first_skill: Vec<Option<usize>> = Vec::new();
    let mut agent_g: HashMap<&str, usize> = HashMap::new();
    for a in agents {
        let mask = a.skills.iter().filter_map(|s| qidx.get(s.as_str())).fold(0u32, |m, &q| m | 1 << q);
        let g = match groups.iter().position(|&m| m == mask) {
            Some(g) => g,
            None => {
                groups.push(mask);
                first_skill.push(a.skills.iter().find_map(|s| qidx.get(s.as_str()).copied()));
                groups.len() - 1
            }
        };
        agent_g.insert(a.id.as_str(), g);
    }
    let ng = groups.len();
    let mut n = vec![0.0; ns * ng];
    for s in roster.iter().filter(|s| s.activity == "work") {
        let Some(&g) = agent_g.get(s.agent_id.as_str()) else { continue };
        let (a, b) = (mins(r.start, s.start), mins(r.start, s.end));
        let mut t = a.div_euclid(slot).max(0);
        while t * slot < b && (t as usize) < ns {
            let lo = (t * slot).max(a);
            let hi = ((t + 1) * slot).min(b);
            if hi > lo {
                n[t as usize * ng + g] += (hi - lo) as f64 / slot as f64;
            }
            t += 1;
        }
    }
    let h = slot as f64 / 60.0;
    let (mut under, mut over, mut req_total) = (0.0, 0.0, 0.0);
    let mut intervals = Vec::with_capacity(ns * nq);
    for t in 0..ns {
        let req: Vec<f64> = (0..nq).map(|q| r.required[q][t]).collect();
        let w: Vec<f64> = (0..nq).map(|q| r.weight[q][t]).collect();
        let nt = &n[t * ng..t * ng + ng];
        let z = allocate(&groups, nt, &req, &w);
        let mut sched: Vec<f64> = (0..nq).map(|q| z.iter().map(|zg| zg[q]).sum()).collect();
        for q in 0..nq {
            under += (req[q] - sched[q]).max(0.0) * h;
            req_total += req[q] * h;
        }
        for g in 0..ng {
            let idle = nt[g] - z[g].iter().sum::<f64>();
            if idle > 1e-9 {
                over += idle * h;
                if let Some(q) = first_skill[g] {
                    sched[q] += idle;
                }
            }
        }
        let start = r.start + Duration::minutes(t as i64 * slot);
        for q in 0..nq {
            let s = (sched[q] * 1e6).round() / 1e6;
            intervals.push(IntervalCoverage { interval_start: start, queue: r.queues[q].clone(), required: req[q], scheduled: s, diff: s - req[q] });
        }
    }
    Coverage { intervals, under_hours: under, over_hours: over, required_hours: req_total }
}
