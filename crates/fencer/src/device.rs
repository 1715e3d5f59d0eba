//! One fence device (a `stonith`-class primitive) and what its `pcmk_*`
//! parameters mean, as Pacemaker 2.1.5's fencer reads them: which nodes it
//! can fence (`pcmk_host_list`, `pcmk_host_map`, `pcmk_host_check`), what
//! the agent is told (`pcmk_<action>_action`, `pcmk_host_argument`), how
//! long and how often (`pcmk_<action>_timeout`, `pcmk_<action>_retries`) and
//! how long to wait first (`pcmk_delay_base`, `pcmk_delay_max`).

use std::collections::BTreeMap;

use serde::Serialize;

/// A fence action a node can be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FenceAction {
    Reboot,
    Off,
    On,
}

impl FenceAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FenceAction::Reboot => "reboot",
            FenceAction::Off => "off",
            FenceAction::On => "on",
        }
    }

    /// `reboot`, `off` (or its deprecated alias `poweroff`), `on`.
    pub fn parse(text: &str) -> Option<FenceAction> {
        match text {
            "reboot" => Some(FenceAction::Reboot),
            "off" | "poweroff" => Some(FenceAction::Off),
            "on" => Some(FenceAction::On),
            _ => None,
        }
    }

    /// Whether the action takes a node down (`pcmk__is_fencing_action`):
    /// only these get `pcmk_delay_*` delays.
    pub fn is_fencing(self) -> bool {
        matches!(self, FenceAction::Reboot | FenceAction::Off)
    }
}

impl std::fmt::Display for FenceAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the agent's meta-data says it can do (the fencer reads its
/// `<actions>`: `list`, `status`, `reboot`, `on`, and whether `on` is
/// `automatic`) and which argument names the node (`port` or `plug`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AgentCaps {
    pub list: bool,
    pub status: bool,
    pub reboot: bool,
    pub on: bool,
    /// `<action name="on" automatic="1">`: the cluster unfences the node
    /// when it joins, so a remapped reboot does not turn it back on.
    pub automatic_unfencing: bool,
    /// `port` or `plug`, whichever parameter the meta-data declares.
    pub host_arg: Option<String>,
}

impl AgentCaps {
    /// An agent that supports everything (tests, agents without meta-data).
    pub fn all() -> AgentCaps {
        AgentCaps {
            list: true,
            status: true,
            reboot: true,
            on: true,
            automatic_unfencing: false,
            host_arg: Some("port".into()),
        }
    }
}

/// `pcmk_host_check`: how to tell whether a device can fence a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostCheck {
    /// The node (or its `pcmk_host_map` entry) is in the configured list.
    StaticList,
    /// The node (or its alias) is in what the agent's `list` prints.
    DynamicList,
    /// The agent's `status` for the node answers on (0) or off (2).
    Status,
    /// The device can fence every node.
    None,
    /// A value Pacemaker does not know: the device fences nothing.
    Invalid(String),
}

impl HostCheck {
    pub fn as_str(&self) -> &str {
        match self {
            HostCheck::StaticList => "static-list",
            HostCheck::DynamicList => "dynamic-list",
            HostCheck::Status => "status",
            HostCheck::None => "none",
            HostCheck::Invalid(s) => s,
        }
    }
}

/// A configured fence device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    /// The primitive's id.
    pub id: String,
    /// The fence agent (`type`, e.g. `fence_ipmilan`).
    pub agent: String,
    /// Instance attributes in effect, `pcmk_*` ones included.
    pub params: BTreeMap<String, String>,
    /// The `priority` meta-attribute: without a topology, devices are tried
    /// highest first (ties in configuration order).
    pub priority: i64,
}

impl Device {
    pub fn new(id: &str, agent: &str) -> Device {
        Device {
            id: id.to_string(),
            agent: agent.to_string(),
            params: BTreeMap::new(),
            priority: 0,
        }
    }

    pub fn param(mut self, name: &str, value: &str) -> Device {
        self.params.insert(name.to_string(), value.to_string());
        self
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// `pcmk_host_check`, or the default the fencer picks: `static-list`
    /// when a host list or map is given, else `dynamic-list` if the agent
    /// can list, else `status` if it can report status, else `none`.
    pub fn host_check(&self, caps: &AgentCaps) -> HostCheck {
        if let Some(v) = self.get("pcmk_host_check") {
            return match v.to_ascii_lowercase().as_str() {
                "static-list" => HostCheck::StaticList,
                "dynamic-list" => HostCheck::DynamicList,
                "status" => HostCheck::Status,
                "none" => HostCheck::None,
                _ => HostCheck::Invalid(v.to_string()),
            };
        }
        if self.get("pcmk_host_list").is_some() || self.get("pcmk_host_map").is_some() {
            HostCheck::StaticList
        } else if caps.list {
            HostCheck::DynamicList
        } else if caps.status {
            HostCheck::Status
        } else {
            HostCheck::None
        }
    }

    /// `pcmk_host_map` as node → port pairs, in order.
    pub fn host_map(&self) -> Vec<(String, String)> {
        self.get("pcmk_host_map")
            .map(parse_host_map)
            .unwrap_or_default()
    }

    /// The name the device knows `target` by: its `pcmk_host_map` entry
    /// (node names compare without regard to case), else the name itself.
    pub fn alias(&self, target: &str) -> String {
        self.host_map()
            .into_iter()
            .rev() // a later entry replaces an earlier one
            .find(|(n, _)| n.eq_ignore_ascii_case(target))
            .map(|(_, p)| p)
            .unwrap_or_else(|| target.to_string())
    }

    /// Whether a `static-list` device lists `target`: in `pcmk_host_list`,
    /// among the *ports* of `pcmk_host_map` (Pacemaker adds those to the
    /// list too), or with a `pcmk_host_map` entry.
    pub fn static_list_has(&self, target: &str) -> bool {
        let mut targets = self
            .get("pcmk_host_list")
            .map(parse_targets)
            .unwrap_or_default();
        let map = self.host_map();
        targets.extend(map.iter().map(|(_, p)| p.clone()));
        targets.iter().any(|t| t.eq_ignore_ascii_case(target))
            || map.iter().any(|(n, _)| n.eq_ignore_ascii_case(target))
    }

    /// What the agent is asked to do for `action`: `pcmk_<action>_action`
    /// if set.
    pub fn agent_action(&self, action: &str) -> String {
        self.get(&format!("pcmk_{action}_action"))
            .unwrap_or(action)
            .to_string()
    }

    /// Whether a reboot through this device leaves the node off
    /// (`pcmk_reboot_action=off`): a remapped reboot does not turn it on.
    pub fn reboot_stays_off(&self) -> bool {
        self.get("pcmk_reboot_action") == Some("off")
    }

    /// The agent action actually run for `action`: a reboot becomes `off` on
    /// an agent without `reboot`.
    pub fn effective_action(&self, action: FenceAction, caps: &AgentCaps) -> FenceAction {
        if action == FenceAction::Reboot && !caps.reboot {
            FenceAction::Off
        } else {
            action
        }
    }

    /// The timeout for `action` in milliseconds: `pcmk_<action>_timeout`
    /// (for a reboot the agent cannot do, `pcmk_off_timeout`), else
    /// `default_ms` (the request's timeout, normally `stonith-timeout`).
    /// Like Pacemaker the value is read as whole seconds from its leading
    /// digits (`90s` and `90` are 90 s; see [`check_params`] for the rest).
    pub fn timeout_ms(&self, action: &str, caps: &AgentCaps, default_ms: u64) -> u64 {
        let action = if action == "reboot" && !caps.reboot {
            "off"
        } else {
            action
        };
        match self.get(&format!("pcmk_{action}_timeout")) {
            Some(v) => atoi(v).max(0) as u64 * 1000,
            None => default_ms,
        }
    }

    /// How many times the agent is run for `action` before giving up
    /// (`pcmk_<action>_retries`, default 2; at least 1). A retry also needs
    /// time left: see [`retry_allowed`].
    pub fn max_tries(&self, action: &str) -> u32 {
        self.get(&format!("pcmk_{action}_retries"))
            .map_or(DEFAULT_TRIES, |v| atoi(v).max(1) as u32)
    }

    /// The delay before running `action` against `target`, in milliseconds.
    ///
    /// `pcmk_delay_base` (a duration, or `node:duration;node2:duration`
    /// per target) and `pcmk_delay_max` (a duration: a random delay up to
    /// it) apply to `reboot` and `off` only. Whole seconds, as Pacemaker
    /// counts them: base + `random` mod (max − base). `random` is the
    /// caller's randomness (any `u32`), so the result is reproducible.
    pub fn delay_ms(&self, action: FenceAction, target: &str, random: u32) -> u64 {
        if !action.is_fencing() {
            return 0;
        }
        let max_s = self
            .get("pcmk_delay_max")
            .and_then(cib::rules::parse_interval_spec)
            .map_or(0, |ms| u64::from(ms) / 1000);
        let base_s = self
            .get("pcmk_delay_base")
            .and_then(|v| delay_base_for(v, target))
            .map_or(0, |ms| u64::from(ms) / 1000);
        let max_s = if max_s == 0 { base_s } else { max_s };
        let base_s = base_s.min(max_s);
        if max_s == 0 {
            return 0;
        }
        let random_s = if max_s != base_s {
            u64::from(random) % (max_s - base_s)
        } else {
            0
        };
        (base_s + random_s) * 1000
    }

    /// The `port`/`plug` argument name: `pcmk_host_argument`, else the
    /// agent's own (`None` when the device sets `pcmk_host_argument=none`).
    pub fn host_argument(&self, caps: &AgentCaps) -> Option<String> {
        match self.get("pcmk_host_argument") {
            Some(v) if v.eq_ignore_ascii_case("none") => None,
            Some(v) => Some(v.to_string()),
            None => Some(caps.host_arg.clone().unwrap_or_else(|| "port".into())),
        }
    }
}

/// Tries per action unless `pcmk_<action>_retries` says otherwise.
pub const DEFAULT_TRIES: u32 = 2;

/// Whether a failed try may be followed by another (Pacemaker's
/// `update_remaining_timeout`): fewer than `max_tries` so far, the last one
/// did not time out, and less than 70 % of the timeout is used. Returns the
/// time left for the next try.
pub fn retry_allowed(
    tries: u32,
    max_tries: u32,
    timed_out: bool,
    elapsed_ms: u64,
    timeout_ms: u64,
) -> Option<u64> {
    if tries >= max_tries || timed_out {
        return None;
    }
    // Pacemaker compares whole seconds.
    let elapsed_s = elapsed_ms / 1000;
    let timeout_s = timeout_ms / 1000;
    if (elapsed_s as f64) < timeout_s as f64 * 0.7 {
        Some(timeout_ms.saturating_sub(elapsed_s * 1000))
    } else {
        None
    }
}

/// C's `atoi`: optional spaces and sign, then the leading digits.
fn atoi(text: &str) -> i64 {
    let t = text.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let n = digits
        .parse::<i64>()
        .unwrap_or(if digits.is_empty() { 0 } else { i64::MAX });
    if neg {
        -n
    } else {
        n
    }
}

/// The base delay for `target`: a plain duration, or the entry of a
/// `node:duration` list (separated by `;`, spaces or tabs) whose node is a
/// case-insensitive prefix match of the target, as Pacemaker compares.
fn delay_base_for(value: &str, target: &str) -> Option<u32> {
    let mut chosen = value;
    for entry in value.split([';', ' ', '\t']).filter(|e| !e.is_empty()) {
        let Some((node, v)) = entry.split_once(':') else {
            continue;
        };
        if v.is_empty() || node.is_empty() {
            continue;
        }
        let n = node.len();
        if target
            .get(..n)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(node))
        {
            chosen = v;
            break;
        }
    }
    if chosen.contains(':') {
        return None;
    }
    cib::rules::parse_interval_spec(chosen)
}

pub use executor::invoke::parse_host_map;

/// A target list (`pcmk_host_list`, or what an agent's `list` prints):
/// lines (also a literal `\n`), entries separated by spaces, commas or
/// semicolons, each cut at its first character outside `[A-Za-z0-9_.-]`;
/// lines with "invalid" or "variable" and the words on/off are skipped
/// (Pacemaker's `stonith__parse_targets`).
pub fn parse_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.replace("\\n", "\n").split('\n') {
        if line.contains("invalid") || line.contains("variable") {
            continue;
        }
        for entry in line.split(|c: char| c.is_ascii_whitespace() || c == ',' || c == ';') {
            if entry.is_empty() {
                continue;
            }
            let word: String = entry
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .collect();
            if word.is_empty()
                || word.eq_ignore_ascii_case("on")
                || word.eq_ignore_ascii_case("off")
            {
                continue;
            }
            out.push(word);
        }
    }
    out
}

/// Problems with a device's `pcmk_*` parameters that Pacemaker would read
/// silently in a surprising way, each with its fix.
pub fn check_params(device: &Device) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in &device.params {
        let is_seconds = k.starts_with("pcmk_") && k.ends_with("_timeout");
        if is_seconds {
            let t = v.trim();
            let digits = t.trim_end_matches('s');
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                out.push(format!(
                    "fence device {}: {k}=\"{v}\" is read as {} seconds (only its leading number counts, as seconds); write the timeout in seconds, e.g. {k}=\"120s\"",
                    device.id,
                    atoi(v).max(0)
                ));
            }
        }
        if k.starts_with("pcmk_") && k.ends_with("_retries") && v.trim().parse::<u32>().is_err() {
            out.push(format!(
                "fence device {}: {k}=\"{v}\" is not a whole number; it is read as {}; write a count such as {k}=\"2\"",
                device.id,
                atoi(v).max(1)
            ));
        }
    }
    if let Some(v) = device.params.get("pcmk_host_check") {
        if matches!(
            device.host_check(&AgentCaps::default()),
            HostCheck::Invalid(_)
        ) {
            out.push(format!(
                "fence device {}: pcmk_host_check=\"{v}\" is not valid, so the device fences no node; use static-list, dynamic-list, status or none",
                device.id
            ));
        }
    }
    if let Some(map) = device.params.get("pcmk_host_map") {
        if parse_host_map(map).is_empty() {
            out.push(format!(
                "fence device {}: pcmk_host_map=\"{map}\" has no node:port entry; write it as \"node1:port1;node2:port2\"",
                device.id
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(list: bool, status: bool) -> AgentCaps {
        AgentCaps {
            list,
            status,
            ..AgentCaps::all()
        }
    }

    #[test]
    fn host_check_defaults_follow_the_fencer() {
        let d = Device::new("f", "fence_x");
        assert_eq!(d.host_check(&caps(true, true)), HostCheck::DynamicList);
        assert_eq!(d.host_check(&caps(false, true)), HostCheck::Status);
        assert_eq!(d.host_check(&caps(false, false)), HostCheck::None);
        let l = d.clone().param("pcmk_host_list", "n1");
        assert_eq!(l.host_check(&caps(true, true)), HostCheck::StaticList);
        let m = d.clone().param("pcmk_host_map", "n1:1");
        assert_eq!(m.host_check(&caps(true, true)), HostCheck::StaticList);
        let e = d.clone().param("pcmk_host_check", "Status");
        assert_eq!(e.host_check(&caps(false, false)), HostCheck::Status);
        let bad = d.param("pcmk_host_check", "maybe");
        assert_eq!(
            bad.host_check(&caps(true, true)),
            HostCheck::Invalid("maybe".into())
        );
        assert_eq!(check_params(&bad).len(), 1);
    }

    #[test]
    fn host_map_syntax() {
        assert_eq!(
            parse_host_map("node1:1;node2:2,3 node3=p\\:3\tnode4:4;"),
            vec![
                ("node1".into(), "1".into()),
                ("node2".into(), "2,3".into()),
                ("node3".into(), "p:3".into()),
                ("node4".into(), "4".into()),
            ]
        );
        assert!(parse_host_map("justaname").is_empty());
        let d = Device::new("f", "fence_x").param("pcmk_host_map", "N1:plug-1;n2:plug-2");
        assert_eq!(d.alias("n1"), "plug-1");
        assert_eq!(d.alias("n3"), "n3");
        // Mapped nodes and (a quirk kept) their ports are in the static list.
        assert!(d.static_list_has("n2") && d.static_list_has("plug-1"));
        assert!(!d.static_list_has("n3"));
        let l = Device::new("f", "fence_x").param("pcmk_host_list", "n1,n2;n3 N4");
        assert!(l.static_list_has("n4") && l.static_list_has("n3"));
        assert!(!l.static_list_has("n5"));
    }

    #[test]
    fn target_lists_as_agents_print_them() {
        assert_eq!(
            parse_targets("node1,alias1\nnode2 on\\nnode3;x@y\nParse error: invalid option\n"),
            vec!["node1", "alias1", "node2", "node3", "x"]
        );
    }

    #[test]
    fn action_aliases_timeouts_retries() {
        let d = Device::new("f", "fence_x")
            .param("pcmk_reboot_action", "off")
            .param("pcmk_off_timeout", "90s")
            .param("pcmk_reboot_timeout", "2min")
            .param("pcmk_off_retries", "5");
        assert_eq!(d.agent_action("reboot"), "off");
        assert_eq!(d.agent_action("on"), "on");
        assert!(d.reboot_stays_off());
        let all = AgentCaps::all();
        assert_eq!(d.timeout_ms("off", &all, 60_000), 90_000);
        assert_eq!(d.timeout_ms("on", &all, 60_000), 60_000);
        // Pacemaker's atoi: "2min" is 2 seconds (and is warned about).
        assert_eq!(d.timeout_ms("reboot", &all, 60_000), 2_000);
        let no_reboot = AgentCaps {
            reboot: false,
            ..AgentCaps::all()
        };
        assert_eq!(d.timeout_ms("reboot", &no_reboot, 60_000), 90_000);
        assert_eq!(
            d.effective_action(FenceAction::Reboot, &no_reboot),
            FenceAction::Off
        );
        assert_eq!(d.max_tries("off"), 5);
        assert_eq!(d.max_tries("reboot"), 2);
        assert_eq!(check_params(&d).len(), 1, "{:?}", check_params(&d));
    }

    #[test]
    fn retries_need_time_left() {
        assert_eq!(retry_allowed(1, 2, false, 10_000, 60_000), Some(50_000));
        assert_eq!(retry_allowed(2, 2, false, 10_000, 60_000), None);
        assert_eq!(retry_allowed(1, 2, true, 10_000, 60_000), None);
        assert_eq!(retry_allowed(1, 2, false, 42_000, 60_000), None);
        assert_eq!(retry_allowed(1, 3, false, 41_999, 60_000), Some(19_000));
    }

    #[test]
    fn delays_take_the_callers_randomness() {
        let d = Device::new("f", "fence_x")
            .param("pcmk_delay_base", "2s")
            .param("pcmk_delay_max", "10s");
        assert_eq!(d.delay_ms(FenceAction::Reboot, "n1", 0), 2_000);
        assert_eq!(d.delay_ms(FenceAction::Reboot, "n1", 7), 9_000);
        assert_eq!(d.delay_ms(FenceAction::Reboot, "n1", 8), 2_000);
        assert_eq!(d.delay_ms(FenceAction::On, "n1", 7), 0);
        let per_node = Device::new("f", "fence_x").param("pcmk_delay_base", "n1:5s;n2:0s");
        assert_eq!(per_node.delay_ms(FenceAction::Off, "n1", 99), 5_000);
        assert_eq!(per_node.delay_ms(FenceAction::Off, "n2", 99), 0);
        assert_eq!(per_node.delay_ms(FenceAction::Off, "n3", 99), 0);
        // base above max: limited to max.
        let capped = Device::new("f", "fence_x")
            .param("pcmk_delay_base", "20")
            .param("pcmk_delay_max", "5");
        assert_eq!(capped.delay_ms(FenceAction::Off, "n1", 3), 5_000);
    }

    #[test]
    fn host_argument() {
        let d = Device::new("f", "fence_x");
        let plug = AgentCaps {
            host_arg: Some("plug".into()),
            ..AgentCaps::all()
        };
        assert_eq!(d.host_argument(&plug).as_deref(), Some("plug"));
        let d2 = d.clone().param("pcmk_host_argument", "uuid");
        assert_eq!(d2.host_argument(&plug).as_deref(), Some("uuid"));
        let d3 = d.param("pcmk_host_argument", "none");
        assert_eq!(d3.host_argument(&plug), None);
    }
}
