//! What the caller describes: queues with their routing, agents with skills, the roster, the
//! forecast. Times are seconds from a caller-chosen origin (e.g. midnight of the simulated day).
//! [`Model::compile`] checks everything and resolves names to indices for the engine.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::SimError;

/// How a queue's contacts are worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Real-time, one contact per agent, callers may abandon.
    Voice,
    /// Real-time, up to `concurrency` sessions per agent.
    Chat,
    /// Email / tickets: no abandonment, worked when no real-time contact waits (low priority
    /// by default); the service-level threshold is the response deadline.
    Deferred,
}

/// Patience of a waiting contact.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Patience {
    /// Never abandons (Erlang C behaviour; deferred work).
    Unlimited,
    /// Exponential patience with this mean (Erlang A behaviour).
    Exponential { mean_seconds: f64 },
}

/// Distribution of handle time around the forecast AHT.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServiceTime {
    Exponential,
    /// Log-normal with this coefficient of variation (closer to real handle times).
    LogNormal { cv: f64 },
    Fixed,
}

/// After `after_seconds` of waiting, agents holding `skill` may also take the contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overflow {
    pub after_seconds: f64,
    pub skill: String,
}

/// One queue (contact type) and its routing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueSpec {
    pub name: String,
    pub channel: Channel,
    /// Agents holding this skill serve the queue (usually the queue name).
    pub skill: String,
    /// Service-level threshold T: answered within T seconds counts as good.
    pub sl_seconds: f64,
    /// Service-level target (fraction) used for the meets-targets verdict.
    pub sl_target: f64,
    /// Optional abandonment ceiling (fraction of offered) for the verdict.
    pub max_abandon_rate: Option<f64>,
    /// Abandons within this many seconds are removed from the SL base (PRODUCT.md SL formula).
    pub short_abandon_seconds: f64,
    pub patience: Patience,
    pub service: ServiceTime,
    /// Share of the handle time spent in after-contact work (voice/deferred, concurrency 1).
    pub acw_fraction: f64,
    /// Sessions one agent can hold at once (chat); 1 for voice and deferred work.
    pub concurrency: u32,
    /// Higher first when an agent picks its next contact among equal skill priorities.
    pub priority: i32,
    pub overflow: Option<Overflow>,
}

impl QueueSpec {
    /// A queue with the usual defaults for its channel: voice 80/20 without abandonment,
    /// chat 80/60 with one session, deferred work with a 4-hour deadline and priority −100.
    pub fn new(name: &str, channel: Channel) -> QueueSpec {
        let (sl_seconds, priority) = match channel {
            Channel::Voice => (20.0, 0),
            Channel::Chat => (60.0, 0),
            Channel::Deferred => (4.0 * 3600.0, -100),
        };
        QueueSpec {
            name: name.to_string(),
            channel,
            skill: name.to_string(),
            sl_seconds,
            sl_target: 0.8,
            max_abandon_rate: None,
            short_abandon_seconds: 0.0,
            patience: Patience::Unlimited,
            service: ServiceTime::Exponential,
            acw_fraction: 0.0,
            concurrency: 1,
            priority,
            overflow: None,
        }
    }
}

/// A skill an agent holds. Lower `priority` is served first when the agent frees up;
/// `handle_factor` scales the contact's handle time (e.g. 1.1 for a less practised skill).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentSkill {
    pub skill: String,
    pub priority: u32,
    pub handle_factor: f64,
}

impl AgentSkill {
    pub fn new(skill: &str) -> AgentSkill {
        AgentSkill { skill: skill.to_string(), priority: 1, handle_factor: 1.0 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentSpec {
    pub id: String,
    pub skills: Vec<AgentSkill>,
}

/// What a roster segment asks the agent to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activity {
    /// Logged in and taking contacts.
    Work,
    Break,
    Lunch,
    /// Any other scheduled activity off the phones (training, meeting, coaching…).
    Other(String),
    /// Not working (same as no segment).
    Off,
}

impl Activity {
    /// Roster file spelling → activity (`work`, `break`, `lunch`, `off`, anything else is Other).
    pub fn parse(s: &str) -> Activity {
        match s.trim().to_ascii_lowercase().as_str() {
            "work" | "shift" | "phone" | "available" => Activity::Work,
            "break" => Activity::Break,
            "lunch" | "meal" => Activity::Lunch,
            "off" | "" => Activity::Off,
            other => Activity::Other(other.to_string()),
        }
    }
}

/// One roster row: `agent` indexes [`Model::agents`]; `[start, end)` in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RosterSegment {
    pub agent: usize,
    pub start: f64,
    pub end: f64,
    pub activity: Activity,
}

/// Forecast volume for one queue over `[start, start + length)`: arrivals are Poisson with
/// rate `volume / length`, handle times have mean `aht_seconds`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForecastInterval {
    pub queue: usize,
    pub start: f64,
    pub length: f64,
    pub volume: f64,
    pub aht_seconds: f64,
}

/// Which idle agent takes a new contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AgentSelection {
    /// The agent idle the longest among all skilled agents.
    #[default]
    LongestIdle,
    /// Agents with the fewest skills first (keep generalists free), then longest idle.
    SpecialistFirst,
}

/// Deviations from the roster: late logins and overlong breaks (adherence noise).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct AdherenceNoise {
    pub late_login_probability: f64,
    pub late_login_mean_seconds: f64,
    pub long_break_probability: f64,
    pub long_break_mean_seconds: f64,
}

/// Everything the engine needs for one simulated period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub queues: Vec<QueueSpec>,
    pub agents: Vec<AgentSpec>,
    pub roster: Vec<RosterSegment>,
    pub forecast: Vec<ForecastInterval>,
    pub selection: AgentSelection,
    pub adherence: AdherenceNoise,
    /// Length of the statistics intervals (grid from time 0).
    pub interval_seconds: f64,
    /// The run continues this long after the last forecast interval ends so waiting contacts
    /// meet their fate; what is still waiting then is reported as `in_queue_end`.
    pub drain_seconds: f64,
}

impl Model {
    /// Agents who work the whole of `[0, end)` without breaks (steady-state validation models).
    pub fn always_on_roster(agents: usize, end: f64) -> Vec<RosterSegment> {
        (0..agents).map(|agent| RosterSegment { agent, start: 0.0, end, activity: Activity::Work }).collect()
    }

    /// Check the model and resolve names into the engine's index form.
    pub fn compile(&self) -> Result<Compiled, SimError> {
        compile(self)
    }
}

// ---------------------------------------------------------------- compiled form

/// Capacity units of one agent; a session of a queue with concurrency c takes CAP / c.
/// 720720 is divisible by every c in 1..=16.
pub(crate) const CAP: u32 = 720_720;
pub(crate) const MAX_CONCURRENCY: u32 = 16;

pub(crate) struct CQueue {
    pub units: u32,
    pub sl_seconds: f64,
    pub short_abandon: f64,
    pub patience_mean: Option<f64>,
    pub service: ServiceTime,
    pub acw_fraction: f64,
    pub overflow_after: Option<f64>,
    /// Classes whose agents serve this queue from the start, in selection order.
    pub primary_classes: Vec<u32>,
    /// Classes that may take it after the overflow delay.
    pub overflow_classes: Vec<u32>,
    /// Forecast rows of this queue, sorted by start.
    pub forecast: Vec<ForecastInterval>,
}

/// How a class of agents relates to a queue.
#[derive(Clone, Copy)]
pub(crate) struct ClassQueue {
    pub queue: u32,
    pub overflow: bool,
    pub skill_priority: u32,
    pub queue_priority: i32,
    pub handle_factor: f64,
}

/// Agents with an identical skill set share a class: one idle FIFO per class makes
/// "longest idle among the skilled" a look at a few FIFO fronts.
pub(crate) struct CClass {
    pub members: Vec<u32>,
    pub skill_count: usize,
    /// Queues this class can serve, sorted by (skill priority, −queue priority).
    pub queues: Vec<ClassQueue>,
    /// Queues whose primary skill the class holds (idle time is shared among them).
    pub primary_queues: Vec<u32>,
    /// Handle-time factor per queue (dense; 1.0 where the class does not serve the queue).
    pub factors: Vec<f64>,
}

impl CClass {
    #[inline]
    pub fn factor(&self, q: usize) -> f64 {
        self.factors[q]
    }
}

/// The in-force activity of an agent, in compact form (`Other` indexes `Compiled::other_names`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Act {
    Off,
    Work,
    Break,
    Lunch,
    Other(u32),
}

/// Which adherence noise may delay a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delay {
    None,
    LateLogin,
    LongBreak,
}

/// A roster boundary: at `at` the agent should switch to `to`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Transition {
    pub at: f64,
    pub to: Act,
    pub delay: Delay,
}

pub(crate) struct CAgent {
    pub class: u32,
    pub transitions: Vec<Transition>,
}

/// The validated model in index form. Build once, simulate many replications.
pub struct Compiled {
    pub(crate) model: Model,
    pub(crate) queues: Vec<CQueue>,
    pub(crate) classes: Vec<CClass>,
    pub(crate) agents: Vec<CAgent>,
    pub(crate) other_names: Vec<String>,
    pub(crate) n_intervals: usize,
    /// Last forecast end (arrivals stop here).
    pub(crate) arrivals_end: f64,
    /// End of the run.
    pub(crate) end: f64,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("queues", &self.queues.len())
            .field("agents", &self.agents.len())
            .field("classes", &self.classes.len())
            .field("n_intervals", &self.n_intervals)
            .field("end", &self.end)
            .finish()
    }
}

impl Compiled {
    pub fn model(&self) -> &Model {
        &self.model
    }
    pub fn n_intervals(&self) -> usize {
        self.n_intervals
    }
    /// When the last forecast interval ends (no arrivals after this).
    pub fn arrivals_end(&self) -> f64 {
        self.arrivals_end
    }
    /// When the run stops (seconds).
    pub fn end(&self) -> f64 {
        self.end
    }
}

fn finite_nonneg(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

fn invalid(what: String) -> SimError {
    SimError::Invalid(what)
}

fn compile(m: &Model) -> Result<Compiled, SimError> {
    if m.queues.is_empty() {
        return Err(invalid("the model has no queues".into()));
    }
    if !(m.interval_seconds.is_finite() && m.interval_seconds > 0.0) {
        return Err(invalid(format!("interval_seconds must be positive, got {}", m.interval_seconds)));
    }
    if !finite_nonneg(m.drain_seconds) {
        return Err(invalid(format!("drain_seconds must be ≥ 0, got {}", m.drain_seconds)));
    }
    let a = &m.adherence;
    for (name, p) in [("late_login_probability", a.late_login_probability), ("long_break_probability", a.long_break_probability)] {
        if !(0.0..=1.0).contains(&p) {
            return Err(invalid(format!("adherence {name} must be in [0, 1], got {p}")));
        }
    }
    if !finite_nonneg(a.late_login_mean_seconds) || !finite_nonneg(a.long_break_mean_seconds) {
        return Err(invalid("adherence mean seconds must be ≥ 0".into()));
    }

    // Skills: names → indices.
    let mut skill_ix: HashMap<String, usize> = HashMap::new();
    let mut intern = |s: &str| {
        let n = skill_ix.len();
        *skill_ix.entry(s.to_string()).or_insert(n)
    };
    let mut queue_names: HashMap<&str, usize> = HashMap::new();
    for (qi, q) in m.queues.iter().enumerate() {
        if queue_names.insert(q.name.as_str(), qi).is_some() {
            return Err(invalid(format!("queue `{}` is defined twice", q.name)));
        }
        let bad = |what: &str| invalid(format!("queue `{}`: {what}", q.name));
        if !finite_nonneg(q.sl_seconds) {
            return Err(bad("sl_seconds must be ≥ 0"));
        }
        if !(0.0..=1.0).contains(&q.sl_target) {
            return Err(bad("sl_target must be in [0, 1]"));
        }
        if let Some(x) = q.max_abandon_rate
            && !(0.0..=1.0).contains(&x)
        {
            return Err(bad("max_abandon_rate must be in [0, 1]"));
        }
        if !finite_nonneg(q.short_abandon_seconds) {
            return Err(bad("short_abandon_seconds must be ≥ 0"));
        }
        if let Patience::Exponential { mean_seconds } = q.patience
            && !(mean_seconds.is_finite() && mean_seconds > 0.0)
        {
            return Err(bad("patience mean must be positive"));
        }
        if let ServiceTime::LogNormal { cv } = q.service
            && !(cv.is_finite() && cv > 0.0)
        {
            return Err(bad("log-normal cv must be positive"));
        }
        if !(0.0..1.0).contains(&q.acw_fraction) {
            return Err(bad("acw_fraction must be in [0, 1)"));
        }
        if q.concurrency == 0 || q.concurrency > MAX_CONCURRENCY {
            return Err(bad(&format!("concurrency must be 1..={MAX_CONCURRENCY}")));
        }
        if q.channel != Channel::Chat && q.concurrency != 1 {
            return Err(bad("only chat queues can have concurrency above 1"));
        }
        if let Some(o) = &q.overflow
            && !finite_nonneg(o.after_seconds)
        {
            return Err(bad("overflow after_seconds must be ≥ 0"));
        }
        intern(&q.skill);
        if let Some(o) = &q.overflow {
            intern(&o.skill);
        }
    }

    // Classes: agents with the same skill list (after sorting) share one.
    let mut class_of: HashMap<Vec<(usize, u32, u64)>, u32> = HashMap::new();
    let mut class_keys: Vec<Vec<(usize, u32, u64)>> = Vec::new();
    let mut agents: Vec<CAgent> = Vec::with_capacity(m.agents.len());
    let mut agent_ids: HashMap<&str, usize> = HashMap::new();
    for (ai, ag) in m.agents.iter().enumerate() {
        if agent_ids.insert(ag.id.as_str(), ai).is_some() {
            return Err(invalid(format!("agent `{}` is listed twice", ag.id)));
        }
        let mut key = Vec::with_capacity(ag.skills.len());
        for s in &ag.skills {
            if !(s.handle_factor.is_finite() && s.handle_factor > 0.0) {
                return Err(invalid(format!("agent `{}`: handle_factor of `{}` must be positive", ag.id, s.skill)));
            }
            // Skills nobody routes to are kept out of the key: they change nothing.
            if let Some(&si) = skill_ix.get(s.skill.as_str()) {
                key.push((si, s.priority, s.handle_factor.to_bits()));
            }
        }
        key.sort_unstable();
        key.dedup_by_key(|k| k.0);
        let next = class_keys.len() as u32;
        let class = *class_of.entry(key.clone()).or_insert_with(|| {
            class_keys.push(key);
            next
        });
        agents.push(CAgent { class, transitions: Vec::new() });
    }

    let mut classes: Vec<CClass> = class_keys
        .iter()
        .map(|key| {
            let mut queues = Vec::new();
            let mut primary_queues = Vec::new();
            for (qi, q) in m.queues.iter().enumerate() {
                let find = |name: &str| skill_ix.get(name).and_then(|si| key.iter().find(|k| k.0 == *si));
                let (hit, overflow) = match find(&q.skill) {
                    Some(k) => (Some(k), false),
                    None => (q.overflow.as_ref().and_then(|o| find(&o.skill)), true),
                };
                if let Some(&(_, prio, hf)) = hit {
                    queues.push(ClassQueue {
                        queue: qi as u32,
                        overflow,
                        skill_priority: prio,
                        queue_priority: q.priority,
                        handle_factor: f64::from_bits(hf),
                    });
                    if !overflow {
                        primary_queues.push(qi as u32);
                    }
                }
            }
            let mut factors = vec![1.0; m.queues.len()];
            for cq in &queues {
                factors[cq.queue as usize] = cq.handle_factor;
            }
            queues.sort_by_key(|cq| (cq.skill_priority, -cq.queue_priority));
            CClass { members: Vec::new(), skill_count: key.len(), queues, primary_queues, factors }
        })
        .collect();
    for (ai, a) in agents.iter().enumerate() {
        classes[a.class as usize].members.push(ai as u32);
    }

    // Queues in compiled form, with their class lists in selection order.
    let mut queues: Vec<CQueue> = m
        .queues
        .iter()
        .map(|q| CQueue {
            units: CAP / q.concurrency,
            sl_seconds: q.sl_seconds,
            short_abandon: q.short_abandon_seconds,
            patience_mean: match q.patience {
                Patience::Unlimited => None,
                Patience::Exponential { mean_seconds } => Some(mean_seconds),
            },
            service: q.service,
            acw_fraction: q.acw_fraction,
            overflow_after: q.overflow.as_ref().map(|o| o.after_seconds),
            primary_classes: Vec::new(),
            overflow_classes: Vec::new(),
            forecast: Vec::new(),
        })
        .collect();
    for (ci, c) in classes.iter().enumerate() {
        for cq in &c.queues {
            let q = &mut queues[cq.queue as usize];
            if cq.overflow { q.overflow_classes.push(ci as u32) } else { q.primary_classes.push(ci as u32) }
        }
    }
    for q in &mut queues {
        // Stable order: specialists (fewest skills) first, then class index.
        q.primary_classes.sort_by_key(|&c| (classes[c as usize].skill_count, c));
        q.overflow_classes.sort_by_key(|&c| (classes[c as usize].skill_count, c));
    }

    // Forecast.
    let mut arrivals_end: f64 = 0.0;
    for (i, f) in m.forecast.iter().enumerate() {
        let bad = |what: &str| invalid(format!("forecast row {}: {what}", i + 1));
        if f.queue >= m.queues.len() {
            return Err(bad(&format!("queue index {} out of range", f.queue)));
        }
        if !finite_nonneg(f.start) {
            return Err(bad("start must be ≥ 0 (seconds from the origin)"));
        }
        if !(f.length.is_finite() && f.length > 0.0) {
            return Err(bad("length must be positive"));
        }
        if !finite_nonneg(f.volume) {
            return Err(bad("volume must be ≥ 0"));
        }
        if f.volume > 0.0 && !(f.aht_seconds.is_finite() && f.aht_seconds > 0.0) {
            return Err(bad("aht_seconds must be positive where volume > 0"));
        }
        queues[f.queue].forecast.push(f.clone());
        arrivals_end = arrivals_end.max(f.start + f.length);
    }
    for (qi, q) in queues.iter_mut().enumerate() {
        q.forecast.sort_by(|a, b| a.start.total_cmp(&b.start));
        for w in q.forecast.windows(2) {
            if w[1].start < w[0].start + w[0].length - 1e-9 {
                return Err(invalid(format!(
                    "forecast for queue `{}` has overlapping intervals at {} s",
                    m.queues[qi].name, w[1].start
                )));
            }
        }
    }

    // Roster → per-agent transitions.
    let mut segments: Vec<Vec<&RosterSegment>> = vec![Vec::new(); agents.len()];
    let mut roster_end: f64 = 0.0;
    for (i, s) in m.roster.iter().enumerate() {
        let bad = |what: &str| invalid(format!("roster row {}: {what}", i + 1));
        if s.agent >= agents.len() {
            return Err(bad(&format!("agent index {} out of range", s.agent)));
        }
        if !(finite_nonneg(s.start) && s.end.is_finite() && s.end > s.start) {
            return Err(bad("needs 0 ≤ start < end"));
        }
        if s.activity != Activity::Off {
            segments[s.agent].push(s);
            roster_end = roster_end.max(s.end);
        }
    }
    let mut other_names: Vec<String> = Vec::new();
    for (ai, segs) in segments.iter_mut().enumerate() {
        segs.sort_by(|x, y| x.start.total_cmp(&y.start));
        let mut prev: Option<(f64, Act)> = None;
        let tr = &mut agents[ai].transitions;
        for s in segs.iter() {
            let act = match &s.activity {
                Activity::Work => Act::Work,
                Activity::Break => Act::Break,
                Activity::Lunch => Act::Lunch,
                Activity::Off => Act::Off,
                Activity::Other(name) => {
                    let ix = other_names.iter().position(|n| n == name).unwrap_or_else(|| {
                        other_names.push(name.clone());
                        other_names.len() - 1
                    });
                    Act::Other(ix as u32)
                }
            };
            let mut logged_out = true;
            if let Some((prev_end, prev_act)) = prev {
                if s.start < prev_end - 1e-9 {
                    return Err(invalid(format!(
                        "roster for agent `{}` has overlapping segments at {} s",
                        m.agents[ai].id, s.start
                    )));
                }
                if s.start > prev_end + 1e-9 {
                    tr.push(Transition { at: prev_end, to: Act::Off, delay: Delay::None });
                } else {
                    logged_out = false;
                    if prev_act == act {
                        prev = Some((s.end, act));
                        continue; // contiguous repeat: nothing changes
                    }
                }
            }
            let delay = match (act, prev.map(|p| p.1)) {
                (Act::Work, _) if logged_out => Delay::LateLogin,
                (Act::Work, Some(Act::Break | Act::Lunch)) => Delay::LongBreak,
                _ => Delay::None,
            };
            tr.push(Transition { at: s.start, to: act, delay });
            prev = Some((s.end, act));
        }
        if let Some((end, _)) = prev {
            tr.push(Transition { at: end, to: Act::Off, delay: Delay::None });
        }
    }

    // Run past the last arrival by the drain, and to the roster's end so the floor logs out.
    let end = (arrivals_end + m.drain_seconds).max(roster_end);
    let n_intervals = ((arrivals_end / m.interval_seconds).ceil() as usize).max(1);
    Ok(Compiled { model: m.clone(), queues, classes, agents, other_names, n_intervals, arrivals_end, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Model {
        Model {
            queues: vec![QueueSpec::new("voice", Channel::Voice)],
            agents: vec![AgentSpec { id: "a1".into(), skills: vec![AgentSkill::new("voice")] }],
            roster: Model::always_on_roster(1, 3600.0),
            forecast: vec![ForecastInterval { queue: 0, start: 0.0, length: 1800.0, volume: 10.0, aht_seconds: 100.0 }],
            selection: AgentSelection::LongestIdle,
            adherence: AdherenceNoise::default(),
            interval_seconds: 900.0,
            drain_seconds: 600.0,
        }
    }

    #[test]
    fn compiles_and_sizes_the_grid() {
        let c = base().compile().unwrap();
        assert_eq!(c.n_intervals(), 2);
        assert_eq!(c.arrivals_end(), 1800.0);
        assert_eq!(c.end(), 3600.0); // the roster runs longer than forecast + drain
        assert_eq!(c.classes.len(), 1);
        assert_eq!(c.queues[0].primary_classes, vec![0]);
    }

    #[test]
    fn rejects_bad_input_with_a_reason() {
        let mut m = base();
        m.forecast[0].volume = -1.0;
        assert!(m.compile().unwrap_err().to_string().contains("volume"));
        let mut m = base();
        m.roster.push(RosterSegment { agent: 0, start: 100.0, end: 200.0, activity: Activity::Break });
        assert!(m.compile().unwrap_err().to_string().contains("overlapping"));
        let mut m = base();
        m.queues[0].concurrency = 3;
        assert!(m.compile().unwrap_err().to_string().contains("chat"));
        let mut m = base();
        m.roster[0].agent = 5;
        assert!(m.compile().unwrap_err().to_string().contains("out of range"));
    }

    #[test]
    fn identical_skill_sets_share_a_class_and_overflow_is_resolved() {
        let mut m = base();
        m.queues[0].overflow = Some(Overflow { after_seconds: 30.0, skill: "general".into() });
        m.agents.push(AgentSpec { id: "a2".into(), skills: vec![AgentSkill::new("voice"), AgentSkill::new("unused")] });
        m.agents.push(AgentSpec { id: "a3".into(), skills: vec![AgentSkill::new("general")] });
        let c = m.compile().unwrap();
        assert_eq!(c.agents[0].class, c.agents[1].class);
        assert_eq!(c.queues[0].overflow_classes, vec![c.agents[2].class]);
    }
}
