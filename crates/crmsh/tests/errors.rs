//! Bad input gets a message with the line (and column when a word is to
//! blame), the object, and what was expected.

fn err(text: &str) -> String {
    match crmsh::parse_configuration(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn messages_say_where_and_what() {
    let cases: &[(&str, &str)] = &[
        (
            "primitive web systemd:nginx \\\n\top monitor intervall=10s",
            "line 2, column 13: primitive \"web\": unknown operation attribute 'intervall' (did you mean 'interval'?)",
        ),
        (
            "primitiv a Dummy",
            "line 1, column 1: unknown command 'primitiv' (did you mean 'primitive'?)",
        ),
        (
            "primitive a ocf:Dummy:x:y",
            "line 1, column 13: primitive \"a\": 'ocf:Dummy:x:y' is not a resource agent",
        ),
        (
            "primitive a ocf::Dummy",
            "line 1, column 13: primitive \"a\": 'ocf::Dummy': ocf agents need a provider",
        ),
        (
            "primitive a sytemd:nginx",
            "unknown resource class 'sytemd' (did you mean 'systemd'?)",
        ),
        (
            "primitive 1a Dummy",
            "line 1, column 11: primitive \"1a\": '1a' is not a valid id",
        ),
        (
            "primitive a Dummy\nlocation l a rule 10: x eqq 1",
            "line 2, column 25: location \"l\": 'eqq' is not a comparison (did you mean 'eq'?)",
        ),
        (
            "primitive a Dummy\nlocation l a rule 10: x eq 1 and y eq 2 or z eq 3",
            "location \"l\": a rule cannot mix 'and' and 'or'",
        ),
        (
            "primitive a Dummy\nlocation l a 10 n1",
            "line 2, column 14: location \"l\": expected <score>: <node> or rule …, found '10'",
        ),
        (
            "primitive a Dummy\nlocation l a rule 10: date spec minute=5",
            "date spec: unknown field 'minute' (did you mean 'minutes'?)",
        ),
        (
            "primitive a Dummy\nlocation l a rule 10: date spec yearsdays=5",
            "unknown field 'yearsdays' (did you mean 'yeardays'?)",
        ),
        (
            "primitive a Dummy\nprimitive b Dummy\ncolocation c inf: a:Mastr b",
            "line 3, column 19: colocation \"c\": invalid role 'Mastr' for 'a' (did you mean 'Master'?)",
        ),
        (
            "primitive a Dummy\nprimitive b Dummy\norder o inf: ( a b",
            "order \"o\": a resource set is never closed",
        ),
        (
            "primitive a Dummy\nprimitive b Dummy\norder o Mandatry: a b",
            "order \"o\": 'Mandatry' is not an order kind (did you mean 'mandatory'?)",
        ),
        (
            "primitive a Dummy\ngroup g a nope",
            "line 2: group \"g\": resource 'nope' is not defined",
        ),
        (
            "primitive a Dummy\nprimitive a Dummy",
            "line 2: primitive \"a\": 'a' is defined twice (first on line 1)",
        ),
        (
            "node n1:bogus",
            "line 1, column 6: node \"n1\": unknown node type 'bogus'",
        ),
        (
            "primitive a Dummy\nprimitive b Dummy\ngroup g a\ngroup h b a",
            "line 4: group \"h\": resource 'a' is already in group \"g\"",
        ),
        (
            "primitive a Dummy op monitor interval=10s timeout=soon",
            "<op id=\"a-monitor-10s\"> (line 1): timeout=\"soon\" is not valid",
        ),
        (
            "primitive a Dummy\nlocation l a resource-discovery=sometimes 10: n1",
            "resource-discovery must be one of always, never, exclusive, not 'sometimes'",
        ),
        ("xml <primitive id=\"x\"", "line 1: xml: malformed XML"),
        (
            "fencing_topology n1: st1",
            "'fencing_topology' statements are not supported in crm form yet",
        ),
    ];
    let mut failures = Vec::new();
    for (input, want) in cases {
        let got = err(input);
        if !got.contains(want) {
            failures.push(format!("input: {input:?}\n  want: {want}\n  got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn id_ref_to_an_object_means_its_first_set() {
    let conf = crmsh::parse_configuration(
        "primitive a Dummy params x=1 meta m=1\nprimitive b Dummy params $id-ref=a meta $id-ref=a",
    )
    .expect("loads");
    let xml = cib::write::configuration(&conf).to_xml();
    assert!(
        xml.contains(r#"<instance_attributes id-ref="a-instance_attributes"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<meta_attributes id-ref="a-meta_attributes"/>"#),
        "{xml}"
    );
}

#[test]
fn non_ascii_next_to_keywords_is_not_a_panic() {
    for s in [
        "primitive a Dummy\nlocation l a rule roleé=x 10: a eq b",
        "primitive a Dummy\nlocation l a 10: n1 roleé=x",
        "primitive a Dummy\ncolocation c inf: (é a é)",
        "property $ié=x",
        "node é:é",
    ] {
        let _ = crmsh::parse_configuration(s);
    }
}

#[test]
fn malformed_alerts_say_what_is_missing() {
    let cases: &[(&str, &str)] = &[
        ("alert a1", "alert \"a1\": expected the alert agent's path"),
        (
            "alert a1 /bin/a.sh to { /tmp/log meta timeout=5s",
            "alert \"a1\": the recipient `{ /tmp/log …` is not closed: end it with `}`",
        ),
        (
            "alert a1 /bin/a.sh select attributes { standby",
            "alert \"a1\": `select attributes {` is not closed",
        ),
        (
            "alert a1 /bin/a.sh sendto /tmp/log",
            "alert \"a1\": unexpected 'sendto' in alert \"a1\"; expected attributes, meta, select or to",
        ),
        ("alert 1a /bin/a.sh", "'1a' is not a valid id"),
    ];
    for (text, want) in cases {
        let got = err(text);
        assert!(got.contains(want), "{text}\n got: {got}\nwant: {want}");
    }
}
