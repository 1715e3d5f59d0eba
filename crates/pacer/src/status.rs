//! `pacer status`: crm_mon's one-shot view (`crm_mon -1`) of the CIB, read
//! from a file (`--cib FILE` or `CIB_file`) or from the local pacerd; with
//! `--membership`, the membership layer's own view (DC, quorum, CIB version).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::cib_file;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Read this CIB file instead of asking pacerd (default: $CIB_file).
    #[arg(long, value_name = "FILE")]
    pub cib: Option<PathBuf>,
    /// Show inactive resources too (crm_mon -r).
    #[arg(short = 'r', long = "inactive")]
    pub inactive: bool,
    /// Show fail counts: the "Migration Summary" (crm_mon -f).
    #[arg(short = 'f', long = "failcounts")]
    pub failcounts: bool,
    /// Accepted for crm_mon compatibility: pacer status is always one-shot.
    #[arg(short = '1', long = "one-shot")]
    pub one_shot: bool,
    /// `text` (the default) or `xml` (crm_mon --output-as=xml: summary,
    /// nodes, resources, node attributes, operation history, failures, bans).
    #[arg(long = "output-as", value_enum, default_value = "text")]
    pub output_as: OutputAs,
    /// Print the status as JSON (see README: `pacer status --json`).
    #[arg(long, conflicts_with = "membership")]
    pub json: bool,
    /// pacerd's own view instead: membership, quorum, DC and CIB version.
    #[arg(long)]
    pub membership: bool,
    /// pacerd's control socket.
    #[arg(long, default_value = control::DEFAULT_SOCKET)]
    pub socket: PathBuf,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputAs {
    Text,
    Xml,
}

impl Args {
    /// `pacer status` of the cluster behind this control socket.
    pub fn socket(socket: PathBuf) -> Args {
        Args {
            cib: None,
            inactive: false,
            failcounts: false,
            one_shot: true,
            json: false,
            output_as: OutputAs::Text,
            membership: false,
            socket,
        }
    }
}

pub fn fetch(socket: &std::path::Path) -> anyhow::Result<control::Status> {
    let mut c = control::Client::connect(socket)?;
    match c.call(&control::Request::Status)? {
        control::Response::Status(s) => Ok(s),
        control::Response::Error { message } => bail!("pacerd: {message}"),
        other => bail!("pacerd answered {other:?} to a status request"),
    }
}

/// The whole CIB from pacerd (like `cibadmin -Q`).
pub fn fetch_cib(socket: &std::path::Path) -> anyhow::Result<String> {
    let mut c = control::Client::connect(socket)?;
    match c.call(&control::Request::Cib)? {
        control::Response::Cib { xml } => Ok(xml),
        control::Response::Error { message } => bail!("pacerd: {message}"),
        other => bail!("pacerd answered {other:?} to a CIB request"),
    }
}

/// The CIB text to show: the file if one is named, else pacerd's.
pub fn load_cib(cib: Option<&std::path::Path>, socket: &std::path::Path) -> anyhow::Result<String> {
    match cib_file::resolve(cib) {
        Some(path) => cib_file::read(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .with_context(|| format!("{} does not exist", path.display())),
        None => fetch_cib(socket),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.membership {
        let s = fetch(&args.socket)?;
        print!("{}", render(&s));
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", text(&args)?);
    Ok(ExitCode::SUCCESS)
}

/// What `pacer status` prints for these arguments (not `--membership`).
pub fn text(args: &Args) -> anyhow::Result<String> {
    let xml = load_cib(args.cib.as_deref(), &args.socket)?;
    let (cib, _warnings) = cib::Cib::from_xml_lenient(&xml).context("the CIB cannot be read")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let st = scheduler::unpack(&cib, now);
    if args.json {
        let v = scheduler::mon::to_json(&cib, &st);
        let mut t = serde_json::to_string_pretty(&v).context("encoding the status")?;
        t.push('\n');
        return Ok(t);
    }
    let opts = scheduler::mon::MonOptions {
        inactive: args.inactive,
        failcounts: args.failcounts,
        now_s: now,
        utc_offset_s: chrono::Local::now().offset().local_minus_utc(),
    };
    if args.output_as == OutputAs::Xml {
        let mut request = String::from("crm_mon -1 --output-as=xml");
        if args.inactive {
            request.push_str(" -r");
        }
        if args.failcounts {
            request.push_str(" -f");
        }
        return Ok(scheduler::mon_xml::render(&cib, &st, &opts, &request));
    }
    Ok(scheduler::mon::render(&cib, &st, &opts))
}

/// The membership layer's view in crm_mon's layout: DC, quorum, CIB version, nodes.
pub fn render(s: &control::Status) -> String {
    let e = &s.engine;
    let name = |id: u32| {
        e.nodes
            .iter()
            .find(|(n, _)| *n == id)
            .map(|(_, nm)| nm.clone())
            .unwrap_or_else(|| format!("node{id}"))
    };
    let mut out = String::from("Cluster Summary:\n");
    let quorum = if e.quorate {
        "partition with quorum"
    } else {
        "partition WITHOUT quorum"
    };
    match (e.synced, e.dc) {
        (true, Some(dc)) => {
            out.push_str(&format!("  * Current DC: {} ({dc}) - {quorum}\n", name(dc)))
        }
        (false, _) => out.push_str("  * Current DC: NONE (election in progress)\n"),
        (true, None) => out.push_str(&format!("  * Current DC: NONE - {quorum}\n")),
    }
    out.push_str(&format!("  * CIB version: {}\n", e.version));
    out.push_str(&format!(
        "  * {} node{} configured{}\n",
        e.nodes.len(),
        if e.nodes.len() == 1 { "" } else { "s" },
        if e.two_node { " (two_node)" } else { "" }
    ));
    if let Some(vq) = e.votequorum_quorate {
        if vq != e.quorate {
            out.push_str(&format!(
                "  * votequorum says quorate={vq}; pacer follows the agreed view\n"
            ));
        }
    }
    let online: Vec<String> = e
        .nodes
        .iter()
        .filter(|(id, _)| e.members.contains(id))
        .map(|(_, n)| n.clone())
        .collect();
    let offline: Vec<String> = e
        .nodes
        .iter()
        .filter(|(id, _)| !e.members.contains(id))
        .map(|(_, n)| n.clone())
        .collect();
    out.push_str("\nNode List:\n");
    if !online.is_empty() {
        out.push_str(&format!("  * Online: [ {} ]\n", online.join(" ")));
    }
    if !offline.is_empty() {
        out.push_str(&format!("  * OFFLINE: [ {} ]\n", offline.join(" ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use replica::engine::Snapshot;
    use replica::ops::Version;

    #[test]
    fn layout() {
        let s = control::Status {
            engine: Snapshot {
                me: 1,
                nodes: vec![(1, "n1".into()), (2, "n2".into()), (3, "n3".into())],
                members: vec![1, 2],
                synced: true,
                quorate: true,
                votequorum_quorate: Some(true),
                dc: Some(1),
                version: Version {
                    admin_epoch: 0,
                    epoch: 4,
                    num_updates: 7,
                },
                digest: "x".into(),
                two_node: false,
                expected_votes: 3,
            },
            cib_path: "/var/lib/pacer/cib.xml".into(),
            pid: 1,
        };
        assert_eq!(
            render(&s),
            "Cluster Summary:\n  * Current DC: n1 (1) - partition with quorum\n  * CIB version: 0.4.7\n  * 3 nodes configured\n\nNode List:\n  * Online: [ n1 n2 ]\n  * OFFLINE: [ n3 ]\n"
        );
    }
}
