//! `scheduler::mon_xml::render` against the real `crm_mon -1 --output-as=xml`
//! (run at test time with `CIB_file=` on every corpus case). Only the
//! sections pacer writes are compared (summary, nodes, resources,
//! node_attributes, node_history, failures, bans, status; not fencing
//! history or tickets; crm_mon unpacks the constraints to show those, so a lost
//! ticket's freeze or fence shows in the compared sections too, as in
//! pacer's).; the
//! clock-dependent `<last_update>` line is dropped from both sides. The
//! number of cases whose compared sections all match may not drop below
//! the floor in `mon_xml.floor`. Skipped when crm_mon is not installed.
//! `PACER_MON_CASE=name` prints both sides for one case.

use std::process::Command;

use corpus::{Case, Ratchet};
use scheduler::mon::MonOptions;

const REQUEST: &str = "crm_mon -1 --output-as=xml";

fn crm_mon_installed() -> bool {
    Command::new("crm_mon").arg("--version").output().is_ok()
}

/// The sections pacer writes, without `<last_update>`.
fn compared(xml: &str) -> String {
    let mut keep = false;
    let mut out = String::new();
    for l in xml.lines() {
        let t = l.trim_start();
        if l.starts_with("  <") && !l.starts_with("    ") {
            keep = [
                "<summary",
                "</summary",
                "<nodes",
                "</nodes",
                "<resources",
                "</resources",
                "<node_attributes",
                "</node_attributes",
                "<node_history",
                "</node_history",
                "<bans",
                "</bans",
                "<failures",
                "</failures",
                "<status",
            ]
            .iter()
            .any(|p| t.starts_with(p));
        }
        if keep && !t.starts_with("<last_update ") {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

fn crm_mon(case: &Case) -> Option<String> {
    let out = Command::new("crm_mon")
        .args(["-1", "--output-as=xml"])
        .env("CIB_file", case.xml_path())
        .env("TZ", "UTC")
        .output()
        .ok()?;
    Some(compared(&String::from_utf8_lossy(&out.stdout)))
}

fn ours(case: &Case, now: i64) -> Option<String> {
    let (cib, _) = cib::Cib::from_xml_lenient(&case.xml()).ok()?;
    let st = scheduler::unpack(&cib, now);
    let opts = MonOptions {
        inactive: false,
        failcounts: false,
        now_s: now,
        utc_offset_s: 0,
    };
    Some(compared(&scheduler::mon_xml::render(
        &cib, &st, &opts, REQUEST,
    )))
}

#[test]
fn crm_mon_xml_matches() {
    if !crm_mon_installed() {
        eprintln!("crm_mon is not installed: skipped (apt-get install pacemaker-cli-utils)");
        return;
    }
    let now = corpus::clock_now();
    if let Ok(name) = std::env::var("PACER_MON_CASE") {
        let case = corpus::cases()
            .into_iter()
            .find(|c| c.name == name)
            .expect("no such case");
        println!("--- crm_mon\n{}", crm_mon(&case).unwrap_or_default());
        println!("--- ours\n{}", ours(&case, now).unwrap_or_default());
        return;
    }
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
                            .skip(t)
                            .step_by(threads)
                            .map(|c| (c.name.clone(), crm_mon(c) == ours(c, now)))
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
        floor_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mon_xml.floor").into(),
        what: "crm_mon -1 --output-as=xml (summary, nodes, resources, node_attributes, node_history, failures, bans, status)",
    }
    .check(results.len() - failed.len(), &failed);
}
