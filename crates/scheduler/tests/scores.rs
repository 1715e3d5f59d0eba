//! Runs unpacking and placement over every case of the shared scheduler
//! corpus and counts how many score logs match `crm_simulate -sSQ` (the
//! corpus's `scores/` files), compared as the conformance tool compares
//! them in `--scores` mode: whitespace removed, blank lines dropped, lines
//! sorted. The count may not drop below the floor in `scores.floor`; raise
//! the floor when it goes up.

mod common;

use std::path::PathBuf;

fn floor_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scores.floor")
}

/// "Now" as `pacer simulate` chooses it: `-t` from the case's extra
/// arguments, else the CIB's execution date, else the clock.
fn now_for(cib: &cib::Cib, extra: &str) -> i64 {
    let mut words = extra.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-t" {
            if let Some(when) = words.next() {
                if let Some(t) = cib::iso8601::DateTime::parse(when)
                    .ok()
                    .filter(|d| d.is_valid())
                    .map(|d| d.epoch_seconds())
                    .or_else(|| scheduler::time::parse_iso8601(when))
                {
                    return t;
                }
            }
        }
    }
    match cib.execution_date {
        Some(t) if t != 0 => t,
        _ => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    }
}

/// The score log of one case, as `pacer simulate -sSQ` prints it.
fn render(xml: &str, extra: &str) -> Result<String, String> {
    let (cib, _) = cib::Cib::from_xml_lenient(xml).map_err(|e| e.to_string())?;
    let state = scheduler::unpack(&cib, now_for(&cib, extra));
    let placement = scheduler::simulation::placement(&cib, &state);
    Ok(scheduler::placement::score_text(&placement))
}

/// Lines without whitespace, blank ones dropped, sorted.
fn normalised(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines
}

fn run() {
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
        let mut fields = line.split('\t');
        let Some(name) = fields.next().filter(|n| !n.is_empty()) else {
            continue;
        };
        let extra = fields.nth(1).unwrap_or("");
        let xml = std::fs::read_to_string(dir.join("xml").join(format!("{name}.xml")))
            .unwrap_or_default();
        let expected = std::fs::read_to_string(dir.join("scores").join(format!("{name}.scores")))
            .unwrap_or_default();
        let ok = match render(&xml, extra) {
            Ok(got) => normalised(&got) == normalised(&expected),
            Err(_) => false,
        };
        if ok {
            passed += 1;
        } else {
            failed.push(name.to_string());
        }
    }
    println!("scores: {passed} passed, {} failed", failed.len());
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
fn scores_match_crm_simulate() {
    // Assignment follows colocation chains recursively, as Pacemaker does.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .expect("cannot start the test thread")
        .join()
        .expect("the scores test failed");
}
