//! Runs unpacking and placement over every case of the shared scheduler
//! corpus and counts how many score logs match `crm_simulate -sSQ` (the
//! corpus's `scores/` files), compared as the conformance tool compares
//! them in `--scores` mode. The count may not drop below the floor in
//! `scores.floor`; raise the floor when it goes up.

use corpus::{compare, Case, Ratchet};

/// The score log of one case, as `pacer simulate -sSQ` prints it.
fn render(case: &Case) -> Result<String, String> {
    let (cib, _) = cib::Cib::from_xml_lenient(&case.xml()).map_err(|e| e.to_string())?;
    let (now, _) = scheduler::time::effective_now(&cib, case.set_datetime(), corpus::clock_now())?;
    let state = scheduler::unpack(&cib, now);
    let placement = scheduler::simulation::placement(&cib, &state);
    Ok(scheduler::placement::score_text(&placement))
}

#[test]
fn scores_match_crm_simulate() {
    Ratchet {
        floor_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scores.floor").into(),
        what: "scores",
    }
    .run(|case| {
        render(case).is_ok_and(|got| compare::scores(&got) == compare::scores(&case.scores()))
    });
}
