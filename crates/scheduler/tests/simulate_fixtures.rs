//! Whole runs on small CIBs in `tests/simulate/`, each holding one behaviour
//! that `tools/differential-simulate` found: `pacer simulate -S` must print
//! what the real `crm_simulate -S` 2.1.5 printed for it
//! (`tests/simulate/record.py`), compared as the corpus ratchet compares.

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/simulate")
}

fn check(name: &str) {
    let xml = std::fs::read_to_string(dir().join(format!("{name}.xml")))
        .unwrap_or_else(|e| panic!("{name}.xml: {e}"));
    let want = std::fs::read_to_string(dir().join(format!("{name}.summary")))
        .unwrap_or_else(|e| panic!("{name}.summary: {e}"));
    let (cib, _) = cib::Cib::from_xml_lenient(&xml).expect("fixture reads");
    let (now, notice) =
        scheduler::time::effective_now(&cib, None, 0).expect("fixture has an execution date");
    let got = scheduler::simulation::simulate_text(&cib, now, notice.as_deref());
    assert_eq!(
        corpus::compare::whole_summary(&got),
        corpus::compare::whole_summary(&want),
        "{name}: pacer simulate -S differs from crm_simulate -S; pacer printed:\n{got}"
    );
}

/// Cancels of orphaned monitors, created before assignment, become
/// unrunnable when the resource is assigned to no node.
#[test]
fn unassigned_resource_keeps_no_cancel() {
    check("unassigned_orphan_cancel");
}

/// CIBs older than feature set 3.0.13 name fail counts without the
/// operation; the actions stage reads them as unpacking does.
#[test]
fn legacy_failcount_names_are_not_cleared() {
    check("legacy_failcount_names");
    check("failcount_cleared_on_change");
}

/// A bundle's guest node has discovery "never" in every resource's
/// allowed nodes.
#[test]
fn bundle_guest_node_is_not_probed() {
    check("bundle_node_not_probed");
}

/// A resource assigned to no node and later to its current node (unmanaged)
/// keeps the marks the first assignment gave its actions.
#[test]
fn first_assignment_to_no_node_marks_actions() {
    check("unpaired_instance_keeps_monitor");
}
