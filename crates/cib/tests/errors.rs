//! Bad input gives an error naming the element and the problem, never a panic;
//! unknown attributes and elements survive a round trip.

use cib::{Cib, CibError, Element};

fn doc(resources: &str, constraints: &str) -> String {
    format!(
        r#"<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="n1"/></nodes>
    <resources>{resources}</resources>
    <constraints>{constraints}</constraints>
  </configuration>
  <status/>
</cib>"#
    )
}

const DUMMY: &str = r#"<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>"#;

fn err(text: &str) -> String {
    match Cib::from_xml(text) {
        Ok(_) => panic!("accepted invalid input:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_xml_names_line_and_column() {
    let e = err("<cib>\n  <configuration>\n</cib>");
    assert!(e.contains("malformed XML at line 3"), "{e}");
}

#[test]
fn wrong_root_element() {
    let e = err("<configuration/>");
    assert!(e.contains("<configuration>") && e.contains("<cib>"), "{e}");
}

#[test]
fn missing_configuration() {
    let e = err(r#"<cib epoch="1"><status/></cib>"#);
    assert!(e.contains("no <configuration>"), "{e}");
}

#[test]
fn duplicate_ids_name_both_elements() {
    let e = err(&doc(
        &format!(
            r#"{DUMMY}<group id="d">{}</group>"#,
            DUMMY.replace("\"d\"", "\"e\"")
        ),
        "",
    ));
    assert!(e.contains("id \"d\" is used twice"), "{e}");
    assert!(e.contains("<primitive>") && e.contains("<group>"), "{e}");
    assert!(e.contains("line 5"), "{e}");
}

#[test]
fn dangling_constraint_reference() {
    let e = err(&doc(
        DUMMY,
        r#"<rsc_location id="loc1" rsc="nosuch" node="n1" score="100"/>"#,
    ));
    assert!(e.contains(r#"<rsc_location id="loc1">"#), "{e}");
    assert!(e.contains(r#"rsc="nosuch" refers to nothing"#), "{e}");
}

#[test]
fn dangling_id_ref() {
    let e = err(&doc(
        r#"<primitive id="d" class="ocf" provider="pacemaker" type="Dummy">
             <meta_attributes id-ref="shared-meta"/></primitive>"#,
        "",
    ));
    assert!(
        e.contains(r#"id-ref="shared-meta" refers to nothing"#),
        "{e}"
    );
}

#[test]
fn dangling_resource_set_member_and_fencing_device() {
    let e = err(&doc(
        DUMMY,
        r#"<rsc_order id="o1"><resource_set id="s1"><resource_ref id="d"/><resource_ref id="ghost"/></resource_set></rsc_order>"#,
    ));
    assert!(e.contains(r#"id="ghost" refers to nothing"#), "{e}");
    let text = doc(DUMMY, "").replace(
        "</configuration>",
        r#"<fencing-topology><fencing-level id="fl1" target="n1" index="1" devices="ipmi-n1"/></fencing-topology></configuration>"#,
    );
    let e = err(&text);
    assert!(e.contains(r#"devices="ipmi-n1" refers to nothing"#), "{e}");
}

#[test]
fn unknown_resource_class() {
    let e = err(&doc(
        r#"<primitive id="web" class="ocff" provider="heartbeat" type="nginx"/>"#,
        "",
    ));
    assert!(e.contains(r#"<primitive id="web">"#), "{e}");
    assert!(e.contains(r#"class="ocff" is not valid"#), "{e}");
    assert!(e.contains("ocf, lsb, service, systemd, stonith"), "{e}");
}

#[test]
fn ocf_without_provider() {
    let e = err(&doc(
        r#"<primitive id="web" class="ocf" type="nginx"/>"#,
        "",
    ));
    assert!(e.contains("needs a provider"), "{e}");
}

#[test]
fn invalid_score() {
    let e = err(&doc(
        DUMMY,
        r#"<rsc_location id="loc1" rsc="d" node="n1" score="lots"/>"#,
    ));
    assert!(e.contains(r#"<rsc_location id="loc1">"#), "{e}");
    assert!(e.contains(r#"score="lots" is not valid"#), "{e}");
    assert!(e.contains("INFINITY"), "{e}");
}

#[test]
fn missing_required_attribute() {
    let e = err(&doc(
        r#"<primitive class="ocf" provider="heartbeat" type="nginx"/>"#,
        "",
    ));
    assert!(
        e.contains("<primitive>") && e.contains("'id' is missing"),
        "{e}"
    );
    let e = err(&doc(
        r#"<primitive id="p" class="ocf" provider="heartbeat" type="nginx"><operations><op id="p-mon" name="monitor"/></operations></primitive>"#,
        "",
    ));
    assert!(
        e.contains(r#"<op id="p-mon">"#) && e.contains("'interval' is missing"),
        "{e}"
    );
}

#[test]
fn lenient_read_keeps_what_pacemaker_tolerates() {
    let text = doc(
        DUMMY,
        r#"<rsc_order id="o1" first="d" then="d" kind="Sometimes"/><rsc_location id="l1" rsc="gone" node="n1" score="5"/>"#,
    );
    let (cib, warnings) = Cib::from_xml_lenient(&text).expect("lenient read");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        matches!(warnings[0], CibError::DanglingRef { .. }),
        "{warnings:?}"
    );
    assert!(
        matches!(warnings[1], CibError::InvalidValue { .. }),
        "{warnings:?}"
    );
    let cib::Constraint::Order(o) = &cib.configuration.constraints[0] else {
        panic!("not an order")
    };
    let kind = o.kind.as_ref().expect("kind kept");
    assert_eq!(kind.raw(), "Sometimes");
    assert_eq!(kind.get(), None);
    assert!(cib.to_xml().contains(r#"kind="Sometimes""#));
}

#[test]
fn unknown_attributes_and_elements_survive() {
    let text = doc(
        r#"<primitive id="d" class="ocf" provider="pacemaker" type="Dummy" future-attr="x">
             <future-child id="fc" a="1"><deeper/></future-child>
           </primitive>
           <new-resource-kind id="nrk"/>"#,
        r#"<rsc_future id="rf" whatever="1"/>"#,
    )
    .replace(
        "<status/>",
        r#"<status><node_state id="1" uname="n1" new-flag="on"/><future-status/></status>"#,
    );
    let cib = Cib::from_xml(&text).expect("parse");
    let out = cib.to_xml();
    for needle in [
        r#"future-attr="x""#,
        r#"<future-child id="fc" a="1">"#,
        "<deeper/>",
        r#"<new-resource-kind id="nrk"/>"#,
        r#"<rsc_future id="rf" whatever="1"/>"#,
        r#"new-flag="on""#,
        "<future-status/>",
    ] {
        assert!(out.contains(needle), "lost {needle} in\n{out}");
    }
    let original = Element::parse(&text).expect("parse");
    let written = Element::parse(&out).expect("parse");
    assert_eq!(original.semantic_diff(&written), None);
}

#[test]
fn group_of_groups_is_refused() {
    let e = err(&doc(r#"<group id="g"><group id="h"/></group>"#, ""));
    assert!(e.contains("a group may contain only primitives"), "{e}");
}

#[test]
fn clone_without_child_is_refused() {
    let e = err(&doc(
        r#"<clone id="c"><meta_attributes id="c-m"/></clone>"#,
        "",
    ));
    assert!(e.contains("clone \"c\" has no primitive or group"), "{e}");
}

#[test]
fn lenient_read_skips_malformed_entries_like_pacemaker() {
    let text = doc(
        r#"<primitive id="d" class="ocf" provider="pacemaker" type="Dummy">
             <operations><op id="d-mon" interval="10s"/></operations></primitive>
           <primitive id="e" class="ocf" provider="pacemaker"/>"#,
        "",
    )
    .replace(
        "<status/>",
        r#"<status><node_state id="1" uname="n1"><lrm id="1"><lrm_resources>
             <lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy">
               <lrm_rsc_op id="d_last_0" operation="start" call-id="x" rc-code="0"/>
             </lrm_resource></lrm_resources></lrm></node_state>
             <node_state uname="ghost"/></status>"#,
    );
    assert!(Cib::from_xml(&text).is_err(), "strict read must refuse");
    let (cib, warnings) = Cib::from_xml_lenient(&text).expect("lenient read");
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    let ids: Vec<&str> = cib.configuration.resources.iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["d"], "primitive without type skipped");
    let cib::Resource::Primitive(d) = &cib.configuration.resources[0] else {
        panic!("not a primitive")
    };
    assert!(
        d.operations.as_ref().is_some_and(|o| o.ops.is_empty()),
        "op without name skipped"
    );
    assert_eq!(
        cib.status.node_states.len(),
        1,
        "node_state without id skipped"
    );
    let op = &cib.status.node_states[0].lrm_resources()[0].ops[0];
    assert_eq!(
        (op.call_id, op.rc_code),
        (None, Some(0)),
        "bad number dropped"
    );
}
