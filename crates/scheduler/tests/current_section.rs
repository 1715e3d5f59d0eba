//! Runs the unpack stage and the status printer over every case of the
//! shared scheduler corpus and counts how many "Current cluster status"
//! sections match crm_simulate's. The count may not drop below the floor in
//! `current-section.floor`; raise the floor when it goes up.

use corpus::{compare, Case, Ratchet};
use scheduler::summary::{self, ShowOptions};

/// What `pacer simulate -S` prints before "Transition Summary".
fn render(case: &Case) -> Result<String, String> {
    let (cib, _) = cib::Cib::from_xml_lenient(&case.xml()).map_err(|e| e.to_string())?;
    let (now, _) = scheduler::time::effective_now(&cib, None, corpus::clock_now())?;
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
    Ratchet {
        floor_file: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/current-section.floor").into(),
        what: "current section",
    }
    .run(|case| {
        render(case).is_ok_and(|got| {
            compare::current_section(&got) == compare::current_section(&case.summary())
        })
    });
}
