//! The fencer's decisions over CIB fixtures: which devices, in which order,
//! topology levels, the multi-device reboot remap, eligibility checks.

#![allow(clippy::unwrap_used)]

use cib::iso8601::DateTime;
use fencer::operation::StatusAnswer;
use fencer::{
    AgentCaps, FenceAction, FenceOp, FenceRequest, FencingConfig, LevelTarget, ListCache, RunReply,
    Step,
};

const CIB: &str = r#"<cib epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-timeout" value="90s"/>
        <nvpair id="o2" name="stonith-action" value="poweroff"/>
        <nvpair id="o3" name="concurrent-fencing" value="true"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="n1"/>
      <node id="2" uname="n2"/>
      <node id="3" uname="n3"/>
      <node id="4" uname="n4">
        <instance_attributes id="n4-ia"><nvpair id="n4-rack" name="rack" value="r2"/></instance_attributes>
      </node>
      <node id="5" uname="db5"/>
    </nodes>
    <resources>
      <primitive id="low" class="stonith" type="fence_ipmilan">
        <instance_attributes id="low-ia">
          <nvpair id="low-hl" name="pcmk_host_list" value="n1 n3"/>
          <nvpair id="low-ip" name="ip" value="10.0.0.1"/>
        </instance_attributes>
        <meta_attributes id="low-ma"><nvpair id="low-p" name="priority" value="1"/></meta_attributes>
      </primitive>
      <primitive id="high" class="stonith" type="fence_ipmilan">
        <instance_attributes id="high-ia">
          <nvpair id="high-hm" name="pcmk_host_map" value="n1:ipmi-1;n3:ipmi-3"/>
          <nvpair id="high-to" name="pcmk_off_timeout" value="30s"/>
          <nvpair id="high-rt" name="pcmk_off_retries" value="3"/>
        </instance_attributes>
        <meta_attributes id="high-ma"><nvpair id="high-p" name="priority" value="10"/></meta_attributes>
      </primitive>
      <primitive id="off-dev" class="stonith" type="fence_ipmilan">
        <instance_attributes id="off-ia"><nvpair id="off-hl" name="pcmk_host_list" value="n1"/></instance_attributes>
        <meta_attributes id="off-ma"><nvpair id="off-tr" name="target-role" value="Stopped"/></meta_attributes>
      </primitive>
      <primitive id="ipmi-n2" class="stonith" type="fence_ipmilan">
        <instance_attributes id="i2-ia"><nvpair id="i2-hl" name="pcmk_host_list" value="n2"/></instance_attributes>
      </primitive>
      <primitive id="pdu-a" class="stonith" type="fence_apc">
        <instance_attributes id="pa-ia">
          <nvpair id="pa-hm" name="pcmk_host_map" value="n2:4;db5:5"/>
          <nvpair id="pa-ra" name="pcmk_reboot_action" value="off"/>
        </instance_attributes>
      </primitive>
      <primitive id="pdu-b" class="stonith" type="fence_apc">
        <instance_attributes id="pb-ia">
          <nvpair id="pb-hm" name="pcmk_host_map" value="n2:4;db5:5"/>
          <nvpair id="pb-off" name="pcmk_off_action" value="poweroff-outlet"/>
        </instance_attributes>
      </primitive>
      <primitive id="virt" class="stonith" type="fence_virsh"/>
      <clone id="sbd-clone">
        <primitive id="storage" class="stonith" type="fence_scsi">
          <instance_attributes id="st-ia"><nvpair id="st-hc" name="pcmk_host_check" value="status"/></instance_attributes>
        </primitive>
      </clone>
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
    <fencing-topology>
      <fencing-level id="fl-n2-1" target="n2" index="1" devices="ipmi-n2"/>
      <fencing-level id="fl-n2-2" target="n2" index="2" devices="pdu-a,pdu-b"/>
      <fencing-level id="fl-pat" target-pattern="^db[0-9]+$" index="1" devices="pdu-a"/>
      <fencing-level id="fl-rack" target-attribute="rack" target-value="r2" index="3" devices="virt"/>
      <fencing-level id="fl-rack-1" target-attribute="rack" target-value="r2" index="1" devices="storage"/>
    </fencing-topology>
  </configuration>
  <status/>
</cib>"#;

fn config() -> FencingConfig {
    let cib = cib::Cib::from_xml(CIB).expect("fixture parses");
    let now = DateTime::parse("2024-01-01 00:00:00Z").expect("date");
    let (c, warnings) = FencingConfig::from_cib(&cib, now);
    assert_eq!(warnings, Vec::<String>::new());
    c
}

/// fence_ipmilan and fence_apc list; fence_virsh has no list but status;
/// fence_scsi's `on` is automatic.
fn caps(agent: &str) -> AgentCaps {
    match agent {
        "fence_virsh" => AgentCaps {
            list: false,
            ..AgentCaps::all()
        },
        "fence_scsi" => AgentCaps {
            reboot: false,
            automatic_unfencing: true,
            ..AgentCaps::all()
        },
        "fence_apc" => AgentCaps {
            host_arg: Some("plug".into()),
            ..AgentCaps::all()
        },
        _ => AgentCaps::all(),
    }
}

fn op(target: &str, action: FenceAction) -> FenceOp {
    FenceOp::new(
        &config(),
        &caps,
        FenceRequest::new(target, action, "pacer-controller", "n9"),
        42,
    )
}

/// Drives an operation: `run` answers each device run, `status` each status
/// query, lists come from `list`. Returns the runs in order and the result.
fn drive(
    mut op: FenceOp,
    run: impl Fn(&str, FenceAction) -> bool,
    status: impl Fn(&str) -> StatusAnswer,
    list: impl Fn(&str) -> Result<String, String>,
) -> (Vec<String>, fencer::FenceResult) {
    let mut cache = ListCache::default();
    let mut log = Vec::new();
    for _ in 0..100 {
        match op.next(&cache, 1000) {
            Step::List { device, .. } => {
                log.push(format!("list {device}"));
                op.list_done(list(&device), &mut cache, 1000);
            }
            Step::Status { device, .. } => {
                log.push(format!("status {device}"));
                op.status_done(status(&device));
            }
            Step::Run(e) => {
                log.push(format!("{} {} ({})", e.device, e.action, e.agent_action));
                let ok = run(&e.device, e.action);
                op.run_done(RunReply {
                    ok,
                    reason: (!ok).then(|| "agent said no".to_string()),
                });
            }
            Step::Done(r) => return (log, r),
        }
    }
    panic!("operation did not finish: {log:?}");
}

fn lists_nothing(_: &str) -> Result<String, String> {
    Ok(String::new())
}

fn status_unknown(_: &str) -> StatusAnswer {
    StatusAnswer::Unknown("exit 1".into())
}

#[test]
fn configuration_is_read_from_the_cib() {
    let c = config();
    assert_eq!(c.timeout_ms, 90_000);
    assert_eq!(c.default_action, FenceAction::Off);
    assert!(c.enabled && c.concurrent);
    let ids: Vec<&str> = c.devices.iter().map(|d| d.id.as_str()).collect();
    // The disabled device is left out; the clone's device counts once.
    assert_eq!(
        ids,
        ["low", "high", "ipmi-n2", "pdu-a", "pdu-b", "virt", "storage"]
    );
    assert_eq!(c.device("high").map(|d| d.priority), Some(10));
    let levels = |t: &str| -> Vec<(u32, Vec<String>)> {
        c.levels_for(t)
            .into_iter()
            .map(|l| (l.index, l.devices.clone()))
            .collect()
    };
    assert_eq!(
        levels("n2"),
        [
            (1, vec!["ipmi-n2".to_string()]),
            (2, vec!["pdu-a".into(), "pdu-b".into()])
        ]
    );
    assert_eq!(levels("db5"), [(1, vec!["pdu-a".to_string()])]);
    assert_eq!(
        levels("n4"),
        [(1, vec!["storage".to_string()]), (3, vec!["virt".into()])]
    );
    assert!(levels("n1").is_empty() && levels("db").is_empty());
    assert_eq!(
        c.topology[3].target,
        LevelTarget::Attribute {
            name: "rack".into(),
            value: "r2".into()
        }
    );
}

#[test]
fn without_topology_devices_go_by_priority_then_configuration_order() {
    // n1: high (10) and low (1) list it statically; virt (status) and
    // storage (status) are asked; ipmi-n2/pdu-* do not list it.
    let (log, r) = drive(
        op("n1", FenceAction::Off),
        |dev, _| dev == "low",
        |dev| {
            if dev == "virt" {
                StatusAnswer::On
            } else {
                StatusAnswer::Unknown("exit 1".into())
            }
        },
        lists_nothing,
    );
    assert!(r.ok, "{r:?}");
    assert_eq!(
        log,
        [
            "status virt",
            "status storage",
            "high off (off)",
            "low off (off)"
        ]
    );
    assert_eq!(r.attempts.len(), 2);
    assert!(!r.attempts[0].ok && r.attempts[1].ok);
}

#[test]
fn a_failed_level_moves_to_the_next_and_a_multi_device_reboot_is_off_then_on() {
    let (log, r) = drive(
        op("n2", FenceAction::Reboot),
        |dev, action| dev != "ipmi-n2" && !(dev == "pdu-b" && action == FenceAction::On),
        status_unknown,
        lists_nothing,
    );
    assert!(r.ok, "{r:?}");
    assert_eq!(
        log,
        [
            "ipmi-n2 reboot (reboot)",
            "pdu-a off (off)",
            "pdu-b off (poweroff-outlet)",
            // pdu-a has pcmk_reboot_action=off: it stays off.
            "pdu-b on (on)",
        ]
    );
    // The failed "on" after a successful "off" does not fail the reboot.
    let last = r.attempts.last().unwrap();
    assert!(!last.ok && last.ignored);
    assert_eq!(r.attempts[0].level, Some(1));
    assert_eq!(r.attempts[1].level, Some(2));
}

#[test]
fn every_level_failing_fails_with_the_reasons() {
    let (log, r) = drive(
        op("n2", FenceAction::Off),
        |dev, _| dev != "ipmi-n2" && dev != "pdu-b",
        status_unknown,
        lists_nothing,
    );
    assert!(!r.ok);
    assert_eq!(
        log,
        [
            "ipmi-n2 off (off)",
            "pdu-a off (off)",
            "pdu-b off (poweroff-outlet)"
        ]
    );
    let reason = r.reason.unwrap();
    assert!(
        reason.contains("level 1: ipmi-n2 off failed: agent said no")
            && reason.contains("level 2: pdu-b off failed"),
        "{reason}"
    );
}

#[test]
fn a_level_with_a_device_that_cannot_fence_the_target_is_skipped() {
    // n4's level 1 is storage (status check): it does not know n4.
    let (log, r) = drive(
        op("n4", FenceAction::Reboot),
        |_, _| true,
        |dev| {
            if dev == "virt" {
                StatusAnswer::Off
            } else {
                StatusAnswer::Unknown("exit 1".into())
            }
        },
        lists_nothing,
    );
    assert!(r.ok);
    assert_eq!(
        log,
        ["status virt", "status storage", "virt reboot (reboot)"]
    );
    assert_eq!(r.attempts[0].level, Some(3));
}

#[test]
fn dynamic_lists_are_asked_for_and_aliases_looked_up() {
    let mut c = FencingConfig::default();
    c.devices.push(fencer::Device::new("dyn", "fence_x"));
    c.devices.push(
        fencer::Device::new("mapped", "fence_x")
            .param("pcmk_host_check", "dynamic-list")
            .param("pcmk_host_map", "n7:vm-7"),
    );
    let req = FenceRequest::new("n7", FenceAction::Reboot, "c", "n1");
    let (log, r) = drive(
        FenceOp::new(
            &c,
            &|_: &str| AgentCaps {
                reboot: false,
                ..AgentCaps::all()
            },
            req,
            1,
        ),
        |dev, _| dev == "mapped",
        status_unknown,
        |dev| {
            Ok(if dev == "dyn" {
                "n1,n1\nn2,n2\n".into()
            } else {
                "vm-7,n7-alias\n".into()
            })
        },
    );
    assert!(r.ok);
    // An agent without reboot is asked for off.
    assert_eq!(log, ["list dyn", "list mapped", "mapped off (off)"]);
}

#[test]
fn a_list_that_fails_falls_back_to_status_next_time() {
    let mut c = FencingConfig::default();
    c.devices.push(fencer::Device::new("dyn", "fence_x"));
    let mut cache = ListCache::default();
    let req = FenceRequest::new("n7", FenceAction::Off, "c", "n1");
    let mut op = FenceOp::new(&c, &|_: &str| AgentCaps::all(), req.clone(), 1);
    assert!(matches!(op.next(&cache, 0), Step::List { .. }));
    op.list_done(Err("timed out".into()), &mut cache, 0);
    let Step::Done(r) = op.next(&cache, 0) else {
        panic!()
    };
    assert!(!r.ok);
    assert!(r
        .reason
        .unwrap()
        .contains("dyn: its list failed: timed out"));
    let mut op = FenceOp::new(&c, &|_: &str| AgentCaps::all(), req, 1);
    assert!(matches!(op.next(&cache, 0), Step::Status { .. }));
}

#[test]
fn unfencing_needs_an_agent_with_on_and_disabled_fencing_is_refused() {
    let mut c = FencingConfig::default();
    c.devices
        .push(fencer::Device::new("d", "fence_x").param("pcmk_host_check", "none"));
    let no_on = |_: &str| AgentCaps {
        on: false,
        ..AgentCaps::all()
    };
    let req = FenceRequest::new("n1", FenceAction::On, "c", "n1");
    let (log, r) = drive(
        FenceOp::new(&c, &no_on, req, 1),
        |_, _| true,
        status_unknown,
        lists_nothing,
    );
    assert!(log.is_empty() && !r.ok);
    assert!(r.reason.unwrap().contains("does not support 'on'"));

    c.enabled = false;
    let req = FenceRequest::new("n1", FenceAction::Off, "c", "n1");
    let (log, r) = drive(
        FenceOp::new(&c, &caps, req.clone(), 1),
        |_, _| true,
        status_unknown,
        lists_nothing,
    );
    assert!(log.is_empty() && !r.ok);
    assert!(r.reason.unwrap().contains("stonith-enabled=false"));
    let manual = FenceRequest {
        manual: true,
        ..req
    };
    let (_, r) = drive(
        FenceOp::new(&c, &caps, manual, 1),
        |_, _| true,
        status_unknown,
        lists_nothing,
    );
    assert!(r.ok);
}

#[test]
fn timeouts_retries_and_delays_reach_the_execution() {
    let c = config();
    let mut op = FenceOp::new(
        &c,
        &caps,
        FenceRequest::new("n3", FenceAction::Off, "c", "n1"),
        5,
    );
    let cache = ListCache::default();
    // n3: virt and storage are asked first.
    for _ in 0..2 {
        match op.next(&cache, 0) {
            Step::Status {
                device, timeout_ms, ..
            } => {
                assert_eq!(timeout_ms, 90_000, "{device}");
                op.status_done(StatusAnswer::Unknown("no".into()));
            }
            other => panic!("{other:?}"),
        }
    }
    let Step::Run(e) = op.next(&cache, 0) else {
        panic!()
    };
    assert_eq!(
        (e.device.as_str(), e.timeout_ms, e.max_tries),
        ("high", 30_000, 3)
    );
    assert_eq!(e.delay_ms, 0);
    op.run_done(RunReply {
        ok: false,
        reason: None,
    });
    let Step::Run(e) = op.next(&cache, 0) else {
        panic!()
    };
    assert_eq!(
        (e.device.as_str(), e.timeout_ms, e.max_tries),
        ("low", 90_000, 2)
    );
}

#[test]
fn no_device_for_the_target() {
    let (log, r) = drive(
        op("stranger", FenceAction::Reboot),
        |_, _| true,
        status_unknown,
        lists_nothing,
    );
    assert_eq!(log, ["status virt", "status storage"]);
    assert!(!r.ok);
    let reason = r.reason.unwrap();
    assert!(
        reason.starts_with("no fence device can reboot stranger"),
        "{reason}"
    );
    assert!(
        reason.contains("low: stranger is not in its pcmk_host_list"),
        "{reason}"
    );
}

#[test]
fn a_node_does_not_fence_itself_off() {
    let mut c = FencingConfig::default();
    c.devices
        .push(fencer::Device::new("d", "fence_x").param("pcmk_host_check", "none"));
    let mine = |action| {
        FenceOp::new(&c, &caps, FenceRequest::new("N1", action, "c", "n2"), 1).on_node("n1")
    };
    let (log, r) = drive(
        mine(FenceAction::Reboot),
        |_, _| true,
        status_unknown,
        lists_nothing,
    );
    assert!(log.is_empty() && !r.ok);
    assert_eq!(
        r.reason.as_deref(),
        Some("n1 cannot reboot itself: another node must run this fencing request")
    );
    let (_, r) = drive(
        mine(FenceAction::On),
        |_, _| true,
        status_unknown,
        lists_nothing,
    );
    assert!(r.ok);
}
