//! Every case of Pacemaker's scheduler regression corpus parses, and writing it
//! back gives the same model and semantically the same XML.

use cib::{Cib, Element};

/// Cases that deliberately carry configuration errors Pacemaker tolerates
/// (it logs them and uses the default): a strict read must refuse them, a
/// lenient read must accept them with a warning naming the element.
const DELIBERATELY_INVALID: [(&str, &str); 3] = [
    ("colocation-influence.xml", "influence=\"invalid\""),
    ("intervals.xml", "timeout=\"bad\""),
    ("order-wrong-kind.xml", "kind=\"foo\""),
];

#[test]
fn every_corpus_case_round_trips() {
    let mut failures = Vec::new();
    for path in corpus::xml_files() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).expect("read corpus file");
        let known_bad = DELIBERATELY_INVALID.iter().find(|(n, _)| *n == name);
        match (Cib::from_xml(&text), known_bad) {
            (Ok(_), None) => {}
            (Err(e), Some((_, what))) if e.to_string().contains(what) => {}
            (Ok(_), Some(_)) => failures.push(format!("{name}: strict read accepted it")),
            (Err(e), _) => failures.push(format!("{name}: strict read: {e}")),
        }
        let cib = match Cib::from_xml_lenient(&text) {
            Ok((c, warnings)) => {
                if warnings.is_empty() != known_bad.is_none() {
                    failures.push(format!("{name}: unexpected warnings {warnings:?}"));
                }
                c
            }
            Err(e) => {
                failures.push(format!("{name}: parse: {e}"));
                continue;
            }
        };
        let written = cib.to_xml();
        match Cib::from_xml_lenient(&written) {
            Ok((again, _)) if again == cib => {}
            Ok(_) => failures.push(format!("{name}: model changed after a round trip")),
            Err(e) => failures.push(format!("{name}: re-parse: {e}")),
        }
        let original = Element::parse(&text).expect("parsed once already");
        let rewritten = Element::parse(&written).expect("re-parsed once already");
        if let Some(d) = original.semantic_diff(&rewritten) {
            failures.push(format!("{name}: XML differs: {d}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
