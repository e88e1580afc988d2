//! `ccops bench …`: each benchmark is owned by the module of the command it measures.

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub which: Bench,
}

#[derive(Subcommand)]
pub enum Bench {
    /// Erlang C / Erlang A staffing throughput and agreement with the reference.
    Staffing(super::staff::BenchStaffingArgs),
    /// Forecast accuracy (rolling-origin backtest) and speed.
    Forecast(super::forecast::BenchForecastArgs),
    /// Shift scheduling and rostering quality (under/over, bound, gap) and time.
    Schedule(super::schedule::BenchScheduleArgs),
    /// Simulation events per second and accuracy against Erlang A.
    Sim(super::simulate::BenchSimArgs),
    /// Live-floor ingest load generator.
    Floor(super::floor::BenchFloorArgs),
}

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.which {
        Bench::Staffing(a) => super::staff::bench(a),
        Bench::Forecast(a) => super::forecast::bench(a),
        Bench::Schedule(a) => super::schedule::bench(a),
        Bench::Sim(a) => super::simulate::bench(a),
        Bench::Floor(a) => super::floor::bench_floor(a),
    }
}
