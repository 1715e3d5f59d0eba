//! corosync.conf as pacer writes it: knet transport, authenticated and
//! encrypted (aes256 + sha256 with a shared authkey), votequorum, one key per
//! line (corosync's parser rejects one-line blocks).

use std::fmt::Write as _;

/// What goes into a corosync.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfOptions {
    pub cluster_name: String,
    /// (node id, name, ring0 address)
    pub nodes: Vec<(u32, String, String)>,
    pub keyfile: String,
    /// corosync's `token` (ms); `None` keeps corosync's default (3000).
    pub token_ms: Option<u32>,
    pub two_node: bool,
    /// Log file; `None` logs to syslog.
    pub logfile: Option<String>,
    /// corosync's `system.state_dir` (the lab gives each node its own).
    pub state_dir: Option<String>,
}

/// Characters allowed in names and addresses written into the file.
fn safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c))
}

/// The file's text, or what is wrong with the options.
pub fn corosync_conf(o: &ConfOptions) -> Result<String, String> {
    if !safe(&o.cluster_name) {
        return Err(format!(
            "cluster name {:?} may use only letters, digits, '-', '_' and '.'",
            o.cluster_name
        ));
    }
    if o.nodes.is_empty() {
        return Err("a cluster needs at least one node".into());
    }
    let mut ids = std::collections::BTreeSet::new();
    for (id, name, addr) in &o.nodes {
        if *id == 0 || !ids.insert(*id) {
            return Err(format!(
                "node id {id} is 0 or used twice; node ids are 1, 2, …"
            ));
        }
        if !safe(name) || !safe(addr) {
            return Err(format!("node {name:?} at {addr:?}: names and addresses may use only letters, digits, '-', '_', '.', ':'"));
        }
    }
    if o.two_node && o.nodes.len() != 2 {
        return Err(format!(
            "two_node is for clusters of exactly two nodes, not {}",
            o.nodes.len()
        ));
    }
    for p in [Some(&o.keyfile), o.logfile.as_ref(), o.state_dir.as_ref()]
        .into_iter()
        .flatten()
    {
        if !safe(p) {
            return Err(format!(
                "path {p:?} has characters corosync.conf cannot hold"
            ));
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "# Written by `pacer cluster init`.");
    let _ = writeln!(s, "totem {{");
    let _ = writeln!(s, "  version: 2");
    let _ = writeln!(s, "  cluster_name: {}", o.cluster_name);
    let _ = writeln!(s, "  transport: knet");
    let _ = writeln!(s, "  crypto_cipher: aes256");
    let _ = writeln!(s, "  crypto_hash: sha256");
    let _ = writeln!(s, "  keyfile: {}", o.keyfile);
    if let Some(t) = o.token_ms {
        let _ = writeln!(s, "  token: {t}");
    }
    let _ = writeln!(s, "}}");
    let _ = writeln!(s, "nodelist {{");
    for (id, name, addr) in &o.nodes {
        let _ = writeln!(s, "  node {{");
        let _ = writeln!(s, "    name: {name}");
        let _ = writeln!(s, "    nodeid: {id}");
        let _ = writeln!(s, "    ring0_addr: {addr}");
        let _ = writeln!(s, "  }}");
    }
    let _ = writeln!(s, "}}");
    let _ = writeln!(s, "quorum {{");
    let _ = writeln!(s, "  provider: corosync_votequorum");
    if o.two_node {
        let _ = writeln!(s, "  two_node: 1");
    }
    let _ = writeln!(s, "}}");
    let _ = writeln!(s, "logging {{");
    let _ = writeln!(s, "  to_stderr: no");
    match &o.logfile {
        Some(f) => {
            let _ = writeln!(s, "  to_syslog: no");
            let _ = writeln!(s, "  to_logfile: yes");
            let _ = writeln!(s, "  logfile: {f}");
        }
        None => {
            let _ = writeln!(s, "  to_syslog: yes");
        }
    }
    let _ = writeln!(s, "  timestamp: hires");
    let _ = writeln!(s, "}}");
    if let Some(d) = &o.state_dir {
        let _ = writeln!(s, "system {{");
        let _ = writeln!(s, "  state_dir: {d}");
        let _ = writeln!(s, "}}");
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ConfOptions {
        ConfOptions {
            cluster_name: "web".into(),
            nodes: vec![
                (1, "n1".into(), "10.0.0.1".into()),
                (2, "n2".into(), "10.0.0.2".into()),
            ],
            keyfile: "/etc/corosync/authkey".into(),
            token_ms: Some(1000),
            two_node: true,
            logfile: None,
            state_dir: None,
        }
    }

    #[test]
    fn secure_and_one_key_per_line() {
        let c = corosync_conf(&opts()).expect("conf");
        for want in [
            "transport: knet",
            "crypto_cipher: aes256",
            "crypto_hash: sha256",
            "keyfile: /etc/corosync/authkey",
            "two_node: 1",
            "token: 1000",
        ] {
            assert!(c.contains(want), "{want} missing:\n{c}");
        }
        assert!(
            c.lines().all(|l| !(l.contains('{') && l.contains('}'))),
            "{c}"
        );
    }

    #[test]
    fn refuses_what_corosync_would_misread() {
        let mut o = opts();
        o.nodes[1].1 = "n 2".into();
        assert!(corosync_conf(&o).is_err());
        let mut o = opts();
        o.nodes[1].0 = 1;
        assert!(corosync_conf(&o).is_err());
        let mut o = opts();
        o.nodes.push((3, "n3".into(), "10.0.0.3".into()));
        assert!(corosync_conf(&o)
            .expect_err("three nodes")
            .contains("two_node"));
    }
}
