//! Outputs normalised the way `scheduler-conformance` compares them:
//! whitespace removed, blank lines dropped, legacy role names (`Master`,
//! `Slave`, `ocf::`) spelled as Pacemaker 2.1 spells them.

/// Legacy role names crm_simulate's expected output may use, and their
/// current spelling (the first match in a line is replaced, as the
/// conformance tool does).
fn normalise_roles(line: &str) -> String {
    let mut l = line.replacen("ocf::", "ocf:", 1);
    l = l.replacen("Masters:", "Promoted:", 1);
    l = l.replacen("Slaves:", "Unpromoted:", 1);
    if let Some(pos) = find_master(&l) {
        l.replace_range(pos..pos + " Master".len(), " Promoted");
    }
    l.replacen(" Slave ", " Unpromoted ", 1)
}

/// " Master" followed by a space, '[' or the end of the line.
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

fn squeeze(line: &str) -> String {
    normalise_roles(line)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

const HEADERS: [&str; 4] = [
    "Current cluster status:",
    "Transition Summary:",
    "Executing Cluster Transition:",
    "Revised Cluster Status:",
];

/// The "Current cluster status" section of a `crm_simulate -S` output.
pub fn current_section(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if HEADERS.contains(&t) {
            inside = t == HEADERS[0];
        }
        if inside {
            let l = squeeze(line);
            if !l.is_empty() {
                out.push(l);
            }
        }
    }
    out
}

/// A whole `crm_simulate -S` output.
pub fn whole_summary(text: &str) -> Vec<String> {
    text.lines()
        .map(squeeze)
        .filter(|l| !l.is_empty())
        .collect()
}

/// A score log (`crm_simulate -sSQ`): lines without whitespace, blank ones
/// dropped, sorted (the order of score lines is not compared).
pub fn scores(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_roles_compare_equal_to_current_ones() {
        let old = "Current cluster status:\n  * Masters: [ n1 ]\n  * s1 (ocf::pacemaker:Stateful): Master n2\n\nTransition Summary:\n";
        let new = "Current cluster status:\n    * Promoted: [ n1 ]\n    * s1\t(ocf:pacemaker:Stateful):\t Promoted n2\n";
        assert_eq!(current_section(old), current_section(new));
        assert_eq!(current_section(old).len(), 3);
        assert_ne!(whole_summary("x Masterful"), whole_summary("x Promotedful"));
    }

    #[test]
    fn score_lines_are_sorted() {
        assert_eq!(scores("b: 1\n\na:  2\n"), vec!["a:2", "b:1"]);
    }
}
