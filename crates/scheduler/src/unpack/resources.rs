//! The resource tree: configured resources become [`Resource`]s, clones get
//! their instances, bundles their replicas (container, IP, connection and
//! an implicit clone of the bundled primitive), with meta-attributes and
//! flags evaluated as Pacemaker's `pe__unpack_resource` does.

use std::collections::{BTreeMap, HashSet};

use cib::value::is_true;
use cib::Score;

use super::nodes::{is_remote_primitive, remote_primitive};
use super::nvsets::unpack_sets;
use super::rules::RuleCtx;
use super::Unpacker;
use crate::state::*;
use crate::util::{eq_ci, glib_sort, parse_int};

/// What an agent standard supports (`pcmk_get_ra_caps`), as far as
/// unpacking cares.
pub(crate) struct RaCaps {
    pub unique: bool,
    pub promotable: bool,
}

pub(crate) fn ra_caps(class: &str) -> RaCaps {
    let c = class.to_ascii_lowercase();
    RaCaps {
        unique: c == "ocf" || c == "stonith",
        promotable: c == "ocf",
    }
}

impl Unpacker<'_> {
    pub(crate) fn unpack_resources(&mut self) {
        let cib = self.cib;
        let generated = std::mem::take(&mut self.generated);
        for cfg in cib.configuration.resources.iter().chain(generated.iter()) {
            if matches!(cfg, cib::Resource::Template(_)) || cfg.id().is_empty() {
                continue;
            }
            if let Some(r) = self.unpack_resource(cfg, None, None) {
                self.st.top.push(r);
                self.in_top.insert(r);
            }
        }
        self.generated = generated;
        for i in 0..self.st.top.len() {
            let r = self.st.top[i];
            self.setup_container(r);
            self.link_remote_node(r);
        }
        let top = std::mem::take(&mut self.st.top);
        let st = &self.st;
        self.st.top = glib_sort(top, &mut |a: &RscId, b: &RscId| {
            st.rsc(*b).priority.cmp(&st.rsc(*a).priority)
        });
    }

    /// `pe_find_resource`: by id (or the name the history used), anywhere
    /// under the top-level resources.
    pub(crate) fn find_resource(&self, id: &str) -> Option<RscId> {
        // The first match of a depth-first walk from the top-level
        // resources. The index gives every resource that could match; when
        // the matching ones are all siblings (one resource, or instances
        // of one clone), the first of them among their parent's children is
        // the walk's answer. Anything else takes the walk.
        let mut matching: HashSet<RscId> = HashSet::new();
        let mut first = None;
        let mut siblings = true;
        for &r in self.by_name.get(id).into_iter().flatten() {
            let res = self.st.rsc(r);
            if (res.id != id && res.clone_name.as_deref() != Some(id)) || !self.reachable(r) {
                continue;
            }
            if !matching.insert(r) {
                continue;
            }
            match first {
                None => first = Some(r),
                Some(f) => {
                    let parent = self.st.rsc(f).parent;
                    siblings &= parent.is_some() && res.parent == parent;
                }
            }
        }
        match (first, matching.len()) {
            (None, _) => None,
            (Some(f), 1) => Some(f),
            (Some(f), _) if siblings => {
                let parent = self.st.rsc(f).parent?;
                self.st
                    .rsc(parent)
                    .children
                    .iter()
                    .copied()
                    .find(|c| matching.contains(c))
            }
            // The walk's answer is under the first top-level resource
            // holding a match: walk only that one.
            _ => {
                let tops: HashSet<RscId> =
                    matching.iter().map(|&m| self.st.top_parent(m)).collect();
                if tops.len() == 1 {
                    let top = tops.into_iter().next()?;
                    return self.find_in(top, id);
                }
                self.st
                    .top
                    .iter()
                    .filter(|t| tops.contains(t))
                    .find_map(|&t| self.find_in(t, id))
            }
        }
    }

    /// Whether the walk from the top-level resources reaches `r`: its
    /// top-level ancestor is in `st.top` and no ancestor was dropped
    /// (children are listed by their parent as soon as they are made).
    fn reachable(&self, r: RscId) -> bool {
        let mut cur = r;
        // A resource is at most a few levels deep (bundle, clone, group,
        // primitive); the bound only guards against a cycle.
        for _ in 0..64 {
            if self.dropped.contains(&cur) {
                return false;
            }
            match self.st.rsc(cur).parent {
                None => return self.in_top.contains(&cur),
                Some(p) => cur = p,
            }
        }
        false
    }

    pub(crate) fn find_in(&self, rsc: RscId, id: &str) -> Option<RscId> {
        let r = self.st.rsc(rsc);
        if r.id == id || r.clone_name.as_deref() == Some(id) {
            return Some(rsc);
        }
        r.children.iter().find_map(|&c| self.find_in(c, id))
    }

    fn setup_container(&mut self, rsc: RscId) {
        let children = self.st.rsc(rsc).children.clone();
        if !children.is_empty() {
            for c in children {
                self.setup_container(c);
            }
            return;
        }
        let Some(cid) = self.st.rsc(rsc).meta.get("container").cloned() else {
            return;
        };
        if eq_ci(&cid, &self.st.rsc(rsc).id) {
            return;
        }
        if let Some(container) = self.find_resource(&cid) {
            self.st.resources[rsc.0].container = Some(container);
            let c = &mut self.st.resources[container.0];
            c.flags.is_container = true;
            c.fillers.push(rsc);
        }
    }

    /// `link_rsc2remotenode`: ties a remote node to its connection resource.
    pub(crate) fn link_remote_node(&mut self, rsc: RscId) {
        if !self.st.rsc(rsc).is_remote_node {
            return;
        }
        let Some(nid) = self.st.find_node(&self.st.rsc(rsc).id.clone()) else {
            return;
        };
        self.st.nodes[nid.0].remote_rsc = Some(rsc);
        if self.st.rsc(rsc).container.is_none() {
            self.handle_startup_fencing(nid);
        } else {
            self.st.nodes[nid.0]
                .attrs
                .insert("#kind".into(), "container".into());
        }
    }

    /// Expands `template=` references (`unpack_template`): the template's
    /// attributes and children, then the primitive's children, with the
    /// template's operations merged in where the primitive has none of that
    /// name and role.
    fn expand_template(&self, p: &cib::Primitive) -> Option<cib::Primitive> {
        let Some(tid) = &p.template else {
            return Some(p.clone());
        };
        if *tid == p.id {
            return None;
        }
        let t = self
            .cib
            .configuration
            .resources
            .iter()
            .find_map(|r| match r {
                cib::Resource::Template(t) if t.id == *tid => Some(t),
                _ => None,
            })?;
        let mut x = t.clone();
        x.id = p.id.clone();
        x.template = None;
        x.meta_attributes.extend(p.meta_attributes.iter().cloned());
        x.instance_attributes
            .extend(p.instance_attributes.iter().cloned());
        x.utilization.extend(p.utilization.iter().cloned());
        x.extra.children.extend(p.extra.children.iter().cloned());
        let key = |op: &cib::Op| {
            let role = op.role.as_ref().map(|r| r.raw().to_string());
            let role = match role.as_deref() {
                None => "Unknown".to_string(),
                Some(r)
                    if ["started", "unpromoted", "slave"]
                        .contains(&r.to_ascii_lowercase().as_str()) =>
                {
                    "Unknown".to_string()
                }
                Some(r) => r.to_string(),
            };
            format!("{}-{}", op.name, role)
        };
        if let Some(own) = &p.operations {
            let mut merged = own.clone();
            if let Some(tops) = &t.operations {
                let have: Vec<String> = own.ops.iter().map(key).collect();
                for op in &tops.ops {
                    if !have.contains(&key(op)) {
                        merged.ops.push(op.clone());
                    }
                }
            }
            x.operations = Some(merged);
        }
        Some(x)
    }

    /// `pe__unpack_resource`: one configured resource (and everything under
    /// it) into the arena. `incarnation` makes it a clone instance.
    pub(crate) fn unpack_resource(
        &mut self,
        cfg: &cib::Resource,
        parent: Option<RscId>,
        incarnation: Option<i64>,
    ) -> Option<RscId> {
        let expanded;
        let cfg = match cfg {
            cib::Resource::Primitive(p) if p.template.is_some() => {
                expanded = cib::Resource::Primitive(self.expand_template(p)?);
                &expanded
            }
            cib::Resource::Template(_) => return None,
            other => other,
        };
        let xml_id = cfg.id().to_string();
        let id = match incarnation {
            Some(n) => format!("{xml_id}:{n}"),
            None => xml_id.clone(),
        };
        let (kind, description) = match cfg {
            cib::Resource::Primitive(p) => (
                ResourceKind::Primitive(PrimitiveSpec {
                    class: p
                        .class
                        .as_ref()
                        .map(|c| c.raw().to_string())
                        .unwrap_or_default(),
                    provider: p.provider.clone(),
                    agent: p.type_.clone().unwrap_or_default(),
                    config: Some(Box::new(self.resolve_ops(p))),
                }),
                p.description.clone(),
            ),
            cib::Resource::Group(g) => (ResourceKind::Group, g.description.clone()),
            cib::Resource::Clone(c) => (
                ResourceKind::Clone(CloneSpec {
                    child_id: c.child.id().to_string(),
                    clone_max: 0,
                    clone_node_max: 1,
                    promoted_max: 0,
                    promoted_node_max: 0,
                    ordered: false,
                    total_clones: 0,
                    template: c.child.clone(),
                }),
                c.description.clone(),
            ),
            cib::Resource::Bundle(b) => (
                ResourceKind::Bundle(BundleSpec {
                    agent: String::new(),
                    image: String::new(),
                    nreplicas: 0,
                    nreplicas_per_host: 1,
                    promoted_max: 0,
                    replicas: Vec::new(),
                    child: None,
                }),
                b.description.clone(),
            ),
            cib::Resource::Template(_) => return None,
        };
        let rid = RscId(self.st.resources.len());
        self.by_name.entry(id.clone()).or_default().push(rid);
        self.st.resources.push(Resource {
            id,
            xml_id,
            kind,
            parent,
            children: Vec::new(),
            meta: BTreeMap::new(),
            flags: RscFlags::default(),
            description,
            role: Role::Stopped,
            next_role: Role::Unknown,
            running_on: Vec::new(),
            known_on: Default::default(),
            allowed_nodes: BTreeMap::new(),
            pending_task: None,
            pending_node: None,
            lock_node: None,
            lock_time: None,
            clone_name: None,
            partial_migration_source: None,
            partial_migration_target: None,
            dangling_migrations: Vec::new(),
            container: None,
            fillers: Vec::new(),
            is_remote_node: false,
            priority: 0,
            stickiness: 0,
            migration_threshold: Score::INFINITY.value(),
            failure_timeout_s: 0,
            remote_reconnect_ms: 0,
            recovery: MultipleActive::StopStart,
        });
        let meta = self.meta_attributes(rid, cfg, incarnation);
        self.st.resources[rid.0].meta = meta;
        let is_guest = self.unpack_flags(rid, cfg);
        let ok = match cfg {
            cib::Resource::Primitive(_) => self.unpack_native(rid),
            cib::Resource::Group(g) => {
                self.unpack_group(rid, g, incarnation);
                true
            }
            cib::Resource::Clone(_) => self.unpack_clone(rid),
            cib::Resource::Bundle(b) => self.unpack_bundle(rid, b),
            cib::Resource::Template(_) => false,
        };
        if !ok {
            // The arena keeps the entry, but nothing refers to it.
            self.dropped.insert(rid);
            return None;
        }
        if self.st.options.symmetric_cluster {
            self.location_all(rid, Score::ZERO, true);
        } else if is_guest {
            self.location_all(rid, Score::ZERO, false);
        }
        Some(rid)
    }

    /// Resolves an `<operations id-ref>` to the referenced operations.
    fn resolve_ops(&self, p: &cib::Primitive) -> cib::Primitive {
        let mut p = p.clone();
        if let Some(ops) = &p.operations {
            if let Some(wanted) = &ops.id_ref {
                let found = self
                    .cib
                    .configuration
                    .resources
                    .iter()
                    .flat_map(|r| r.walk())
                    .find_map(|r| match r {
                        cib::Resource::Primitive(q) | cib::Resource::Template(q) => q
                            .operations
                            .as_ref()
                            .filter(|o| o.id.as_deref() == Some(wanted.as_str())),
                        _ => None,
                    });
                p.operations = found.cloned();
            }
        }
        p
    }

    /// `get_meta_attributes`: the element's own attributes, its meta sets,
    /// its ancestors' meta sets, the resource defaults, then anything else
    /// the parent has.
    fn meta_attributes(
        &mut self,
        rid: RscId,
        cfg: &cib::Resource,
        incarnation: Option<i64>,
    ) -> BTreeMap<String, String> {
        let mut meta = BTreeMap::new();
        let (attrs, sets, rsc_ctx): (Vec<(String, String)>, &[cib::NvSet], _) = match cfg {
            cib::Resource::Primitive(p) | cib::Resource::Template(p) => {
                let mut a = vec![("id".to_string(), p.id.clone())];
                if let Some(c) = &p.class {
                    a.push(("class".into(), c.raw().to_string()));
                }
                if let Some(v) = &p.provider {
                    a.push(("provider".into(), v.clone()));
                }
                if let Some(v) = &p.type_ {
                    a.push(("type".into(), v.clone()));
                }
                if let Some(v) = &p.description {
                    a.push(("description".into(), v.clone()));
                }
                a.extend(p.extra.attrs.iter().cloned());
                (
                    a,
                    &p.meta_attributes,
                    Some((
                        p.class.as_ref().map(|c| c.raw()).unwrap_or(""),
                        p.provider.as_deref(),
                        p.type_.as_deref().unwrap_or(""),
                    )),
                )
            }
            cib::Resource::Group(g) => {
                let mut a = vec![("id".to_string(), g.id.clone())];
                a.extend(g.extra.attrs.iter().cloned());
                (a, &g.meta_attributes, None)
            }
            cib::Resource::Clone(c) => {
                let mut a = vec![("id".to_string(), c.id.clone())];
                a.extend(c.extra.attrs.iter().cloned());
                (a, &c.meta_attributes, None)
            }
            cib::Resource::Bundle(b) => {
                let mut a = vec![("id".to_string(), b.id.clone())];
                a.extend(b.extra.attrs.iter().cloned());
                (a, &b.meta_attributes, None)
            }
        };
        for (k, v) in attrs {
            meta.insert(k, v);
        }
        if let Some(n) = incarnation {
            meta.insert("clone".into(), n.to_string());
        }
        let next_change = std::cell::Cell::new(0);
        let ctx = RuleCtx {
            now: self.st.now,
            rsc: rsc_ctx,
            next_change: Some(&next_change),
            ..Default::default()
        };
        unpack_sets(&self.ix, sets, &ctx, &mut meta, false, None);
        if let Some(parent) = self.st.rsc(rid).parent {
            let mut from_parents = BTreeMap::new();
            let mut p = Some(parent);
            while let Some(pid) = p {
                let psets = self.meta_sets_of(pid);
                unpack_sets(&self.ix, &psets, &ctx, &mut from_parents, false, None);
                p = self.st.rsc(pid).parent;
            }
            for (k, v) in from_parents {
                meta.entry(k).or_insert(v);
            }
        }
        if let Some(d) = &self.cib.configuration.rsc_defaults {
            unpack_sets(&self.ix, &d.meta_attributes, &ctx, &mut meta, false, None);
        }
        if let Some(parent) = self.st.rsc(rid).parent {
            for (k, v) in &self.st.rsc(parent).meta {
                meta.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        self.st.update_recheck(next_change.get());
        meta
    }

    /// The meta sets written on a resource's own element.
    fn meta_sets_of(&self, rid: RscId) -> Vec<cib::NvSet> {
        self.own_sets.get(&rid).cloned().unwrap_or_default()
    }

    /// Flags and settings from meta-attributes; returns whether this is a
    /// guest node's connection.
    fn unpack_flags(&mut self, rid: RscId, cfg: &cib::Resource) -> bool {
        let sets: Vec<cib::NvSet> = cfg.meta_attributes().to_vec();
        self.own_sets.insert(rid, sets);
        let maintenance_mode = self.st.options.maintenance_mode;
        let is_remote_prim = matches!(cfg, cib::Resource::Primitive(p) if is_remote_primitive(p));
        let class = match cfg {
            cib::Resource::Primitive(p) => p.class.as_ref().map(|c| c.raw().to_string()),
            _ => None,
        };
        let in_clone = {
            let up = self.st.uber_parent(rid);
            self.st.is_clone(up)
        };
        let meta = self.st.rsc(rid).meta.clone();
        let r = &mut self.st.resources[rid.0];
        let m = |k: &str| meta.get(k).cloned();
        let mut f = RscFlags {
            managed: !maintenance_mode,
            ..Default::default()
        };
        r.priority = m("priority").map_or(0, |v| score_value(&v));
        f.critical = m("critical").map_or(true, |v| is_true(Some(&v)));
        f.notify = is_true(m("notify").as_deref());
        let mut guest = false;
        let mut remote = false;
        if is_remote_prim {
            r.is_remote_node = true;
            if m("container").is_some() {
                guest = true;
            } else {
                remote = true;
            }
        }
        match m("allow-migrate") {
            Some(v) => f.allow_migrate = is_true(Some(&v)),
            None => f.allow_migrate = remote,
        }
        if let Some(v) = m("is-managed") {
            if !eq_ci(&v, "default") {
                f.managed = is_true(Some(&v));
            }
        }
        if is_true(m("maintenance").as_deref()) || maintenance_mode {
            f.managed = false;
            f.maintenance = true;
        }
        if in_clone {
            f.unique = is_true(m("globally-unique").as_deref());
            let legacy_master =
                matches!(cfg, cib::Resource::Clone(c) if c.tag == cib::CloneTag::Master);
            if is_true(m("promotable").as_deref()) {
                f.promotable = true;
            } else if legacy_master {
                r.meta.insert("promotable".into(), "true".into());
                f.promotable = true;
            }
        } else {
            f.unique = true;
        }
        r.recovery = match m("multiple-active")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            Some("stop_only") => MultipleActive::StopOnly,
            Some("block") => MultipleActive::Block,
            Some("stop_unexpected") => MultipleActive::StopUnexpected,
            _ => MultipleActive::StopStart,
        };
        if let Some(v) = m("resource-stickiness") {
            if !eq_ci(&v, "default") {
                r.stickiness = score_value(&v);
            }
        }
        if let Some(v) = m("migration-threshold") {
            if !eq_ci(&v, "default") {
                r.migration_threshold = score_value(&v);
                if r.migration_threshold < 0 {
                    r.migration_threshold = 1;
                }
            }
        }
        let is_stonith = class.as_deref().is_some_and(|c| eq_ci(c, "stonith"));
        if is_stonith {
            f.fence_device = true;
        }
        if let Some(v) = m("failure-timeout") {
            r.failure_timeout_s =
                cib::value::parse_duration_ms(&v).map_or(0, |ms| (ms / 1000) as i64);
        }
        r.flags = f;
        if is_stonith {
            self.st.options.have_stonith_resource = true;
        }
        let requires = self.st.rsc(rid).meta.get("requires").cloned();
        self.unpack_requires(rid, requires.as_deref(), is_remote_prim);
        if remote {
            let params = self.instance_params(rid);
            if let Some(v) = params.get("reconnect_interval") {
                let ms = cib::value::parse_duration_ms(v).unwrap_or(0);
                let r = &mut self.st.resources[rid.0];
                r.remote_reconnect_ms = ms;
                r.failure_timeout_s = (ms / 1000) as i64;
            }
        }
        let target = self.target_role(rid);
        if let Some(role) = target {
            self.st.resources[rid.0].next_role = role;
        }
        guest
    }

    /// `unpack_requires`: what starting the resource needs.
    fn unpack_requires(&mut self, rid: RscId, value: Option<&str>, is_remote_prim: bool) {
        let o = &self.st.options;
        let lower = value.map(str::to_ascii_lowercase);
        let fence_device = self.st.rsc(rid).flags.fence_device;
        let valid = match lower.as_deref() {
            Some("nothing") => Some("nothing"),
            Some("quorum") => Some("quorum"),
            Some("fencing") => Some("fencing"),
            Some("unfencing") if fence_device || !o.stonith_enabled => Some("quorum"),
            Some("unfencing") => Some("unfencing"),
            _ => None,
        };
        let chosen = match valid {
            Some(v) => v,
            None => {
                let is_native = self.st.rsc(rid).is_primitive();
                if fence_device || (is_native && is_remote_prim) {
                    "quorum"
                } else if o.enable_unfencing {
                    "unfencing"
                } else if o.stonith_enabled {
                    "fencing"
                } else if o.no_quorum_policy == NoQuorumPolicy::Ignore {
                    "nothing"
                } else {
                    "quorum"
                }
            }
        };
        let (unfencing_ok, stonith) = (!fence_device, o.stonith_enabled);
        let f = &mut self.st.resources[rid.0].flags;
        match chosen {
            "quorum" => f.needs_quorum = true,
            "fencing" => f.needs_fencing = true,
            "unfencing" if unfencing_ok && stonith => {
                f.needs_fencing = true;
                f.needs_unfencing = true;
            }
            "unfencing" => f.needs_quorum = true,
            _ => {}
        }
    }

    /// `get_target_role`: the role `target-role` asks for, if it limits
    /// anything (Started and default do not).
    fn target_role(&self, rid: RscId) -> Option<Role> {
        let v = self.st.rsc(rid).meta.get("target-role")?;
        if eq_ci(v, "started") || eq_ci(v, "default") {
            return None;
        }
        let role = parse_role(v)?;
        if role > Role::Started {
            let up = self.st.uber_parent(rid);
            if !self.st.rsc(up).flags.promotable || role > Role::Unpromoted {
                return None;
            }
        }
        Some(role)
    }

    /// `pe_rsc_params` without a node: instance attributes of the resource,
    /// its ancestors, then the resource defaults.
    pub(crate) fn instance_params(&self, rid: RscId) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let ctx = RuleCtx::new(self.st.now);
        let mut cur = Some(rid);
        while let Some(c) = cur {
            let r = self.st.rsc(c);
            if let ResourceKind::Primitive(p) = &r.kind {
                if let Some(cfg) = &p.config {
                    unpack_sets(
                        &self.ix,
                        &cfg.instance_attributes,
                        &ctx,
                        &mut out,
                        false,
                        None,
                    );
                }
            }
            cur = r.parent;
        }
        out
    }

    /// `native_unpack`: agent standards that cannot be unique or promotable.
    fn unpack_native(&mut self, rid: RscId) -> bool {
        let parent = self.st.uber_parent(rid);
        let ResourceKind::Primitive(p) = &self.st.rsc(rid).kind else {
            return true;
        };
        let caps = ra_caps(&p.class);
        let is_clone = self.st.is_clone(parent);
        if !caps.unique && self.st.rsc(rid).flags.unique && is_clone {
            let nodes = self.st.nodes.len() as i64;
            if let ResourceKind::Clone(c) = &mut self.st.resources[parent.0].kind {
                c.clone_node_max = 1;
                c.clone_max = c.clone_max.min(nodes);
            }
            self.clear_unique(parent);
            self.clear_unique(rid);
        }
        if !caps.promotable && self.st.rsc(parent).flags.promotable {
            return false;
        }
        true
    }

    fn clear_unique(&mut self, rid: RscId) {
        let r = &mut self.st.resources[rid.0];
        r.flags.unique = false;
        r.meta.insert("globally-unique".into(), "false".into());
        for c in r.children.clone() {
            self.clear_unique(c);
        }
    }

    fn unpack_group(&mut self, rid: RscId, g: &cib::Group, incarnation: Option<i64>) {
        for child in &g.children {
            if !matches!(child, cib::Resource::Primitive(_)) {
                continue;
            }
            if let Some(c) = self.unpack_resource(child, Some(rid), incarnation) {
                self.st.resources[rid.0].children.push(c);
            }
        }
    }

    fn unpack_clone(&mut self, rid: RscId) -> bool {
        let meta = self.st.rsc(rid).meta.clone();
        let promotable = self.st.rsc(rid).flags.promotable;
        let scan = |v: Option<&String>, default: i64| match v {
            None => default,
            Some(s) => parse_int(Some(s), 0).max(0),
        };
        let nodes = self.st.nodes.len() as i64;
        let unique = self.st.rsc(rid).flags.unique;
        if let ResourceKind::Clone(c) = &mut self.st.resources[rid.0].kind {
            if promotable {
                c.promoted_max = scan(meta.get("promoted-max").or(meta.get("master-max")), 1);
                c.promoted_node_max = scan(
                    meta.get("promoted-node-max")
                        .or(meta.get("master-node-max")),
                    1,
                );
            }
            c.clone_node_max = scan(meta.get("clone-node-max"), 1);
            c.clone_max = scan(meta.get("clone-max"), nodes.max(1));
            c.ordered = is_true(meta.get("ordered").map(String::as_str));
            if !unique && c.clone_node_max > 1 {
                c.clone_node_max = 1;
            }
        }
        let r = &mut self.st.resources[rid.0];
        r.meta
            .entry("resource-stickiness".into())
            .or_insert_with(|| "1".into());
        r.meta
            .entry("globally-unique".into())
            .or_insert_with(|| if unique { "true" } else { "false" }.into());
        let clone_max = |st: &ClusterState| match &st.rsc(rid).kind {
            ResourceKind::Clone(c) => c.clone_max,
            _ => 0,
        };
        if clone_max(&self.st) <= 0 {
            return self.create_clone_child(rid).is_some();
        }
        let mut i = 0;
        while i < clone_max(&self.st) {
            if self.create_clone_child(rid).is_none() {
                return false;
            }
            i += 1;
        }
        true
    }

    /// `pe__create_clone_child`: the next instance (an orphan once all
    /// `clone-max` instances exist).
    pub(crate) fn create_clone_child(&mut self, clone: RscId) -> Option<RscId> {
        let ResourceKind::Clone(c) = &self.st.rsc(clone).kind else {
            return None;
        };
        let as_orphan = c.total_clones >= c.clone_max;
        let inc = c.total_clones;
        let inc_max = c.clone_max;
        let template = c.template.clone();
        let child = self.unpack_resource(&template, Some(clone), Some(inc))?;
        if let ResourceKind::Clone(c) = &mut self.st.resources[clone.0].kind {
            c.total_clones += 1;
        }
        self.st.resources[clone.0].children.push(child);
        if as_orphan {
            self.set_orphan_recursive(child);
        }
        self.st.resources[child.0]
            .meta
            .entry("clone-max".into())
            .or_insert_with(|| inc_max.to_string());
        Some(child)
    }

    pub(crate) fn set_orphan_recursive(&mut self, rid: RscId) {
        self.st.resources[rid.0].flags.orphan = true;
        for c in self.st.rsc(rid).children.clone() {
            self.set_orphan_recursive(c);
        }
    }

    /// Adds `score` for every node to a resource and its descendants
    /// (`resource_location` with no node). `symmetric` marks the
    /// symmetric-cluster default, which skips exclusive resources and nodes
    /// that must never be probed.
    pub(crate) fn location_all(&mut self, rid: RscId, score: Score, symmetric: bool) {
        let order = self.st.node_order.clone();
        for n in order {
            self.location(rid, n, score, symmetric);
        }
    }

    /// `resource_node_score` for one node.
    pub(crate) fn location(&mut self, rid: RscId, node: NodeId, score: Score, symmetric: bool) {
        if symmetric
            && (self.st.rsc(rid).flags.exclusive_discover || self.st.node(node).discover_never)
        {
            return;
        }
        for c in self.st.rsc(rid).children.clone() {
            self.location(c, node, score, symmetric);
        }
        // Pacemaker keys allowed nodes by node id: a second node with the
        // same id shares the first one's entry.
        let key = self.same_id_entry(rid, node).unwrap_or(node);
        let weight = self.st.node(node).weight;
        let entry = self.st.resources[rid.0]
            .allowed_nodes
            .entry(key)
            .or_insert(weight);
        *entry += score;
    }

    /// The first node (in table order) of `rid`'s allowed nodes whose id is
    /// `node`'s.
    fn same_id_entry(&self, rid: RscId, node: NodeId) -> Option<NodeId> {
        let allowed = &self.st.rsc(rid).allowed_nodes;
        self.nodes_by_id
            .get(&self.st.node(node).id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|n| allowed.contains_key(n))
            .min()
    }

    /// Replaces a resource's allowed nodes by every node at `score`.
    pub(crate) fn ban_everywhere(&mut self, rid: RscId, score: Score) {
        let order = self.st.node_order.clone();
        let mut table: Vec<(NodeId, Score)> = Vec::new();
        for n in order {
            // Same-id nodes replace each other, as in a table keyed by id.
            let id = &self.st.node(n).id;
            table.retain(|(m, _)| self.st.node(*m).id != *id);
            table.push((n, score));
        }
        self.st.resources[rid.0].allowed_nodes = table.into_iter().collect();
    }

    fn unpack_bundle(&mut self, rid: RscId, b: &cib::Bundle) -> bool {
        let Some(ctr) = &b.container else {
            return false;
        };
        let raw = |t: &Option<cib::Typed<i64>>| t.as_ref().map(|v| v.raw().to_string());
        let promoted_max =
            parse_int(raw(&ctr.promoted_max).or(raw(&ctr.masters)).as_deref(), 0).max(0);
        let replicas_raw = raw(&ctr.replicas);
        let nreplicas = if replicas_raw.is_none() && promoted_max > 0 {
            promoted_max
        } else {
            replicas_raw
                .as_deref()
                .map_or(1, |v| parse_int(Some(v), 1).max(1))
        };
        let per_host = raw(&ctr.replicas_per_host)
            .as_deref()
            .map_or(1, |v| parse_int(Some(v), 1).max(1));
        if per_host == 1 {
            self.st.resources[rid.0].flags.unique = false;
        }
        let prefix = self.st.rsc(rid).id.clone();
        let net = b.network.as_ref();
        let ip_start = net.and_then(|n| n.ip_range_start.clone());
        let control_port = net.and_then(|n| n.control_port.clone());
        let valid_network = ip_start.is_some() || control_port.is_some();
        if let ResourceKind::Bundle(spec) = &mut self.st.resources[rid.0].kind {
            spec.agent = ctr.kind.clone();
            spec.image = ctr.image.clone().unwrap_or_default();
            spec.nreplicas = nreplicas;
            spec.nreplicas_per_host = per_host;
            spec.promoted_max = promoted_max;
        }
        let mut child_clone = None;
        if let Some(prim) = &b.primitive {
            if !valid_network {
                return false;
            }
            let tag = if promoted_max > 0 { "master" } else { "clone" };
            let pair = |n: &str, v: String| cib::NvPair {
                id: Some(format!("{prefix}-{tag}-meta-{n}")),
                name: n.to_string(),
                value: Some(v),
                ..Default::default()
            };
            let mut pairs = vec![
                pair("ordered", "true".into()),
                pair("clone-max", nreplicas.to_string()),
                pair("clone-node-max", per_host.to_string()),
                pair("globally-unique", (per_host > 1).to_string()),
            ];
            if promoted_max > 0 {
                pairs.push(pair("promotable", "true".into()));
                pairs.push(pair("promoted-max", promoted_max.to_string()));
            }
            let clone_cfg = cib::Resource::Clone(cib::Clone {
                id: format!("{prefix}-{tag}"),
                tag: cib::CloneTag::Clone,
                description: None,
                child: prim.clone(),
                meta_attributes: vec![cib::NvSet {
                    id: Some(format!("{prefix}-{tag}-meta")),
                    nvpairs: pairs,
                    ..Default::default()
                }],
                instance_attributes: Vec::new(),
                extra: Default::default(),
            });
            let Some(c) = self.unpack_resource(&clone_cfg, Some(rid), None) else {
                return false;
            };
            child_clone = Some(c);
        }
        let mut replicas = Vec::new();
        let mut last_ip: Option<String> = None;
        let make_ip = |last: &mut Option<String>| -> Option<String> {
            let start = ip_start.as_ref()?;
            let next = match last.as_deref() {
                Some(prev) => next_ip(prev),
                None => Some(start.clone()),
            };
            *last = next.clone();
            next
        };
        match child_clone {
            Some(c) => {
                let instances = self.st.rsc(c).children.clone();
                for (offset, inst) in instances.into_iter().enumerate() {
                    self.st.resources[inst.0].flags.exclusive_discover = true;
                    if self.st.rsc(inst).flags.notify {
                        self.st.resources[c.0].flags.notify = true;
                    }
                    replicas.push((offset as i64, Some(inst), make_ip(&mut last_ip)));
                }
            }
            None => {
                for offset in 0..nreplicas {
                    replicas.push((offset, None, make_ip(&mut last_ip)));
                }
            }
        }
        let agent = ctr.kind.clone();
        let all_ips: Vec<(i64, String)> = replicas
            .iter()
            .filter_map(|(o, _, ip)| ip.clone().map(|ip| (*o, ip)))
            .collect();
        let gen = BundleParams::new(b, &prefix, child_clone.is_some(), &all_ips);
        for (offset, child, ipaddr) in replicas {
            let mut container_cfg =
                simple_primitive(&format!("{prefix}-{agent}-{offset}"), "heartbeat", &agent);
            if let cib::Resource::Primitive(p) = &mut container_cfg {
                p.instance_attributes =
                    vec![gen.container_set(offset, ipaddr.as_deref(), child.is_some())];
            }
            let Some(container) = self.unpack_resource(&container_cfg, Some(rid), None) else {
                return false;
            };
            self.st.resources[rid.0].children.push(container);
            let mut ip = None;
            if let Some(addr) = &ipaddr {
                let mut cfg =
                    simple_primitive(&format!("{prefix}-ip-{addr}"), "heartbeat", "IPaddr2");
                if let cib::Resource::Primitive(p) = &mut cfg {
                    p.instance_attributes = vec![gen.ip_set(offset, addr)];
                }
                let Some(i) = self.unpack_resource(&cfg, Some(rid), None) else {
                    return false;
                };
                self.st.resources[rid.0].children.push(i);
                ip = Some(i);
            }
            let mut remote = None;
            let mut node = None;
            if let (Some(inst), true) = (child, valid_network) {
                let mut name = format!("{prefix}-{offset}");
                if self.find_resource(&name).is_some() {
                    name = format!("pcmk-internal-{}-remote-{offset}", self.st.rsc(inst).id);
                }
                let port = control_port.clone().unwrap_or_else(|| "3121".to_string());
                let connect = ipaddr.clone().unwrap_or_else(|| "#uname".to_string());
                let container_id = self.st.rsc(container).id.clone();
                let cfg = remote_primitive(
                    &name,
                    Some(&container_id),
                    None,
                    None,
                    None,
                    Some(&connect),
                    Some(&port),
                );
                let nid = match self.st.find_node(&name) {
                    Some(n) => {
                        self.st.nodes[n.0].weight = Score::MINUS_INFINITY;
                        n
                    }
                    None => self.create_node(&name, &name, NodeKind::Remote, Some("-INFINITY")),
                };
                self.st.nodes[nid.0].discover_never = true;
                let tops = self.st.top.clone();
                for t in tops {
                    self.disallow_node(t, nid);
                }
                self.st.resources[inst.0].allowed_nodes = [(nid, Score::from(500))].into();
                if let Some(cl) = self.st.rsc(inst).parent {
                    self.st.resources[cl.0]
                        .allowed_nodes
                        .insert(nid, Score::MINUS_INFINITY);
                }
                let Some(rem) =
                    self.unpack_resource(&cib::Resource::Primitive(cfg), Some(rid), None)
                else {
                    return false;
                };
                let remote_nodes: Vec<NodeId> = self
                    .st
                    .rsc(rem)
                    .allowed_nodes
                    .keys()
                    .copied()
                    .filter(|&n| self.st.is_guest_or_remote(n))
                    .collect();
                for n in remote_nodes {
                    self.st.resources[rem.0]
                        .allowed_nodes
                        .insert(n, Score::MINUS_INFINITY);
                }
                self.st.nodes[nid.0].remote_rsc = Some(rem);
                self.st.resources[rem.0].container = Some(container);
                self.st.nodes[nid.0]
                    .attrs
                    .insert("#kind".into(), "container".into());
                self.st.resources[rid.0].children.push(rem);
                remote = Some(rem);
                node = Some(nid);
            }
            if let (Some(inst), Some(addr)) = (child, &ipaddr) {
                self.st.resources[inst.0]
                    .meta
                    .entry("external-ip".into())
                    .or_insert_with(|| addr.clone());
            }
            if let ResourceKind::Bundle(spec) = &mut self.st.resources[rid.0].kind {
                spec.replicas.push(Replica {
                    offset,
                    ipaddr,
                    child,
                    container,
                    ip,
                    remote,
                    node,
                });
            }
        }
        if let Some(c) = child_clone {
            self.st.resources[rid.0].children.push(c);
            if let ResourceKind::Bundle(spec) = &mut self.st.resources[rid.0].kind {
                spec.child = Some(c);
            }
        }
        true
    }

    fn disallow_node(&mut self, rid: RscId, node: NodeId) {
        if let Some(w) = self.st.resources[rid.0].allowed_nodes.get_mut(&node) {
            *w = Score::MINUS_INFINITY;
        }
        for c in self.st.rsc(rid).children.clone() {
            self.disallow_node(c, node);
        }
    }

    /// `create_fake_resource`: a primitive known only from the history.
    pub(crate) fn create_orphan(&mut self, lrm: &cib::LrmResource) -> Option<RscId> {
        let mut p = cib::Primitive {
            id: lrm.id.clone(),
            provider: lrm.provider.clone(),
            type_: lrm.type_.clone(),
            ..Default::default()
        };
        if let Some(c) = &lrm.class {
            let (t, _) = cib::Typed::parse_lenient(c);
            p.class = Some(t);
        }
        if let Some(c) = &lrm.container {
            p.extra.attrs.push(("container".into(), c.clone()));
        }
        p.extra.attrs.extend(lrm.extra.attrs.iter().cloned());
        let is_remote = is_remote_primitive(&p);
        let rid = self.unpack_resource(&cib::Resource::Primitive(p), None, None)?;
        if is_remote {
            let name = lrm.id.clone();
            let nid = match self.st.find_node(&name) {
                Some(n) => n,
                None => self.create_node(&name, &name, NodeKind::Remote, None),
            };
            self.link_remote_node(rid);
            self.st.nodes[nid.0].shutdown = true;
        }
        if lrm.container.is_some() {
            self.st.resources[rid.0].flags.orphan_container_filler = true;
        }
        self.st.resources[rid.0].flags.orphan = true;
        self.st.top.push(rid);
        self.in_top.insert(rid);
        Some(rid)
    }
}

/// A bare `ocf:<provider>:<agent>` primitive with a 60s monitor, as bundles
/// generate for their containers and addresses.
fn simple_primitive(id: &str, provider: &str, agent: &str) -> cib::Resource {
    let (interval, _) = cib::Typed::parse_lenient("60s");
    cib::Resource::Primitive(cib::Primitive {
        id: id.to_string(),
        class: Some(cib::Typed::new(cib::value::RscClass::Ocf)),
        provider: Some(provider.to_string()),
        type_: Some(agent.to_string()),
        operations: Some(cib::Operations {
            ops: vec![cib::Op {
                id: format!("{id}-monitor-interval-60s"),
                name: "monitor".into(),
                interval,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The next address in a bundle's range (`next_ip`): IPv4 only, wrapping
/// the last octet at 254.
fn next_ip(last: &str) -> Option<String> {
    let o: Vec<u32> = last
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<Vec<u32>>>()?;
    let [a, b, mut c, mut d] = <[u32; 4]>::try_from(o).ok()?;
    if c > 253 {
        return None;
    } else if d > 253 {
        c += 1;
        d = 1;
    } else {
        d += 1;
    }
    Some(format!("{a}.{b}.{c}.{d}"))
}

/// `char2score`'s value, for priorities and similar meta-attributes.
fn score_value(v: &str) -> i32 {
    match Score::parse(v) {
        Ok(s) => s.value(),
        Err(_) => {
            // char2score reads a leading number and ignores the rest.
            Score::from_i64(parse_int(Some(v), 0)).value()
        }
    }
}

/// The parameters Pacemaker gives the resources it generates for a bundle
/// (`create_container_resource`, `create_ip_resource`): what their
/// operation digests are computed from.
struct BundleParams {
    prefix: String,
    kind: String,
    image: String,
    run_command: Option<String>,
    launcher_options: Option<String>,
    container_network: Option<String>,
    control_port: Option<String>,
    host_interface: Option<String>,
    host_netmask: Option<String>,
    ip_range: bool,
    /// (source, target, options, per-replica subdirectory)
    mounts: Vec<(String, String, Option<String>, bool)>,
    /// (source, target)
    ports: Vec<(String, String)>,
    /// `--add-host`/`--hosts-entry` options for every replica address.
    host_options: String,
}

/// Pacemaker's build paths these parameters use.
const SBIN_DIR: &str = "/usr/sbin";
const REMOTE_KEY_LOCATION: &str = "/etc/pacemaker/authkey";
const BUNDLE_LOG_DIR: &str = "/var/log/pacemaker/bundles";

impl BundleParams {
    fn new(b: &cib::Bundle, prefix: &str, with_child: bool, ips: &[(i64, String)]) -> Self {
        let ctr = b.container.clone().unwrap_or_default();
        let net = b.network.clone().unwrap_or_default();
        let mut mounts = Vec::new();
        let mut need_log_mount = true;
        for m in b.storage.iter().flatten() {
            let (source, subdir) = match (&m.source_dir, &m.source_dir_root) {
                (Some(s), _) => (s.clone(), false),
                (None, Some(s)) => (s.clone(), true),
                (None, None) => continue,
            };
            let Some(target) = &m.target_dir else {
                continue;
            };
            if target == "/var/log" {
                need_log_mount = false;
            }
            mounts.push((source, target.clone(), m.options.clone(), subdir));
        }
        let mut ports = Vec::new();
        for pm in &net.port_mappings {
            let (source, target) = match (&pm.port, &pm.range) {
                (Some(p), _) => (p.clone(), pm.internal_port.clone()),
                (None, Some(r)) => (r.clone(), None),
                (None, None) => continue,
            };
            if source.is_empty() {
                continue;
            }
            let target = target.unwrap_or_else(|| source.clone());
            ports.push((source, target));
        }
        if with_child {
            mounts.push((
                REMOTE_KEY_LOCATION.into(),
                REMOTE_KEY_LOCATION.into(),
                None,
                false,
            ));
            if need_log_mount {
                mounts.push((BUNDLE_LOG_DIR.into(), "/var/log".into(), None, true));
            }
            let port = net.control_port.clone().unwrap_or_else(|| "3121".into());
            ports.push((port.clone(), port));
        }
        let add_host = net
            .add_host
            .as_ref()
            .and_then(|a| cib::value::parse_bool(a.raw()))
            .unwrap_or(true);
        let mut host_options = String::new();
        for (offset, ip) in ips {
            match ctr.kind.as_str() {
                "docker" | "podman" if add_host => {
                    host_options.push_str(&format!(" --add-host={prefix}-{offset}:{ip}"));
                }
                "docker" | "podman" | "rkt" => {
                    host_options.push_str(&format!(" --hosts-entry={ip}={prefix}-{offset}"));
                }
                _ => {}
            }
        }
        BundleParams {
            prefix: prefix.to_string(),
            kind: ctr.kind.clone(),
            image: ctr.image.clone().unwrap_or_default(),
            run_command: ctr.run_command.clone(),
            launcher_options: ctr.options.clone(),
            container_network: ctr.network.clone(),
            control_port: net.control_port.clone(),
            host_interface: net.host_interface.clone(),
            host_netmask: net.host_netmask.clone(),
            ip_range: net.ip_range_start.is_some(),
            mounts,
            ports,
            host_options,
        }
    }

    fn set(&self, offset: i64, pairs: Vec<(&str, String)>) -> cib::NvSet {
        let set_id = format!("{}-attributes-{offset}", self.prefix);
        cib::NvSet {
            id: Some(set_id.clone()),
            nvpairs: pairs
                .into_iter()
                .map(|(n, v)| cib::NvPair {
                    id: Some(format!("{set_id}-{n}")),
                    name: n.to_string(),
                    value: Some(v),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn ip_set(&self, offset: i64, ip: &str) -> cib::NvSet {
        let mut pairs = vec![("ip", ip.to_string())];
        if let Some(nic) = &self.host_interface {
            pairs.push(("nic", nic.clone()));
        }
        pairs.push((
            "cidr_netmask",
            self.host_netmask.clone().unwrap_or_else(|| "32".into()),
        ));
        self.set(offset, pairs)
    }

    fn container_set(&self, offset: i64, ip: Option<&str>, with_child: bool) -> cib::NvSet {
        let (hostname_opt, env_opt) = if self.kind == "rkt" {
            ("--hostname=", "--environment=")
        } else {
            ("-h ", "-e ")
        };
        let mut opts = String::new();
        if self.kind == "docker" {
            opts.push_str(" --restart=no");
        }
        if self.ip_range {
            opts.push_str(&format!(" {hostname_opt}{}-{offset}", self.prefix));
        }
        opts.push_str(&format!(" {env_opt}PCMK_stderr=1"));
        if let Some(n) = &self.container_network {
            opts.push_str(&format!(" --net={n}"));
        }
        match &self.control_port {
            Some(p) => opts.push_str(&format!(" {env_opt}PCMK_remote_port={p}")),
            None => opts.push_str(&format!(" {env_opt}PCMK_remote_port=3121")),
        }
        let mut dirs: Vec<String> = Vec::new();
        for (vol, (source, target, options, subdir)) in self.mounts.iter().enumerate() {
            let src = if *subdir {
                let s = format!("{source}/{}-{offset}", self.prefix);
                dirs.push(s.clone());
                s
            } else {
                source.clone()
            };
            if self.kind == "rkt" {
                opts.push_str(&format!(
                    " --volume vol{vol},kind=host,source={src}{}{} --mount volume=vol{vol},target={target}",
                    if options.is_some() { "," } else { "" },
                    options.as_deref().unwrap_or("")
                ));
            } else {
                opts.push_str(&format!(" -v {src}:{target}"));
                if let Some(o) = options {
                    opts.push_str(&format!(":{o}"));
                }
            }
        }
        for (source, target) in &self.ports {
            if self.kind == "rkt" {
                match ip {
                    Some(ip) => opts.push_str(&format!(" --port={target}:{ip}:{source}")),
                    None => opts.push_str(&format!(" --port={target}:{source}")),
                }
            } else if let Some(ip) = ip {
                opts.push_str(&format!(" -p {ip}:{source}:{target}"));
            } else if self.container_network.as_deref() != Some("host") {
                opts.push_str(&format!(" -p {source}:{target}"));
            }
        }
        if let Some(o) = &self.launcher_options {
            opts.push_str(&format!(" {o}"));
        }
        opts.push(' ');
        opts.push_str(&self.host_options);
        let mut pairs = vec![
            ("image", self.image.clone()),
            ("allow_pull", "true".to_string()),
            ("force_kill", "false".to_string()),
            ("reuse", "false".to_string()),
            ("run_opts", opts),
            ("mount_points", dirs.join(",")),
        ];
        if with_child {
            pairs.push((
                "run_cmd",
                self.run_command
                    .clone()
                    .unwrap_or_else(|| format!("{SBIN_DIR}/pacemaker-remoted")),
            ));
        } else if let Some(c) = &self.run_command {
            pairs.push(("run_cmd", c.clone()));
        }
        pairs.push(("monitor_cmd", "/bin/true".to_string()));
        self.set(offset, pairs)
    }
}
