//! Runs the whole scheduler (unpack, placement, actions, graph, simulated
//! execution) over every case of the shared scheduler corpus and counts how
//! many `crm_simulate -S` outputs match, compared as the conformance tool
//! compares them. The count may not drop below the floor in
//! `summary.floor`; raise the floor when it goes up.

use corpus::{compare, Case, Ratchet};

/// What `pacer simulate -x FILE -S` (plus the case's `-t`) prints.
fn render(case: &Case) -> Result<String, String> {
    let (cib, _) = cib::Cib::from_xml_lenient(&case.xml()).map_err(|e| e.to_string())?;
    let (now, notice) = scheduler::time::effective_now(&cib, None, corpus::clock_now())?;
    Ok(scheduler::simulation::simulate_text(
        &cib,
        now,
        notice.as_deref(),
    ))
}

#[test]
fn whole_summary_matches_crm_simulate() {
    Ratchet {
        floor_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/summary.floor").into(),
        what: "whole summary",
    }
    .run(|case| {
        render(case).is_ok_and(|got| {
            compare::whole_summary(&got) == compare::whole_summary(&case.summary())
        })
    });
}
