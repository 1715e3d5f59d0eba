#!/usr/bin/env python3
"""Records the whole-run fixtures: writes each small CIB below as NAME.xml and
what the real crm_simulate (Pacemaker 2.1.5) prints for it with -S as
NAME.summary. Each case holds one behaviour that tools/differential-simulate
found pacer getting wrong. Run from this directory: ./record.py"""
import subprocess, os

FS = "3.16.1"

def op(rsc, task, interval, call, rc=0, status=0, node="n1", target=0, digest="f2317cad3d54cec5d7d7aa7d0bf35cf8", suffix=None):
    oid = suffix or f"{rsc}_{task}_{interval}"
    key = f"{call}:1:{target}:6fbd0e5b-0f7c-4c5a-9a32-9a4b3f0b7d11"
    return (f'<lrm_rsc_op id="{oid}" operation_key="{rsc}_{task}_{interval}" operation="{task}" '
            f'crm-debug-origin="do_update_resource" crm_feature_set="{FS}" transition-key="{key}" '
            f'transition-magic="{status}:{rc};{key}" exit-reason="" on_node="{node}" call-id="{call}" '
            f'rc-code="{rc}" op-status="{status}" interval="{interval}" last-rc-change="1699990000" '
            f'exec-time="10" queue-time="0" op-digest="{digest}"/>')

def lrm(rsc, ops, cls="ocf", typ="Dummy", provider="pacemaker", extra=""):
    prov = f' provider="{provider}"' if provider else ""
    return f'<lrm_resource id="{rsc}" class="{cls}"{prov} type="{typ}"{extra}>{"".join(ops)}</lrm_resource>'

def node_state(i, name, lrms="", attrs=None, extra=""):
    ta = ""
    if attrs:
        ta = (f'<transient_attributes id="{i}"><instance_attributes id="status-{i}">'
              + "".join(f'<nvpair id="status-{i}-{k}" name="{k}" value="{v}"/>' for k, v in attrs.items())
              + '</instance_attributes></transient_attributes>')
    return (f'<node_state id="{i}" uname="{name}" in_ccm="true" crmd="online" join="member" expected="member"{extra}>'
            f'{ta}<lrm id="{i}"><lrm_resources>{lrms}</lrm_resources></lrm></node_state>')

def cib(resources, status, constraints="", feature_set=FS, nodes=("n1", "n2"), node_attrs=None):
    node_attrs = node_attrs or {}
    node_xml = "".join(
        f'<node id="{i + 1}" uname="{n}"><instance_attributes id="na-{n}">'
        + "".join(nv(f"na-{n}-{k}", k, v) for k, v in node_attrs[n].items())
        + '</instance_attributes></node>' if n in node_attrs else f'<node id="{i + 1}" uname="{n}"/>'
        for i, n in enumerate(nodes))
    return (f'<cib crm_feature_set="{feature_set}" validate-with="pacemaker-3.9" epoch="1" num_updates="1" '
            f'admin_epoch="0" have-quorum="1" dc-uuid="1" execution-date="1700000000"><configuration><crm_config>'
            f'<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set>'
            f'</crm_config><nodes>{node_xml}</nodes><resources>{resources}</resources>'
            f'<constraints>{constraints}</constraints></configuration><status>{status}</status></cib>')

def prim(i, meta="", ops='<op id="{i}-mon" name="monitor" interval="10s"/>', t="Dummy"):
    m = f'<meta_attributes id="{i}-m">{meta}</meta_attributes>' if meta else ""
    return f'<primitive id="{i}" class="ocf" provider="pacemaker" type="{t}">{m}<operations>{ops.format(i=i)}</operations></primitive>'

def nv(i, k, v):
    return f'<nvpair id="{i}" name="{k}" value="{v}"/>'

probe_n2 = lambda r, call=1: op(r, "monitor", 0, call, rc=7, node="n2")
cases = {}

# A resource that stops because it is assigned to no node: the cancel of a
# recurring monitor that is no longer configured (5s history, 10s
# configured) becomes unrunnable and is left out of the graph.
cases["unassigned_orphan_cancel"] = cib(
    prim("a", meta=nv("a-t", "target-role", "Stopped")) + prim("b"),
    node_state(1, "n1", lrm("a", [op("a", "start", 0, 2), op("a", "monitor", 5000, 3)])
               + lrm("b", [op("b", "start", 0, 4), op("b", "monitor", 5000, 5)]))
    + node_state(2, "n2", lrm("a", [probe_n2("a")]) + lrm("b", [probe_n2("b", 2)])),
    '<rsc_location id="ban-b" rsc="b" node="n1" score="-INFINITY"/><rsc_location id="ban-b2" rsc="b" node="n2" score="-INFINITY"/>')

# A CIB older than feature set 3.0.13 names fail counts without the
# operation: "fail-count-a#start_0" is not a fail count of a, so a changed
# (orphaned) monitor does not clear it.
cases["legacy_failcount_names"] = cib(
    prim("a"),
    node_state(1, "n1", lrm("a", [op("a", "start", 0, 2), op("a", "monitor", 10000, 3), op("a", "monitor", 1000, 4)]),
               attrs={"fail-count-a#start_0": "3", "last-failure-a#start_0": "1699990000"})
    + node_state(2, "n2", lrm("a", [probe_n2("a")])),
    feature_set="3.0.10")

# The same with current names: the fail count is cleared.
cases["failcount_cleared_on_change"] = cib(
    prim("a"),
    node_state(1, "n1", lrm("a", [op("a", "start", 0, 2), op("a", "monitor", 10000, 3), op("a", "monitor", 1000, 4)]),
               attrs={"fail-count-a#start_0": "3", "last-failure-a#start_0": "1699990000"})
    + node_state(2, "n2", lrm("a", [probe_n2("a")])))

# A bundle's guest node is never probed for other resources, whatever they
# do (here a clone stopping by target-role).
bundle = ('<bundle id="web"><docker image="pcmk:web" replicas="1"/>'
          '<network ip-range-start="192.168.122.50" control-port="3121"/>'
          '<primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/></bundle>')
clone = ('<clone id="c"><meta_attributes id="c-m">' + nv("c-t", "target-role", "Stopped") + '</meta_attributes>'
         + prim("x") + '</clone>')
guest = ('<node_state id="web-0" uname="web-0" in_ccm="true" crmd="online" join="member" expected="member" '
         'remote_node="true"><lrm id="web-0"><lrm_resources>'
         + lrm("httpd", [op("httpd", "start", 0, 2, node="web-0")], typ="apache", provider="heartbeat")
         + '</lrm_resources></lrm></node_state>')
cases["bundle_node_not_probed"] = cib(
    bundle + clone,
    node_state(1, "n1",
               lrm("web-docker-0", [op("web-docker-0", "start", 0, 2)], typ="docker", provider="heartbeat")
               + lrm("web-ip-192.168.122.50", [op("web-ip-192.168.122.50", "start", 0, 3)], typ="IPaddr2", provider="heartbeat")
               + lrm("web-0", [op("web-0", "start", 0, 4)], typ="remote", extra=' container="web-docker-0"')
               + lrm("x", [op("x", "start", 0, 5), op("x", "monitor", 10000, 6)]))
    + node_state(2, "n2", lrm("web-docker-0", [probe_n2("web-docker-0", 1)], typ="docker", provider="heartbeat")
               + lrm("web-ip-192.168.122.50", [probe_n2("web-ip-192.168.122.50", 2)], typ="IPaddr2", provider="heartbeat")
               + lrm("web-0", [probe_n2("web-0", 3)], typ="remote")
               + lrm("x", [op("x", "start", 0, 5, node="n2"), op("x", "monitor", 10000, 6, node="n2")]))
    + guest)

# An interleaved clone instance that cannot pair with an instance of the
# clone it is colocated with is assigned to no node first (which makes the
# maintenance-mode cancel of its monitor unrunnable), then, unmanaged on a
# node in maintenance, to its current node: no cancel is scheduled.
cases["unpaired_instance_keeps_monitor"] = cib(
    '<clone id="A"><meta_attributes id="A-m">' + nv("A-i", "interleave", "true") + '</meta_attributes>' + prim("a") + '</clone>'
    + '<clone id="B"><meta_attributes id="B-m">' + nv("B-t", "target-role", "Stopped") + '</meta_attributes>' + prim("b") + '</clone>',
    node_state(1, "n1", lrm("a", [op("a", "start", 0, 2), op("a", "monitor", 10000, 3)])
               + lrm("b", [op("b", "monitor", 0, 4, rc=7)]))
    + node_state(2, "n2", lrm("a", [probe_n2("a")]) + lrm("b", [probe_n2("b", 2)])),
    '<rsc_colocation id="a-with-b" rsc="A" with-rsc="B" score="INFINITY"/>',
    node_attrs={"n1": {"maintenance": "true"}})

for name, x in cases.items():
    open(f"{name}.xml", "w").write(x + "\n")
    r = subprocess.run(["crm_simulate", "-S", "-x", f"{name}.xml"], capture_output=True,
                       text=True, env=dict(os.environ, CIB_shadow_dir="/tmp"), check=True)
    if "error" in r.stderr.lower():
        raise SystemExit(f"{name}: crm_simulate: {r.stderr}")
    open(f"{name}.summary", "w").write(r.stdout)
    print(f"recorded {name}.summary")
