//! `ccops serve` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct ServeArgs {}

#[derive(Args)]
pub struct BenchFloorArgs {}

pub fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops serve` is not built yet")
}

pub fn bench_floor(_args: BenchFloorArgs) -> anyhow::Result<()> {
    anyhow::bail!("this benchmark is not built yet")
}
