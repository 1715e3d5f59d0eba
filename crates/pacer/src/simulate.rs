//! `pacer simulate`: crm_simulate's flags and output.

use std::path::PathBuf;
use std::process::ExitCode;

/// Flags follow crm_simulate so existing habits and scripts keep working.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Read the CIB from this file.
    #[arg(short = 'x', long = "xml-file", value_name = "FILE")]
    pub xml_file: Option<PathBuf>,
    /// Read the CIB from standard input.
    #[arg(short = 'p', long = "xml-pipe")]
    pub xml_pipe: bool,
    /// Connect to the running cluster and use its CIB.
    #[arg(short = 'L', long = "live-check")]
    pub live_check: bool,
    /// Show what actions the cluster would take.
    #[arg(short = 'R', long = "run")]
    pub run: bool,
    /// Like --run, then simulate the actions and show the resulting status.
    #[arg(short = 'S', long = "simulate")]
    pub simulate: bool,
    /// Show allocation scores.
    #[arg(short = 's', long = "show-scores")]
    pub show_scores: bool,
    /// Show utilization information.
    #[arg(short = 'U', long = "show-utilization")]
    pub show_utilization: bool,
    /// Show node attributes.
    #[arg(short = 'A', long = "show-attrs")]
    pub show_attrs: bool,
    /// Show resource fail counts.
    #[arg(short = 'c', long = "show-failcounts")]
    pub show_failcounts: bool,
    /// Display pending operations.
    #[arg(short = 'j', long = "pending")]
    pub pending: bool,
    /// Print less: no current or revised status.
    #[arg(short = 'Q', long = "quiet")]
    pub quiet: bool,
    /// Use this date/time (ISO 8601) as "now".
    #[arg(short = 't', long = "set-datetime", value_name = "DATETIME")]
    pub set_datetime: Option<String>,
    /// Write the transition graph to this file.
    #[arg(short = 'G', long = "save-graph", value_name = "FILE")]
    pub save_graph: Option<PathBuf>,
}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("pacer simulate is being built")
}
