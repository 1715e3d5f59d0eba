//! `pacer simulate`: crm_simulate's flags and output.
//!
//! Reads a CIB, runs the scheduler's stages and prints what crm_simulate
//! prints: the execution-date notice, the maintenance and disabled-instance
//! notices, "Current cluster status", then (`-R`/`-S`) the "Transition
//! Summary", (`-S`) the "Executing Cluster Transition" and the "Revised
//! Cluster Status"; `-G` writes the transition graph.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use scheduler::summary::{self, ShowOptions};

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

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Pacemaker's action stage recurses along orderings; give it room.
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || run_inner(args))
        .context("cannot start the scheduler thread")?
        .join()
        .map_err(|_| anyhow::anyhow!("the scheduler failed"))?
}

fn run_inner(args: Args) -> anyhow::Result<ExitCode> {
    let text = read_input(&args)?;
    let (cib, _warnings) = cib::Cib::from_xml_lenient(&text).context("cannot read the CIB")?;
    if !args.quiet
        && cib
            .validate_with
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("none"))
    {
        // What crm_simulate says when it checks the CIB's schema. Quiet
        // runs (`-sSQ`, the score logs Pacemaker's suite records) leave it
        // out, as the recorded score logs do.
        eprintln!("{}", scheduler::simulation::SCHEMA_DISABLED);
    }
    // crm_simulate logs configuration warnings instead of printing them, so
    // they stay quiet here too.

    let mut out = String::new();
    let clock_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (now, date_notice) =
        scheduler::time::effective_now(&cib, args.set_datetime.as_deref(), clock_now)
            .map_err(anyhow::Error::msg)?;
    if !args.quiet {
        if let Some(n) = &date_notice {
            out.push_str(n);
            out.push('\n');
        }
    }

    let state = scheduler::unpack(&cib, now);
    let mut printed = false;
    if !args.quiet {
        let (pre, pre_printed) = summary::preamble(&state);
        out.push_str(&pre);
        // crm_simulate always shows pending actions.
        let opts = ShowOptions {
            pending: true,
            inactive: true,
        };
        out.push_str(&summary::cluster_status(
            &state,
            "Current cluster status",
            opts,
            pre_printed,
        ));
        printed = true;
    }
    let process = args.run || args.simulate || args.show_scores || args.show_utilization;
    if args.show_scores {
        printed |= score_output(&args, &cib, &state, printed, &mut out);
    }
    if process {
        transition_output(&args, &cib, now, date_notice.as_deref(), printed, &mut out)?;
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// What crm_simulate prints after the current status when it computes the
/// transition: the transition summary, and with `-S` the simulated
/// execution and the revised status. Writes the graph for `-G`.
fn transition_output(
    args: &Args,
    cib: &cib::Cib,
    now: i64,
    date_notice: Option<&str>,
    mut printed: bool,
    out: &mut String,
) -> anyhow::Result<()> {
    let run = scheduler::simulation::run(cib, now);
    if let Some(path) = &args.save_graph {
        std::fs::write(path, run.graph.to_xml())
            .with_context(|| format!("cannot write the graph to {}", path.display()))?;
    }
    if !args.quiet && (args.run || args.simulate) {
        if printed {
            out.push('\n');
        }
        out.push_str(&run.transition_text());
        printed = true;
    }
    if !args.simulate || args.quiet {
        return Ok(());
    }
    if printed {
        out.push('\n');
    }
    out.push_str(&run.executing_text());
    if let Some(n) = date_notice {
        out.push_str(n);
        out.push('\n');
    }
    out.push_str(&run.revised_text());
    Ok(())
}

/// `-s`: the allocation and promotion scores placement computed, as
/// crm_simulate lists them (bare lines with `-Q`, else under an
/// "Allocation Scores" heading). Returns whether anything was printed.
fn score_output(
    args: &Args,
    cib: &cib::Cib,
    state: &scheduler::ClusterState,
    printed: bool,
    out: &mut String,
) -> bool {
    let placement = scheduler::simulation::placement(cib, state);
    if args.quiet {
        out.push_str(&scheduler::placement::score_text(&placement));
        return false;
    }
    if printed {
        out.push('\n');
    }
    out.push_str("Allocation Scores:\n");
    for line in &placement.scores {
        out.push_str(&format!("  * {line}\n"));
    }
    true
}

fn read_input(args: &Args) -> anyhow::Result<String> {
    if args.live_check {
        bail!("--live-check needs a running cluster, which pacer simulate cannot reach yet; use --xml-file");
    }
    match (&args.xml_file, args.xml_pipe) {
        (Some(path), _) => {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
        }
        (None, true) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the CIB from standard input")?;
            Ok(s)
        }
        (None, false) => bail!("say where the CIB is: --xml-file FILE or --xml-pipe"),
    }
}
