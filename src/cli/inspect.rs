//! `fixtura inspect`: tables, keys, cycles and how each is broken, and the insert order.

use super::GlobalArgs;

/// Report the schema, its foreign-key cycles and the insert order
#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(global: &GlobalArgs, args: &Args) -> anyhow::Result<()> {
    let _ = (global, args);
    todo!()
}
