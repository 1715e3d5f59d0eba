//! Seeded whole-cluster simulations (see `replica::sim`).
//!
//! - `cargo test -p replica --test sim`: a few hundred seeds;
//! - `PACER_SIM_SEEDS=5000 cargo test --release -p replica --test sim many -- --ignored --nocapture`:
//!   thousands (nightly-style; `PACER_SIM_NODES=K` for one cluster size);
//! - `PACER_SIM_SEED=N PACER_SIM_NODES=K cargo test -p replica --test sim replay -- --nocapture`:
//!   one run again, with its report.

use replica::sim::{run, Options};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn seeds(base: u64, count: u64, nodes: u32) {
    for seed in base..base + count {
        if let Err(e) = run(Options::new(seed, nodes)) {
            panic!("{e}");
        }
    }
}

#[test]
fn three_nodes() {
    seeds(1_000, 150, 3);
}

#[test]
fn five_nodes() {
    seeds(2_000, 60, 5);
}

#[test]
fn two_node_clusters() {
    seeds(3_000, 60, 2);
}

#[test]
fn no_faults_every_update_acknowledged() {
    for seed in 0..20 {
        let mut o = Options::new(seed, 3);
        o.fault_every_ms = 0;
        let r = run(o).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.refused, 0, "{r:?}");
        assert!(r.acked > 100, "{r:?}");
    }
}

#[test]
fn same_seed_same_run() {
    let a = run(Options::new(77, 3)).unwrap_or_else(|e| panic!("{e}"));
    let b = run(Options::new(77, 3)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
    let c = run(Options::new(78, 3)).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(a.final_digest, c.final_digest);
}

#[test]
#[ignore = "thousands of seeds: run explicitly (see the file's docs)"]
fn many() {
    let count = env_u64("PACER_SIM_SEEDS").unwrap_or(2_000);
    let base = env_u64("PACER_SIM_BASE").unwrap_or(100_000);
    // PACER_SIM_NODES=4 runs one cluster size only.
    let only = env_u64("PACER_SIM_NODES").and_then(|n| u32::try_from(n).ok());
    for (i, nodes) in [3u32, 5, 2, 4].into_iter().enumerate() {
        if only.is_some_and(|o| o != nodes) {
            continue;
        }
        let start = std::time::Instant::now();
        seeds(base + i as u64 * 1_000_000, count, nodes);
        println!(
            "{count} seeds with {nodes} nodes: ok in {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
}

#[test]
fn replay() {
    let Some(seed) = env_u64("PACER_SIM_SEED") else {
        return;
    };
    let nodes = env_u64("PACER_SIM_NODES")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(3);
    match run(Options::new(seed, nodes)) {
        Ok(r) => println!("{r:#?}"),
        Err(e) => panic!("{e}"),
    }
}
