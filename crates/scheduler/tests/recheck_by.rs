//! The transition graph's `recheck-by` (when the result may change by
//! itself: a failure expiring, a date in a location rule or in node,
//! cluster or resource attribute sets, a shutdown lock expiring) is the one
//! Pacemaker's graph carries, on every corpus case (`exp/NAME.exp`).

fn expected(case: &corpus::Case) -> Option<i64> {
    let path = corpus::dir().join("exp").join(format!("{}.exp", case.name));
    let text = std::fs::read_to_string(path).ok()?;
    let head = text.lines().next()?;
    let v = head.split("recheck-by=\"").nth(1)?.split('"').next()?;
    v.parse().ok()
}

#[test]
fn recheck_by_is_pacemakers_on_every_case() {
    let mut wrong = Vec::new();
    let mut with = 0;
    for case in corpus::cases() {
        let Ok((cib, _)) = cib::Cib::from_xml_lenient(&case.xml()) else {
            wrong.push(format!("{}: unreadable", case.name));
            continue;
        };
        let Ok((now, _)) = scheduler::time::effective_now(&cib, None, corpus::clock_now()) else {
            continue;
        };
        let ours = scheduler::simulation::run(&cib, now).graph.recheck_by;
        let want = expected(&case);
        with += usize::from(want.is_some());
        if ours != want {
            wrong.push(format!("{}: ours {ours:?}, Pacemaker {want:?}", case.name));
        }
    }
    assert!(with >= 4, "only {with} cases carry a recheck-by");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
