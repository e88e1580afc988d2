//! `ccops staff` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct StaffArgs {}

#[derive(Args)]
pub struct BenchStaffingArgs {}

pub fn run(_args: StaffArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops staff` is not built yet")
}

pub fn bench(_args: BenchStaffingArgs) -> anyhow::Result<()> {
    anyhow::bail!("this benchmark is not built yet")
}
