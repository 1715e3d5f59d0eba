//! Benchmarks (not tests): run with
//! `cargo bench -p executor --bench failure_detection [-- RUNS]`.
//!
//! 1. Failure detection latency: a real daemon (ocf:heartbeat:anything
//!    running `sleep`) with a recurring monitor at interval=1s is killed at a
//!    varying point of the interval; the time from the kill to the first
//!    failed monitor result on the executor's stream is measured, polling
//!    only vs event-driven (pidfd watch of the daemon). Median over RUNS
//!    (default 25) each.
//! 2. Per-operation overhead: a `monitor` of ocf:heartbeat:Dummy through
//!    the executor vs spawning the same agent directly with the same
//!    environment and waiting for it. Median over 10×RUNS each.

use std::path::Path;
use std::time::{Duration, Instant};

use executor::{Executor, ExecutorConfig, OpRequest, WatchSpec};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn kill_and_reap(pid: u32) {
    let Some(p) = rustix::process::Pid::from_raw(pid as i32) else {
        return;
    };
    let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
    let _ = rustix::process::waitpid(Some(p), rustix::process::WaitOptions::empty());
}

async fn detection_latency(
    exec: &Executor,
    dir: &Path,
    watch: WatchSpec,
    run: usize,
) -> Option<Duration> {
    let pidfile = dir.join(format!("d{run}.pid")).display().to_string();
    let rsc = format!("bench-daemon-{run}");
    let op = |a: &str| {
        OpRequest::new(&rsc, "ocf:heartbeat:anything".parse().expect("spec"), a)
            .param("binfile", "/bin/sleep")
            .param("cmdline_options", "3600")
            .param("pidfile", &pidfile)
    };
    let mut stream = exec.subscribe();
    if !exec.execute(op("start")).await.is_ok() {
        return None;
    }
    exec.schedule(op("monitor").interval_ms(1000).watch(watch))
        .ok()?;
    // Wait for the first good monitor.
    loop {
        let r = stream.next().await?;
        if r.rsc_id == rsc && r.action == "monitor" && r.is_ok() {
            break;
        }
    }
    // Kill at a different point of the interval each run.
    let offset = Duration::from_millis(((run * 379) % 1000) as u64);
    tokio::time::sleep(offset).await;
    let pid = executor::watch::pid_from_file(Path::new(&pidfile))?;
    let killed = Instant::now();
    kill_and_reap(pid);
    let latency = loop {
        let r = tokio::time::timeout(Duration::from_secs(30), stream.next())
            .await
            .ok()??;
        if r.rsc_id == rsc && r.action == "monitor" && !r.is_ok() {
            break killed.elapsed();
        }
    };
    exec.execute(op("stop")).await;
    Some(latency)
}

async fn per_op_overhead(exec: &Executor, dir: &Path, runs: usize) -> (Duration, Duration) {
    let state = dir.join("dummy.state").display().to_string();
    let op = || {
        OpRequest::new(
            "bench-dummy",
            "ocf:heartbeat:Dummy".parse().expect("spec"),
            "monitor",
        )
        .param("state", &state)
    };
    // Warm up (meta-data cache, page cache).
    let warm = exec.execute(op()).await;
    assert_eq!(warm.rc, 7, "{}", warm.summary());
    let mut via = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = exec.execute(op()).await;
        via.push(t.elapsed());
        assert_eq!(r.rc, 7);
    }
    let params = op().agent_params(exec.config().node_name.as_deref());
    let mut env: Vec<(String, String)> = exec.config().base_env.clone();
    for (k, v) in &params {
        env.push((format!("OCF_RESKEY_{k}"), v.clone()));
    }
    env.push(("OCF_ROOT".into(), "/usr/lib/ocf".into()));
    env.push(("OCF_RESOURCE_INSTANCE".into(), "bench-dummy".into()));
    env.push(("OCF_RESOURCE_TYPE".into(), "Dummy".into()));
    env.push(("OCF_RESOURCE_PROVIDER".into(), "heartbeat".into()));
    let mut direct = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let st = std::process::Command::new("/usr/lib/ocf/resource.d/heartbeat/Dummy")
            .arg("monitor")
            .env_clear()
            .envs(env.iter().cloned())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run Dummy directly");
        direct.push(t.elapsed());
        assert_eq!(st.status.code(), Some(7));
    }
    (median(via), median(direct))
}

fn main() {
    // `cargo bench` passes --bench; a bare number is the run count.
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(25)
        .max(20);
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    let dir = std::env::temp_dir().join(format!("pacer-exec-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let exec = Executor::new(ExecutorConfig::default());
    rt.block_on(async {
        for (name, watch) in [("polling (interval=1s)", WatchSpec::Off), ("event-driven (pidfd)", WatchSpec::Auto)] {
            let mut lat = Vec::new();
            for run in 0..runs {
                if let Some(d) = detection_latency(&exec, &dir, watch.clone(), run).await {
                    lat.push(d);
                }
            }
            assert!(lat.len() >= 20, "{name}: only {} runs completed", lat.len());
            let max = lat.iter().max().copied().unwrap_or_default();
            let min = lat.iter().min().copied().unwrap_or_default();
            println!(
                "kill -> failure result, {name}: median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
                ms(median(lat.clone())),
                ms(min),
                ms(max),
                lat.len()
            );
        }
        let (via, direct) = per_op_overhead(&exec, &dir, runs * 10).await;
        println!(
            "ocf:heartbeat:Dummy monitor: via executor median {:.2} ms, direct spawn median {:.2} ms, overhead {:.2} ms ({} runs each)",
            ms(via),
            ms(direct),
            ms(via) - ms(direct),
            runs * 10
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}
