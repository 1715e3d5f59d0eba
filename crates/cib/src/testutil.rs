//! Helpers shared by the unit tests of the rule and nvset modules.

use std::collections::BTreeMap;

use crate::idref::IdRefs;
use crate::iso8601::DateTime;
use crate::model::Cib;
use crate::rules::RuleContext;

/// The node attributes Pacemaker's scheduler gives each configured node
/// of a CIB without status attributes: the built-ins, then the node's
/// `instance_attributes`.
pub(crate) fn node_attrs(cib: &Cib, refs: &IdRefs) -> Vec<(String, BTreeMap<String, String>)> {
    use crate::idref::SetKind;
    use crate::nvpair::{cluster_options, unpack_nvsets, UnpackOptions};
    let (options, _) = cluster_options(&cib.configuration, refs, DateTime::EPOCH);
    let mut out = Vec::new();
    for node in &cib.configuration.nodes {
        let mut attrs = BTreeMap::new();
        attrs.insert("#uname".to_string(), node.uname.clone());
        attrs.insert("#id".to_string(), node.id.clone());
        attrs.insert("#kind".to_string(), "cluster".to_string());
        attrs.insert("#is_dc".to_string(), "false".to_string());
        if let Some(name) = options.get("cluster-name") {
            attrs.insert("#cluster-name".to_string(), name.clone());
        }
        let ctx = RuleContext::new(DateTime::EPOCH);
        unpack_nvsets(
            &node.instance_attributes,
            SetKind::InstanceAttributes,
            &ctx,
            refs,
            UnpackOptions::default(),
            &mut attrs,
        );
        if !attrs.contains_key("#site-name") {
            let site = attrs
                .get("site-name")
                .or(options.get("cluster-name"))
                .cloned();
            if let Some(site) = site {
                attrs.insert("#site-name".to_string(), site);
            }
        }
        out.push((node.uname.clone(), attrs));
    }
    out
}
