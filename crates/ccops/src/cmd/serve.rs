//! `ccops serve` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops serve` is not built yet")
}
