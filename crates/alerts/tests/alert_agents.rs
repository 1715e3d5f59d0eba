//! Alerts through real agents: Debian's sample `alert_file.sh.sample`
//! (package pacemaker-common, installed by .ci/run) writes one line per
//! event to its recipient file; an agent that hangs is killed at its timeout.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use alerts::run::AlertRunner;
use alerts::{alerts_from_cib, Event, FencingOutcome};

const SAMPLE: &str = "/usr/share/pacemaker/alerts/alert_file.sh.sample";

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("pacer-alerts-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    fn executable(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(alerts_xml: &str) -> Vec<alerts::Alert> {
    let text = format!(
        r#"<cib epoch="1" num_updates="0" admin_epoch="0"><configuration>
        <crm_config/><nodes/><resources/><constraints/><alerts>{alerts_xml}</alerts>
        </configuration><status/></cib>"#
    );
    let cib = cib::Cib::from_xml(&text).unwrap();
    let (a, w) = alerts_from_cib(&cib, cib::iso8601::DateTime::from_epoch(0, 0));
    assert!(w.is_empty(), "{w:?}");
    a
}

#[tokio::test]
async fn the_sample_file_agent_writes_what_pacemaker_would_make_it_write() {
    let dir = Scratch::new("file");
    let sample = std::fs::read_to_string(SAMPLE)
        .unwrap_or_else(|e| panic!("{SAMPLE}: {e} (install pacemaker-common)"));
    let agent = dir.executable("alert_file.sh", &sample);
    let log = dir.path("alerts.log");
    let other = dir.path("standby-only.log");
    let alerts = config(&format!(
        r#"<alert id="file" path="{agent}">
             <meta_attributes id="file-ma"><nvpair id="file-tf" name="timestamp-format" value="at"/></meta_attributes>
             <select><select_nodes/><select_fencing/><select_resources/><select_attributes/></select>
             <recipient id="file-r" value="{log}"/>
           </alert>
           <alert id="standby" path="{agent}">
             <meta_attributes id="sb-ma"><nvpair id="sb-tf" name="timestamp-format" value="at"/></meta_attributes>
             <select><select_attributes><attribute id="sb-a" name="standby"/></select_attributes></select>
             <recipient id="sb-r" value="{other}"/>
           </alert>"#
    ));
    let runner = AlertRunner::default();
    let events = [
        Event::Node {
            node: "n2".into(),
            nodeid: 2,
            desc: "lost".into(),
        },
        Event::fencing(
            "reboot",
            "n2",
            Some("n1"),
            "pacer-controller",
            "n3",
            FencingOutcome::Ok,
            None,
            "op-1",
        ),
        Event::Resource {
            node: "n1".into(),
            rsc: "web".into(),
            task: "monitor".into(),
            interval_ms: 10_000,
            target_rc: 0,
            status: 0,
            rc: 7,
            exec_time_ms: 25,
            timeout_ms: 20_000,
        },
        Event::Resource {
            node: "n1".into(),
            rsc: "web".into(),
            task: "start".into(),
            interval_ms: 0,
            target_rc: 0,
            status: 2,
            rc: 1,
            exec_time_ms: 0,
            timeout_ms: 20_000,
        },
        // An expected probe result raises nothing.
        Event::Resource {
            node: "n1".into(),
            rsc: "web".into(),
            task: "monitor".into(),
            interval_ms: 0,
            target_rc: 7,
            status: 0,
            rc: 7,
            exec_time_ms: 5,
            timeout_ms: 20_000,
        },
        Event::Attribute {
            node: "n1".into(),
            nodeid: 1,
            name: "standby".into(),
            value: "on".into(),
        },
        Event::Attribute {
            node: "n3".into(),
            nodeid: 3,
            name: "site".into(),
            value: "left".into(),
        },
    ];
    for e in &events {
        for s in runner.send(&alerts, e).await {
            assert!(s.ok, "{s:?}");
        }
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "at: Node 'n2' is now 'lost'",
            "at: Fencing Operation reboot of n2 by n1 for pacer-controller@n3: OK (ref=op-1)",
            "at: Resource operation 'monitor (10000)' for 'web' on 'n1': not running",
            "at: Resource operation 'start' for 'web' on 'n1': Timed Out",
            "at: Attribute 'standby' on node 'n1' was updated to 'on'",
            "at: Attribute 'site' on node 'n3' was updated to 'left'",
        ]
    );
    let text = std::fs::read_to_string(&other).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["at: Attribute 'standby' on node 'n1' was updated to 'on'"]
    );
}

#[tokio::test]
async fn the_environment_reaches_the_agent_and_a_hung_agent_is_killed() {
    let dir = Scratch::new("env");
    let out = dir.path("env.out");
    let pids = dir.path("pids");
    let dump = dir.executable(
        "dump.sh",
        &format!("#!/bin/sh\nenv | grep -E '^(CRM_alert_|CRM_notify_|my_)' | sort > {out}\n"),
    );
    let hang = dir.executable(
        "hang.sh",
        &format!("#!/bin/sh\nsleep 600 &\necho $! > {pids}\nwait\n"),
    );
    let alerts = config(&format!(
        r#"<alert id="dump" path="{dump}">
             <instance_attributes id="d-ia"><nvpair id="d-v" name="my_setting" value="42"/></instance_attributes>
             <recipient id="d-r" value="someone@example.com"/>
           </alert>
           <alert id="hang" path="{hang}">
             <meta_attributes id="h-ma"><nvpair id="h-to" name="timeout" value="1s"/></meta_attributes>
           </alert>"#
    ));
    let mut runner = AlertRunner::default();
    runner.kill_grace_ms = 200;
    let ev = Event::Node {
        node: "n2".into(),
        nodeid: 2,
        desc: "member".into(),
    };
    let sent = runner.send(&alerts, &ev).await;
    assert_eq!(sent.len(), 2);
    // Pacemaker's order: the later alert first.
    assert_eq!(sent[0].id, "hang");
    assert!(!sent[0].ok);
    assert!(sent[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("did not finish within 1000 ms"));
    assert!(sent[1].ok, "{:?}", sent[1]);
    let env = std::fs::read_to_string(&out).unwrap();
    for line in [
        "CRM_alert_kind=node",
        "CRM_notify_kind=node",
        "CRM_alert_node=n2",
        "CRM_alert_nodeid=2",
        "CRM_alert_desc=member",
        "CRM_alert_recipient=someone@example.com",
        "CRM_alert_version=2.1.5",
        "my_setting=42",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} missing from\n{env}");
    }
    for key in [
        "CRM_alert_timestamp=",
        "CRM_alert_timestamp_epoch=",
        "CRM_alert_timestamp_usec=",
        "CRM_alert_node_sequence=",
    ] {
        assert!(
            env.lines().any(|l| l.starts_with(key)),
            "{key} missing from\n{env}"
        );
    }
    // The hung agent's child went with its process group.
    let child: i32 = std::fs::read_to_string(&pids)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = |p: i32| {
        std::fs::read_to_string(format!("/proc/{p}/stat")).map_or(true, |s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !gone(child) {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent's child {child} survived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(Path::new(&out).exists());
}
