//! Seeded whole-cluster simulations of replica + controller (see
//! `controller::sim`).
//!
//! - `cargo test -p controller --test sim`: 320 seeds with faults, in four
//!   tests so that the test harness runs them in parallel;
//! - `PACER_SIM_SEEDS=5000 cargo test --release -p controller --test sim many -- --ignored --nocapture`:
//!   thousands;
//! - `PACER_SIM_SEED=N cargo test -p controller --test sim replay -- --nocapture`:
//!   one run again, with its report.

use controller::sim::{run, Options};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn seeds(base: u64, count: u64) {
    for seed in base..base + count {
        if let Err(e) = run(Options::new(seed)) {
            panic!("{e}");
        }
    }
}

#[test]
fn no_faults_everything_starts() {
    for seed in 0..5 {
        let mut o = Options::new(seed);
        o.fault_every_ms = 0;
        o.op_fail_percent = 0;
        let r = run(o).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.fenced, 0, "{r:?}");
    }
}

// Seeds 1000..1320, in chunks the harness runs on every core.
#[test]
fn faults_0() {
    seeds(1_000, 80);
}

#[test]
fn faults_1() {
    seeds(1_080, 80);
}

#[test]
fn faults_2() {
    seeds(1_160, 80);
}

#[test]
fn faults_3() {
    seeds(1_240, 80);
}

#[test]
fn same_seed_same_run() {
    let a = run(Options::new(77)).unwrap_or_else(|e| panic!("{e}"));
    let b = run(Options::new(77)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
}

#[test]
#[ignore = "thousands of seeds: run explicitly (see the file's docs)"]
fn many() {
    let count = env_u64("PACER_SIM_SEEDS").unwrap_or(2_000);
    let base = env_u64("PACER_SIM_BASE").unwrap_or(100_000);
    let start = std::time::Instant::now();
    seeds(base, count);
    println!(
        "{count} seeds: ok in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn replay() {
    let Some(seed) = env_u64("PACER_SIM_SEED") else {
        return;
    };
    match run(Options::new(seed)) {
        Ok(r) => println!("{r:#?}"),
        Err(e) => panic!("{e}"),
    }
}
