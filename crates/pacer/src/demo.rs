//! `pacer lab demo`: the README's first command. Brings up the 3-node lab
//! (unless it is up), loads `examples/lab-demo.crm` (built in; `--file`
//! loads another) into the running cluster, waits until the cluster has
//! settled (the scheduler, run on the current CIB, has nothing left to do)
//! and prints `pacer status`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::configure;
use crate::lab::Lab;

/// The built-in example configuration.
pub const EXAMPLE: &str = include_str!("../../../examples/lab-demo.crm");

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Load this crm file instead of the built-in examples/lab-demo.crm.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Seconds to wait for the cluster to settle.
    #[arg(long, default_value_t = 90)]
    wait: u64,
}

pub fn run(lab: Lab, args: Args) -> anyhow::Result<ExitCode> {
    let (text, name) = match &args.file {
        Some(f) => (
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?,
            f.display().to_string(),
        ),
        None => (EXAMPLE.to_string(), "examples/lab-demo.crm".to_string()),
    };
    if lab.size().is_err() || lab.socket(1).is_none() {
        eprintln!("pacer: bringing up a 3-node lab in {}", lab.dir.display());
        if let Err(e) = lab.up(3, None) {
            let _ = lab.down();
            return Err(e.context("building the lab failed; it was taken down again"));
        }
    }
    lab.wait_ready(Duration::from_secs(60))?;
    let sock = lab
        .socket(1)
        .context("node 1's pacerd is not running; `pacer lab start 1` starts it")?;
    eprintln!("pacer: loading {name}");
    configure::load_text(
        configure::Method::Replace,
        &text,
        &name,
        false,
        &configure::Target::socket(&sock),
    )?;
    eprintln!("pacer: waiting for the cluster to settle");
    let deadline = Instant::now() + Duration::from_secs(args.wait);
    // Settled: nothing left to do twice in a row, 300 ms apart (a result just
    // recorded may still make the DC act).
    let mut quiet = 0;
    let mut last;
    while quiet < 2 {
        std::thread::sleep(Duration::from_millis(300));
        let xml = crate::status::fetch_cib(&sock)?;
        let (cib, _) = cib::Cib::from_xml_lenient(&xml).context("the CIB cannot be read")?;
        let run = scheduler::simulation::run(&cib, configure::now_s());
        last = run.transition_text();
        if scheduler::transition::summary_lines(&run.actions).is_empty() {
            quiet += 1;
        } else {
            quiet = 0;
        }
        if Instant::now() > deadline {
            bail!(
                "the cluster did not settle within {} s; still to do:\n{last}\
                 see `pacer lab exec 1 pacer status` and {}/n*/pacerd.log",
                args.wait,
                lab.dir.display()
            );
        }
    }
    crate::status::run(crate::status::Args::socket(sock))
}
