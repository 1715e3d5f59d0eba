//! One fencing operation as a pure state machine: the request comes in,
//! the operation says what to do next ([`Step`]: ask a device whether it
//! can fence the target, run a device, or done), the caller does it and
//! reports back, until [`Step::Done`].
//!
//! The order is Pacemaker 2.1.5's: first every relevant device is checked
//! for eligibility (`pcmk_host_check`), then
//! - with a fencing topology for the target, levels run in index order;
//!   every device of a level must succeed; a failed level moves to the
//!   next one; a `reboot` through a level of several devices becomes `off`
//!   of all of them, then `on` of all of them (skipping devices that stay
//!   off or cannot turn a node on; an `on` failure after a successful `off`
//!   is ignored);
//! - without one, the devices that can fence the target are tried one by
//!   one, highest `priority` first, until one succeeds.
//!
//! ```
//! use fencer::{AgentCaps, Device, FenceAction, FenceOp, FenceRequest, FencingConfig, ListCache, Step, RunReply};
//! let mut config = FencingConfig::default();
//! config.devices.push(Device::new("ipmi-n2", "fence_ipmilan").param("pcmk_host_list", "n2"));
//! let req = FenceRequest::new("n2", FenceAction::Off, "pacer-controller", "n1");
//! let mut cache = ListCache::default();
//! let mut op = FenceOp::new(&config, &|_: &str| AgentCaps::all(), req, 7);
//! let Step::Run(run) = op.next(&cache, 0) else { panic!() };
//! assert_eq!((run.device.as_str(), run.agent_action.as_str()), ("ipmi-n2", "off"));
//! op.run_done(RunReply { ok: true, reason: None });
//! let Step::Done(result) = op.next(&cache, 0) else { panic!() };
//! assert!(result.ok);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::FencingConfig;
use crate::device::{parse_targets, AgentCaps, Device, FenceAction, HostCheck};

/// A dynamic target list is asked for again after this long.
pub const LIST_MAX_AGE_S: i64 = 60;

/// **API Boundary:** what the controller asks the fencer for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FenceRequest {
    /// The node to fence (its cluster node name).
    pub target: String,
    pub action: FenceAction,
    /// Who asks (`pacer-controller`, `pacer-admin`): recorded in the
    /// history as the client.
    pub client: String,
    /// The node the request comes from (the DC): the history's origin.
    pub origin: String,
    /// Overrides `stonith-timeout` for each device run.
    pub timeout_ms: Option<u64>,
    /// An administrator's request runs even with `stonith-enabled=false`
    /// (as `stonith_admin` does); the cluster's own requests are refused.
    pub manual: bool,
    /// The node running the request may be the target (Pacemaker's
    /// `st_opt_allow_suicide`: the requester is alone in the cluster).
    pub allow_self: bool,
}

impl FenceRequest {
    pub fn new(target: &str, action: FenceAction, client: &str, origin: &str) -> FenceRequest {
        FenceRequest {
            target: target.to_string(),
            action,
            client: client.to_string(),
            origin: origin.to_string(),
            timeout_ms: None,
            manual: false,
            allow_self: false,
        }
    }
}

/// What the caller must do next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Step {
    /// Run the device's `list` (for a `dynamic-list` device) and report it
    /// with [`FenceOp::list_done`].
    List {
        device: String,
        timeout_ms: u64,
    },
    /// Run the device's `status` for the target and report it with
    /// [`FenceOp::status_done`].
    Status {
        device: String,
        target: String,
        timeout_ms: u64,
    },
    /// Run the device (after `delay_ms`) and report with [`FenceOp::run_done`].
    Run(Execution),
    Done(FenceResult),
}

/// One device run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Execution {
    pub device: String,
    /// The fence agent.
    pub agent: String,
    /// The action the fencer runs (a reboot is `off` on an agent without
    /// reboot, and in the `off`/`on` phases of a remapped reboot).
    pub action: FenceAction,
    /// What the agent is told (`pcmk_<action>_action`, else the action).
    pub agent_action: String,
    pub target: String,
    /// Per try.
    pub timeout_ms: u64,
    /// Tries at most (see [`crate::device::retry_allowed`] for the rule).
    pub max_tries: u32,
    /// Wait this long first (`pcmk_delay_base`/`pcmk_delay_max`).
    pub delay_ms: u64,
    /// The topology level, if the target has a topology.
    pub level: Option<u32>,
}

/// How a device run went (after its retries).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunReply {
    pub ok: bool,
    /// Why it failed.
    pub reason: Option<String>,
}

/// What a `status` query said about the target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum StatusAnswer {
    /// Exit 0: the device knows the node, it is on.
    On,
    /// Exit 2: the device knows the node, it is off.
    Off,
    /// Exit 1, another code or no run: the device does not know the node.
    Unknown(String),
}

/// One device run in the result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub device: String,
    pub action: FenceAction,
    pub level: Option<u32>,
    pub ok: bool,
    pub reason: Option<String>,
    /// An `on` failure after a successful `off` of a remapped reboot: it
    /// does not fail the operation.
    pub ignored: bool,
}

/// **API Boundary:** the outcome of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FenceResult {
    pub target: String,
    /// As requested (a remapped reboot is still a reboot).
    pub action: FenceAction,
    pub ok: bool,
    /// Why it failed, naming the devices and levels tried.
    pub reason: Option<String>,
    pub attempts: Vec<Attempt>,
}

/// Dynamic target lists (`list` output) per device, kept across
/// operations by the caller, with the time they were read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCache {
    lists: BTreeMap<String, (i64, Vec<String>)>,
    /// Devices whose `list` never worked and that have no explicit
    /// `pcmk_host_check`: they are checked with `status` from then on.
    status_fallback: BTreeSet<String>,
}

impl ListCache {
    fn fresh(&self, device: &str, now_s: i64) -> Option<&Vec<String>> {
        self.lists
            .get(device)
            .filter(|(at, _)| at + LIST_MAX_AGE_S >= now_s)
            .map(|(_, l)| l)
    }

    /// The last list a device printed, however old.
    pub fn targets(&self, device: &str) -> Option<&[String]> {
        self.lists.get(device).map(|(_, l)| l.as_slice())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Eligibility {
    Unknown,
    Yes,
    No(String),
}

#[derive(Clone, Debug)]
struct Stage {
    level: Option<u32>,
    devices: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Requested,
    Off,
    On,
}

/// A fencing operation in progress.
#[derive(Clone, Debug)]
pub struct FenceOp {
    req: FenceRequest,
    default_timeout_ms: u64,
    refused: Option<String>,
    /// Devices relevant to this request, with their agents' abilities.
    devices: Vec<(Device, AgentCaps)>,
    eligible: Vec<Eligibility>,
    topology: Vec<(u32, Vec<String>)>,
    stages: Option<Vec<Stage>>,
    stage: usize,
    item: usize,
    phase: Phase,
    awaiting: Option<usize>,
    running: Option<Execution>,
    attempts: Vec<Attempt>,
    failures: Vec<String>,
    entropy: u64,
    runs: u64,
    done: Option<FenceResult>,
}

impl FenceOp {
    /// Starts an operation. `caps` gives each agent's abilities (from its
    /// meta-data); `entropy` is the randomness for `pcmk_delay_max`.
    pub fn new(
        config: &FencingConfig,
        caps: &dyn Fn(&str) -> AgentCaps,
        req: FenceRequest,
        entropy: u64,
    ) -> FenceOp {
        let topology: Vec<(u32, Vec<String>)> = config
            .levels_for(&req.target)
            .into_iter()
            .map(|l| (l.index, l.devices.clone()))
            .collect();
        let relevant: Vec<&Device> = if topology.is_empty() {
            config.devices.iter().collect()
        } else {
            config
                .devices
                .iter()
                .filter(|d| topology.iter().any(|(_, ds)| ds.contains(&d.id)))
                .collect()
        };
        let devices: Vec<(Device, AgentCaps)> = relevant
            .into_iter()
            .map(|d| (d.clone(), caps(&d.agent)))
            .collect();
        let refused = (!config.enabled && !req.manual).then(|| {
            format!(
                "fencing of {} refused: fencing is disabled (stonith-enabled=false); enable it or fence manually",
                req.target
            )
        });
        FenceOp {
            default_timeout_ms: req.timeout_ms.unwrap_or(config.timeout_ms),
            eligible: vec![Eligibility::Unknown; devices.len()],
            devices,
            topology,
            req,
            refused,
            stages: None,
            stage: 0,
            item: 0,
            phase: Phase::Requested,
            awaiting: None,
            running: None,
            attempts: Vec::new(),
            failures: Vec::new(),
            entropy,
            runs: 0,
            done: None,
        }
    }

    /// The node that runs this operation. A node does not fence itself off
    /// (it would die before reporting): Pacemaker hands such a request to a
    /// peer, so here it is refused with that advice. Turning itself on is
    /// allowed, and so is everything when the request allows it
    /// ([`FenceRequest::allow_self`]).
    pub fn on_node(mut self, node: &str) -> FenceOp {
        if self.refused.is_none()
            && !self.req.allow_self
            && self.req.action != FenceAction::On
            && self.req.target.eq_ignore_ascii_case(node)
        {
            self.refused = Some(format!(
                "{node} cannot {} itself: another node must run this fencing request",
                self.req.action
            ));
        }
        self
    }

    pub fn request(&self) -> &FenceRequest {
        &self.req
    }

    /// What to do next. `cache` holds the dynamic target lists; `now_s`
    /// (seconds) decides whether one is too old.
    pub fn next(&mut self, cache: &ListCache, now_s: i64) -> Step {
        if let Some(r) = &self.done {
            return Step::Done(r.clone());
        }
        if let Some(reason) = self.refused.clone() {
            return self.finish(false, Some(reason));
        }
        assert!(
            self.awaiting.is_none() && self.running.is_none(),
            "FenceOp::next called before the previous step was reported"
        );
        // 1. Eligibility of every relevant device.
        for i in 0..self.devices.len() {
            if self.eligible[i] != Eligibility::Unknown {
                continue;
            }
            match self.check(i, cache, now_s) {
                Ok(e) => self.eligible[i] = e,
                Err(step) => {
                    self.awaiting = Some(i);
                    return step;
                }
            }
        }
        // 2. The stages.
        if self.stages.is_none() {
            self.stages = Some(self.build_stages());
        }
        self.advance()
    }

    // Err is the query step to hand to the caller as it is (not an error).
    #[allow(clippy::result_large_err)]
    fn check(&self, i: usize, cache: &ListCache, now_s: i64) -> Result<Eligibility, Step> {
        let (d, caps) = &self.devices[i];
        let target = &self.req.target;
        if self.req.action == FenceAction::On && !caps.on {
            return Ok(Eligibility::No(format!(
                "{}: agent {} does not support 'on'",
                d.id, d.agent
            )));
        }
        let mut check = d.host_check(caps);
        if check == HostCheck::DynamicList
            && !d.params.contains_key("pcmk_host_check")
            && cache.status_fallback.contains(&d.id)
        {
            check = HostCheck::Status;
        }
        let timeout = |action: &str| d.timeout_ms(action, caps, self.default_timeout_ms);
        match check {
            HostCheck::None => Ok(Eligibility::Yes),
            HostCheck::StaticList => Ok(if d.static_list_has(target) {
                Eligibility::Yes
            } else {
                Eligibility::No(format!(
                    "{}: {target} is not in its pcmk_host_list or pcmk_host_map",
                    d.id
                ))
            }),
            HostCheck::Invalid(v) => Ok(Eligibility::No(format!(
                "{}: pcmk_host_check=\"{v}\" is not valid",
                d.id
            ))),
            HostCheck::DynamicList => match cache.fresh(&d.id, now_s) {
                Some(list) => Ok(list_verdict(d, target, list)),
                None => Err(Step::List {
                    device: d.id.clone(),
                    timeout_ms: timeout("list"),
                }),
            },
            HostCheck::Status => Err(Step::Status {
                device: d.id.clone(),
                target: target.clone(),
                timeout_ms: timeout("status"),
            }),
        }
    }

    /// Reports a `list` run asked for by [`Step::List`]: its stdout, or why
    /// it failed. Updates the cache.
    pub fn list_done(&mut self, result: Result<String, String>, cache: &mut ListCache, now_s: i64) {
        let Some(i) = self.awaiting.take() else {
            return;
        };
        let (d, _) = &self.devices[i];
        let verdict = match result {
            Ok(out) => {
                let list = parse_targets(&out);
                let v = list_verdict(d, &self.req.target, &list);
                cache.lists.insert(d.id.clone(), (now_s, list));
                v
            }
            Err(reason) => match cache.lists.get(&d.id) {
                // The last list that worked is used again.
                Some((_, old)) => list_verdict(d, &self.req.target, old),
                None => {
                    if !d.params.contains_key("pcmk_host_check") {
                        cache.status_fallback.insert(d.id.clone());
                    }
                    Eligibility::No(format!("{}: its list failed: {reason}", d.id))
                }
            },
        };
        self.eligible[i] = verdict;
    }

    /// Reports a `status` run asked for by [`Step::Status`].
    pub fn status_done(&mut self, answer: StatusAnswer) {
        let Some(i) = self.awaiting.take() else {
            return;
        };
        let id = &self.devices[i].0.id;
        self.eligible[i] = match answer {
            StatusAnswer::On | StatusAnswer::Off => Eligibility::Yes,
            StatusAnswer::Unknown(why) => Eligibility::No(format!(
                "{id}: its status does not know {} ({why})",
                self.req.target
            )),
        };
    }

    /// Reports the device run asked for by [`Step::Run`].
    pub fn run_done(&mut self, reply: RunReply) {
        let Some(exec) = self.running.take() else {
            return;
        };
        let ignored = self.phase == Phase::On && !reply.ok;
        self.attempts.push(Attempt {
            device: exec.device.clone(),
            action: exec.action,
            level: exec.level,
            ok: reply.ok,
            reason: reply.reason.clone(),
            ignored,
        });
        if reply.ok || ignored {
            self.item += 1;
            return;
        }
        let what = match exec.level {
            Some(l) => format!("level {l}: {} {} failed", exec.device, exec.action),
            None => format!("{} {} failed", exec.device, exec.action),
        };
        self.failures.push(match reply.reason {
            Some(r) => format!("{what}: {r}"),
            None => what,
        });
        self.next_stage();
    }

    fn next_stage(&mut self) {
        self.stage += 1;
        self.item = 0;
        self.phase = Phase::Requested;
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.devices.iter().position(|(d, _)| d.id == id)
    }

    fn build_stages(&mut self) -> Vec<Stage> {
        if !self.topology.is_empty() {
            return self
                .topology
                .iter()
                .map(|(level, devices)| Stage {
                    level: Some(*level),
                    devices: devices.clone(),
                })
                .collect();
        }
        let mut order: Vec<usize> = (0..self.devices.len())
            .filter(|&i| self.eligible[i] == Eligibility::Yes)
            .collect();
        // Stable: equal priorities keep configuration order.
        order.sort_by_key(|&i| std::cmp::Reverse(self.devices[i].0.priority));
        order
            .into_iter()
            .map(|i| Stage {
                level: None,
                devices: vec![self.devices[i].0.id.clone()],
            })
            .collect()
    }

    fn advance(&mut self) -> Step {
        loop {
            let stages = self.stages.as_ref().map_or(&[][..], |s| s.as_slice());
            let Some(stage) = stages.get(self.stage).cloned() else {
                return self.finish(false, None);
            };
            if self.item == 0 && self.phase == Phase::Requested {
                // A level is usable only if all its devices are.
                let problem = stage.devices.iter().find_map(|id| match self.index_of(id) {
                    None => Some(format!("{id} is not a configured, enabled fence device")),
                    Some(i) => match &self.eligible[i] {
                        Eligibility::No(why) => Some(why.clone()),
                        _ => None,
                    },
                });
                if let Some(p) = problem {
                    let l = stage.level.unwrap_or(0);
                    self.failures.push(format!("level {l}: {p}"));
                    self.next_stage();
                    continue;
                }
                if self.req.action == FenceAction::Reboot
                    && stage.level.is_some()
                    && stage.devices.len() > 1
                {
                    self.phase = Phase::Off;
                }
            }
            let Some(id) = stage.devices.get(self.item).cloned() else {
                match self.phase {
                    Phase::Off => {
                        self.phase = Phase::On;
                        self.item = 0;
                        continue;
                    }
                    _ => return self.finish(true, None),
                }
            };
            let Some(i) = self.index_of(&id) else {
                self.next_stage();
                continue;
            };
            let (d, caps) = self.devices[i].clone();
            let action = match self.phase {
                Phase::Requested => d.effective_action(self.req.action, &caps),
                Phase::Off => FenceAction::Off,
                Phase::On => {
                    if d.reboot_stays_off() || !caps.on || caps.automatic_unfencing {
                        self.item += 1;
                        continue;
                    }
                    FenceAction::On
                }
            };
            let random = splitmix(self.entropy.wrapping_add(self.runs)) as u32;
            self.runs += 1;
            let exec = Execution {
                device: d.id.clone(),
                agent: d.agent.clone(),
                action,
                agent_action: d.agent_action(action.as_str()),
                target: self.req.target.clone(),
                timeout_ms: d.timeout_ms(action.as_str(), &caps, self.default_timeout_ms),
                max_tries: d.max_tries(action.as_str()),
                delay_ms: d.delay_ms(action, &self.req.target, random),
                level: stage.level,
            };
            self.running = Some(exec.clone());
            return Step::Run(exec);
        }
    }

    fn finish(&mut self, ok: bool, reason: Option<String>) -> Step {
        let reason = if ok {
            None
        } else {
            Some(reason.unwrap_or_else(|| self.failure_reason()))
        };
        let r = FenceResult {
            target: self.req.target.clone(),
            action: self.req.action,
            ok,
            reason,
            attempts: self.attempts.clone(),
        };
        self.done = Some(r.clone());
        Step::Done(r)
    }

    fn failure_reason(&self) -> String {
        let t = &self.req.target;
        let a = self.req.action;
        if self.devices.is_empty() && self.topology.is_empty() {
            return format!("no fence device is configured to {a} {t}; configure a stonith resource that can fence it");
        }
        let mut parts = self.failures.clone();
        if self.topology.is_empty() {
            parts.extend(self.eligible.iter().filter_map(|e| match e {
                Eligibility::No(why) => Some(why.clone()),
                _ => None,
            }));
            if self.attempts.is_empty() {
                return format!("no fence device can {a} {t}: {}", parts.join("; "));
            }
        }
        format!(
            "all fencing options to {a} {t} failed: {}",
            parts.join("; ")
        )
    }
}

fn list_verdict(d: &Device, target: &str, list: &[String]) -> Eligibility {
    let alias = d.alias(target);
    if list.iter().any(|x| x.eq_ignore_ascii_case(&alias)) {
        Eligibility::Yes
    } else {
        Eligibility::No(format!(
            "{}: {alias} is not in the output of its list",
            d.id
        ))
    }
}

/// A fixed mixing function: the caller's entropy spread over the runs.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
