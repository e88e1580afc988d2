//! `ccops demo` — not built yet (see the open issues).

use clap::Args;

#[derive(Args)]
pub struct DemoArgs {}

pub fn run(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("`ccops demo` is not built yet")
}
