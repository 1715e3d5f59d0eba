//! The systemd class against a live systemd: start, monitor, a crashed main
//! process, stop, a failing unit, a unit that does not exist, a start that
//! runs out of time, meta-data, `service:` resolution and unit listing.
//!
//! These tests need a host whose PID 1 is systemd, and they install and
//! start units there, so they run only when `PACER_SYSTEMD_LIVE=1` is set;
//! otherwise each prints why it skipped. `tests/systemd/run-in-container.sh`
//! (in this crate) boots a throw-away Debian container with systemd-nspawn
//! and runs them inside it, which is how CI runs them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use executor::{AgentSpec, ExecStatus, Executor, ExecutorConfig, OpRequest, OpResult};

const UNIT_DIR: &str = "/run/systemd/system";

/// Whether to run; prints the reason when not.
fn live(test: &str) -> bool {
    if std::env::var("PACER_SYSTEMD_LIVE").as_deref() != Ok("1") {
        eprintln!(
            "{test}: skipped: set PACER_SYSTEMD_LIVE=1 on a systemd host (or run \
             crates/executor/tests/systemd/run-in-container.sh) to test against a live systemd"
        );
        return false;
    }
    assert!(
        executor::systemd::is_booted(),
        "PACER_SYSTEMD_LIVE=1 but systemd is not running here (no /run/systemd/system)"
    );
    true
}

fn systemctl(args: &[&str]) -> String {
    let out = Command::new("systemctl")
        .args(args)
        .output()
        .expect("run systemctl");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Installs a runtime unit `name.service` with this `[Service]` section.
fn install_unit(name: &str, service: &str) {
    let text = format!("[Unit]\nDescription=pacer test unit {name}\n\n[Service]\n{service}\n");
    std::fs::write(Path::new(UNIT_DIR).join(format!("{name}.service")), text)
        .expect("write unit file");
    systemctl(&["daemon-reload"]);
}

fn remove_unit(name: &str) {
    systemctl(&["stop", &format!("{name}.service")]);
    let _ = std::fs::remove_file(Path::new(UNIT_DIR).join(format!("{name}.service")));
    systemctl(&["daemon-reload"]);
    systemctl(&["reset-failed", &format!("{name}.service")]);
}

fn spec(s: &str) -> AgentSpec {
    s.parse().expect("agent spec")
}

async fn run(exec: &Executor, agent: &str, action: &str, timeout_ms: u64) -> OpResult {
    exec.execute(OpRequest::new("live", spec(agent), action).timeout_ms(timeout_ms))
        .await
}

fn outcome(r: &OpResult) -> (i32, ExecStatus) {
    (r.rc, r.status)
}

fn dropin(name: &str) -> std::path::PathBuf {
    Path::new(UNIT_DIR).join(format!("{name}.service.d/50-pacemaker.conf"))
}

#[tokio::test]
async fn start_monitor_crash_stop() {
    if !live("start_monitor_crash_stop") {
        return;
    }
    let name = "pacer-live-sleep";
    let agent = format!("systemd:{name}");
    install_unit(name, "ExecStart=/bin/sleep infinity");
    let exec = Executor::new(ExecutorConfig::default());

    let probe = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(
        outcome(&probe),
        (7, ExecStatus::Done),
        "{}",
        probe.summary()
    );
    assert_eq!(probe.exit_reason.as_deref(), Some("inactive"));

    let t = Instant::now();
    let start = run(&exec, &agent, "start", 20_000).await;
    assert_eq!(
        outcome(&start),
        (0, ExecStatus::Done),
        "{}",
        start.summary()
    );
    // The job is waited for, not a fixed delay.
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "start took {:?}",
        t.elapsed()
    );
    assert_eq!(
        systemctl(&["is-active", &format!("{name}.service")]),
        "active"
    );
    // The cluster drop-in: no restarts behind the cluster's back.
    let text = std::fs::read_to_string(dropin(name)).expect("drop-in written on start");
    assert!(text.contains("Restart=no"), "{text}");
    assert_eq!(
        systemctl(&[
            "show",
            "-p",
            "Description",
            "--value",
            &format!("{name}.service")
        ]),
        format!("Cluster Controlled {name}")
    );

    let mon = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(outcome(&mon), (0, ExecStatus::Done), "{}", mon.summary());
    let status = run(&exec, &agent, "status", 20_000).await;
    assert_eq!(outcome(&status), (0, ExecStatus::Done));

    // The main process dies: not running (failed), and systemd does not
    // restart it.
    let pid = systemctl(&[
        "show",
        "-p",
        "MainPID",
        "--value",
        &format!("{name}.service"),
    ]);
    assert_ne!(pid, "0");
    // The shell's kill: a minimal root has no procps.
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -KILL {pid}")])
        .status()
        .expect("run sh");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut mon = run(&exec, &agent, "monitor", 20_000).await;
    while mon.rc == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        mon = run(&exec, &agent, "monitor", 20_000).await;
    }
    assert_eq!(outcome(&mon), (7, ExecStatus::Done), "{}", mon.summary());
    assert_eq!(mon.exit_reason.as_deref(), Some("failed"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(again.rc, 7, "systemd restarted it: {}", again.summary());

    // Recovery: start a failed unit, then stop it.
    let start = run(&exec, &agent, "start", 20_000).await;
    assert_eq!(
        outcome(&start),
        (0, ExecStatus::Done),
        "{}",
        start.summary()
    );
    let stop = run(&exec, &agent, "stop", 20_000).await;
    assert_eq!(outcome(&stop), (0, ExecStatus::Done), "{}", stop.summary());
    assert!(!dropin(name).exists(), "drop-in removed on stop");
    assert_eq!(
        systemctl(&["is-active", &format!("{name}.service")]),
        "inactive"
    );
    let mon = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(outcome(&mon), (7, ExecStatus::Done));
    // Stopping a stopped unit succeeds.
    let stop = run(&exec, &agent, "stop", 20_000).await;
    assert_eq!(outcome(&stop), (0, ExecStatus::Done), "{}", stop.summary());
    remove_unit(name);
}

#[tokio::test]
async fn failing_unit_fails_to_start() {
    if !live("failing_unit_fails_to_start") {
        return;
    }
    let name = "pacer-live-fail";
    let agent = format!("systemd:{name}.service");
    install_unit(name, "Type=oneshot\nExecStart=/bin/false");
    let exec = Executor::new(ExecutorConfig::default());
    let start = run(&exec, &agent, "start", 20_000).await;
    assert_eq!(
        outcome(&start),
        (1, ExecStatus::Done),
        "{}",
        start.summary()
    );
    assert_eq!(start.exit_reason.as_deref(), Some("failed"));
    let mon = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(outcome(&mon), (7, ExecStatus::Done));
    let stop = run(&exec, &agent, "stop", 20_000).await;
    assert_eq!(outcome(&stop), (0, ExecStatus::Done), "{}", stop.summary());
    remove_unit(name);
}

#[tokio::test]
async fn unknown_unit_is_not_installed() {
    if !live("unknown_unit_is_not_installed") {
        return;
    }
    let agent = "systemd:pacer-live-nosuch";
    let exec = Executor::new(ExecutorConfig::default());
    let start = run(&exec, agent, "start", 20_000).await;
    assert_eq!(
        outcome(&start),
        (5, ExecStatus::NotInstalled),
        "{}",
        start.summary()
    );
    assert_eq!(
        start.exit_reason.as_deref(),
        Some("systemd unit pacer-live-nosuch not found")
    );
    assert!(
        !dropin("pacer-live-nosuch").exists(),
        "no drop-in left behind"
    );
    // systemd reports an unknown unit as inactive: a probe says not running,
    // and stopping it succeeds (as in Pacemaker).
    let probe = run(&exec, agent, "monitor", 20_000).await;
    assert_eq!(
        outcome(&probe),
        (7, ExecStatus::Done),
        "{}",
        probe.summary()
    );
    let stop = run(&exec, agent, "stop", 20_000).await;
    assert_eq!(outcome(&stop), (0, ExecStatus::Done), "{}", stop.summary());
    // A name systemd refuses outright.
    let bad = run(&exec, "systemd:no such unit", "start", 20_000).await;
    assert_ne!(bad.rc, 0, "{}", bad.summary());
    assert!(bad.exit_reason.is_some(), "{}", bad.summary());
    // `service:` with neither an LSB script nor a unit: not installed.
    let svc = run(&exec, "service:pacer-live-nosuch", "start", 20_000).await;
    assert_eq!(
        outcome(&svc),
        (5, ExecStatus::NotInstalled),
        "{}",
        svc.summary()
    );
    // What units do not implement.
    let reload = run(&exec, agent, "reload", 20_000).await;
    assert_eq!(reload.rc, 3, "{}", reload.summary());
}

#[tokio::test]
async fn slow_start_times_out() {
    if !live("slow_start_times_out") {
        return;
    }
    let name = "pacer-live-slow";
    let agent = format!("systemd:{name}");
    install_unit(
        name,
        "Type=oneshot\nExecStart=/bin/sleep 60\nTimeoutStartSec=infinity",
    );
    let exec = Executor::new(ExecutorConfig::default());
    let t = Instant::now();
    let start = run(&exec, &agent, "start", 2_000).await;
    let took = t.elapsed();
    assert_eq!(
        outcome(&start),
        (1, ExecStatus::Timeout),
        "{}",
        start.summary()
    );
    assert!(
        start
            .exit_reason
            .as_deref()
            .is_some_and(|r| r.contains("adjust configured operation timeout")),
        "{}",
        start.summary()
    );
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(4),
        "timeout after {took:?}"
    );
    let mon = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(
        outcome(&mon),
        (193, ExecStatus::Pending),
        "{}",
        mon.summary()
    );
    let stop = run(&exec, &agent, "stop", 20_000).await;
    assert_eq!(outcome(&stop), (0, ExecStatus::Done), "{}", stop.summary());
    remove_unit(name);
}

#[tokio::test]
async fn meta_data_service_class_and_listing() {
    if !live("meta_data_service_class_and_listing") {
        return;
    }
    let name = "pacer-live-listed";
    install_unit(name, "ExecStart=/bin/sleep infinity");
    let exec = Executor::new(ExecutorConfig::default());

    let md = exec
        .metadata_xml(&spec(&format!("systemd:{name}")))
        .await
        .expect("meta-data");
    assert!(md.contains(&format!("pacer test unit {name}")), "{md}");
    assert!(md.contains("<special tag=\"systemd\"/>"), "{md}");

    // `service:` finds the unit (there is no LSB script of that name).
    let agent = format!("service:{name}");
    let start = run(&exec, &agent, "start", 20_000).await;
    assert_eq!(
        outcome(&start),
        (0, ExecStatus::Done),
        "{}",
        start.summary()
    );
    let mon = run(&exec, &agent, "monitor", 20_000).await;
    assert_eq!(outcome(&mon), (0, ExecStatus::Done), "{}", mon.summary());
    let stop = run(&exec, &agent, "stop", 20_000).await;
    assert_eq!(outcome(&stop), (0, ExecStatus::Done), "{}", stop.summary());

    let units = executor::systemd::list_units().await.expect("list units");
    assert!(units.iter().any(|u| u == name), "{units:?}");
    assert!(units.iter().any(|u| u == "dbus"), "{units:?}");
    assert!(units.iter().all(|u| !u.ends_with(".service")), "{units:?}");
    assert!(units.iter().all(|u| !u.ends_with(".target")), "{units:?}");
    assert!(units.iter().any(|u| u.ends_with(".timer")), "{units:?}");
    remove_unit(name);
}
