//! `pacer`: the command-line front end. Parses arguments, calls the library
//! crates, maps errors to exit codes. Nothing else lives here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin_cli;
mod agent;
mod bench;
mod cib_file;
mod cluster;
mod configure;
mod demo;
mod lab;
mod mon;
mod simulate;
mod status;
mod verify;

/// pacer: a high-availability cluster resource manager compatible with Pacemaker.
#[derive(Parser, Debug)]
#[command(name = "pacer", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show a CIB's cluster status and what the cluster would do (like crm_simulate).
    Simulate(simulate::Args),
    /// Check a CIB file strictly, as before storing it (like crm_verify -x).
    Verify(verify::Args),
    /// Read and write the configuration in crm shell syntax.
    #[command(subcommand)]
    Configure(configure::Command),
    /// Resource and fence agents: list them, show their meta-data, run an action.
    #[command(subcommand)]
    Agent(agent::Command),
    /// The cluster's status as crm_mon -1 shows it (from pacerd or a CIB file).
    Status(status::Args),
    /// A live status view, redrawn whenever the CIB changes; q or Ctrl-C quits.
    Mon(mon::MonArgs),
    /// Start, stop, move, ban, clear, clean up and locate resources (like crm_resource).
    Resource(admin_cli::ResourceArgs),
    /// Standby, maintenance and attributes of nodes (like crm_standby, crm_attribute -N).
    Node(admin_cli::NodeArgs),
    /// Cluster properties (like crm_attribute -n NAME).
    Property(admin_cli::PropertyArgs),
    /// Set up a cluster (corosync.conf, authkey, CIB) and talk to the local pacerd.
    #[command(subcommand)]
    Cluster(cluster::Command),
    /// An N-node cluster on this machine in network namespaces (root).
    #[command(subcommand)]
    Lab(lab::Command),
    /// Scheduler benchmarks: the corpus in-process, synthetic CIBs.
    #[command(subcommand)]
    Bench(bench::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pacer: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn try_main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Simulate(args) => simulate::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Configure(cmd) => configure::run(cmd),
        Command::Status(args) => status::run(args),
        Command::Mon(args) => mon::run(args),
        Command::Resource(a) => admin_cli::resource(a.target, a.cmd),
        Command::Node(a) => admin_cli::node(a.target, a.cmd),
        Command::Property(a) => admin_cli::property(a.target, a.cmd),
        Command::Cluster(cmd) => cluster::run(cmd),
        Command::Lab(cmd) => lab::run(cmd),
        Command::Agent(cmd) => agent::run(cmd),
        Command::Bench(cmd) => bench::run(cmd),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks a command definition only when it is used: check them all.
    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
