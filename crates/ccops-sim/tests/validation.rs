//! The simulator against closed forms (ALGORITHMS.md §2, §4, §6, §12), and its bookkeeping:
//! conservation, determinism, roster behaviour, routing rules.

use std::sync::Arc;

use ccops_sim::reference::{erlang_a, erlang_c};
use ccops_sim::*;

/// One queue, `n` always-on identical agents, constant rate over `hours`.
fn single_queue(n: usize, per_hour: f64, aht: f64, patience: Option<f64>, t: f64, hours: f64) -> Model {
    let mut q = QueueSpec::new("voice", Channel::Voice);
    q.sl_seconds = t;
    if let Some(p) = patience {
        q.patience = Patience::Exponential { mean_seconds: p };
    }
    let end = hours * 3600.0;
    Model {
        queues: vec![q],
        agents: (0..n).map(|i| AgentSpec { id: format!("a{i}"), skills: vec![AgentSkill::new("voice")] }).collect(),
        roster: Model::always_on_roster(n, end + 3600.0),
        forecast: vec![ForecastInterval { queue: 0, start: 0.0, length: end, volume: per_hour * hours, aht_seconds: aht }],
        selection: AgentSelection::LongestIdle,
        adherence: AdherenceNoise::default(),
        interval_seconds: 1800.0,
        drain_seconds: 3600.0,
    }
}

/// `exact` lies within the 95 % CI widened by half its width (≈ 3 standard errors): a
/// deterministic run, but the check must still be a real statistical statement.
fn agrees(e: &Estimate, exact: f64, what: &str) {
    let h = e.half_width();
    assert!(h.is_finite() && h > 0.0, "{what}: degenerate CI {e:?}");
    assert!(
        (e.mean - exact).abs() <= 1.5 * h,
        "{what}: simulated {:.4} ± {:.4}, exact {exact:.4}",
        e.mean,
        h
    );
}

#[test]
fn single_skill_agrees_with_erlang_a() {
    // §12: λ = 1/6 s⁻¹, AHT 240, patience 120, n = 41 → P(Ab) 0.0616, SL 0.8073, ASA 6.82 s.
    let m = single_queue(41, 600.0, 240.0, Some(120.0), 20.0, 24.0);
    let s = run_replications(&Arc::new(m.compile().unwrap()), 7, 64);
    let exact = erlang_a(41, 1.0 / 6.0, 240.0, 120.0, 20.0);
    let day = &s.queues[0].day;
    agrees(&day.service_level, exact.service_level, "SL");
    agrees(&day.abandon_rate, exact.p_abandon, "abandon rate");
    agrees(&day.asa_seconds, exact.asa_answered, "ASA");
    // Occupancy = λ(1 − P(Ab))·AHT / n.
    agrees(&day.occupancy, (1.0 / 6.0) * (1.0 - exact.p_abandon) * 240.0 / 41.0, "occupancy");
}

#[test]
fn single_skill_agrees_with_erlang_c() {
    // §12: patience → ∞, n = 14, A = 10 (AHT 180), T = 20 → SL 0.8884.
    let m = single_queue(14, 200.0, 180.0, None, 20.0, 24.0);
    let s = run_replications(&Arc::new(m.compile().unwrap()), 11, 64);
    let (_, sl) = erlang_c(14, 200.0 / 3600.0, 180.0, 20.0).unwrap();
    agrees(&s.queues[0].day.service_level, sl, "SL");
    assert_eq!(s.queues[0].day.abandoned.mean, 0.0);
}

#[test]
fn chat_with_concurrency_pools_sessions() {
    // §4 (a) with f(c) = 1: 120 chats / 30 min, AHT 360, 14 agents × 2 sessions = 28 slots,
    // least-loaded routing → M/M/28, Erlang C SL(60 s) = 0.828961.
    let mut m = single_queue(14, 240.0, 360.0, None, 60.0, 12.0);
    m.queues[0].channel = Channel::Chat;
    m.queues[0].concurrency = 2;
    let c = Arc::new(m.compile().unwrap());
    let s = run_replications(&c, 3, 16);
    agrees(&s.queues[0].day.service_level, 0.828961, "chat SL");
    // Nobody ever holds more than two sessions.
    let mut sim = Simulation::new(c, 3, 0, SimOptions::default());
    let mut t = 0.0;
    while t < sim.end() {
        t += 97.0;
        sim.advance_to(t);
        assert!(sim.agent_snapshot().iter().all(|a| a.contacts <= 2));
    }
}

#[test]
fn cross_trained_pool_meets_target_with_fewer_agents() {
    // §6 (ii): two queues, A = 5 each (AHT 180); 14 fully cross-trained agents, FCFS across
    // both queues, behave like one Erlang C pool with A = 10: SL 0.8884 each.
    let mut m = single_queue(14, 100.0, 180.0, None, 20.0, 12.0);
    m.queues.push(QueueSpec::new("voice2", Channel::Voice));
    m.forecast.push(ForecastInterval { queue: 1, ..m.forecast[0].clone() });
    for a in &mut m.agents {
        a.skills.push(AgentSkill::new("voice2"));
    }
    let s = run_replications(&Arc::new(m.compile().unwrap()), 5, 16);
    for q in &s.queues {
        agrees(&q.day.service_level, 0.8884, &q.queue);
        assert_eq!(q.sl_verdict, Verdict::Meets, "{}", q.queue);
    }
}

/// A small center with everything switched on: two voice queues with overflow, chat, email,
/// breaks and lunch, late logins and long breaks, ACW.
fn busy_center() -> Model {
    let mut billing = QueueSpec::new("billing", Channel::Voice);
    billing.patience = Patience::Exponential { mean_seconds: 90.0 };
    billing.overflow = Some(Overflow { after_seconds: 30.0, skill: "general".into() });
    billing.acw_fraction = 0.2;
    billing.short_abandon_seconds = 5.0;
    billing.service = ServiceTime::LogNormal { cv: 0.8 };
    let mut general = QueueSpec::new("general", Channel::Voice);
    general.patience = Patience::Exponential { mean_seconds: 150.0 };
    general.priority = 1;
    let mut chat = QueueSpec::new("chat", Channel::Chat);
    chat.concurrency = 3;
    chat.patience = Patience::Exponential { mean_seconds: 300.0 };
    let email = QueueSpec::new("email", Channel::Deferred);
    let skills = |s: &[&str]| s.iter().map(|k| AgentSkill::new(k)).collect::<Vec<_>>();
    let mut agents = Vec::new();
    for i in 0..24 {
        let sk = match i % 4 {
            0 => skills(&["billing"]),
            1 => skills(&["general", "email"]),
            2 => skills(&["chat"]),
            _ => skills(&["general", "billing", "email"]),
        };
        agents.push(AgentSpec { id: format!("A{i:02}"), skills: sk });
    }
    let mut roster = Vec::new();
    for a in 0..24 {
        let start = 8.0 * 3600.0 + (a % 3) as f64 * 1800.0;
        let seg = |s: f64, e: f64, act: Activity| RosterSegment { agent: a, start: s, end: e, activity: act };
        roster.push(seg(start, start + 2.0 * 3600.0, Activity::Work));
        roster.push(seg(start + 2.0 * 3600.0, start + 2.25 * 3600.0, Activity::Break));
        roster.push(seg(start + 2.25 * 3600.0, start + 4.0 * 3600.0, Activity::Work));
        roster.push(seg(start + 4.0 * 3600.0, start + 5.0 * 3600.0, Activity::Lunch));
        roster.push(seg(start + 5.0 * 3600.0, start + 6.0 * 3600.0, Activity::Work));
        roster.push(seg(start + 6.0 * 3600.0, start + 6.5 * 3600.0, Activity::Other("training".into())));
        roster.push(seg(start + 6.5 * 3600.0, start + 8.5 * 3600.0, Activity::Work));
    }
    let mut forecast = Vec::new();
    for i in 16..36 {
        let start = i as f64 * 1800.0;
        let shape = 1.0 + ((i - 16) as f64 / 3.0).sin().abs();
        for (q, vol, aht) in [(0, 30.0, 240.0), (1, 40.0, 200.0), (2, 50.0, 400.0), (3, 20.0, 300.0)] {
            forecast.push(ForecastInterval { queue: q, start, length: 1800.0, volume: vol * shape, aht_seconds: aht });
        }
    }
    Model {
        queues: vec![billing, general, chat, email],
        agents,
        roster,
        forecast,
        selection: AgentSelection::SpecialistFirst,
        adherence: AdherenceNoise {
            late_login_probability: 0.3,
            late_login_mean_seconds: 300.0,
            long_break_probability: 0.3,
            long_break_mean_seconds: 240.0,
        },
        interval_seconds: 1800.0,
        drain_seconds: 1800.0,
    }
}

#[test]
fn conservation_in_every_queue_and_interval() {
    let c = Arc::new(busy_center().compile().unwrap());
    for rep in 0..3 {
        let r = Simulation::new(Arc::clone(&c), 99, rep, SimOptions { record_events: true }).run();
        let mut offered = 0;
        for (q, row) in r.intervals.iter().enumerate() {
            for (i, k) in row.iter().enumerate() {
                assert_eq!(k.offered, k.answered + k.abandoned + k.in_queue_end, "queue {q} interval {i}");
                assert!(k.answered_in_sl <= k.answered && k.abandoned_short <= k.abandoned);
                assert!(k.handle_seconds >= 0.0 && k.idle_seconds >= -1e-9);
            }
            offered += r.totals[q].offered;
        }
        assert_eq!(offered, r.events.arrivals);
        assert!(r.events.completions <= r.totals.iter().map(|t| t.answered).sum::<u64>());
        assert_eq!(r.events.abandonments, r.totals.iter().map(|t| t.abandoned).sum::<u64>());
        // Email never abandons; every queue saw traffic and answered some of it.
        assert_eq!(r.totals[3].abandoned, 0);
        assert!(r.totals.iter().all(|t| t.offered > 0 && t.answered > 0));
    }
}

#[test]
fn same_seed_same_day_and_stepping_changes_nothing() {
    let c = Arc::new(busy_center().compile().unwrap());
    let opts = SimOptions { record_events: true };
    let mut a = Simulation::new(Arc::clone(&c), 1, 0, opts);
    let ev_a = a.advance_to(f64::INFINITY);
    let rep_a = a.finish();
    // The same replication stepped minute by minute, as a live floor would drive it.
    let mut b = Simulation::new(Arc::clone(&c), 1, 0, opts);
    let mut ev_b = Vec::new();
    let mut t = 0.0;
    while t <= b.end() {
        t += 60.0;
        ev_b.extend(b.advance_to(t));
    }
    let rep_b = b.finish();
    assert_eq!(rep_a, rep_b);
    assert_eq!(ev_a, ev_b);
    assert!(!ev_a.is_empty());
    // Another seed, another day.
    let rep_c = Simulation::new(Arc::clone(&c), 2, 0, opts).run();
    assert_ne!(rep_a.totals, rep_c.totals);
    let rep_d = Simulation::new(c, 1, 1, opts).run();
    assert_ne!(rep_a.totals, rep_d.totals);
}

#[test]
fn agent_state_events_follow_the_roster() {
    let m = busy_center();
    let c = Arc::new(m.compile().unwrap());
    let mut sim = Simulation::new(Arc::clone(&c), 4, 0, SimOptions { record_events: true });
    let events = sim.advance_to(f64::INFINITY);
    let mut last_at = 0.0;
    let mut seq = 0;
    for e in &events {
        assert!(e.at >= last_at && e.seq > seq, "events out of order");
        last_at = e.at;
        seq = e.seq;
        assert_eq!(e.queue.is_some(), matches!(e.state, AgentState::Talking | AgentState::Acw), "{e:?}");
    }
    let (mut with_break, mut with_lunch, mut with_training) = (0, 0, 0);
    for agent in 0..m.agents.len() as u32 {
        let mine: Vec<&AgentStateEvent> = events.iter().filter(|e| e.agent == agent).collect();
        let first_work = m.roster.iter().filter(|s| s.agent == agent as usize).map(|s| s.start).fold(f64::MAX, f64::min);
        assert_eq!(mine.first().unwrap().state, AgentState::Login);
        assert!(mine.first().unwrap().at >= first_work, "login before the shift");
        assert_eq!(mine.last().unwrap().state, AgentState::Logout);
        let states: Vec<AgentState> = mine.iter().map(|e| e.state).collect();
        // (`ready` can be skipped by an agent who always finds work waiting.)
        assert!(states.contains(&AgentState::Talking), "agent {agent} never talked");
        // A break starts when the contacts in hand are finished and ends as scheduled, so a
        // chat agent holding three sessions may lose a short break entirely.
        if states.contains(&AgentState::Break) {
            with_break += 1;
            let break_at = m.roster.iter().find(|s| s.agent == agent as usize && s.activity == Activity::Break).unwrap().start;
            let first_break = mine.iter().find(|e| e.state == AgentState::Break).unwrap().at;
            assert!(first_break >= break_at - 1e-9, "break before its time");
        }
        with_lunch += states.contains(&AgentState::Lunch) as usize;
        with_training += states.contains(&AgentState::Training) as usize;
        // The training state names its activity.
        if let Some(tr) = mine.iter().find(|e| e.state == AgentState::Training) {
            assert_eq!(sim.reason_name(tr.reason.unwrap_or(u32::MAX)), "training");
        }
    }
    for (what, n) in [("break", with_break), ("lunch", with_lunch), ("training", with_training)] {
        assert!(n >= 18, "only {n} of 24 agents had their {what}");
    }
    assert!(events.iter().filter(|e| e.state == AgentState::Ready).count() > 24);
    // ACW follows talking on the billing queue.
    assert!(events.iter().any(|e| e.state == AgentState::Acw && e.queue == Some(0)));
    assert!(sim.event_id(&events[0]).starts_with("sim-4-0-"));
}

#[test]
fn adherence_noise_delays_logins() {
    let mut m = busy_center();
    m.adherence.late_login_probability = 1.0;
    m.adherence.late_login_mean_seconds = 600.0;
    let c = Arc::new(m.compile().unwrap());
    let events = Simulation::new(c, 8, 0, SimOptions { record_events: true }).advance_to(f64::INFINITY);
    let mut lateness = 0.0;
    for agent in 0..m.agents.len() as u32 {
        let login = events.iter().find(|e| e.agent == agent && e.state == AgentState::Login).unwrap().at;
        let start = m.roster.iter().filter(|s| s.agent == agent as usize).map(|s| s.start).fold(f64::MAX, f64::min);
        lateness += login - start;
    }
    let mean = lateness / m.agents.len() as f64;
    assert!(mean > 200.0 && mean < 1200.0, "mean lateness {mean} s for an Exp(600 s) delay");
}

#[test]
fn overflow_waits_for_its_delay() {
    // Nobody holds `billing`: every billing call goes to `general` agents after 30 s, so none
    // is answered within 29 s, yet calls are answered.
    let mut m = single_queue(10, 60.0, 180.0, Some(600.0), 29.0, 4.0);
    m.queues[0].name = "billing".into();
    m.queues[0].skill = "billing".into();
    m.queues[0].overflow = Some(Overflow { after_seconds: 30.0, skill: "general".into() });
    for a in &mut m.agents {
        a.skills = vec![AgentSkill::new("general")];
    }
    let r = Simulation::new(Arc::new(m.compile().unwrap()), 1, 0, SimOptions::default()).run();
    assert!(r.totals[0].answered > 100);
    assert_eq!(r.totals[0].answered_in_sl, 0);
    assert!(r.totals[0].asa() >= 30.0 - 1e-6, "ASA {}", r.totals[0].asa());
}

#[test]
fn skill_priority_is_served_first() {
    // Agents hold `vip` at priority 1 and `std` at priority 2; vip alone is 2 Erlangs on 5
    // agents, together they are overloaded.
    let mut m = single_queue(5, 24.0, 300.0, Some(120.0), 20.0, 4.0);
    m.queues[0].name = "vip".into();
    m.queues[0].skill = "vip".into();
    let mut std_q = m.queues[0].clone();
    std_q.name = "std".into();
    std_q.skill = "std".into();
    m.queues.push(std_q);
    m.forecast.push(ForecastInterval { queue: 1, volume: 4.0 * 120.0, ..m.forecast[0].clone() });
    for a in &mut m.agents {
        a.skills = vec![AgentSkill::new("vip"), AgentSkill { skill: "std".into(), priority: 2, handle_factor: 1.0 }];
    }
    let r = Simulation::new(Arc::new(m.compile().unwrap()), 2, 0, SimOptions::default()).run();
    let (vip, std) = (&r.totals[0], &r.totals[1]);
    assert!(vip.asa() < std.asa() / 2.0, "vip ASA {} vs std {}", vip.asa(), std.asa());
    assert!(vip.abandon_rate() < std.abandon_rate());
}

#[test]
fn deferred_work_waits_for_idle_real_time_capacity() {
    // Email (priority −100, 0.6 Erlang) shares agents with voice (4 Erlangs on 6 agents); voice
    // keeps a reasonable SL despite non-preemptive email work, email is all answered
    // by the end of a long drain and never abandons.
    let mut m = single_queue(6, 60.0, 240.0, Some(120.0), 20.0, 8.0);
    m.queues.push(QueueSpec::new("email", Channel::Deferred));
    m.forecast.push(ForecastInterval { queue: 1, start: 0.0, length: 8.0 * 3600.0, volume: 60.0, aht_seconds: 300.0 });
    for a in &mut m.agents {
        a.skills.push(AgentSkill::new("email"));
    }
    m.drain_seconds = 8.0 * 3600.0;
    m.roster = Model::always_on_roster(6, 16.0 * 3600.0);
    let r = Simulation::new(Arc::new(m.compile().unwrap()), 3, 0, SimOptions::default()).run();
    assert_eq!(r.totals[1].abandoned, 0);
    assert_eq!(r.totals[1].in_queue_end, 0);
    assert!(r.totals[0].service_level() > 0.6, "voice SL {}", r.totals[0].service_level());
    assert!(r.totals[1].asa() > r.totals[0].asa());
}

#[test]
fn calls_left_in_queue_when_everyone_logs_out_are_counted() {
    let mut m = single_queue(2, 200.0, 300.0, None, 20.0, 2.0);
    m.roster = Model::always_on_roster(2, 3600.0);
    m.drain_seconds = 0.0;
    let r = Simulation::new(Arc::new(m.compile().unwrap()), 5, 0, SimOptions::default()).run();
    let t = r.totals[0];
    assert!(t.in_queue_end > 0);
    assert_eq!(t.offered, t.answered + t.abandoned + t.in_queue_end);
}


/// Agent time is booked to the statistics interval it falls in, whether a span lies inside one
/// interval (the engine's fast path), crosses one boundary, or runs over many intervals: with
/// no contacts, staffed time is exactly the rostered work time, interval by interval.
#[test]
fn staffed_time_lands_in_its_intervals() {
    let l = 1800.0;
    // Per agent: work segments as (start, end); breaks and lunch in between are not staffed.
    let work: Vec<Vec<(f64, f64)>> = vec![
        vec![(1000.0, 1500.0), (1700.0, 2500.0), (3000.0, 3000.0 + 4.0 * l + 100.0)],
        vec![(0.0, l), (l, 2.0 * l - 1.0), (2.0 * l + 13.5, 9.0 * l)],
        vec![(123.25, 124.5), (5.0 * l - 0.25, 5.0 * l + 0.25)],
    ];
    let mut roster = Vec::new();
    for (a, segs) in work.iter().enumerate() {
        let mut t = 0.0;
        for &(s, e) in segs {
            if s > t {
                roster.push(RosterSegment { agent: a, start: t, end: s, activity: Activity::Break });
            }
            roster.push(RosterSegment { agent: a, start: s, end: e, activity: Activity::Work });
            t = e;
        }
    }
    let q = QueueSpec::new("voice", Channel::Voice);
    let m = Model {
        queues: vec![q],
        agents: (0..work.len()).map(|i| AgentSpec { id: format!("a{i}"), skills: vec![AgentSkill::new("voice")] }).collect(),
        roster,
        forecast: vec![ForecastInterval { queue: 0, start: 0.0, length: 10.0 * l, volume: 0.0, aht_seconds: 240.0 }],
        selection: AgentSelection::LongestIdle,
        adherence: AdherenceNoise::default(),
        interval_seconds: l,
        drain_seconds: 0.0,
    };
    let c = Arc::new(m.compile().unwrap());
    let rep = Simulation::new(c, 1, 0, SimOptions::default()).run();
    assert_eq!(rep.floor.len(), 10);
    for (i, f) in rep.floor.iter().enumerate() {
        let (a, b) = (i as f64 * l, (i + 1) as f64 * l);
        let expected: f64 = work.iter().flatten().map(|&(s, e)| (e.min(b) - s.max(a)).max(0.0)).sum();
        assert!((f.staffed_seconds - expected).abs() < 1e-6, "interval {i}: booked {}, rostered {expected}", f.staffed_seconds);
        assert_eq!(f.busy_seconds, 0.0);
    }
}
