//! The repository's own misbehaving agents (tests/agents/ocf/pacer-test) and
//! the executor's scheduling: timeouts, output limits, exit codes, missing
//! and non-executable agents, per-resource serialisation, the global limit,
//! recurring operations, cancellation and event-driven monitors.
//!
//! No test depends on timing luck: orderings are checked through logs the
//! agents write, and time bounds are generous safety nets ([`common::SAFETY`]).

mod common;

use common::{executor, next_matching, read, Scratch, SAFETY};
use executor::{AgentSpec, ExecStatus, Executor, OpRequest, WatchSpec};

fn test_agent(name: &str) -> AgentSpec {
    AgentSpec::ocf("pacer-test", name)
}

#[tokio::test]
async fn a_hanging_agent_times_out_and_its_whole_group_is_killed() {
    let exec = executor();
    let r = exec
        .execute(OpRequest::new("h", test_agent("hang"), "start").timeout_ms(300))
        .await;
    assert_eq!(r.status, ExecStatus::Timeout, "{}", r.summary());
    assert_eq!(r.rc, 1, "a timeout is never success");
    assert!(!r.is_ok());
    let reason = r.exit_reason.clone().unwrap_or_default();
    assert!(reason.contains("did not complete within 300ms"), "{reason}");
    // The agent ignored SIGTERM; SIGKILL took it and its helper.
    let pgid = r.pid.expect("pid");
    let left = executor::procfs::wait_group_gone(pgid, std::time::Duration::from_secs(10)).await;
    assert_eq!(left, Vec::<u32>::new());
    let rec = r.to_lrm_rsc_op("node1", None, 0);
    assert_eq!((rec.op_status, rec.rc_code), (Some(2), Some(1)));
    assert_eq!(rec.id, "h_last_failure_0");
}

#[tokio::test]
async fn a_hanging_agent_does_not_block_other_resources() {
    let exec = executor();
    let hang = {
        let exec = exec.clone();
        tokio::spawn(async move {
            exec.execute(OpRequest::new("stuck", test_agent("hang"), "monitor").timeout_ms(600_000))
                .await
        })
    };
    let other = tokio::time::timeout(
        SAFETY,
        exec.execute(OpRequest::new("free", test_agent("codes"), "monitor")),
    )
    .await
    .expect("another resource's operation completes while one hangs");
    assert!(other.is_ok());
    assert!(
        !hang.is_finished(),
        "the hanging operation is still running"
    );
    // Dropping the hanging operation kills its agent.
    hang.abort();
}

#[tokio::test]
async fn a_daemon_holding_stdout_does_not_hold_the_operation() {
    let dir = Scratch::new("fork-hold");
    let exec = executor();
    let pidfile = dir.path("pid");
    let r = tokio::time::timeout(
        SAFETY,
        exec.execute(
            OpRequest::new("fh", test_agent("fork_hold"), "start").param("pidfile", &pidfile),
        ),
    )
    .await
    .expect("start returns although its daemon keeps stdout open");
    assert!(r.is_ok(), "{}", r.summary());
    assert_eq!(r.stdout, "starting\n");
    let daemon: u32 = read(&pidfile).trim().parse().expect("daemon pid");
    assert!(
        executor::procfs::is_live(daemon),
        "the daemon was left running"
    );
    common::kill_group(r.pid);
}

#[tokio::test]
async fn megabytes_of_output_are_truncated_not_blocking() {
    let exec = executor();
    let r = exec
        .execute(OpRequest::new("big", test_agent("huge"), "monitor"))
        .await;
    assert!(r.is_ok(), "{}", r.summary());
    assert!(r.output_truncated);
    assert_eq!(r.stdout.len(), 64 * 1024);
    assert_eq!(r.stderr.len(), 64 * 1024);
}

#[tokio::test]
async fn garbage_output_is_kept_and_bad_metadata_is_a_clear_error() {
    let exec = executor();
    let r = exec
        .execute(OpRequest::new("g", test_agent("garbage"), "monitor"))
        .await;
    assert!(r.is_ok(), "{}", r.summary());
    assert!(r.stdout.contains("garbage"));
    let e = exec
        .metadata(&test_agent("garbage"))
        .await
        .expect_err("garbage meta-data");
    assert!(e.to_string().contains("ocf:pacer-test:garbage"), "{e}");
    assert!(e.to_string().contains("not valid XML"), "{e}");
    // Without meta-data, results still carry the op-digest.
    let r = exec
        .execute(OpRequest::new("g", test_agent("garbage"), "start"))
        .await;
    assert_eq!(r.digests.op_digest.len(), 32);
    assert_eq!(r.digests.op_restart_digest, None);
}

#[tokio::test]
async fn every_ocf_exit_code_and_undefined_ones() {
    let exec = executor();
    for code in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191] {
        let r = exec
            .execute(
                OpRequest::new("c", test_agent("codes"), "monitor").param("rc", &code.to_string()),
            )
            .await;
        assert_eq!((r.rc, r.status), (code, ExecStatus::Done), "exit {code}");
        assert_eq!(r.exit_reason, None);
    }
    let degraded = exec
        .execute(OpRequest::new("c", test_agent("codes"), "monitor").param("rc", "190"))
        .await;
    assert!(degraded.is_ok(), "degraded counts as running");
    for code in [10, 42, 189, 192, 255] {
        let r = exec
            .execute(
                OpRequest::new("c", test_agent("codes"), "monitor").param("rc", &code.to_string()),
            )
            .await;
        assert_eq!(r.rc, 1, "undefined {code} is a generic error");
        assert_eq!(r.agent_exit, Some(code));
        let reason = r.exit_reason.unwrap_or_default();
        assert!(reason.contains(&format!("exited with {code}")), "{reason}");
    }
    let r = exec
        .execute(
            OpRequest::new("c", test_agent("codes"), "start")
                .param("rc", "6")
                .param("reason", "config file missing"),
        )
        .await;
    assert_eq!(r.rc, 6);
    assert_eq!(r.exit_reason.as_deref(), Some("config file missing"));
    assert_eq!(
        r.to_lrm_rsc_op("node1", None, 0).exit_reason.as_deref(),
        Some("config file missing")
    );
}

#[tokio::test]
async fn missing_and_non_executable_agents_get_clear_results() {
    let exec = executor();
    let r = exec
        .execute(OpRequest::new("m", test_agent("no_such_agent"), "start"))
        .await;
    assert_eq!((r.rc, r.status), (5, ExecStatus::NotInstalled));
    let reason = r.exit_reason.unwrap_or_default();
    assert!(
        reason.contains("pacer-test/no_such_agent") && reason.contains("install"),
        "{reason}"
    );
    let r = exec
        .execute(OpRequest::new("n", test_agent("not_executable"), "start"))
        .await;
    assert_eq!((r.rc, r.status), (4, ExecStatus::Error), "{}", r.summary());
    let reason = r.exit_reason.unwrap_or_default();
    assert!(reason.contains("chmod +x"), "{reason}");
    let r = exec
        .execute(OpRequest::new(
            "x",
            "ocf:nonexistent-provider:Dummy".parse().expect("spec"),
            "monitor",
        ))
        .await;
    assert_eq!(r.status, ExecStatus::NotInstalled);
}

/// "begin"/"end" lines an agent wrote, as (resource, begin?) pairs.
fn log_events(path: &str) -> Vec<(String, bool)> {
    read(path)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let kind = f.next()?;
            Some((f.next()?.to_string(), kind == "begin"))
        })
        .collect()
}

#[tokio::test]
async fn one_operation_at_a_time_per_resource() {
    let dir = Scratch::new("serial");
    let exec = executor();
    let log = dir.path("log");
    let mut handles = Vec::new();
    for i in 0..4 {
        let exec = exec.clone();
        let req = OpRequest::new("same", test_agent("codes"), "monitor")
            .param("log", &log)
            .param("sleep", "0.2")
            .param("rc", &i.to_string());
        handles.push(tokio::spawn(async move { exec.execute(req).await }));
        // Submitted in order (each is queued before the next is spawned).
        tokio::task::yield_now().await;
    }
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.expect("task"));
    }
    let events = log_events(&log);
    assert_eq!(events.len(), 8, "{events:?}");
    for pair in events.chunks(2) {
        assert!(pair[0].1 && !pair[1].1, "operations overlapped: {events:?}");
    }
    // Queue time grows as each waits for the previous ones.
    assert!(results.iter().all(|r| r.is_ok() || r.rc > 0));
}

#[tokio::test]
async fn resources_run_in_parallel_up_to_the_global_limit() {
    let dir = Scratch::new("limit");
    let mut cfg = common::config();
    cfg.max_concurrent = 1;
    let exec = Executor::new(cfg);
    let log = dir.path("log");
    let mut handles = Vec::new();
    for r in ["a", "b", "c"] {
        let exec = exec.clone();
        let req = OpRequest::new(r, test_agent("codes"), "monitor")
            .param("log", &log)
            .param("sleep", "0.2");
        handles.push(tokio::spawn(async move { exec.execute(req).await }));
    }
    for h in handles {
        assert!(h.await.expect("task").is_ok());
    }
    // With a limit of one, even different resources never overlap.
    let events = log_events(&log);
    assert_eq!(events.len(), 6);
    for pair in events.chunks(2) {
        assert!(
            pair[0].1 && !pair[1].1 && pair[0].0 == pair[1].0,
            "{events:?}"
        );
    }
    // (That resources run in parallel under a higher limit is shown by
    // a_hanging_agent_does_not_block_other_resources.)
}

#[tokio::test]
async fn recurring_monitor_streams_results_and_cancels() {
    let dir = Scratch::new("recurring");
    let exec = executor();
    let mut stream = exec.subscribe();
    let log = dir.path("log");
    exec.schedule(
        OpRequest::new("r", test_agent("codes"), "monitor")
            .param("log", &log)
            .interval_ms(100),
    )
    .expect("schedule");
    assert_eq!(
        exec.recurring(),
        vec![("r".to_string(), "monitor".to_string(), 100)]
    );
    let first = next_matching(&mut stream, "first monitor", |r| r.rsc_id == "r").await;
    let second = next_matching(&mut stream, "second monitor", |r| r.rsc_id == "r").await;
    assert_eq!(
        first.call_id, second.call_id,
        "a recurring op keeps its call id"
    );
    assert_eq!(second.interval_ms, 100);
    // The result has not changed, so last-rc-change stays at the first run.
    assert_eq!(second.last_rc_change, first.last_run);
    assert!(exec.cancel("r", "monitor", 100));
    let cancelled = next_matching(&mut stream, "cancellation", |r| {
        r.rsc_id == "r" && r.status == ExecStatus::Cancelled
    })
    .await;
    assert_eq!(cancelled.call_id, first.call_id);
    assert!(exec.recurring().is_empty());
    assert!(!exec.cancel("r", "monitor", 100));
    assert!(exec
        .schedule(OpRequest::new("r", test_agent("codes"), "monitor"))
        .is_err());
}

#[tokio::test]
async fn stop_cancels_recurring_operations_first() {
    let exec = executor();
    let mut stream = exec.subscribe();
    exec.schedule(OpRequest::new("s", test_agent("codes"), "monitor").interval_ms(60_000))
        .expect("schedule");
    next_matching(&mut stream, "first monitor", |r| {
        r.rsc_id == "s" && r.action == "monitor"
    })
    .await;
    let stop = exec
        .execute(OpRequest::new("s", test_agent("codes"), "stop"))
        .await;
    assert!(stop.is_ok());
    assert!(exec.recurring().is_empty());
    next_matching(&mut stream, "cancelled monitor", |r| {
        r.rsc_id == "s" && r.status == ExecStatus::Cancelled
    })
    .await;
}

#[tokio::test]
async fn start_delay_postpones_the_first_run() {
    let exec = executor();
    let mut stream = exec.subscribe();
    exec.schedule(
        OpRequest::new("d", test_agent("codes"), "monitor")
            .interval_ms(60_000)
            .start_delay_ms(300),
    )
    .expect("schedule");
    let t0 = std::time::Instant::now();
    next_matching(&mut stream, "delayed monitor", |r| r.rsc_id == "d").await;
    // A lower bound only: it cannot have run before its delay.
    assert!(t0.elapsed() >= std::time::Duration::from_millis(300));
    exec.shutdown();
}

#[tokio::test]
async fn a_dying_daemon_triggers_an_immediate_monitor() {
    let dir = Scratch::new("watch");
    common::become_subreaper();
    let exec = executor();
    let mut stream = exec.subscribe();
    let pidfile = dir.path("daemon.pid");
    let op = |a: &str| {
        OpRequest::new("daemon", "ocf:heartbeat:anything".parse().expect("spec"), a)
            .param("binfile", "/bin/sleep")
            .param("cmdline_options", "3600")
            .param("pidfile", &pidfile)
            .param("logfile", &dir.path("log"))
            .param("errlogfile", &dir.path("err"))
    };
    assert!(exec.execute(op("start")).await.is_ok());
    // An hour between polls: only the watch can notice the death in time.
    exec.schedule(op("monitor").interval_ms(3_600_000).watch(WatchSpec::Auto))
        .expect("schedule");
    let first = next_matching(&mut stream, "first monitor", |r| r.action == "monitor").await;
    assert!(first.is_ok(), "{}", first.summary());
    let pid = executor::watch::pid_from_file(std::path::Path::new(&pidfile)).expect("daemon");
    common::kill_and_reap(pid);
    let failed = next_matching(&mut stream, "monitor after the daemon died", |r| {
        r.action == "monitor" && r.interval_ms == 3_600_000 && !r.is_ok()
    })
    .await;
    assert_eq!(failed.rc, 1, "{}", failed.summary());
    assert!(failed.last_rc_change >= first.last_rc_change);
    assert!(exec.execute(op("stop")).await.is_ok());
}

#[tokio::test]
async fn notify_results_are_recorded_as_pacemaker_does() {
    let exec = executor();
    let n = exec
        .execute(
            OpRequest::new("web:1", test_agent("codes"), "notify")
                .meta("notify_type", "pre")
                .meta("notify_operation", "start")
                .meta("notify_start_resource", "web:0 web:1")
                .meta("notify_start_uname", "node1 node2"),
        )
        .await;
    assert!(n.is_ok());
    let rec = n.to_lrm_rsc_op("node1", None, 0);
    assert_eq!(rec.id, "web:1_pre_notify_start_0");
    assert_eq!(
        n.params
            .get("CRM_meta_notify_start_uname")
            .map(String::as_str),
        Some("node1 node2")
    );
}
