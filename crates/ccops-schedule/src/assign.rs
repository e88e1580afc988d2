//! Assigning given open shifts to agents (R4: skills, rest, weekly limits, unwanted days).
//!
//! Hard: skill match, at most one shift per agent at a time and `min_rest_minutes` between an
//! agent's shifts, at most `max_shifts` shifts and `max_hours` paid hours per agent. Then
//! minimise unassigned paid hours, then shifts on an agent's unwanted day.
//!
//! Method: with rest ≥ the gap between two shifts of a day, an agent works at most one shift per
//! day, so each day is an assignment problem given the other days. We build day by day with an
//! exact min-cost assignment (Hungarian algorithm, dummy columns = leave unassigned), then cycle
//! over the days re-solving each one exactly against the rest of the roster (block coordinate
//! descent / LNS) until no day improves or the caller stops us.

use serde::{Deserialize, Serialize};

/// An agent for open-shift assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenAgent {
    pub id: String,
    pub skills: Vec<String>,
    /// Day index the agent would rather not work.
    pub unwanted_day: Option<usize>,
}

/// A shift to staff: minutes from the horizon start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenShift {
    pub id: String,
    pub day: usize,
    pub start: i64,
    pub end: i64,
    pub paid_hours: f64,
    pub skill: String,
}

/// Limits per agent over the horizon.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct OpenLimits {
    pub max_shifts: usize,
    pub max_hours: f64,
    pub min_rest_minutes: i64,
}

/// Result: agent index per shift (None = unassigned) and the scores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenAssignment {
    pub agent_of: Vec<Option<usize>>,
    pub unassigned_hours: f64,
    pub unassigned_shifts: usize,
    pub unwanted: usize,
    pub rounds: usize,
}

const UNASSIGNED: f64 = 1e6;
const FORBIDDEN: f64 = 1e12;

/// Min-cost assignment of rows to distinct columns (rows ≤ columns); `cost[r][c]`.
/// Returns the column of each row (Hungarian algorithm with potentials, O(n²m)).
pub fn hungarian(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    if n == 0 {
        return Vec::new();
    }
    let m = cost[0].len();
    let inf = f64::INFINITY;
    let (mut u, mut v) = (vec![0.0; n + 1], vec![0.0; m + 1]);
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = inf;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut col = vec![0usize; n];
    for j in 1..=m {
        if p[j] > 0 {
            col[p[j] - 1] = j - 1;
        }
    }
    col
}

struct Ctx<'a> {
    agents: &'a [OpenAgent],
    shifts: &'a [OpenShift],
    lim: OpenLimits,
    by_day: Vec<Vec<usize>>,
    skilled: Vec<Vec<bool>>, // [shift][agent]
}

impl Ctx<'_> {
    /// Can agent `a` take shift `s` given its shifts on other days (`mine`, excluding day of s)?
    fn can(&self, a: usize, s: usize, mine: &[usize]) -> bool {
        let sh = &self.shifts[s];
        if !self.skilled[s][a] || mine.len() + 1 > self.lim.max_shifts {
            return false;
        }
        let hours: f64 = mine.iter().map(|&x| self.shifts[x].paid_hours).sum::<f64>() + sh.paid_hours;
        if hours > self.lim.max_hours + 1e-9 {
            return false;
        }
        mine.iter().all(|&x| {
            let o = &self.shifts[x];
            o.end + self.lim.min_rest_minutes <= sh.start || sh.end + self.lim.min_rest_minutes <= o.start
        })
    }

    /// Re-solve day `d` exactly given the other days; returns true if the day's cost dropped.
    /// `tie` adds tiny random costs so that among equal optima a different one is picked.
    fn solve_day(&self, d: usize, agent_of: &mut [Option<usize>], tie: &mut dyn FnMut() -> f64) -> bool {
        let day = &self.by_day[d];
        if day.is_empty() {
            return false;
        }
        let na = self.agents.len();
        let mut others: Vec<Vec<usize>> = vec![Vec::new(); na];
        for (s, a) in agent_of.iter().enumerate() {
            if let Some(a) = a
                && self.shifts[s].day != d
            {
                others[*a].push(s);
            }
        }
        let old: f64 = day.iter().map(|&s| self.cost_of(s, agent_of[s])).sum();
        let n = day.len();
        let cost: Vec<Vec<f64>> = day
            .iter()
            .map(|&s| {
                let mut row = Vec::with_capacity(na + n);
                for a in 0..na {
                    row.push(if self.can(a, s, &others[a]) { self.cost_of(s, Some(a)) + tie() } else { FORBIDDEN });
                }
                row.extend((0..n).map(|_| self.cost_of(s, None)));
                row
            })
            .collect();
        let col = hungarian(&cost);
        let mut new_assign: Vec<Option<usize>> = col.iter().map(|&c| if c < na { Some(c) } else { None }).collect();
        for i in 0..day.len() {
            if let Some(a) = new_assign[i]
                && cost[i][a] >= FORBIDDEN
            {
                new_assign[i] = None;
            }
        }
        let new: f64 = day.iter().zip(&new_assign).map(|(&s, &a)| self.cost_of(s, a)).sum();
        // Equal-cost changes are applied too (plateau moves open room on other days).
        if new <= old + 1e-9 {
            for (i, &s) in day.iter().enumerate() {
                agent_of[s] = new_assign[i];
            }
        }
        new < old - 1e-9
    }

    fn cost_of(&self, s: usize, a: Option<usize>) -> f64 {
        match a {
            None => UNASSIGNED * self.shifts[s].paid_hours,
            Some(a) => (self.agents[a].unwanted_day == Some(self.shifts[s].day)) as u8 as f64,
        }
    }
}

/// Assign shifts to agents. `progress(round, unassigned_hours, unwanted)` is called after each
/// round over all days; return `false` to stop.
pub fn assign_shifts(
    agents: &[OpenAgent],
    shifts: &[OpenShift],
    lim: OpenLimits,
    seed: u64,
    progress: &mut dyn FnMut(usize, f64, usize) -> bool,
) -> OpenAssignment {
    let days = shifts.iter().map(|s| s.day + 1).max().unwrap_or(0);
    let mut by_day = vec![Vec::new(); days];
    for (i, s) in shifts.iter().enumerate() {
        by_day[s.day].push(i);
    }
    let skilled = shifts.iter().map(|s| agents.iter().map(|a| a.skills.contains(&s.skill)).collect()).collect();
    let ctx = Ctx { agents, shifts, lim, by_day, skilled };
    let mut agent_of: Vec<Option<usize>> = vec![None; shifts.len()];
    let mut rng = crate::solver::Rng::new(seed);
    // Construction: days in order, each exact given the earlier ones; ties spread load.
    for d in 0..days {
        ctx.solve_day(d, &mut agent_of, &mut || 0.0);
    }
    let mut rounds = 0;
    let score = |agent_of: &[Option<usize>]| {
        let uh: f64 = (0..shifts.len()).filter(|&s| agent_of[s].is_none()).map(|s| shifts[s].paid_hours).sum();
        let uw = (0..shifts.len()).filter(|&s| agent_of[s].is_some_and(|a| agents[a].unwanted_day == Some(shifts[s].day))).count();
        (uh, uw)
    };
    let mut stale = 0;
    loop {
        rounds += 1;
        let mut improved = false;
        let mut order: Vec<usize> = (0..days).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for d in order {
            // Small random tie-breaks let equal-cost days move, which opens room elsewhere.
            improved |= ctx.solve_day(d, &mut agent_of, &mut || rng.unit() * 1e-3);
        }
        let (uh, uw) = score(&agent_of);
        stale = if improved { 0 } else { stale + 1 };
        if !progress(rounds, uh, uw) || stale >= 40 || (uh == 0.0 && uw == 0) {
            break;
        }
    }
    let (uh, uw) = score(&agent_of);
    OpenAssignment {
        unassigned_shifts: agent_of.iter().filter(|a| a.is_none()).count(),
        agent_of,
        unassigned_hours: uh,
        unwanted: uw,
        rounds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hungarian_finds_minimum() {
        let c = vec![vec![4.0, 1.0, 3.0], vec![2.0, 0.0, 5.0], vec![3.0, 2.0, 2.0]];
        let col = hungarian(&c);
        let total: f64 = col.iter().enumerate().map(|(r, &k)| c[r][k]).sum();
        assert_eq!(total, 5.0);
    }

    #[test]
    fn respects_rest_and_avoids_unwanted_day() {
        let agents = vec![
            OpenAgent { id: "a".into(), skills: vec!["x".into()], unwanted_day: Some(0) },
            OpenAgent { id: "b".into(), skills: vec!["x".into()], unwanted_day: None },
        ];
        // Day 0 late shift and day 1 early shift: 8 h apart, rest 11 h → different agents.
        let shifts = vec![
            OpenShift { id: "s0".into(), day: 0, start: 14 * 60, end: 22 * 60, paid_hours: 8.0, skill: "x".into() },
            OpenShift { id: "s1".into(), day: 1, start: 1440 + 6 * 60, end: 1440 + 14 * 60, paid_hours: 8.0, skill: "x".into() },
        ];
        let lim = OpenLimits { max_shifts: 5, max_hours: 40.0, min_rest_minutes: 660 };
        let r = assign_shifts(&agents, &shifts, lim, 1, &mut |_, _, _| true);
        assert_eq!(r.agent_of, vec![Some(1), Some(0)]);
        assert_eq!((r.unassigned_shifts, r.unwanted), (0, 0));
    }
}
