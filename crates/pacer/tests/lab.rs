//! The cluster layer on real Corosync: a 3-node lab in network namespaces.
//!
//! Needs root (namespaces) and corosync; CI runs as root and installs it.
//! Without root the test says so and does nothing. One test drives the
//! scenarios in order on one lab (the namespaces are machine-wide); the lab
//! is taken down when the test ends, passed or failed. Every wait polls
//! with a generous deadline; no sleep is an assertion.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use control::{Client, Request, Response, Status};
use replica::engine::AttrUpdate;
use replica::ops::AttrScope;

const PACER: &str = env!("CARGO_BIN_EXE_pacer");
const DEADLINE: Duration = Duration::from_secs(60);

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// pacerd next to pacer; built on demand when `cargo test` did not build it.
fn pacerd() -> PathBuf {
    let pacer = Path::new(PACER);
    let dir = pacer.parent().expect("pacer has a directory");
    let p = dir.join("pacerd");
    let target = dir.parent().expect("target dir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Always ask cargo: a no-op when pacerd is up to date (`cargo test`
    // builds pacerd's test harness, not necessarily its binary).
    let mut build = Command::new(&cargo);
    build
        .args(["build", "--quiet", "-p", "pacerd", "--target-dir"])
        .arg(target);
    if dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.current_dir(env!("CARGO_MANIFEST_DIR")).status();
    match status {
        Ok(s) if s.success() && p.exists() => p,
        _ if p.exists() => p,
        _ => panic!("cannot build pacerd (`cargo build -p pacerd`)"),
    }
}

struct Lab {
    dir: PathBuf,
    pacerd: PathBuf,
}

impl Lab {
    fn pacer(&self, args: &[&str]) -> std::process::Output {
        // `--lab-dir` goes right after `lab SUBCOMMAND` (exec takes the rest).
        let (head, tail) = args.split_at(args.len().min(2));
        Command::new(PACER)
            .args(head)
            .arg("--lab-dir")
            .arg(&self.dir)
            .args(tail)
            .env("PACERD", &self.pacerd)
            // Names of its own, so a developer's lab (`pcl-*`) is left alone.
            .env("PACER_LAB_PREFIX", "plt")
            .output()
            .expect("run pacer")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.pacer(args);
        assert!(
            out.status.success(),
            "pacer {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn pid(&self, i: u32) -> Option<i32> {
        let p: i32 = std::fs::read_to_string(self.dir.join(format!("n{i}/pacerd.pid")))
            .ok()?
            .trim()
            .parse()
            .ok()?;
        Path::new(&format!("/proc/{p}")).exists().then_some(p)
    }

    fn call(&self, i: u32, req: &Request) -> Option<Response> {
        let p = self.pid(i)?;
        let sock = PathBuf::from(format!("/proc/{p}/root{}", control::DEFAULT_SOCKET));
        let mut c = Client::connect(&sock).ok()?;
        c.call(req).ok()
    }

    fn status(&self, i: u32) -> Option<Status> {
        match self.call(i, &Request::Status)? {
            Response::Status(s) => Some(s),
            _ => None,
        }
    }

    fn cib(&self, i: u32) -> Option<String> {
        match self.call(i, &Request::Cib)? {
            Response::Cib { xml } => Some(xml),
            _ => None,
        }
    }

    fn set_attr(&self, i: u32, node: &str, name: &str, value: &str) -> Option<Response> {
        self.call(
            i,
            &Request::Attribute {
                update: AttrUpdate {
                    node: node.into(),
                    name: name.into(),
                    value: Some(value.into()),
                    scope: AttrScope::Permanent,
                    dampen_ms: 0,
                },
            },
        )
    }

    /// Polls until `f` holds, or fails naming `what` and the last states.
    fn wait(
        &self,
        what: &str,
        nodes: &[u32],
        f: impl Fn(&[Option<Status>]) -> bool,
    ) -> Vec<Status> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let s: Vec<Option<Status>> = nodes.iter().map(|i| self.status(*i)).collect();
            if f(&s) {
                return s.into_iter().flatten().collect();
            }
            if Instant::now() > deadline {
                let shown: Vec<String> = s
                    .iter()
                    .zip(nodes)
                    .map(|(s, i)| match s {
                        Some(s) => format!(
                            "n{i}: members {:?} synced {} quorate {} dc {:?} v{}",
                            s.engine.members,
                            s.engine.synced,
                            s.engine.quorate,
                            s.engine.dc,
                            s.engine.version
                        ),
                        None => format!("n{i}: no answer"),
                    })
                    .collect();
                panic!(
                    "timed out after {DEADLINE:?} waiting for: {what}\n{}\nlogs in {}",
                    shown.join("\n"),
                    self.dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let out = self.pacer(&["lab", "down"]);
        if !out.status.success() {
            eprintln!("lab down failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        // Keep the logs of a failed run; a passed one leaves nothing.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// All `nodes` answer, are synced in the view `members`, agree on one DC
/// among them, and have quorum as given.
fn settled(s: &[Option<Status>], members: &[u32], quorate: bool) -> bool {
    let dcs: std::collections::BTreeSet<_> = s
        .iter()
        .map(|s| s.as_ref().and_then(|s| s.engine.dc))
        .collect();
    s.iter().all(|s| {
        s.as_ref().is_some_and(|s| {
            s.engine.synced
                && s.engine.members == members
                && s.engine.quorate == quorate
                && s.engine.dc.is_some_and(|d| members.contains(&d))
        })
    }) && dcs.len() == 1
}

#[test]
fn three_node_lab_on_real_corosync() {
    if !is_root() {
        eprintln!("skipped: the lab needs root (network namespaces); CI runs as root");
        return;
    }
    let dir = std::env::temp_dir().join(format!("pacer-lab-test-{}", std::process::id()));
    let lab = Lab {
        dir,
        pacerd: pacerd(),
    };
    // A lab left over by an earlier, killed run would block this one.
    let _ = lab.pacer(&["lab", "down"]);
    lab.ok(&["lab", "up", "3", "--token", "1000", "--wait", "90"]);

    // 1. Quorate with one DC.
    let s = lab.wait("3 nodes quorate with one DC", &[1, 2, 3], |s| {
        settled(s, &[1, 2, 3], true)
    });
    let dc = s[0].engine.dc.expect("a DC");
    let text = lab.ok(&["lab", "exec", "2", "status", "--membership"]);
    assert!(
        text.contains("partition with quorum") && text.contains("Online: [ n1 n2 n3 ]"),
        "{text}"
    );

    // 2. An update made on node 1 is visible on node 3.
    match lab.set_attr(1, "n2", "site", "left") {
        Some(Response::Done { .. }) => {}
        other => panic!("update on node 1: {other:?}"),
    }
    let deadline = Instant::now() + DEADLINE;
    while !lab
        .cib(3)
        .is_some_and(|x| x.contains(r#"name="site" value="left""#))
    {
        assert!(
            Instant::now() < deadline,
            "node 3 never saw node 1's update"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // 3. SIGKILL node 3: offline, quorum kept.
    lab.ok(&["lab", "kill", "3", "--signal", "KILL"]);
    lab.wait("nodes 1 and 2 without node 3, quorate", &[1, 2], |s| {
        settled(s, &[1, 2], true)
    });
    let text = lab.ok(&["lab", "exec", "1", "status", "--membership"]);
    assert!(text.contains("OFFLINE: [ n3 ]"), "{text}");
    lab.ok(&["lab", "start", "3"]);
    lab.wait("node 3 back", &[1, 2, 3], |s| settled(s, &[1, 2, 3], true));

    // 4. SIGSTOP the DC: the others elect a new one.
    let dc = lab.status(1).and_then(|s| s.engine.dc).unwrap_or(dc);
    let others: Vec<u32> = [1, 2, 3].into_iter().filter(|i| *i != dc).collect();
    lab.ok(&["lab", "kill", &dc.to_string(), "--signal", "STOP"]);
    let s = lab.wait("a new DC after the DC froze", &others, |s| {
        settled(s, &others, true)
    });
    assert_ne!(s[0].engine.dc, Some(dc), "the frozen node is still DC");
    lab.ok(&["lab", "kill", &dc.to_string(), "--signal", "CONT"]);
    lab.wait("the frozen node rejoins", &[1, 2, 3], |s| {
        settled(s, &[1, 2, 3], true)
    });

    // 5. Partition {1,2} | {3}: the majority takes changes, the minority
    //    refuses them; healing converges to one CIB with the change.
    lab.ok(&["lab", "partition", "1,2", "3"]);
    lab.wait("majority side", &[1, 2], |s| settled(s, &[1, 2], true));
    lab.wait("minority side", &[3], |s| settled(s, &[3], false));
    match lab.set_attr(1, "n1", "during-partition", "yes") {
        Some(Response::Done { .. }) => {}
        other => panic!("update on the majority side: {other:?}"),
    }
    match lab.set_attr(3, "n3", "minority", "yes") {
        Some(Response::Refused { reason }) => assert!(reason.contains("no quorum"), "{reason}"),
        other => panic!("update on the minority side should be refused: {other:?}"),
    }
    lab.ok(&["lab", "heal"]);
    lab.wait("one cluster after healing", &[1, 2, 3], |s| {
        settled(s, &[1, 2, 3], true)
    });
    let deadline = Instant::now() + DEADLINE;
    loop {
        let cibs: Vec<Option<String>> = (1..=3).map(|i| lab.cib(i)).collect();
        let same = cibs.iter().all(|c| c.is_some() && *c == cibs[0]);
        if same
            && cibs[0]
                .as_deref()
                .is_some_and(|x| x.contains("during-partition"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the CIBs did not converge after healing"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Every node's CIB file on disk is the same text as in memory.
    let disk: Vec<String> = (1..=3)
        .map(|i| std::fs::read_to_string(lab.dir.join(format!("n{i}/cib.xml"))).expect("cib file"))
        .collect();
    assert!(
        disk.iter().all(|d| *d == disk[0]),
        "CIB files differ between nodes"
    );

    // 6. The lab's fence agent, run as a fence agent (stdin protocol):
    //    off kills node 3, status says off, the others lose it; on brings it back.
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/fence_pacer_lab");
    let fence = |action: &str| -> (i32, String) {
        let mut child = Command::new(&agent)
            .env("PACER", PACER)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run fence_pacer_lab");
        let args = format!(
            "action={action}\nport=n3\nnodename=n3\nlab_dir={}\nlab_prefix=plt\n",
            lab.dir.display()
        );
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(args.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("fence agent output");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    };
    assert_eq!(fence("status").0, 0, "node 3 runs");
    // From inside node 1 (where a node's fencer runs; its /run is private,
    // so the agent finds node 3 through its processes), by options.
    let dir = lab.dir.display().to_string();
    let inside = |action: &str| {
        lab.pacer(&[
            "lab",
            "exec",
            "1",
            PACER,
            "lab",
            "fence",
            "-o",
            action,
            "-n",
            "n3",
            "--lab-dir",
            &dir,
            "--lab-prefix",
            "plt",
        ])
    };
    let out = inside("status");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = inside("off");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(fence("status").0, 2, "node 3 is off");
    lab.wait("nodes 1 and 2 after fencing node 3", &[1, 2], |s| {
        settled(s, &[1, 2], true)
    });
    let (code, text) = fence("metadata");
    assert!(
        code == 0 && text.contains(r#"<resource-agent name="fence_pacer_lab""#),
        "{text}"
    );
    let (code, text) = fence("on");
    assert_eq!(code, 0, "{text}");
    assert_eq!(fence("status").0, 0, "node 3 is on again");
    lab.wait("node 3 back after on", &[1, 2, 3], |s| {
        settled(s, &[1, 2, 3], true)
    });

    // 7. The controller: a configured Dummy resource starts on one node;
    //    when its state file disappears (the "process" died), the failing
    //    monitor is counted and the resource restarted.
    let cib = lab.cib(1).expect("the CIB of node 1");
    assert!(
        cib.contains("<crm_config/>") && cib.contains("<resources/>"),
        "{cib}"
    );
    let new = cib
        .replace(
            "<crm_config/>",
            r#"<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>"#,
        )
        .replace(
            "<resources/>",
            r#"<resources><primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="dummy-monitor-2s" name="monitor" interval="2s" timeout="20s"/></operations></primitive></resources>"#,
        );
    match lab.call(
        1,
        &Request::Change {
            op: replica::ops::CibOp::ReplaceConfiguration {
                cib_xml: new,
                base: None,
            },
        },
    ) {
        Some(Response::Done { .. }) => {}
        other => panic!("configuring the resource: {other:?}"),
    }
    let state_file = |i: u32| {
        lab.pid(i).map(|p| {
            PathBuf::from(format!(
                "/proc/{p}/root/run/resource-agents/Dummy-dummy.state"
            ))
        })
    };
    let running_on = || -> Vec<u32> {
        (1..=3)
            .filter(|i| state_file(*i).is_some_and(|f| f.exists()))
            .collect()
    };
    let deadline = Instant::now() + DEADLINE;
    let node = loop {
        let on = running_on();
        let started = lab.cib(1).is_some_and(|x| {
            x.contains(r#"operation_key="dummy_monitor_2000""#) && x.contains(r#"rc-code="0""#)
        });
        if on.len() == 1 && started {
            break on[0];
        }
        assert!(
            Instant::now() < deadline,
            "dummy did not start on one node (running on {on:?}); logs in {}",
            lab.dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let file = state_file(node).expect("the node's state file");
    std::fs::remove_file(&file).expect("remove the state file");
    let deadline = Instant::now() + DEADLINE;
    loop {
        let counted = lab
            .cib(1)
            .is_some_and(|x| x.contains(r#"name="fail-count-dummy#monitor_2000" value="1""#));
        let on = running_on();
        if counted && on.len() == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the failed dummy was not counted and restarted (running on {on:?}); logs in {}",
            lab.dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn pacerd_refuses_a_corrupt_or_missing_cib() {
    let pacerd = pacerd();
    let dir = std::env::temp_dir().join(format!("pacer-cib-refuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cib = dir.join("cib.xml");
    let run = || {
        Command::new(&pacerd)
            .arg("--cib")
            .arg(&cib)
            .arg("--socket")
            .arg(dir.join("s.sock"))
            .output()
            .expect("run pacerd")
    };
    let out = run();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no CIB here") && err.contains("pacer cluster new-cib"),
        "{err}"
    );
    let out = Command::new(PACER)
        .args(["cluster", "new-cib"])
        .arg(&cib)
        .output()
        .expect("pacer");
    assert!(out.status.success());
    let text = std::fs::read_to_string(&cib).expect("read");
    std::fs::write(&cib, text.replace("epoch=\"0\"", "epoch=\"5\"")).expect("write");
    let out = run();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("corrupt") && err.contains("checksum mismatch"),
        "{err}"
    );
    // The refused file is left as it was.
    assert!(std::fs::read_to_string(&cib)
        .expect("read")
        .contains("epoch=\"5\""));
    let _ = std::fs::remove_dir_all(&dir);
}
