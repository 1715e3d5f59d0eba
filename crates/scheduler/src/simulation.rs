//! The whole pipeline as `crm_simulate -S` runs it, with its text: unpack,
//! place, create and order actions, build the graph, print the transition
//! summary, execute the graph and print the revised status.
//!
//! ```
//! let xml = r#"<cib><configuration><crm_config><cluster_property_set id="o">
//!     <nvpair id="s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
//!   <nodes><node id="1" uname="n1"/></nodes><resources/><constraints/></configuration>
//!   <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"#;
//! let (cib, _) = cib::Cib::from_xml_lenient(xml).unwrap();
//! let run = scheduler::simulation::run(&cib, 0);
//! assert!(run.transition_text().starts_with("Transition Summary:"));
//! ```

use cib::Cib;

use crate::actions::{schedule_actions, ActionSet};
use crate::execute::{simulate, Execution};
use crate::graph::{build, Graph};
use crate::placement::{place_logging, place_with, Placement};
use crate::state::ClusterState;
use crate::summary::{cluster_status, ShowOptions};

/// Every stage's result for one CIB.
#[derive(Clone, Debug)]
pub struct Run {
    pub state: ClusterState,
    /// Placement without its score log (`scores` is empty; [`placement`]
    /// keeps it).
    pub placement: Placement,
    pub actions: ActionSet,
    pub graph: Graph,
    pub execution: Execution,
    /// The status after the simulated execution.
    pub revised: ClusterState,
}

/// Placement as a whole run computes it: told which fail counts the
/// actions stage will clear (parameter changes since a failure), so that
/// those do not count against `migration-threshold`.
pub fn placement(cib: &Cib, state: &ClusterState) -> Placement {
    let clears = crate::actions::scheduled_failcount_clears(cib, state);
    place_with(cib, state, &|r, n| clears.contains(&(r, n)))
}

/// Runs every stage for `cib` as of `now`.
pub fn run(cib: &Cib, now: i64) -> Run {
    let state = crate::unpack(cib, now);
    let clears = crate::actions::scheduled_failcount_clears(cib, &state);
    let placement = place_logging(cib, &state, &|r, n| clears.contains(&(r, n)), false);
    let actions = schedule_actions(cib, &state, &placement);
    let graph = build(&actions);
    let execution = simulate(cib, &actions.state, &graph, now);
    let revised = crate::unpack(&execution.cib, now);
    Run {
        state,
        placement,
        actions,
        graph,
        execution,
        revised,
    }
}

impl Run {
    /// "Transition Summary:" and its lines.
    pub fn transition_text(&self) -> String {
        let mut s = String::from("Transition Summary:\n");
        for l in crate::transition::summary_lines(&self.actions) {
            s.push_str("  * ");
            s.push_str(&l);
            s.push('\n');
        }
        s
    }

    /// "Executing Cluster Transition:" and its lines; when some synapse
    /// could never fire (an input the graph does not contain, or one that
    /// never completes), what crm_simulate reports for a terminated graph.
    pub fn executing_text(&self) -> String {
        let mut s = String::from("Executing Cluster Transition:\n");
        for l in &self.execution.lines {
            s.push_str("  * ");
            s.push_str(l);
            s.push('\n');
        }
        if !self.execution.complete {
            s.push_str("Transition failed: terminated\nAn invalid transition was produced\n");
        }
        s
    }

    /// "Revised Cluster Status" (preceded by a blank line).
    pub fn revised_text(&self) -> String {
        cluster_status(
            &self.revised,
            "Revised Cluster Status",
            ShowOptions {
                pending: false,
                inactive: true,
            },
            true,
        )
    }
}

/// What crm_simulate says about a CIB whose `validate-with` is `none`.
pub const SCHEMA_DISABLED: &str = "Schema validation of configuration is disabled (enabling is encouraged and prevents common misconfigurations)";

/// What `crm_simulate -x FILE -S` prints (standard output and error), given the notice about "now" it
/// prints before each status (`Using the original execution date…`).
pub fn simulate_text(cib: &Cib, now: i64, date_notice: Option<&str>) -> String {
    let run = run(cib, now);
    let mut out = String::new();
    if cib
        .validate_with
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("none"))
    {
        // crm_simulate says this (on stderr) when it checks the schema.
        out.push_str(SCHEMA_DISABLED);
        out.push('\n');
    }
    if let Some(n) = date_notice {
        out.push_str(n);
        out.push('\n');
    }
    let (pre, pre_printed) = crate::summary::preamble(&run.state);
    out.push_str(&pre);
    out.push_str(&cluster_status(
        &run.state,
        "Current cluster status",
        ShowOptions::default(),
        pre_printed,
    ));
    out.push('\n');
    out.push_str(&run.transition_text());
    out.push('\n');
    out.push_str(&run.executing_text());
    if let Some(n) = date_notice {
        out.push_str(n);
        out.push('\n');
    }
    out.push_str(&run.revised_text());
    out
}
