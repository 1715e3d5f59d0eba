//! Typed model → element tree. Known attributes first (in Pacemaker's usual
//! order), then the kept [`Extra`] attributes; known children, then kept ones.

use crate::element::Element;
use crate::model::*;

/// Adds attributes to an element, skipping absent values.
trait Put {
    fn put(&mut self, name: &str, v: impl PutValue) -> &mut Self;
}

trait PutValue {
    fn as_attr(&self) -> Option<String>;
}

impl PutValue for &String {
    fn as_attr(&self) -> Option<String> {
        Some((*self).clone())
    }
}
impl PutValue for &str {
    fn as_attr(&self) -> Option<String> {
        Some((*self).to_string())
    }
}
impl PutValue for &Option<String> {
    fn as_attr(&self) -> Option<String> {
        (*self).clone()
    }
}
impl<T> PutValue for &Option<crate::value::Typed<T>> {
    fn as_attr(&self) -> Option<String> {
        self.as_ref().map(|t| t.raw().to_string())
    }
}
impl<T> PutValue for &crate::value::Typed<T> {
    fn as_attr(&self) -> Option<String> {
        Some(self.raw().to_string())
    }
}
impl PutValue for &Option<i64> {
    fn as_attr(&self) -> Option<String> {
        self.map(|v| v.to_string())
    }
}
impl PutValue for i64 {
    fn as_attr(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl Put for Element {
    fn put(&mut self, name: &str, v: impl PutValue) -> &mut Self {
        if let Some(s) = v.as_attr() {
            self.attrs.push((name.to_string(), s));
        }
        self
    }
}

fn finish(mut el: Element, extra: &Extra) -> Element {
    el.attrs.extend(extra.attrs.iter().cloned());
    el.children.extend(extra.children.iter().cloned());
    el
}

/// Writes the whole document.
pub fn cib(c: &Cib) -> Element {
    let mut el = Element::new("cib");
    el.put("crm_feature_set", &c.crm_feature_set)
        .put("validate-with", &c.validate_with)
        .put("epoch", c.epoch)
        .put("num_updates", c.num_updates)
        .put("admin_epoch", c.admin_epoch)
        .put("cib-last-written", &c.cib_last_written)
        .put("update-origin", &c.update_origin)
        .put("update-client", &c.update_client)
        .put("update-user", &c.update_user)
        .put("have-quorum", &c.have_quorum)
        .put("dc-uuid", &c.dc_uuid)
        .put("execution-date", &c.execution_date)
        .put("no-quorum-panic", &c.no_quorum_panic);
    el.push(configuration(&c.configuration));
    el.push(status(&c.status));
    finish(el, &c.extra)
}

fn section(name: &str, children: Vec<Element>, c: &Configuration) -> Element {
    let mut el = Element::new(name);
    el.children = children;
    match c.section_extra.iter().find(|(n, _)| n == name) {
        Some((_, extra)) => finish(el, extra),
        None => el,
    }
}

pub fn configuration(c: &Configuration) -> Element {
    let mut el = Element::new("configuration");
    el.push(section(
        "crm_config",
        c.crm_config
            .iter()
            .map(|s| nvset("cluster_property_set", s))
            .collect(),
        c,
    ));
    el.push(section("nodes", c.nodes.iter().map(node).collect(), c));
    el.push(section(
        "resources",
        c.resources.iter().map(resource).collect(),
        c,
    ));
    el.push(section(
        "constraints",
        c.constraints.iter().map(constraint).collect(),
        c,
    ));
    if let Some(d) = &c.rsc_defaults {
        el.push(defaults("rsc_defaults", d));
    }
    if let Some(d) = &c.op_defaults {
        el.push(defaults("op_defaults", d));
    }
    if let Some(t) = &c.fencing_topology {
        let mut f = Element::new("fencing-topology");
        for l in &t.levels {
            let mut le = Element::new("fencing-level");
            le.put("id", &l.id)
                .put("target", &l.target)
                .put("target-pattern", &l.target_pattern)
                .put("target-attribute", &l.target_attribute)
                .put("target-value", &l.target_value)
                .put("index", l.index)
                .put("devices", &l.devices);
            f.push(finish(le, &l.extra));
        }
        el.push(finish(f, &t.extra));
    }
    if let Some(tags) = &c.tags {
        let children = tags
            .iter()
            .map(|t| {
                let mut te = Element::new("tag");
                te.put("id", &t.id);
                for r in &t.refs {
                    te.push(Element::new("obj_ref").with_attr("id", r));
                }
                finish(te, &t.extra)
            })
            .collect();
        el.push(section("tags", children, c));
    }
    if let Some(alerts) = &c.alerts {
        el.push(section("alerts", alerts.iter().map(alert).collect(), c));
    }
    if let Some(a) = &c.acls {
        el.push(acls(a));
    }
    finish(el, &c.extra)
}

pub fn nvset(tag: &str, s: &NvSet) -> Element {
    let mut el = Element::new(tag);
    el.put("id", &s.id)
        .put("id-ref", &s.id_ref)
        .put("score", &s.score);
    for r in &s.rules {
        el.push(rule(r));
    }
    for p in &s.nvpairs {
        let mut pe = Element::new("nvpair");
        pe.put("id", &p.id).put("id-ref", &p.id_ref);
        if !(p.id_ref.is_some() && p.name.is_empty()) {
            pe.put("name", &p.name);
        }
        pe.put("value", &p.value);
        el.push(finish(pe, &p.extra));
    }
    finish(el, &s.extra)
}

fn nvsets(el: &mut Element, tag: &str, sets: &[NvSet]) {
    for s in sets {
        el.push(nvset(tag, s));
    }
}

pub fn rule(r: &Rule) -> Element {
    let mut el = Element::new("rule");
    el.put("id", &r.id)
        .put("id-ref", &r.id_ref)
        .put("score", &r.score)
        .put("score-attribute", &r.score_attribute)
        .put("boolean-op", &r.boolean_op)
        .put("role", &r.role);
    for e in &r.exprs {
        el.push(match e {
            RuleExpr::Rule(r) => rule(r),
            RuleExpr::Expr(x) => {
                let mut xe = Element::new("expression");
                xe.put("id", &x.id)
                    .put("attribute", &x.attribute)
                    .put("operation", &x.operation)
                    .put("value", &x.value)
                    .put("type", &x.type_)
                    .put("value-source", &x.value_source);
                finish(xe, &x.extra)
            }
            RuleExpr::Date(d) => {
                let mut de = Element::new("date_expression");
                de.put("id", &d.id)
                    .put("operation", &d.operation)
                    .put("start", &d.start)
                    .put("end", &d.end);
                if let Some(s) = &d.date_spec {
                    de.push(date_spec("date_spec", s));
                }
                if let Some(s) = &d.duration {
                    de.push(date_spec("duration", s));
                }
                finish(de, &d.extra)
            }
            RuleExpr::Op(o) => {
                let mut oe = Element::new("op_expression");
                oe.put("id", &o.id)
                    .put("name", &o.name)
                    .put("interval", &o.interval);
                finish(oe, &o.extra)
            }
            RuleExpr::Rsc(x) => {
                let mut xe = Element::new("rsc_expression");
                xe.put("id", &x.id)
                    .put("class", &x.class)
                    .put("provider", &x.provider)
                    .put("type", &x.type_);
                finish(xe, &x.extra)
            }
            RuleExpr::Other(e) => e.clone(),
        });
    }
    finish(el, &r.extra)
}

fn date_spec(tag: &str, s: &DateSpec) -> Element {
    let mut el = Element::new(tag);
    el.put("id", &s.id);
    el.attrs.extend(s.fields.iter().cloned());
    finish(el, &s.extra)
}

fn node(n: &Node) -> Element {
    let mut el = Element::new("node");
    el.put("id", &n.id)
        .put("uname", &n.uname)
        .put("type", &n.type_)
        .put("score", &n.score)
        .put("description", &n.description);
    nvsets(&mut el, "instance_attributes", &n.instance_attributes);
    nvsets(&mut el, "utilization", &n.utilization);
    finish(el, &n.extra)
}

pub fn resource(r: &Resource) -> Element {
    match r {
        Resource::Primitive(p) => primitive("primitive", p),
        Resource::Template(p) => primitive("template", p),
        Resource::Group(g) => {
            let mut el = Element::new("group");
            el.put("id", &g.id).put("description", &g.description);
            for c in &g.children {
                el.push(resource(c));
            }
            nvsets(&mut el, "meta_attributes", &g.meta_attributes);
            nvsets(&mut el, "instance_attributes", &g.instance_attributes);
            nvsets(&mut el, "utilization", &g.utilization);
            finish(el, &g.extra)
        }
        Resource::Clone(c) => {
            let mut el = Element::new(c.tag.as_str());
            el.put("id", &c.id).put("description", &c.description);
            el.push(resource(&c.child));
            nvsets(&mut el, "meta_attributes", &c.meta_attributes);
            nvsets(&mut el, "instance_attributes", &c.instance_attributes);
            finish(el, &c.extra)
        }
        Resource::Bundle(b) => bundle(b),
    }
}

fn primitive(tag: &str, p: &Primitive) -> Element {
    let mut el = Element::new(tag);
    el.put("id", &p.id)
        .put("class", &p.class)
        .put("provider", &p.provider)
        .put("type", &p.type_)
        .put("template", &p.template)
        .put("description", &p.description);
    nvsets(&mut el, "instance_attributes", &p.instance_attributes);
    nvsets(&mut el, "meta_attributes", &p.meta_attributes);
    nvsets(&mut el, "utilization", &p.utilization);
    if let Some(ops) = &p.operations {
        let mut oe = Element::new("operations");
        oe.put("id", &ops.id).put("id-ref", &ops.id_ref);
        for o in &ops.ops {
            oe.push(op(o));
        }
        el.push(finish(oe, &ops.extra));
    }
    finish(el, &p.extra)
}

pub fn op(o: &Op) -> Element {
    let mut el = Element::new("op");
    el.put("id", &o.id)
        .put("name", &o.name)
        .put("interval", &o.interval)
        .put("timeout", &o.timeout)
        .put("start-delay", &o.start_delay)
        .put("interval-origin", &o.interval_origin)
        .put("role", &o.role)
        .put("on-fail", &o.on_fail)
        .put("enabled", &o.enabled)
        .put("record-pending", &o.record_pending)
        .put("description", &o.description);
    nvsets(&mut el, "meta_attributes", &o.meta_attributes);
    nvsets(&mut el, "instance_attributes", &o.instance_attributes);
    finish(el, &o.extra)
}

fn bundle(b: &Bundle) -> Element {
    let mut el = Element::new("bundle");
    el.put("id", &b.id).put("description", &b.description);
    if let Some(c) = &b.container {
        let mut ce = Element::new(c.kind.as_str());
        ce.put("image", &c.image)
            .put("replicas", &c.replicas)
            .put("replicas-per-host", &c.replicas_per_host)
            .put("promoted-max", &c.promoted_max)
            .put("masters", &c.masters)
            .put("run-command", &c.run_command)
            .put("network", &c.network)
            .put("options", &c.options);
        el.push(finish(ce, &c.extra));
    }
    if let Some(n) = &b.network {
        let mut ne = Element::new("network");
        ne.put("ip-range-start", &n.ip_range_start)
            .put("control-port", &n.control_port)
            .put("host-interface", &n.host_interface)
            .put("host-netmask", &n.host_netmask)
            .put("add-host", &n.add_host);
        for p in &n.port_mappings {
            let mut pe = Element::new("port-mapping");
            pe.put("id", &p.id)
                .put("port", &p.port)
                .put("internal-port", &p.internal_port)
                .put("range", &p.range);
            ne.push(finish(pe, &p.extra));
        }
        el.push(finish(ne, &n.extra));
    }
    if let Some(maps) = &b.storage {
        let mut se = Element::new("storage");
        for m in maps {
            let mut me = Element::new("storage-mapping");
            me.put("id", &m.id)
                .put("source-dir", &m.source_dir)
                .put("source-dir-root", &m.source_dir_root)
                .put("target-dir", &m.target_dir)
                .put("options", &m.options);
            se.push(finish(me, &m.extra));
        }
        el.push(se);
    }
    if let Some(p) = &b.primitive {
        el.push(resource(p));
    }
    nvsets(&mut el, "meta_attributes", &b.meta_attributes);
    finish(el, &b.extra)
}

fn defaults(tag: &str, d: &Defaults) -> Element {
    let mut el = Element::new(tag);
    nvsets(&mut el, "meta_attributes", &d.meta_attributes);
    finish(el, &d.extra)
}

pub fn constraint(c: &Constraint) -> Element {
    match c {
        Constraint::Location(l) => {
            let mut el = Element::new("rsc_location");
            el.put("id", &l.id)
                .put("rsc", &l.rsc)
                .put("rsc-pattern", &l.rsc_pattern)
                .put("role", &l.role)
                .put("node", &l.node)
                .put("score", &l.score)
                .put("resource-discovery", &l.resource_discovery);
            for r in &l.rules {
                el.push(rule(r));
            }
            resource_sets(&mut el, &l.sets);
            finish(el, &l.extra)
        }
        Constraint::Colocation(c) => {
            let mut el = Element::new("rsc_colocation");
            el.put("id", &c.id)
                .put("rsc", &c.rsc)
                .put("with-rsc", &c.with_rsc)
                .put("score", &c.score)
                .put("rsc-role", &c.rsc_role)
                .put("with-rsc-role", &c.with_rsc_role)
                .put("node-attribute", &c.node_attribute)
                .put("influence", &c.influence);
            resource_sets(&mut el, &c.sets);
            finish(el, &c.extra)
        }
        Constraint::Order(o) => {
            let mut el = Element::new("rsc_order");
            el.put("id", &o.id)
                .put("first", &o.first)
                .put("first-action", &o.first_action)
                .put("then", &o.then)
                .put("then-action", &o.then_action)
                .put("kind", &o.kind)
                .put("score", &o.score)
                .put("symmetrical", &o.symmetrical)
                .put("require-all", &o.require_all);
            resource_sets(&mut el, &o.sets);
            finish(el, &o.extra)
        }
        Constraint::Ticket(t) => {
            let mut el = Element::new("rsc_ticket");
            el.put("id", &t.id)
                .put("ticket", &t.ticket)
                .put("rsc", &t.rsc)
                .put("rsc-role", &t.rsc_role)
                .put("loss-policy", &t.loss_policy);
            resource_sets(&mut el, &t.sets);
            finish(el, &t.extra)
        }
        Constraint::Other(e) => e.clone(),
    }
}

fn resource_sets(el: &mut Element, sets: &[ResourceSet]) {
    for s in sets {
        let mut se = Element::new("resource_set");
        se.put("id", &s.id)
            .put("id-ref", &s.id_ref)
            .put("sequential", &s.sequential)
            .put("require-all", &s.require_all)
            .put("ordering", &s.ordering)
            .put("action", &s.action)
            .put("role", &s.role)
            .put("score", &s.score)
            .put("kind", &s.kind);
        for r in &s.resources {
            se.push(Element::new("resource_ref").with_attr("id", r));
        }
        el.push(finish(se, &s.extra));
    }
}

fn alert(a: &Alert) -> Element {
    let mut el = Element::new("alert");
    el.put("id", &a.id)
        .put("path", &a.path)
        .put("description", &a.description);
    nvsets(&mut el, "meta_attributes", &a.meta_attributes);
    nvsets(&mut el, "instance_attributes", &a.instance_attributes);
    if let Some(s) = &a.select {
        el.push(s.clone());
    }
    for r in &a.recipients {
        let mut re = Element::new("recipient");
        re.put("id", &r.id)
            .put("value", &r.value)
            .put("description", &r.description);
        nvsets(&mut re, "meta_attributes", &r.meta_attributes);
        nvsets(&mut re, "instance_attributes", &r.instance_attributes);
        el.push(finish(re, &r.extra));
    }
    finish(el, &a.extra)
}

fn acls(a: &Acls) -> Element {
    let mut el = Element::new("acls");
    for e in &a.entries {
        el.push(match e {
            AclEntry::Target(s) | AclEntry::Group(s) => {
                let mut se = Element::new(s.tag.as_str());
                se.put("id", &s.id).put("name", &s.name);
                for r in &s.roles {
                    se.push(Element::new("role").with_attr("id", r));
                }
                finish(se, &s.extra)
            }
            AclEntry::Role(r) => {
                let mut re = Element::new("acl_role");
                re.put("id", &r.id).put("description", &r.description);
                for p in &r.permissions {
                    let mut pe = Element::new("acl_permission");
                    pe.put("id", &p.id)
                        .put("kind", &p.kind)
                        .put("xpath", &p.xpath)
                        .put("reference", &p.reference)
                        .put("object-type", &p.object_type)
                        .put("attribute", &p.attribute)
                        .put("description", &p.description);
                    re.push(finish(pe, &p.extra));
                }
                finish(re, &r.extra)
            }
            AclEntry::Other(e) => e.clone(),
        });
    }
    finish(el, &a.extra)
}

pub fn status(s: &Status) -> Element {
    let mut el = Element::new("status");
    for n in &s.node_states {
        el.push(node_state(n));
    }
    if let Some(t) = &s.tickets {
        let mut te = Element::new("tickets");
        for ts in &t.states {
            let mut se = Element::new("ticket_state");
            se.put("id", &ts.id)
                .put("granted", &ts.granted)
                .put("standby", &ts.standby)
                .put("last-granted", &ts.last_granted);
            te.push(finish(se, &ts.extra));
        }
        el.push(finish(te, &t.extra));
    }
    finish(el, &s.extra)
}

pub fn node_state(n: &NodeState) -> Element {
    let mut el = Element::new("node_state");
    el.put("id", &n.id)
        .put("uname", &n.uname)
        .put("in_ccm", &n.in_ccm)
        .put("crmd", &n.crmd)
        .put("crm-debug-origin", &n.crm_debug_origin)
        .put("join", &n.join)
        .put("expected", &n.expected)
        .put("ha", &n.ha)
        .put("shutdown", &n.shutdown)
        .put("clear_shutdown", &n.clear_shutdown)
        .put("remote_node", &n.remote_node)
        .put("node_fenced", &n.node_fenced)
        .put("node_in_maintenance", &n.node_in_maintenance);
    if let Some(t) = &n.transient_attributes {
        let mut te = Element::new("transient_attributes");
        te.put("id", &t.id);
        nvsets(&mut te, "instance_attributes", &t.instance_attributes);
        el.push(finish(te, &t.extra));
    }
    if let Some(l) = &n.lrm {
        let mut le = Element::new("lrm");
        le.put("id", &l.id);
        if let Some(rs) = &l.lrm_resources {
            let mut rse = Element::new("lrm_resources");
            rse.put("id", &rs.id);
            for r in &rs.resources {
                rse.push(lrm_resource(r));
            }
            le.push(finish(rse, &rs.extra));
        }
        el.push(finish(le, &l.extra));
    }
    finish(el, &n.extra)
}

pub fn lrm_resource(r: &LrmResource) -> Element {
    let mut el = Element::new("lrm_resource");
    el.put("id", &r.id)
        .put("type", &r.type_)
        .put("class", &r.class)
        .put("provider", &r.provider)
        .put("container", &r.container)
        .put("shutdown-lock", &r.shutdown_lock);
    for o in &r.ops {
        el.push(lrm_rsc_op(o));
    }
    finish(el, &r.extra)
}

pub fn lrm_rsc_op(o: &LrmRscOp) -> Element {
    let mut el = Element::new("lrm_rsc_op");
    el.put("id", &o.id)
        .put("operation_key", &o.operation_key)
        .put("operation", &o.operation)
        .put("crm-debug-origin", &o.crm_debug_origin)
        .put("crm_feature_set", &o.crm_feature_set)
        .put("transition-key", &o.transition_key)
        .put("transition-magic", &o.transition_magic)
        .put("exit-reason", &o.exit_reason)
        .put("on_node", &o.on_node)
        .put("call-id", &o.call_id)
        .put("rc-code", &o.rc_code)
        .put("op-status", &o.op_status)
        .put("interval", &o.interval)
        .put("last-rc-change", &o.last_rc_change)
        .put("last-run", &o.last_run)
        .put("exec-time", &o.exec_time)
        .put("queue-time", &o.queue_time)
        .put("op-digest", &o.op_digest)
        .put("op-force-restart", &o.op_force_restart)
        .put("op-restart-digest", &o.op_restart_digest)
        .put("op-secure-params", &o.op_secure_params)
        .put("op-secure-digest", &o.op_secure_digest)
        .put("migrate_source", &o.migrate_source)
        .put("migrate_target", &o.migrate_target);
    finish(el, &o.extra)
}
