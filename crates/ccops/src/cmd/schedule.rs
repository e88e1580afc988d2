//! `ccops schedule` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct ScheduleArgs {}

#[derive(Args)]
pub struct BenchScheduleArgs {}

pub fn run(_args: ScheduleArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops schedule` is not built yet")
}

pub fn bench(_args: BenchScheduleArgs) -> anyhow::Result<()> {
    anyhow::bail!("this benchmark is not built yet")
}
