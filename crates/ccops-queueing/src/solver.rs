//! The staffing solver: least agents meeting every target, plus the reverse what-if.
//!
//! **Chat / messaging with concurrency** (ALGORITHMS.md §4, model (a)). An agent holding up to
//! `c` sessions is `c` identical "slots"; any free slot takes the next session (true pooling when
//! routing sends new sessions to any agent below the cap). The queueing model runs on slots with
//! `aht_seconds` = the mean session duration *measured at that concurrency* (it already contains
//! the slow-down from interleaving; do not pass the one-at-a-time handle time). Agents =
//! `⌈slots / c⌉`; the reported occupancy is per slot. Assumes agents run near the cap, which
//! makes it conservative when they do not.
//!
//! **Fractional requirement.** Between `n − 1` (target missed) and `n` (met) the binding metric is
//! interpolated linearly (SL, abandonment, occupancy; `1/ASA` for ASA; for Erlang C an unstable
//! `n − 1` is replaced by the load `A` where SL and `1/ASA` are 0). Summing fractional values
//! over queues and rounding once avoids the inflation of summing rounded cells.
//!
//! **Seats** are a hard limit on agents logged in at once. When the need exceeds them the result
//! still reports the need, and [`SeatLimit`] gives the shortfall and what the seats achieve.

use crate::erlang_a::{self, PalmQueue};
use crate::erlang_c::{self, CTargets};
use crate::erlang_x::{self, RedialQueue};
use crate::{
    QueueingError, check_fraction_closed_open, check_fraction_open, check_fraction_open_closed, check_non_negative,
    check_positive,
};

/// Queueing model of one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// M/M/n, infinite patience. Reports no abandonment; ASA is over all calls.
    ErlangC,
    /// M/M/n+M with exponential patience of this mean. ASA is over answered calls.
    ErlangA { patience_seconds: f64 },
    /// Erlang A with a line limit (agents + waiting places; `None` = unlimited) and a redial
    /// probability for blocked and abandoned callers. Volume is fresh (first-attempt) demand;
    /// rates are over all attempts.
    ErlangX {
        patience_seconds: f64,
        lines: Option<u32>,
        redial_probability: f64,
    },
    /// Deferred work (email, tickets) due within the interval: agents = items·AHT / (L·u) with
    /// `u` the occupancy cap (default 1). Window deadlines: [`crate::deferred::constant_staff`].
    Deferred,
}

/// One queue in one planning interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaffingCell {
    /// Contacts (fresh attempts) offered in the interval.
    pub volume: f64,
    pub interval_seconds: f64,
    /// Average handle time (talk + hold + after-call work); for chat, the session duration at
    /// `concurrency`.
    pub aht_seconds: f64,
    pub model: Model,
    /// Sessions an agent handles at once (1 for voice).
    pub concurrency: u32,
}

impl StaffingCell {
    /// A voice cell (concurrency 1).
    pub fn voice(volume: f64, interval_seconds: f64, aht_seconds: f64, model: Model) -> Self {
        StaffingCell {
            volume,
            interval_seconds,
            aht_seconds,
            model,
            concurrency: 1,
        }
    }

    /// Offered load in Erlangs (in slots for chat).
    pub fn load(&self) -> f64 {
        self.volume / self.interval_seconds * self.aht_seconds
    }

    /// Check the inputs' domains (what [`staff`] rejects).
    pub fn validate(&self) -> Result<(), QueueingError> {
        check_non_negative("volume", self.volume)?;
        check_positive("interval_seconds", self.interval_seconds)?;
        check_positive("aht_seconds", self.aht_seconds)?;
        if self.concurrency == 0 {
            return Err(QueueingError::InvalidInput {
                field: "concurrency",
                expected: "at least 1",
                value: 0.0,
            });
        }
        match self.model {
            Model::ErlangC | Model::Deferred => {}
            Model::ErlangA { patience_seconds } => check_positive("patience_seconds", patience_seconds)?,
            Model::ErlangX {
                patience_seconds,
                redial_probability,
                ..
            } => {
                check_positive("patience_seconds", patience_seconds)?;
                check_fraction_closed_open("redial_probability", redial_probability)?;
            }
        }
        Ok(())
    }
}

/// What the interval must achieve. `None` = no such target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Fraction answered within `sl_seconds` (over all offered contacts), in (0, 1).
    pub service_level: Option<f64>,
    pub sl_seconds: f64,
    pub max_asa_seconds: Option<f64>,
    /// Ceiling on abandoned / offered (Erlang A/X; Erlang C never abandons).
    pub max_abandon_rate: Option<f64>,
    /// Cap on occupancy, in (0, 1].
    pub max_occupancy: Option<f64>,
    /// Paid time not available for contacts, in [0, 1): scheduled = n / (1 − shrinkage).
    pub shrinkage: f64,
    /// Workstations: a hard limit on agents at once.
    pub seats: Option<u32>,
}

impl Default for Targets {
    /// 80 % within 20 s, nothing else.
    fn default() -> Self {
        Targets {
            service_level: Some(0.8),
            sl_seconds: 20.0,
            max_asa_seconds: None,
            max_abandon_rate: None,
            max_occupancy: None,
            shrinkage: 0.0,
            seats: None,
        }
    }
}

impl Targets {
    /// Check every target's range (what [`staff`] rejects).
    pub fn validate(&self) -> Result<(), QueueingError> {
        if let Some(sl) = self.service_level {
            check_fraction_open("sl_target", sl)?;
        }
        check_non_negative("sl_seconds", self.sl_seconds)?;
        if let Some(v) = self.max_asa_seconds {
            check_positive("max_asa_seconds", v)?;
        }
        if let Some(v) = self.max_abandon_rate {
            check_fraction_open("max_abandon_rate", v)?;
        }
        if let Some(v) = self.max_occupancy {
            check_fraction_open_closed("max_occupancy", v)?;
        }
        check_fraction_closed_open("shrinkage", self.shrinkage)?;
        Ok(())
    }

    fn has_target(&self) -> bool {
        self.service_level.is_some()
            || self.max_asa_seconds.is_some()
            || self.max_abandon_rate.is_some()
            || self.max_occupancy.is_some()
    }

    fn met_by(&self, p: &Performance) -> bool {
        p.stable
            && self.service_level.is_none_or(|t| p.service_level >= t)
            && self.max_asa_seconds.is_none_or(|t| p.asa_seconds <= t)
            && self.max_abandon_rate.is_none_or(|t| p.abandon_rate <= t)
            && self.max_occupancy.is_none_or(|t| p.occupancy <= t)
    }
}

/// Performance of a given number of agents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    pub agents: u32,
    /// Answered within T / offered.
    pub service_level: f64,
    /// Erlang C: mean wait over all calls; Erlang A/X: mean wait of answered calls. `+∞` when
    /// the queue is unstable.
    pub asa_seconds: f64,
    /// Busy time / available time (per slot for chat).
    pub occupancy: f64,
    /// Abandoned (and, for Erlang X, blocked) / offered.
    pub abandon_rate: f64,
    /// Probability of waiting at all.
    pub p_wait: f64,
    /// False when Erlang C has `n ≤ A` (the queue grows without bound).
    pub stable: bool,
}

impl Performance {
    pub(crate) fn idle(agents: u32) -> Self {
        Performance {
            agents,
            service_level: 1.0,
            asa_seconds: 0.0,
            occupancy: 0.0,
            abandon_rate: 0.0,
            p_wait: 0.0,
            stable: true,
        }
    }
}

/// The target that decided the agent count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    ServiceLevel,
    Asa,
    Abandonment,
    Occupancy,
    /// Erlang C needs `n > A` even without a binding target.
    Stability,
    /// Nothing to staff (no volume).
    NoVolume,
}

impl Constraint {
    pub fn as_str(&self) -> &'static str {
        match self {
            Constraint::ServiceLevel => "service_level",
            Constraint::Asa => "asa",
            Constraint::Abandonment => "abandonment",
            Constraint::Occupancy => "occupancy",
            Constraint::Stability => "stability",
            Constraint::NoVolume => "no_volume",
        }
    }
}

/// The need exceeds the seats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeatLimit {
    pub seats: u32,
    /// Agents needed beyond the seats.
    pub shortfall: u32,
    /// What the seats achieve when all are staffed.
    pub at_seats: Performance,
}

/// Answer for one cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// Least agents (on the phone / in chat) meeting every target.
    pub agents: u32,
    /// Unrounded requirement (see module docs); `≤ agents`.
    pub agents_fractional: f64,
    /// `agents / (1 − shrinkage)`, unrounded.
    pub scheduled_agents: f64,
    /// `agents_fractional / (1 − shrinkage)`.
    pub scheduled_fractional: f64,
    /// Performance with `agents`.
    pub performance: Performance,
    pub binding: Constraint,
    /// Present only when `agents > seats`.
    pub seat_limit: Option<SeatLimit>,
}

/// Least agents meeting every target in `targets` for one cell.
pub fn staff(cell: &StaffingCell, targets: &Targets) -> Result<Staffing, QueueingError> {
    cell.validate()?;
    targets.validate()?;
    if !targets.has_target() {
        return Err(QueueingError::NoTarget);
    }
    let a = cell.load();
    let found = if cell.volume == 0.0 {
        Found {
            slots: 0,
            fractional: 0.0,
            binding: Constraint::NoVolume,
            at_slots: Performance::idle(0),
        }
    } else {
        match cell.model {
            Model::ErlangC => erlang_c_slots(a, cell.aht_seconds, targets)?,
            Model::Deferred => deferred_slots(a, targets),
            Model::ErlangA { .. } | Model::ErlangX { .. } => palm_slots(cell, a, targets)?,
        }
    };
    let c = cell.concurrency;
    let agents = found.slots.div_ceil(c);
    // Chat rounds slots up to whole agents: evaluate the slots they bring.
    let performance = if agents * c == found.slots {
        found.at_slots
    } else {
        evaluate_slots(cell, agents * c, targets.sl_seconds)?
    };
    let performance = Performance { agents, ..performance };
    let (fractional_slots, binding) = (found.fractional, found.binding);
    let agents_fractional = fractional_slots / c as f64;
    let keep = 1.0 - targets.shrinkage;
    let seat_limit = match targets.seats {
        Some(seats) if agents > seats => {
            let at = evaluate_slots(cell, seats * c, targets.sl_seconds)?;
            Some(SeatLimit {
                seats,
                shortfall: agents - seats,
                at_seats: Performance { agents: seats, ..at },
            })
        }
        _ => None,
    };
    Ok(Staffing {
        agents,
        agents_fractional,
        scheduled_agents: agents as f64 / keep,
        scheduled_fractional: agents_fractional / keep,
        performance,
        binding,
        seat_limit,
    })
}

/// Performance of `agents` agents on this cell (the reverse of [`staff`]).
pub fn what_if(cell: &StaffingCell, agents: u32, sl_seconds: f64) -> Result<Performance, QueueingError> {
    cell.validate()?;
    check_non_negative("sl_seconds", sl_seconds)?;
    let p = evaluate_slots(cell, agents.saturating_mul(cell.concurrency), sl_seconds)?;
    Ok(Performance { agents, ..p })
}

/// What a model-specific search found, in slots.
struct Found {
    slots: u32,
    fractional: f64,
    binding: Constraint,
    at_slots: Performance,
}

/// Search limit: far above any sane answer, low enough to fail fast on impossible targets.
fn max_slots(a: f64) -> u32 {
    (4.0 * a + 60.0 * a.sqrt() + 1000.0).min(u32::MAX as f64 / 2.0) as u32
}

fn evaluate_slots(cell: &StaffingCell, slots: u32, sl_seconds: f64) -> Result<Performance, QueueingError> {
    let a = cell.load();
    if cell.volume == 0.0 {
        return Ok(Performance::idle(slots));
    }
    Ok(match cell.model {
        Model::ErlangC => erlang_c::performance(slots, a, cell.aht_seconds, sl_seconds),
        Model::Deferred => deferred_performance(a, slots),
        Model::ErlangA { patience_seconds } => {
            erlang_a::evaluate(slots, &palm_queue(cell, patience_seconds, None, sl_seconds)).performance(slots)
        }
        Model::ErlangX {
            patience_seconds,
            lines,
            redial_probability,
        } => {
            let q = RedialQueue {
                fresh_arrival_rate: cell.volume / cell.interval_seconds,
                aht_seconds: cell.aht_seconds,
                patience_seconds,
                sl_seconds,
                lines,
                redial_after_block: redial_probability,
                redial_after_abandon: redial_probability,
            };
            let m = erlang_x::evaluate_with_redials(slots, &q)?.measures;
            // Blocked attempts are lost contacts too.
            Performance {
                abandon_rate: m.p_abandon + m.p_block,
                ..m.performance(slots)
            }
        }
    })
}

fn palm_queue(cell: &StaffingCell, patience_seconds: f64, lines: Option<u32>, sl_seconds: f64) -> PalmQueue {
    PalmQueue {
        arrival_rate: cell.volume / cell.interval_seconds,
        aht_seconds: cell.aht_seconds,
        patience_seconds,
        sl_seconds,
        lines,
    }
}

fn erlang_c_slots(a: f64, aht: f64, t: &Targets) -> Result<Found, QueueingError> {
    let ct = CTargets {
        service_level: t.service_level.map(|sl| (sl, t.sl_seconds)),
        max_asa_seconds: t.max_asa_seconds,
        max_occupancy: t.max_occupancy,
    };
    let limit = max_slots(a);
    let s = erlang_c::min_agents(a, aht, &ct, limit).ok_or(QueueingError::Unreachable { max_agents: limit })?;
    let hi = erlang_c::performance_from_reciprocal(s.agents, a, aht, t.sl_seconds, s.r);
    let lo = erlang_c::performance_from_reciprocal(s.agents - 1, a, aht, t.sl_seconds, s.r_prev);
    let (fractional, binding) = fractional(t, &lo, &hi, a);
    Ok(Found {
        slots: s.agents,
        fractional,
        binding,
        at_slots: hi,
    })
}

fn deferred_slots(a: f64, t: &Targets) -> Found {
    let u = t.max_occupancy.unwrap_or(1.0);
    let need = a / u;
    let mut n = need.ceil().max(1.0) as u32;
    if a / n as f64 > u {
        n += 1;
    }
    Found {
        slots: n,
        fractional: need,
        binding: Constraint::Occupancy,
        at_slots: deferred_performance(a, n),
    }
}

/// Deferred rows: the share of the interval's items that the agents clear within it.
fn deferred_performance(a: f64, n: u32) -> Performance {
    let n_f = n as f64;
    Performance {
        agents: n,
        service_level: if a > 0.0 { (n_f / a).min(1.0) } else { 1.0 },
        asa_seconds: 0.0,
        occupancy: if n > 0 { (a / n_f).min(1.0) } else { 1.0 },
        abandon_rate: 0.0,
        p_wait: 0.0,
        stable: n_f >= a,
    }
}

/// Erlang A / X search: start at the Erlang C answer (abandonment usually lowers the need),
/// walk down while every target holds, else up until it does. Every metric is monotone in `n`.
fn palm_slots(cell: &StaffingCell, a: f64, t: &Targets) -> Result<Found, QueueingError> {
    let limit = match cell.model {
        Model::ErlangX { lines: Some(l), .. } => l.min(max_slots(a)),
        _ => max_slots(a),
    };
    let start = if t.service_level.is_some() || t.max_asa_seconds.is_some() {
        let ct = CTargets {
            service_level: t.service_level.map(|sl| (sl, t.sl_seconds)),
            max_asa_seconds: t.max_asa_seconds,
            max_occupancy: None,
        };
        erlang_c::min_agents(a, cell.aht_seconds, &ct, max_slots(a)).map_or(a.ceil() as u32, |s| s.agents)
    } else {
        a.ceil() as u32
    };
    let eval = |n: u32| evaluate_slots(cell, n, t.sl_seconds);
    let found = |lo: &Performance, hi: Performance| {
        let (fractional, binding) = fractional(t, lo, &hi, a);
        Found {
            slots: hi.agents,
            fractional,
            binding,
            at_slots: hi,
        }
    };
    let mut n = start.clamp(1, limit.max(1));
    let mut p = eval(n)?;
    if t.met_by(&p) {
        while n > 1 {
            let below = eval(n - 1)?;
            if !t.met_by(&below) {
                return Ok(found(&below, p));
            }
            n -= 1;
            p = below;
        }
        return Ok(found(&eval(0)?, p));
    }
    loop {
        if n >= limit {
            return Err(QueueingError::Unreachable { max_agents: limit });
        }
        let below = p;
        n += 1;
        p = eval(n)?;
        if t.met_by(&p) {
            return Ok(found(&below, p));
        }
    }
}

/// Fractional requirement in `(lo.agents, hi.agents]` and the binding target: for each target
/// missed at `lo`, where does the linear interpolation reach it? The latest one binds.
fn fractional(t: &Targets, lo: &Performance, hi: &Performance, a: f64) -> (f64, Constraint) {
    let n_hi = hi.agents as f64;
    // An unstable Erlang C point is replaced by the load, where SL = 0 and 1/ASA = 0.
    let (x_lo, sl_lo, speed_lo) = if lo.stable {
        (lo.agents as f64, lo.service_level, 1.0 / lo.asa_seconds)
    } else {
        (a.max(lo.agents as f64), 0.0, 0.0)
    };
    let cross = |f_lo: f64, f_hi: f64, target: f64| {
        if f_hi == f_lo {
            n_hi
        } else {
            (x_lo + (target - f_lo) / (f_hi - f_lo) * (n_hi - x_lo)).clamp(x_lo, n_hi)
        }
    };
    let mut best = (x_lo, Constraint::Stability);
    let mut consider = |x: f64, c: Constraint| {
        if x > best.0 || best.1 == Constraint::Stability && x >= best.0 {
            best = (x, c);
        }
    };
    if let Some(target) = t.service_level
        && !(lo.stable && lo.service_level >= target)
    {
        consider(cross(sl_lo, hi.service_level, target), Constraint::ServiceLevel);
    }
    if let Some(max) = t.max_asa_seconds
        && !(lo.stable && lo.asa_seconds <= max)
    {
        consider(cross(speed_lo, 1.0 / hi.asa_seconds, 1.0 / max), Constraint::Asa);
    }
    if let Some(max) = t.max_abandon_rate
        && lo.abandon_rate > max
    {
        consider(cross(lo.abandon_rate, hi.abandon_rate, max), Constraint::Abandonment);
    }
    if let Some(max) = t.max_occupancy
        && !(lo.stable && lo.occupancy <= max)
    {
        let x = if lo.stable {
            cross(lo.occupancy, hi.occupancy, max)
        } else {
            (a / max).clamp(x_lo, n_hi)
        };
        consider(x, Constraint::Occupancy);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(volume: f64, minutes: f64, aht: f64, model: Model) -> StaffingCell {
        StaffingCell::voice(volume, minutes * 60.0, aht, model)
    }

    #[test]
    fn erlang_c_cell() {
        let s = staff(&cell(100.0, 30.0, 180.0, Model::ErlangC), &Targets::default()).unwrap();
        assert_eq!(s.agents, 14);
        assert_eq!(s.binding, Constraint::ServiceLevel);
        // SL(13) = 0.795595, SL(14) = 0.888350 → 13 + (0.8 − 0.795595)/(0.092755) ≈ 13.047
        assert!((s.agents_fractional - 13.0475).abs() < 1e-3, "{}", s.agents_fractional);
        assert!((s.performance.service_level - 0.888350).abs() < 1e-6);
        assert_eq!(s.scheduled_agents, 14.0);
        assert!(s.seat_limit.is_none());
    }

    #[test]
    fn shrinkage_divides() {
        let t = Targets {
            shrinkage: 0.3,
            ..Targets::default()
        };
        let s = staff(&cell(100.0, 30.0, 180.0, Model::ErlangC), &t).unwrap();
        assert!((s.scheduled_agents - 20.0).abs() < 1e-12); // 14 / 0.7, not 14 × 1.3
    }

    #[test]
    fn erlang_a_cell() {
        let m = Model::ErlangA {
            patience_seconds: 120.0,
        };
        let s = staff(&cell(300.0, 30.0, 240.0, m), &Targets::default()).unwrap();
        assert_eq!(s.agents, 41);
        // Erlang C on the same load needs 46.
        assert_eq!(
            staff(&cell(300.0, 30.0, 240.0, Model::ErlangC), &Targets::default())
                .unwrap()
                .agents,
            46
        );
        // An abandonment ceiling of 3 % binds: P(Ab) at 45 = 0.026414, at 44 > 3 %.
        let t = Targets {
            max_abandon_rate: Some(0.03),
            ..Targets::default()
        };
        let s = staff(&cell(300.0, 30.0, 240.0, m), &t).unwrap();
        assert_eq!(s.binding, Constraint::Abandonment);
        assert!(s.performance.abandon_rate <= 0.03);
        assert!(
            what_if(&cell(300.0, 30.0, 240.0, m), s.agents - 1, 20.0)
                .unwrap()
                .abandon_rate
                > 0.03
        );
    }

    #[test]
    fn chat_concurrency_table() {
        // ALGORITHMS.md §4: 120 chats / 30 min, 80 % within 60 s, Erlang C on slots.
        let t = Targets {
            sl_seconds: 60.0,
            ..Targets::default()
        };
        for (c, aht, slots, agents, sl) in [
            (1, 360.0, 28, 28, 0.828961),
            (2, 450.0, 35, 18, 0.853890),
            (3, 540.0, 41, 14, 0.816380),
        ] {
            let chat = StaffingCell {
                concurrency: c,
                ..cell(120.0, 30.0, aht, Model::ErlangC)
            };
            let s = staff(&chat, &t).unwrap();
            assert_eq!(s.agents, agents, "c = {c}");
            let at_slots = erlang_c::service_level(slots, chat.load(), aht, 60.0);
            assert!((at_slots - sl).abs() < 1e-6, "c = {c}: {at_slots}");
            assert!(s.agents_fractional <= agents as f64 && s.agents_fractional > (slots - 1) as f64 / c as f64);
        }
    }

    #[test]
    fn seats_report_shortfall_and_best_service() {
        let t = Targets {
            seats: Some(12),
            ..Targets::default()
        };
        let s = staff(&cell(100.0, 30.0, 180.0, Model::ErlangC), &t).unwrap();
        assert_eq!(s.agents, 14); // the need is never silently capped
        let lim = s.seat_limit.expect("short of seats");
        assert_eq!(lim.shortfall, 2);
        assert!((lim.at_seats.service_level - 0.640158).abs() < 1e-6);
        // Seats at or above the need: nothing to report.
        let t = Targets {
            seats: Some(14),
            ..Targets::default()
        };
        assert!(
            staff(&cell(100.0, 30.0, 180.0, Model::ErlangC), &t)
                .unwrap()
                .seat_limit
                .is_none()
        );
    }

    #[test]
    fn zero_volume_and_bad_input() {
        let s = staff(&cell(0.0, 15.0, 180.0, Model::ErlangC), &Targets::default()).unwrap();
        assert_eq!(
            (s.agents, s.agents_fractional, s.binding),
            (0, 0.0, Constraint::NoVolume)
        );
        assert!(staff(&cell(-1.0, 15.0, 180.0, Model::ErlangC), &Targets::default()).is_err());
        assert!(staff(&cell(10.0, 15.0, 0.0, Model::ErlangC), &Targets::default()).is_err());
        let t = Targets {
            service_level: Some(1.0),
            ..Targets::default()
        };
        assert!(staff(&cell(10.0, 15.0, 180.0, Model::ErlangC), &t).is_err());
        let none = Targets {
            service_level: None,
            ..Targets::default()
        };
        assert_eq!(
            staff(&cell(10.0, 15.0, 180.0, Model::ErlangC), &none),
            Err(QueueingError::NoTarget)
        );
    }

    #[test]
    fn erlang_x_cell_with_redials_needs_more_than_erlang_a() {
        let a = staff(
            &cell(
                300.0,
                30.0,
                240.0,
                Model::ErlangA {
                    patience_seconds: 120.0,
                },
            ),
            &Targets::default(),
        )
        .unwrap();
        let x = Model::ErlangX {
            patience_seconds: 120.0,
            lines: Some(60),
            redial_probability: 0.5,
        };
        let s = staff(&cell(300.0, 30.0, 240.0, x), &Targets::default()).unwrap();
        assert!(s.agents >= a.agents, "{} vs {}", s.agents, a.agents);
        assert!(s.performance.service_level >= 0.8);
    }

    #[test]
    fn deferred_rows_are_workload() {
        let t = Targets {
            service_level: None,
            max_occupancy: Some(0.9),
            ..Targets::default()
        };
        // 100 emails of 6 min in an hour at 90 % → 11.11 agents → 12.
        let s = staff(&cell(100.0, 60.0, 360.0, Model::Deferred), &t).unwrap();
        assert_eq!(s.agents, 12);
        assert!((s.agents_fractional - 100.0 / 9.0).abs() < 1e-9);
    }

    proptest::proptest! {
        #[test]
        fn staff_is_minimal_and_what_if_agrees(
            volume in 1.0f64..600.0, aht in 60.0f64..900.0, target in 0.5f64..0.95,
            patience in 20.0f64..900.0, erlang_a_model: bool, asa in proptest::option::of(5.0f64..120.0),
            occ in proptest::option::of(0.7f64..1.0),
        ) {
            let model = if erlang_a_model { Model::ErlangA { patience_seconds: patience } } else { Model::ErlangC };
            let c = cell(volume, 15.0, aht, model);
            let t = Targets { service_level: Some(target), max_asa_seconds: asa, max_occupancy: occ, ..Targets::default() };
            let s = staff(&c, &t).unwrap();
            let at = what_if(&c, s.agents, t.sl_seconds).unwrap();
            proptest::prop_assert!(t.met_by(&at), "{:?}", at);
            proptest::prop_assert_eq!(at.agents, s.performance.agents);
            proptest::prop_assert!((at.service_level - s.performance.service_level).abs() < 1e-12);
            proptest::prop_assert!((at.asa_seconds - s.performance.asa_seconds).abs() < 1e-9 * at.asa_seconds.max(1.0));
            if s.agents > 1 {
                let below = what_if(&c, s.agents - 1, t.sl_seconds).unwrap();
                proptest::prop_assert!(!t.met_by(&below), "{:?}", below);
            }
            proptest::prop_assert!(s.agents_fractional <= s.agents as f64 + 1e-12);
            proptest::prop_assert!(s.agents_fractional > s.agents as f64 - 1.0 - 1e-12 || s.binding == Constraint::Stability);
        }
    }
}
