//! What the CIB says about fencing: the cluster options, the fence devices
//! (enabled `stonith`-class primitives with their instance attributes in
//! effect), the fencing topology and the permanent node attributes that
//! `target-attribute` levels match against.

use std::collections::BTreeMap;

use cib::idref::{IdRefs, SetKind};
use cib::iso8601::DateTime;
use cib::model::{Configuration, Resource};
use cib::nvpair::{cluster_options, eval_nvsets, UnpackOptions};
use cib::rules::RuleContext;
use cib::Cib;
use regex::Regex;
use serde::Serialize;

use crate::device::{check_params, Device, FenceAction};

/// Fencing levels are numbered 1 to 9 (Pacemaker's `ST_LEVEL_MAX` is 10).
pub const LEVEL_MAX: u32 = 9;

/// `stonith-timeout` when unset.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;

/// Which nodes a fencing level is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LevelTarget {
    /// `target=`: one node, by name (case-insensitive).
    Name(String),
    /// `target-pattern=`: nodes whose name matches an extended regular
    /// expression anywhere in the name.
    Pattern(String),
    /// `target-attribute=` + `target-value=`: nodes with that permanent node
    /// attribute (an `nvpair` of the node's `instance_attributes`).
    Attribute { name: String, value: String },
}

impl LevelTarget {
    /// Pacemaker's key for the target (levels with the same key form one
    /// topology): the name, the pattern, or `name=value`.
    pub fn key(&self) -> String {
        match self {
            LevelTarget::Name(n) | LevelTarget::Pattern(n) => n.clone(),
            LevelTarget::Attribute { name, value } => format!("{name}={value}"),
        }
    }
}

/// One `<fencing-level>`: its devices are all used, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Level {
    pub id: String,
    pub target: LevelTarget,
    pub index: u32,
    pub devices: Vec<String>,
}

/// Everything the fencer needs from the CIB.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FencingConfig {
    /// `stonith-enabled` (default true).
    pub enabled: bool,
    /// `stonith-timeout` in milliseconds (default 60 s).
    pub timeout_ms: u64,
    /// `stonith-action`: what the cluster asks for when it fences a node
    /// (default reboot).
    pub default_action: FenceAction,
    /// `concurrent-fencing` (default false in Pacemaker 2.1.5): whether
    /// several fencing operations may run at once.
    pub concurrent: bool,
    /// Enabled fence devices, in configuration order.
    pub devices: Vec<Device>,
    /// Fencing levels, in configuration order.
    pub topology: Vec<Level>,
    /// Permanent node attributes by node name.
    pub node_attrs: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for FencingConfig {
    fn default() -> Self {
        FencingConfig {
            enabled: true,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            default_action: FenceAction::Reboot,
            concurrent: false,
            devices: Vec::new(),
            topology: Vec::new(),
            node_attrs: BTreeMap::new(),
        }
    }
}

impl FencingConfig {
    /// Reads the fencing configuration of `cib` at `now` (rules in
    /// instance attributes and cluster options are evaluated then). The
    /// warnings name each problem and its fix; nothing in them stops
    /// fencing with what is valid.
    pub fn from_cib(cib: &Cib, now: DateTime) -> (FencingConfig, Vec<String>) {
        let mut warnings = Vec::new();
        let refs = IdRefs::new(cib);
        let config = &cib.configuration;
        let (opts, _) = cluster_options(config, &refs, now);
        let mut out = FencingConfig::default();
        if let Some(v) = opts.get("stonith-enabled") {
            match cib::value::parse_bool(v) {
                Some(b) => out.enabled = b,
                None => warnings.push(format!(
                    "cluster option stonith-enabled=\"{v}\" is not a boolean; using true; write true or false"
                )),
            }
        }
        if let Some(v) = opts.get("stonith-timeout") {
            match cib::rules::parse_interval_spec(v) {
                Some(ms) if ms > 0 => out.timeout_ms = u64::from(ms),
                _ => warnings.push(format!(
                    "cluster option stonith-timeout=\"{v}\" is not a positive duration; using 60s; write e.g. 60s or 2min"
                )),
            }
        }
        if let Some(v) = opts.get("stonith-action") {
            match FenceAction::parse(v) {
                Some(a) if a != FenceAction::On => out.default_action = a,
                _ => warnings.push(format!(
                    "cluster option stonith-action=\"{v}\" is not valid; using reboot; write reboot or off"
                )),
            }
        }
        if let Some(v) = opts.get("concurrent-fencing") {
            match cib::value::parse_bool(v) {
                Some(b) => out.concurrent = b,
                None => warnings.push(format!(
                    "cluster option concurrent-fencing=\"{v}\" is not a boolean; using false; write true or false"
                )),
            }
        }
        let ctx = RuleContext::new(now);
        for top in &config.resources {
            collect_devices(top, &refs, &ctx, &mut out.devices, &mut warnings);
        }
        for d in &out.devices {
            warnings.extend(check_params(d));
        }
        out.node_attrs = node_attributes(config);
        out.topology = read_topology(config, &out.devices, &mut warnings);
        (out, warnings)
    }

    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// The fencing levels that apply to `target`, by index: the levels of
    /// the one topology target that matches — a `target=` naming it
    /// exactly first, else the first (in configuration order) name,
    /// pattern or attribute target that matches. Empty: no topology, every
    /// device that can fence the node is tried instead.
    pub fn levels_for(&self, target: &str) -> Vec<&Level> {
        let exact = self
            .topology
            .iter()
            .find(|l| matches!(&l.target, LevelTarget::Name(n) if n == target));
        let chosen = exact.or_else(|| {
            self.topology
                .iter()
                .find(|l| self.level_matches(&l.target, target))
        });
        let Some(first) = chosen else {
            return Vec::new();
        };
        let key = first.target.key();
        // Levels of the same target and index: the later replaces the earlier.
        let mut by_index: BTreeMap<u32, &Level> = BTreeMap::new();
        for l in self.topology.iter().filter(|l| l.target.key() == key) {
            by_index.insert(l.index, l);
        }
        by_index.into_values().collect()
    }

    fn level_matches(&self, t: &LevelTarget, node: &str) -> bool {
        match t {
            LevelTarget::Name(n) => n.eq_ignore_ascii_case(node),
            LevelTarget::Pattern(p) => Regex::new(p).is_ok_and(|r| r.is_match(node)),
            LevelTarget::Attribute { name, value } => self
                .node_attrs
                .get(node)
                .and_then(|a| a.get(name))
                .is_some_and(|v| v == value),
        }
    }
}

/// Stonith primitives anywhere in the resource tree; a clone contributes
/// its one child once. Disabled ones (`target-role=Stopped`) are left out.
fn collect_devices(
    rsc: &Resource,
    refs: &IdRefs,
    ctx: &RuleContext,
    out: &mut Vec<Device>,
    warnings: &mut Vec<String>,
) {
    match rsc {
        Resource::Primitive(p) => {
            let is_stonith = p
                .class
                .as_ref()
                .is_some_and(|c| c.raw().eq_ignore_ascii_case("stonith"));
            if !is_stonith {
                return;
            }
            let Some(agent) = p.type_.clone() else {
                warnings.push(format!(
                    "fence device {}: no type= (fence agent); it is not used; add type=\"fence_…\"",
                    p.id
                ));
                return;
            };
            let opts = UnpackOptions::default();
            let (meta, _) =
                eval_nvsets(&p.meta_attributes, SetKind::MetaAttributes, ctx, refs, opts);
            if meta
                .get("target-role")
                .is_some_and(|r| r.eq_ignore_ascii_case("stopped"))
            {
                return;
            }
            let (params, _) = eval_nvsets(
                &p.instance_attributes,
                SetKind::InstanceAttributes,
                ctx,
                refs,
                opts,
            );
            let priority = match meta.get("priority") {
                Some(v) => v.trim().parse::<i64>().unwrap_or_else(|_| {
                    warnings.push(format!(
                        "fence device {}: priority=\"{v}\" is not an integer; using 0",
                        p.id
                    ));
                    0
                }),
                None => 0,
            };
            out.push(Device {
                id: p.id.clone(),
                agent,
                params,
                priority,
            });
        }
        Resource::Template(_) | Resource::Bundle(_) => {}
        Resource::Group(g) => {
            for c in &g.children {
                collect_devices(c, refs, ctx, out, warnings);
            }
        }
        Resource::Clone(c) => collect_devices(&c.child, refs, ctx, out, warnings),
    }
}

/// Permanent node attributes as the fencer's topology sees them: every
/// `nvpair` in a node's `instance_attributes` (rules are not evaluated).
fn node_attributes(config: &Configuration) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for n in &config.nodes {
        let attrs: &mut BTreeMap<String, String> = out.entry(n.uname.clone()).or_default();
        for set in &n.instance_attributes {
            for p in &set.nvpairs {
                if let Some(v) = &p.value {
                    attrs.entry(p.name.clone()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    out
}

fn read_topology(
    config: &Configuration,
    devices: &[Device],
    warnings: &mut Vec<String>,
) -> Vec<Level> {
    let Some(top) = &config.fencing_topology else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for l in &top.levels {
        let target = if let Some(t) = &l.target {
            LevelTarget::Name(t.clone())
        } else if let Some(p) = &l.target_pattern {
            if let Err(e) = Regex::new(p) {
                warnings.push(format!(
                    "fencing level {}: target-pattern=\"{p}\" is not a valid regular expression ({e}); the level is ignored",
                    l.id
                ));
                continue;
            }
            LevelTarget::Pattern(p.clone())
        } else if let (Some(a), Some(v)) = (&l.target_attribute, &l.target_value) {
            LevelTarget::Attribute {
                name: a.clone(),
                value: v.clone(),
            }
        } else {
            warnings.push(format!(
                "fencing level {}: no target, target-pattern or target-attribute with target-value; the level is ignored; name the node(s) it is for",
                l.id
            ));
            continue;
        };
        let index = match u32::try_from(l.index) {
            Ok(i) if (1..=LEVEL_MAX).contains(&i) => i,
            _ => {
                warnings.push(format!(
                    "fencing level {}: index=\"{}\" is outside 1–{LEVEL_MAX}; the level is ignored",
                    l.id, l.index
                ));
                continue;
            }
        };
        let list: Vec<String> = l.device_list().map(str::to_string).collect();
        if list.is_empty() {
            warnings.push(format!(
                "fencing level {}: devices=\"{}\" names no device; the level is ignored",
                l.id, l.devices
            ));
            continue;
        }
        for d in &list {
            if !devices.iter().any(|x| &x.id == d) {
                warnings.push(format!(
                    "fencing level {}: device {d} is not an enabled fence device, so this level cannot succeed; configure it or fix the name",
                    l.id
                ));
            }
        }
        out.push(Level {
            id: l.id.clone(),
            target,
            index,
            devices: list,
        });
    }
    out
}
