//! Quick engine speed check on the peers' single-queue model (the full side-by-side benchmark
//! is `ccops bench sim`): `cargo run --release -p ccops-sim --example speed`.
use std::sync::Arc;
use std::time::Instant;

use ccops_sim::*;

fn main() {
    let (n, per_hour, aht, patience, horizon) = (70usize, 1000.0, 240.0, 180.0, 86400.0);
    let mut q = QueueSpec::new("voice", Channel::Voice);
    q.patience = Patience::Exponential { mean_seconds: patience };
    let m = Model {
        queues: vec![q],
        agents: (0..n).map(|i| AgentSpec { id: format!("a{i}"), skills: vec![AgentSkill::new("voice")] }).collect(),
        roster: Model::always_on_roster(n, horizon + 1800.0),
        forecast: vec![ForecastInterval { queue: 0, start: 0.0, length: horizon, volume: per_hour * 24.0, aht_seconds: aht }],
        selection: AgentSelection::LongestIdle,
        adherence: AdherenceNoise::default(),
        interval_seconds: 1800.0,
        drain_seconds: 1800.0,
    };
    let c = Arc::new(m.compile().expect("valid model"));
    let reps = 20;
    let t0 = Instant::now();
    let s = run_replications(&c, 20240606, reps);
    let wall = t0.elapsed().as_secs_f64();
    let ev = s.events.total();
    println!(
        "{reps} reps, {ev} events, {:.3} s, {:.2} M events/s, SL {:.4} ± {:.4}, abandon {:.4}",
        wall,
        ev as f64 / wall / 1e6,
        s.queues[0].day.service_level.mean,
        s.queues[0].day.service_level.half_width(),
        s.queues[0].day.abandon_rate.mean
    );
}
