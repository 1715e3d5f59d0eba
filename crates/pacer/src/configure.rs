//! `pacer configure`: crm shell syntax in and out.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Load a configuration written in crm shell syntax.
    Load {
        /// `replace` (the whole configuration) or `update` (merge into it).
        method: String,
        /// File in crm syntax (`-` for standard input).
        file: PathBuf,
    },
    /// Print the configuration in crm shell syntax.
    Show,
}

pub fn run(_cmd: Command) -> anyhow::Result<ExitCode> {
    anyhow::bail!("pacer configure is being built")
}
