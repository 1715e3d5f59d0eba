//! `pacerd`: runs one cluster node. Glue only: see the library docs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cluster::corosync::Corosync;
use cluster::Cluster as _;
use pacerd::{log, Daemon, Input};
use replica::engine::{Engine, EngineConfig};

/// pacer's node daemon: CIB replication, DC election, node attributes and resource management on Corosync.
#[derive(Parser, Debug)]
#[command(name = "pacerd", version)]
struct Args {
    /// This node's CIB file (checksummed; `pacer cluster new-cib FILE` makes an empty one).
    #[arg(long, default_value = "/var/lib/pacer/cib.xml")]
    cib: PathBuf,
    /// The control socket.
    #[arg(long, default_value = control::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// The CPG group the nodes meet in.
    #[arg(long, default_value = "pacer")]
    group: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match try_main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log(&format!("event=exit ERROR {e}"));
            ExitCode::from(1)
        }
    }
}

fn try_main(args: Args) -> Result<(), String> {
    let store = store::CibStore::new(&args.cib);
    let xml = store.load().map_err(|e| e.to_string())?;
    let (tx, rx) = std::sync::mpsc::sync_channel(pacerd::INPUT_QUEUE_MAX);
    let cluster_tx = tx.clone();
    let tx_ops = tx.clone();
    let shutdown_tx = tx.clone();
    let cluster = Corosync::connect(&args.group, move |e| {
        let _ = cluster_tx.send(Input::Cluster(e));
    })
    .map_err(|e| e.to_string())?;
    let me = cluster.local_node();
    let incarnation =
        u64::try_from(pacerd::wall_ms()).unwrap_or(0) ^ (u64::from(std::process::id()) << 48);
    let engine = Engine::new(
        EngineConfig {
            me,
            incarnation,
            cluster: cluster.config().clone(),
        },
        &xml,
    )
    .map_err(|e| format!("{}: {e}", args.cib.display()))?;
    pacerd::serve(&args.socket, tx).map_err(|e| {
        format!(
            "cannot serve the control socket {}: {e}",
            args.socket.display()
        )
    })?;
    log(&format!(
        "event=start node={me} name={} cib={} version={} socket={}",
        cluster.config().name_of(me),
        args.cib.display(),
        engine.version(),
        args.socket.display()
    ));
    let name = cluster.config().name_of(me);
    let controller = controller::Controller::new(controller::ControllerConfig {
        me,
        incarnation,
        cluster: cluster.config().clone(),
    });
    let ops = pacerd::ExecutorOps::start(&name, tx_ops)
        .map_err(|e| format!("cannot start the executor: {e}"))?;
    watch_stop_signals(shutdown_tx)?;
    let mut daemon = Daemon::new(engine, controller, Box::new(ops), cluster, store);
    let why = daemon.run(rx);
    if why.starts_with(controller::engine::SHUTDOWN_COMPLETE) {
        log(&format!("event=stop {why}"));
        return Ok(());
    }
    Err(why)
}

/// SIGTERM or SIGINT asks for a graceful shutdown ([`Input::Shutdown`]):
/// the handler only sets a flag (async-signal-safe); a thread passes it on.
fn watch_stop_signals(tx: std::sync::mpsc::SyncSender<Input>) -> Result<(), String> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&flag))
            .map_err(|e| format!("cannot handle signal {sig}: {e}"))?;
    }
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if flag.swap(false, Ordering::SeqCst) {
            log("event=shutdown-requested");
            if tx.send(Input::Shutdown).is_err() {
                return;
            }
        }
    });
    Ok(())
}
