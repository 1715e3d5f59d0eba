//! `pacer status`: membership, quorum, DC and CIB version as the local
//! pacerd sees them, in a subset of crm_mon's layout.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// pacerd's control socket.
    #[arg(long, default_value = control::DEFAULT_SOCKET)]
    pub socket: PathBuf,
    /// Print the raw status as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn fetch(socket: &std::path::Path) -> anyhow::Result<control::Status> {
    let mut c = control::Client::connect(socket)?;
    match c.call(&control::Request::Status)? {
        control::Response::Status(s) => Ok(s),
        control::Response::Error { message } => bail!("pacerd: {message}"),
        other => bail!("pacerd answered {other:?} to a status request"),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let s = fetch(&args.socket)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&s).context("encoding the status")?
        );
    } else {
        print!("{}", render(&s));
    }
    Ok(ExitCode::SUCCESS)
}

/// crm_mon's "Cluster Summary" and "Node List", for what this layer knows.
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
