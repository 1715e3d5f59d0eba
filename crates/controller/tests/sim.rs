//! Seeded whole-cluster simulations of replica + controller (see
//! `controller::sim`).
//!
//! - `cargo test -p controller --test sim`: 320 seeds with faults, in four
//!   tests so that the test harness runs them in parallel;
//! - `PACER_SIM_SEEDS=5000 cargo test --release -p controller --test sim many -- --ignored --nocapture`:
//!   thousands;
//! - `PACER_SIM_SEED=N cargo test -p controller --test sim replay -- --nocapture`:
//!   one run again, with its report.

use controller::sim::{run, Options, SIM_CIB};

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

/// A run with no random faults and no failing operations (scripted events only).
fn without_faults(seed: u64) -> Options {
    let mut o = Options::new(seed);
    o.fault_every_ms = 0;
    o.op_fail_percent = 0;
    o
}

#[test]
fn no_faults_everything_starts() {
    for seed in 0..5 {
        let o = without_faults(seed);
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

/// [`SIM_CIB`] with `ip` preferring n1, failing over at its first failure
/// (`migration-threshold=1`) and forgetting failures after 60 s
/// (`failure-timeout=60s`); `extra_options` go into the cluster options.
fn failure_timeout_cib(extra_options: &str) -> String {
    SIM_CIB
        .replace(
            r#"<primitive id="ip" class="ocf" provider="heartbeat" type="Dummy">"#,
            r#"<primitive id="ip" class="ocf" provider="heartbeat" type="Dummy">
        <meta_attributes id="ip-meta">
          <nvpair id="ip-meta-mt" name="migration-threshold" value="1"/>
          <nvpair id="ip-meta-ft" name="failure-timeout" value="60s"/>
        </meta_attributes>"#,
        )
        .replace(
            "<constraints>",
            r#"<constraints>
      <rsc_location id="ip-prefers-n1" rsc="ip" node="n1" score="100"/>"#,
        )
        .replace(
            "</cluster_property_set>",
            &format!("{extra_options}</cluster_property_set>"),
        )
}

/// ip dies on n1 at 20 s, with no other fault; the run lasts 120 s.
fn failure_timeout_run(cib: String) -> Vec<(u64, u32)> {
    let mut o = without_faults(7);
    o.chaos_ms = 120_000;
    o.cleanup = false;
    o.cib = cib;
    o.deaths = vec![(20_000, "ip".into(), 1)];
    let r = run(o).unwrap_or_else(|e| panic!("{e}"));
    r.starts
        .iter()
        .filter(|(_, rsc, _)| rsc == "ip")
        .map(|(t, _, n)| (*t, *n))
        .collect()
}

#[test]
fn failure_timeout_lets_a_resource_back_after_expiry() {
    let starts = failure_timeout_run(failure_timeout_cib(""));
    let [(t0, n0), (t1, n1), (t2, n2)] = starts[..] else {
        panic!("ip should start on n1, move away, come back: {starts:?}");
    };
    assert_eq!((n0, n2), (1, 1), "{starts:?}");
    assert_ne!(n1, 1, "{starts:?}");
    assert!(t0 < 20_000 && (20_000..32_000).contains(&t1), "{starts:?}");
    // Back once the failure (recorded just before the move) expired: the
    // recheck at the graph's recheck-by, not the 15 min interval.
    assert!(
        (t1 + 59_000..t1 + 64_000).contains(&t2),
        "ip came back at {t2} ms, moved at {t1} ms: {starts:?}"
    );
}

#[test]
fn no_recheck_when_the_interval_is_zero() {
    // Pacemaker's quirk: cluster-recheck-interval=0 disables rechecks,
    // recheck-by included; nothing else happens, so ip stays away.
    let cib = failure_timeout_cib(
        r#"<nvpair id="opt-recheck" name="cluster-recheck-interval" value="0"/>"#,
    );
    let starts = failure_timeout_run(cib);
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert_ne!(starts[1].1, 1, "{starts:?}");
}

#[test]
#[ignore = "thousands of seeds: run explicitly (see the file's docs)"]
fn many() {
    let count = env_u64("PACER_SIM_SEEDS").unwrap_or(2_000);
    let base = env_u64("PACER_SIM_BASE").unwrap_or(100_000);
    let start = std::time::Instant::now();
    // Every seed runs; each failure prints its first lines (seed, what,
    // replay command) at once, and the test fails at the end with the count.
    let mut failed = Vec::new();
    for seed in base..base + count {
        if let Err(e) = run(Options::new(seed)) {
            println!("{}", e.lines().take(2).collect::<Vec<_>>().join("\n"));
            failed.push(seed);
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "{count} seeds in {s:.1} s ({:.1} seeds/s): {} failed {failed:?}",
        count as f64 / s,
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} of {count} seeds failed",
        failed.len()
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

#[test]
fn a_node_shutting_down_moves_its_resources_and_is_not_fenced() {
    // ip prefers n1 (the failure-timeout CIB); n1 is asked to stop at 20 s.
    let mut o = without_faults(11);
    o.chaos_ms = 40_000;
    o.cib = failure_timeout_cib("");
    o.shutdowns = vec![(20_000, 1)];
    let r = run(o).unwrap_or_else(|e| panic!("{e}"));
    println!("exits {:?}\nstarts {:?}", r.exits, r.starts);
    assert_eq!(r.fenced, 0, "{r:?}");
    let [(t, 1, ref still)] = r.exits[..] else {
        panic!("n1 should have left once: {:?}", r.exits);
    };
    assert!(still.is_empty(), "n1 left with {still:?} running");
    assert!(t > 20_000, "{t}");
    // ip moved away before n1 left.
    assert!(
        r.starts
            .iter()
            .any(|(at, rsc, n)| rsc == "ip" && *n != 1 && (20_000..t).contains(at)),
        "{:?}",
        r.starts
    );
}

#[test]
fn alerts_follow_operations_membership_and_fencing() {
    // The first faulty seed that fenced someone.
    let r = (1_000..1_100)
        .map(|seed| run(Options::new(seed)).unwrap_or_else(|e| panic!("{e}")))
        .find(|r| r.fenced > 0)
        .unwrap_or_else(|| panic!("no seed in 1000..1100 fenced a node"));
    let resource = |task: &str| {
        r.alerts
            .iter()
            .filter(|(_, _, a)| matches!(a, alerts::Event::Resource { task: t, .. } if t == task))
            .count()
    };
    // Each node raises resource alerts for its own operations only.
    assert!(resource("start") > 0, "{:?}", r.alerts);
    for (_, n, a) in &r.alerts {
        if let alerts::Event::Resource { node, .. } = a {
            assert_eq!(node, &format!("n{n}"), "{a:?}");
        }
    }
    // Every fencing that succeeded is announced by the node that ran it.
    let fencing_ok = r
        .alerts
        .iter()
        .filter(|(_, _, a)| matches!(a, alerts::Event::Fencing { rc: 0, .. }))
        .count();
    assert!(
        fencing_ok >= r.fenced,
        "{} fenced, alerts: {:?}",
        r.fenced,
        r.alerts
    );
    // Nodes see each other join, and the fenced node leave.
    let desc = |d: &str| {
        r.alerts
            .iter()
            .filter(|(_, _, a)| matches!(a, alerts::Event::Node { desc, .. } if desc == d))
            .count()
    };
    assert!(desc("member") > 0);
    assert!(desc("lost") > 0);
}

/// [`SIM_CIB`] without fencing, `ip` (and the group that follows it)
/// preferring n3, with `policy` as `no-quorum-policy`; n3 is cut off from
/// the others from 20 s to 40 s.
fn split_run(policy: &str) -> controller::sim::Report {
    let cib = SIM_CIB
        .replace(
            r#"name="stonith-enabled" value="true""#,
            r#"name="stonith-enabled" value="false""#,
        )
        .replace(
            r#"name="no-quorum-policy" value="stop""#,
            &format!(r#"name="no-quorum-policy" value="{policy}""#),
        )
        .replace(
            "<constraints>",
            r#"<constraints>
      <rsc_location id="ip-prefers-n3" rsc="ip" node="n3" score="100"/>"#,
        );
    assert!(cib.contains(&format!(r#"value="{policy}""#)) && cib.contains("ip-prefers-n3"));
    let mut o = without_faults(21);
    o.chaos_ms = 60_000;
    o.cleanup = false;
    // Without fencing both sides run ip while they are apart.
    o.check_single = false;
    o.cib = cib;
    o.partitions = vec![(20_000, vec![vec![1, 2], vec![3]]), (40_000, vec![])];
    run(o).unwrap_or_else(|e| panic!("{e}"))
}

fn during_split(list: &[(u64, String, u32)], node: u32) -> Vec<String> {
    list.iter()
        .filter(|(t, _, n)| (20_000..40_000).contains(t) && *n == node)
        .map(|(_, r, _)| r.clone())
        .collect()
}

#[test]
fn no_quorum_policy_stop_stops_everything_in_the_partition_without_quorum() {
    let r = split_run("stop");
    let on3 = r
        .starts
        .iter()
        .filter(|(t, rsc, n)| *t < 20_000 && rsc == "ip" && *n == 3);
    assert_eq!(
        on3.count(),
        1,
        "ip should start on n3 first: {:?}",
        r.starts
    );
    let stopped = during_split(&r.stops, 3);
    for rsc in ["ip", "web-fs", "web-srv", "ping", "db"] {
        assert!(
            stopped.iter().any(|s| s == rsc),
            "n3 kept {rsc}: stops {stopped:?}"
        );
    }
    // The quorate side (no fencing) runs ip meanwhile.
    let elsewhere = [during_split(&r.starts, 1), during_split(&r.starts, 2)].concat();
    assert!(elsewhere.iter().any(|s| s == "ip"), "{:?}", r.starts);
}

#[test]
fn no_quorum_policy_freeze_keeps_what_runs_in_the_partition() {
    let r = split_run("freeze");
    assert_eq!(during_split(&r.stops, 3), Vec::<String>::new());
    assert_eq!(during_split(&r.starts, 3), Vec::<String>::new());
    let elsewhere = [during_split(&r.starts, 1), during_split(&r.starts, 2)].concat();
    assert!(elsewhere.iter().any(|s| s == "ip"), "{:?}", r.starts);
}
