//! Cluster options (`crm_config`) with Pacemaker's defaults; an invalid value
//! falls back to the default, as `pe_pref` does.

use std::collections::BTreeMap;

use cib::value::parse_bool;

use super::nvsets::unpack_sets;
use super::rules::RuleCtx;
use super::Unpacker;
use crate::state::{ClusterOptions, HealthStrategy, NoQuorumPolicy};

impl Unpacker<'_> {
    pub(crate) fn unpack_config(&mut self) {
        let mut all = BTreeMap::new();
        let next_change = std::cell::Cell::new(0);
        unpack_sets(
            &self.ix,
            &self.cib.configuration.crm_config,
            &RuleCtx {
                next_change: Some(&next_change),
                ..RuleCtx::new(self.st.now)
            },
            &mut all,
            false,
            Some("cib-bootstrap-options"),
        );
        self.st.update_recheck(next_change.get());
        let flag = |name: &str, default: bool| -> bool {
            all.get(name).and_then(|v| parse_bool(v)).unwrap_or(default)
        };
        let mut o = ClusterOptions {
            stonith_enabled: flag("stonith-enabled", true),
            symmetric_cluster: flag("symmetric-cluster", true),
            maintenance_mode: flag("maintenance-mode", false),
            stop_all_resources: flag("stop-all-resources", false),
            stop_orphan_resources: flag("stop-orphan-resources", true),
            stop_orphan_actions: flag("stop-orphan-actions", true),
            start_failure_is_fatal: flag("start-failure-is-fatal", true),
            shutdown_lock: flag("shutdown-lock", false),
            have_stonith_resource: flag("have-watchdog", false),
            ..ClusterOptions::default()
        };
        // Startup fencing can be turned off only while fencing is enabled.
        o.startup_fencing = o.stonith_enabled && flag("startup-fencing", true);
        if o.shutdown_lock {
            o.shutdown_lock_limit_s = all
                .get("shutdown-lock-limit")
                .and_then(|v| cib::value::parse_duration_ms(v))
                .map_or(0, |ms| (ms / 1000) as i64);
        }
        let policy = all
            .get("no-quorum-policy")
            .map(|v| v.to_ascii_lowercase())
            .unwrap_or_default();
        o.no_quorum_policy = match policy.as_str() {
            "ignore" => NoQuorumPolicy::Ignore,
            "freeze" => NoQuorumPolicy::Freeze,
            "demote" => NoQuorumPolicy::Demote,
            "suicide" if o.stonith_enabled => {
                let panic = self
                    .cib
                    .no_quorum_panic
                    .as_ref()
                    .is_some_and(|p| crate::util::parse_int(Some(p.raw()), 0) != 0);
                if panic || self.st.have_quorum {
                    NoQuorumPolicy::Suicide
                } else {
                    NoQuorumPolicy::Stop
                }
            }
            _ => NoQuorumPolicy::Stop,
        };
        o.node_health_strategy = match all
            .get("node-health-strategy")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            Some("migrate-on-red") => HealthStrategy::MigrateOnRed,
            Some("only-green") => HealthStrategy::OnlyGreen,
            Some("progressive") => HealthStrategy::Progressive,
            Some("custom") => HealthStrategy::Custom,
            _ => HealthStrategy::None,
        };
        o.cluster_name = all.get("cluster-name").cloned();
        if let Some(p) = all.get("placement-strategy") {
            o.placement_strategy = p.clone();
        }
        o.enable_unfencing = self.unfencing_configured();
        o.all = all;
        self.st.options = o;
    }

    /// Pacemaker turns unfencing on when any resource's (or the resource
    /// defaults') meta-attributes say `requires` or `provides` is
    /// `unfencing` (found by XPath, so rules and references are ignored).
    fn unfencing_configured(&self) -> bool {
        let hit = |sets: &[cib::NvSet]| {
            sets.iter().flat_map(|s| &s.nvpairs).any(|p| {
                (p.name == "provides" || p.name == "requires")
                    && p.value.as_deref() == Some("unfencing")
            })
        };
        let c = &self.cib.configuration;
        c.resources
            .iter()
            .flat_map(|r| r.walk())
            .any(|r| hit(r.meta_attributes()))
            || c.rsc_defaults
                .as_ref()
                .is_some_and(|d| hit(&d.meta_attributes))
    }
}
