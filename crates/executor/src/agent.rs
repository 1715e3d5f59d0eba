//! Agents: the `class:provider:type` name, where each standard keeps its
//! agents on disk, and listing them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

/// A resource agent standard (`class` in the CIB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Ocf,
    Lsb,
    /// `service:`: an LSB script when one exists, else a systemd unit.
    Service,
    Systemd,
    Stonith,
}

impl Class {
    pub const ALL: [Class; 5] = [
        Class::Ocf,
        Class::Lsb,
        Class::Service,
        Class::Systemd,
        Class::Stonith,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Ocf => "ocf",
            Class::Lsb => "lsb",
            Class::Service => "service",
            Class::Systemd => "systemd",
            Class::Stonith => "stonith",
        }
    }

    /// Pacemaker accepts the class name in any case.
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    /// Only OCF agents have a provider.
    pub fn has_provider(self) -> bool {
        self == Class::Ocf
    }

    /// LSB, systemd and service agents are asked "status" where others are
    /// asked "monitor".
    pub fn monitor_is_status(self) -> bool {
        matches!(self, Class::Lsb | Class::Service | Class::Systemd)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `class[:provider]:type`, e.g. `ocf:heartbeat:IPaddr2`, `lsb:nginx`,
/// `stonith:fence_dummy`, `systemd:chronyd`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AgentSpec {
    pub class: Class,
    pub provider: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
}

/// Why an agent name could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("agent '{spec}' has no class: write class:provider:type (ocf:heartbeat:IPaddr2) or class:type (lsb:nginx, stonith:fence_ipmilan, systemd:chronyd)")]
    NoClass { spec: String },
    #[error(
        "agent '{spec}': unknown class '{class}' (known: ocf, lsb, service, systemd, stonith)"
    )]
    UnknownClass { spec: String, class: String },
    #[error("agent '{spec}': OCF agents need a provider: write ocf:PROVIDER:TYPE, e.g. ocf:heartbeat:{type_}")]
    NoProvider { spec: String, type_: String },
    #[error("agent '{spec}' has no type after the class")]
    NoType { spec: String },
    #[error("agent '{spec}': the type must not contain '/' or be '.' or '..'")]
    BadType { spec: String },
}

impl AgentSpec {
    pub fn new(class: Class, provider: Option<&str>, type_: &str) -> AgentSpec {
        AgentSpec {
            class,
            provider: provider.map(str::to_string),
            type_: type_.to_string(),
        }
    }

    pub fn ocf(provider: &str, type_: &str) -> AgentSpec {
        AgentSpec::new(Class::Ocf, Some(provider), type_)
    }
}

impl FromStr for AgentSpec {
    type Err = SpecError;

    /// Parses the way `crm_parse_agent_spec` does: the provider is present
    /// exactly when the class has providers.
    fn from_str(spec: &str) -> Result<Self, SpecError> {
        let (class_s, rest) = match spec.split_once(':') {
            Some((c, r)) if !c.is_empty() => (c, r),
            _ => {
                return Err(SpecError::NoClass {
                    spec: spec.to_string(),
                })
            }
        };
        let class = Class::parse(class_s).ok_or_else(|| SpecError::UnknownClass {
            spec: spec.to_string(),
            class: class_s.to_string(),
        })?;
        let (provider, type_) = if class.has_provider() {
            match rest.split_once(':') {
                Some((p, t)) if !p.is_empty() => (Some(p.to_string()), t),
                _ => {
                    return Err(SpecError::NoProvider {
                        spec: spec.to_string(),
                        type_: rest.to_string(),
                    })
                }
            }
        } else {
            (None, rest)
        };
        if type_.is_empty() {
            return Err(SpecError::NoType {
                spec: spec.to_string(),
            });
        }
        // LSB scripts may be named by absolute path; nothing else may leave
        // its directory.
        let path_ok = if class == Class::Lsb && type_.starts_with('/') {
            true
        } else {
            !type_.contains('/') && type_ != "." && type_ != ".."
        };
        if !path_ok || provider.as_deref().is_some_and(|p| p.contains('/')) {
            return Err(SpecError::BadType {
                spec: spec.to_string(),
            });
        }
        Ok(AgentSpec {
            class,
            provider,
            type_: type_.to_string(),
        })
    }
}

impl fmt::Display for AgentSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(p) => write!(f, "{}:{}:{}", self.class, p, self.type_),
            None => write!(f, "{}:{}", self.class, self.type_),
        }
    }
}

/// Where agents live. [`Paths::from_env`] gives Pacemaker's defaults
/// (Debian's layout), with `OCF_ROOT` and `OCF_RA_PATH` honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// Exported to OCF agents as `OCF_ROOT` (they find `lib/heartbeat` there).
    pub ocf_root: PathBuf,
    /// Directories searched, in order, for `PROVIDER/TYPE`.
    pub ocf_ra_path: Vec<PathBuf>,
    /// LSB init scripts.
    pub lsb_dir: PathBuf,
    /// Fence agents (`fence_*`).
    pub fence_dir: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            ocf_ra_path: vec![PathBuf::from("/usr/lib/ocf/resource.d")],
            lsb_dir: PathBuf::from("/etc/init.d"),
            fence_dir: PathBuf::from("/usr/sbin"),
        }
    }
}

impl Paths {
    /// Defaults, overridden by `OCF_ROOT` and `OCF_RA_PATH` (colon-separated)
    /// when set.
    pub fn from_env() -> Paths {
        let mut paths = Paths::default();
        if let Some(root) = std::env::var_os("OCF_ROOT").filter(|r| !r.is_empty()) {
            paths.ocf_root = PathBuf::from(root);
            paths.ocf_ra_path = vec![paths.ocf_root.join("resource.d")];
        }
        if let Some(ra) = std::env::var_os("OCF_RA_PATH").filter(|r| !r.is_empty()) {
            paths.ocf_ra_path = std::env::split_paths(&ra).collect();
        }
        paths
    }

    /// The file to execute for an agent, if it exists (executable or not:
    /// a non-executable agent is reported by the attempt to run it).
    /// systemd agents have no file and give `None`.
    pub fn locate(&self, spec: &AgentSpec) -> Option<PathBuf> {
        match spec.class {
            Class::Ocf => {
                let provider = spec.provider.as_deref()?;
                self.ocf_ra_path
                    .iter()
                    .map(|dir| dir.join(provider).join(&spec.type_))
                    .find(|p| p.exists())
            }
            Class::Lsb | Class::Service => {
                let p = self.lsb_path(&spec.type_);
                p.exists().then_some(p)
            }
            Class::Stonith => {
                let p = self.fence_dir.join(&spec.type_);
                p.exists().then_some(p)
            }
            Class::Systemd => None,
        }
    }

    /// Where the agent would be (for error messages when it is missing).
    pub fn expected_path(&self, spec: &AgentSpec) -> String {
        match spec.class {
            Class::Ocf => {
                let dirs: Vec<String> = self
                    .ocf_ra_path
                    .iter()
                    .map(|d| {
                        d.join(spec.provider.as_deref().unwrap_or(""))
                            .join(&spec.type_)
                            .display()
                            .to_string()
                    })
                    .collect();
                dirs.join(" or ")
            }
            Class::Lsb | Class::Service => self.lsb_path(&spec.type_).display().to_string(),
            Class::Stonith => self.fence_dir.join(&spec.type_).display().to_string(),
            Class::Systemd => format!("systemd unit {}", spec.type_),
        }
    }

    fn lsb_path(&self, type_: &str) -> PathBuf {
        if type_.starts_with('/') {
            PathBuf::from(type_)
        } else {
            self.lsb_dir.join(type_)
        }
    }

    /// OCF providers (directories under the RA path), sorted, without duplicates.
    pub fn ocf_providers(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .ocf_ra_path
            .iter()
            .flat_map(|d| list_dir(d, Entry::Dir))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Agents of a class (and provider, for OCF), sorted as `ls` would.
    pub fn list(&self, class: Class, provider: Option<&str>) -> Vec<AgentSpec> {
        match class {
            Class::Ocf => {
                let providers = match provider {
                    Some(p) => vec![p.to_string()],
                    None => self.ocf_providers(),
                };
                let mut out = Vec::new();
                for p in providers {
                    let mut types: Vec<String> = self
                        .ocf_ra_path
                        .iter()
                        .flat_map(|d| list_dir(&d.join(&p), Entry::Executable))
                        .collect();
                    types.sort();
                    types.dedup();
                    out.extend(types.into_iter().map(|t| AgentSpec::ocf(&p, &t)));
                }
                out
            }
            Class::Lsb | Class::Service => list_dir(&self.lsb_dir, Entry::Executable)
                .into_iter()
                .map(|t| AgentSpec::new(class, None, &t))
                .collect(),
            Class::Stonith => list_dir(&self.fence_dir, Entry::File)
                .into_iter()
                .filter(|t| t.starts_with("fence_"))
                .map(|t| AgentSpec::new(Class::Stonith, None, &t))
                .collect(),
            Class::Systemd => Vec::new(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    Dir,
    File,
    Executable,
}

/// Names in `dir` (not starting with '.') of the wanted kind, sorted.
/// A missing directory lists as empty.
fn list_dir(dir: &Path, want: Entry) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if name.starts_with('.') {
                return None;
            }
            // Follow symlinks, as stat() does.
            let md = std::fs::metadata(e.path()).ok()?;
            let keep = match want {
                Entry::Dir => md.is_dir(),
                Entry::File => md.is_file(),
                Entry::Executable => md.is_file() && md.permissions().mode() & 0o111 != 0,
            };
            keep.then_some(name)
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_agent_specs_like_pacemaker() {
        let s: AgentSpec = "ocf:heartbeat:IPaddr2".parse().unwrap();
        assert_eq!(s, AgentSpec::ocf("heartbeat", "IPaddr2"));
        assert_eq!(s.to_string(), "ocf:heartbeat:IPaddr2");
        let s: AgentSpec = "OCF:pacemaker:Dummy".parse().unwrap();
        assert_eq!(s.class, Class::Ocf);
        let s: AgentSpec = "stonith:fence_dummy".parse().unwrap();
        assert_eq!(s, AgentSpec::new(Class::Stonith, None, "fence_dummy"));
        let s: AgentSpec = "lsb:/opt/x/init".parse().unwrap();
        assert_eq!(s.type_, "/opt/x/init");
        let s: AgentSpec = "systemd:foo@bar.service".parse().unwrap();
        assert_eq!(s.type_, "foo@bar.service");
    }

    #[test]
    fn bad_agent_specs_say_what_to_write() {
        let e = "IPaddr2".parse::<AgentSpec>().unwrap_err();
        assert!(e.to_string().contains("class:provider:type"), "{e}");
        let e = "ocf:IPaddr2".parse::<AgentSpec>().unwrap_err();
        assert!(e.to_string().contains("ocf:heartbeat:IPaddr2"), "{e}");
        let e = "foo:bar".parse::<AgentSpec>().unwrap_err();
        assert!(e.to_string().contains("unknown class 'foo'"), "{e}");
        assert!("ocf:heartbeat:".parse::<AgentSpec>().is_err());
        assert!("ocf:heartbeat:../../bin/sh".parse::<AgentSpec>().is_err());
        assert!("stonith:../fence".parse::<AgentSpec>().is_err());
    }
}
