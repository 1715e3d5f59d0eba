//! The failover benchmarks' shared pieces (the benchmark resource, where it
//! runs) and the two that compare with the Pacemaker reference lab's
//! `meas_b` and `footprint`: `pacer lab bench node` (the node running the
//! resource freezes → the resource runs on another node) and `pacer lab
//! bench footprint` (idle memory and CPU per node).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::{alive, fresh_lab, log_events, percentile, wall_ms, Lab};

/// The benchmark resource's id.
pub(super) const RSC: &str = "bench";

/// The lab fence device of the lab test (fence_pacer_lab for every node).
const FENCE_DEVICE: &str = r#"<primitive id="fence-lab" class="stonith" type="fence_pacer_lab"><instance_attributes id="fence-lab-ia"><nvpair id="fence-lab-hosts" name="pcmk_host_list" value="n1 n2 n3"/></instance_attributes><operations><op id="fence-lab-monitor" name="monitor" interval="60s"/></operations></primitive>"#;

/// The benchmark resource's agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BenchAgent {
    /// `ocf:pacemaker:Dummy`: its "process" is its state file.
    Dummy,
    /// `ocf:heartbeat:anything` running `sleep infinity` (a pid file); its
    /// start logs in twice with `su -`, most of its start time.
    Anything,
    /// A minimal LSB service of the benchmark's own running `sleep
    /// infinity` (a pid file): the cluster's reaction without an agent's
    /// start cost.
    Sleeper,
}

impl BenchAgent {
    /// `--agent`: dummy, anything or sleeper.
    pub fn parse(agent: &str) -> anyhow::Result<Self> {
        match agent {
            "dummy" => Ok(BenchAgent::Dummy),
            "anything" => Ok(BenchAgent::Anything),
            "sleeper" => Ok(BenchAgent::Sleeper),
            other => bail!("--agent {other}: use anything, dummy or sleeper"),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            BenchAgent::Dummy => "ocf:pacemaker:Dummy",
            BenchAgent::Anything => "ocf:heartbeat:anything (sleep infinity)",
            BenchAgent::Sleeper => "lsb:bench-sleeper (sleep infinity, no su)",
        }
    }
}

/// The LSB script of [`BenchAgent::Sleeper`]. The daemon stays in the
/// script's process group, which the executor watches after a start.
const SLEEPER: &str = r#"#!/bin/sh
# pacer lab bench: a minimal LSB service whose daemon is `sleep infinity`.
PIDFILE=/run/bench-sleeper.pid
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "$1" in
start) running && exit 0
       sleep infinity </dev/null >/dev/null 2>&1 &
       echo $! > "$PIDFILE"; exit 0 ;;
stop) running && kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; exit 0 ;;
status) running && exit 0; [ -f "$PIDFILE" ] && exit 1; exit 3 ;;
*) exit 3 ;;
esac
"#;

/// The benchmark resource on a lab.
pub(super) struct BenchRsc<'a> {
    pub lab: &'a Lab,
    pub agent: BenchAgent,
}

impl BenchRsc<'_> {
    /// Its "process" is a state file, not a process.
    pub fn dummy(&self) -> bool {
        self.agent == BenchAgent::Dummy
    }

    /// Replaces the lab's configuration with the benchmark resource
    /// (monitor every `interval`), `resource-stickiness=100` as the
    /// reference lab, and either fencing (the lab's fence device) or
    /// `stonith-enabled=false`.
    pub fn configure(&self, interval: &str, fencing: bool) -> anyhow::Result<()> {
        if cib::value::parse_duration_ms(interval).is_none() {
            bail!("--interval {interval}: not a duration (10s, 1s, 500ms)");
        }
        let sock = self.lab.socket(1).context("node 1's socket")?;
        let cib = crate::status::fetch_cib(&sock)?;
        let ops = format!(
            r#"<operations><op id="{RSC}-monitor" name="monitor" interval="{interval}" timeout="20s"/></operations>"#
        );
        let primitive = match self.agent {
            BenchAgent::Dummy => format!(
                r#"<primitive id="{RSC}" class="ocf" provider="pacemaker" type="Dummy">{ops}</primitive>"#
            ),
            BenchAgent::Anything => format!(
                r#"<primitive id="{RSC}" class="ocf" provider="heartbeat" type="anything"><instance_attributes id="{RSC}-ia"><nvpair id="{RSC}-bin" name="binfile" value="/bin/sleep"/><nvpair id="{RSC}-args" name="cmdline_options" value="infinity"/><nvpair id="{RSC}-pidfile" name="pidfile" value="/run/anything_{RSC}.pid"/></instance_attributes>{ops}</primitive>"#
            ),
            BenchAgent::Sleeper => {
                // The lab's directory is on the host's filesystem, which
                // every node sees.
                let script = self.lab.dir.join("bench-sleeper");
                std::fs::write(&script, SLEEPER)
                    .with_context(|| format!("writing {}", script.display()))?;
                std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                    .with_context(|| format!("making {} executable", script.display()))?;
                format!(
                    r#"<primitive id="{RSC}" class="lsb" type="{}">{ops}</primitive>"#,
                    script.display()
                )
            }
        };
        let (stonith, device) = if fencing {
            ("true", FENCE_DEVICE)
        } else {
            ("false", "")
        };
        for part in ["<crm_config/>", "<resources/>", "<constraints/>"] {
            if !cib.contains(part) {
                bail!("the lab's CIB is not empty ({part} missing): use a fresh lab");
            }
        }
        let new = cib
            .replace(
                "<crm_config/>",
                &format!(
                    r#"<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="{stonith}"/></cluster_property_set></crm_config>"#
                ),
            )
            .replace("<resources/>", &format!("<resources>{device}{primitive}</resources>"))
            .replace(
                "<constraints/>",
                r#"<constraints/><rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rsc-options-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>"#,
            );
        let mut client = control::Client::connect(&sock)?;
        match client.call(&control::Request::Change {
            op: replica::ops::CibOp::ReplaceConfiguration {
                cib_xml: new,
                base: None,
            },
        })? {
            control::Response::Done { .. } => Ok(()),
            other => bail!("configuring the benchmark resource: {other:?}"),
        }
    }

    /// Its state file (Dummy) or pid file (anything) on node `i`.
    pub fn marker(&self, i: u32) -> Option<PathBuf> {
        let p = self.lab.pacerd_pid(i)?;
        Some(PathBuf::from(match self.agent {
            BenchAgent::Dummy => format!("/proc/{p}/root/run/Dummy-{RSC}.state"),
            BenchAgent::Anything => format!("/proc/{p}/root/run/anything_{RSC}.pid"),
            BenchAgent::Sleeper => format!("/proc/{p}/root/run/bench-sleeper.pid"),
        }))
    }

    /// The live process of `anything` on node `i`.
    pub fn live_pid(&self, i: u32) -> Option<i32> {
        let text = std::fs::read_to_string(self.marker(i)?).ok()?;
        let pid: i32 = text.trim().parse().ok()?;
        alive(pid).then_some(pid)
    }

    /// Runs on node `i` (its state file exists, or its process lives).
    pub fn running(&self, i: u32) -> bool {
        if self.dummy() {
            self.marker(i).is_some_and(|m| m.exists())
        } else {
            self.live_pid(i).is_some()
        }
    }

    /// Where node `obs`'s CIB locates it (`crm_resource --locate`).
    pub fn located(&self, obs: u32) -> Vec<String> {
        self.lab
            .socket(obs)
            .and_then(|s| crate::status::fetch_cib(&s).ok())
            .and_then(|cib| admin::locate(&cib, RSC, (wall_ms() / 1000) as i64).ok())
            .map(|v| v.into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default()
    }

    /// Waits until it runs on one node, which node 1's CIB agrees with.
    pub fn settle(&self, what: &str) -> anyhow::Result<u32> {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let on: Vec<u32> = (1..=3).filter(|i| self.running(*i)).collect();
            if let [node] = on.as_slice() {
                if self.located(1) == [format!("n{node}")] {
                    return Ok(*node);
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "{what}: the resource did not settle on one node within 90 s (running on {on:?}); see {}/n*/pacerd.log",
                    self.lab.dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The first `t_ms` of a pacerd log line at or after `since` containing
/// every one of `parts`.
pub(super) fn first_line(path: &Path, since: u128, parts: &[&str]) -> Option<u128> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|x| parts.iter().all(|p| x.contains(p)))
        .filter_map(|x| {
            x.split("t_ms=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .find(|t| *t >= since)
}

/// `p50 … p95 …` of a list (sorted here), in ms.
fn p50_p95(v: &mut [f64]) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    format!(
        "p50 {:.0} ms p95 {:.0} ms",
        percentile(v, 0.5),
        percentile(v, 0.95)
    )
}

/// `pacer lab bench node`.
pub(super) fn bench_node(
    dir: &Path,
    runs: u32,
    agent: &str,
    token: u32,
    fencing: bool,
) -> anyhow::Result<ExitCode> {
    let agent = BenchAgent::parse(agent)?;
    let guard = fresh_lab(dir, 3, Some(token))?;
    let l = &guard.0;
    let r = BenchRsc { lab: l, agent };
    r.configure("1s", fencing)?;
    println!(
        "node frozen → resource running on another node: 3 nodes, token {token} ms, {} with a 1 s monitor, {}; corosync and pacerd of the node running it SIGSTOPped; times from the freeze",
        agent.describe(),
        if fencing { "fencing by fence_pacer_lab (reboot)" } else { "stonith-enabled=false" }
    );
    println!(
        "{:>4} {:>6} {:>8} {:>9} {:>10} {:>11} {:>10}",
        "run", "victim", "view_ms", "fenced_ms", "started_ms", "located_ms", "pacer_ms"
    );
    println!("(view: every survivor's corosync view lacks the victim; fenced: the fencing confirmed; started: the start's success at a survivor (its log); located: an observer's CIB locates it on another node (meas_b's measure); pacer: located − fenced, or − view without fencing)");
    let (mut views, mut fenced_v, mut started_v, mut located_v, mut added) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 1..=runs {
        let victim = r.settle("before the run")?;
        let dc = l.status(1).and_then(|s| s.engine.dc);
        let survivors: Vec<u32> = (1..=3).filter(|i| *i != victim).collect();
        let obs = survivors[0];
        let vname = format!("n{victim}");
        let t0 = wall_ms();
        l.signal(victim, "STOP")?;
        let deadline = Instant::now() + Duration::from_secs(120);
        let located = loop {
            let at = r.located(obs);
            if at.len() == 1 && at[0] != vname {
                break wall_ms();
            }
            if Instant::now() > deadline {
                bail!(
                    "run {run}: the resource was not located elsewhere within 120 s (at {at:?}); see {}/n*/pacerd.log",
                    dir.display()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // From the survivors' logs.
        let logs: Vec<PathBuf> = survivors
            .iter()
            .map(|s| l.node_dir(*s).join("pacerd.log"))
            .collect();
        let view = logs
            .iter()
            .filter_map(|p| {
                log_events(p, t0, "view")
                    .into_iter()
                    .find(|(_, m, _)| !m.contains(&victim))
                    .map(|e| e.0)
            })
            .max();
        let fenced = logs
            .iter()
            .filter_map(|p| {
                first_line(
                    p,
                    t0,
                    &["event=fenced", &format!("target={vname} "), "ok=true"],
                )
            })
            .min();
        let started = logs
            .iter()
            .filter_map(|p| first_line(p, t0, &[&format!("event=op {RSC}_start_0"), "ok"]))
            .min();
        let ms = |t: Option<u128>| t.map_or(-1.0, |t| t.saturating_sub(t0) as f64);
        let base = if fencing { fenced } else { view };
        let own = base.map_or(-1.0, |b| located.saturating_sub(b) as f64);
        println!(
            "{run:>4} {:>6} {:>8.0} {:>9.0} {:>10.0} {:>11.0} {:>10.0}",
            format!("{vname}{}", if dc == Some(victim) { "*" } else { "" }),
            ms(view),
            ms(fenced),
            ms(started),
            (located - t0) as f64,
            own
        );
        views.push(ms(view));
        fenced_v.push(ms(fenced));
        started_v.push(ms(started));
        located_v.push((located - t0) as f64);
        added.push(own);
        // Back for the next run: fencing rebooted it already (the lab's
        // agent powers it off and on); otherwise power it off and on here,
        // as meas_b's hardkill + start.
        if !fencing {
            super::fence::off(l, victim)?;
            l.start(victim)?;
        }
        l.wait_ready(Duration::from_secs(120))?;
    }
    println!("(* = the victim was the DC)");
    println!(
        "{runs} runs: view {}; {}started {}; located elsewhere {}; pacer's own share (located − {}) {}",
        p50_p95(&mut views),
        if fencing {
            format!("fenced {}; ", p50_p95(&mut fenced_v))
        } else {
            String::new()
        },
        p50_p95(&mut started_v),
        p50_p95(&mut located_v),
        if fencing { "fenced" } else { "view" },
        p50_p95(&mut added),
    );
    drop(guard);
    Ok(ExitCode::SUCCESS)
}

/// One process's memory (kB): RSS, PSS.
fn memory_kb(pid: i32) -> (u64, u64) {
    let field = |path: String, name: &str| -> u64 {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (
        field(format!("/proc/{pid}/status"), "VmRSS:"),
        field(format!("/proc/{pid}/smaps_rollup"), "Pss:"),
    )
}

/// A process's CPU time in clock ticks: its own (utime + stime, what the
/// reference lab's footprint counts) and its reaped children's (cutime +
/// cstime: the agents an executor ran).
fn cpu_ticks(pid: i32) -> (u64, u64) {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| parse_cpu_ticks(&s))
        .unwrap_or((0, 0))
}

/// See [`cpu_ticks`]: fields 14–17 of `/proc/PID/stat`.
fn parse_cpu_ticks(stat: &str) -> Option<(u64, u64)> {
    let rest: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    // `rest` starts at field 3 (state).
    let f = |n: usize| -> Option<u64> { rest.get(n - 3)?.parse().ok() };
    Some((f(14)? + f(15)?, f(16)? + f(17)?))
}

fn exe_name(pid: i32) -> String {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "?".into())
}

/// `pacer lab bench footprint`.
pub(super) fn bench_footprint(dir: &Path, seconds: u64, token: u32) -> anyhow::Result<ExitCode> {
    let guard = fresh_lab(dir, 3, Some(token))?;
    let l = &guard.0;
    let r = BenchRsc {
        lab: l,
        agent: BenchAgent::Dummy,
    };
    r.configure("1s", false)?;
    r.settle("the resource starting")?;
    // Let start-up work (probes, first monitors, CIB writes) pass.
    std::thread::sleep(Duration::from_secs(5));
    println!("idle footprint per node: 3 nodes, token {token} ms, one Dummy resource with a 1 s monitor, stonith-enabled=false; every process in the node's network namespace (corosync, pacerd, the lab's reaper, agents running at that moment)");
    let hz = rustix::param::clock_ticks_per_second() as f64;
    let mut before = Vec::new();
    for i in 1..=3 {
        let pids = super::fence::node_pids(l, i);
        let (mut rss, mut pss, mut coro_rss) = (0, 0, 0);
        let mut parts = Vec::new();
        for p in &pids {
            let (a, b) = memory_kb(*p);
            rss += a;
            pss += b;
            let name = exe_name(*p);
            if name == "corosync" {
                coro_rss += a;
            }
            parts.push(format!("{name} {a}"));
        }
        println!(
            "n{i}: {} processes, RSS {rss} kB (corosync {coro_rss} kB), PSS {pss} kB [{}]",
            pids.len(),
            parts.join(", ")
        );
        before.push(
            pids.iter()
                .map(|p| (*p, exe_name(*p), cpu_ticks(*p)))
                .collect::<Vec<_>>(),
        );
    }
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let secs = t0.elapsed().as_secs_f64();
    for (i, procs) in before.iter().enumerate() {
        let (mut all, mut coro, mut pacerd, mut children) = (0u64, 0u64, 0u64, 0u64);
        for (p, name, (own, kids)) in procs {
            let (own2, kids2) = cpu_ticks(*p);
            let d = own2.saturating_sub(*own);
            all += d;
            children += kids2.saturating_sub(*kids);
            match name.as_str() {
                "corosync" => coro += d,
                "pacerd" => pacerd += d,
                _ => {}
            }
        }
        let pct = |t: u64| 100.0 * t as f64 / hz / secs;
        println!(
            "n{}: idle CPU over {secs:.0} s: {:.2} % (corosync {:.2} %, pacerd {:.2} %); with the agents they ran (reaped children) {:.2} %",
            i + 1,
            pct(all),
            pct(coro),
            pct(pacerd),
            pct(all + children)
        );
    }
    drop(guard);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_read_fields_14_to_17() {
        // A command with spaces and parentheses, as /proc shows it.
        let stat = "123 (a (b) c) S 1 123 123 0 -1 4194560 100 0 0 0 7 3 20 10 20 0 1 0 5 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some((10, 30)));
        assert_eq!(parse_cpu_ticks("123 (x) S 1"), None);
    }

    #[test]
    fn percentiles_of_runs() {
        let mut v = vec![30.0, 10.0, 20.0];
        assert_eq!(p50_p95(&mut v), "p50 20 ms p95 30 ms");
    }
}
