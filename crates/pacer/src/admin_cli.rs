//! `pacer resource`, `pacer node`, `pacer property`: glue between the command
//! line, the `admin` crate (what each request changes) and the CIB, which is
//! a file (`--cib FILE` or `$CIB_file`, replaced atomically) or the running
//! cluster (pacerd's control socket: configuration changes as
//! `ReplaceConfiguration` against the version read, status changes as
//! `ReplaceNodeState`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use admin::{Applied, Change, Section};
use anyhow::{bail, Context};
use replica::ops::{CibOp, Version};

use crate::cib_file;

/// Which CIB to work on.
#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// CIB file to read and write (default: $CIB_file; else the running cluster).
    #[arg(long, value_name = "FILE", global = true)]
    cib: Option<PathBuf>,
    /// pacerd's control socket, when no file is named.
    #[arg(long, default_value = control::DEFAULT_SOCKET, global = true)]
    socket: PathBuf,
}

impl Target {
    /// The running cluster behind this control socket.
    pub fn socket(socket: &Path) -> Target {
        Target {
            cib: None,
            socket: socket.to_path_buf(),
        }
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum ResourceCommand {
    /// Let the cluster start it (target-role=Started).
    Start { rsc: String },
    /// Stop it and keep it stopped (target-role=Stopped).
    Stop { rsc: String },
    /// Stop it, wait until it is stopped everywhere, start it again and wait
    /// until it runs where it ran (crm_resource --restart; needs the running
    /// cluster, refused on a file).
    Restart {
        rsc: String,
        /// Seconds to wait for the stop, then again for the start.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Prefer NODE (cli-prefer-RSC); without NODE, ban it from where it runs.
    Move {
        rsc: String,
        node: Option<String>,
        /// ISO 8601 duration after which the constraint expires (e.g. PT1H).
        #[arg(long)]
        lifetime: Option<String>,
        /// Move only the promoted role of a promotable clone.
        #[arg(long)]
        promoted: bool,
    },
    /// Keep it off NODE (cli-ban-RSC-on-NODE); without NODE, where it runs.
    Ban {
        rsc: String,
        node: Option<String>,
        #[arg(long)]
        lifetime: Option<String>,
        #[arg(long)]
        promoted: bool,
    },
    /// Remove the constraints move and ban created.
    Clear {
        rsc: String,
        #[arg(long)]
        node: Option<String>,
    },
    /// Forget failed operations and fail counts (--all: every history entry, like --refresh).
    Cleanup {
        rsc: Option<String>,
        #[arg(long)]
        node: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Show or delete fail counts.
    Failcount {
        rsc: String,
        #[arg(value_enum, default_value = "show")]
        action: FailcountAction,
        #[arg(long)]
        node: Option<String>,
    },
    /// Where it is active.
    Locate { rsc: String },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailcountAction {
    Show,
    Delete,
}

#[derive(clap::Subcommand, Debug)]
pub enum NodeCommand {
    /// Put a node in standby (standby=on): its resources move away.
    Standby { node: String },
    /// Take a node out of standby (standby=off).
    Online { node: String },
    /// Maintenance mode for a node (maintenance=on): resources left alone.
    Maintenance { node: String },
    /// End maintenance mode (maintenance=off).
    Ready { node: String },
    /// Set (or with --delete remove) a permanent node attribute.
    Attribute {
        node: String,
        name: String,
        value: Option<String>,
        #[arg(long, conflicts_with = "value")]
        delete: bool,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum PropertyCommand {
    /// Set a cluster property (crm_attribute -n NAME -v VALUE).
    Set { name: String, value: String },
    /// Delete a cluster property.
    Delete { name: String },
    /// Show the configured cluster properties.
    Show,
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

enum Source {
    File(PathBuf),
    Cluster(PathBuf),
}

fn source(t: &Target) -> Source {
    match cib_file::resolve(t.cib.as_deref()) {
        Some(p) => Source::File(p),
        None => Source::Cluster(t.socket.clone()),
    }
}

fn read(src: &Source) -> anyhow::Result<String> {
    match src {
        Source::File(p) => cib_file::read(p)
            .with_context(|| format!("reading {}", p.display()))?
            .with_context(|| {
                format!(
                    "{} does not exist; `pacer cluster new-cib {}` makes an empty one",
                    p.display(),
                    p.display()
                )
            }),
        Source::Cluster(sock) => crate::status::fetch_cib(sock),
    }
}

fn change(t: &Target, c: Change) -> anyhow::Result<ExitCode> {
    for n in apply_change(t, c)? {
        println!("{n}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Tries of a change against a running cluster whose status moves the
/// CIB's version between the read and the commit.
const COMMIT_TRIES: usize = 5;

/// Applies an admin change to the file or the cluster; gives its notes.
///
/// A configuration change is committed against the version it was made
/// from. When it is refused because the version moved but the
/// configuration did not (status updates: operation results, attributes),
/// the change is made again on the new CIB, as `crm_resource` applies its
/// change to the current CIB; a concurrent configuration change is still
/// refused.
pub fn apply_change(t: &Target, c: Change) -> anyhow::Result<Vec<String>> {
    let src = source(t);
    let mut tries = 0;
    loop {
        tries += 1;
        let xml = read(&src)?;
        let done = match admin::apply(&xml, &c, now_s()) {
            Ok(d) => d,
            Err(e) => bail!("{e}"),
        };
        match &src {
            Source::File(p) => {
                cib_file::write_atomic(p, done.xml.as_bytes())
                    .with_context(|| format!("writing {}", p.display()))?;
                return Ok(done.notes);
            }
            Source::Cluster(sock) => match commit(sock, &xml, &done) {
                Ok(()) => return Ok(done.notes),
                Err(e) => {
                    let same_configuration = read(&src)
                        .ok()
                        .is_some_and(|now| configuration_epoch(&now) == configuration_epoch(&xml));
                    if tries < COMMIT_TRIES
                        && done.section == Section::Configuration
                        && same_configuration
                    {
                        continue;
                    }
                    return Err(e);
                }
            },
        }
    }
}

/// `(admin_epoch, epoch)`: what changes with the configuration.
fn configuration_epoch(xml: &str) -> Option<(i64, i64)> {
    let (cib, _) = cib::Cib::from_xml_lenient(xml).ok()?;
    Some((cib.admin_epoch, cib.epoch))
}

/// Sends the change to pacerd: the configuration against the version it
/// was made from (a concurrent change is refused, not overwritten), or each
/// changed `node_state`.
fn commit(sock: &Path, before: &str, done: &Applied) -> anyhow::Result<()> {
    let ops = match done.section {
        Section::Configuration => {
            let (old, _) = cib::Cib::from_xml_lenient(before).context("reading the CIB")?;
            vec![CibOp::ReplaceConfiguration {
                cib_xml: done.xml.clone(),
                base: Some(Version::of(&old)),
            }]
        }
        Section::Status => {
            let root = cib::Element::parse(&done.xml).context("reading the new CIB")?;
            let status = root.child("status");
            done.node_states
                .iter()
                .filter_map(|id| {
                    status?
                        .children_named("node_state")
                        .find(|n| n.attr("id") == Some(id.as_str()))
                        .map(|n| CibOp::ReplaceNodeState {
                            node_state_xml: n.to_xml(),
                        })
                })
                .collect()
        }
    };
    let mut c = control::Client::connect(sock)?;
    for op in ops {
        match c.call(&control::Request::Change { op })? {
            control::Response::Done { .. } => {}
            control::Response::Refused { reason } => bail!("refused: {reason}"),
            control::Response::Error { message } => bail!("pacerd: {message}"),
            other => bail!("pacerd answered {other:?} to a change"),
        }
    }
    Ok(())
}

pub fn resource(t: Target, cmd: ResourceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ResourceCommand::Start { rsc } => change(&t, Change::Start { rsc }),
        ResourceCommand::Stop { rsc } => change(&t, Change::Stop { rsc }),
        ResourceCommand::Restart { rsc, timeout } => restart(&t, &rsc, timeout),
        ResourceCommand::Move {
            rsc,
            node,
            lifetime,
            promoted,
        } => change(
            &t,
            Change::Move {
                rsc,
                node,
                lifetime,
                promoted,
            },
        ),
        ResourceCommand::Ban {
            rsc,
            node,
            lifetime,
            promoted,
        } => change(
            &t,
            Change::Ban {
                rsc,
                node,
                lifetime,
                promoted,
            },
        ),
        ResourceCommand::Clear { rsc, node } => change(&t, Change::Clear { rsc, node }),
        ResourceCommand::Cleanup { rsc, node, all } => {
            change(&t, Change::Cleanup { rsc, node, all })
        }
        ResourceCommand::Failcount { rsc, action, node } => match action {
            FailcountAction::Delete => change(&t, Change::FailcountDelete { rsc, node }),
            FailcountAction::Show => {
                let xml = read(&source(&t))?;
                let fc = admin::failcounts(&xml, &rsc, node.as_deref(), now_s())
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                if fc.is_empty() {
                    println!("no fail counts for '{rsc}'");
                }
                for f in fc {
                    println!(
                        "{} on {}: fail-count={}{}",
                        f.resource,
                        f.node,
                        f.count,
                        if f.last_failure > 0 {
                            format!(" last-failure={}", f.last_failure)
                        } else {
                            String::new()
                        }
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        },
        ResourceCommand::Locate { rsc } => {
            let xml = read(&source(&t))?;
            let nodes = admin::locate(&xml, &rsc, now_s()).map_err(|e| anyhow::anyhow!("{e}"))?;
            if nodes.is_empty() {
                println!("resource {rsc} is NOT running");
            }
            for (n, promoted) in nodes {
                println!(
                    "resource {rsc} is running on: {n}{}",
                    if promoted { " Promoted" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Where an instance runs, and whether it is promoted there.
type Located = (String, bool);

/// crm_resource --restart: target-role=Stopped, wait until no instance is
/// active, target-role=Started, wait until it is active on as many nodes as
/// before. Only the running cluster can do it: a file has no controller.
fn restart(t: &Target, rsc: &str, timeout_s: u64) -> anyhow::Result<ExitCode> {
    let sock = match source(t) {
        Source::File(p) => bail!(
            "restart of '{rsc}' needs a running cluster to stop and start it, and {} is a file; \
             use `pacer resource stop {rsc}` and `pacer resource start {rsc}` on the file, or \
             drop --cib/$CIB_file to restart it on the cluster",
            p.display()
        ),
        Source::Cluster(sock) => sock,
    };
    let located = |xml: &str| admin::locate(xml, rsc, now_s()).map_err(|e| anyhow::anyhow!("{e}"));
    let before = located(&crate::status::fetch_cib(&sock)?)?;
    if before.is_empty() {
        bail!(
            "'{rsc}' is not running, so there is nothing to restart; \
             `pacer resource start {rsc}` starts it"
        );
    }
    let timeout = std::time::Duration::from_secs(timeout_s);
    let wait =
        |what: &str, done: &dyn Fn(&[Located]) -> bool| -> anyhow::Result<()> {
            let start = std::time::Instant::now();
            loop {
                let now = located(&crate::status::fetch_cib(&sock)?)?;
                if done(&now) {
                    return Ok(());
                }
                if start.elapsed() >= timeout {
                    bail!(
                    "'{rsc}' did not {what} within {timeout_s}s (now on: {}); see `pacer status`; \
                     its target-role is left as it is now, `pacer resource start {rsc}` starts it",
                    if now.is_empty() {
                        "no node".to_string()
                    } else {
                        now.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                    }
                );
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        };
    apply_change(t, Change::Stop { rsc: rsc.into() })?;
    println!("stopping {rsc}");
    wait("stop", &|now| now.is_empty())?;
    apply_change(t, Change::Start { rsc: rsc.into() })?;
    println!("starting {rsc}");
    wait("start again", &|now| now.len() >= before.len())?;
    let nodes: Vec<&str> = before.iter().map(|(n, _)| n.as_str()).collect();
    println!("{rsc} restarted (was on {})", nodes.join(", "));
    Ok(ExitCode::SUCCESS)
}

pub fn node(t: Target, cmd: NodeCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        NodeCommand::Standby { node } => change(&t, Change::Standby { node, on: true }),
        NodeCommand::Online { node } => change(&t, Change::Standby { node, on: false }),
        NodeCommand::Maintenance { node } => change(&t, Change::Maintenance { node, on: true }),
        NodeCommand::Ready { node } => change(&t, Change::Maintenance { node, on: false }),
        NodeCommand::Attribute {
            node,
            name,
            value,
            delete,
        } => {
            if value.is_none() && !delete {
                bail!("give a value for {name}, or --delete to remove it");
            }
            change(&t, Change::NodeAttribute { node, name, value })
        }
    }
}

pub fn property(t: Target, cmd: PropertyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PropertyCommand::Set { name, value } => change(
            &t,
            Change::Property {
                name,
                value: Some(value),
            },
        ),
        PropertyCommand::Delete { name } => change(&t, Change::Property { name, value: None }),
        PropertyCommand::Show => {
            let xml = read(&source(&t))?;
            for (_set, name, value) in
                admin::properties(&xml).map_err(|e| anyhow::anyhow!("{e}"))?
            {
                println!("{name}={value}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct ResourceArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub cmd: ResourceCommand,
}

#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub cmd: NodeCommand,
}

#[derive(clap::Args, Debug)]
pub struct PropertyArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub cmd: PropertyCommand,
}
