//! The contract of each agent standard: what to execute, with which
//! arguments, environment and stdin, and how its exit status reads.
//!
//! - **OCF**: `AGENT ACTION`, parameters as `OCF_RESKEY_<name>` (meta-attributes
//!   as `OCF_RESKEY_CRM_meta_<name>`, `OCF_CHECK_LEVEL` as is), plus
//!   `OCF_ROOT`, `OCF_RA_VERSION_MAJOR/MINOR` (1.1), `OCF_EXIT_REASON_PREFIX`,
//!   `OCF_RESOURCE_INSTANCE`, `OCF_RESOURCE_TYPE`, `OCF_RESOURCE_PROVIDER`, on
//!   top of the executor's own environment — exactly what Pacemaker's
//!   `add_action_env_vars` sets.
//! - **LSB**: `SCRIPT ACTION` (`monitor` becomes `status`), no parameters.
//! - **stonith**: the fence agent with `key=value` lines on stdin
//!   (`action=…`, `nodename=…`, the port argument, the device's parameters
//!   without Pacemaker's own `pcmk_*` ones), as the fencer's `make_args` does.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::agent::{AgentSpec, Class, Paths};
use crate::digest::{is_fence_param, Params};

/// The OCF version Pacemaker 2.1.5 announces to agents.
pub const OCF_RA_VERSION_MAJOR: &str = "1";
pub const OCF_RA_VERSION_MINOR: &str = "1";
/// Marks an exit reason in an OCF agent's stderr.
pub const OCF_EXIT_REASON_PREFIX: &str = "ocf-exit-reason:";

/// Actions the fencer passes straight to a fence agent.
pub const FENCE_ACTIONS: [&str; 10] = [
    "off",
    "on",
    "reboot",
    "status",
    "list",
    "list-status",
    "monitor",
    "metadata",
    "validate-all",
    "meta-data",
];

/// What running an action needs, before it is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Option<Vec<u8>>,
    /// The action name the agent is given (`status` for an LSB monitor).
    pub agent_action: String,
}

/// Why an action is not run at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotRun {
    /// The agent is not on this node.
    NotInstalled { reason: String },
    /// The class/action has nothing to execute and succeeds as is (a fence
    /// device's start and stop register it with the fencer, nothing more).
    NothingToDo,
    /// The standard has no files (systemd): handled elsewhere.
    Systemd,
}

/// The node a fence action targets, and the agent's argument for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FenceTarget<'a> {
    pub node: &'a str,
    /// `port` or `plug`, whichever the agent's meta-data declares (`None`:
    /// `port`, as the fencer defaults).
    pub host_arg: Option<&'a str>,
}

/// Builds the command for `action` on `agent`.
///
/// `params` are the operation's parameters as the executor passes them
/// (instance attributes plus `CRM_meta_*` and `crm_feature_set`); `base_env`
/// is the environment every agent inherits.
pub fn prepare(
    paths: &Paths,
    base_env: &[(String, String)],
    rsc_id: &str,
    agent: &AgentSpec,
    action: &str,
    params: &Params,
    fence_target: Option<FenceTarget>,
) -> Result<Command, NotRun> {
    let class = match agent.class {
        Class::Service if paths.locate(agent).is_none() => return Err(NotRun::Systemd),
        Class::Service => Class::Lsb,
        c => c,
    };
    if class == Class::Systemd {
        return Err(NotRun::Systemd);
    }
    if class == Class::Stonith && matches!(action, "start" | "stop") {
        return match paths.locate(agent) {
            Some(_) => Err(NotRun::NothingToDo),
            None => Err(not_installed(paths, agent)),
        };
    }
    let program = paths
        .locate(agent)
        .ok_or_else(|| not_installed(paths, agent))?;
    let mut env: BTreeMap<String, String> = base_env.iter().cloned().collect();
    let (args, stdin, agent_action) = match class {
        Class::Ocf => {
            for (k, v) in params {
                let name = if k == "OCF_CHECK_LEVEL" {
                    k.clone()
                } else {
                    format!("OCF_RESKEY_{k}")
                };
                if env_ok(&name, v) {
                    env.insert(name, v.clone());
                }
            }
            let fixed = [
                ("OCF_RA_VERSION_MAJOR", OCF_RA_VERSION_MAJOR.to_string()),
                ("OCF_RA_VERSION_MINOR", OCF_RA_VERSION_MINOR.to_string()),
                ("OCF_ROOT", paths.ocf_root.display().to_string()),
                ("OCF_EXIT_REASON_PREFIX", OCF_EXIT_REASON_PREFIX.to_string()),
                ("OCF_RESOURCE_INSTANCE", rsc_id.to_string()),
                ("OCF_RESOURCE_TYPE", agent.type_.clone()),
                (
                    "OCF_RESOURCE_PROVIDER",
                    agent.provider.clone().unwrap_or_default(),
                ),
            ];
            for (k, v) in fixed {
                if env_ok(k, &v) {
                    env.insert(k.to_string(), v);
                }
            }
            (vec![action.to_string()], None, action.to_string())
        }
        Class::Lsb | Class::Service => {
            let a = if action == "monitor" {
                "status"
            } else {
                action
            };
            (vec![a.to_string()], None, a.to_string())
        }
        Class::Stonith => {
            let a = if action == "meta-data" {
                "metadata"
            } else {
                action
            };
            let lines = fence_args(&agent.type_, a, fence_target, params);
            let mut text = String::new();
            for (k, v) in &lines {
                text.push_str(&format!("{k}={v}\n"));
            }
            (Vec::new(), Some(text.into_bytes()), a.to_string())
        }
        Class::Systemd => return Err(NotRun::Systemd),
    };
    Ok(Command {
        program,
        args,
        env: env.into_iter().collect(),
        stdin,
        agent_action,
    })
}

fn not_installed(paths: &Paths, agent: &AgentSpec) -> NotRun {
    NotRun::NotInstalled {
        reason: format!(
            "{agent} is not installed on this node: {} does not exist; install the package that provides it (resource-agents, pacemaker-resource-agents, fence-agents) or fix the agent name",
            paths.expected_path(agent)
        ),
    }
}

/// An environment variable must have a name without '=' or NUL and a value
/// without NUL; anything else cannot be passed (and is dropped).
fn env_ok(name: &str, value: &str) -> bool {
    !name.is_empty() && !name.contains(['=', '\0']) && !value.contains('\0')
}

/// The fence agent's arguments (`make_args` in Pacemaker's fencing library):
/// the action (or its `pcmk_<action>_action` alias), for a target node its
/// name as `nodename` and as the host argument (`pcmk_host_argument`,
/// default `port`, mapped through `pcmk_host_map`) unless the device sets
/// that argument itself, then the device parameters except `action`,
/// Pacemaker's own `pcmk_*` parameters, meta-attributes and `crm_feature_set`.
pub fn fence_args(
    agent: &str,
    action: &str,
    target: Option<FenceTarget>,
    device: &Params,
) -> BTreeMap<String, String> {
    let mut args = BTreeMap::new();
    let alias_key = format!("pcmk_{action}_action");
    let action = device.get(&alias_key).map_or(action, String::as_str);
    args.insert("action".to_string(), action.to_string());
    if let Some(FenceTarget {
        node: target,
        host_arg: default_arg,
    }) = target
    {
        args.insert("nodename".to_string(), target.to_string());
        let host_arg = device.get("pcmk_host_argument").map(String::as_str);
        if agent != "fence_legacy" && !host_arg.is_some_and(|h| h.eq_ignore_ascii_case("none")) {
            let param = host_arg.or(default_arg).unwrap_or("port");
            let value = device.get(param);
            if value.is_none_or_dynamic() {
                let alias = device
                    .get("pcmk_host_map")
                    .and_then(|m| host_map_lookup(m, target))
                    .unwrap_or_else(|| target.to_string());
                args.insert(param.to_string(), alias);
            }
        }
    }
    for (k, v) in device {
        if k.eq_ignore_ascii_case("action")
            || is_fence_param(k)
            || k.contains("CRM_meta")
            || k.eq_ignore_ascii_case("crm_feature_set")
        {
            continue;
        }
        args.entry(k.clone()).or_insert_with(|| v.clone());
    }
    args
}

trait DynamicValue {
    fn is_none_or_dynamic(&self) -> bool;
}

impl DynamicValue for Option<&String> {
    fn is_none_or_dynamic(&self) -> bool {
        self.map_or(true, |v| v.eq_ignore_ascii_case("dynamic"))
    }
}

/// `pcmk_host_map` as node → port pairs, in order, read as Pacemaker's
/// fencer reads it (`build_port_aliases`): `node1:port1;node2:port2`, `=`
/// may replace `:`, entries are separated by `;`, spaces or tabs (a comma
/// belongs to the port: `node2:2,3`), `\\` escapes the next character.
pub fn parse_host_map(map: &str) -> Vec<(String, String)> {
    let b = map.as_bytes();
    let mut out = Vec::new();
    let mut name: Option<&str> = None;
    let mut last = 0usize;
    let mut i = 0usize;
    while i <= b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        match c {
            b'\\' => i += 1,
            b'=' | b':' => {
                if i > last {
                    name = map.get(last..i);
                }
                last = i + 1;
            }
            0 | b';' | b' ' | b'\t' => {
                if let Some(n) = name.take() {
                    let raw = map.get(last..i.min(b.len())).unwrap_or("");
                    out.push((n.to_string(), raw.replace('\\', "")));
                }
                last = i + 1;
            }
            _ => {}
        }
        if c == 0 {
            break;
        }
        i += 1;
    }
    out
}

/// The port `pcmk_host_map` gives `target`: node names compare without
/// regard to case, a later entry replaces an earlier one.
fn host_map_lookup(map: &str, target: &str) -> Option<String> {
    parse_host_map(map)
        .into_iter()
        .rev()
        .find(|(n, _)| n.eq_ignore_ascii_case(target))
        .map(|(_, p)| p)
}

/// The exit reason an OCF agent gave: the text after the last
/// `ocf-exit-reason:` in stderr, to the end of that line, at most 128
/// characters (`parse_exit_reason_from_stderr`).
pub fn exit_reason_from_stderr(stderr: &str) -> Option<String> {
    let idx = stderr.rfind(OCF_EXIT_REASON_PREFIX)?;
    let start = &stderr[idx + OCF_EXIT_REASON_PREFIX.len()..];
    let line = start.split('\n').next().unwrap_or("");
    if line.is_empty() {
        return None;
    }
    Some(line.chars().take(128).collect())
}

/// Pacemaker's name for a meta-attribute passed as a parameter:
/// `CRM_meta_` + the name with dashes as underscores (`crm_meta_name`).
pub fn crm_meta_name(name: &str) -> String {
    format!("CRM_meta_{}", name.replace('-', "_"))
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

    fn t(node: &str) -> FenceTarget<'_> {
        FenceTarget {
            node,
            host_arg: None,
        }
    }

    #[test]
    fn fence_args_follow_the_fencer() {
        let device = p(&[
            ("ipaddr", "10.0.0.9"),
            ("pcmk_host_list", "n1 n2"),
            ("pcmk_reboot_action", "off"),
            ("CRM_meta_timeout", "20000"),
            ("crm_feature_set", "3.16.1"),
            ("action", "ignored"),
        ]);
        let args = fence_args("fence_ipmilan", "reboot", Some(t("n1")), &device);
        assert_eq!(
            args,
            p(&[
                ("action", "off"),
                ("ipaddr", "10.0.0.9"),
                ("nodename", "n1"),
                ("port", "n1")
            ])
        );
        // A host map renames the port; an explicit port is left alone.
        let device = p(&[("pcmk_host_map", "n1:plug-3;n2:plug-4")]);
        assert_eq!(
            fence_args("fence_x", "off", Some(t("n2")), &device).get("port"),
            Some(&"plug-4".to_string())
        );
        let device = p(&[("pcmk_host_map", "N3=a\\:1,2 n4:x;n3:b,c")]);
        assert_eq!(
            fence_args("fence_x", "off", Some(t("n3")), &device).get("port"),
            Some(&"b,c".to_string())
        );
        let device = p(&[("port", "fixed")]);
        assert_eq!(
            fence_args("fence_x", "off", Some(t("n2")), &device).get("port"),
            Some(&"fixed".to_string())
        );
        let device = p(&[("pcmk_host_argument", "plug")]);
        let a = fence_args("fence_x", "off", Some(t("n2")), &device);
        assert_eq!(a.get("plug"), Some(&"n2".to_string()));
        assert_eq!(a.get("port"), None);
        // An agent with `plug` instead of `port`.
        let plug = FenceTarget {
            node: "n2",
            host_arg: Some("plug"),
        };
        let a = fence_args("fence_x", "off", Some(plug), &Params::new());
        assert_eq!(a.get("plug"), Some(&"n2".to_string()));
        // No target: just the action and the device parameters.
        assert_eq!(
            fence_args("fence_x", "monitor", None, &p(&[("a", "b")])),
            p(&[("action", "monitor"), ("a", "b")])
        );
    }

    #[test]
    fn exit_reason_is_the_last_one_bounded() {
        let e = "noise\nocf-exit-reason:first\nmore ocf-exit-reason:second one\nx";
        assert_eq!(exit_reason_from_stderr(e).as_deref(), Some("second one"));
        assert_eq!(exit_reason_from_stderr("ocf-exit-reason:\n"), None);
        let long = format!("ocf-exit-reason:{}", "x".repeat(300));
        assert_eq!(exit_reason_from_stderr(&long).unwrap().len(), 128);
    }

    #[test]
    fn ocf_environment_is_pacemakers() {
        let dir = std::env::temp_dir().join(format!("pacer-invoke-test-{}", std::process::id()));
        let agent_dir = dir.join("resource.d/acme");
        std::fs::create_dir_all(&agent_dir).unwrap();
        std::fs::write(agent_dir.join("Thing"), "#!/bin/sh\n").unwrap();
        let paths = Paths {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            ocf_ra_path: vec![dir.join("resource.d")],
            ..Paths::default()
        };
        let params = p(&[
            ("ip", "10.0.0.1"),
            ("CRM_meta_timeout", "20000"),
            ("OCF_CHECK_LEVEL", "10"),
        ]);
        let base = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
        let cmd = prepare(
            &paths,
            &base,
            "web:0",
            &AgentSpec::ocf("acme", "Thing"),
            "monitor",
            &params,
            None,
        )
        .unwrap();
        let env: BTreeMap<_, _> = cmd.env.iter().cloned().collect();
        let get = |k: &str| env.get(k).map(String::as_str);
        assert_eq!(get("OCF_RESKEY_ip"), Some("10.0.0.1"));
        assert_eq!(get("OCF_RESKEY_CRM_meta_timeout"), Some("20000"));
        assert_eq!(get("OCF_CHECK_LEVEL"), Some("10"));
        assert_eq!(get("OCF_RA_VERSION_MAJOR"), Some("1"));
        assert_eq!(get("OCF_RA_VERSION_MINOR"), Some("1"));
        assert_eq!(get("OCF_ROOT"), Some("/usr/lib/ocf"));
        assert_eq!(get("OCF_EXIT_REASON_PREFIX"), Some("ocf-exit-reason:"));
        assert_eq!(get("OCF_RESOURCE_INSTANCE"), Some("web:0"));
        assert_eq!(get("OCF_RESOURCE_TYPE"), Some("Thing"));
        assert_eq!(get("OCF_RESOURCE_PROVIDER"), Some("acme"));
        assert_eq!(get("PATH"), Some("/usr/bin:/bin"));
        assert_eq!(cmd.args, ["monitor"]);
        let missing = prepare(
            &paths,
            &base,
            "x",
            &AgentSpec::ocf("acme", "Nope"),
            "start",
            &params,
            None,
        )
        .unwrap_err();
        assert!(
            matches!(&missing, NotRun::NotInstalled { reason } if reason.contains("acme/Nope")),
            "{missing:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn meta_names() {
        assert_eq!(crm_meta_name("on-fail"), "CRM_meta_on_fail");
        assert_eq!(crm_meta_name("notify_type"), "CRM_meta_notify_type");
    }
}
