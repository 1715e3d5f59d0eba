//! `pacer lab fence`: a fence agent for lab nodes, speaking the standard
//! fence-agent protocol (`key=value` lines on stdin, or `-o ACTION -n NODE`
//! options). The repository's `fence_pacer_lab` script runs it, so it can
//! be installed where fence agents live (`/usr/sbin`) or named by path.
//!
//! - `off` kills every process of the node: all processes in its network
//!   namespace (found by the namespace's identity, so it works from the
//!   host and from inside another lab node), and waits until they are gone;
//! - `on` starts the node again (`pacer lab start`; needs the host's view
//!   of the lab's namespaces);
//! - `reboot` is off, then on;
//! - `status` exits 0 when the node has live processes, 2 when it has none;
//! - `list` prints the lab's nodes, `monitor` checks the lab exists,
//!   `metadata` prints the agent's meta-data, `validate-all` checks the
//!   parameters.
//!
//! Exit codes are the fence-agent ones: 0 success (and "on" for status),
//! 1 failure, 2 "off" for status.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::{alive, kill, Lab};

pub const AGENT_NAME: &str = "fence_pacer_lab";

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The action (off, on, reboot, status, list, monitor, metadata, validate-all);
    /// without it the fence-agent arguments are read from stdin.
    #[arg(short = 'o', long = "action")]
    pub action: Option<String>,
    /// The lab node (n1, n2, …).
    #[arg(short = 'n', long = "plug", visible_alias = "port")]
    pub plug: Option<String>,
    /// The cluster node name (used when no plug is given).
    #[arg(long = "nodename")]
    pub nodename: Option<String>,
    /// The lab's working directory.
    #[arg(long = "lab-dir")]
    pub lab_dir: Option<PathBuf>,
    /// The lab's name prefix (`PACER_LAB_PREFIX`).
    #[arg(long = "lab-prefix")]
    pub lab_prefix: Option<String>,
}

/// The agent's arguments after reading stdin: name → value.
fn arguments(args: &Args) -> anyhow::Result<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    if args.action.is_none() {
        let mut text = String::new();
        std::io::stdin()
            .take(1 << 20)
            .read_to_string(&mut text)
            .context("reading the fence-agent arguments from stdin")?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once('=') {
                Some((k, v)) => {
                    m.insert(k.trim().to_string(), v.trim().to_string());
                }
                None => eprintln!("{AGENT_NAME}: ignoring stdin line without '=': {line}"),
            }
        }
    }
    let mut set = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v.clone());
        }
    };
    set("action", &args.action);
    set("plug", &args.plug);
    set("nodename", &args.nodename);
    set(
        "lab_dir",
        &args.lab_dir.as_ref().map(|p| p.display().to_string()),
    );
    set("lab_prefix", &args.lab_prefix);
    Ok(m)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let m = arguments(&args)?;
    let action = m.get("action").map(String::as_str).unwrap_or("reboot");
    if matches!(action, "metadata" | "meta-data") {
        print!("{}", metadata());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(p) = m.get("lab_prefix") {
        // Read by the lab's naming (`prefix()`); this process is single-threaded here.
        std::env::set_var("PACER_LAB_PREFIX", p);
    }
    // A lab node's processes have the lab's directory in PACER_LAB_DIR.
    let dir = m
        .get("lab_dir")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("PACER_LAB_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/tmp/pacer-lab"));
    let lab = Lab::new(dir);
    let node = m
        .get("plug")
        .or_else(|| m.get("port"))
        .or_else(|| m.get("nodename"));
    let fail = |e: anyhow::Error| {
        eprintln!("{AGENT_NAME}: {action}: {e:#}");
        Ok(ExitCode::from(1))
    };
    let needs_node = matches!(action, "off" | "on" | "reboot" | "status");
    let index = match node {
        Some(n) => match node_index(&lab, n) {
            Ok(i) => Some(i),
            Err(e) => return fail(e),
        },
        None if needs_node => {
            return fail(anyhow::anyhow!(
                "no node given: pass plug=nI (or port=, nodename=) on stdin, or -n nI"
            ))
        }
        None => None,
    };
    let result = match (action, index) {
        ("off", Some(i)) => off(&lab, i).map(|()| 0),
        ("on", Some(i)) => on(&lab, i).map(|()| 0),
        ("reboot", Some(i)) => off(&lab, i).and_then(|()| on(&lab, i)).map(|()| 0),
        ("status", Some(i)) => Ok(if node_pids(&lab, i).is_empty() { 2 } else { 0 }),
        ("list" | "list-status", _) => lab.size().map(|n| {
            for i in 1..=n {
                if action == "list" {
                    println!("n{i},");
                } else {
                    let st = if node_pids(&lab, i).is_empty() { "off" } else { "on" };
                    println!("n{i},,{st}");
                }
            }
            0
        }),
        ("monitor", _) => lab.size().map(|_| 0),
        ("validate-all", _) => Ok(0),
        (other, _) => Err(anyhow::anyhow!(
            "unknown action {other:?}: use off, on, reboot, status, list, list-status, monitor, metadata or validate-all"
        )),
    };
    match result {
        Ok(code) => Ok(ExitCode::from(code)),
        Err(e) => fail(e),
    }
}

/// `nI` (or `I`) of a lab that has that node.
fn node_index(lab: &Lab, name: &str) -> anyhow::Result<u32> {
    let n = lab.size()?;
    let i: u32 = name
        .strip_prefix('n')
        .unwrap_or(name)
        .parse()
        .with_context(|| format!("{name:?} is not a lab node: lab nodes are n1 … n{n}"))?;
    if !(1..=n).contains(&i) {
        bail!("{name:?} is not a lab node: lab nodes are n1 … n{n}");
    }
    Ok(i)
}

/// The identity (device, inode) of node `i`'s network namespace: from its
/// name in /run/netns when that is visible (the host), else from a live
/// process of the node (inside a lab node /run is private).
fn netns_id(lab: &Lab, i: u32) -> Option<(u64, u64)> {
    let named = PathBuf::from(format!("/run/netns/{}", Lab::ns(i)));
    if let Ok(md) = std::fs::metadata(&named) {
        return Some((md.dev(), md.ino()));
    }
    ["corosync", "pacerd"]
        .into_iter()
        .filter_map(|w| lab.pid(i, w))
        .filter(|p| alive(*p))
        .find_map(|p| {
            std::fs::metadata(format!("/proc/{p}/ns/net"))
                .ok()
                .map(|md| (md.dev(), md.ino()))
        })
}

/// Every live process in node `i`'s network namespace, this one excepted.
pub(super) fn node_pids(lab: &Lab, i: u32) -> Vec<i32> {
    let Some(id) = netns_id(lab, i) else {
        return Vec::new();
    };
    let me = std::process::id() as i32;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&p| p != me)
        .filter(|&p| {
            std::fs::metadata(format!("/proc/{p}/ns/net"))
                .is_ok_and(|md| (md.dev(), md.ino()) == id)
        })
        .filter(|&p| alive(p))
        .collect()
}

/// SIGKILL to every process of the node until none is left (bounded).
pub(super) fn off(lab: &Lab, i: u32) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pids = node_pids(lab, i);
        if pids.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("node n{i} still has processes {pids:?} after SIGKILL");
        }
        for p in pids {
            kill(p, "KILL");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts the node unless it already runs.
fn on(lab: &Lab, i: u32) -> anyhow::Result<()> {
    if !node_pids(lab, i).is_empty() {
        return Ok(());
    }
    if !Path::new(&format!("/run/netns/{}", Lab::ns(i))).exists() {
        bail!(
            "cannot turn n{i} on from here: the lab's namespaces are not visible (run `pacer lab start {i}` on the lab's host)"
        );
    }
    lab.start(i)
}

/// The agent's meta-data, in the form fence agents print it.
pub fn metadata() -> String {
    let param = |name: &str,
                 required: bool,
                 getopt: &str,
                 ty: &str,
                 default: Option<&str>,
                 extra: &str,
                 desc: &str| {
        let default = default
            .map(|d| format!(" default=\"{d}\""))
            .unwrap_or_default();
        format!(
            "\t<parameter name=\"{name}\" unique=\"0\" required=\"{}\"{extra}>\n\t\t<getopt mixed=\"{getopt}\" />\n\t\t<content type=\"{ty}\"{default} />\n\t\t<shortdesc lang=\"en\">{desc}</shortdesc>\n\t</parameter>\n",
            u8::from(required)
        )
    };
    let mut s = String::from("<?xml version=\"1.0\" ?>\n");
    s.push_str(&format!(
        "<resource-agent name=\"{AGENT_NAME}\" shortdesc=\"Fence agent for the nodes of a pacer lab\" >\n"
    ));
    s.push_str("<longdesc>fence_pacer_lab powers lab nodes (pacer lab up N: one network namespace per node) off by killing every process in the node's network namespace, reports a node as on while it has live processes, and turns a node on by starting its corosync and pacerd again.</longdesc>\n");
    s.push_str("<vendor-url>https://example.invalid/pacer</vendor-url>\n<parameters>\n");
    s.push_str(&param(
        "action",
        true,
        "-o, --action=[action]",
        "string",
        Some("reboot"),
        "",
        "Fencing action",
    ));
    s.push_str(&param(
        "plug",
        true,
        "-n, --plug=[id]",
        "string",
        None,
        " obsoletes=\"port\"",
        "Lab node to fence (n1, n2, ...)",
    ));
    s.push_str(&param(
        "port",
        true,
        "-n, --plug=[id]",
        "string",
        None,
        " deprecated=\"1\"",
        "Lab node to fence (n1, n2, ...)",
    ));
    s.push_str(&param(
        "nodename",
        false,
        "--nodename=[name]",
        "string",
        None,
        "",
        "Cluster node name (used when no plug is given)",
    ));
    s.push_str(&param(
        "lab_dir",
        false,
        "--lab-dir=[dir]",
        "string",
        Some("/tmp/pacer-lab"),
        "",
        "The lab's working directory",
    ));
    s.push_str(&param(
        "lab_prefix",
        false,
        "--lab-prefix=[prefix]",
        "string",
        Some("pcl"),
        "",
        "The lab's namespace name prefix",
    ));
    s.push_str("</parameters>\n<actions>\n");
    for a in [
        "on",
        "off",
        "reboot",
        "status",
        "list",
        "list-status",
        "monitor",
        "metadata",
        "validate-all",
    ] {
        if a == "on" {
            s.push_str("\t<action name=\"on\" automatic=\"0\"/>\n");
        } else {
            s.push_str(&format!("\t<action name=\"{a}\" />\n"));
        }
    }
    s.push_str("</actions>\n</resource-agent>\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn metadata_reads_as_fence_agent_metadata() {
        let md = executor::AgentMetadata::parse("stonith:fence_pacer_lab", &super::metadata())
            .expect("valid meta-data");
        for a in ["on", "off", "reboot", "status", "list", "monitor"] {
            assert!(md.supports(a), "{a}");
        }
        assert!(md.parameter("plug").is_some() && md.parameter("port").is_some());
        assert_eq!(
            md.parameter("action").and_then(|p| p.default.as_deref()),
            Some("reboot")
        );
    }
}
