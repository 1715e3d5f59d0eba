//! Reading never panics, whatever the input; what parses also round-trips.

use cib::Cib;
use proptest::prelude::*;

const BASE: &str = r#"<cib admin_epoch="0" epoch="7" num_updates="2" have-quorum="1" validate-with="pacemaker-3.7">
  <configuration>
    <crm_config><cluster_property_set id="opts"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"><instance_attributes id="n1-ia"><nvpair id="n1-a" name="site" value="a"/></instance_attributes></node></nodes>
    <resources>
      <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
        <instance_attributes id="ip-ia"><nvpair id="ip-ia-ip" name="ip" value="10.0.0.1"/></instance_attributes>
        <operations><op id="ip-mon" name="monitor" interval="10s" timeout="20s" on-fail="restart"/></operations>
      </primitive>
      <clone id="c"><meta_attributes id="c-m"><nvpair id="c-m-p" name="promotable" value="true"/></meta_attributes>
        <primitive id="s" class="ocf" provider="pacemaker" type="Stateful"/></clone>
    </resources>
    <constraints>
      <rsc_location id="l1" rsc="ip" score="INFINITY" node="n1" role="Started"/>
      <rsc_location id="l2" rsc="ip"><rule id="r1" score="-INFINITY" boolean-op="or">
        <expression id="e1" attribute="site" operation="ne" value="a" type="string"/>
        <date_expression id="d1" operation="date_spec"><date_spec id="ds1" hours="9-16"/></date_expression></rule></rsc_location>
      <rsc_colocation id="co" rsc="ip" with-rsc="c" with-rsc-role="Promoted" score="INFINITY"/>
      <rsc_order id="or" first="c" first-action="promote" then="ip" then-action="start" kind="Mandatory"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
        <lrm_rsc_op id="ip_last_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:abc"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>"#;

fn check(text: &str) {
    if let Ok(cib) = Cib::from_xml(text) {
        let again = Cib::from_xml(&cib.to_xml()).expect("written XML re-reads");
        assert_eq!(again, cib);
    }
    if let Ok((cib, _)) = Cib::from_xml_lenient(text) {
        let (again, _) = Cib::from_xml_lenient(&cib.to_xml()).expect("written XML re-reads");
        assert_eq!(again, cib);
    }
}

#[test]
fn base_fixture_is_valid() {
    Cib::from_xml(BASE).expect("fixture parses");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random byte-level damage: truncation, deletion, insertion.
    #[test]
    fn damaged_documents_never_panic(cut in 0usize..BASE.len(), len in 0usize..40, ins in "[<>\"=/a-z &;#0-9-]{0,12}") {
        let mut s = BASE.to_string();
        let start = (0..=cut).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(s.len());
        let end = (end..=s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(s.len());
        s.replace_range(start..end, &ins);
        check(&s);
    }

    /// Every attribute value replaced by arbitrary text, one at a time.
    #[test]
    fn arbitrary_attribute_values_never_panic(which in 0usize..200, value in "\\PC{0,16}") {
        let quoted: Vec<(usize, usize)> = BASE.match_indices("=\"").map(|(i, _)| {
            let from = i + 2;
            let to = from + BASE[from..].find('"').unwrap_or(0);
            (from, to)
        }).collect();
        let (from, to) = quoted[which % quoted.len()];
        let escaped = value.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
        let s = format!("{}{}{}", &BASE[..from], escaped, &BASE[to..]);
        check(&s);
    }
}
