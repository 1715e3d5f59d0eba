"""Writes crm_simulate_nvsets.xml (clones whose instance_attributes and
operation meta-attributes exercise set precedence, rules, #default and
id-refs) and crm_simulate_nvsets.tsv (the parameters and operation timeouts
Pacemaker's crm_simulate puts in the transition graph for each node). Run
with Pacemaker installed:
    python3 crm_simulate_nvsets.py
The Rust test nvpair::tests::instance_attributes_match_crm_simulate replays it.
"""
import subprocess, re, os, tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))

def prim(name, sets, ops=""):
    return (f'      <clone id="c{name}"><primitive id="{name}" class="ocf" provider="pacemaker" type="Dummy">'
            f'{sets}{ops}</primitive></clone>')

def ia(id, pairs, score=None, rules=""):
    sc = f' score="{score}"' if score is not None else ""
    body = "".join(f'<nvpair id="{id}-{i}" name="{n}" value="{v}"/>' for i, (n, v) in enumerate(pairs))
    return f'<instance_attributes id="{id}"{sc}>{rules}{body}</instance_attributes>'

def uname_rule(id, node):
    return f'<rule id="{id}" score="0"><expression id="{id}-e" attribute="#uname" operation="eq" value="{node}"/></rule>'

R = []
R.append(prim("A", ia("A-s1", [("p", "one")], 3, uname_rule("A-s1-r", "n1"))
              + ia("A-s2", [("p", "two"), ("q", "two")], 2, uname_rule("A-s2-r", "n2"))
              + ia("A-s3", [("p", "default"), ("q", "default")], 1)))
R.append(prim("B", ia("B-s1", [("p", "first")]) + ia("B-s2", [("p", "second"), ("q", "second")])
              + ia("B-s3", [("r", "s3")], 5) + ia("B-s4", [("r", "s4")], 5) + ia("B-s5", [("r", "s5"), ("s", "s5")], "+5")))
R.append(prim("C", ia("C-s1", [("p", "x"), ("q", "y"), ("r", "z")], 2) + ia("C-s2", [("p", "#default"), ("r", "#DEFAULT"), ("t", "#default")], 1)))
R.append(prim("D", '<instance_attributes id-ref="A-s3"/>' + ia("D-s1", [("p", "mine")], 2) + '<instance_attributes id-ref="no-such-set"/>'))
R.append(prim("E", '<instance_attributes id="E-s1">'
              '<nvpair id-ref="A-s2-1"/>'
              '<nvpair id="E-r" id-ref="A-s1-0" name="renamed"/>'
              '<nvpair id="E-v" id-ref="A-s1-0" value="own-value"/>'
              '<nvpair id="E-x" id-ref="nope" name="x" value="y"/>'
              '<nvpair id="E-y" id-ref="nope"/>'
              '</instance_attributes>'))
R.append(prim("F", '<instance_attributes id="F-s1">' + uname_rule("F-r1", "n1") + uname_rule("F-r3", "n3")
              + '<nvpair id="F-p" name="p" value="yes"/></instance_attributes>'))
R.append(prim("G", '<instance_attributes id="G-s1"><rule id-ref="no-such-rule"/><nvpair id="G-p" name="p" value="applies"/></instance_attributes>'))
R.append(prim("H", '<instance_attributes id="H-s1"><rule id-ref="A-s1-r"/><nvpair id="H-p" name="p" value="refd"/></instance_attributes>'))
R.append(prim("I", '<instance_attributes id="I-s1" score="2"><rule id="I-r1" score="0"><date_expression id="I-d1" operation="gt" start="2000-01-01"/></rule><nvpair id="I-p" name="p" value="after-2000"/></instance_attributes>'
              '<instance_attributes id="I-s2" score="3"><rule id="I-r2" score="0"><date_expression id="I-d2" operation="lt" end="2000-01-01"/></rule><nvpair id="I-p2" name="p" value="before-2000"/></instance_attributes>'
              '<instance_attributes id="I-s3" score="4"><rule id="I-r3" score="0"><date_expression id="I-d3" operation="date_spec"><date_spec id="I-ds3" weekdays="2"/></date_expression></rule><nvpair id="I-p3" name="q" value="tuesday"/></instance_attributes>'))
R.append(prim("J", ia("J-s1", [("p", "neg")], -5) + ia("J-s2", [("p", "abc")], "abc") + ia("J-s3", [("p", "minf")], "-INFINITY")
              + ia("J-s4", [("q", "inf")], "INFINITY") + ia("J-s5", [("q", "none"), ("p", "none")]) + ia("J-s6", [("r", "big")], "99999999999999999999")
              + ia("J-s7", [("r", "ten")], "10x")))
R.append(prim("K", '<instance_attributes id="K-s1"><rule id="K-r1" score="0"><expression id="K-e1" attribute="color" operation="eq" value="red"/></rule><nvpair id="K-p" name="p" value="red-node"/></instance_attributes>'
              '<instance_attributes id="K-s2"><rule id="K-r2" score="0"><expression id="K-e2" attribute="color" operation="not_defined"/></rule><nvpair id="K-p2" name="p" value="colorless"/></instance_attributes>'))
R.append(prim("L", '<instance_attributes id="L-s1"><rule id="L-r" score="0" boolean-op="or"><rule id="L-r1" score="0"><expression id="L-e1" attribute="#uname" operation="ne" value="n1"/><expression id="L-e2" attribute="color" operation="defined"/></rule><expression id="L-e3" attribute="#id" operation="lt" value="2"/></rule><nvpair id="L-p" name="p" value="match"/></instance_attributes>'))
R.append(prim("M", '<instance_attributes id="M-s1"><rule id="M-r" score="0"><rsc_expression id="M-e" class="ocf" provider="pacemaker" type="Dummy"/></rule><nvpair id="M-p" name="p" value="rsc"/></instance_attributes>'))
R.append(prim("N", '<instance_attributes id="N-s1"><rule id="N-r" score="0"><op_expression id="N-e" name="start"/></rule><nvpair id="N-p" name="p" value="op"/></instance_attributes>'))
R.append(prim("O", '<instance_attributes id="O-s1"><rule id="O-r" score="0"><expression id="O-e" attribute="#role" operation="not_defined"/></rule><nvpair id="O-p" name="p" value="role"/></instance_attributes>'))
R.append(prim("P", '<instance_attributes id="P-s1"><rule id="P-r" score="0"><expression id="P-e" attribute="color" operation="eq" value="red" value-source="param"/></rule><nvpair id="P-p" name="p" value="literal"/></instance_attributes>'))
R.append(prim("Q", '<instance_attributes id="Q-s1"><rule id="Q-r" score="0"><expression id="Q-e" attribute="zzz" operation="eq" value=""/></rule><nvpair id="Q-p" name="p" value="empty-value"/></instance_attributes>'
              '<instance_attributes id="Q-s2"><rule id="Q-r2" score="0"><expression id="Q-e2" attribute="zzz" operation="eq"/></rule><nvpair id="Q-q" name="q" value="no-value"/></instance_attributes>'))
R.append(prim("S", '<instance_attributes id="S-s1"><nvpair id="S-a" name="p" value="first"/><nvpair id="S-b" name="p" value="second"/><nvpair id="S-c" name="q" value="#Default"/></instance_attributes>'))
R.append(prim("T", '<instance_attributes id="T-s1" score="1"><rule id="T-r" score="0" boolean-op="or"/><nvpair id="T-p" name="p" value="empty-or"/></instance_attributes>'
              '<instance_attributes id="T-s2"><rule id="T-r2" score="0"/><nvpair id="T-q" name="q" value="empty-and"/></instance_attributes>'))
# Not a clone: a rule id-ref in a set resolves in the whole CIB (clone
# instances are evaluated in a copy of the clone's child, where it does not).
R.append('      <primitive id="H2" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="H2-s1"><rule id-ref="A-s1-r"/><nvpair id="H2-p" name="p" value="refd"/></instance_attributes>'
         '<instance_attributes id="H2-s2"><rule id-ref="A-s2-r"/><nvpair id="H2-q" name="q" value="refd"/></instance_attributes></primitive>')
R.append('      <clone id="cH3"><group id="H3"><primitive id="H3a" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="H3a-s1"><rule id-ref="H3b-r"/><nvpair id="H3a-p" name="p" value="refd-in-clone"/></instance_attributes></primitive>'
         '<primitive id="H3b" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="H3b-s1"><rule id="H3b-r" score="0"><expression id="H3b-e" attribute="#uname" operation="eq" value="n3"/></rule><nvpair id="H3b-p" name="p" value="own-rule"/></instance_attributes></primitive></group></clone>')

# Operation meta-attributes: op_defaults (rsc/op expressions) and the op's own sets (applied with overwrite).
ops_u = ('<operations>'
         '<op id="U-mon" name="monitor" interval="10s"><meta_attributes id="U-om1" score="1"><nvpair id="U-om1-t" name="timeout" value="11s"/></meta_attributes>'
         '<meta_attributes id="U-om2" score="2"><nvpair id="U-om2-t" name="timeout" value="12s"/></meta_attributes></op>'
         '</operations>')
R.append(prim("U", "", ops_u))
R.append(prim("V", "", '<operations><op id="V-mon" name="monitor" interval="10000ms"/></operations>'))
R.append(prim("W", "", '<operations><op id="W-mon" name="monitor" interval="20s"/></operations>'))
R.append(prim("X", "", '<operations><op id="X-mon" name="monitor" interval="30s"/></operations>'))

op_defaults = '''    <op_defaults>
      <meta_attributes id="od-mon10" score="3">
        <rule id="od-mon10-r" score="0"><op_expression id="od-mon10-e" name="monitor" interval="10s"/></rule>
        <nvpair id="od-mon10-t" name="timeout" value="7s"/>
      </meta_attributes>
      <meta_attributes id="od-rsc" score="2">
        <rule id="od-rsc-r" score="0" boolean-op="and">
          <rsc_expression id="od-rsc-e" class="ocf" provider="pacemaker" type="Dummy"/>
          <op_expression id="od-rsc-e2" name="monitor" interval="20 seconds"/>
        </rule>
        <nvpair id="od-rsc-t" name="timeout" value="8s"/>
      </meta_attributes>
      <meta_attributes id="od-noprov" score="1">
        <rule id="od-noprov-r" score="0"><rsc_expression id="od-noprov-e" class="ocf" type="Dummy"/></rule>
        <nvpair id="od-noprov-t" name="timeout" value="9s"/>
      </meta_attributes>
      <meta_attributes id="od-any">
        <nvpair id="od-any-t" name="timeout" value="6s"/>
      </meta_attributes>
    </op_defaults>'''

xml = f'''<cib crm_feature_set="3.16.2" validate-with="none" epoch="1" num_updates="0" admin_epoch="0" execution-date="1700000000">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
        <nvpair id="o3" name="no-quorum-policy" value="ignore"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="n1"><instance_attributes id="n1-ia"><nvpair id="n1-c" name="color" value="red"/></instance_attributes></node>
      <node id="2" uname="n2"><instance_attributes id="n2-ia"><nvpair id="n2-c" name="color" value="blue"/></instance_attributes></node>
      <node id="3" uname="n3"/>
    </nodes>
    <resources>
{chr(10).join(R)}
    </resources>
    <constraints>
      <rsc_location id="H2-on-n2" rsc="H2" node="n2" score="INFINITY"/>
    </constraints>
{op_defaults}
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="3" uname="n3" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>
'''
path = os.path.join(HERE, "crm_simulate_nvsets.xml")
open(path, "w").write(xml)
with tempfile.TemporaryDirectory() as tmp:
    graph = os.path.join(tmp, "graph.xml")
    subprocess.run(["crm_simulate", "-x", path, "-S", "-G", graph], capture_output=True, text=True,
                   env={"PATH": "/usr/sbin:/usr/bin", "CIB_shadow_dir": tmp, "TZ": "UTC"})
    root = ET.parse(graph).getroot()
rows = set()
for op in root.iter("rsc_op"):
    attrs = op.find("attributes")
    if attrs is None:
        continue
    rsc = op.get("operation_key").rsplit("_", 2)[0].split(":")[0]
    node = op.get("on_node")
    if op.get("operation") == "start":
        for k, v in attrs.attrib.items():
            if not k.startswith("CRM_meta_") and k != "crm_feature_set":
                rows.add((rsc, node, "param", k, v))
    elif op.get("operation") == "monitor" and attrs.get("CRM_meta_interval", "0") != "0":
        rows.add((rsc, node, "monitor-timeout", attrs.get("CRM_meta_interval"), attrs.get("CRM_meta_timeout")))
with open(os.path.join(HERE, "crm_simulate_nvsets.tsv"), "w") as f:
    f.write("# resource\tnode\tparam|monitor-timeout\tname|interval-ms\tvalue|timeout-ms, from the graph of crm_simulate -x crm_simulate_nvsets.xml -S -G (Pacemaker 2.1.5)\n")
    for r in sorted(rows):
        f.write("\t".join(r) + "\n")
print(len(rows), "rows")
