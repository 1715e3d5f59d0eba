//! `pacer lab`: an N-node cluster on one machine, for tests, demos and
//! benchmarks.
//!
//! Each node gets its own network namespace (`pcl-nI`, address
//! 10.214.0.I/24 on a veth) plugged into a bridge that lives in a namespace
//! of its own (`pcl-hub`), so lab traffic never touches the host's network.
//! Each node also runs in a private mount namespace with a tmpfs on /run
//! (corosync hard-codes /var/run/corosync.pid; pacerd's socket lives in
//! /run/pacer) and one on /dev/shm (libqb's IPC files: a killed node's
//! leftovers go away with its namespace instead of piling up on the host). Per node: `corosync -f` and `pacerd`, with their files in
//! `DIR/nI/` (corosync.conf, cib.xml, logs, pid files). The authkey is shared.
//!
//! Partitions move nodes' veths to other bridges in the hub namespace.
//! `pacer lab down` stops every process in the node namespaces and deletes
//! the namespaces.

use std::path::{Path, PathBuf};
use std::process::{Command as Proc, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

mod failover;
mod fence;

/// The default first part of every lab interface and namespace name.
const PREFIX: &str = "pcl";

/// The first part of the lab's namespace and interface names: `pcl`, or
/// `$PACER_LAB_PREFIX` (1 to 5 lowercase letters and digits) so that
/// several labs can coexist on one machine (e.g. a developer's and a test
/// run's). Every `pacer lab` command of one lab must see the same value.
fn prefix() -> String {
    match std::env::var("PACER_LAB_PREFIX") {
        Ok(p)
            if (1..=5).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
        {
            p
        }
        _ => PREFIX.to_string(),
    }
}
const SUBNET: &str = "10.214.0";
/// The repository's fence agent script (`agents/fence_pacer_lab`).
const FENCE_AGENT_SCRIPT: &str = include_str!("../agents/fence_pacer_lab");
pub const NODES_MAX: u32 = 16;
/// Marks a lab that is going down: no node may start.
const STOPPING: &str = "stopping";

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Build and start an N-node lab (root; network namespaces).
    Up {
        nodes: u32,
        /// corosync token timeout in ms (default corosync's 3000).
        #[arg(long)]
        token: Option<u32>,
        /// Seconds to wait for a quorate cluster with one DC.
        #[arg(long, default_value_t = 60)]
        wait: u64,
        #[command(flatten)]
        lab: LabDir,
    },
    /// Stop everything and delete the namespaces.
    Down {
        #[command(flatten)]
        lab: LabDir,
    },
    /// Run a command in node N's namespaces; pacer subcommands (status, cluster, …) run this pacer.
    Exec {
        node: u32,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
        #[command(flatten)]
        lab: LabDir,
    },
    /// Send a signal to node N's corosync and pacerd (KILL, STOP, CONT, TERM).
    Kill {
        node: u32,
        #[arg(long, default_value = "KILL")]
        signal: String,
        #[command(flatten)]
        lab: LabDir,
    },
    /// (Re)start node N's corosync and pacerd after a kill.
    Start {
        node: u32,
        #[command(flatten)]
        lab: LabDir,
    },
    /// Split the lab network, e.g. `pacer lab partition 1,2 3`.
    Partition {
        #[arg(required = true)]
        groups: Vec<String>,
        #[command(flatten)]
        lab: LabDir,
    },
    /// Reconnect every node.
    Heal {
        #[command(flatten)]
        lab: LabDir,
    },
    /// A fence agent for lab nodes (fence-agent protocol on stdin, or -o ACTION -n nI);
    /// the fence_pacer_lab script runs it.
    Fence(fence::Args),
    /// Bring up a 3-node lab (unless up), load examples/lab-demo.crm, wait
    /// until it has settled and show `pacer status`.
    Demo {
        #[command(flatten)]
        args: crate::demo::Args,
        #[command(flatten)]
        lab: LabDir,
    },
    /// Benchmarks on a fresh lab (not tests: they print figures).
    #[command(subcommand)]
    Bench(Bench),
    /// Runs COMMAND as a child, writes its pid to PIDFILE and reaps every
    /// orphan of the node (child subreaper), as a node's init would; exits
    /// with COMMAND's status. `pacer lab start` runs pacerd under it.
    #[command(hide = true)]
    Reap {
        #[arg(long)]
        pidfile: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum Bench {
    /// SIGKILL a node; time until every survivor has the new view (corosync)
    /// and has agreed on membership + DC (pacer). Alternates DC / non-DC victims.
    Failover {
        /// corosync token timeouts (ms) to measure, comma-separated.
        #[arg(long, default_value = "300,1000", value_delimiter = ',')]
        tokens: Vec<u32>,
        #[arg(long, default_value_t = 10)]
        runs: u32,
        #[arg(long, default_value_t = 3)]
        nodes: u32,
        #[command(flatten)]
        lab: LabDir,
    },
    /// A resource's failure → running again, per run and median/p95 (as the
    /// Pacemaker reference lab's meas_a): `anything` = its process SIGKILLed
    /// (event-driven detection), `dummy` = Dummy's state file removed (the
    /// next monitor notices, like meas_a).
    Resource {
        #[arg(long, default_value_t = 20)]
        runs: u32,
        /// anything (a `sleep infinity` daemon), dummy (ocf:pacemaker:Dummy)
        /// or sleeper (an LSB `sleep infinity` service without `su`: the
        /// cluster's own reaction time).
        #[arg(long, default_value = "anything")]
        agent: String,
        /// The recurring monitor's interval.
        #[arg(long, default_value = "10s")]
        interval: String,
        /// corosync token timeout in ms.
        #[arg(long, default_value_t = 1000)]
        token: u32,
        #[command(flatten)]
        lab: LabDir,
    },
    /// The node running a resource freezes (corosync and pacerd SIGSTOPped)
    /// → the resource runs on another node, per run and median/p95 (as the
    /// Pacemaker reference lab's meas_b), with fencing (fence_pacer_lab) or
    /// without (--no-fencing, as the reference lab).
    Node {
        #[arg(long, default_value_t = 20)]
        runs: u32,
        /// dummy (ocf:pacemaker:Dummy), anything or sleeper (see `bench resource`).
        #[arg(long, default_value = "dummy")]
        agent: String,
        /// corosync token timeout in ms.
        #[arg(long, default_value_t = 1000)]
        token: u32,
        /// stonith-enabled=false (the survivors start it once the view lacks the node).
        #[arg(long)]
        no_fencing: bool,
        #[command(flatten)]
        lab: LabDir,
    },
    /// Idle memory (RSS, PSS) and CPU per node, as the reference lab's footprint.
    Footprint {
        /// How long to measure idle CPU.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// corosync token timeout in ms.
        #[arg(long, default_value_t = 1000)]
        token: u32,
        #[command(flatten)]
        lab: LabDir,
    },
    /// CIB update throughput and latency: clients on every node change node attributes.
    Cib {
        /// Concurrent clients (spread over the nodes).
        #[arg(long, default_value_t = 6)]
        clients: u32,
        /// Updates per client.
        #[arg(long, default_value_t = 500)]
        updates: u32,
        #[arg(long, default_value_t = 3)]
        nodes: u32,
        #[command(flatten)]
        lab: LabDir,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub struct LabDir {
    /// The lab's working directory.
    #[arg(long = "lab-dir", default_value = "/tmp/pacer-lab")]
    pub dir: PathBuf,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Up {
            nodes,
            token,
            wait,
            lab,
        } => {
            let l = Lab::new(lab.dir);
            if let Err(e) = l.up(nodes, token) {
                let _ = l.down();
                return Err(e.context("building the lab failed; it was taken down again"));
            }
            l.wait_ready(Duration::from_secs(wait))?;
            for i in 1..=nodes {
                println!("n{i}: {}", l.node_summary(i));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Down { lab } => {
            Lab::new(lab.dir).down()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Exec { node, command, lab } => Lab::new(lab.dir).exec(node, &command),
        Command::Kill { node, signal, lab } => {
            Lab::new(lab.dir).signal(node, &signal)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Start { node, lab } => {
            Lab::new(lab.dir).start(node)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Partition { groups, lab } => {
            let groups = groups
                .iter()
                .map(|g| {
                    g.split(',')
                        .map(|n| {
                            n.trim().parse::<u32>().with_context(|| {
                                format!("{g:?}: groups are node numbers separated by commas")
                            })
                        })
                        .collect()
                })
                .collect::<anyhow::Result<Vec<Vec<u32>>>>()?;
            Lab::new(lab.dir).partition(&groups)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Heal { lab } => {
            Lab::new(lab.dir).heal()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { args, lab } => crate::demo::run(Lab::new(lab.dir), args),
        Command::Fence(args) => fence::run(args),
        Command::Reap { pidfile, command } => reap(&pidfile, &command),
        Command::Bench(b) => bench(b),
    }
}

/// `pacer lab reap`: the node's reaper. Agents' daemons are orphaned when
/// the agent exits; a node's init reaps them when they die, so a killed
/// daemon is gone at once. Without this (a host whose PID 1 does not reap)
/// a killed daemon would stay a zombie that `kill -0` still finds, and
/// agents would report it running.
fn reap(pidfile: &Path, command: &[String]) -> anyhow::Result<ExitCode> {
    use rustix::process::{wait, WaitOptions};
    let Some((program, args)) = command.split_first() else {
        bail!("nothing to run");
    };
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))
        .context("becoming the node's child subreaper")?;
    let child = Proc::new(program)
        .args(args)
        .spawn()
        .with_context(|| format!("starting {program}"))?;
    let main = child.id();
    std::fs::write(pidfile, format!("{main}\n"))
        .with_context(|| format!("writing {}", pidfile.display()))?;
    loop {
        match wait(WaitOptions::empty()) {
            Ok(Some((pid, status))) if pid.as_raw_nonzero().get().unsigned_abs() == main => {
                let code = status
                    .exit_status()
                    .or_else(|| status.terminating_signal().map(|s| 128 + s))
                    .unwrap_or(1);
                return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
            }
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => bail!("waiting for {program}: {e}"),
        }
    }
}

/// Brings up a fresh lab for a benchmark; it is taken down by the guard.
struct BenchLab(Lab);

impl Drop for BenchLab {
    fn drop(&mut self) {
        if let Err(e) = self.0.down() {
            eprintln!("pacer: taking the benchmark lab down: {e:#}");
        }
    }
}

fn fresh_lab(dir: &Path, nodes: u32, token: Option<u32>) -> anyhow::Result<BenchLab> {
    let lab = Lab::new(dir.to_path_buf());
    lab.down()?;
    let guard = BenchLab(lab);
    guard.0.up(nodes, token)?;
    guard.0.wait_ready(Duration::from_secs(90))?;
    Ok(guard)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `t_ms=… event=NAME members=[…] … dc=D` lines of a pacerd log after `since_ms`.
fn log_events(path: &Path, since_ms: u128, event: &str) -> Vec<(u128, Vec<u32>, Option<u32>)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let t: u128 = l
                .split("t_ms=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            if t < since_ms || !l.contains(&format!("event={event} ")) {
                return None;
            }
            let m = l.split("members=[").nth(1)?.split(']').next()?;
            let members = m.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            let dc = l
                .split(" dc=")
                .nth(1)
                .and_then(|x| x.split_whitespace().next())
                .and_then(|x| x.parse().ok());
            Some((t, members, dc))
        })
        .collect()
}

fn wall_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn bench(b: Bench) -> anyhow::Result<ExitCode> {
    match b {
        Bench::Failover {
            tokens,
            runs,
            nodes,
            lab,
        } => {
            if nodes < 3 {
                bail!("the failover benchmark needs at least 3 nodes (quorum after one loss)");
            }
            println!("failover: SIGKILL of corosync+pacerd on one node of {nodes}; times from the kill, max over survivors");
            println!(
                "{:>8} {:>4} {:>6} {:>14} {:>14} {:>12}",
                "token_ms", "run", "victim", "corosync_ms", "pacer_ms", "added_ms"
            );
            let mut summary = Vec::new();
            for token in tokens {
                let guard = fresh_lab(&lab.dir, nodes, Some(token))?;
                let l = &guard.0;
                let (mut det, mut agree, mut added) = (Vec::new(), Vec::new(), Vec::new());
                for run in 1..=runs {
                    let dc = l.status(1).and_then(|s| s.engine.dc).unwrap_or(1);
                    let victim = if run % 2 == 1 {
                        dc
                    } else {
                        (1..=nodes).find(|i| *i != dc).unwrap_or(1)
                    };
                    let survivors: Vec<u32> = (1..=nodes).filter(|i| *i != victim).collect();
                    let t0 = wall_ms();
                    l.signal(victim, "KILL")?;
                    let deadline = Instant::now() + Duration::from_secs(60);
                    let (view_max, sync_max, added_max) = loop {
                        let mut views = Vec::new();
                        let mut syncs = Vec::new();
                        for s in &survivors {
                            let log = l.node_dir(*s).join("pacerd.log");
                            let v = log_events(&log, t0, "view")
                                .into_iter()
                                .find(|(_, m, _)| !m.contains(&victim));
                            let y = v.as_ref().and_then(|(tv, _, _)| {
                                log_events(&log, *tv, "synced")
                                    .into_iter()
                                    .find(|(_, m, _)| !m.contains(&victim))
                            });
                            if let (Some(v), Some(y)) = (v, y) {
                                views.push(v.0);
                                syncs.push((y.0, y.2, y.0 - v.0));
                            }
                        }
                        if syncs.len() == survivors.len() {
                            let dcs: std::collections::BTreeSet<_> =
                                syncs.iter().map(|s| s.1).collect();
                            if dcs.len() != 1 {
                                bail!("survivors disagree on the DC after run {run}: {dcs:?}");
                            }
                            break (
                                views.iter().max().copied().unwrap_or(t0) - t0,
                                syncs.iter().map(|s| s.0).max().unwrap_or(t0) - t0,
                                syncs.iter().map(|s| s.2).max().unwrap_or(0),
                            );
                        }
                        if Instant::now() > deadline {
                            bail!("run {run}: survivors did not all report the new view within 60 s (see {}/n*/pacerd.log)", lab.dir.display());
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    };
                    println!(
                        "{token:>8} {run:>4} {:>6} {view_max:>14} {sync_max:>14} {added_max:>12}",
                        format!("n{victim}{}", if victim == dc { "*" } else { "" })
                    );
                    det.push(view_max as f64);
                    agree.push(sync_max as f64);
                    added.push(
                        agree.last().copied().unwrap_or(0.0) - det.last().copied().unwrap_or(0.0),
                    );
                    l.start(victim)?;
                    l.wait_ready(Duration::from_secs(90))?;
                }
                for v in [&mut det, &mut agree, &mut added] {
                    v.sort_by(|a, b| a.total_cmp(b));
                }
                summary.push(format!(
                    "token {token} ms, {runs} runs: corosync view at survivors p50 {:.0} ms p95 {:.0} ms; membership + DC agreed p50 {:.0} ms p95 {:.0} ms; pacer adds p50 {:.0} ms max {:.0} ms",
                    percentile(&det, 0.5),
                    percentile(&det, 0.95),
                    percentile(&agree, 0.5),
                    percentile(&agree, 0.95),
                    percentile(&added, 0.5),
                    added.last().copied().unwrap_or(f64::NAN)
                ));
                drop(guard);
            }
            println!("(* = the victim was the DC)");
            for s in summary {
                println!("{s}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Bench::Resource {
            runs,
            agent,
            interval,
            token,
            lab,
        } => bench_resource(&lab.dir, runs, &agent, &interval, token),
        Bench::Node {
            runs,
            agent,
            token,
            no_fencing,
            lab,
        } => failover::bench_node(&lab.dir, runs, &agent, token, !no_fencing),
        Bench::Footprint {
            seconds,
            token,
            lab,
        } => failover::bench_footprint(&lab.dir, seconds, token),
        Bench::Cib {
            clients,
            updates,
            nodes,
            lab,
        } => {
            let guard = fresh_lab(&lab.dir, nodes, None)?;
            let l = guard.0.clone();
            let start = Instant::now();
            let mut handles = Vec::new();
            for c in 0..clients {
                let node = c % nodes + 1;
                let sock = l.socket(node).context("a node's socket")?;
                handles.push(std::thread::spawn(move || -> anyhow::Result<Vec<f64>> {
                    let mut client = control::Client::connect(&sock)?;
                    let mut lat = Vec::with_capacity(updates as usize);
                    for i in 0..updates {
                        let t = Instant::now();
                        let r = client.call(&control::Request::Attribute {
                            update: replica::engine::AttrUpdate {
                                node: format!("n{node}"),
                                name: format!("bench-{c}"),
                                value: Some(i.to_string()),
                                scope: replica::ops::AttrScope::Transient,
                                dampen_ms: 0,
                            },
                        })?;
                        if !matches!(r, control::Response::Done { .. }) {
                            bail!("update refused: {r:?}");
                        }
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(lat)
                }));
            }
            let mut all = Vec::new();
            for h in handles {
                all.extend(
                    h.join()
                        .map_err(|_| anyhow::anyhow!("a client thread panicked"))??,
                );
            }
            let secs = start.elapsed().as_secs_f64();
            all.sort_by(|a, b| a.total_cmp(b));
            let versions: Vec<String> = (1..=nodes)
                .filter_map(|i| l.status(i))
                .map(|s| format!("{}", s.engine.version))
                .collect();
            println!(
                "CIB updates on a {nodes}-node lab: {} commits by {clients} clients in {secs:.2} s = {:.0} commits/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; final versions {versions:?}",
                all.len(),
                all.len() as f64 / secs,
                percentile(&all, 0.5),
                percentile(&all, 0.99),
                all.last().copied().unwrap_or(f64::NAN)
            );
            drop(guard);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The `{rsc}_last_0` record of `rsc` on `node`: (operation, rc, call id).
fn last_op(cib_xml: &str, node: &str, rsc: &str) -> Option<(String, i64, i64)> {
    let (cib, _) = cib::Cib::from_xml_lenient(cib_xml).ok()?;
    let op_id = format!("{rsc}_last_0");
    cib.status
        .node_states
        .iter()
        .find(|n| n.uname.as_deref() == Some(node))?
        .lrm
        .as_ref()?
        .lrm_resources
        .as_ref()?
        .resources
        .iter()
        .find(|r| r.id == rsc)?
        .ops
        .iter()
        .find(|o| o.id == op_id)
        .map(|o| {
            (
                o.operation.clone(),
                o.rc_code.unwrap_or(-1),
                o.call_id.unwrap_or(-1),
            )
        })
}

/// `pacer lab bench resource`: see [`Bench::Resource`].
fn bench_resource(
    dir: &Path,
    runs: u32,
    agent: &str,
    interval: &str,
    token: u32,
) -> anyhow::Result<ExitCode> {
    use failover::{BenchAgent, BenchRsc, RSC};
    let agent = BenchAgent::parse(agent)?;
    let dummy = agent == BenchAgent::Dummy;
    if cib::value::parse_duration_ms(interval).is_none() {
        bail!("--interval {interval}: not a duration (10s, 1s, 500ms)");
    }
    let guard = fresh_lab(dir, 3, Some(token))?;
    let l = &guard.0;
    let r = BenchRsc { lab: l, agent };
    r.configure(interval, false)?;
    println!(
        "resource failure → running again: {} ({}), monitor every {interval}, {runs} runs; times from the failure",
        if dummy { "Dummy, state file removed".to_string() } else { format!("{}, process SIGKILLed", agent.describe()) },
        if dummy { "detected by the next monitor" } else { "event-driven detection" },
    );
    println!(
        "{:>4} {:>5} {:>12} {:>10} {:>10} {:>12} {:>12}",
        "run", "node", "detected_ms", "stop_ms", "start_ms", "running_ms", "cib_start_ms"
    );
    println!("(detected: the monitor's failed result; stop: stopped; start: start sent to the agent; running: the process/state file is back; cib_start: the start's success in another node's CIB)");
    let (mut det, mut back, mut cib_started, mut sent) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rng = (wall_ms() as u64) | 1;
    for run in 1..=runs {
        let node = r.settle("before the run")?;
        let name = format!("n{node}");
        let obs = (1..=3).find(|i| *i != node).unwrap_or(1);
        let obs_sock = l.socket(obs).context("the observer's socket")?;
        let prev = crate::status::fetch_cib(&obs_sock)
            .ok()
            .and_then(|c| last_op(&c, &name, RSC))
            .map_or(-1, |(_, _, call)| call);
        // A random phase against the monitor's interval, as meas_a.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(rng % 1000));
        let old_pid = r.live_pid(node);
        let t0 = wall_ms();
        if dummy {
            if let Some(m) = r.marker(node) {
                std::fs::remove_file(&m).with_context(|| format!("removing {}", m.display()))?;
            }
        } else {
            match old_pid {
                Some(p) => kill(p, "KILL"),
                None => bail!("run {run}: no process of the resource on {name}"),
            }
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut t_back = None;
        let t_cib = loop {
            if t_back.is_none() {
                // Back: a live process in a pid file written since the kill
                // (or the state file made again).
                let up = (1..=3).any(|i| {
                    r.running(i)
                        && (dummy
                            || r.marker(i)
                                .and_then(|m| std::fs::metadata(m).ok()?.modified().ok())
                                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                                .is_some_and(|t| t.as_millis() >= t0))
                });
                if up {
                    t_back = Some(wall_ms());
                }
            }
            if let Some((op, rc, call)) = crate::status::fetch_cib(&obs_sock)
                .ok()
                .and_then(|c| last_op(&c, &name, RSC))
            {
                if op == "start" && rc == 0 && call > prev {
                    break wall_ms();
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "run {run}: {RSC} was not started again within 60 s; see {}/n*/pacerd.log",
                    dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let t_back = t_back.unwrap_or(t_cib);
        // From the node's log: the monitor that saw it, the stop.
        let log = l.node_dir(node).join("pacerd.log");
        let first = |parts: &[&str]| failover::first_line(&log, t0, parts);
        let monitor = format!("event=op {RSC}_monitor_");
        let detected = first(&[&monitor, "not running"])
            .or_else(|| first(&[&monitor, "error"]))
            .map_or(-1.0, |t| (t - t0) as f64);
        let stopped =
            first(&[&format!("event=op {RSC}_stop_0"), "ok"]).map_or(-1.0, |t| (t - t0) as f64);
        let start_sent = first(&[&format!("event=execute rsc={RSC} action=start ")])
            .map_or(-1.0, |t| (t - t0) as f64);
        let (b, c) = ((t_back - t0) as f64, (t_cib - t0) as f64);
        println!("{run:>4} {name:>5} {detected:>12.0} {stopped:>10.0} {start_sent:>10.0} {b:>12.0} {c:>12.0}");
        det.push(detected);
        sent.push(start_sent);
        back.push(b);
        cib_started.push(c);
        crate::admin_cli::apply_change(
            &crate::admin_cli::Target::socket(&obs_sock),
            admin::Change::Cleanup {
                rsc: Some(RSC.into()),
                node: None,
                all: false,
            },
        )?;
        std::thread::sleep(Duration::from_secs(2));
    }
    for v in [&mut det, &mut back, &mut cib_started, &mut sent] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    println!(
        "{runs} runs: detected p50 {:.0} ms p95 {:.0} ms; start sent p50 {:.0} ms p95 {:.0} ms; running again p50 {:.0} ms p95 {:.0} ms; start recorded in the CIB p50 {:.0} ms p95 {:.0} ms",
        percentile(&det, 0.5),
        percentile(&det, 0.95),
        percentile(&sent, 0.5),
        percentile(&sent, 0.95),
        percentile(&back, 0.5),
        percentile(&back, 0.95),
        percentile(&cib_started, 0.5),
        percentile(&cib_started, 0.95)
    );
    drop(guard);
    Ok(ExitCode::SUCCESS)
}

fn sh(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = Proc::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {program} (is it installed?)"))?;
    if !out.status.success() {
        bail!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn sh_out(program: &str, args: &[&str]) -> String {
    Proc::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purposes.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false)
}

fn kill(pid: i32, sig: &str) {
    let _ = Proc::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// A lab on this machine.
#[derive(Clone, Debug)]
pub struct Lab {
    pub dir: PathBuf,
}

impl Lab {
    pub fn new(dir: PathBuf) -> Self {
        Lab { dir }
    }

    fn node_dir(&self, i: u32) -> PathBuf {
        self.dir.join(format!("n{i}"))
    }

    fn ns(i: u32) -> String {
        format!("{}-n{i}", prefix())
    }

    fn hub() -> String {
        format!("{}-hub", prefix())
    }

    /// Number of nodes of the lab that is up (from its directory).
    pub fn size(&self) -> anyhow::Result<u32> {
        let t = std::fs::read_to_string(self.dir.join("nodes"))
            .with_context(|| format!("no lab in {} (run `pacer lab up N`)", self.dir.display()))?;
        t.trim().parse().context("the lab's nodes file is damaged")
    }

    fn pid(&self, i: u32, what: &str) -> Option<i32> {
        std::fs::read_to_string(self.node_dir(i).join(format!("{what}.pid")))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// pacerd's pid on node `i`, if it runs.
    pub fn pacerd_pid(&self, i: u32) -> Option<i32> {
        self.pid(i, "pacerd").filter(|p| alive(*p))
    }

    /// corosync's pid on node `i`, if it runs.
    pub fn corosync_pid(&self, i: u32) -> Option<i32> {
        self.pid(i, "corosync").filter(|p| alive(*p))
    }

    /// Node `i`'s control socket, reached through pacerd's mount namespace.
    pub fn socket(&self, i: u32) -> Option<PathBuf> {
        self.pacerd_pid(i)
            .map(|p| PathBuf::from(format!("/proc/{p}/root{}", control::DEFAULT_SOCKET)))
    }

    /// Node `i`'s status, if its pacerd answers.
    pub fn status(&self, i: u32) -> Option<control::Status> {
        let s = self.socket(i)?;
        crate::status::fetch(&s).ok()
    }

    fn node_summary(&self, i: u32) -> String {
        match self.status(i) {
            Some(s) => {
                let e = s.engine;
                format!(
                    "members {:?}, quorate {}, DC {}, CIB {}",
                    e.members,
                    e.quorate,
                    e.dc.map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
                    e.version
                )
            }
            None => "pacerd not answering".into(),
        }
    }

    pub fn up(&self, nodes: u32, token: Option<u32>) -> anyhow::Result<()> {
        if rustix::process::geteuid().as_raw() != 0 {
            bail!("`pacer lab` needs root (it creates network namespaces)");
        }
        if !(1..=NODES_MAX).contains(&nodes) {
            bail!("a lab has 1 to {NODES_MAX} nodes, not {nodes}");
        }
        if sh_out("ip", &["netns", "list"])
            .lines()
            .any(|l| l.starts_with(&Self::hub()))
        {
            bail!(
                "a lab is already up (namespace {} exists): run `pacer lab down` first",
                Self::hub()
            );
        }
        let pacerd = pacerd_binary()?;
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        std::fs::write(self.dir.join("nodes"), format!("{nodes}\n"))?;
        let _ = std::fs::remove_file(self.dir.join(STOPPING));
        std::fs::write(self.dir.join("pacerd.path"), pacerd.display().to_string())?;
        let hub = Self::hub();
        let br = format!("{}-br0", prefix());
        sh("ip", &["netns", "add", &hub])?;
        sh("ip", &["-n", &hub, "link", "add", &br, "type", "bridge"])?;
        sh("ip", &["-n", &hub, "link", "set", &br, "up"])?;
        for i in 1..=nodes {
            let ns = Self::ns(i);
            let veth = format!("{}-v{i}", prefix());
            sh("ip", &["netns", "add", &ns])?;
            sh("ip", &["-n", &ns, "link", "set", "lo", "up"])?;
            sh(
                "ip",
                &[
                    "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns,
                ],
            )?;
            sh("ip", &["link", "set", &veth, "netns", &hub])?;
            sh(
                "ip",
                &["-n", &hub, "link", "set", &veth, "master", &br, "up"],
            )?;
            sh(
                "ip",
                &[
                    "-n",
                    &ns,
                    "addr",
                    "add",
                    &format!("{SUBNET}.{i}/24"),
                    "dev",
                    "eth0",
                ],
            )?;
            sh("ip", &["-n", &ns, "link", "set", "eth0", "up"])?;
        }
        // fence_pacer_lab, put where fence agents live on each node (`start`).
        let agents = self.dir.join("agents");
        std::fs::create_dir_all(&agents)?;
        store::write_atomic_with_mode(
            &agents.join(fence::AGENT_NAME),
            FENCE_AGENT_SCRIPT.as_bytes(),
            0o755,
        )?;
        // crm_attribute's promotion form (Stateful & co.) through pacerd.
        store::write_atomic_with_mode(
            &agents.join("crm_attribute"),
            include_bytes!("../agents/crm_attribute"),
            0o755,
        )?;
        let authkey = self.dir.join("authkey");
        if !authkey.exists() {
            crate::cluster::new_authkey(&authkey)?;
        }
        let node_list: Vec<(u32, String, String)> = (1..=nodes)
            .map(|i| (i, format!("n{i}"), format!("{SUBNET}.{i}")))
            .collect();
        for i in 1..=nodes {
            let d = self.node_dir(i);
            std::fs::create_dir_all(d.join("state"))?;
            let conf = cluster::conf::corosync_conf(&cluster::conf::ConfOptions {
                cluster_name: "pacerlab".into(),
                nodes: node_list.clone(),
                keyfile: authkey.display().to_string(),
                token_ms: token,
                two_node: nodes == 2,
                logfile: Some(d.join("corosync.log").display().to_string()),
                state_dir: Some(d.join("state").display().to_string()),
            })
            .map_err(anyhow::Error::msg)?;
            std::fs::write(d.join("corosync.conf"), conf)?;
            crate::cluster::new_cib(&d.join("cib.xml"), true)?;
        }
        for i in 1..=nodes {
            self.start(i)?;
        }
        Ok(())
    }

    /// Starts corosync and pacerd on node `i` (in its namespaces).
    pub fn start(&self, i: u32) -> anyhow::Result<()> {
        let d = self.node_dir(i);
        if !d.exists() {
            bail!("node {i} is not part of the lab in {}", self.dir.display());
        }
        if self.corosync_pid(i).is_some() || self.pacerd_pid(i).is_some() {
            bail!("node {i} is still running: `pacer lab kill {i}` first");
        }
        if self.dir.join(STOPPING).exists() {
            bail!(
                "the lab in {} is going down (or is down): `pacer lab up` builds it again",
                self.dir.display()
            );
        }
        let pacerd = std::fs::read_to_string(self.dir.join("pacerd.path"))
            .context("the lab has no pacerd.path")?;
        let d = d.display().to_string();
        let lab = self.dir.display().to_string();
        let pacer = std::env::current_exe()
            .context("locating pacer")?
            .display()
            .to_string();
        let prefix = prefix();
        let script = format!(
            r#"set -e
# The host's named network namespaces stay visible (fence_pacer_lab's `on`
# starts a node from inside another one).
mkdir -p {d}/netns
mount --rbind /run/netns {d}/netns
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
mount --move {d}/netns /run/netns
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/pacer
# What resource-agents' tmpfiles.d entry makes at boot (agents keep state there).
mkdir -p -m 1755 /run/resource-agents
# The lab's fence agent where fence agents live, for this node only.
[ -x /usr/sbin/fence_pacer_lab ] || mount -t overlay overlay -o lowerdir={lab}/agents:/usr/sbin /usr/sbin || echo "pacer lab: no overlay for /usr/sbin: fence_pacer_lab is not installed on this node" >> {d}/pacerd.log
# fence_pacer_lab runs this pacer, on this lab.
export PACER={pacer} PACER_LAB_DIR={lab} PACER_LAB_PREFIX={prefix}
rm -f {d}/pacerd.pid
corosync -f -c {d}/corosync.conf >> {d}/corosync.out 2>&1 &
echo $! > {d}/corosync.pid
n=0
until corosync-cfgtool -s >/dev/null 2>&1; do n=$((n+1)); [ $n -gt 200 ] && exit 1; sleep 0.05; done
exec {pacer} lab reap --pidfile {d}/pacerd.pid {pacerd} --cib {d}/cib.xml >> {d}/pacerd.log 2>&1
"#
        );
        Proc::new("setsid")
            .args([
                "ip",
                "netns",
                "exec",
                &Self::ns(i),
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                &script,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the node (setsid, ip, unshare)")?;
        // Wait for pacerd's pid file and socket.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(s) = self.socket(i) {
                if s.exists() {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(Path::new(&d).join("pacerd.log")).unwrap_or_default();
        bail!("node {i}: pacerd did not come up within 30 s; see {d}/pacerd.log and {d}/corosync.log\n{}", log.lines().rev().take(5).collect::<Vec<_>>().join("\n"))
    }

    /// Waits until every running node is synced in one quorate view with a DC.
    pub fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let n = self.size()?;
        let deadline = Instant::now() + timeout;
        loop {
            let all: Vec<Option<control::Status>> = (1..=n).map(|i| self.status(i)).collect();
            let ok = all.iter().all(|s| {
                s.as_ref().is_some_and(|s| {
                    let e = &s.engine;
                    e.synced && e.quorate && e.dc.is_some() && e.members.len() == n as usize
                })
            }) && all
                .iter()
                .map(|s| s.as_ref().map(|s| s.engine.dc))
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                == 1;
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the lab did not form one quorate cluster with a DC within {} s; see {}/n*/pacerd.log", timeout.as_secs(), self.dir.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn signal(&self, i: u32, sig: &str) -> anyhow::Result<()> {
        let sig = sig.trim_start_matches("SIG").to_ascii_uppercase();
        if !["KILL", "STOP", "CONT", "TERM"].contains(&sig.as_str()) {
            bail!("signal {sig}: use KILL, STOP, CONT or TERM");
        }
        // corosync first: killed after pacerd, it would still tell the others
        // that pacerd's process left the group, and they would see that at
        // once instead of a node failure.
        let pids: Vec<i32> = [self.pid(i, "corosync"), self.pid(i, "pacerd")]
            .into_iter()
            .flatten()
            .filter(|p| alive(*p))
            .collect();
        if pids.is_empty() {
            bail!("node {i} runs neither corosync nor pacerd");
        }
        for p in pids {
            kill(p, &sig);
        }
        Ok(())
    }

    pub fn partition(&self, groups: &[Vec<u32>]) -> anyhow::Result<()> {
        let n = self.size()?;
        let hub = Self::hub();
        for (g, members) in groups.iter().enumerate() {
            let br = format!("{}-br{g}", prefix());
            if g > 0 && !sh_out("ip", &["-n", &hub, "link", "show", &br]).contains(&br) {
                sh("ip", &["-n", &hub, "link", "add", &br, "type", "bridge"])?;
                sh("ip", &["-n", &hub, "link", "set", &br, "up"])?;
            }
            for i in members {
                if *i == 0 || *i > n {
                    bail!("node {i} is not in the lab (1..={n})");
                }
                sh(
                    "ip",
                    &[
                        "-n",
                        &hub,
                        "link",
                        "set",
                        &format!("{}-v{i}", prefix()),
                        "master",
                        &br,
                    ],
                )?;
            }
        }
        Ok(())
    }

    pub fn heal(&self) -> anyhow::Result<()> {
        let n = self.size()?;
        let hub = Self::hub();
        let br0 = format!("{}-br0", prefix());
        for i in 1..=n {
            sh(
                "ip",
                &[
                    "-n",
                    &hub,
                    "link",
                    "set",
                    &format!("{}-v{i}", prefix()),
                    "master",
                    &br0,
                ],
            )?;
        }
        for g in 1..=n {
            let _ = sh(
                "ip",
                &["-n", &hub, "link", "del", &format!("{}-br{g}", prefix())],
            );
        }
        Ok(())
    }

    /// Stops everything; safe to call on a half-built or absent lab.
    ///
    /// The lab is marked as going down first, so that no node is started
    /// again meanwhile (a surviving node's fencer turning a dead one back
    /// on); the processes are collected again until none is left.
    pub fn down(&self) -> anyhow::Result<()> {
        if self.dir.exists() {
            let _ = std::fs::write(self.dir.join(STOPPING), "");
        }
        let namespaces: Vec<String> = sh_out("ip", &["netns", "list"])
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| n.starts_with(&format!("{}-", prefix())))
            .map(str::to_string)
            .collect();
        for _round in 0..5 {
            let mut pids: Vec<i32> = Vec::new();
            for ns in &namespaces {
                pids.extend(
                    sh_out("ip", &["netns", "pids", ns])
                        .lines()
                        .filter_map(|l| l.trim().parse::<i32>().ok()),
                );
            }
            if let Ok(n) = self.size() {
                for i in 1..=n {
                    pids.extend(
                        [self.pid(i, "pacerd"), self.pid(i, "corosync")]
                            .into_iter()
                            .flatten(),
                    );
                }
            }
            pids.sort_unstable();
            pids.dedup();
            pids.retain(|p| alive(*p));
            if pids.is_empty() {
                break;
            }
            for p in &pids {
                kill(*p, "CONT");
                kill(*p, "TERM");
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            for p in pids.iter().filter(|p| alive(**p)) {
                kill(*p, "KILL");
            }
        }
        for ns in &namespaces {
            sh("ip", &["netns", "del", ns]).with_context(|| format!("deleting namespace {ns}"))?;
        }
        if let Ok(n) = self.size() {
            for i in 1..=n {
                for f in ["pacerd.pid", "corosync.pid"] {
                    let _ = std::fs::remove_file(self.node_dir(i).join(f));
                }
            }
            let _ = std::fs::remove_file(self.dir.join("nodes"));
        }
        Ok(())
    }

    pub fn exec(&self, i: u32, command: &[String]) -> anyhow::Result<ExitCode> {
        const PACER_COMMANDS: &[&str] = &[
            "status",
            "mon",
            "cluster",
            "configure",
            "simulate",
            "resource",
            "node",
            "property",
        ];
        let Some(first) = command.first() else {
            bail!("nothing to run")
        };
        let mut argv: Vec<String> = Vec::new();
        if PACER_COMMANDS.contains(&first.as_str()) {
            argv.push(
                std::env::current_exe()
                    .context("locating pacer")?
                    .display()
                    .to_string(),
            );
        }
        argv.extend(command.iter().cloned());
        let status = match self.pacerd_pid(i).or_else(|| self.corosync_pid(i)) {
            Some(pid) => Proc::new("nsenter")
                .args(["-t", &pid.to_string(), "-m", "-n", "--"])
                .args(&argv)
                .status(),
            None => Proc::new("ip")
                .args(["netns", "exec", &Self::ns(i)])
                .args(&argv)
                .status(),
        }
        .context("running nsenter")?;
        Ok(ExitCode::from(
            u8::try_from(status.code().unwrap_or(1)).unwrap_or(1),
        ))
    }
}

/// pacerd next to this pacer, else `$PACERD`, else on PATH.
fn pacerd_binary() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("PACERD") {
        return Ok(PathBuf::from(p));
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        let p = dir.join("pacerd");
        if p.exists() {
            return Ok(p);
        }
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("pacerd"))
        .find(|p| p.exists())
        .context("pacerd not found next to pacer, in $PACERD or on PATH: build it (`cargo build -p pacerd`)")
}
