//! `scheduler::mon::render` against the real `crm_mon -1` (run at test time
//! with `CIB_file=` on every corpus case as `crm_mon -1 -r -f`, and on every
//! third as plain `crm_mon -1`). The clock-dependent "Last updated" line is dropped from
//! both sides. The number of cases whose both outputs match exactly may not
//! drop below the floor in `mon.floor`. Skipped when crm_mon is not installed
//! (`.ci/run` installs it with pacemaker-cli-utils).

use std::process::Command;

use corpus::{Case, Ratchet};
use scheduler::mon::{render, MonOptions};

fn crm_mon_installed() -> bool {
    Command::new("crm_mon").arg("--version").output().is_ok()
}

fn normalise(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("  * Last updated: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn crm_mon(case: &Case, extra: &[&str]) -> Option<String> {
    let out = Command::new("crm_mon")
        .arg("-1")
        .args(extra)
        .env("CIB_file", case.xml_path())
        .env("TZ", "UTC")
        .output()
        .ok()?;
    Some(normalise(&String::from_utf8_lossy(&out.stdout)))
}

fn ours(case: &Case, inactive: bool, failcounts: bool, now: i64) -> Option<String> {
    let (cib, _) = cib::Cib::from_xml_lenient(&case.xml()).ok()?;
    let st = scheduler::unpack(&cib, now);
    let opts = MonOptions {
        inactive,
        failcounts,
        now_s: now,
        utc_offset_s: 0,
    };
    Some(normalise(&render(&cib, &st, &opts)))
}

/// `-r -f` on every case; plain `-1` (active resources only) on every
/// third, to keep the test short.
fn matches(case: &Case, index: usize) -> bool {
    let now = corpus::clock_now();
    let full = crm_mon(case, &["-r", "-f"]) == ours(case, true, true, now);
    full && (index % 3 != 0 || crm_mon(case, &[]) == ours(case, false, false, now))
}

#[test]
fn crm_mon_one_shot_matches() {
    if !crm_mon_installed() {
        eprintln!("crm_mon is not installed: skipped (apt-get install pacemaker-cli-utils)");
        return;
    }
    if let Ok(name) = std::env::var("PACER_MON_CASE") {
        let case = corpus::cases()
            .into_iter()
            .find(|c| c.name == name)
            .expect("no such case");
        let now = corpus::clock_now();
        println!(
            "--- crm_mon\n{}",
            crm_mon(&case, &["-r", "-f"]).unwrap_or_default()
        );
        println!(
            "--- ours\n{}",
            ours(&case, true, true, now).unwrap_or_default()
        );
        println!("--- crm_mon\n{}", crm_mon(&case, &[]).unwrap_or_default());
        println!(
            "--- ours\n{}",
            ours(&case, false, false, now).unwrap_or_default()
        );
        return;
    }
    // crm_mon spends its time starting up: run a few at once.
    let cases = corpus::cases();
    let threads = 4;
    let results: Vec<(String, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let cases = &cases;
                std::thread::Builder::new()
                    .stack_size(256 << 20)
                    .spawn_scoped(scope, move || {
                        cases
                            .iter()
                            .enumerate()
                            .skip(t)
                            .step_by(threads)
                            .map(|(i, c)| (c.name.clone(), matches(c, i)))
                            .collect::<Vec<_>>()
                    })
                    .expect("cannot start a corpus thread")
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a corpus case panicked"))
            .collect()
    });
    let failed: Vec<String> = results
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n.clone())
        .collect();
    Ratchet {
        floor_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mon.floor").into(),
        what: "crm_mon -1 (plain and -r -f)",
    }
    .check(results.len() - failed.len(), &failed);
}
