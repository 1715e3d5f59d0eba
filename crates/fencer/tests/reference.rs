//! The fencer's eligibility checks against what Pacemaker 2.1.5's own fencer
//! answered (`stonith_admin --list TARGET`), recorded by
//! tests/reference/record.sh into tests/reference/eligible.txt.

use fencer::{
    AgentCaps, Device, FenceAction, FenceOp, FenceRequest, FencingConfig, ListCache, RunReply, Step,
};

/// The devices record.sh registers (fence_dummy: status, no list).
fn config() -> FencingConfig {
    let d = |id: &str, params: &[(&str, &str)]| {
        params
            .iter()
            .fold(Device::new(id, "fence_dummy"), |d, (k, v)| d.param(k, v))
    };
    FencingConfig {
        devices: vec![
            d("d_list", &[("pcmk_host_list", "node1,node2;node3 NODE4")]),
            d(
                "d_map",
                &[("pcmk_host_map", "node5:p5;node6=p6 node7:a\\:b,c")],
            ),
            d(
                "d_mapcheck",
                &[
                    ("pcmk_host_map", "node8:p8"),
                    ("pcmk_host_check", "static-list"),
                    ("pcmk_host_list", "node9"),
                ],
            ),
            d("d_odd", &[("pcmk_host_list", "node-a.b_c,x@y on")]),
        ],
        ..FencingConfig::default()
    }
}

/// The devices that would be tried for `target` (every run fails, so all are).
fn eligible(config: &FencingConfig, target: &str) -> Vec<String> {
    let caps = |_: &str| AgentCaps {
        list: false,
        ..AgentCaps::all()
    };
    let req = FenceRequest::new(target, FenceAction::Off, "t", "n1");
    let mut op = FenceOp::new(config, &caps, req, 0);
    let cache = ListCache::default();
    loop {
        match op.next(&cache, 0) {
            Step::Run(_) => op.run_done(RunReply::default()),
            Step::Done(r) => {
                let mut v: Vec<String> = r.attempts.into_iter().map(|a| a.device).collect();
                v.sort();
                return v;
            }
            other => panic!("no query expected for static lists: {other:?}"),
        }
    }
}

#[test]
fn eligibility_matches_pacemakers_fencer() {
    let recorded = include_str!("reference/eligible.txt");
    let config = config();
    let mut checked = 0;
    for line in recorded.lines() {
        let (target, devices) = line.split_once(':').expect("TARGET: DEVICES");
        let expected: Vec<String> = devices.split_whitespace().map(str::to_string).collect();
        assert_eq!(eligible(&config, target), expected, "target {target}");
        checked += 1;
    }
    assert_eq!(checked, 18);
}
