//! Problem data (what callers pass in) and its compiled form (slots, candidate shifts, agent
//! groups, weekly targets) shared by the LP bound, the heuristic and the checker.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use crate::ScheduleError;
use crate::rules::{Rules, parse_hhmm, parse_local, weekday_name};

/// An agent as the scheduler sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: String,
    pub name: String,
    /// Queues the agent may serve.
    pub skills: Vec<String>,
    pub contract_minutes_per_week: u32,
    pub site: Option<String>,
    pub team: Option<String>,
}

/// One roster segment in local time (`activity`: work, break, lunch, training, off, leave…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub agent_id: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub activity: String,
}

/// Interval requirements on a regular grid of whole days from local midnight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirements {
    /// Local midnight of the first day.
    pub start: NaiveDateTime,
    pub days: usize,
    pub slot_minutes: u32,
    pub queues: Vec<String>,
    /// `required[q][slot]`, agents.
    pub required: Vec<Vec<f64>>,
    /// `weight[q][slot]`, under-staffing weight of the row (1 when not given).
    pub weight: Vec<Vec<f64>>,
}

impl Requirements {
    /// Build from `(interval_start, queue, required, weight)` rows in local time. The interval
    /// length is the smallest gap between distinct starts; the horizon covers whole days.
    pub fn from_rows(rows: &[(NaiveDateTime, String, f64, f64)]) -> Result<Requirements, ScheduleError> {
        let bad = |m: String| Err(ScheduleError::Input(m));
        if rows.is_empty() {
            return bad("requirements are empty".into());
        }
        let mut times: Vec<NaiveDateTime> = rows.iter().map(|r| r.0).collect();
        times.sort();
        times.dedup();
        let slot = times.windows(2).map(|w| (w[1] - w[0]).num_minutes()).min().unwrap_or(15).max(1);
        if slot > 1440 || 1440 % slot != 0 {
            return bad(format!("interval length {slot} minutes does not divide a day"));
        }
        let first = times[0].date();
        let last = times[times.len() - 1].date();
        let days = ((last - first).num_days() + 1) as usize;
        let start = first.and_hms_opt(0, 0, 0).unwrap_or(times[0]);
        let per_day = (1440 / slot) as usize;
        let mut queues: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
        queues.sort();
        queues.dedup();
        let qi: HashMap<&str, usize> = queues.iter().enumerate().map(|(i, q)| (q.as_str(), i)).collect();
        let n = days * per_day;
        let mut required = vec![vec![0.0; n]; queues.len()];
        let mut weight = vec![vec![1.0; n]; queues.len()];
        for (t, q, r, w) in rows {
            let m = (*t - start).num_minutes();
            if m % slot != 0 {
                return bad(format!("interval {t} is not on the {slot}-minute grid"));
            }
            let s = (m / slot) as usize;
            required[qi[q.as_str()]][s] += r;
            weight[qi[q.as_str()]][s] = *w;
        }
        Ok(Requirements { start, days, slot_minutes: slot as u32, queues, required, weight })
    }

    pub fn slots(&self) -> usize {
        self.days * (1440 / self.slot_minutes as usize)
    }
}

/// Everything the solver needs.
#[derive(Debug, Clone)]
pub struct Problem {
    pub requirements: Requirements,
    pub agents: Vec<Agent>,
    pub rules: Rules,
    /// Published roster to re-optimise from (R6); `None` for a fresh roster.
    pub existing: Option<Vec<Segment>>,
}

/// One break to place inside a shift (offsets in minutes from the shift start).
#[derive(Debug, Clone, PartialEq)]
pub struct BreakSpec {
    pub kind: String,
    pub length: i32,
    pub earliest: i32,
    pub latest: i32,
    pub paid: bool,
}

/// A concrete shift a day may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Cand {
    pub template: usize,
    /// Minutes from the horizon start.
    pub start: i32,
    pub len: i32,
    pub paid: i32,
    pub night: bool,
    pub breaks: Vec<BreakSpec>,
}

/// Per agent-week bounds on paid minutes and days off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekTarget {
    pub first_day: usize,
    pub ndays: usize,
    pub lo: i32,
    pub hi: i32,
    pub min_off: u32,
    pub full: bool,
}

/// The problem compiled onto the slot grid.
#[derive(Debug, Clone)]
pub struct Model {
    pub start: NaiveDateTime,
    pub days: usize,
    pub slot: i32,
    pub nslots: usize,
    pub queues: Vec<String>,
    pub required: Vec<Vec<f64>>,
    /// Under weight per queue and slot (row weight × queue weight × rules under weight × slot hours).
    pub wunder: Vec<Vec<f64>>,
    /// Over weight per agent-slot.
    pub wover: f64,
    pub holiday: Vec<bool>,
    pub weekend: Vec<bool>,
    pub cands: Vec<Vec<Cand>>,
    /// Skill groups: queue bitmask per group, and each agent's group.
    pub group_mask: Vec<u32>,
    pub agent_group: Vec<usize>,
    /// `allowed[a][d]`: false when the agent must be off (rotation, full-day leave).
    pub allowed: Vec<Vec<bool>>,
    /// Unavailable minute ranges per agent (time off), horizon minutes.
    pub blocked: Vec<Vec<(i32, i32)>>,
    /// Fixed shifts: `(day, cand index)` per agent.
    pub fixed: Vec<Vec<(usize, usize)>>,
    pub weeks: Vec<Vec<WeekTarget>>,
    pub night: (i32, i32),
    /// Preference cost per agent, day and candidate is computed from these.
    pub avoid_day: Vec<Vec<bool>>,
    pub pref_start: Vec<Option<(i32, f64)>>,
    pub avoid_weight: Vec<f64>,
    /// Day index before which the existing roster is frozen.
    pub freeze_days: usize,
}

/// Day kind of a date: `holiday` or the weekday name.
pub fn day_kind(date: NaiveDate, holidays: &[NaiveDate]) -> &'static str {
    if holidays.contains(&date) { "holiday" } else { weekday_name(date.weekday()) }
}

/// Is any minute of [s, e) (minutes from a midnight) inside the nightly window [ns, ne)?
pub fn touches_night(s: i32, e: i32, night: (i32, i32)) -> bool {
    let (ns, ne) = night;
    // Check the window on the previous, same and next calendar day.
    (-1..=2).any(|k| {
        let base = k * 1440;
        let (a, b) = if ns < ne { (base + ns, base + ne) } else { (base + ns, base + 1440 + ne) };
        s < b && a < e
    })
}

impl Model {
    pub fn minute_of(&self, t: NaiveDateTime) -> i64 {
        (t - self.start).num_minutes()
    }
    pub fn time_at(&self, m: i32) -> NaiveDateTime {
        self.start + Duration::minutes(m as i64)
    }
    pub fn slot_hours(&self) -> f64 {
        self.slot as f64 / 60.0
    }

    /// Compile a problem; contradictions that can be seen without search name agent and rule.
    pub fn compile(p: &Problem) -> Result<Model, ScheduleError> {
        let req = &p.requirements;
        let r = &p.rules;
        r.validate()?;
        let slot = req.slot_minutes as i32;
        let days = req.days;
        let nslots = req.slots();
        let holidays: Vec<NaiveDate> =
            r.holidays.dates.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect();
        let dates: Vec<NaiveDate> = (0..days).map(|d| req.start.date() + Duration::days(d as i64)).collect();
        let kinds: Vec<&str> = dates.iter().map(|&d| day_kind(d, &holidays)).collect();
        let holiday: Vec<bool> = kinds.iter().map(|k| *k == "holiday").collect();
        let weekend: Vec<bool> = dates.iter().map(|d| d.weekday().num_days_from_monday() >= 5).collect();
        let night = (
            parse_hhmm(&r.limits.night_start).unwrap_or(1320) as i32,
            parse_hhmm(&r.limits.night_end).unwrap_or(360) as i32,
        );
        // Candidate shifts per day.
        let mut cands = vec![Vec::new(); days];
        for (ti, t) in r.shifts.iter().enumerate() {
            let e = parse_hhmm(&t.earliest_start).unwrap_or(0) as i32;
            let l = parse_hhmm(&t.latest_start).unwrap_or(0) as i32;
            let step = t.start_step_minutes as i32;
            let on_grid = |m: i32| m % slot == 0;
            if !on_grid(e) || !on_grid(step) || t.lengths_minutes.iter().any(|&x| !on_grid(x as i32)) {
                return Err(ScheduleError::Input(format!(
                    "shift `{}`: starts, step and lengths must be multiples of the {slot}-minute interval",
                    t.name
                )));
            }
            for b in &t.breaks {
                if !on_grid(b.length_minutes as i32) || !on_grid(b.earliest_offset_minutes as i32) {
                    return Err(ScheduleError::Input(format!(
                        "shift `{}`: {} length and offsets must be multiples of the {slot}-minute interval",
                        t.name, b.kind
                    )));
                }
            }
            for d in 0..days {
                if !t.days.iter().any(|k| k == kinds[d]) {
                    continue;
                }
                let mut s = e;
                while s <= l {
                    for &len in &t.lengths_minutes {
                        let len = len as i32;
                        let mut breaks = Vec::new();
                        for b in t.breaks.iter().filter(|b| len as u32 >= b.min_shift_minutes) {
                            for _ in 0..b.count {
                                breaks.push(BreakSpec {
                                    kind: b.kind.clone(),
                                    length: b.length_minutes as i32,
                                    earliest: b.earliest_offset_minutes as i32,
                                    latest: b.latest_offset_minutes as i32,
                                    paid: b.is_paid(),
                                });
                            }
                        }
                        let unpaid: i32 = breaks.iter().filter(|b| !b.paid).map(|b| b.length).sum();
                        let start = d as i32 * 1440 + s;
                        let c = Cand {
                            template: ti,
                            start,
                            len,
                            paid: len - unpaid,
                            night: touches_night(s, s + len, night),
                            breaks,
                        };
                        if c.paid as u32 <= r.limits.max_daily_minutes {
                            cands[d].push(c);
                        }
                    }
                    s += step;
                }
            }
        }
        // Skill groups.
        let qidx: HashMap<&str, usize> = req.queues.iter().enumerate().map(|(i, q)| (q.as_str(), i)).collect();
        if req.queues.len() > 30 {
            return Err(ScheduleError::Input("more than 30 queues are not supported".into()));
        }
        let mut group_of: BTreeMap<u32, usize> = BTreeMap::new();
        let mut group_mask = Vec::new();
        let mut agent_group = Vec::new();
        let mut ids = HashMap::new();
        for (ai, a) in p.agents.iter().enumerate() {
            if ids.insert(a.id.as_str(), ai).is_some() {
                return Err(ScheduleError::Input(format!("agent `{}` appears twice", a.id)));
            }
            let mask = a.skills.iter().filter_map(|s| qidx.get(s.as_str())).fold(0u32, |m, &q| m | 1 << q);
            let g = *group_of.entry(mask).or_insert_with(|| {
                group_mask.push(mask);
                group_mask.len() - 1
            });
            agent_group.push(g);
        }
        let agent_index = |id: &str, what: &str| {
            ids.get(id).copied().ok_or_else(|| ScheduleError::Input(format!("{what} names unknown agent `{id}`")))
        };
        let na = p.agents.len();
        let mut allowed = vec![vec![true; days]; na];
        for rot in &r.rotations {
            for (ai, a) in p.agents.iter().enumerate() {
                let hit = rot.agents.contains(&a.id) || a.team.as_ref().is_some_and(|t| rot.teams.contains(t));
                if !hit {
                    continue;
                }
                for d in 0..days {
                    let w = (d / 7 + rot.start_week as usize) % rot.weeks.len();
                    if rot.weeks[w].as_bytes()[d % 7] == b'O' {
                        allowed[ai][d] = false;
                    }
                }
            }
        }
        let mut blocked = vec![Vec::new(); na];
        let mut leave_days = vec![vec![false; days]; na];
        for t in &r.time_off {
            let ai = agent_index(&t.agent, "time_off")?;
            let (Some(s), Some(e)) = (parse_local(&t.start), parse_local(&t.end)) else { continue };
            let (s, e) = ((s - req.start).num_minutes() as i32, (e - req.start).num_minutes() as i32);
            blocked[ai].push((s, e));
            for d in 0..days {
                let (ds, de) = (d as i32 * 1440, d as i32 * 1440 + 1440);
                let overlap = (e.min(de) - s.max(ds)).max(0);
                if overlap >= 1440 {
                    allowed[ai][d] = false;
                }
                if t.paid && overlap >= 240 {
                    leave_days[ai][d] = true;
                }
            }
        }
        let freeze_days = r
            .reoptimise
            .freeze_before
            .as_deref()
            .and_then(parse_local)
            .map(|t| ((t - req.start).num_minutes().max(0) as usize).div_ceil(1440).min(days))
            .unwrap_or(0);
        // Fixed shifts: must match a candidate of that day.
        let mut fixed = vec![Vec::new(); na];
        for f in &r.fixed {
            let ai = agent_index(&f.agent, "fixed shift")?;
            let (Some(s), Some(e)) = (parse_local(&f.start), parse_local(&f.end)) else { continue };
            let sm = (s - req.start).num_minutes();
            let len = (e - s).num_minutes() as i32;
            if sm < 0 || sm >= days as i64 * 1440 {
                continue; // outside the horizon: nothing to keep
            }
            let d = (sm / 1440) as usize;
            let ci = cands[d].iter().position(|c| c.start as i64 == sm && c.len == len).ok_or_else(|| {
                ScheduleError::Contradiction {
                    agent: f.agent.clone(),
                    rule: "fixed".into(),
                    detail: format!("fixed shift {s}–{e} matches no shift template allowed that day"),
                }
            })?;
            if !allowed[ai][d] {
                return Err(ScheduleError::Contradiction {
                    agent: f.agent.clone(),
                    rule: "fixed".into(),
                    detail: format!("fixed shift on {} falls on a rotation day off or full-day leave", s.date()),
                });
            }
            fixed[ai].push((d, ci));
        }
        // Weekly targets.
        let lim = &r.limits;
        let mut weeks = vec![Vec::new(); na];
        for (ai, a) in p.agents.iter().enumerate() {
            let per_day_credit = a.contract_minutes_per_week as i32 / (7 - lim.min_days_off_per_week.min(6)) as i32;
            for w in 0..days.div_ceil(7) {
                let first_day = w * 7;
                let ndays = (days - first_day).min(7);
                let full = ndays == 7;
                let leave = (first_day..first_day + ndays).filter(|&d| leave_days[ai][d]).count() as i32;
                let target = (a.contract_minutes_per_week as i32 - leave * per_day_credit).max(0);
                let tol = lim.contract_tolerance_minutes as i32;
                let hi = (target + tol).min(lim.max_weekly_minutes as i32);
                let lo = if full { (target - tol).max(0) } else { 0 };
                if lo > hi {
                    return Err(ScheduleError::Contradiction {
                        agent: a.id.clone(),
                        rule: "limits.max_weekly_minutes".into(),
                        detail: format!(
                            "contract {} min/week − tolerance exceeds max_weekly_minutes {}",
                            a.contract_minutes_per_week, lim.max_weekly_minutes
                        ),
                    });
                }
                let min_off = if full { lim.min_days_off_per_week } else { 0 };
                weeks[ai].push(WeekTarget { first_day, ndays, lo, hi, min_off, full });
            }
        }
        // Preferences.
        let mut avoid_day = vec![vec![false; days]; na];
        let mut avoid_weight = vec![0.0; na];
        let mut pref_start = vec![None; na];
        for pr in &r.preferences {
            let ai = agent_index(&pr.agent, "preference")?;
            for d in 0..days {
                let wk = weekday_name(dates[d].weekday());
                if pr.avoid_days.iter().any(|k| k == kinds[d] || k == wk) {
                    avoid_day[ai][d] = true;
                }
            }
            avoid_weight[ai] = pr.weight * r.weights.preference;
            if let Some(s) = pr.preferred_start.as_deref().and_then(parse_hhmm) {
                pref_start[ai] = Some((s as i32, pr.weight * r.weights.preference));
            }
        }
        let sh = slot as f64 / 60.0;
        let qweight: Vec<f64> = req
            .queues
            .iter()
            .map(|q| r.queues.iter().find(|x| &x.name == q).map(|x| x.under_weight).unwrap_or(1.0))
            .collect();
        let wunder = (0..req.queues.len())
            .map(|q| req.weight[q].iter().map(|w| w * qweight[q] * r.weights.under * sh).collect())
            .collect();
        Ok(Model {
            start: req.start,
            days,
            slot,
            nslots,
            queues: req.queues.clone(),
            required: req.required.clone(),
            wunder,
            wover: r.weights.over * sh,
            holiday,
            weekend,
            cands,
            group_mask,
            agent_group,
            allowed,
            blocked,
            fixed,
            weeks,
            night,
            avoid_day,
            pref_start,
            avoid_weight,
            freeze_days,
        })
    }

    /// May agent `a` work candidate `c` of day `d` (rotation, leave, partial time off)?
    pub fn cand_ok(&self, a: usize, d: usize, c: &Cand) -> bool {
        self.allowed[a][d] && !self.blocked[a].iter().any(|&(s, e)| c.start < e && s < c.start + c.len)
    }

    /// Soft preference cost of agent `a` working `c` on day `d`.
    pub fn pref_cost(&self, a: usize, d: usize, c: &Cand) -> f64 {
        let mut x = 0.0;
        if self.avoid_day[a][d] {
            x += self.avoid_weight[a];
        }
        if let Some((s, w)) = self.pref_start[a] {
            x += w * ((c.start - d as i32 * 1440 - s).abs() as f64 / 60.0);
        }
        x
    }
}
