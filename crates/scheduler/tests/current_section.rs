//! Runs the unpack stage and the status printer over every case of the
//! shared scheduler corpus and counts how many "Current cluster status"
//! sections match crm_simulate's. The count may not drop below the floor in
//! `current-section.floor`; raise the floor when it goes up.

mod common;

use std::path::PathBuf;

use scheduler::summary::{self, ShowOptions};

fn floor_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/current-section.floor")
}

/// What `pacer simulate -S` prints before "Transition Summary".
fn render(xml: &str) -> Result<String, String> {
    let (cib, _) = cib::Cib::from_xml_lenient(xml).map_err(|e| e.to_string())?;
    let now = match cib.execution_date {
        Some(t) if t != 0 => t,
        _ => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let state = scheduler::unpack(&cib, now);
    let (mut text, printed) = summary::preamble(&state);
    text.push_str(&summary::cluster_status(
        &state,
        "Current cluster status",
        ShowOptions::default(),
        printed,
    ));
    Ok(text)
}

#[test]
fn current_section_matches_crm_simulate() {
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
            Ok(got) => common::current_section(&got) == common::current_section(&expected),
            Err(_) => false,
        };
        if ok {
            passed += 1;
        } else {
            failed.push(name.to_string());
        }
    }
    println!("current section: {passed} passed, {} failed", failed.len());
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
