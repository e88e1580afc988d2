//! `ccops forecast` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct ForecastArgs {}

#[derive(Args)]
pub struct BenchForecastArgs {}

pub fn run(_args: ForecastArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops forecast` is not built yet")
}

pub fn bench(_args: BenchForecastArgs) -> anyhow::Result<()> {
    anyhow::bail!("this benchmark is not built yet")
}
