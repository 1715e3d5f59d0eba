#!/usr/bin/env python3
"""Records the placement fixtures: writes each small CIB below as NAME.xml and
what the real crm_simulate (Pacemaker 2.1.5) prints for it with -sQ as
NAME.scores. Run from this directory: ./record.py"""
import subprocess, os
def cib(nodes, resources, constraints="", status_extra="", props="", node_attrs=None, running=None, quorum="1"):
    node_xml = "".join(f'<node id="{i+1}" uname="{n}"/>' if not (node_attrs and n in node_attrs) else
        f'<node id="{i+1}" uname="{n}"><instance_attributes id="na-{n}">' + "".join(f'<nvpair id="na-{n}-{k}" name="{k}" value="{v}"/>' for k,v in node_attrs[n].items()) + '</instance_attributes></node>'
        for i,n in enumerate(nodes))
    st = ""
    for i,n in enumerate(nodes):
        lrm = ""
        for (rsc, node, cls, typ, rc) in (running or []):
            if node == n:
                lrm += f'<lrm_resource id="{rsc}" class="{cls}" provider="pacemaker" type="{typ}"><lrm_rsc_op id="{rsc}_last_0" operation_key="{rsc}_start_0" operation="start" crm-debug-origin="x" crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:{rc};1:1:0:x" call-id="1" rc-code="{rc}" op-status="0" interval="0" op-digest="x" on_node="{n}"/></lrm_resource>'
        st += f'<node_state id="{i+1}" uname="{n}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="{i+1}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>'
    return f'''<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="1" admin_epoch="0" have-quorum="{quorum}" dc-uuid="1" execution-date="1700000000"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/>{props}</cluster_property_set></crm_config><nodes>{node_xml}</nodes><resources>{resources}</resources><constraints>{constraints}</constraints></configuration><status>{st}{status_extra}</status></cib>'''
def prim(i, t="Dummy", meta="", util=""):
    m = f'<meta_attributes id="{i}-m">{meta}</meta_attributes>' if meta else ""
    u = f'<utilization id="{i}-u">{util}</utilization>' if util else ""
    return f'<primitive id="{i}" class="ocf" provider="pacemaker" type="{t}">{m}{u}</primitive>'
def nv(i, k, v): return f'<nvpair id="{i}" name="{k}" value="{v}"/>'
N3=["n1","n2","n3"]
cases = {}
cases["location"] = cib(N3, prim("a")+prim("b"), '<rsc_location id="l1" rsc="a" node="n2" score="50"/><rsc_location id="l2" rsc="b" node="n1" score="-INFINITY"/><rsc_location id="l3" rsc="b" node="n3" score="10"/>')
cases["location_rule"] = cib(N3, prim("a"), '<rsc_location id="l1" rsc="a"><rule id="r1" score-attribute="pref"><expression id="e1" attribute="pref" operation="defined"/></rule></rsc_location>', node_attrs={"n2":{"pref":"30"},"n3":{"pref":"70"}})
cases["colocation"] = cib(N3, prim("a")+prim("b")+prim("c"), '<rsc_location id="l1" rsc="a" node="n3" score="100"/><rsc_colocation id="c1" rsc="b" with-rsc="a" score="INFINITY"/><rsc_colocation id="c2" rsc="c" with-rsc="a" score="-500"/>')
cases["stickiness"] = cib(N3, prim("a", meta=nv("a-s","resource-stickiness","100")), '<rsc_location id="l1" rsc="a" node="n3" score="50"/>', running=[("a","n2","ocf","Dummy",0)])
cases["group"] = cib(N3, '<group id="g">'+prim("g1")+prim("g2")+'</group>'+prim("x"), '<rsc_location id="l1" rsc="g" node="n2" score="20"/><rsc_colocation id="c1" rsc="x" with-rsc="g" score="10"/>')
cases["clone"] = cib(N3, '<clone id="cl"><meta_attributes id="clm">'+nv("clm1","clone-max","2")+'</meta_attributes>'+prim("c")+'</clone>'+prim("d"), '<rsc_location id="l1" rsc="cl" node="n1" score="-INFINITY"/><rsc_colocation id="co" rsc="d" with-rsc="cl" score="INFINITY"/>')
cases["promotable"] = cib(N3, '<clone id="ms"><meta_attributes id="msm">'+nv("msm1","promotable","true")+'</meta_attributes>'+prim("s","Stateful")+'</clone>'+prim("v"), '<rsc_colocation id="co" rsc="v" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/><rsc_location id="l1" rsc="ms" role="Promoted" node="n3" score="25"/>')
cases["utilization"] = cib(N3, prim("a", util=nv("au","cpu","3"))+prim("b", util=nv("bu","cpu","3")), props=nv("ps","placement-strategy","utilization"), node_attrs=None).replace('<node id="1" uname="n1"/>','<node id="1" uname="n1"><utilization id="n1u">'+nv("n1uc","cpu","4")+'</utilization></node>').replace('<node id="2" uname="n2"/>','<node id="2" uname="n2"><utilization id="n2u">'+nv("n2uc","cpu","2")+'</utilization></node>').replace('<node id="3" uname="n3"/>','<node id="3" uname="n3"><utilization id="n3u">'+nv("n3uc","cpu","5")+'</utilization></node>')
cases["target_stopped"] = cib(N3, prim("a", meta=nv("a-t","target-role","Stopped"))+prim("b"), '<rsc_colocation id="c1" rsc="b" with-rsc="a" score="INFINITY"/>')
cases["migration_threshold"] = cib(N3, prim("a", meta=nv("a-mt","migration-threshold","2")), status_extra="").replace('<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">','<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="1"><instance_attributes id="ta1"><nvpair id="ta1a" name="fail-count-a#start_0" value="2"/><nvpair id="ta1b" name="last-failure-a#start_0" value="1699999000"/></instance_attributes></transient_attributes>')
cases["asymmetric"] = cib(N3, prim("a")+prim("b"), '<rsc_location id="l1" rsc="a" node="n2" score="0"/>', props=nv("sy","symmetric-cluster","false"))
cases["set_colocation"] = cib(N3, prim("a")+prim("b")+prim("c"), '<rsc_location id="l1" rsc="c" node="n1" score="40"/><rsc_colocation id="cs" score="INFINITY"><resource_set id="s1"><resource_ref id="a"/><resource_ref id="b"/><resource_ref id="c"/></resource_set></rsc_colocation>')
cases["anti_role"] = cib(N3, '<clone id="ms"><meta_attributes id="msm">'+nv("msm1","promotable","true")+nv("msm2","clone-max","2")+'</meta_attributes>'+prim("s","Stateful")+'</clone>'+prim("x"), '<rsc_colocation id="co" rsc="x" with-rsc="ms" with-rsc-role="Promoted" score="-INFINITY"/><rsc_location id="l1" rsc="ms" node="n1" score="10"/><rsc_location id="l2" rsc="x" node="n1" score="5"/>')
cases["influence"] = cib(N3, prim("a", meta=nv("a-s","resource-stickiness","50"))+prim("b"), '<rsc_colocation id="c1" rsc="b" with-rsc="a" score="INFINITY" influence="false"/><rsc_location id="l1" rsc="b" node="n2" score="100"/>', running=[("a","n1","ocf","Dummy",0)])
cases["standby"] = cib(N3, prim("a"), '<rsc_location id="l1" rsc="a" node="n1" score="100"/>', node_attrs={"n1":{"standby":"on"}})
cases["freeze"] = cib(N3, prim("a")+prim("b"), '<rsc_location id="l1" rsc="b" node="n2" score="10"/>', props=nv("nq","no-quorum-policy","freeze"), running=[("a","n1","ocf","Dummy",0)], quorum="0")
cases["stop_all"] = cib(N3, prim("a"), props=nv("sa","stop-all-resources","true"), running=[("a","n1","ocf","Dummy",0)])
cases["exclusive"] = cib(N3, prim("a")+prim("b"), '<rsc_location id="l1" rsc="a" node="n2" score="0" resource-discovery="exclusive"/><rsc_location id="l2" rsc="a" node="n3" score="5"/>')
cases["pattern"] = cib(N3, prim("w1")+prim("w2")+prim("z"), '<rsc_location id="l1" rsc-pattern="^w" node="n3" score="20"/>')
cases["node_attribute"] = cib(["n1","n2","n3","n4"], prim("a")+prim("b"), '<rsc_location id="l1" rsc="a" node="n1" score="10"/><rsc_location id="l2" rsc="b" node="n1" score="-INFINITY"/><rsc_colocation id="c1" rsc="b" with-rsc="a" score="INFINITY" node-attribute="rack"/>', node_attrs={"n1":{"rack":"r1"},"n2":{"rack":"r1"},"n3":{"rack":"r2"},"n4":{"rack":"r2"}})
cases["interleave"] = cib(N3, '<clone id="c1"><meta_attributes id="c1m">'+nv("c1m1","clone-max","2")+'</meta_attributes>'+prim("p1")+'</clone><clone id="c2"><meta_attributes id="c2m">'+nv("c2m1","interleave","true")+'</meta_attributes>'+prim("p2")+'</clone>', '<rsc_colocation id="co" rsc="c2" with-rsc="c1" score="INFINITY"/><rsc_location id="l1" rsc="c1" node="n2" score="-INFINITY"/>')
cases["ticket"] = cib(N3, prim("a")+prim("b"), '<rsc_ticket id="t1" rsc="a" ticket="T"/><rsc_ticket id="t2" rsc="b" ticket="U"/>', status_extra='<tickets><ticket_state id="U" granted="true"/></tickets>')
cases["unmanaged"] = cib(N3, prim("a", meta=nv("a-um","is-managed","false"))+prim("b"), '<rsc_location id="l1" rsc="a" node="n3" score="100"/><rsc_colocation id="c1" rsc="b" with-rsc="a" score="INFINITY"/>', running=[("a","n1","ocf","Dummy",0)])
for name, x in cases.items():
    open(f"{name}.xml", "w").write(x + "\n")
    r = subprocess.run(["crm_simulate", "-x", f"{name}.xml", "-sQ"], capture_output=True,
                       text=True, env=dict(os.environ, CIB_shadow_dir="/tmp"), check=True)
    open(f"{name}.scores", "w").write(r.stdout)
