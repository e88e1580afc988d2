//! `ccops bench floor` — the live-floor ingest load generator (not built yet).

use clap::Args;

#[derive(Args)]
pub struct BenchFloorArgs {}

pub fn bench_floor(_args: BenchFloorArgs) -> anyhow::Result<()> {
    anyhow::bail!("this benchmark is not built yet")
}
