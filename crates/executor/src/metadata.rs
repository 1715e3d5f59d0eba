//! An agent's self-description (`meta-data` action output) as typed data:
//! parameters with their types, defaults and flags, and actions with their
//! default timeouts. Reads OCF 1.0 and 1.1 meta-data (and what the fence
//! agents print, which follows the same shape).

use serde::Serialize;

use crate::time::parse_msec;

/// A parsed `<resource-agent>` document.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentMetadata {
    /// `name=` of `<resource-agent>`.
    pub name: String,
    /// The agent's own version (`version=` of `<resource-agent>`).
    pub agent_version: Option<String>,
    /// The OCF version it follows (`<version>`), e.g. `1.1`.
    pub ocf_version: Option<String>,
    pub shortdesc: Option<String>,
    pub longdesc: Option<String>,
    pub parameters: Vec<Parameter>,
    pub actions: Vec<Action>,
}

/// One `<parameter>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    pub required: bool,
    /// `unique="1"` (OCF 1.0; what Pacemaker's legacy reload looks at).
    pub unique: bool,
    /// OCF 1.1 `unique-group`: the combination of the group's values must be unique.
    pub unique_group: Option<String>,
    /// OCF 1.1: a change can be applied by `reload-agent`.
    pub reloadable: bool,
    /// Kept out of the secure digest and logs (passwords).
    pub private: bool,
    pub deprecated: bool,
    pub advanced: bool,
    /// `<content type=…>`: string, integer, boolean, select, time, …
    pub content_type: Option<String>,
    pub default: Option<String>,
    /// Choices of a `select` parameter.
    pub options: Vec<String>,
    pub shortdesc: Option<String>,
    pub longdesc: Option<String>,
}

/// One `<action>` the agent supports, with its advised settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Action {
    pub name: String,
    /// The text as written (`20s`), and in milliseconds when readable.
    pub timeout: Option<String>,
    pub timeout_ms: Option<u64>,
    pub interval: Option<String>,
    pub interval_ms: Option<u64>,
    pub depth: Option<String>,
    pub role: Option<String>,
    pub start_delay: Option<String>,
    /// Fence agents' `on` with `automatic="1"` (or the deprecated
    /// `required="1"`): the cluster unfences a node when it joins.
    pub automatic: bool,
    /// Fence agents: the action must run on the target node itself.
    pub on_target: bool,
}

/// Pacemaker's true spellings (`crm_is_true`).
fn is_true_text(v: &str) -> bool {
    cib::value::parse_bool(v) == Some(true)
}

/// Meta-data that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("meta-data of {agent} is not valid XML: {message}; run the agent's meta-data action by hand to see its output")]
    Xml { agent: String, message: String },
    #[error("meta-data of {agent} has <{root}> at the top instead of <resource-agent>")]
    NotResourceAgent { agent: String, root: String },
}

impl AgentMetadata {
    /// Parses meta-data XML; `agent` names the agent in errors.
    pub fn parse(agent: &str, xml: &str) -> Result<AgentMetadata, MetadataError> {
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(xml.trim_start(), opts).map_err(|e| {
            MetadataError::Xml {
                agent: agent.to_string(),
                message: e.to_string(),
            }
        })?;
        let root = doc.root_element();
        if root.tag_name().name() != "resource-agent" {
            return Err(MetadataError::NotResourceAgent {
                agent: agent.to_string(),
                root: root.tag_name().name().to_string(),
            });
        }
        let mut md = AgentMetadata {
            name: root.attribute("name").unwrap_or_default().to_string(),
            agent_version: root.attribute("version").map(str::to_string),
            ocf_version: child(root, "version").and_then(text),
            // Fence agents put it in an attribute.
            shortdesc: desc(root, "shortdesc")
                .or_else(|| root.attribute("shortdesc").map(str::to_string)),
            longdesc: desc(root, "longdesc"),
            ..Default::default()
        };
        if let Some(params) = child(root, "parameters") {
            for p in params.children().filter(|n| n.has_tag_name("parameter")) {
                let Some(name) = p.attribute("name") else {
                    continue;
                };
                let content = child(p, "content");
                let unique_group = p.attribute("unique-group").map(str::to_string);
                md.parameters.push(Parameter {
                    name: name.to_string(),
                    required: is_true(p.attribute("required")),
                    unique: is_true(p.attribute("unique")),
                    unique_group,
                    reloadable: is_true(p.attribute("reloadable")),
                    private: is_true(p.attribute("private")),
                    deprecated: child(p, "deprecated").is_some()
                        || is_true(p.attribute("deprecated")),
                    advanced: is_true(p.attribute("advanced")),
                    content_type: content
                        .and_then(|c| c.attribute("type"))
                        .map(str::to_string),
                    default: content
                        .and_then(|c| c.attribute("default"))
                        .map(str::to_string),
                    options: content
                        .map(|c| {
                            c.children()
                                .filter(|o| o.has_tag_name("option"))
                                .filter_map(|o| o.attribute("value").map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    shortdesc: desc(p, "shortdesc"),
                    longdesc: desc(p, "longdesc"),
                });
            }
        }
        if let Some(actions) = child(root, "actions") {
            for a in actions.children().filter(|n| n.has_tag_name("action")) {
                let Some(name) = a.attribute("name") else {
                    continue;
                };
                let timeout = a.attribute("timeout").map(str::to_string);
                let interval = a.attribute("interval").map(str::to_string);
                md.actions.push(Action {
                    name: name.to_string(),
                    timeout_ms: timeout.as_deref().and_then(parse_msec),
                    timeout,
                    interval_ms: interval.as_deref().map(crate::time::parse_interval_ms),
                    interval,
                    depth: a
                        .attribute("depth")
                        .or_else(|| a.attribute("OCF_CHECK_LEVEL"))
                        .map(str::to_string),
                    role: a.attribute("role").map(str::to_string),
                    start_delay: a.attribute("start-delay").map(str::to_string),
                    automatic: ["automatic", "required"]
                        .iter()
                        .any(|k| a.attribute(*k).is_some_and(is_true_text)),
                    on_target: a.attribute("on_target").is_some_and(is_true_text),
                });
            }
        }
        Ok(md)
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The first advertised action with this name (monitor may appear once
    /// per role).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    pub fn supports(&self, action: &str) -> bool {
        self.action(action).is_some()
    }

    /// Follows OCF 1.1 or later (`<version>1.1</version>`).
    pub fn is_ocf_1_1(&self) -> bool {
        self.ocf_version
            .as_deref()
            .is_some_and(|v| compare_version(v, "1.1") != std::cmp::Ordering::Less)
    }

    /// How parameter changes can be applied without a restart, as the
    /// controller decides it (`controld_cache_metadata`).
    pub fn reload_support(&self) -> ReloadSupport {
        let mut support = ReloadSupport::None;
        for a in &self.actions {
            if a.name == "reload-agent" && self.is_ocf_1_1() {
                return ReloadSupport::ReloadAgent;
            }
            if !self.is_ocf_1_1() && a.name.eq_ignore_ascii_case("reload") {
                support = ReloadSupport::LegacyReload;
            }
        }
        support
    }

    /// Parameters that count as private: those marked so, or, when the agent
    /// marks none, any called `password`, `passwd` or `user`.
    pub fn private_params(&self) -> Vec<&str> {
        let marked: Vec<&str> = self
            .parameters
            .iter()
            .filter(|p| p.private)
            .map(|p| p.name.as_str())
            .collect();
        if !marked.is_empty() {
            return marked;
        }
        self.parameters
            .iter()
            .filter(|p| matches!(p.name.as_str(), "password" | "passwd" | "user"))
            .map(|p| p.name.as_str())
            .collect()
    }
}

/// Which kind of reload an agent offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReloadSupport {
    None,
    /// OCF 1.1 `reload-agent`: parameters marked `reloadable` can change in place.
    ReloadAgent,
    /// Pre-1.1 `reload`: parameters *not* marked `unique` can change in place.
    LegacyReload,
}

/// Pacemaker's `compare_version`: dotted numbers compared field by field.
pub fn compare_version(a: &str, b: &str) -> std::cmp::Ordering {
    let fields = |s: &str| -> Vec<i64> {
        s.split('.')
            .map(|f| {
                let digits: String = f.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().unwrap_or(0)
            })
            .collect()
    };
    let (fa, fb) = (fields(a), fields(b));
    for i in 0..fa.len().max(fb.len()) {
        let x = fa.get(i).copied().unwrap_or(0);
        let y = fb.get(i).copied().unwrap_or(0);
        match x.cmp(&y) {
            std::cmp::Ordering::Equal => continue,
            other => return other,
        }
    }
    std::cmp::Ordering::Equal
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn text(n: roxmltree::Node) -> Option<String> {
    let t: String = n
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// English (or unlabelled) description text, trimmed.
fn desc(n: roxmltree::Node, name: &str) -> Option<String> {
    let mut candidates = n.children().filter(|c| c.has_tag_name(name));
    let all: Vec<_> = candidates.by_ref().collect();
    all.iter()
        .find(|c| matches!(c.attribute("lang"), None | Some("en")))
        .or(all.first())
        .and_then(|c| text(*c))
}

/// `crm_is_true` on an attribute.
fn is_true(v: Option<&str>) -> bool {
    cib::value::is_true(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMMY: &str = r#"<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Dummy" version="2.1">
<version>1.1</version>
<longdesc lang="en">Long text</longdesc>
<shortdesc lang="en">Example</shortdesc>
<parameters>
<parameter name="state" unique-group="state">
<shortdesc lang="en">State file</shortdesc>
<content type="string" default="/var/run/Dummy-RESOURCE_ID.state" />
</parameter>
<parameter name="passwd" reloadable="1" private="1">
<content type="string" default="" />
</parameter>
<parameter name="mode" required="true">
<deprecated/>
<content type="select" default="a"><option value="a"/><option value="b"/></content>
</parameter>
</parameters>
<actions>
<action name="start" timeout="20s" />
<action name="monitor" timeout="20s" interval="10s" depth="0"/>
<action name="reload-agent" timeout="20s" />
<action name="meta-data" timeout="5" />
</actions>
</resource-agent>"#;

    #[test]
    fn parses_parameters_and_actions() {
        let md = AgentMetadata::parse("ocf:pacemaker:Dummy", DUMMY).unwrap();
        assert_eq!(md.name, "Dummy");
        assert_eq!(md.agent_version.as_deref(), Some("2.1"));
        assert!(md.is_ocf_1_1());
        assert_eq!(md.shortdesc.as_deref(), Some("Example"));
        let state = md.parameter("state").unwrap();
        assert!(!state.unique && !state.required && !state.reloadable);
        assert_eq!(state.unique_group.as_deref(), Some("state"));
        assert_eq!(
            state.default.as_deref(),
            Some("/var/run/Dummy-RESOURCE_ID.state")
        );
        let passwd = md.parameter("passwd").unwrap();
        assert!(passwd.reloadable && passwd.private);
        let mode = md.parameter("mode").unwrap();
        assert!(mode.required && mode.deprecated);
        assert_eq!(mode.options, ["a", "b"]);
        let mon = md.action("monitor").unwrap();
        assert_eq!(mon.timeout_ms, Some(20_000));
        assert_eq!(mon.interval_ms, Some(10_000));
        assert_eq!(md.action("meta-data").unwrap().timeout_ms, Some(5_000));
        assert_eq!(md.reload_support(), ReloadSupport::ReloadAgent);
        assert_eq!(md.private_params(), ["passwd"]);
    }

    #[test]
    fn old_agents_get_legacy_reload_and_implicit_private_names() {
        let xml = r#"<resource-agent name="x"><version>1.0</version>
            <parameters><parameter name="user"/><parameter name="ip" unique="1"/></parameters>
            <actions><action name="reload"/><action name="reload-agent"/></actions></resource-agent>"#;
        let md = AgentMetadata::parse("x", xml).unwrap();
        assert_eq!(md.reload_support(), ReloadSupport::LegacyReload);
        assert_eq!(md.private_params(), ["user"]);
        assert!(md.parameter("ip").unwrap().unique);
    }

    #[test]
    fn bad_metadata_names_the_agent() {
        let e = AgentMetadata::parse("ocf:x:y", "not xml").unwrap_err();
        assert!(e.to_string().contains("ocf:x:y"), "{e}");
        let e = AgentMetadata::parse("ocf:x:y", "<foo/>").unwrap_err();
        assert!(e.to_string().contains("<foo>"), "{e}");
    }

    #[test]
    fn versions_compare_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_version("1.10", "1.9"), Greater);
        assert_eq!(compare_version("1.1", "1.1.0"), Equal);
        assert_eq!(compare_version("3.0.5", "3.16.1"), Less);
    }
}
