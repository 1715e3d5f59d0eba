"""Writes crm_simulate_rules.xml (nodes with attributes, one resource per
location rule) and crm_simulate_rules.tsv (the allocation score Pacemaker's
crm_simulate gives each resource on each node). Run with Pacemaker installed:
    python3 crm_simulate_rules.py
The Rust test rules::tests::location_rules_match_crm_simulate replays it.
"""
import subprocess, re, os
from xml.sax.saxutils import quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))

def a(k, v):
    return f" {k}={quoteattr(v)}" if v is not None else ""

# Node attribute values for "a" (None: the node has no "a").
node_values = ["10", "9", "010", "1e1", "10.0", "9.5", "abc", "ABC", "", "-0", "0", " 5", "5x", "1.2.3",
               "1.10", "1.9", "nan", "inf", "0x10", "99999999999999999999", "2.5", "-3", "1.2.3a", None]
nodes = []
for i, v in enumerate(node_values, start=1):
    attrs = f'<nvpair id="n{i}-a"{a("name", "a")}{a("value", v)}/>' if v is not None else ""
    score_vals = ["5", "abc", "5x", "INFINITY", "-INFINITY", "red", "99999999999999999999", "+7", " 8", "-INFINITYx"]
    sv = score_vals[i % len(score_vals)]
    attrs += f'<nvpair id="n{i}-s" name="s" value={quoteattr(sv)}/>' if i % 11 != 0 else ""
    attrs += f'<nvpair id="n{i}-t" name="t" value="{i % 3}"/>'
    nodes.append(f'      <node id="{i}" uname="n{i}"><instance_attributes id="n{i}-ia">{attrs}</instance_attributes></node>')

rules = []  # (rule xml without id, resource extra xml)
ops = ["lt", "lte", "gt", "gte", "eq", "ne", "defined", "not_defined", "EQ", "foo", None]
types = [None, "string", "integer", "number", "version", "Number", "float"]
values = ["10", "9.5", "abc", "1.10", "", None, "1e1", "-0"]
def strtol(s):
    """(value, consumed) like C strtol base 10 (0 consumed: no digits)."""
    i = 0
    while i < len(s) and s[i] in " \t\n\v\f\r":
        i += 1
    j = i
    if j < len(s) and s[j] in "+-":
        j += 1
    k = j
    while k < len(s) and s[k].isdigit():
        k += 1
    if k == j:
        return 0, 0
    return int(s[i:k]), k

def version_hangs(v1, v2):
    """Pacemaker 2.1.5's compare_version() loops forever when a part is not
    a number and everything after compares equal; such rules would hang
    crm_simulate, so they are left out (pacer compares them equal)."""
    a, b = v1, v2
    while a is not None or b is not None:
        before = (a, b)
        d = []
        for it in (0, 1):
            s = (a, b)[it]
            if s is None:
                d.append(0); continue
            if s == "":
                d.append(-1); continue
            val, used = strtol(s)
            d.append(val)
            if it == 0: a = s[used:]
            else: b = s[used:]
        if d[0] != d[1]:
            return False
        if a is not None:
            a = a[1:] if a.startswith(".") else a
            a = a if a != "" else None
        if b is not None:
            b = b[1:] if b.startswith(".") else b
            b = b if b != "" else None
        if (a, b) == before:
            return True
    return False

for op in ops:
    for ty in types:
        for val in values:
            if ty == "version" and val is not None and any(
                    nv is not None and version_hangs(nv, val) for nv in node_values):
                continue
            rules.append((f'<rule score="1"><expression attribute="a"{a("operation", op)}{a("type", ty)}{a("value", val)}/></rule>', ""))

def R(xml, extra=""):
    rules.append((xml, extra))

# Built-in attributes
R('<rule score="1"><expression attribute="#uname" operation="eq" value="n3"/></rule>')
R('<rule score="1"><expression attribute="#uname" operation="eq" value="N3"/></rule>')
R('<rule score="1"><expression attribute="#id" operation="gt" value="20"/></rule>')
R('<rule score="1"><expression attribute="#kind" operation="eq" value="cluster"/></rule>')
R('<rule score="1"><expression attribute="#is_dc" operation="eq" value="false"/></rule>')
R('<rule score="1"><expression attribute="#cluster-name" operation="eq" value="clu"/></rule>')
R('<rule score="1"><expression attribute="#site-name" operation="eq" value="clu"/></rule>')
R('<rule score="1"><expression attribute="#role" operation="defined"/></rule>')
R('<rule score="1"><expression attribute="#role" operation="not_defined"/></rule>')
R('<rule score="1"><expression attribute="#role" operation="ne" value="Promoted"/></rule>')
# Boolean combinations, nesting, empty rules
R('<rule score="1" boolean-op="or"><expression attribute="a" operation="eq" value="10"/><expression attribute="a" operation="eq" value="9"/></rule>')
R('<rule score="1" boolean-op="OR"><expression attribute="t" operation="eq" value="1"/><expression attribute="a" operation="not_defined"/></rule>')
R('<rule score="1" boolean-op="and"><expression attribute="t" operation="eq" value="1"/><expression attribute="a" operation="defined"/></rule>')
R('<rule score="1" boolean-op="xor"><expression attribute="t" operation="eq" value="1"/><expression attribute="t" operation="eq" value="2"/></rule>')
R('<rule score="1"><rule boolean-op="or"><expression attribute="t" operation="eq" value="0"/><expression attribute="t" operation="eq" value="2"/></rule><expression attribute="a" operation="defined"/></rule>')
R('<rule score="1" boolean-op="or"><rule><expression attribute="t" operation="eq" value="0"/><expression attribute="a" operation="lt" value="5"/></rule><rule boolean-op="or"/></rule>')
R('<rule score="1"/>')
R('<rule score="1" boolean-op="or"/>')
R('<rule score="1"><rule/></rule>')
R('<rule score="1"><rule boolean-op="or"/></rule>')
R('<rule score="1" boolean-op="or"><bogus/><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="1"><bogus/></rule>')
R('<rule score="1"><expression attribute="t" operation="eq" value="1"/><date_expression operation="gt" start="2000-01-01"/></rule>')
R('<rule score="1"><expression attribute="t" operation="eq" value="1"/><date_expression operation="lt" end="2000-01-01"/></rule>')
# id-refs
R('<rule id-ref="target-rule"/>')
R('<rule id-ref="no-such-rule"/>')
R('<rule score="1"><rule id-ref="no-such-rule"/><expression attribute="t" operation="eq" value="2"/></rule>')
R('<rule score="1" boolean-op="or"><rule id-ref="target-rule"/><expression attribute="t" operation="eq" value="2"/></rule>')
# Scores
R('<rule score-attribute="s"><expression attribute="t" operation="ne" value="9"/></rule>')
R('<rule score-attribute="s" boolean-op="or"><expression attribute="t" operation="eq" value="1"/><expression attribute="t" operation="eq" value="2"/></rule>')
R('<rule score-attribute="nope"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="3" score-attribute="s"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="-INFINITY"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="5x"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="+INFINITY"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="2000000"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="yellow"><expression attribute="t" operation="eq" value="1"/></rule>')
# Roles on the rule
R('<rule score="4" role="Started"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="4" role="bogus"><expression attribute="t" operation="eq" value="1"/></rule>')
R('<rule score="4" role="Slave"><expression attribute="t" operation="eq" value="1"/></rule>')
# value-source (the resource has instance attribute p=10 and meta m=abc)
params = '<instance_attributes id="@-ia"><nvpair id="@-p" name="p" value="10"/><nvpair id="@-e" name="empty" value=""/></instance_attributes><meta_attributes id="@-ma"><nvpair id="@-m" name="m" value="abc"/></meta_attributes>'
R('<rule score="1"><expression attribute="a" operation="eq" value="p" value-source="param"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="eq" value="m" value-source="meta"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="eq" value="m" value-source="Meta"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="eq" value="nope" value-source="param"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="ne" value="nope" value-source="param"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="eq" value="" value-source="literal"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="eq" value="10" value-source="bogus"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="lt" value="p" value-source="param" type="integer"/></rule>', params)
R('<rule score="1"><expression attribute="a" operation="eq" value="empty" value-source="param"/></rule>', params)

res, cons = [], []
for i, (rule, extra) in enumerate(rules):
    rid = f"x{i}"
    rule = rule.replace("<rule", f'<rule id="{rid}-r"', 1) if 'id-ref=' not in rule.split(">")[0] else rule
    # give every element an id
    n = [0]
    def add_id(m):
        n[0] += 1
        return f'<{m.group(1)} id="{rid}-e{n[0]}"'
    rule = re.sub(r"<(rule|expression|date_expression|bogus)(?![^>]*\bid=)(?![^>]*id-ref)", add_id, rule)
    res.append(f'      <primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{extra.replace("@", rid)}</primitive>')
    cons.append(f'      <rsc_location id="{rid}-loc" rsc="{rid}">{rule}</rsc_location>')
# rsc-pattern with submatches: resources pat-a and pat-t
res.append('      <primitive id="pat-a" class="ocf" provider="pacemaker" type="Dummy"/>')
res.append('      <primitive id="pat-t" class="ocf" provider="pacemaker" type="Dummy"/>')
cons.append('      <rsc_location id="pat-loc" rsc-pattern="^pat-(.)$"><rule id="pat-r" score="1"><expression id="pat-e" attribute="%1" operation="defined"/></rule></rsc_location>')
res.append('      <primitive id="pats-s" class="ocf" provider="pacemaker" type="Dummy"/>')
cons.append('      <rsc_location id="pats-loc" rsc-pattern="^pats-(.)(x)?$"><rule id="pats-r" score-attribute="%1"><expression id="pats-e" attribute="%2t%9" operation="defined"/></rule></rsc_location>')
# target of id-ref
cons.append('      <rsc_location id="target-loc" rsc="target"><rule id="target-rule" score="2"><expression id="target-e" attribute="t" operation="eq" value="0"/></rule></rsc_location>')
res.append('      <primitive id="target" class="ocf" provider="pacemaker" type="Dummy"/>')

xml = f'''<cib crm_feature_set="3.16.2" validate-with="none" epoch="1" num_updates="0" admin_epoch="0" execution-date="1700000000">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
        <nvpair id="o2" name="cluster-name" value="clu"/>
        <nvpair id="o3" name="no-quorum-policy" value="ignore"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
{chr(10).join(nodes)}
    </nodes>
    <resources>
{chr(10).join(res)}
    </resources>
    <constraints>
{chr(10).join(cons)}
    </constraints>
  </configuration>
  <status>
{chr(10).join(f'    <node_state id="{i}" uname="n{i}" in_ccm="true" crmd="online" join="member" expected="member"/>' for i in range(1, len(node_values) + 1))}
  </status>
</cib>
'''
path = os.path.join(HERE, "crm_simulate_rules.xml")
open(path, "w").write(xml)
p = subprocess.run(["crm_simulate", "-x", path, "-s"], capture_output=True, text=True,
                   env={"PATH": "/usr/sbin:/usr/bin", "CIB_shadow_dir": "/tmp", "TZ": "UTC"})
rows = []
for line in p.stdout.splitlines():
    m = re.match(r"pcmk__primitive_assign: (\S+) allocation score on (\S+): (\S+)", line)
    if m:
        rows.append(m.groups())
with open(os.path.join(HERE, "crm_simulate_rules.tsv"), "w") as f:
    f.write("# resource\tnode\tallocation score from crm_simulate -x crm_simulate_rules.xml -s (Pacemaker 2.1.5)\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(len(rules), "rules,", len(rows), "scores")
if not rows:
    print(p.stdout[:2000], p.stderr[:2000])
