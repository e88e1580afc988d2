//! One module per subcommand. Each owns its clap arguments, its `run`, and its benchmark.
pub mod bench;
pub mod demo;
pub mod floor;
pub mod forecast;
pub mod schedule;
pub mod serve;
pub mod simulate;
pub mod staff;
