//! The executor against real agents installed by .ci/run: resource-agents,
//! pacemaker-resource-agents and fence-agents, plus the repository's own LSB
//! script. Each test says which package it needs; all are required in CI.

mod common;

use std::collections::BTreeMap;

use common::{executor, read, Scratch};
use executor::{AgentSpec, ExecStatus, OpRequest};

fn spec(s: &str) -> AgentSpec {
    s.parse().expect("agent spec")
}

#[tokio::test]
async fn heartbeat_dummy_start_monitor_stop() {
    let dir = Scratch::new("hb-dummy");
    let exec = executor();
    let state = dir.path("state");
    let op = |a: &str| {
        OpRequest::new("d1", spec("ocf:heartbeat:Dummy"), a)
            .param("state", &state)
            .timeout_ms(20_000)
    };
    let probe = exec.execute(op("monitor")).await;
    assert_eq!(
        (probe.rc, probe.status),
        (7, ExecStatus::Done),
        "{}",
        probe.summary()
    );
    let start = exec.execute(op("start")).await;
    assert!(start.is_ok(), "{}", start.summary());
    assert!(std::path::Path::new(&state).exists());
    let mon = exec.execute(op("monitor").interval_ms(10_000)).await;
    assert_eq!(mon.rc, 0, "{}", mon.summary());
    let stop = exec.execute(op("stop")).await;
    assert!(stop.is_ok(), "{}", stop.summary());
    let probe = exec.execute(op("monitor")).await;
    assert_eq!(probe.rc, 7);
    // Call ids increase; digests are recorded (restart/secure from meta-data).
    assert!(stop.call_id > start.call_id);
    assert_eq!(start.digests.op_digest.len(), 32);
    assert!(
        start.digests.op_restart_digest.is_some(),
        "{:?}",
        start.digests
    );
    let rec = start.to_lrm_rsc_op("node1", None, 0);
    assert_eq!(rec.id, "d1_last_0");
    assert_eq!(rec.rc_code, Some(0));
}

#[tokio::test]
async fn pacemaker_dummy_gets_pacemakers_environment_and_all_actions() {
    let dir = Scratch::new("pcmk-dummy");
    let exec = executor();
    let state = dir.path("state");
    let envfile = dir.path("env");
    let op = |a: &str| {
        OpRequest::new("web:1", spec("ocf:pacemaker:Dummy"), a)
            .param("state", &state)
            .param("envfile", &envfile)
            .param("passwd", "secret")
            .meta("clone", "1")
            .meta("clone_max", "2")
            .meta("notify", "true")
            .meta("globally-unique", "false")
    };
    let start = exec.execute(op("start")).await;
    assert!(start.is_ok(), "{}", start.summary());
    let env: BTreeMap<String, String> = read(&envfile)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let get = |k: &str| env.get(k).map(String::as_str);
    assert_eq!(get("OCF_ROOT"), Some("/usr/lib/ocf"));
    assert_eq!(get("OCF_RA_VERSION_MAJOR"), Some("1"));
    assert_eq!(get("OCF_RA_VERSION_MINOR"), Some("1"));
    assert_eq!(get("OCF_RESOURCE_INSTANCE"), Some("web:1"));
    assert_eq!(get("OCF_RESOURCE_TYPE"), Some("Dummy"));
    assert_eq!(get("OCF_RESOURCE_PROVIDER"), Some("pacemaker"));
    assert_eq!(get("OCF_EXIT_REASON_PREFIX"), Some("ocf-exit-reason:"));
    assert_eq!(get("OCF_RESKEY_state"), Some(state.as_str()));
    assert_eq!(get("OCF_RESKEY_CRM_meta_clone"), Some("1"));
    assert_eq!(get("OCF_RESKEY_CRM_meta_clone_max"), Some("2"));
    assert_eq!(get("OCF_RESKEY_CRM_meta_globally_unique"), Some("false"));
    assert_eq!(get("OCF_RESKEY_CRM_meta_timeout"), Some("20000"));
    assert_eq!(get("OCF_RESKEY_CRM_meta_name"), Some("start"));
    assert_eq!(get("OCF_RESKEY_CRM_meta_on_node"), Some("node1"));
    assert_eq!(
        get("OCF_RESKEY_crm_feature_set"),
        Some(executor::digest::CRM_FEATURE_SET)
    );
    // OCF 1.1 reload-agent: restart list and private list from meta-data.
    assert_eq!(
        start.digests.op_force_restart.as_deref(),
        Some("  state  "),
        "{:?}",
        start.digests
    );
    assert_eq!(
        start.digests.op_secure_params.as_deref(),
        Some("  passwd  ")
    );
    for action in [
        "reload-agent",
        "validate-all",
        "migrate_to",
        "migrate_from",
        "monitor",
    ] {
        let r = exec
            .execute(
                op(action)
                    .meta("migrate_source", "node1")
                    .meta("migrate_target", "node2"),
            )
            .await;
        assert!(r.is_ok(), "{action}: {}", r.summary());
    }
    let md = exec
        .metadata(&spec("ocf:pacemaker:Dummy"))
        .await
        .expect("meta-data");
    assert!(md.parameter("fake").is_some_and(|p| p.reloadable));
    assert_eq!(
        md.action("meta-data").and_then(|a| a.timeout_ms),
        Some(5_000)
    );
    assert!(exec.execute(op("stop")).await.is_ok());
}

#[tokio::test]
async fn trace_ra_parameter_turns_on_agent_tracing() {
    // Pacemaker passes trace_ra like any parameter; ocf-shellfuncs reads
    // OCF_RESKEY_trace_ra into OCF_TRACE_RA and writes a trace file.
    let dir = Scratch::new("trace");
    let exec = executor();
    let r = exec
        .execute(
            OpRequest::new("traced", spec("ocf:heartbeat:Dummy"), "monitor")
                .param("state", &dir.path("state"))
                .param("trace_ra", "1")
                .param("trace_dir", &dir.path("traces")),
        )
        .await;
    assert_eq!(r.rc, 7, "{}", r.summary());
    let traces: Vec<_> = std::fs::read_dir(dir.0.join("traces/Dummy"))
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        traces
            .iter()
            .any(|n| n.to_string_lossy().starts_with("traced.monitor.")),
        "{traces:?}"
    );
}

#[tokio::test]
async fn stateful_promotes_and_demotes() {
    let dir = Scratch::new("stateful");
    let exec = executor();
    let state = dir.path("state");
    let op = |a: &str| {
        OpRequest::new("st", spec("ocf:pacemaker:Stateful"), a)
            .param("state", &state)
            .meta("promotable", "true")
            .meta("promoted_max", "1")
    };
    assert!(exec.execute(op("start")).await.is_ok());
    assert_eq!(exec.execute(op("monitor")).await.rc, 0);
    assert!(exec.execute(op("promote")).await.is_ok());
    let promoted = exec.execute(op("monitor")).await;
    assert_eq!(promoted.rc, 8, "{}", promoted.summary());
    assert_eq!(promoted.rc_text, "promoted");
    assert!(exec.execute(op("demote")).await.is_ok());
    assert_eq!(exec.execute(op("monitor")).await.rc, 0);
    assert!(exec.execute(op("stop")).await.is_ok());
    assert_eq!(exec.execute(op("monitor")).await.rc, 7);
}

#[tokio::test]
async fn anything_runs_a_real_daemon() {
    let dir = Scratch::new("anything");
    let exec = executor();
    let pidfile = dir.path("daemon.pid");
    let op = |a: &str| {
        OpRequest::new("daemon", spec("ocf:heartbeat:anything"), a)
            .param("binfile", "/bin/sleep")
            .param("cmdline_options", "3600")
            .param("pidfile", &pidfile)
            .param("logfile", &dir.path("log"))
            .param("errlogfile", &dir.path("err"))
    };
    // The daemon is orphaned when anything's shell exits; this sandbox's init
    // does not reap orphans, so adopt them to reap the one we kill (a zombie
    // still answers `kill -0`).
    common::become_subreaper();
    let start = exec.execute(op("start")).await;
    assert!(start.is_ok(), "{}", start.summary());
    let pid =
        executor::watch::pid_from_file(std::path::Path::new(&pidfile)).expect("daemon running");
    assert_eq!(exec.execute(op("monitor")).await.rc, 0);
    // The daemon dies: the monitor says so (anything: a pid file without its
    // process is a failure, rc 1, not a clean stop).
    common::kill_and_reap(pid);
    let mon = exec.execute(op("monitor")).await;
    assert_eq!(
        (mon.rc, mon.status),
        (1, ExecStatus::Done),
        "{}",
        mon.summary()
    );
    assert!(exec.execute(op("stop")).await.is_ok());
}

#[tokio::test]
async fn ping_against_localhost() {
    let dir = Scratch::new("ping");
    let mut cfg = common::config();
    let attrd_log = dir.path("attrd.log");
    cfg.base_env
        .push(("PACER_ATTRD_LOG".into(), attrd_log.clone()));
    let exec = executor::Executor::new(cfg);
    let op = |a: &str| {
        OpRequest::new("ping", spec("ocf:pacemaker:ping"), a)
            .param("host_list", "127.0.0.1")
            .param("dampen", "0")
            .param("attempts", "1")
            .param("timeout", "2")
            .timeout_ms(60_000)
    };
    let start = exec.execute(op("start")).await;
    assert!(start.is_ok(), "{}\n{}", start.summary(), start.stderr);
    let mon = exec.execute(op("monitor").interval_ms(10_000)).await;
    assert_eq!(mon.rc, 0, "{}\n{}", mon.summary(), mon.stderr);
    // ping reported 127.0.0.1 reachable (multiplier 1 × 1 host).
    let log = read(&attrd_log);
    assert!(log.contains("-n pingd -v 1"), "attrd_updater calls: {log}");
    assert!(exec.execute(op("stop")).await.is_ok());
}

/// A network namespace that is deleted when dropped.
struct Netns(String);

impl Netns {
    fn create() -> Option<Netns> {
        let name = format!("pacer-exec-test-{}", std::process::id());
        let ok = |args: &[&str]| {
            std::process::Command::new("ip")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        let _ = ok(&["netns", "del", &name]);
        if !ok(&["netns", "add", &name]) {
            return None;
        }
        let ns = Netns(name.clone());
        let set_up = ok(&["-n", &name, "link", "set", "lo", "up"])
            && ok(&[
                "-n", &name, "link", "add", "pacer0", "type", "veth", "peer", "name", "pacer1",
            ])
            && ok(&["-n", &name, "link", "set", "pacer0", "up"])
            && ok(&["-n", &name, "link", "set", "pacer1", "up"])
            && ok(&["-n", &name, "addr", "add", "192.0.2.1/24", "dev", "pacer0"]);
        set_up.then_some(ns)
    }

    fn addresses(&self) -> String {
        std::process::Command::new("ip")
            .args(["-n", &self.0, "-4", "addr", "show", "dev", "pacer0"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

#[tokio::test]
async fn ipaddr2_in_a_network_namespace() {
    let ns = Netns::create()
        .expect("root and iproute2 are needed to create a network namespace (CI runs as root)");
    let mut cfg = common::config();
    cfg.command_prefix = vec!["ip".into(), "netns".into(), "exec".into(), ns.0.clone()];
    let exec = executor::Executor::new(cfg);
    let op = |a: &str| {
        OpRequest::new("vip", spec("ocf:heartbeat:IPaddr2"), a)
            .param("ip", "192.0.2.10")
            .param("cidr_netmask", "24")
            .param("nic", "pacer0")
            .timeout_ms(60_000)
    };
    assert_eq!(exec.execute(op("monitor")).await.rc, 7);
    let start = exec.execute(op("start")).await;
    assert!(start.is_ok(), "{}\n{}", start.summary(), start.stderr);
    assert!(
        ns.addresses().contains("192.0.2.10/24"),
        "{}",
        ns.addresses()
    );
    let mon = exec.execute(op("monitor").interval_ms(10_000)).await;
    assert_eq!(mon.rc, 0, "{}\n{}", mon.summary(), mon.stderr);
    let stop = exec.execute(op("stop")).await;
    assert!(stop.is_ok(), "{}", stop.summary());
    assert!(!ns.addresses().contains("192.0.2.10"));
    assert_eq!(exec.execute(op("monitor")).await.rc, 7);
    // A bad address is a configuration error from the agent, with a reason.
    let bad = exec.execute(op("start").param("ip", "not-an-ip")).await;
    assert!(!bad.is_ok());
    assert!(bad.exit_reason.is_some(), "{}", bad.summary());
}

#[tokio::test]
async fn lsb_script_with_status_code_mapping() {
    let dir = Scratch::new("lsb");
    let mut cfg = common::config();
    cfg.base_env
        .push(("PACER_LSB_STATE".into(), dir.path("state")));
    let exec = executor::Executor::new(cfg);
    let op = |a: &str| OpRequest::new("svc", spec("lsb:pacer-lsb-test"), a);
    // status exits 3 (stopped): OCF "not running".
    let probe = exec.execute(op("monitor")).await;
    assert_eq!(
        (probe.rc, probe.agent_exit),
        (7, Some(3)),
        "{}",
        probe.summary()
    );
    assert!(exec.execute(op("start")).await.is_ok());
    assert_eq!(exec.execute(op("status")).await.rc, 0);
    assert_eq!(exec.execute(op("monitor").interval_ms(15_000)).await.rc, 0);
    assert!(exec.execute(op("stop")).await.is_ok());
    assert_eq!(exec.execute(op("monitor")).await.rc, 7);
    // Unknown action: exit 3 means "unimplemented" for non-status actions.
    assert_eq!(exec.execute(op("frobnicate")).await.rc, 3);
    let md = exec
        .metadata(&spec("lsb:pacer-lsb-test"))
        .await
        .expect("LSB meta-data");
    assert_eq!(md.shortdesc.as_deref(), Some("pacer's LSB test service"));
    // `service:` finds the same script.
    assert_eq!(
        exec.execute(OpRequest::new(
            "svc",
            spec("service:pacer-lsb-test"),
            "monitor"
        ))
        .await
        .rc,
        7
    );
}

#[tokio::test]
async fn fence_dummy_through_stdin_arguments() {
    let dir = Scratch::new("fence");
    let exec = executor();
    let op = |a: &str| {
        OpRequest::new("fencer", spec("stonith:fence_dummy"), a)
            .param("type", "file")
            .param("status_file", &dir.path("status"))
            .param("pcmk_host_list", "node2")
    };
    // A probe is answered from the registration, as Pacemaker's executor
    // does: not running before start, running after, not running after stop.
    assert_eq!(exec.execute(op("monitor")).await.rc, 7);
    // Registering the device runs nothing; monitor asks the agent.
    assert!(exec.execute(op("start")).await.is_ok());
    assert_eq!(exec.execute(op("monitor")).await.rc, 0);
    let mon = exec.execute(op("monitor").interval_ms(60_000)).await;
    assert!(mon.is_ok(), "{}\n{}", mon.summary(), mon.stderr);
    let off = exec.execute(op("off").fence_target("node2")).await;
    assert!(off.is_ok(), "{}\n{}", off.summary(), off.stderr);
    // status of an "off" target: fence agents exit 2; recorded as an error code 1.
    let st = exec.execute(op("status").fence_target("node2")).await;
    assert_eq!((st.agent_exit, st.rc), (Some(2), 1), "{}", st.summary());
    let on = exec.execute(op("on").fence_target("node2")).await;
    assert!(on.is_ok(), "{}\n{}", on.summary(), on.stderr);
    assert_eq!(
        exec.execute(op("status").fence_target("node2"))
            .await
            .agent_exit,
        Some(0)
    );
    let reboot = exec.execute(op("reboot").fence_target("node2")).await;
    assert!(reboot.is_ok(), "{}", reboot.summary());
    let md = exec
        .metadata(&spec("stonith:fence_dummy"))
        .await
        .expect("fence meta-data");
    assert!(md.supports("reboot") && md.parameter("status_file").is_some());
    assert!(exec.execute(op("stop")).await.is_ok());
    assert_eq!(exec.execute(op("monitor")).await.rc, 7);
    // A fence agent that does not exist.
    let missing = exec
        .execute(OpRequest::new(
            "f",
            spec("stonith:fence_nonexistent"),
            "monitor",
        ))
        .await;
    assert_eq!((missing.rc, missing.status), (5, ExecStatus::NotInstalled));
}

#[tokio::test]
async fn systemd_units_fail_clearly_without_systemd() {
    if executor::systemd::is_booted() {
        return; // this host runs systemd: nothing to check here
    }
    let exec = executor();
    let r = exec
        .execute(OpRequest::new("chrony", spec("systemd:chronyd"), "start"))
        .await;
    assert_eq!((r.rc, r.status), (5, ExecStatus::NotInstalled));
    let reason = r.exit_reason.unwrap_or_default();
    assert!(reason.contains("systemd is not running"), "{reason}");
    // Meta-data needs no systemd.
    assert!(exec.metadata(&spec("systemd:chronyd")).await.is_ok());
}
