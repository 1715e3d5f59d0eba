//! Helpers shared by the scheduler's integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

/// The shared scheduler corpus: `PACER_CORPUS`, or `../shared` beside the
/// project checkout.
pub fn corpus_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PACER_CORPUS") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scheduler-corpus")
}

/// Legacy role names crm_simulate's expected output may use, and their
/// current spelling (the first match in a line is replaced, as the
/// conformance tool does).
fn normalise_roles(line: &str) -> String {
    let mut l = line.replacen("ocf::", "ocf:", 1);
    l = l.replacen("Masters:", "Promoted:", 1);
    l = l.replacen("Slaves:", "Unpromoted:", 1);
    // " Master" followed by a space, '[' or the end of the line.
    if let Some(pos) = find_master(&l) {
        l.replace_range(pos..pos + " Master".len(), " Promoted");
    }
    l = l.replacen(" Slave ", " Unpromoted ", 1);
    l
}

fn find_master(l: &str) -> Option<usize> {
    let mut start = 0;
    while let Some(i) = l[start..].find(" Master") {
        let at = start + i;
        let next = l[at + " Master".len()..].chars().next();
        if matches!(next, None | Some(' ') | Some('[')) {
            return Some(at);
        }
        start = at + 1;
    }
    None
}

const HEADERS: [&str; 4] = [
    "Current cluster status:",
    "Transition Summary:",
    "Executing Cluster Transition:",
    "Revised Cluster Status:",
];

/// The "Current cluster status" section, compared the way the conformance
/// tool compares it: whitespace removed, blank lines dropped, legacy role
/// names normalised.
pub fn current_section(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if HEADERS.contains(&t) {
            inside = t == HEADERS[0];
        }
        if inside {
            let l: String = normalise_roles(line)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if !l.is_empty() {
                out.push(l);
            }
        }
    }
    out
}

/// A whole `crm_simulate -S` output, compared the way the conformance tool
/// compares it: whitespace removed, blank lines dropped, legacy role names
/// normalised.
pub fn whole_summary(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            normalise_roles(line)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .collect()
}
