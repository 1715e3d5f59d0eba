//! Operation digests: how Pacemaker notices that a resource's parameters
//! changed since an operation ran.
//!
//! Each digest is the MD5 of one canonical XML string: a `<parameters>`
//! element whose attributes are the operation's parameters, sorted by name
//! (byte order), values escaped the way Pacemaker 2.1.5's `crm_xml_escape`
//! does, written as `" <parameters a=\"1\" b=\"2\"/>\n"`. What differs between
//! the three digests is which parameters go in:
//!
//! - **op-digest**: all parameters, without Pacemaker's meta-attributes
//!   (`CRM_meta_*`) and bookkeeping names, except that a recurring
//!   operation keeps `CRM_meta_timeout` ([`filter_for_digest`]).
//! - **op-restart-digest**: only the parameters that cannot be reloaded; their
//!   names are recorded in `op-force-restart` (` a b `).
//! - **op-secure-digest**: all parameters but the private ones, whose names are
//!   recorded in `op-secure-params`.
//!
//! The executor computes them from an operation's parameters and the
//! agent's meta-data ([`record_digests`], as Pacemaker's controller does);
//! the scheduler recomputes them from the configuration
//! ([`crate::config_params`]) and the recorded name lists
//! ([`restart_digest_for`], [`secure_digest_for`]) to compare. The pure
//! functions live in [`cib::digest`], shared with the scheduler.

use serde::Serialize;

use crate::metadata::{AgentMetadata, ReloadSupport};

pub use cib::digest::{
    canonical_xml, escape_into, filter_for_digest, is_fence_param, list_contains, params_digest,
    restart_digest_for, secure_digest_for, word_list, Params, CRM_META,
};

/// The Pacemaker feature set this executor's records claim (`crm_feature_set`);
/// the digest rules below are those of this version.
pub const CRM_FEATURE_SET: &str = "3.16.1";

/// The `op-digest` of an operation run with `op_params` (all parameters as
/// the executor received them, meta-attributes included).
pub fn op_digest(op_params: &Params) -> String {
    params_digest(&filter_for_digest(op_params))
}

/// The digest fields of one `lrm_rsc_op`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Digests {
    pub op_digest: String,
    /// Non-reloadable parameter names (` a b `); present when the agent can reload.
    pub op_force_restart: Option<String>,
    pub op_restart_digest: Option<String>,
    /// Private parameter names; present when the agent has any.
    pub op_secure_params: Option<String>,
    pub op_secure_digest: Option<String>,
}

/// Whether a class's results carry restart/secure digests for this action
/// (`crm_op_needs_metadata`): classes with parameters (OCF, stonith), and
/// actions that can bring up or change an instance.
pub fn needs_metadata(class: crate::agent::Class, action: &str) -> bool {
    use crate::agent::Class;
    matches!(class, Class::Ocf | Class::Stonith)
        && matches!(
            action,
            "start"
                | "monitor"
                | "promote"
                | "demote"
                | "reload"
                | "reload-agent"
                | "migrate_to"
                | "migrate_from"
                | "notify"
        )
}

/// The digests Pacemaker's controller records for an operation
/// (`build_operation_update`): `op-digest` always; restart and secure
/// digests when `metadata` is given (pass it only when [`needs_metadata`]).
pub fn record_digests(
    op_params: &Params,
    interval_ms: u64,
    metadata: Option<&AgentMetadata>,
) -> Digests {
    let mut d = Digests {
        op_digest: op_digest(op_params),
        ..Default::default()
    };
    let Some(md) = metadata else {
        return d;
    };
    // The controller walks the parameters in reverse meta-data order (it
    // prepends while parsing); the name lists keep that order.
    let params_rev: Vec<&crate::metadata::Parameter> = md.parameters.iter().rev().collect();
    let private: Vec<&str> = md.private_params();

    if interval_ms == 0 {
        type Accept = fn(&crate::metadata::Parameter) -> bool;
        let accept: Option<Accept> = match md.reload_support() {
            ReloadSupport::ReloadAgent => Some(|p| !p.reloadable),
            ReloadSupport::LegacyReload => Some(|p| p.unique),
            ReloadSupport::None => None,
        };
        if let Some(accept) = accept {
            let mut names = Vec::new();
            let mut restart = Params::new();
            for p in &params_rev {
                if accept(p) {
                    names.push(p.name.as_str());
                    if let Some(v) = op_params.get(&p.name) {
                        restart.insert(p.name.clone(), v.clone());
                    }
                } else {
                    restart.remove(&p.name);
                }
            }
            d.op_force_restart = Some(word_list(&names).unwrap_or_default());
            d.op_restart_digest = Some(params_digest(&restart));
        }
    }

    let mut secure = filter_for_digest(op_params);
    let mut names = Vec::new();
    for p in &params_rev {
        if private.contains(&p.name.as_str()) {
            names.push(p.name.as_str());
            secure.remove(&p.name);
        } else if let Some(v) = op_params.get(&p.name) {
            secure.insert(p.name.clone(), v.clone());
        }
    }
    if let Some(list) = word_list(&names) {
        d.op_secure_params = Some(list);
        d.op_secure_digest = Some(params_digest(&secure));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn canonical_form_is_sorted_and_escaped() {
        let params = p(&[("b", "x<y"), ("a", "1"), ("c", "t\tn\nq\"'&>")]);
        assert_eq!(
            String::from_utf8(canonical_xml(&params)).unwrap(),
            " <parameters a=\"1\" b=\"x&lt;y\" c=\"t    n\\nq&quot;&apos;&amp;&gt;\"/>\n"
        );
        assert_eq!(
            String::from_utf8(canonical_xml(&Params::new())).unwrap(),
            " <parameters/>\n"
        );
    }

    #[test]
    fn escaping_keeps_pacemakers_quirks() {
        let mut out = Vec::new();
        escape_into(b"\x01\x7f", &mut out);
        assert_eq!(out, b"\\001\\177");
        // A lone high byte is a negative char printed in octal.
        let mut out = Vec::new();
        escape_into(b"\xc3a", &mut out);
        assert_eq!(out, b"\\37777777703a");
        // A multi-byte character stops escaping for the rest of the value.
        let mut out = Vec::new();
        escape_into("<é<".as_bytes(), &mut out);
        assert_eq!(out, "&lt;é<".as_bytes());
    }

    #[test]
    fn filter_keeps_timeout_only_for_recurring_ops() {
        let one_shot = p(&[
            ("ip", "10.0.0.1"),
            ("CRM_meta_timeout", "20000"),
            ("CRM_meta_name", "start"),
            ("crm_feature_set", "3.16.1"),
        ]);
        assert_eq!(filter_for_digest(&one_shot), p(&[("ip", "10.0.0.1")]));
        let recurring = p(&[
            ("ip", "10.0.0.1"),
            ("CRM_meta_timeout", "20000"),
            ("CRM_meta_interval", "10000"),
            ("on_node", "n1"),
        ]);
        assert_eq!(
            filter_for_digest(&recurring),
            p(&[("ip", "10.0.0.1"), ("CRM_meta_timeout", "20000")])
        );
    }

    #[test]
    fn known_digest() {
        // md5(" <parameters/>\n")
        assert_eq!(
            params_digest(&Params::new()),
            format!("{:x}", md5::compute(" <parameters/>\n"))
        );
    }

    #[test]
    fn word_lists_have_pacemakers_spacing() {
        assert_eq!(word_list(&["state"]).unwrap(), "  state  ");
        assert_eq!(word_list(&["a", "b"]).unwrap(), "  a b  ");
        assert_eq!(word_list(&[]), None);
        assert!(list_contains("  a b  ", "b"));
        assert!(!list_contains("  ab  ", "b"));
    }

    #[test]
    fn fence_params_are_recognised() {
        for n in [
            "pcmk_host_list",
            "pcmk_reboot_action",
            "pcmk_off_timeout",
            "pcmk_monitor_retries",
            "provides",
            "stonith-timeout",
        ] {
            assert!(is_fence_param(n), "{n}");
        }
        for n in ["port", "pcmk_foo", "ipaddr", "pcmk_reboot_whatever"] {
            assert!(!is_fence_param(n), "{n}");
        }
    }

    #[test]
    fn record_digests_follow_the_controller() {
        let md = AgentMetadata::parse(
            "ocf:pacemaker:Dummy",
            r#"<resource-agent name="Dummy"><version>1.1</version><parameters>
            <parameter name="state"/><parameter name="passwd" reloadable="1"/>
            <parameter name="fake" reloadable="1"/><parameter name="op_sleep" reloadable="1"/>
            <parameter name="envfile"/></parameters>
            <actions><action name="reload-agent"/></actions></resource-agent>"#,
        )
        .unwrap();
        let params = p(&[
            ("state", "/tmp/s"),
            ("passwd", "secret"),
            ("fake", "x"),
            ("CRM_meta_timeout", "20000"),
        ]);
        let d = record_digests(&params, 0, Some(&md));
        assert_eq!(d.op_force_restart.as_deref(), Some("  envfile state  "));
        assert_eq!(
            d.op_restart_digest.as_deref(),
            Some(params_digest(&p(&[("state", "/tmp/s")])).as_str())
        );
        assert_eq!(d.op_secure_params.as_deref(), Some("  passwd  "));
        assert_eq!(
            d.op_secure_digest.as_deref(),
            Some(params_digest(&p(&[("fake", "x"), ("state", "/tmp/s")])).as_str())
        );
        assert_eq!(
            d.op_digest,
            params_digest(&p(&[
                ("fake", "x"),
                ("passwd", "secret"),
                ("state", "/tmp/s")
            ]))
        );
        // The scheduler's recomputation from the lists agrees.
        let all = filter_for_digest(&params);
        assert_eq!(
            restart_digest_for(&all, "  envfile state  "),
            d.op_restart_digest.clone().unwrap()
        );
        assert_eq!(
            secure_digest_for(&all, &all, Some("  passwd  "), CRM_FEATURE_SET, false),
            d.op_secure_digest.clone().unwrap()
        );
        // Recurring operations get no restart digest.
        let d = record_digests(&params, 10_000, Some(&md));
        assert_eq!(d.op_force_restart, None);
    }
}
