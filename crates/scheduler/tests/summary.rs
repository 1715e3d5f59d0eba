//! Runs the whole scheduler (unpack, placement, actions, graph, simulated
//! execution) over every case of the shared scheduler corpus and counts how
//! many `crm_simulate -S` outputs match, compared as the conformance tool
//! compares them. The count may not drop below the floor in
//! `summary.floor`; raise the floor when it goes up.

mod common;

use std::path::PathBuf;

fn floor_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/summary.floor")
}

/// What `pacer simulate -x FILE -S` prints.
fn render(xml: &str) -> Result<String, String> {
    let (cib, _) = cib::Cib::from_xml_lenient(xml).map_err(|e| e.to_string())?;
    let (now, notice) = match cib.execution_date {
        Some(t) if t != 0 => (
            t,
            Some(format!(
                "Using the original execution date of: {}",
                scheduler::time::format_utc(t)
            )),
        ),
        _ => (
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            None,
        ),
    };
    Ok(scheduler::simulation::simulate_text(
        &cib,
        now,
        notice.as_deref(),
    ))
}

fn check_corpus() {
    let dir = common::corpus_dir();
    let tests = std::fs::read_to_string(dir.join("tests.tsv"))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.join("tests.tsv").display()));
    let floor: usize = std::fs::read_to_string(floor_file())
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("{} must hold a number", floor_file().display()));
    let mut passed = 0;
    let mut failed = Vec::new();
    for line in tests.lines().skip(1) {
        let Some(name) = line.split('\t').next().filter(|n| !n.is_empty()) else {
            continue;
        };
        let xml = std::fs::read_to_string(dir.join("xml").join(format!("{name}.xml")))
            .unwrap_or_default();
        let expected = std::fs::read_to_string(dir.join("summary").join(format!("{name}.summary")))
            .unwrap_or_default();
        let ok = match render(&xml) {
            Ok(got) => common::whole_summary(&got) == common::whole_summary(&expected),
            Err(_) => false,
        };
        if ok {
            passed += 1;
        } else {
            failed.push(name.to_string());
        }
    }
    println!("whole summary: {passed} passed, {} failed", failed.len());
    for f in &failed {
        println!("  differs: {f}");
    }
    assert!(
        passed >= floor,
        "{passed} cases pass, fewer than the floor of {floor} in {}",
        floor_file().display()
    );
    if passed > floor {
        println!(
            "hint: {passed} pass now; raise the floor in {} to keep it",
            floor_file().display()
        );
    }
}

#[test]
fn whole_summary_matches_crm_simulate() {
    // The action stage recurses along orderings as Pacemaker does.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(check_corpus)
        .expect("thread")
        .join()
        .expect("the corpus check failed");
}
