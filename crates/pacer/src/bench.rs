//! `pacer bench`: scheduler measurements without a cluster.
//!
//! `bench scheduler` runs the whole `crm_simulate -S` pipeline (parse,
//! unpack, placement, actions, graph, simulated execution, text) over every
//! case of Pacemaker's scheduler corpus in this process, several times, and
//! prints throughput and per-case latencies. `bench generate` writes a
//! synthetic CIB of a chosen size (`corpus::synthetic`) for scaling runs of
//! `pacer simulate` and `crm_simulate`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Run the scheduler over the whole corpus in-process: cases/second,
    /// per-case median/p95/max and the slowest cases.
    Scheduler(SchedulerArgs),
    /// Write a synthetic CIB (groups, clones, constraints, status history).
    Generate(GenerateArgs),
}

#[derive(clap::Args, Debug)]
pub struct SchedulerArgs {
    /// The corpus directory (with tests.tsv and xml/); default
    /// $PACER_CORPUS, else ../shared/scheduler-corpus.
    pub corpus: Option<PathBuf>,
    /// How many times to run every case.
    #[arg(short = 'n', long, default_value_t = 5)]
    pub repetitions: usize,
    /// How many of the slowest cases to list.
    #[arg(long, default_value_t = 10)]
    pub slowest: usize,
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Configured primitives (a clone's primitive counts once).
    #[arg(long, default_value_t = 1000)]
    pub primitives: usize,
    /// Cluster nodes.
    #[arg(long, default_value_t = 16)]
    pub nodes: usize,
    /// Seed of the generator: the same arguments give the same CIB.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write here instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Scheduler(args) => {
            // The scheduler recurses along orderings as Pacemaker does.
            std::thread::Builder::new()
                .stack_size(1 << 30)
                .spawn(move || scheduler(args))
                .context("cannot start the scheduler thread")?
                .join()
                .map_err(|_| anyhow::anyhow!("the scheduler failed"))?
        }
        Command::Generate(args) => generate(args),
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    if args.nodes == 0 {
        bail!("--nodes must be at least 1");
    }
    let xml = corpus::synthetic::generate(&corpus::synthetic::Params {
        primitives: args.primitives,
        nodes: args.nodes,
        seed: args.seed,
    });
    match &args.output {
        Some(path) => store::write_atomic(path, xml.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(xml.as_bytes())
                .context("cannot write to standard output")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn corpus_dir(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = arg
        .or_else(|| std::env::var_os("PACER_CORPUS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/scheduler-corpus"));
    if !dir.join("tests.tsv").is_file() {
        bail!(
            "{} holds no tests.tsv: give the scheduler corpus directory as argument or in PACER_CORPUS",
            dir.display()
        );
    }
    Ok(dir)
}

/// One pass of `pacer simulate -S -x` over `text`, without the file read
/// and the printing. Returns the output's length (so nothing is optimised
/// away) or why the CIB could not be read.
fn simulate_once(text: &str, clock_now: i64) -> Result<usize, String> {
    let (cib, _warnings) = cib::Cib::from_xml_lenient(text).map_err(|e| e.to_string())?;
    let (now, notice) = scheduler::time::effective_now(&cib, None, clock_now)?;
    Ok(scheduler::simulation::simulate_text(&cib, now, notice.as_deref()).len())
}

fn scheduler(args: SchedulerArgs) -> anyhow::Result<ExitCode> {
    let dir = corpus_dir(args.corpus)?;
    let cases = corpus::cases_in(&dir);
    let inputs: Vec<(String, String)> = cases
        .iter()
        .map(|c| {
            std::fs::read_to_string(c.xml_path())
                .map(|t| (c.name.clone(), t))
                .with_context(|| format!("cannot read {}", c.xml_path().display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let repetitions = args.repetitions.max(1);
    let clock_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // times[case][repetition]
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(repetitions); inputs.len()];
    let mut unreadable = Vec::new();
    let mut output_bytes = 0usize;
    let started = Instant::now();
    for rep in 0..repetitions {
        for (i, (name, text)) in inputs.iter().enumerate() {
            let t0 = Instant::now();
            let result = simulate_once(text, clock_now);
            times[i].push(t0.elapsed());
            match result {
                Ok(len) => output_bytes += len,
                Err(e) if rep == 0 => unreadable.push(format!("{name}: {e}")),
                Err(_) => {}
            }
        }
    }
    let total = started.elapsed();
    let runs = inputs.len() * repetitions;

    // Each case's median over the repetitions, then the spread over cases.
    let mut medians: Vec<(Duration, &str)> = times
        .iter_mut()
        .zip(&inputs)
        .map(|(t, (name, _))| {
            t.sort();
            (t[t.len() / 2], name.as_str())
        })
        .collect();
    medians.sort();
    let pick = |q: f64| {
        let i = ((medians.len() as f64 - 1.0) * q).round() as usize;
        medians.get(i).map(|m| m.0).unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "scheduler corpus {}: {} cases x {repetitions} repetitions, in-process (parse + unpack + placement + actions + graph + execution + text)",
        dir.display(),
        inputs.len()
    );
    println!(
        "total {:.3} s, {:.1} cases/s, {} bytes of output per repetition",
        total.as_secs_f64(),
        runs as f64 / total.as_secs_f64(),
        output_bytes / repetitions
    );
    println!(
        "per case (median of its repetitions): median {:.3} ms, p95 {:.3} ms, max {:.3} ms",
        ms(pick(0.5)),
        ms(pick(0.95)),
        ms(pick(1.0))
    );
    println!("slowest cases:");
    for (d, name) in medians.iter().rev().take(args.slowest) {
        println!("  {:>9.3} ms  {name}", ms(*d));
    }
    for u in &unreadable {
        println!("unreadable: {u}");
    }
    Ok(ExitCode::SUCCESS)
}
