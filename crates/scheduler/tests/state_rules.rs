//! One small CIB per unpacking or printing rule, checked against what
//! crm_simulate 2.1.5 prints for the same CIB (whitespace ignored).
//!
//! Set `PACER_DUMP_FIXTURES=DIR` to write every fixture CIB to DIR, e.g. to
//! re-check the expectations with the real crm_simulate.

use scheduler::state::{ClusterState, Role};
use scheduler::summary::{self, ShowOptions};

const DC: &str = "1";

/// A two-node cluster (n1, n2) with these cluster options, resources and
/// status entries.
fn cib(props: &[(&str, &str)], resources: &str, status: &str) -> String {
    let props: String = props
        .iter()
        .map(|(k, v)| format!(r#"<nvpair id="o-{k}" name="{k}" value="{v}"/>"#))
        .collect();
    format!(
        r#"<cib validate-with="pacemaker-3.7" crm_feature_set="3.16.2" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="{DC}" execution-date="1700000000">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">{props}</cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>{resources}</resources>
    <constraints/>
  </configuration>
  <status>{status}</status>
</cib>"#
    )
}

/// A node_state for a healthy member, with this resource history.
fn up(id: &str, uname: &str, lrm: &str) -> String {
    state(
        id,
        uname,
        r#"in_ccm="true" crmd="online" join="member" expected="member""#,
        lrm,
    )
}

fn state(id: &str, uname: &str, attrs: &str, lrm: &str) -> String {
    format!(
        r#"<node_state id="{id}" uname="{uname}" {attrs}><lrm id="{id}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>"#
    )
}

/// An lrm_resource entry with the given operations.
fn rsc(id: &str, agent: &str, ops: &[String]) -> String {
    let (class, provider, ty) = match agent.split(':').collect::<Vec<_>>().as_slice() {
        [c, p, t] => (*c, Some(*p), *t),
        [c, t] => (*c, None, *t),
        _ => ("ocf", Some("heartbeat"), agent),
    };
    let provider = provider
        .map(|p| format!(r#" provider="{p}""#))
        .unwrap_or_default();
    format!(
        r#"<lrm_resource id="{id}" class="{class}"{provider} type="{ty}">{}</lrm_resource>"#,
        ops.concat()
    )
}

/// One history entry: task, interval (ms), actual rc, call id, status, expected rc.
#[allow(clippy::too_many_arguments)]
fn op(
    rsc: &str,
    node: &str,
    task: &str,
    interval: u64,
    rc: i64,
    call: i64,
    status: i64,
    target: i64,
) -> String {
    format!(
        r#"<lrm_rsc_op id="{rsc}_{task}_{interval}" operation_key="{rsc}_{task}_{interval}" operation="{task}" crm-debug-origin="test" crm_feature_set="3.16.2" transition-key="1:1:{target}:00000000-0000-0000-0000-000000000000" transition-magic="{status}:{rc};1:1:{target}:00000000-0000-0000-0000-000000000000" on_node="{node}" call-id="{call}" rc-code="{rc}" op-status="{status}" interval="{interval}" last-rc-change="1699999000" exec-time="10" queue-time="0"/>"#
    )
}

fn ok(rsc: &str, node: &str, task: &str, call: i64) -> String {
    op(rsc, node, task, 0, 0, call, 0, 0)
}

fn probe_stopped(rsc: &str, node: &str, call: i64) -> String {
    op(rsc, node, "monitor", 0, 7, call, 0, 7)
}

fn dump(name: &str, xml: &str) {
    if let Ok(dir) = std::env::var("PACER_DUMP_FIXTURES") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.xml")), xml);
    }
}

fn unpack(name: &str, xml: &str) -> ClusterState {
    dump(name, xml);
    let (cib, _) = cib::Cib::from_xml_lenient(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
    scheduler::unpack(&cib, 1_700_000_000)
}

/// The status block as crm_simulate prints it (notices included).
fn status(name: &str, xml: &str) -> String {
    let st = unpack(name, xml);
    let (mut text, printed) = summary::preamble(&st);
    text.push_str(&summary::cluster_status(
        &st,
        "Current cluster status",
        ShowOptions::default(),
        printed,
    ));
    text
}

/// Asserts the printed section equals `expected` (whitespace ignored).
fn check(name: &str, xml: &str, expected: &str) {
    let got = status(name, xml);
    assert_eq!(
        corpus::compare::current_section(&got),
        corpus::compare::current_section(expected),
        "{name}: got\n{got}"
    );
}

const DUMMY: &str = "ocf:pacemaker:Dummy";

fn prim(id: &str) -> String {
    format!(r#"<primitive id="{id}" class="ocf" provider="pacemaker" type="Dummy"/>"#)
}

fn prim_meta(id: &str, meta: &[(&str, &str)]) -> String {
    let pairs: String = meta
        .iter()
        .map(|(k, v)| format!(r#"<nvpair id="{id}-{k}" name="{k}" value="{v}"/>"#))
        .collect();
    format!(
        r#"<primitive id="{id}" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="{id}-meta">{pairs}</meta_attributes></primitive>"#
    )
}

const NO_FENCING: &[(&str, &str)] = &[("stonith-enabled", "false")];

#[test]
fn node_states_without_fencing() {
    let xml = cib(
        NO_FENCING,
        &prim("r1"),
        &(state(
            "1",
            "n1",
            r#"in_ccm="true" crmd="online" join="member" expected="member""#,
            "",
        ) + &state(
            "2",
            "n2",
            r#"in_ccm="false" crmd="offline" join="down" expected="down""#,
            "",
        )),
    );
    check(
        "nodes-no-fencing",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 ]
    * OFFLINE: [ n2 ]
  * Full List of Resources:
    * r1 (ocf:pacemaker:Dummy): Stopped",
    );
}

#[test]
fn unseen_and_lost_nodes_are_unclean_with_fencing() {
    // n2 has no status entry: with startup fencing it is unclean.
    let xml = cib(
        &[("stonith-enabled", "true")],
        &prim("r1"),
        &up("1", "n1", ""),
    );
    check(
        "nodes-unseen-unclean",
        &xml,
        "Current cluster status:
  * Node List:
    * Node n2: UNCLEAN (offline)
    * Online: [ n1 ]
  * Full List of Resources:
    * r1 (ocf:pacemaker:Dummy): Stopped",
    );
    let st = unpack("nodes-unseen-unclean", &xml);
    let n2 = st.find_node("n2").map(|n| st.node(n).unclean);
    assert_eq!(n2, Some(true));
}

#[test]
fn pending_standby_and_maintenance_nodes() {
    let standby = r#"<transient_attributes id="2"><instance_attributes id="s2"><nvpair id="s2-1" name="standby" value="on"/></instance_attributes></transient_attributes>"#;
    let xml = cib(
        &[("stonith-enabled", "true")],
        &prim("r1"),
        &(state(
            "1",
            "n1",
            r#"in_ccm="true" crmd="online" join="pending" expected="member""#,
            "",
        ) + &format!(
            r#"<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member">{standby}</node_state>"#
        )),
    );
    check(
        "nodes-pending-standby",
        &xml,
        "Current cluster status:
  * Node List:
    * Node n1: pending
    * Node n2: standby
  * Full List of Resources:
    * r1 (ocf:pacemaker:Dummy): Stopped",
    );
}

#[test]
fn started_stopped_and_multiply_active_primitives() {
    let h1 = rsc("a", DUMMY, &[ok("a", "n1", "start", 2)])
        + &rsc(
            "b",
            DUMMY,
            &[ok("b", "n1", "start", 3), ok("b", "n1", "stop", 4)],
        )
        + &rsc("c", DUMMY, &[ok("c", "n1", "start", 5)]);
    let h2 = rsc("c", DUMMY, &[ok("c", "n2", "start", 6)]);
    let xml = cib(
        NO_FENCING,
        &(prim("a") + &prim("b") + &prim("c")),
        &(up("1", "n1", &h1) + &up("2", "n2", &h2)),
    );
    check(
        "primitives-basic",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): Started n1
    * b (ocf:pacemaker:Dummy): Stopped
    * c (ocf:pacemaker:Dummy): Started [ n1 n2 ]",
    );
    let st = unpack("primitives-basic", &xml);
    let a = st.resources.iter().find(|r| r.id == "a").map(|r| r.role);
    assert_eq!(a, Some(Role::Started));
}

#[test]
fn failures_ignored_blocked_and_failed() {
    // a: failed recurring monitor (recover) -> FAILED.
    // b: failed monitor with on-fail=ignore -> failure ignored.
    // c: failed stop without fencing -> blocked.
    let h1 = rsc(
        "a",
        DUMMY,
        &[
            ok("a", "n1", "start", 2),
            op("a", "n1", "monitor", 10000, 1, 3, 0, 0),
        ],
    ) + &rsc(
        "b",
        DUMMY,
        &[
            ok("b", "n1", "start", 4),
            op("b", "n1", "monitor", 10000, 1, 5, 0, 0),
        ],
    ) + &rsc(
        "c",
        DUMMY,
        &[
            ok("c", "n1", "start", 6),
            op("c", "n1", "stop", 0, 1, 7, 0, 0),
        ],
    );
    let b = r#"<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="b-mon" name="monitor" interval="10s" on-fail="ignore"/></operations></primitive>"#;
    let xml = cib(
        NO_FENCING,
        &(prim("a") + b + &prim("c")),
        &(up("1", "n1", &h1) + &up("2", "n2", "")),
    );
    check(
        "primitives-failures",
        &xml,
        "0 of 3 resource instances DISABLED and 1 BLOCKED from further action due to failure
Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): FAILED n1
    * b (ocf:pacemaker:Dummy): Started n1 (failure ignored)
    * c (ocf:pacemaker:Dummy): FAILED n1 (blocked)",
    );
}

#[test]
fn disabled_unmanaged_and_counts() {
    let xml = cib(
        NO_FENCING,
        &(prim_meta("a", &[("target-role", "Stopped")])
            + &prim_meta("b", &[("is-managed", "false")])),
        &(up("1", "n1", &rsc("b", DUMMY, &[ok("b", "n1", "start", 2)])) + &up("2", "n2", "")),
    );
    let out = status("disabled-unmanaged", &xml);
    assert!(out.starts_with(
        "1 of 2 resource instances DISABLED and 0 BLOCKED from further action due to failure\n"
    ));
    check(
        "disabled-unmanaged",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): Stopped (disabled)
    * b (ocf:pacemaker:Dummy): Started n1 (unmanaged)",
    );
}

#[test]
fn orphans_show_only_while_active() {
    let h1 = rsc("gone", DUMMY, &[ok("gone", "n1", "start", 2)])
        + &rsc(
            "old",
            DUMMY,
            &[ok("old", "n1", "start", 3), ok("old", "n1", "stop", 4)],
        );
    let xml = cib(
        NO_FENCING,
        &prim("r1"),
        &(up("1", "n1", &h1) + &up("2", "n2", "")),
    );
    check(
        "orphans",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * r1 (ocf:pacemaker:Dummy): Stopped
    * gone (ocf:pacemaker:Dummy): ORPHANED Started n1",
    );
}

#[test]
fn pending_operations_are_shown() {
    let h1 = rsc("a", DUMMY, &[op("a", "n1", "start", 0, 193, -1, -1, 0)])
        + &rsc(
            "b",
            DUMMY,
            &[
                ok("b", "n1", "start", 2),
                op("b", "n1", "monitor", 10000, 193, -1, -1, 0),
            ],
        );
    let xml = cib(
        NO_FENCING,
        &(prim("a") + &prim("b")),
        &(up("1", "n1", &h1) + &up("2", "n2", "")),
    );
    check(
        "pending",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): Starting n1
    * b (ocf:pacemaker:Dummy): Started n1 (Monitoring)",
    );
}

#[test]
fn groups_list_their_members() {
    let group = format!(r#"<group id="g">{}{}</group>"#, prim("g1"), prim("g2"));
    let xml = cib(
        NO_FENCING,
        &group,
        &(up("1", "n1", &rsc("g1", DUMMY, &[ok("g1", "n1", "start", 2)])) + &up("2", "n2", "")),
    );
    check(
        "group",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * Resource Group: g:
      * g1 (ocf:pacemaker:Dummy): Started n1
      * g2 (ocf:pacemaker:Dummy): Stopped",
    );
}

#[test]
fn anonymous_and_promotable_clones_summarise_instances() {
    let clone = format!(r#"<clone id="c">{}</clone>"#, prim("web"));
    let ms = r#"<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/></meta_attributes><primitive id="db" class="ocf" provider="pacemaker" type="Stateful"/></clone>"#;
    let stateful = "ocf:pacemaker:Stateful";
    let h1 = rsc("web", DUMMY, &[ok("web", "n1", "start", 2)])
        + &rsc(
            "db",
            stateful,
            &[ok("db", "n1", "start", 3), ok("db", "n1", "promote", 4)],
        );
    let h2 = rsc("db", stateful, &[ok("db", "n2", "start", 5)])
        + &rsc("web", DUMMY, &[probe_stopped("web", "n2", 6)]);
    let xml = cib(
        NO_FENCING,
        &(clone + ms),
        &(up("1", "n1", &h1) + &up("2", "n2", &h2)),
    );
    check(
        "clones",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * Clone Set: c [web]:
      * Started: [ n1 ]
      * Stopped: [ n2 ]
    * Clone Set: ms [db] (promotable):
      * Promoted: [ n1 ]
      * Unpromoted: [ n2 ]",
    );
}

#[test]
fn unique_clone_instances_print_one_by_one() {
    let clone = r#"<clone id="u"><meta_attributes id="u-m"><nvpair id="u-g" name="globally-unique" value="true"/><nvpair id="u-max" name="clone-max" value="2"/></meta_attributes><primitive id="ip" class="ocf" provider="pacemaker" type="Dummy"/></clone>"#;
    let xml = cib(
        NO_FENCING,
        clone,
        &(up(
            "1",
            "n1",
            &rsc("ip:1", DUMMY, &[ok("ip:1", "n1", "start", 2)]),
        ) + &up("2", "n2", "")),
    );
    check(
        "unique-clone",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * Clone Set: u [ip] (unique):
      * ip:0 (ocf:pacemaker:Dummy): Stopped
      * ip:1 (ocf:pacemaker:Dummy): Started n1",
    );
}

#[test]
fn masked_probe_failure_shows_why_stopped() {
    let h1 = rsc("a", DUMMY, &[op("a", "n1", "monitor", 0, 5, 2, 0, 7)]);
    let xml = cib(
        NO_FENCING,
        &prim("a"),
        &(up("1", "n1", &h1) + &up("2", "n2", "")),
    );
    check(
        "masked-probe",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): Stopped (not installed)",
    );
}

#[test]
fn maintenance_mode_notice_and_unmanaged_resources() {
    let xml = cib(
        &[("stonith-enabled", "false"), ("maintenance-mode", "true")],
        &prim("a"),
        &(up("1", "n1", &rsc("a", DUMMY, &[ok("a", "n1", "start", 2)])) + &up("2", "n2", "")),
    );
    let out = status("maintenance-mode", &xml);
    assert!(
        out.contains("*** Resource management is DISABLED ***"),
        "{out}"
    );
    check(
        "maintenance-mode",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): Started n1 (unmanaged)",
    );
}

#[test]
fn failure_timeout_expires_old_failures() {
    // The failure is older than the 10s failure-timeout and there is no fail
    // count, so the failed monitor no longer counts.
    let h1 = rsc(
        "a",
        DUMMY,
        &[
            ok("a", "n1", "start", 2),
            op("a", "n1", "monitor", 10000, 1, 3, 0, 0),
        ],
    );
    let xml = cib(
        NO_FENCING,
        &prim_meta("a", &[("failure-timeout", "10s")]),
        &(up("1", "n1", &h1) + &up("2", "n2", "")),
    );
    check(
        "failure-timeout",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): Started n1",
    );
}

#[test]
fn remote_node_follows_its_connection() {
    let remote = r#"<primitive id="rem1" class="ocf" provider="pacemaker" type="remote"/>"#;
    let h1 = rsc(
        "rem1",
        "ocf:pacemaker:remote",
        &[ok("rem1", "n1", "start", 2)],
    );
    let xml = cib(
        NO_FENCING,
        &(remote.to_string() + &prim("a")),
        &(up("1", "n1", &h1)
            + &up("2", "n2", "")
            + r#"<node_state id="rem1" uname="rem1" remote_node="true"><lrm id="rem1"><lrm_resources>"#
            + &rsc("a", DUMMY, &[ok("a", "rem1", "start", 3)])
            + "</lrm_resources></lrm></node_state>"),
    );
    check(
        "remote-node",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
    * RemoteOnline: [ rem1 ]
  * Full List of Resources:
    * rem1 (ocf:pacemaker:remote): Started n1
    * a (ocf:pacemaker:Dummy): Started rem1",
    );
}

#[test]
fn bundle_replicas_print_per_replica() {
    let bundle = r#"<bundle id="b"><docker image="img" replicas="2"/><network ip-range-start="10.0.0.10"/><primitive id="app" class="ocf" provider="pacemaker" type="Dummy"/></bundle>"#;
    let h1 = rsc(
        "b-docker-0",
        "ocf:heartbeat:docker",
        &[ok("b-docker-0", "n1", "start", 2)],
    ) + &rsc(
        "b-ip-10.0.0.10",
        "ocf:heartbeat:IPaddr2",
        &[ok("b-ip-10.0.0.10", "n1", "start", 3)],
    ) + &rsc(
        "b-0",
        "ocf:pacemaker:remote",
        &[ok("b-0", "n1", "start", 4)],
    );
    let guest =
        r#"<node_state id="b-0" uname="b-0" remote_node="true"><lrm id="b-0"><lrm_resources>"#
            .to_string()
            + &rsc("app", DUMMY, &[ok("app", "b-0", "start", 5)])
            + "</lrm_resources></lrm></node_state>";
    let xml = cib(
        NO_FENCING,
        bundle,
        &(up("1", "n1", &h1) + &up("2", "n2", "") + &guest),
    );
    check(
        "bundle",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
    * GuestOnline: [ b-0 ]
  * Full List of Resources:
    * Container bundle set: b [img]:
      * b-0 (10.0.0.10) (ocf:pacemaker:Dummy): Started n1
      * b-1 (10.0.0.11) (ocf:pacemaker:Dummy): Stopped",
    );
}

#[test]
fn never_panics_on_odd_input() {
    // Dangling references, empty groups, clones of nothing, bundles without
    // containers and history for unknown nodes must all be survivable.
    let resources = r#"<group id="empty"/>
      <primitive id="t" template="missing"/>
      <bundle id="nb"/>
      <clone id="c0"><meta_attributes id="c0-m"><nvpair id="c0-1" name="clone-max" value="0"/></meta_attributes><primitive id="x" class="lsb" type="x"/></clone>"#;
    let xml = cib(
        NO_FENCING,
        resources,
        &(up(
            "9",
            "ghost",
            &rsc("x", "lsb:x", &[ok("x", "ghost", "start", 1)]),
        ) + &up("1", "n1", &rsc("x", "lsb:x", &[ok("x", "n1", "start", 1)]))),
    );
    let out = status("odd", &xml);
    assert!(out.contains("Current cluster status:"));
}

#[test]
fn unrunnable_stop_on_offline_node_makes_it_unclean() {
    // With shutdown locks the history of an offline node is read even
    // without fencing; a failed resource there needs a stop that cannot run,
    // so the node becomes unclean.
    let h1 = rsc(
        "a",
        DUMMY,
        &[
            ok("a", "n1", "start", 2),
            op("a", "n1", "monitor", 10000, 1, 3, 0, 0),
        ],
    );
    let xml = cib(
        &[("stonith-enabled", "false"), ("shutdown-lock", "true")],
        &prim("a"),
        &(state(
            "1",
            "n1",
            r#"in_ccm="false" crmd="offline" join="down" expected="down""#,
            &h1,
        ) + &up("2", "n2", "")),
    );
    check(
        "unrunnable-stop",
        &xml,
        "Current cluster status:
  * Node List:
    * Node n1: UNCLEAN (offline)
    * Online: [ n2 ]
  * Full List of Resources:
    * a (ocf:pacemaker:Dummy): FAILED n1 (UNCLEAN)",
    );
}

#[test]
fn disabled_clone_lists_stopped_disabled_nodes() {
    let clone = format!(
        r#"<clone id="c"><meta_attributes id="c-m"><nvpair id="c-t" name="target-role" value="Stopped"/></meta_attributes>{}</clone>"#,
        prim("web")
    );
    let xml = cib(
        NO_FENCING,
        &clone,
        &(up("1", "n1", "") + &up("2", "n2", "")),
    );
    check(
        "clone-disabled",
        &xml,
        "2 of 2 resource instances DISABLED and 0 BLOCKED from further action due to failure
Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * Clone Set: c [web] (disabled):
      * Stopped (disabled): [ n1 n2 ]",
    );
}

#[test]
fn cloned_groups_and_standby_with_active_resources() {
    let clone = format!(
        r#"<clone id="cg"><group id="g">{}{}</group></clone>"#,
        prim("a"),
        prim("b")
    );
    let standby = r#"<transient_attributes id="2"><instance_attributes id="s2"><nvpair id="s2-1" name="standby" value="true"/></instance_attributes></transient_attributes>"#;
    let h1 = rsc("a", DUMMY, &[ok("a", "n1", "start", 2)])
        + &rsc("b", DUMMY, &[ok("b", "n1", "start", 3)]);
    let h2 = rsc("a", DUMMY, &[ok("a", "n2", "start", 4)]);
    let n2 = format!(
        r#"<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member">{standby}<lrm id="2"><lrm_resources>{h2}</lrm_resources></lrm></node_state>"#
    );
    let xml = cib(NO_FENCING, &clone, &(up("1", "n1", &h1) + &n2));
    check(
        "cloned-group",
        &xml,
        "Current cluster status:
  * Node List:
    * Node n2: standby (with active resources)
    * Online: [ n1 ]
  * Full List of Resources:
    * Clone Set: cg [g]:
      * Resource Group: g:1:
        * a (ocf:pacemaker:Dummy): Started n2
        * b (ocf:pacemaker:Dummy): Stopped
      * Started: [ n1 ]",
    );
}

#[test]
fn partial_migration_is_active_on_both_nodes() {
    let mig = |node: &str, call: i64| {
        format!(
            r#"<lrm_rsc_op id="vm_migrate_to_0" operation_key="vm_migrate_to_0" operation="migrate_to" transition-key="1:1:0:00000000-0000-0000-0000-000000000000" transition-magic="0:0;1:1:0:00000000-0000-0000-0000-000000000000" on_node="{node}" call-id="{call}" rc-code="0" op-status="0" interval="0" last-rc-change="1699999000" migrate_source="n1" migrate_target="n2"/>"#
        )
    };
    let vm = r#"<primitive id="vm" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="vm-m"><nvpair id="vm-am" name="allow-migrate" value="true"/></meta_attributes></primitive>"#;
    let h1 = rsc("vm", DUMMY, &[ok("vm", "n1", "start", 2), mig("n1", 3)]);
    let h2 = rsc("vm", DUMMY, &[probe_stopped("vm", "n2", 2)]);
    let xml = cib(NO_FENCING, vm, &(up("1", "n1", &h1) + &up("2", "n2", &h2)));
    check(
        "partial-migration",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
  * Full List of Resources:
    * vm (ocf:pacemaker:Dummy): Started [ n2 n1 ]",
    );
}

#[test]
fn guest_node_from_remote_node_meta() {
    let vm = r#"<primitive id="vm" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="vm-m"><nvpair id="vm-rn" name="remote-node" value="guest1"/></meta_attributes></primitive>"#;
    let h1 = rsc("vm", DUMMY, &[ok("vm", "n1", "start", 2)])
        + &rsc(
            "guest1",
            "ocf:pacemaker:remote",
            &[ok("guest1", "n1", "start", 3)],
        );
    let guest = r#"<node_state id="guest1" uname="guest1" remote_node="true"><lrm id="guest1"><lrm_resources>"#
        .to_string()
        + &rsc("a", DUMMY, &[ok("a", "guest1", "start", 4)])
        + "</lrm_resources></lrm></node_state>";
    let xml = cib(
        NO_FENCING,
        &(vm.to_string() + &prim("a")),
        &(up("1", "n1", &h1) + &up("2", "n2", "") + &guest),
    );
    check(
        "guest-node",
        &xml,
        "Current cluster status:
  * Node List:
    * Online: [ n1 n2 ]
    * GuestOnline: [ guest1 ]
  * Full List of Resources:
    * vm (ocf:pacemaker:Dummy): Started n1
    * a (ocf:pacemaker:Dummy): Started guest1",
    );
}
