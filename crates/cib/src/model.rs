//! The typed CIB: plain data mirroring the XML Pacemaker 2.1 writes.
//!
//! Names follow the XML (`rsc_location` → [`Location`], `lrm_rsc_op` →
//! [`LrmRscOp`]). Values whose spelling varies are [`Typed`]; everything the
//! model has no field for is kept in an [`Extra`], so writing a document back
//! loses nothing. Lists whose order matters to Pacemaker (resources,
//! constraints, rule expressions, operation history) are single ordered `Vec`s.

use crate::element::Element;
use crate::score::Score;
use crate::value::{
    BoolOp, DateOp, DurationMs, ExprOp, ExprType, LossPolicy, NodeType, OnFail, OrderKind,
    ResourceDiscovery, Role, RscAction, RscClass, Typed, ValueSource,
};

/// Attributes and child elements the model has no field for, kept verbatim.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extra {
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
}

impl Extra {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The whole document: `<cib>` with its configuration and status.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cib {
    pub admin_epoch: i64,
    pub epoch: i64,
    pub num_updates: i64,
    pub validate_with: Option<String>,
    pub crm_feature_set: Option<String>,
    pub have_quorum: Option<Typed<bool>>,
    pub dc_uuid: Option<String>,
    pub cib_last_written: Option<String>,
    pub update_origin: Option<String>,
    pub update_client: Option<String>,
    pub update_user: Option<String>,
    /// Seconds since the epoch the scheduler should treat as "now" (tests, simulation).
    pub execution_date: Option<i64>,
    pub no_quorum_panic: Option<Typed<bool>>,
    pub configuration: Configuration,
    pub status: Status,
    pub extra: Extra,
}

/// `<configuration>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Configuration {
    /// `cluster_property_set`s inside `crm_config`.
    pub crm_config: Vec<NvSet>,
    pub nodes: Vec<Node>,
    pub resources: Vec<Resource>,
    pub constraints: Vec<Constraint>,
    pub rsc_defaults: Option<Defaults>,
    pub op_defaults: Option<Defaults>,
    pub fencing_topology: Option<FencingTopology>,
    pub tags: Option<Vec<Tag>>,
    pub alerts: Option<Vec<Alert>>,
    pub acls: Option<Acls>,
    /// Extra attributes/children of `<configuration>` itself.
    pub extra: Extra,
    /// Extra attributes/children of the section elements, keyed by their name.
    pub section_extra: Vec<(String, Extra)>,
}

/// A set of name/value pairs: `cluster_property_set`, `instance_attributes`,
/// `meta_attributes` or `utilization` (the element name comes from where it is).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NvSet {
    pub id: Option<String>,
    pub id_ref: Option<String>,
    /// Higher-scored sets take precedence.
    pub score: Option<Typed<Score>>,
    pub rules: Vec<Rule>,
    pub nvpairs: Vec<NvPair>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NvPair {
    pub id: Option<String>,
    pub id_ref: Option<String>,
    pub name: String,
    pub value: Option<String>,
    pub extra: Extra,
}

/// `<rule>`: a condition made of expressions, optionally carrying a score.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rule {
    pub id: Option<String>,
    pub id_ref: Option<String>,
    pub score: Option<Typed<Score>>,
    /// Take the score from this node attribute instead.
    pub score_attribute: Option<String>,
    pub boolean_op: Option<Typed<BoolOp>>,
    pub role: Option<Typed<Role>>,
    pub exprs: Vec<RuleExpr>,
    pub extra: Extra,
}

/// One condition inside a rule.
#[derive(Clone, Debug, PartialEq)]
pub enum RuleExpr {
    Expr(Expression),
    Date(DateExpression),
    Op(OpExpression),
    Rsc(RscExpression),
    Rule(Rule),
    /// A child the model does not know; it evaluates as an error-free "false".
    Other(Element),
}

/// `<expression>`: compares a node attribute (or `#uname`, `#id`, `#kind`…).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expression {
    pub id: String,
    pub attribute: String,
    pub operation: Option<Typed<ExprOp>>,
    pub value: Option<String>,
    pub type_: Option<Typed<ExprType>>,
    pub value_source: Option<Typed<ValueSource>>,
    pub extra: Extra,
}

/// `<date_expression>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DateExpression {
    pub id: String,
    pub operation: Option<Typed<DateOp>>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub date_spec: Option<DateSpec>,
    pub duration: Option<DateSpec>,
    pub extra: Extra,
}

/// `<date_spec>` or `<duration>`: named fields each holding a value or range
/// (`"9-16"`); kept as written, interpreted by the rule evaluator.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DateSpec {
    pub id: Option<String>,
    /// (field name, value) for hours, monthdays, weekdays, yeardays, months,
    /// weeks, years, weekyears, moon, minutes, seconds, days.
    pub fields: Vec<(String, String)>,
    pub extra: Extra,
}

impl DateSpec {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `<op_expression>`: matches an operation by name and interval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OpExpression {
    pub id: String,
    pub name: String,
    pub interval: Option<Typed<DurationMs>>,
    pub extra: Extra,
}

/// `<rsc_expression>`: matches a resource by class, provider and type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RscExpression {
    pub id: String,
    pub class: Option<String>,
    pub provider: Option<String>,
    pub type_: Option<String>,
    pub extra: Extra,
}

/// A configured cluster node (`<node>` in `<nodes>`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    pub id: String,
    pub uname: String,
    pub type_: Option<Typed<NodeType>>,
    pub score: Option<Typed<Score>>,
    pub description: Option<String>,
    pub instance_attributes: Vec<NvSet>,
    pub utilization: Vec<NvSet>,
    pub extra: Extra,
}

/// Anything in `<resources>`.
// Primitives dominate real configurations, so boxing them would add an
// allocation to the common case to save memory in the rare one.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    Primitive(Primitive),
    Group(Group),
    Clone(Clone),
    Bundle(Bundle),
    /// `<template>`: a primitive that others instantiate with `template=`.
    Template(Primitive),
}

impl Resource {
    pub fn id(&self) -> &str {
        match self {
            Resource::Primitive(p) | Resource::Template(p) => &p.id,
            Resource::Group(g) => &g.id,
            Resource::Clone(c) => &c.id,
            Resource::Bundle(b) => &b.id,
        }
    }

    /// The element name this resource is written as.
    pub fn tag(&self) -> &'static str {
        match self {
            Resource::Primitive(_) => "primitive",
            Resource::Template(_) => "template",
            Resource::Group(_) => "group",
            Resource::Clone(c) => c.tag.as_str(),
            Resource::Bundle(_) => "bundle",
        }
    }

    pub fn meta_attributes(&self) -> &[NvSet] {
        match self {
            Resource::Primitive(p) | Resource::Template(p) => &p.meta_attributes,
            Resource::Group(g) => &g.meta_attributes,
            Resource::Clone(c) => &c.meta_attributes,
            Resource::Bundle(b) => &b.meta_attributes,
        }
    }

    /// Direct children (group members, a clone's child, a bundle's primitive).
    pub fn children(&self) -> Vec<&Resource> {
        match self {
            Resource::Primitive(_) | Resource::Template(_) => Vec::new(),
            Resource::Group(g) => g.children.iter().collect(),
            Resource::Clone(c) => vec![&*c.child],
            Resource::Bundle(b) => b.primitive.iter().map(|p| &**p).collect(),
        }
    }

    /// This resource and all its descendants, depth first, in document order.
    pub fn walk(&self) -> Vec<&Resource> {
        let mut out = vec![self];
        for c in self.children() {
            out.extend(c.walk());
        }
        out
    }
}

/// `<primitive>` (and `<template>`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Primitive {
    pub id: String,
    /// Absent only when a template supplies it.
    pub class: Option<Typed<RscClass>>,
    pub provider: Option<String>,
    pub type_: Option<String>,
    pub template: Option<String>,
    pub description: Option<String>,
    pub instance_attributes: Vec<NvSet>,
    pub meta_attributes: Vec<NvSet>,
    pub utilization: Vec<NvSet>,
    pub operations: Option<Operations>,
    pub extra: Extra,
}

impl Primitive {
    /// `class:provider:type` as Pacemaker prints it (`ocf:heartbeat:IPaddr2`, `stonith:fence_xvm`).
    pub fn agent_spec(&self) -> String {
        let class = self.class.as_ref().map(|c| c.raw()).unwrap_or("");
        let ty = self.type_.as_deref().unwrap_or("");
        match &self.provider {
            Some(p) => format!("{class}:{p}:{ty}"),
            None => format!("{class}:{ty}"),
        }
    }
}

/// `<operations>`: may be a reference to another resource's operations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Operations {
    pub id: Option<String>,
    pub id_ref: Option<String>,
    pub ops: Vec<Op>,
    pub extra: Extra,
}

/// `<op>`: a configured operation (its timeout, interval, on-fail…).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Op {
    pub id: String,
    pub name: String,
    pub interval: Typed<DurationMs>,
    pub timeout: Option<Typed<DurationMs>>,
    pub start_delay: Option<Typed<DurationMs>>,
    pub interval_origin: Option<String>,
    pub role: Option<Typed<Role>>,
    pub on_fail: Option<Typed<OnFail>>,
    pub enabled: Option<Typed<bool>>,
    pub record_pending: Option<Typed<bool>>,
    pub description: Option<String>,
    pub meta_attributes: Vec<NvSet>,
    pub instance_attributes: Vec<NvSet>,
    pub extra: Extra,
}

impl Default for Typed<DurationMs> {
    fn default() -> Self {
        Typed::new(DurationMs(0))
    }
}

/// `<group>`: primitives started in order on one node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub id: String,
    pub description: Option<String>,
    pub children: Vec<Resource>,
    pub meta_attributes: Vec<NvSet>,
    pub instance_attributes: Vec<NvSet>,
    pub utilization: Vec<NvSet>,
    pub extra: Extra,
}

/// Which element a clone was written as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CloneTag {
    #[default]
    Clone,
    /// Legacy `<master>`: a promotable clone.
    Master,
}

impl CloneTag {
    pub fn as_str(self) -> &'static str {
        match self {
            CloneTag::Clone => "clone",
            CloneTag::Master => "master",
        }
    }
}

/// `<clone>` or legacy `<master>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clone {
    pub id: String,
    pub tag: CloneTag,
    pub description: Option<String>,
    pub child: Box<Resource>,
    pub meta_attributes: Vec<NvSet>,
    pub instance_attributes: Vec<NvSet>,
    pub extra: Extra,
}

/// `<bundle>`: a container image with an optional primitive inside.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bundle {
    pub id: String,
    pub description: Option<String>,
    pub container: Option<BundleContainer>,
    pub network: Option<BundleNetwork>,
    pub storage: Option<Vec<StorageMapping>>,
    pub primitive: Option<Box<Resource>>,
    pub meta_attributes: Vec<NvSet>,
    pub extra: Extra,
}

/// The `<docker>`, `<podman>` or `<rkt>` element of a bundle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BundleContainer {
    /// `docker`, `podman` or `rkt`.
    pub kind: String,
    pub image: Option<String>,
    pub replicas: Option<Typed<i64>>,
    pub replicas_per_host: Option<Typed<i64>>,
    /// `promoted-max`, or legacy `masters`.
    pub promoted_max: Option<Typed<i64>>,
    pub masters: Option<Typed<i64>>,
    pub run_command: Option<String>,
    pub network: Option<String>,
    pub options: Option<String>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BundleNetwork {
    pub ip_range_start: Option<String>,
    pub control_port: Option<String>,
    pub host_interface: Option<String>,
    pub host_netmask: Option<String>,
    pub add_host: Option<Typed<bool>>,
    pub port_mappings: Vec<PortMapping>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PortMapping {
    pub id: String,
    pub port: Option<String>,
    pub internal_port: Option<String>,
    pub range: Option<String>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StorageMapping {
    pub id: String,
    pub source_dir: Option<String>,
    pub source_dir_root: Option<String>,
    pub target_dir: Option<String>,
    pub options: Option<String>,
    pub extra: Extra,
}

/// `<rsc_defaults>` / `<op_defaults>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Defaults {
    pub meta_attributes: Vec<NvSet>,
    pub extra: Extra,
}

/// Anything in `<constraints>`.
#[derive(Clone, Debug, PartialEq)]
pub enum Constraint {
    Location(Location),
    Colocation(Colocation),
    Order(Order),
    Ticket(Ticket),
    Other(Element),
}

impl Constraint {
    pub fn id(&self) -> Option<&str> {
        match self {
            Constraint::Location(c) => Some(&c.id),
            Constraint::Colocation(c) => Some(&c.id),
            Constraint::Order(c) => Some(&c.id),
            Constraint::Ticket(c) => Some(&c.id),
            Constraint::Other(e) => e.attr("id"),
        }
    }
}

/// `<rsc_location>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    pub id: String,
    pub rsc: Option<String>,
    pub rsc_pattern: Option<String>,
    pub role: Option<Typed<Role>>,
    pub node: Option<String>,
    pub score: Option<Typed<Score>>,
    pub resource_discovery: Option<Typed<ResourceDiscovery>>,
    pub rules: Vec<Rule>,
    pub sets: Vec<ResourceSet>,
    pub extra: Extra,
}

/// `<rsc_colocation>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Colocation {
    pub id: String,
    pub rsc: Option<String>,
    pub with_rsc: Option<String>,
    pub score: Option<Typed<Score>>,
    pub rsc_role: Option<Typed<Role>>,
    pub with_rsc_role: Option<Typed<Role>>,
    pub node_attribute: Option<String>,
    pub influence: Option<Typed<bool>>,
    pub sets: Vec<ResourceSet>,
    pub extra: Extra,
}

/// `<rsc_order>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Order {
    pub id: String,
    pub first: Option<String>,
    pub then: Option<String>,
    pub first_action: Option<Typed<RscAction>>,
    pub then_action: Option<Typed<RscAction>>,
    pub kind: Option<Typed<OrderKind>>,
    /// Deprecated; 0 means optional, anything else mandatory.
    pub score: Option<Typed<Score>>,
    pub symmetrical: Option<Typed<bool>>,
    pub require_all: Option<Typed<bool>>,
    pub sets: Vec<ResourceSet>,
    pub extra: Extra,
}

/// `<rsc_ticket>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ticket {
    pub id: String,
    pub ticket: String,
    pub rsc: Option<String>,
    pub rsc_role: Option<Typed<Role>>,
    pub loss_policy: Option<Typed<LossPolicy>>,
    pub sets: Vec<ResourceSet>,
    pub extra: Extra,
}

/// `<resource_set>` inside a constraint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceSet {
    pub id: Option<String>,
    pub id_ref: Option<String>,
    pub sequential: Option<Typed<bool>>,
    pub require_all: Option<Typed<bool>>,
    pub ordering: Option<String>,
    pub action: Option<Typed<RscAction>>,
    pub role: Option<Typed<Role>>,
    pub score: Option<Typed<Score>>,
    pub kind: Option<Typed<OrderKind>>,
    /// `resource_ref` ids, in order.
    pub resources: Vec<String>,
    pub extra: Extra,
}

/// `<fencing-topology>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FencingTopology {
    pub levels: Vec<FencingLevel>,
    pub extra: Extra,
}

/// `<fencing-level>`: devices tried together, levels tried in index order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FencingLevel {
    pub id: String,
    pub target: Option<String>,
    pub target_pattern: Option<String>,
    pub target_attribute: Option<String>,
    pub target_value: Option<String>,
    pub index: i64,
    /// Comma-separated device ids, as written.
    pub devices: String,
    pub extra: Extra,
}

impl FencingLevel {
    pub fn device_list(&self) -> impl Iterator<Item = &str> {
        self.devices
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// `<tag>`: a name for a list of objects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tag {
    pub id: String,
    /// `obj_ref` ids.
    pub refs: Vec<String>,
    pub extra: Extra,
}

/// `<alert>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alert {
    pub id: String,
    pub path: String,
    pub description: Option<String>,
    pub meta_attributes: Vec<NvSet>,
    pub instance_attributes: Vec<NvSet>,
    /// `<select>` with its children (`select_nodes`, `select_fencing`, …), kept as XML.
    pub select: Option<Element>,
    pub recipients: Vec<Recipient>,
    pub extra: Extra,
}

/// `<recipient>` of an alert.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recipient {
    pub id: String,
    pub value: String,
    pub description: Option<String>,
    pub meta_attributes: Vec<NvSet>,
    pub instance_attributes: Vec<NvSet>,
    pub extra: Extra,
}

/// `<acls>`: targets, groups and roles with their permissions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Acls {
    pub entries: Vec<AclEntry>,
    pub extra: Extra,
}

/// A child of `<acls>`.
#[derive(Clone, Debug, PartialEq)]
pub enum AclEntry {
    /// `<acl_target>` (or legacy `<acl_user>`) with the roles it has.
    Target(AclSubject),
    /// `<acl_group>`.
    Group(AclSubject),
    Role(AclRole),
    Other(Element),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AclSubject {
    /// The element name (`acl_target`, `acl_user`, `acl_group`).
    pub tag: String,
    pub id: String,
    pub name: Option<String>,
    /// `<role id="…"/>` references.
    pub roles: Vec<String>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AclRole {
    pub id: String,
    pub description: Option<String>,
    pub permissions: Vec<AclPermission>,
    pub extra: Extra,
}

/// `<acl_permission kind="read|write|deny" xpath|reference|object-type …>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AclPermission {
    pub id: String,
    pub kind: String,
    pub xpath: Option<String>,
    pub reference: Option<String>,
    pub object_type: Option<String>,
    pub attribute: Option<String>,
    pub description: Option<String>,
    pub extra: Extra,
}

/// `<status>`: what each node has reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub node_states: Vec<NodeState>,
    pub tickets: Option<Tickets>,
    pub extra: Extra,
}

/// `<tickets>` in the status section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tickets {
    pub states: Vec<TicketState>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TicketState {
    pub id: String,
    pub granted: Option<Typed<bool>>,
    pub standby: Option<Typed<bool>>,
    pub last_granted: Option<String>,
    pub extra: Extra,
}

/// `<node_state>`: one node's membership, attributes and resource history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeState {
    pub id: String,
    pub uname: Option<String>,
    /// `true`/`false`, or (newer Pacemaker) the time the node joined.
    pub in_ccm: Option<String>,
    /// `online`/`offline`, or (newer Pacemaker) the time the controller joined.
    pub crmd: Option<String>,
    /// `member`, `down`, `pending` or `banned`.
    pub join: Option<String>,
    pub expected: Option<String>,
    pub ha: Option<String>,
    /// Time a shutdown was requested, or "0".
    pub shutdown: Option<String>,
    pub clear_shutdown: Option<String>,
    pub remote_node: Option<Typed<bool>>,
    pub node_fenced: Option<String>,
    pub node_in_maintenance: Option<Typed<bool>>,
    pub crm_debug_origin: Option<String>,
    pub transient_attributes: Option<TransientAttributes>,
    pub lrm: Option<Lrm>,
    pub extra: Extra,
}

impl NodeState {
    /// Whether the cluster layer sees the node (`in_ccm` true or a join time).
    pub fn in_ccm(&self) -> bool {
        flag_or_timestamp(self.in_ccm.as_deref())
    }

    /// Whether the node's controller is up (`crmd="online"` or a join time).
    pub fn crmd_online(&self) -> bool {
        match self.crmd.as_deref() {
            Some("online") => true,
            other => flag_or_timestamp(other),
        }
    }

    /// All history entries, across `lrm_resources`.
    pub fn lrm_resources(&self) -> &[LrmResource] {
        self.lrm
            .as_ref()
            .and_then(|l| l.lrm_resources.as_ref())
            .map(|r| r.resources.as_slice())
            .unwrap_or(&[])
    }
}

fn flag_or_timestamp(v: Option<&str>) -> bool {
    match v {
        None => false,
        Some(s) => crate::value::parse_bool(s)
            .unwrap_or_else(|| s.trim().parse::<i64>().map(|t| t > 0).unwrap_or(false)),
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransientAttributes {
    pub id: Option<String>,
    pub instance_attributes: Vec<NvSet>,
    pub extra: Extra,
}

/// `<lrm>`: the node's executor history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lrm {
    pub id: Option<String>,
    pub lrm_resources: Option<LrmResources>,
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LrmResources {
    pub id: Option<String>,
    pub resources: Vec<LrmResource>,
    pub extra: Extra,
}

/// `<lrm_resource>`: the history of one resource on one node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LrmResource {
    pub id: String,
    pub class: Option<String>,
    pub provider: Option<String>,
    pub type_: Option<String>,
    pub container: Option<String>,
    pub shutdown_lock: Option<i64>,
    pub ops: Vec<LrmRscOp>,
    pub extra: Extra,
}

/// `<lrm_rsc_op>`: the recorded result of one operation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LrmRscOp {
    pub id: String,
    pub operation_key: Option<String>,
    pub operation: String,
    pub crm_debug_origin: Option<String>,
    pub crm_feature_set: Option<String>,
    pub transition_key: Option<String>,
    pub transition_magic: Option<String>,
    pub exit_reason: Option<String>,
    pub on_node: Option<String>,
    pub call_id: Option<i64>,
    pub rc_code: Option<i64>,
    pub op_status: Option<i64>,
    /// Milliseconds.
    pub interval: Option<i64>,
    pub last_rc_change: Option<i64>,
    pub last_run: Option<i64>,
    pub exec_time: Option<i64>,
    pub queue_time: Option<i64>,
    pub op_digest: Option<String>,
    pub op_force_restart: Option<String>,
    pub op_restart_digest: Option<String>,
    pub op_secure_params: Option<String>,
    pub op_secure_digest: Option<String>,
    pub migrate_source: Option<String>,
    pub migrate_target: Option<String>,
    pub extra: Extra,
}

impl LrmRscOp {
    /// `last-rc-change`, or the legacy `last_rc_change` spelling.
    pub fn last_rc_change(&self) -> Option<i64> {
        self.last_rc_change
            .or_else(|| self.extra.attr("last_rc_change")?.parse().ok())
    }
    /// `last-run`, or the legacy `last_run` spelling.
    pub fn last_run(&self) -> Option<i64> {
        self.last_run
            .or_else(|| self.extra.attr("last_run")?.parse().ok())
    }
    pub fn interval_ms(&self) -> i64 {
        self.interval.unwrap_or(0)
    }
}
