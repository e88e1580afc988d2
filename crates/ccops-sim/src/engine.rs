//! The event loop. A 4-ary heap keyed by (time, sequence) ([`crate::events`]) — the sequence
//! makes ties deterministic — with lazy deletion: abandonment and overflow timers are never removed,
//! a popped timer whose contact has moved on (generation changed) is dropped.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use crate::events::{Entry, EventQueue};
use crate::model::{Act, AgentSelection, CAP, Compiled, Delay, ServiceTime};
use crate::rng::Stream;
use crate::stats::{Counts, EventCounts, FloorCounts, ReplicationReport};

/// What an agent is doing, as the exchange format spells it (`AgentState::as_str`): the live
/// floor's own type, so simulated events feed it unchanged.
pub use ccops_floor::AgentState;

/// One agent state change. `agent` and `queue` index the model; `reason` indexes
/// [`Simulation::reason_name`] (the roster activity behind a `training` state).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AgentStateEvent {
    /// Sequence number within the replication (unique, increasing).
    pub seq: u64,
    pub agent: u32,
    pub state: AgentState,
    /// Seconds from the model origin.
    pub at: f64,
    pub queue: Option<u32>,
    pub reason: Option<u32>,
}

/// The current state of one agent (for a live floor view).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AgentSnapshot {
    pub state: AgentState,
    pub since: f64,
    pub queue: Option<u32>,
    /// Contacts in hand (chat sessions count one each).
    pub contacts: u32,
}

/// Engine options for one replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SimOptions {
    /// Record agent state events (costs time; off for statistics-only runs).
    pub record_events: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    Arrival,
    Abandon,
    Overflow,
    Complete,
    TalkEnd,
    /// Roster boundary reached (natural time): schedules the next, applies or delays this one.
    RosterTick,
    /// Apply a (possibly delayed) roster transition.
    RosterApply,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CState {
    Waiting,
    Serving,
    Free,
}

#[derive(Clone, Copy)]
struct Contact {
    queue: u32,
    interval: u32,
    state: CState,
    generation: u32,
    agent: u32,
    arrival: f64,
    /// Handle time before the agent's handle factor.
    work: f64,
}

struct AgentRt {
    class: u32,
    logged_in: bool,
    activity: Act,
    /// Transition waiting for the agent to finish its contacts.
    pending: Option<Act>,
    /// Index of the last applied roster transition (+1; 0 = none).
    applied: u32,
    load: u32,
    contacts: Vec<u32>,
    idle_gen: u32,
    idle_since: f64,
    last_acc: f64,
    /// The statistics interval holding `last_acc` and where it ends: most spans between two
    /// bookings lie inside it, and then nothing needs dividing.
    acc_interval: usize,
    acc_end: f64,
    state: AgentState,
    since: f64,
    queue: Option<u32>,
}

impl AgentRt {
    #[inline]
    fn available(&self) -> bool {
        self.logged_in && self.activity == Act::Work && self.pending.is_none()
    }
}

struct QueueRt {
    /// Current forecast row.
    row: usize,
    arrivals: Stream,
    service: Stream,
    patience: Stream,
    waiting: VecDeque<(u32, u32)>,
    waiting_count: u32,
}

/// One replication of a model, stepped forward in time. Build with [`Simulation::new`], then
/// call [`advance_to`](Simulation::advance_to) as often as you like (a live floor) or
/// [`run`](Simulation::run) once (statistics).
pub struct Simulation {
    c: Arc<Compiled>,
    seed: u64,
    replication: u64,
    opts: SimOptions,
    now: f64,
    seq: u64,
    heap: EventQueue,
    /// Roster boundaries, apart from the contact events: every agent's next boundary sits in
    /// here all day (an always-on roster parks one per agent at the end of the run), and kept
    /// out of `heap` they no longer deepen every push and pop. Both lists share the sequence
    /// counter, so merging their heads gives the same order as one list.
    ticks: EventQueue,
    contacts: Vec<Contact>,
    free: Vec<u32>,
    queues: Vec<QueueRt>,
    idle: Vec<VecDeque<(u32, u32)>>,
    agents: Vec<AgentRt>,
    adherence: Stream,
    counts: Vec<Vec<Counts>>,
    floor: Vec<FloorCounts>,
    events: EventCounts,
    out: Vec<AgentStateEvent>,
    out_seq: u64,
    interval: f64,
    finished: bool,
}

impl Simulation {
    /// A fresh replication at time 0. Streams derive from `(seed, replication)`, so the same
    /// pair always gives the same day and different replications are independent.
    pub fn new(c: Arc<Compiled>, seed: u64, replication: u64, opts: SimOptions) -> Simulation {
        let nq = c.queues.len();
        let queues = (0..nq as u64)
            .map(|q| QueueRt {
                row: 0,
                arrivals: Stream::new(seed, replication, 3 * q + 1),
                service: Stream::new(seed, replication, 3 * q + 2),
                patience: Stream::new(seed, replication, 3 * q + 3),
                waiting: VecDeque::new(),
                waiting_count: 0,
            })
            .collect();
        let agents = c
            .agents
            .iter()
            .map(|a| AgentRt {
                class: a.class,
                logged_in: false,
                activity: Act::Off,
                pending: None,
                applied: 0,
                load: 0,
                contacts: Vec::new(),
                idle_gen: 0,
                idle_since: 0.0,
                last_acc: 0.0,
                acc_interval: 0,
                acc_end: c.model.interval_seconds,
                state: AgentState::Logout,
                since: 0.0,
                queue: None,
            })
            .collect();
        let n_int = c.n_intervals;
        let mut sim = Simulation {
            seed,
            replication,
            opts,
            now: 0.0,
            seq: 0,
            heap: EventQueue::with_capacity(1024),
            ticks: EventQueue::with_capacity(c.agents.len()),
            contacts: Vec::new(),
            free: Vec::new(),
            queues,
            idle: (0..c.classes.len()).map(|_| VecDeque::new()).collect(),
            agents,
            adherence: Stream::new(seed, replication, 0),
            counts: vec![vec![Counts::default(); n_int]; nq],
            floor: vec![FloorCounts::default(); n_int],
            events: EventCounts::default(),
            out: Vec::new(),
            out_seq: 0,
            interval: c.model.interval_seconds,
            finished: false,
            c,
        };
        for q in 0..nq {
            sim.schedule_arrival(q, 0.0);
        }
        for a in 0..sim.agents.len() {
            if let Some(tr) = sim.c.agents[a].transitions.first() {
                sim.push(tr.at, Kind::RosterTick, a as u32, 0);
            }
        }
        sim
    }

    pub fn compiled(&self) -> &Arc<Compiled> {
        &self.c
    }
    /// Current simulated time (seconds from the origin).
    pub fn now(&self) -> f64 {
        self.now
    }
    /// When the run ends.
    pub fn end(&self) -> f64 {
        self.c.end
    }
    pub fn is_finished(&self) -> bool {
        self.finished
    }
    /// Name of an event's `reason` (the roster activity, e.g. "training", "meeting").
    pub fn reason_name(&self, reason: u32) -> &str {
        self.c.other_names.get(reason as usize).map(String::as_str).unwrap_or("")
    }
    /// Exchange-format event id: unique per (seed, replication, seq).
    pub fn event_id(&self, e: &AgentStateEvent) -> String {
        format!("sim-{}-{}-{}", self.seed, self.replication, e.seq)
    }
    /// Every agent's current state.
    pub fn agent_snapshot(&self) -> Vec<AgentSnapshot> {
        self.agents
            .iter()
            .map(|a| AgentSnapshot { state: a.state, since: a.since, queue: a.queue, contacts: a.contacts.len() as u32 })
            .collect()
    }
    /// Contacts waiting now, per queue.
    pub fn waiting(&self) -> Vec<u32> {
        self.queues.iter().map(|q| q.waiting_count).collect()
    }
    /// Counters so far (`[queue][interval]`; contacts still waiting are not yet `in_queue_end`).
    pub fn counts(&self) -> &[Vec<Counts>] {
        &self.counts
    }

    /// Process every event up to time `t` (capped at the end) and return the agent state
    /// events produced (empty unless `record_events`).
    pub fn advance_to(&mut self, t: f64) -> Vec<AgentStateEvent> {
        let limit = t.min(self.c.end);
        loop {
            let from_ticks = match (self.heap.peek(), self.ticks.peek()) {
                (Some(h), Some(k)) => k.before(h),
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => break,
            };
            let list = if from_ticks { &mut self.ticks } else { &mut self.heap };
            if list.peek().is_none_or(|top| top.t() > limit) {
                break;
            }
            let Some(e) = list.pop() else { break };
            self.now = e.t();
            self.dispatch(e);
        }
        if limit > self.now {
            self.now = limit;
        }
        std::mem::take(&mut self.out)
    }

    /// Run to the end and report.
    pub fn run(mut self) -> ReplicationReport {
        self.advance_to(f64::INFINITY);
        self.finish()
    }

    /// Close the books at the current time: account agent time, count contacts still waiting.
    pub fn finish(&mut self) -> ReplicationReport {
        let now = self.now;
        for a in 0..self.agents.len() {
            self.account(a, now);
        }
        if !self.finished {
            for q in 0..self.queues.len() {
                let entries: Vec<(u32, u32)> = self.queues[q].waiting.iter().copied().collect();
                for (ci, generation) in entries {
                    let ct = self.contacts[ci as usize];
                    if ct.generation == generation && ct.state == CState::Waiting {
                        self.counts[q][ct.interval as usize].in_queue_end += 1;
                    }
                }
            }
            self.finished = true;
        }
        let totals = self
            .counts
            .iter()
            .map(|row| {
                let mut t = Counts::default();
                row.iter().for_each(|c| t.add(c));
                t
            })
            .collect();
        ReplicationReport { intervals: self.counts.clone(), totals, floor: self.floor.clone(), events: self.events }
    }

    // ------------------------------------------------------------ event plumbing

    #[inline]
    fn push(&mut self, t: f64, kind: Kind, a: u32, b: u32) {
        self.seq += 1;
        let e = Entry::new(t, self.seq, kind as u8, a, b);
        if kind == Kind::RosterTick { self.ticks.push(e) } else { self.heap.push(e) }
    }

    fn dispatch(&mut self, e: Entry) {
        const ARRIVAL: u8 = Kind::Arrival as u8;
        const ABANDON: u8 = Kind::Abandon as u8;
        const OVERFLOW: u8 = Kind::Overflow as u8;
        const COMPLETE: u8 = Kind::Complete as u8;
        const TALK_END: u8 = Kind::TalkEnd as u8;
        const ROSTER_TICK: u8 = Kind::RosterTick as u8;
        match e.kind() {
            ARRIVAL => self.on_arrival(e.a as usize),
            ABANDON => self.on_abandon(e.a, e.b),
            OVERFLOW => self.on_overflow(e.a, e.b),
            COMPLETE => self.on_complete(e.a, e.b),
            TALK_END => self.on_talk_end(e.a, e.b),
            ROSTER_TICK => self.on_roster_tick(e.a as usize, e.b as usize),
            _ => self.apply_transition(e.a as usize, e.b as usize),
        }
    }

    fn emit(&mut self, a: usize, state: AgentState, queue: Option<u32>, reason: Option<u32>) {
        let ag = &mut self.agents[a];
        if ag.state == state && ag.queue == queue && state != AgentState::Login {
            return;
        }
        ag.state = state;
        ag.since = self.now;
        ag.queue = queue;
        if self.opts.record_events {
            self.out_seq += 1;
            self.out.push(AgentStateEvent { seq: self.out_seq, agent: a as u32, state, at: self.now, queue, reason });
        }
    }

    #[inline]
    fn interval_of(&self, t: f64) -> usize {
        ((t / self.interval) as usize).min(self.c.n_intervals - 1)
    }

    // ------------------------------------------------------------ arrivals

    /// Next arrival of queue `q` after `t`: piecewise-constant rate, restarting at each
    /// forecast boundary (exact by memorylessness).
    fn schedule_arrival(&mut self, q: usize, mut t: f64) {
        let rows = &self.c.queues[q].forecast;
        let qr = &mut self.queues[q];
        let mut next = None;
        while let Some(r) = rows.get(qr.row) {
            let end = r.start + r.length;
            if t < r.start {
                t = r.start;
            }
            if r.volume > 0.0 {
                let gap = qr.arrivals.exp1() * r.length / r.volume;
                if t + gap < end {
                    next = Some(t + gap);
                    break;
                }
            }
            t = end;
            qr.row += 1;
        }
        if let Some(at) = next {
            self.push(at, Kind::Arrival, q as u32, 0);
        }
    }

    fn on_arrival(&mut self, q: usize) {
        self.events.arrivals += 1;
        let now = self.now;
        let cq = &self.c.queues[q];
        let qr = &mut self.queues[q];
        let aht = cq.forecast[qr.row].aht_seconds;
        let work = match cq.service {
            ServiceTime::Exponential => aht * qr.service.exp1(),
            ServiceTime::Fixed => aht,
            ServiceTime::LogNormal { cv } => {
                let s2 = (1.0 + cv * cv).ln();
                (aht.ln() - s2 / 2.0 + s2.sqrt() * qr.service.normal()).exp()
            }
        };
        // Drawn for every contact (not only those who wait) to keep the streams in step
        // across staffing variants — common random numbers.
        let patience = match cq.patience_mean {
            Some(m) => m * qr.patience.exp1(),
            None => f64::INFINITY,
        };
        let interval = self.interval_of(now);
        let contact = Contact {
            queue: q as u32,
            interval: interval as u32,
            state: CState::Waiting,
            generation: 0,
            agent: u32::MAX,
            arrival: now,
            work,
        };
        let ci = match self.free.pop() {
            Some(ci) => {
                let generation = self.contacts[ci as usize].generation;
                self.contacts[ci as usize] = Contact { generation, ..contact };
                ci
            }
            None => {
                self.contacts.push(contact);
                (self.contacts.len() - 1) as u32
            }
        };
        self.counts[q][interval].offered += 1;
        self.schedule_arrival(q, now);

        if let Some(a) = self.select_agent(q, false) {
            self.start_service(a, ci);
            return;
        }
        let generation = self.contacts[ci as usize].generation;
        let qr = &mut self.queues[q];
        qr.waiting.push_back((ci, generation));
        qr.waiting_count += 1;
        if patience.is_finite() {
            self.push(now + patience, Kind::Abandon, ci, generation);
        }
        if let Some(after) = self.c.queues[q].overflow_after
            && !self.c.queues[q].overflow_classes.is_empty()
            && after < patience
        {
            self.push(now + after, Kind::Overflow, ci, generation);
        }
    }

    /// An available agent for queue `q` from its primary (or overflow) classes, or None.
    fn select_agent(&mut self, q: usize, overflow: bool) -> Option<usize> {
        // Borrow the model field by field rather than cloning the `Arc`: this runs once per
        // arrival and the atomic count updates were measurable.
        let c: &Compiled = &self.c;
        let cq = &c.queues[q];
        let classes = if overflow { &cq.overflow_classes } else { &cq.primary_classes };
        let mut best: Option<(f64, usize)> = None;
        for &cl in classes {
            if let Some(a) = idle_front(&mut self.idle[cl as usize], &self.agents) {
                match c.model.selection {
                    AgentSelection::SpecialistFirst => {
                        best = Some((0.0, cl as usize));
                        break;
                    }
                    AgentSelection::LongestIdle => {
                        let since = self.agents[a].idle_since;
                        if best.is_none_or(|(s, _)| since < s) {
                            best = Some((since, cl as usize));
                        }
                    }
                }
            }
        }
        if let Some((_, cl)) = best {
            return self.idle[cl].pop_front().map(|(a, _)| a as usize);
        }
        if cq.units < CAP {
            // Chat: no fully idle agent; the least-loaded agent with room takes the session.
            let mut pick: Option<(u32, usize)> = None;
            for &cl in classes {
                for &a in &c.classes[cl as usize].members {
                    let ag = &self.agents[a as usize];
                    if ag.available() && ag.load > 0 && ag.load + cq.units <= CAP && pick.is_none_or(|(l, _)| ag.load < l) {
                        pick = Some((ag.load, a as usize));
                    }
                }
            }
            return pick.map(|(_, a)| a);
        }
        None
    }

    fn make_idle(&mut self, a: usize) {
        let ag = &mut self.agents[a];
        ag.idle_gen = ag.idle_gen.wrapping_add(1);
        ag.idle_since = self.now;
        let entry = (a as u32, ag.idle_gen);
        let cl = ag.class as usize;
        self.idle[cl].push_back(entry);
        self.emit(a, AgentState::Ready, None, None);
    }

    fn start_service(&mut self, a: usize, ci: u32) {
        let now = self.now;
        self.account(a, now);
        let ct = &mut self.contacts[ci as usize];
        let q = ct.queue as usize;
        ct.state = CState::Serving;
        ct.agent = a as u32;
        let wait = now - ct.arrival;
        let (generation, interval, base) = (ct.generation, ct.interval as usize, ct.work);
        let cq = &self.c.queues[q];
        let factor = self.c.classes[self.agents[a].class as usize].factor(q);
        let work = base * factor;
        let k = &mut self.counts[q][interval];
        k.answered += 1;
        k.wait_answered_seconds += wait;
        if wait <= cq.sl_seconds {
            k.answered_in_sl += 1;
        }
        let units = cq.units;
        let talk_end = (cq.acw_fraction > 0.0 && units == CAP && self.opts.record_events)
            .then(|| now + work * (1.0 - cq.acw_fraction));
        let ag = &mut self.agents[a];
        ag.load += units;
        ag.contacts.push(ci);
        self.push(now + work, Kind::Complete, ci, generation);
        if let Some(t) = talk_end {
            self.push(t, Kind::TalkEnd, ci, generation);
        }
        self.emit(a, AgentState::Talking, Some(q as u32), None);
    }

    // ------------------------------------------------------------ contact endings

    fn on_abandon(&mut self, ci: u32, generation: u32) {
        let ct = self.contacts[ci as usize];
        if ct.generation != generation || ct.state != CState::Waiting {
            return; // answered meanwhile: a stale timer
        }
        self.events.abandonments += 1;
        let q = ct.queue as usize;
        let wait = self.now - ct.arrival;
        let k = &mut self.counts[q][ct.interval as usize];
        k.abandoned += 1;
        k.wait_abandoned_seconds += wait;
        if wait <= self.c.queues[q].short_abandon {
            k.abandoned_short += 1;
        }
        self.queues[q].waiting_count -= 1;
        self.release_contact(ci);
    }

    fn on_overflow(&mut self, ci: u32, generation: u32) {
        let ct = self.contacts[ci as usize];
        if ct.generation != generation || ct.state != CState::Waiting {
            return;
        }
        let q = ct.queue as usize;
        if let Some(a) = self.select_agent(q, true) {
            self.queues[q].waiting_count -= 1;
            self.start_service(a, ci);
        }
    }

    fn release_contact(&mut self, ci: u32) {
        let ct = &mut self.contacts[ci as usize];
        ct.state = CState::Free;
        ct.generation = ct.generation.wrapping_add(1);
        self.free.push(ci);
    }

    fn on_talk_end(&mut self, ci: u32, generation: u32) {
        let ct = self.contacts[ci as usize];
        if ct.generation != generation || ct.state != CState::Serving {
            return;
        }
        self.emit(ct.agent as usize, AgentState::Acw, Some(ct.queue), None);
    }

    fn on_complete(&mut self, ci: u32, generation: u32) {
        let ct = self.contacts[ci as usize];
        if ct.generation != generation || ct.state != CState::Serving {
            return;
        }
        self.events.completions += 1;
        let a = ct.agent as usize;
        let now = self.now;
        self.account(a, now);
        let units = self.c.queues[ct.queue as usize].units;
        let ag = &mut self.agents[a];
        ag.load -= units;
        if let Some(pos) = ag.contacts.iter().position(|&x| x == ci) {
            ag.contacts.swap_remove(pos);
        }
        self.release_contact(ci);
        self.agent_freed(a);
    }

    /// After capacity frees up: apply a pending roster change, or pull waiting work, or go idle.
    fn agent_freed(&mut self, a: usize) {
        if self.agents[a].load == 0
            && let Some(act) = self.agents[a].pending.take()
        {
            self.enter_activity(a, act);
            return;
        }
        if !self.agents[a].available() {
            return;
        }
        while let Some(ci) = self.next_contact_for(a) {
            let q = self.contacts[ci as usize].queue as usize;
            self.queues[q].waiting_count -= 1;
            self.start_service(a, ci);
        }
        if self.agents[a].load == 0 {
            self.make_idle(a);
        } else if let Some(&ci) = self.agents[a].contacts.first() {
            let q = self.contacts[ci as usize].queue;
            self.emit(a, AgentState::Talking, Some(q), None);
        }
    }

    /// The waiting contact agent `a` should take next, removed from its queue: best skill
    /// priority, then queue priority, then longest waiting (heads of the FIFO queues).
    fn next_contact_for(&mut self, a: usize) -> Option<u32> {
        let c: &Compiled = &self.c;
        let room = CAP - self.agents[a].load;
        let now = self.now;
        let mut best: Option<(u32, i32, f64, usize)> = None;
        for cq in &c.classes[self.agents[a].class as usize].queues {
            if let Some((sp, qp, _, _)) = best
                && (cq.skill_priority, -cq.queue_priority) > (sp, -qp)
            {
                break; // queues are sorted by tier: nothing better beyond
            }
            let q = cq.queue as usize;
            let spec = &c.queues[q];
            if spec.units > room || self.queues[q].waiting_count == 0 {
                continue;
            }
            let Some(ci) = queue_head(&mut self.queues[q], &self.contacts) else { continue };
            let arrival = self.contacts[ci as usize].arrival;
            if cq.overflow && now - arrival < spec.overflow_after.unwrap_or(0.0) - 1e-9 {
                continue;
            }
            if best.is_none_or(|(_, _, t, _)| arrival < t) {
                best = Some((cq.skill_priority, cq.queue_priority, arrival, q));
            }
        }
        let (_, _, _, q) = best?;
        self.queues[q].waiting.pop_front().map(|(ci, _)| ci)
    }

    // ------------------------------------------------------------ roster

    fn on_roster_tick(&mut self, a: usize, k: usize) {
        let trs = &self.c.agents[a].transitions;
        let tr = trs[k];
        let next_at = trs.get(k + 1).map(|n| n.at);
        if let Some(at) = next_at {
            self.push(at, Kind::RosterTick, a as u32, (k + 1) as u32);
        }
        let noise = self.c.model.adherence;
        let delay = match tr.delay {
            Delay::LateLogin if noise.late_login_probability > 0.0 => {
                (self.adherence.uniform() < noise.late_login_probability)
                    .then(|| noise.late_login_mean_seconds * self.adherence.exp1())
            }
            Delay::LongBreak if noise.long_break_probability > 0.0 => {
                (self.adherence.uniform() < noise.long_break_probability)
                    .then(|| noise.long_break_mean_seconds * self.adherence.exp1())
            }
            _ => None,
        };
        match delay {
            Some(d) if d > 0.0 => self.push(self.now + d, Kind::RosterApply, a as u32, k as u32),
            _ => self.apply_transition(a, k),
        }
    }

    fn apply_transition(&mut self, a: usize, k: usize) {
        // A later transition already took effect (e.g. a late login overtaken by a break).
        if (k as u32) + 1 <= self.agents[a].applied {
            return;
        }
        self.agents[a].applied = k as u32 + 1;
        let to = self.c.agents[a].transitions[k].to;
        let now = self.now;
        self.account(a, now);
        if !self.agents[a].logged_in {
            if to == Act::Off {
                return;
            }
            self.agents[a].logged_in = true;
            self.emit(a, AgentState::Login, None, None);
        }
        if self.agents[a].load > 0 && to != Act::Work {
            // Finish what is in hand first.
            self.agents[a].pending = Some(to);
            return;
        }
        self.agents[a].pending = None;
        self.enter_activity(a, to);
    }

    fn enter_activity(&mut self, a: usize, to: Act) {
        let now = self.now;
        self.account(a, now);
        let was_available = self.agents[a].available();
        self.agents[a].activity = to;
        match to {
            Act::Off => {
                self.agents[a].logged_in = false;
                self.emit(a, AgentState::Logout, None, None);
            }
            Act::Break => self.emit(a, AgentState::Break, None, None),
            Act::Lunch => self.emit(a, AgentState::Lunch, None, None),
            Act::Other(r) => {
                let state = if self.c.other_names[r as usize] == "meeting" { AgentState::Meeting } else { AgentState::Training };
                self.emit(a, state, None, Some(r));
            }
            Act::Work => {
                if !was_available {
                    self.agent_freed(a);
                }
            }
        }
    }

    // ------------------------------------------------------------ time accounting

    /// Book agent `a`'s time since its last change into handle / idle / staffed counters.
    fn account(&mut self, a: usize, now: f64) {
        let ag = &self.agents[a];
        let t0 = ag.last_acc;
        if now <= t0 {
            return;
        }
        let available = ag.available();
        if ag.load > 0 || available {
            let c = &self.c;
            let (l, n) = (self.interval, c.n_intervals);
            // The span almost always lies in one interval: split it once, book every counter
            // from the pieces (the split was the costliest part of this hot function).
            let mut pieces = [(0usize, 0.0f64); 4];
            let mut np = 0;
            let mut overflow = false;
            if now <= ag.acc_end {
                // One piece: exactly what `spread` gives for a span inside one interval.
                if ag.acc_interval < n {
                    pieces[0] = (ag.acc_interval, now - t0);
                    np = 1;
                }
            } else {
                spread(t0, now, l, n, |i, d| {
                    if np < pieces.len() {
                        pieces[np] = (i, d);
                        np += 1;
                    } else {
                        overflow = true;
                    }
                });
            }
            let idle = if available { (CAP - ag.load) as f64 / CAP as f64 } else { 0.0 };
            let busy = ag.load as f64 / CAP as f64;
            if overflow {
                // A span over more than four intervals (an agent idle for an hour): book it
                // interval by interval.
                for &ci in &ag.contacts {
                    let q = self.contacts[ci as usize].queue as usize;
                    let w = c.queues[q].units as f64 / CAP as f64;
                    spread(t0, now, l, n, |i, d| self.counts[q][i].handle_seconds += d * w);
                }
                let class = &c.classes[ag.class as usize];
                if idle > 0.0 && !class.primary_queues.is_empty() {
                    let share = idle / class.primary_queues.len() as f64;
                    for &q in &class.primary_queues {
                        spread(t0, now, l, n, |i, d| self.counts[q as usize][i].idle_seconds += d * share);
                    }
                }
                spread(t0, now, l, n, |i, d| {
                    self.floor[i].staffed_seconds += d;
                    self.floor[i].busy_seconds += d * busy;
                });
            } else {
                let pieces = &pieces[..np];
                for &ci in &ag.contacts {
                    let q = self.contacts[ci as usize].queue as usize;
                    let w = c.queues[q].units as f64 / CAP as f64;
                    for &(i, d) in pieces {
                        self.counts[q][i].handle_seconds += d * w;
                    }
                }
                let class = &c.classes[ag.class as usize];
                if idle > 0.0 && !class.primary_queues.is_empty() {
                    let share = idle / class.primary_queues.len() as f64;
                    for &q in &class.primary_queues {
                        for &(i, d) in pieces {
                            self.counts[q as usize][i].idle_seconds += d * share;
                        }
                    }
                }
                for &(i, d) in pieces {
                    self.floor[i].staffed_seconds += d;
                    self.floor[i].busy_seconds += d * busy;
                }
            }
        }
        let l = self.interval;
        let ag = &mut self.agents[a];
        ag.last_acc = now;
        if now >= ag.acc_end {
            // The same arithmetic as `spread` uses to find the interval of a span's start.
            ag.acc_interval = (now / l) as usize;
            ag.acc_end = ((ag.acc_interval + 1) as f64) * l;
        }
    }
}

/// The longest-idle valid agent of a class's idle FIFO (stale entries are dropped).
#[inline]
fn idle_front(idle: &mut VecDeque<(u32, u32)>, agents: &[AgentRt]) -> Option<usize> {
    while let Some(&(a, generation)) = idle.front() {
        let ag = &agents[a as usize];
        if ag.idle_gen == generation && ag.load == 0 && ag.available() {
            return Some(a as usize);
        }
        idle.pop_front();
    }
    None
}

/// The oldest still-waiting contact of a queue (drops stale entries).
#[inline]
fn queue_head(qr: &mut QueueRt, contacts: &[Contact]) -> Option<u32> {
    while let Some(&(ci, generation)) = qr.waiting.front() {
        let ct = &contacts[ci as usize];
        if ct.generation == generation && ct.state == CState::Waiting {
            return Some(ci);
        }
        qr.waiting.pop_front();
    }
    None
}

/// Split `[t0, t1)` over the statistics grid (interval `l`, `n` intervals; time past the grid
/// is not booked) and call `f(interval, seconds)` per piece.
#[inline]
fn spread(t0: f64, t1: f64, l: f64, n: usize, mut f: impl FnMut(usize, f64)) {
    let mut t = t0;
    let mut i = (t0 / l) as usize;
    while t < t1 && i < n {
        let e = (((i + 1) as f64) * l).min(t1);
        if e > t {
            f(i, e - t);
        }
        t = e;
        i += 1;
    }
}
