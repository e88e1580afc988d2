//! Quick engine speed check on the peers' two models (the full side-by-side benchmark is
//! `ccops bench sim`): `cargo run --release -p ccops-sim --example speed [single|multi] [REPS]`.
//! Prints a fingerprint of the results too, so a change meant to be speed-only can be checked
//! to leave every figure identical.
use std::sync::Arc;
use std::time::Instant;

use ccops_sim::*;

fn voice(name: &str, patience: f64) -> QueueSpec {
    let mut q = QueueSpec::new(name, Channel::Voice);
    q.sl_seconds = 20.0;
    q.patience = Patience::Exponential { mean_seconds: patience };
    q
}

/// The M/M/70+M queue of `sim_single.json`.
fn single(horizon: f64) -> Model {
    let n = 70;
    Model {
        queues: vec![voice("all", 180.0)],
        agents: (0..n).map(|i| AgentSpec { id: format!("a{i}"), skills: vec![AgentSkill::new("all")] }).collect(),
        roster: Model::always_on_roster(n, horizon + 1800.0),
        forecast: vec![ForecastInterval { queue: 0, start: 0.0, length: horizon, volume: 1000.0 * 24.0, aht_seconds: 240.0 }],
        selection: AgentSelection::LongestIdle,
        adherence: AdherenceNoise::default(),
        interval_seconds: 1800.0,
        drain_seconds: 1800.0,
    }
}

/// The 2 call types × 3 groups centre of `sim_multiskill.json`.
fn multi(horizon: f64) -> Model {
    let skill = |s: &str, f: f64| AgentSkill { skill: s.into(), priority: 1, handle_factor: f };
    let mut agents = Vec::new();
    for (g, n, skills) in [
        ("A", 32, vec![skill("A", 1.0)]),
        ("B", 20, vec![skill("B", 1.0)]),
        ("AB", 22, vec![skill("A", 270.0 / 240.0), skill("B", 330.0 / 300.0)]),
    ] {
        for k in 0..n {
            agents.push(AgentSpec { id: format!("{g}-{k}"), skills: skills.clone() });
        }
    }
    let n = agents.len();
    Model {
        queues: vec![voice("A", 180.0), voice("B", 240.0)],
        agents,
        roster: Model::always_on_roster(n, horizon + 1800.0),
        forecast: vec![
            ForecastInterval { queue: 0, start: 0.0, length: horizon, volume: 600.0 * 24.0, aht_seconds: 240.0 },
            ForecastInterval { queue: 1, start: 0.0, length: horizon, volume: 300.0 * 24.0, aht_seconds: 300.0 },
        ],
        selection: AgentSelection::SpecialistFirst,
        adherence: AdherenceNoise::default(),
        interval_seconds: 1800.0,
        drain_seconds: 1800.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("single");
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let m = if which == "multi" { multi(86400.0) } else { single(86400.0) };
    let c = Arc::new(m.compile().expect("valid model"));
    let t0 = Instant::now();
    let s = run_replications(&c, 20240606, reps);
    let wall = t0.elapsed().as_secs_f64();
    let ev = s.events.total();
    println!("{which}: {reps} reps, {ev} events, {wall:.3} s, {:.2} M events/s", ev as f64 / wall / 1e6);
    for q in &s.queues {
        println!(
            "  {}: SL {:.12} ± {:.12}, abandon {:.12}, occupancy {:.12}",
            q.queue,
            q.day.service_level.mean,
            q.day.service_level.half_width(),
            q.day.abandon_rate.mean,
            q.day.occupancy.mean
        );
    }
}
