//! The cluster layer on real Corosync: a 3-node lab in network namespaces.
//!
//! Then, with fencing enabled and the lab's fence device (fence_pacer_lab):
//! a killed resource process restarted in place and counted, cleanup,
//! migration-threshold, standby/online, move/clear, a frozen node fenced
//! before its resource starts elsewhere, a stop failure fenced.
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
    // `PACER_LAB_SCENARIOS=resources` runs only the resource scenarios
    // (while working on them).
    if std::env::var("PACER_LAB_SCENARIOS").is_ok_and(|v| v == "resources") {
        resources_and_fencing(&lab);
        return;
    }
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

    controller_dummy(&lab);
    resources_and_fencing(&lab);
}

/// Step 7, the controller: a configured Dummy resource starts on one node;
/// when its state file disappears (the "process" died), the failing
/// monitor is counted and the resource restarted.
fn controller_dummy(lab: &Lab) {
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

// ---- Resources, recovery, fencing and admin commands on the live cluster ----

/// How long a resource scenario waits for the cluster to act.
const RSC_DEADLINE: Duration = Duration::from_secs(60);

fn wall_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn now_s() -> i64 {
    (wall_ms() / 1000) as i64
}

/// A live process (zombies are dead: PID 1 here may not reap them).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// `t_ms=` of every line of `log` containing all of `parts`, after `since_ms`.
fn log_times(log: &str, since_ms: u128, parts: &[&str]) -> Vec<u128> {
    log.lines()
        .filter(|l| parts.iter().all(|p| l.contains(p)))
        .filter_map(|l| {
            l.split("t_ms=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .filter(|t| *t >= since_ms)
        .collect()
}

impl Lab {
    fn log(&self, i: u32) -> String {
        std::fs::read_to_string(self.dir.join(format!("n{i}/pacerd.log"))).unwrap_or_default()
    }

    /// The end of every node's log, for failure messages.
    fn logs_tail(&self) -> String {
        let mut s = String::new();
        for i in 1..=3 {
            let log = self.log(i);
            let lines: Vec<&str> = log.lines().collect();
            let from = lines.len().saturating_sub(40);
            s.push_str(&format!("---- n{i}/pacerd.log (last 40 lines) ----\n"));
            for l in &lines[from..] {
                s.push_str(l);
                s.push('\n');
            }
        }
        s
    }

    /// Polls `f` until it gives a value; on timeout fails naming `what`,
    /// with the last observation and the nodes' logs.
    fn until<T>(&self, what: &str, mut f: impl FnMut() -> Result<T, String>) -> T {
        let deadline = Instant::now() + RSC_DEADLINE;
        loop {
            let last = match f() {
                Ok(v) => return v,
                Err(e) => e,
            };
            if Instant::now() > deadline {
                panic!(
                    "timed out after {RSC_DEADLINE:?} waiting for: {what}\nlast seen: {last}\n{}\nlogs in {}",
                    self.logs_tail(),
                    self.dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Replaces the configuration (nodes kept) with these sections.
    fn configure(&self, crm_config: &str, resources: &str, constraints: &str) {
        let cib = self.cib(1).expect("the CIB of node 1");
        let start = cib.find("<configuration>").expect("a configuration") + "<configuration>".len();
        let end = cib.find("</configuration>").expect("a configuration end");
        let inner = &cib[start..end];
        let nodes = match (inner.find("<nodes"), inner.find("</nodes>")) {
            (Some(a), Some(b)) => &inner[a..b + "</nodes>".len()],
            (Some(a), None) => {
                let b = inner[a..].find("/>").expect("<nodes/>") + a;
                &inner[a..b + 2]
            }
            _ => "<nodes/>",
        };
        let new = format!(
            "{}<configuration><crm_config><cluster_property_set id=\"cib-bootstrap-options\">{crm_config}</cluster_property_set></crm_config>{nodes}<resources>{resources}</resources><constraints>{constraints}</constraints></configuration>{}",
            &cib[..start - "<configuration>".len()],
            &cib[end + "</configuration>".len()..]
        );
        match self.call(
            1,
            &Request::Change {
                op: replica::ops::CibOp::ReplaceConfiguration {
                    cib_xml: new,
                    base: None,
                },
            },
        ) {
            Some(Response::Done { .. }) => {}
            other => panic!("configuring: {other:?}"),
        }
    }

    /// Runs `pacer ARGS` inside node `i` (the live admin path: pacerd's socket).
    fn admin(&self, i: u32, args: &[&str]) -> String {
        let mut all = vec!["lab", "exec"];
        let n = i.to_string();
        all.push(&n);
        all.extend_from_slice(args);
        self.ok(&all)
    }

    /// The pid of `ocf:heartbeat:anything` resource `rsc` on node `i`, if alive.
    fn anything_pid(&self, i: u32, rsc: &str) -> Option<i32> {
        let p = self.pid(i)?;
        let text =
            std::fs::read_to_string(format!("/proc/{p}/root/run/anything_{rsc}.pid")).ok()?;
        let pid: i32 = text.trim().parse().ok()?;
        alive(pid).then_some(pid)
    }

    /// Nodes where `rsc`'s process runs.
    fn anything_on(&self, rsc: &str) -> Vec<u32> {
        (1..=3)
            .filter(|i| self.anything_pid(*i, rsc).is_some())
            .collect()
    }

    /// Where the CIB (node 1's) says `rsc` runs.
    fn located(&self, rsc: &str) -> Vec<String> {
        self.cib(1)
            .and_then(|x| admin::locate(&x, rsc, now_s()).ok())
            .map(|v| v.into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default()
    }

    /// `rsc`'s fail count on `node` (all operations) in node 1's CIB.
    fn failcount(&self, rsc: &str, node: &str) -> i32 {
        self.cib(1)
            .and_then(|x| admin::failcounts(&x, rsc, Some(node), now_s()).ok())
            .map(|v| v.iter().map(|f| f.count).sum())
            .unwrap_or(0)
    }

    /// `rsc`'s operations in crm_mon's "Failed Resource Actions" (node 1's CIB).
    fn failed_actions(&self, rsc: &str) -> Vec<String> {
        let Some(xml) = self.cib(1) else {
            return vec!["no CIB".into()];
        };
        let Ok((cib, _)) = cib::Cib::from_xml_lenient(&xml) else {
            return vec!["unreadable CIB".into()];
        };
        scheduler::unpack(&cib, now_s())
            .failed_ops
            .into_iter()
            .map(|f| f.op_key)
            .filter(|k| k.starts_with(&format!("{rsc}_")))
            .collect()
    }

    /// Waits until `rsc` (an `anything`) runs on node `i` only, by its
    /// process and in the CIB; gives its pid.
    fn anything_runs_on(&self, what: &str, rsc: &str, i: u32) -> i32 {
        self.until(what, || {
            let on = self.anything_on(rsc);
            let cib = self.located(rsc);
            match self.anything_pid(i, rsc) {
                Some(pid) if on == [i] && cib == [format!("n{i}")] => Ok(pid),
                _ => Err(format!("process on {on:?}, CIB says {cib:?}")),
            }
        })
    }

    /// Waits until all three nodes are one quorate cluster again.
    fn all_back(&self, what: &str) {
        self.until(what, || {
            let s: Vec<Option<Status>> = (1..=3).map(|i| self.status(i)).collect();
            if settled(&s, &[1, 2, 3], true) {
                Ok(())
            } else {
                Err(format!(
                    "{:?}",
                    s.iter()
                        .map(|s| s.as_ref().map(|s| (s.engine.members.clone(), s.engine.dc)))
                        .collect::<Vec<_>>()
                ))
            }
        });
    }

    /// The first `event=fenced target=NODE … ok=true` after `since_ms` on
    /// any node, and the first start of `rsc` after `since_ms` on a node
    /// other than `node`; asserts the fencing came first.
    fn fenced_before_start(&self, node: u32, rsc: &str, since_ms: u128) -> (u128, u128) {
        let target = format!("target=n{node} ");
        let fenced = self.until(&format!("n{node} fenced"), || {
            (1..=3)
                .flat_map(|i| {
                    log_times(
                        &self.log(i),
                        since_ms,
                        &["event=fenced", &target, "ok=true"],
                    )
                })
                .min()
                .ok_or_else(|| "no successful fencing logged".to_string())
        });
        let start_marker = format!("event=execute rsc={rsc} action=start ");
        let started = self.until(&format!("{rsc} started elsewhere"), || {
            (1..=3)
                .filter(|i| *i != node)
                .flat_map(|i| log_times(&self.log(i), since_ms, &[&start_marker]))
                .min()
                .ok_or_else(|| "no start logged".to_string())
        });
        assert!(
            fenced < started,
            "{rsc} started at t_ms={started} on another node before n{node} was fenced (t_ms={fenced})\n{}",
            self.logs_tail()
        );
        (fenced, started)
    }
}

/// The resource scenarios on the running 3-node lab, with fencing enabled
/// and the lab's fence device: recovery in place, migration-threshold,
/// cleanup, standby/online, move/clear, a frozen node fenced before its
/// resource starts elsewhere, a stop failure fenced.
fn resources_and_fencing(lab: &Lab) {
    let dc = lab
        .status(1)
        .and_then(|s| s.engine.dc)
        .expect("node 1 knows the DC");
    // The service prefers a node that is not the DC; `o` is the third one.
    let p = [2, 3, 1].into_iter().find(|i| *i != dc).unwrap_or(2);
    let o = (1..=3).find(|i| *i != dc && *i != p).unwrap_or(3);
    let (pn, on) = (format!("n{p}"), format!("n{o}"));
    let props = r#"<nvpair id="opt-stonith" name="stonith-enabled" value="true"/>"#;
    let fence = r#"<primitive id="fence-lab" class="stonith" type="fence_pacer_lab"><instance_attributes id="fence-lab-ia"><nvpair id="fence-lab-hosts" name="pcmk_host_list" value="n1 n2 n3"/></instance_attributes><operations><op id="fence-lab-monitor" name="monitor" interval="60s"/></operations></primitive>"#;
    let svc = |meta: &str| {
        format!(
            r#"<primitive id="svc" class="ocf" provider="heartbeat" type="anything"><instance_attributes id="svc-ia"><nvpair id="svc-bin" name="binfile" value="/bin/sleep"/><nvpair id="svc-args" name="cmdline_options" value="infinity"/><nvpair id="svc-pidfile" name="pidfile" value="/run/anything_svc.pid"/></instance_attributes>{meta}<operations><op id="svc-monitor" name="monitor" interval="10s" timeout="20s"/></operations></primitive>"#
        )
    };
    let prefers = format!(r#"<rsc_location id="svc-prefers" rsc="svc" node="{pn}" score="100"/>"#);
    lab.configure(props, &format!("{fence}{}", svc("")), &prefers);

    // A. It starts where it prefers.
    let pid = lab.anything_runs_on("svc running on its preferred node", "svc", p);

    // B. Its process killed: restarted on the same node, counted once.
    let t0 = Instant::now();
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    let pid2 = lab.until("svc restarted after its process was killed", || {
        match lab.anything_pid(p, "svc") {
            Some(x) if x != pid => Ok(x),
            _ => Err(format!("process on {:?}", lab.anything_on("svc"))),
        }
    });
    eprintln!(
        "lab: svc killed -> running again on {pn} in {} ms",
        t0.elapsed().as_millis()
    );
    lab.until("fail count 1 on the node after one failure", || {
        match lab.failcount("svc", &pn) {
            1 => Ok(()),
            n => Err(format!("fail count {n}")),
        }
    });
    assert_eq!(lab.anything_on("svc"), [p], "svc moved after one failure");
    assert_eq!(lab.anything_pid(p, "svc"), Some(pid2));

    // C. Cleanup resets the fail count and the failed-action record, for
    //    good: the node re-probes and does not write the failure back.
    let since = wall_ms();
    lab.admin(1, &["resource", "cleanup", "svc"]);
    lab.until("cleanup removed the fail count and the failure", || {
        let fc = lab.failcount("svc", &pn);
        let failed = lab.failed_actions("svc");
        if fc == 0 && failed.is_empty() {
            Ok(())
        } else {
            Err(format!("fail count {fc}, failed actions {failed:?}"))
        }
    });
    // The node records a result after the cleanup (the re-probe, or the
    // first result of a monitor the recovery had already asked for) and
    // does not write the failure back with it.
    lab.until("a result of svc recorded on its node after cleanup", || {
        let probes = log_times(&lab.log(p), since, &["event=op svc_monitor_"]);
        if probes.is_empty() {
            Err("no probe result yet".into())
        } else {
            Ok(())
        }
    });
    lab.anything_runs_on("svc still running after cleanup", "svc", p);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        lab.failed_actions("svc").is_empty() && lab.failcount("svc", &pn) == 0,
        "the failure came back after cleanup\n{}",
        lab.logs_tail()
    );

    // D. migration-threshold=1: one failure moves it.
    lab.configure(
        props,
        &format!(
            "{fence}{}",
            svc(r#"<meta_attributes id="svc-meta"><nvpair id="svc-mt" name="migration-threshold" value="1"/></meta_attributes>"#)
        ),
        &prefers,
    );
    let pid = lab.anything_runs_on("svc running before the threshold test", "svc", p);
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
    lab.until("svc moved away after one failure", || {
        let on = lab.anything_on("svc");
        let fc = lab.failcount("svc", &pn);
        if on.len() == 1 && on[0] != p && fc == 1 {
            Ok(())
        } else {
            Err(format!("process on {on:?}, fail count on {pn} {fc}"))
        }
    });
    lab.admin(1, &["resource", "cleanup", "svc"]);
    lab.anything_runs_on("svc back on its node after cleanup", "svc", p);

    // E. Standby moves it away, online brings it back.
    lab.admin(1, &["node", "standby", &pn]);
    lab.until("svc left the standby node", || {
        let on = lab.anything_on("svc");
        if on.len() == 1 && on[0] != p {
            Ok(())
        } else {
            Err(format!("process on {on:?}"))
        }
    });
    lab.admin(2, &["node", "online", &pn]);
    lab.anything_runs_on("svc back after online", "svc", p);

    // F. Move and clear.
    lab.admin(3, &["resource", "move", "svc", &on]);
    lab.anything_runs_on("svc moved", "svc", o);
    lab.admin(1, &["resource", "clear", "svc"]);
    lab.anything_runs_on("svc back after clear", "svc", p);

    // G. The node running it freezes: fenced (fence_pacer_lab reboots it),
    //    and only then does svc start elsewhere.
    let since = wall_ms();
    lab.ok(&["lab", "kill", &p.to_string(), "--signal", "STOP"]);
    let (fenced, started) = lab.fenced_before_start(p, "svc", since);
    // The node that ran it keeps it in its fencing history.
    let by = (1..=3)
        .find(|i| {
            !log_times(
                &lab.log(*i),
                since,
                &["event=fenced", &format!("target=n{p} "), "ok=true"],
            )
            .is_empty()
        })
        .expect("a node logged the fencing");
    let history = lab.admin(by, &["cluster", "fence-history"]);
    assert!(
        history.contains(&format!("reboot of n{p} successful: delegate=n{by}")),
        "{history}"
    );
    eprintln!(
        "lab: n{p} frozen -> fenced after {} ms, svc started elsewhere after {} ms",
        fenced - since,
        started - since
    );
    lab.all_back(&format!("n{p} back after its reboot"));
    lab.anything_runs_on("svc back on its node after the reboot", "svc", p);

    // H. A stop that fails (times out) fences the node; the resource is
    //    recovered on the node it was moved to.
    let slow = r#"<primitive id="slow" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="slow-ia"><nvpair id="slow-sleep" name="op_sleep" value="2"/></instance_attributes><operations><op id="slow-stop" name="stop" interval="0" timeout="1s"/><op id="slow-start" name="start" interval="0" timeout="20s"/><op id="slow-monitor" name="monitor" interval="20s" timeout="20s"/></operations></primitive>"#;
    let slow_prefers =
        format!(r#"<rsc_location id="slow-prefers" rsc="slow" node="{pn}" score="100"/>"#);
    lab.configure(
        props,
        &format!("{fence}{}{slow}", svc("")),
        &format!("{prefers}{slow_prefers}"),
    );
    lab.until("slow running on its node", || {
        let at = lab.located("slow");
        if at == [pn.clone()] {
            Ok(())
        } else {
            Err(format!("CIB says {at:?}"))
        }
    });
    let since = wall_ms();
    lab.admin(1, &["resource", "move", "slow", &on]);
    lab.fenced_before_start(p, "slow", since);
    lab.until("slow recovered on the node it was moved to", || {
        let at = lab.located("slow");
        if at == [on.clone()] {
            Ok(())
        } else {
            Err(format!("CIB says {at:?}"))
        }
    });
    lab.all_back(&format!(
        "n{p} back after being fenced for the stop failure"
    ));

    // I. The same on the DC's own node: the DC does not fence itself, a
    //    peer does it for it, once (the next DC records it, no second
    //    fencing), and the resource is recovered elsewhere.
    let dc = lab
        .status(1)
        .and_then(|s| s.engine.dc)
        .expect("node 1 knows the DC");
    let t = (1..=3).find(|i| *i != dc).unwrap_or(1);
    let (dcn, tn) = (format!("n{dc}"), format!("n{t}"));
    // `slow` stays where it is (every move of it fences); `slow2` is new.
    let slow2 = slow.replace("\"slow", "\"slow2");
    let keep = format!(
        r#"<rsc_location id="cli-prefer-slow" rsc="slow" role="Started" node="{on}" score="INFINITY"/>"#
    );
    let slow2_on_dc =
        format!(r#"<rsc_location id="slow2-prefers" rsc="slow2" node="{dcn}" score="100"/>"#);
    lab.configure(
        props,
        &format!("{fence}{}{slow}{slow2}", svc("")),
        &format!("{prefers}{slow_prefers}{keep}{slow2_on_dc}"),
    );
    lab.until("slow2 running on the DC's node", || {
        let at = lab.located("slow2");
        if at == [dcn.clone()] {
            Ok(())
        } else {
            Err(format!("CIB says {at:?}"))
        }
    });
    let since = wall_ms();
    lab.admin(t, &["resource", "move", "slow2", &tn]);
    lab.fenced_before_start(dc, "slow2", since);
    let own = log_times(
        &lab.log(dc),
        since,
        &["event=fenced", &format!("target={dcn} ")],
    );
    assert!(
        own.is_empty(),
        "the DC {dcn} fenced itself\n{}",
        lab.logs_tail()
    );
    lab.until("slow2 recovered after the DC was fenced", || {
        let at = lab.located("slow2");
        if at == [tn.clone()] {
            Ok(())
        } else {
            Err(format!("CIB says {at:?}"))
        }
    });
    lab.all_back(&format!(
        "{dcn} back after being fenced for the stop failure"
    ));
    let times: Vec<u128> = (1..=3)
        .flat_map(|i| {
            log_times(
                &lab.log(i),
                since,
                &["event=fenced", &format!("target={dcn} "), "ok=true"],
            )
        })
        .collect();
    assert_eq!(
        times.len(),
        1,
        "{dcn} was fenced {} times\n{}",
        times.len(),
        lab.logs_tail()
    );

    // J. no-quorum-policy=stop without fencing: the node cut off from the
    //    others stops what it runs (its own partition's DC decides so);
    //    the others, quorate, start it; after healing it comes back.
    let props = r#"<nvpair id="opt-stonith" name="stonith-enabled" value="false"/><nvpair id="opt-nqp" name="no-quorum-policy" value="stop"/>"#;
    lab.configure(props, &svc(""), &prefers);
    lab.anything_runs_on("svc on its node, without fencing", "svc", p);
    let rest: Vec<String> = (1..=3).filter(|i| *i != p).map(|i| i.to_string()).collect();
    let since = Instant::now();
    lab.ok(&["lab", "partition", &rest.join(","), &p.to_string()]);
    lab.until("svc stopped on the node without quorum", || {
        match lab.anything_pid(p, "svc") {
            None => Ok(()),
            Some(pid) => Err(format!("still running there as {pid}")),
        }
    });
    let stopped_ms = since.elapsed().as_millis();
    // Its status shows its own partition, as crm_mon's does.
    let status = lab.admin(p, &["status"]);
    assert!(status.contains("partition WITHOUT quorum"), "{status}");
    lab.until("svc started by the quorate side", || {
        let on = lab.anything_on("svc");
        if on.len() == 1 && on[0] != p {
            Ok(())
        } else {
            Err(format!("process on {on:?}"))
        }
    });
    eprintln!(
        "lab: n{p} cut off -> svc stopped there after {stopped_ms} ms, running elsewhere after {} ms",
        since.elapsed().as_millis()
    );
    lab.ok(&["lab", "heal"]);
    lab.all_back("one cluster after the split");
    lab.anything_runs_on("svc back on its node after the split", "svc", p);
}
