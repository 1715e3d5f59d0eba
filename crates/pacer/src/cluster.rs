//! `pacer cluster`: set a cluster up (corosync.conf + authkey + an empty
//! CIB) and talk to the local pacerd (read the CIB, set node attributes).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use replica::engine::AttrUpdate;
use replica::ops::AttrScope;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Write corosync.conf (knet, aes256/sha256) and a new authkey (0400), and an empty CIB.
    Init(InitArgs),
    /// Write an empty, checksummed CIB (version 0.0.0) for a node that will receive the cluster's.
    NewCib {
        file: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the CIB held by the local pacerd (like `cibadmin -Q`).
    Cib {
        #[arg(long, default_value = control::DEFAULT_SOCKET)]
        socket: PathBuf,
    },
    /// Set or delete a node attribute (like attrd_updater / crm_attribute).
    Attribute(AttrArgs),
    /// The fencing operations the local pacerd's fencer ran (like
    /// `stonith_admin --history '*' --verbose`, for this node).
    FenceHistory {
        #[arg(long, default_value = control::DEFAULT_SOCKET)]
        socket: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The cluster's name.
    #[arg(long)]
    pub name: String,
    /// A node as NAME=ADDRESS; repeat for each node (ids are given in order: 1, 2, …).
    #[arg(long = "node", required = true)]
    pub nodes: Vec<String>,
    /// corosync's token timeout in ms (default: corosync's 3000).
    #[arg(long)]
    pub token: Option<u32>,
    /// A two-node cluster (quorum with one node; needs fencing).
    #[arg(long)]
    pub two_node: bool,
    #[arg(long, default_value = "/etc/corosync/corosync.conf")]
    pub conf: PathBuf,
    #[arg(long, default_value = "/etc/corosync/authkey")]
    pub authkey: PathBuf,
    #[arg(long, default_value = "/var/lib/pacer/cib.xml")]
    pub cib: PathBuf,
    /// Replace an existing corosync.conf (an existing authkey or CIB is always kept).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct AttrArgs {
    /// The node (its corosync name).
    #[arg(long)]
    pub node: String,
    #[arg(long)]
    pub name: String,
    /// The value; without it (or with --delete) the attribute is deleted.
    #[arg(long, conflicts_with = "delete")]
    pub value: Option<String>,
    #[arg(long)]
    pub delete: bool,
    /// Keep it in the configuration (default: transient, in the status section).
    #[arg(long)]
    pub permanent: bool,
    /// Wait this long (ms) for further changes before writing.
    #[arg(long, default_value_t = 0)]
    pub dampen: u64,
    #[arg(long, default_value = control::DEFAULT_SOCKET)]
    pub socket: PathBuf,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Init(a) => init(a),
        Command::NewCib { file, force } => {
            new_cib(&file, force)?;
            println!("wrote an empty CIB to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Cib { socket } => {
            let mut c = control::Client::connect(&socket)?;
            match c.call(&control::Request::Cib)? {
                control::Response::Cib { xml } => {
                    println!("{xml}");
                    Ok(ExitCode::SUCCESS)
                }
                other => bail!("pacerd: {}", describe(&other)),
            }
        }
        Command::FenceHistory { socket } => {
            let mut c = control::Client::connect(&socket)?;
            match c.call(&control::Request::FenceHistory)? {
                control::Response::FenceHistory { text } => {
                    print!("{text}");
                    Ok(ExitCode::SUCCESS)
                }
                other => bail!("pacerd: {}", describe(&other)),
            }
        }
        Command::Attribute(a) => {
            let update = AttrUpdate {
                node: a.node,
                name: a.name,
                value: if a.delete { None } else { a.value },
                scope: if a.permanent {
                    AttrScope::Permanent
                } else {
                    AttrScope::Transient
                },
                dampen_ms: a.dampen,
            };
            let mut c = control::Client::connect(&a.socket)?;
            match c.call(&control::Request::Attribute { update })? {
                control::Response::Done { version } => {
                    println!("done (CIB {version})");
                    Ok(ExitCode::SUCCESS)
                }
                other => bail!("{}", describe(&other)),
            }
        }
    }
}

fn describe(r: &control::Response) -> String {
    match r {
        control::Response::Refused { reason } => format!("refused: {reason}"),
        control::Response::Error { message } => message.clone(),
        other => format!("unexpected answer {other:?}"),
    }
}

/// Writes an empty checksummed CIB; refuses to replace one unless `force`.
pub fn new_cib(file: &Path, force: bool) -> anyhow::Result<()> {
    if file.exists() && !force {
        bail!(
            "{} exists; pass --force to replace it (its contents are lost)",
            file.display()
        );
    }
    if let Some(d) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    store::CibStore::new(file).save(&replica::ops::empty_cib_xml())?;
    Ok(())
}

/// 256 random bytes (corosync-keygen's default size) from the kernel.
pub fn new_authkey(path: &Path) -> anyhow::Result<()> {
    use std::io::Read as _;
    let mut key = vec![0u8; 256];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .context("reading /dev/urandom")?;
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    store::write_atomic_with_mode(path, &key, 0o400)
        .with_context(|| format!("writing {}", path.display()))
}

/// Parses `NAME=ADDRESS` node arguments into corosync nodelist entries.
pub fn parse_nodes(args: &[String]) -> anyhow::Result<Vec<(u32, String, String)>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            let Some((name, addr)) = a.split_once('=') else {
                bail!("--node {a:?}: expected NAME=ADDRESS, e.g. --node n1=192.0.2.1");
            };
            Ok((u32::try_from(i + 1)?, name.to_string(), addr.to_string()))
        })
        .collect()
}

fn init(a: InitArgs) -> anyhow::Result<ExitCode> {
    let nodes = parse_nodes(&a.nodes)?;
    let conf = cluster::conf::corosync_conf(&cluster::conf::ConfOptions {
        cluster_name: a.name,
        nodes,
        keyfile: a.authkey.display().to_string(),
        token_ms: a.token,
        two_node: a.two_node,
        logfile: None,
        state_dir: None,
    })
    .map_err(anyhow::Error::msg)?;
    if a.conf.exists() && !a.force {
        bail!("{} exists; pass --force to replace it", a.conf.display());
    }
    if a.authkey.exists() {
        println!("keeping the existing authkey {}", a.authkey.display());
    } else {
        new_authkey(&a.authkey)?;
        println!(
            "wrote a new authkey to {} (mode 0400): copy it to every node",
            a.authkey.display()
        );
    }
    if let Some(d) = a.conf.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    store::write_atomic_with_mode(&a.conf, conf.as_bytes(), 0o644)
        .with_context(|| format!("writing {}", a.conf.display()))?;
    println!("wrote {}: copy it to every node", a.conf.display());
    if a.cib.exists() {
        println!("keeping the existing CIB {}", a.cib.display());
    } else {
        new_cib(&a.cib, false)?;
        println!("wrote an empty CIB to {}", a.cib.display());
    }
    Ok(ExitCode::SUCCESS)
}
