//! The `ccops` command line: one binary wrapping every engine and the server.
//! Each subcommand lives in its own module under `cmd/`; this file only dispatches.

mod cmd;
mod progress;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ccops", version, about = "Contact-center operations: forecast → staffing → roster → live floor")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn forecast volume into required agents (Erlang C / Erlang A / chat / deferred work).
    Staff(cmd::staff::StaffArgs),
    /// Forecast interval volume and AHT from history; `forecast backtest` scores the models.
    Forecast(cmd::forecast::ForecastArgs),
    /// Build a roster from requirements, agents and rules; `schedule check` verifies one.
    Schedule(cmd::schedule::ScheduleArgs),
    /// Simulate a roster against a forecast (discrete-event, multi-skill).
    Simulate(cmd::simulate::SimulateArgs),
    /// Start the web server (API + UI).
    Serve(cmd::serve::ServeArgs),
    /// Create a demo center, run forecast → staffing → roster, and serve it.
    Demo(cmd::demo::DemoArgs),
    /// Benchmarks that print figures (cells/s, events/s, gaps), side by side with peers.
    Bench(cmd::bench::BenchArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Staff(a) => cmd::staff::run(a),
        Command::Forecast(a) => cmd::forecast::run(a),
        Command::Schedule(a) => cmd::schedule::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Bench(a) => cmd::bench::run(a),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
