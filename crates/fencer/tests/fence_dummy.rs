//! The fencer against Debian's real `fence_dummy` (package fence-agents,
//! installed by .ci/run): a topology whose first level fails, a
//! multi-device reboot, a status-checked device, the history.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use cib::iso8601::DateTime;
use executor::{Executor, ExecutorConfig, Paths};
use fencer::run::Fencer;
use fencer::{FenceAction, FenceRequest, FencingConfig, HistoryState};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("pacer-fencer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fencer() -> Fencer {
    let cfg = ExecutorConfig {
        paths: Paths {
            fence_dir: PathBuf::from("/usr/sbin"),
            ..Paths::from_env()
        },
        kill_grace_ms: 500,
        node_name: Some("node1".into()),
        ..ExecutorConfig::default()
    };
    Fencer::new(Executor::new(cfg), "node1")
}

fn config(cib_text: &str) -> FencingConfig {
    let cib = cib::Cib::from_xml(cib_text).unwrap();
    let (c, warnings) = FencingConfig::from_cib(&cib, DateTime::from_epoch(1_700_000_000, 0));
    assert!(warnings.is_empty(), "{warnings:?}");
    c
}

fn dummy(id: &str, params: &[(&str, &str)]) -> String {
    let mut s = format!(
        r#"<primitive id="{id}" class="stonith" type="fence_dummy"><instance_attributes id="{id}-ia">"#
    );
    for (k, v) in params {
        s.push_str(&format!(
            r#"<nvpair id="{id}-{k}" name="{k}" value="{v}"/>"#
        ));
    }
    s.push_str("</instance_attributes></primitive>");
    s
}

fn cib(resources: &[String], topology: &str) -> String {
    format!(
        r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/>
        <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
        <resources>{}</resources><constraints/>{topology}</configuration><status/></cib>"#,
        resources.concat()
    )
}

fn status_of(path: &str) -> String {
    std::fs::read_to_string(Path::new(path)).unwrap_or_default()
}

#[tokio::test]
async fn a_failing_first_level_falls_through_to_the_second() {
    let dir = Scratch::new("levels");
    let ok_file = dir.file("ok.status");
    std::fs::write(&ok_file, "on").unwrap();
    let text = cib(
        &[
            dummy(
                "broken",
                &[
                    ("type", "fail"),
                    ("power_timeout", "1"),
                    ("pcmk_host_list", "node2"),
                    ("pcmk_off_retries", "1"),
                ],
            ),
            dummy(
                "working",
                &[
                    ("type", "file"),
                    ("status_file", &ok_file),
                    ("pcmk_host_list", "node2"),
                ],
            ),
        ],
        r#"<fencing-topology>
             <fencing-level id="l1" target="node2" index="1" devices="broken"/>
             <fencing-level id="l2" target="node2" index="2" devices="working"/>
           </fencing-topology>"#,
    );
    let f = fencer();
    let req = FenceRequest::new("node2", FenceAction::Off, "pacer-controller", "node3");
    let (r, h) = f.fence(&config(&text), req).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(status_of(&ok_file), "off");
    let tried: Vec<(&str, Option<u32>, bool)> = r
        .attempts
        .iter()
        .map(|a| (a.device.as_str(), a.level, a.ok))
        .collect();
    assert_eq!(
        tried,
        [("broken", Some(1), false), ("working", Some(2), true)]
    );
    assert!(r.attempts[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("fence_dummy"));
    assert_eq!(h.state, HistoryState::Done);
    assert_eq!(h.delegate.as_deref(), Some("node1"));
    assert_eq!(
        (h.client.as_str(), h.origin.as_str()),
        ("pacer-controller", "node3")
    );
    assert!(h
        .describe(true, None, 0)
        .starts_with("turning off of node2 successful: delegate=node1, client=pacer-controller, origin=node3, completed='"));
    assert_eq!(f.history().len(), 1);

    // Every level failing: the result and the history say why.
    let req = FenceRequest::new("node2", FenceAction::Off, "pacer-controller", "node3");
    let only_broken = cib(
        &[dummy(
            "broken",
            &[
                ("type", "fail"),
                ("power_timeout", "1"),
                ("pcmk_host_list", "node2"),
            ],
        )],
        "",
    );
    let (r, h) = f.fence(&config(&only_broken), req).await;
    assert!(!r.ok);
    let reason = r.reason.unwrap();
    // The default of two tries applies.
    assert!(
        reason.contains("broken off failed") && reason.contains("after 2 tries"),
        "{reason}"
    );
    assert_eq!(h.state, HistoryState::Failed);
}

#[tokio::test]
async fn a_reboot_through_a_level_of_two_devices_is_off_then_on() {
    let dir = Scratch::new("remap");
    let (a, b) = (dir.file("a.status"), dir.file("b.status"));
    let text = cib(
        &[
            dummy("psu-a", &[("status_file", &a), ("pcmk_host_list", "node2")]),
            dummy("psu-b", &[("status_file", &b), ("pcmk_host_list", "node2")]),
        ],
        r#"<fencing-topology>
             <fencing-level id="l1" target="node2" index="1" devices="psu-a,psu-b"/>
           </fencing-topology>"#,
    );
    let req = FenceRequest::new("node2", FenceAction::Reboot, "pacer-controller", "node1");
    let (r, _) = fencer().fence(&config(&text), req).await;
    assert!(r.ok, "{r:?}");
    let steps: Vec<String> = r
        .attempts
        .iter()
        .map(|a| format!("{} {}", a.device, a.action))
        .collect();
    assert_eq!(steps, ["psu-a off", "psu-b off", "psu-a on", "psu-b on"]);
    // fence_dummy writes each on/off to its status file.
    assert_eq!((status_of(&a), status_of(&b)), ("on".into(), "on".into()));
}

#[tokio::test]
async fn status_checked_devices_are_asked_first() {
    // fence_dummy's meta-data has status but no list: without a host list
    // the fencer's default check is status, as with pcmk_host_check=status.
    let dir = Scratch::new("status");
    for explicit in [false, true] {
        let file = dir.file("s.status");
        std::fs::write(&file, "on").unwrap();
        let mut params = vec![("status_file", file.as_str())];
        if explicit {
            params.push(("pcmk_host_check", "status"));
        }
        let text = cib(&[dummy("by-status", &params)], "");
        let req = FenceRequest::new("node2", FenceAction::Off, "pacer-controller", "node1");
        let (r, _) = fencer().fence(&config(&text), req).await;
        assert!(r.ok, "{r:?}");
        assert_eq!(status_of(&file), "off");
    }
}

/// A fence agent of the test's own that logs when it starts and ends.
fn logging_agent(dir: &Scratch) -> PathBuf {
    let agents = dir.0.join("agents");
    std::fs::create_dir_all(&agents).unwrap();
    let log = dir.file("runs.log");
    let script = format!(
        r#"#!/bin/sh
while IFS='=' read -r k v; do
    case "$k" in action) action=$v ;; nodename) node=$v ;; esac
done
case "$action" in
    metadata) echo '<resource-agent name="fence_logging"><parameters><parameter name="port"/></parameters><actions><action name="off"/><action name="on"/><action name="reboot"/><action name="status"/><action name="monitor"/><action name="metadata"/></actions></resource-agent>'; exit 0 ;;
    off|on|reboot) echo "start $node" >> {log}; sleep 0.3; echo "end $node" >> {log} ;;
esac
exit 0
"#
    );
    let p = agents.join("fence_logging");
    std::fs::write(&p, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    agents
}

fn logging_fencer(agents: PathBuf) -> Fencer {
    let cfg = ExecutorConfig {
        paths: Paths {
            fence_dir: agents,
            ..Paths::from_env()
        },
        kill_grace_ms: 500,
        node_name: Some("node1".into()),
        ..ExecutorConfig::default()
    };
    Fencer::new(Executor::new(cfg), "node1")
}

#[tokio::test]
async fn without_concurrent_fencing_operations_run_one_at_a_time() {
    let dir = Scratch::new("serial");
    let agents = logging_agent(&dir);
    let dev = |id: &str, node: &str| {
        format!(
            r#"<primitive id="{id}" class="stonith" type="fence_logging"><instance_attributes id="{id}-ia"><nvpair id="{id}-hl" name="pcmk_host_list" value="{node}"/></instance_attributes></primitive>"#
        )
    };
    let text = cib(&[dev("fa", "node2"), dev("fb", "node3")], "");
    for concurrent in [false, true] {
        let _ = std::fs::remove_file(dir.file("runs.log"));
        let mut c = config(&text);
        c.concurrent = concurrent;
        let f = logging_fencer(agents.clone());
        let a = f.fence(
            &c,
            FenceRequest::new("node2", FenceAction::Off, "t", "node1"),
        );
        let b = f.fence(
            &c,
            FenceRequest::new("node3", FenceAction::Off, "t", "node1"),
        );
        let ((ra, _), (rb, _)) = tokio::join!(a, b);
        assert!(ra.ok && rb.ok, "{ra:?} {rb:?}");
        let log = status_of(&dir.file("runs.log"));
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 4, "{log}");
        let serial = lines[0][6..] == lines[1][4..];
        assert_eq!(
            serial, !concurrent,
            "concurrent-fencing={concurrent}:\n{log}"
        );
    }
}
