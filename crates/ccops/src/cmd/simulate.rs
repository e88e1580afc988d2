//! `ccops simulate` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct SimulateArgs {}

#[derive(Args)]
pub struct BenchSimArgs {}

pub fn run(_args: SimulateArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops simulate` is not built yet")
}

pub fn bench(_args: BenchSimArgs) -> anyhow::Result<()> {
    anyhow::bail!("this benchmark is not built yet")
}
