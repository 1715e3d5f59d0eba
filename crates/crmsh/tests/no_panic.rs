//! Any text, however broken, gives a configuration or an error — never a
//! panic; and whatever loads prints back into text that loads into the same
//! configuration.

use proptest::prelude::*;

/// Words that steer the parser into its many branches.
const WORDS: &[&str] = &[
    "node",
    "primitive",
    "rsc_template",
    "group",
    "clone",
    "ms",
    "location",
    "colocation",
    "order",
    "rsc_ticket",
    "property",
    "rsc_defaults",
    "op_defaults",
    "tag",
    "xml",
    "params",
    "meta",
    "utilization",
    "op",
    "op_params",
    "op_meta",
    "operations",
    "rule",
    "attributes",
    "date",
    "in",
    "spec",
    "gt",
    "lt",
    "eq",
    "ne",
    "lte",
    "gte",
    "defined",
    "not_defined",
    "and",
    "or",
    "inf:",
    "-inf:",
    "100:",
    "0:",
    "Mandatory:",
    "Optional:",
    "Serialize:",
    "pingd:",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "_rsc_set_",
    "a",
    "b",
    "c",
    "g",
    "n1",
    "a:Master",
    "b:start",
    "c:Promoted",
    "Dummy",
    "ocf:pacemaker:Dummy",
    "stonith:fence_xvm",
    "foo:bar",
    "@a",
    "@tmpl",
    "x=1",
    "y=",
    "$id=s1",
    "$id-ref=s1",
    "$i:n=v",
    "role=Promoted",
    "$role=Master",
    "interval=10s",
    "timeout=20",
    "intervall=1",
    "symmetrical=false",
    "sequential=false",
    "require-all=false",
    "node-attribute=rack",
    "loss-policy=stop",
    "resource-discovery=never",
    "description=\"d e\"",
    "hours=9-16",
    "start=2024-01-01",
    "end=2025-01-01",
    "years=1",
    "#uname",
    "number:gt",
    "version:lt",
    "param{p}",
    "/a.*/",
    "\\",
    "\"",
    "'",
    "#",
    "\n",
    "\\\n",
    "<primitive id=\"x\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>",
    "<a",
    "t1:",
    "1:",
    "é",
    "\t",
    "roleé=x",
    "$ié=",
    "é:é",
    "(é",
    "é)",
    "$role=é",
];

fn statement() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..14).prop_map(|w| w.join(" "))
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..8).prop_map(|s| s.join("\n"))
}

fn check(input: &str) {
    if let Ok(conf) = crmsh::parse_configuration(input) {
        let shown = crmsh::show(&conf);
        let again = crmsh::parse_configuration(&shown).unwrap_or_else(|e| {
            panic!("show output does not load: {e}\ninput:\n{input}\nshown:\n{shown}")
        });
        let a = cib::write::configuration(&conf);
        let b = cib::write::configuration(&again);
        assert!(
            a.semantic_eq(&b),
            "round trip differs: {:?}\ninput:\n{input}\nshown:\n{shown}",
            a.semantic_diff(&b)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn crm_words_never_panic(input in text()) {
        check(&input);
    }

    #[test]
    fn arbitrary_text_never_panics(input in "\\PC{0,200}") {
        check(&input);
    }
}

/// A value as a POSIX shell word (single quotes; `'` written as `'\''`).
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Valid configurations with arbitrary values (quotes, backslashes, `=`,
/// spaces, non-ASCII): they must load, and print back to the same values.
fn valid_config() -> impl Strategy<Value = String> {
    let value = "[ -~é\\\"'=:#]{0,12}";
    (
        prop::collection::vec((0usize..3, value, value), 1..6),
        value,
        prop::sample::select(vec!["10", "inf", "-inf", "+inf", "0"]),
        prop::sample::select(vec!["Promoted", "Started", "Master", "Slave"]),
        value,
    )
        .prop_map(|(params, desc, score, role, attr_value)| {
            let mut s = String::from("node n1\n");
            for (i, (slot, k, v)) in params.iter().enumerate() {
                let name = format!("p{i}{}", k.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>());
                let kw = ["params", "meta", "utilization"][*slot];
                s.push_str(&format!(
                    "primitive r{i} ocf:pacemaker:Dummy description={} {kw} {name}={} op monitor interval=10s op_params x={}\n",
                    shell_quote(&desc),
                    shell_quote(v),
                    shell_quote(v)
                ));
            }
            s.push_str(&format!("location l1 r0 role={role} {score}: n1\n"));
            s.push_str(&format!("location l2 r0 rule {score}: attr eq {} or #uname ne n1\n", shell_quote(&attr_value)));
            s.push_str(&format!("colocation c1 {score}: r0:{role} r0\n"));
            s.push_str(&format!("property p={}\n", shell_quote(&attr_value)));
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn valid_configurations_load_and_round_trip(input in valid_config()) {
        let conf = crmsh::parse_configuration(&input);
        prop_assert!(conf.is_ok(), "{:?}\n{}", conf.err(), input);
        check(&input);
    }
}

#[test]
fn valid_statements_with_noise_round_trip() {
    // Hand-picked statements that must load, each followed by the round trip.
    for s in [
        "primitive a Dummy\nprimitive b Dummy\ngroup g a b\nclone c g meta interleave=true",
        "primitive a Dummy\nlocation l a rule -inf: not_defined x or x lte 0",
        "primitive a Dummy\nprimitive b Dummy\ncolocation c inf: _rsc_set_ a b",
        "primitive a Dummy\nprimitive b Dummy\norder o Mandatory: ( a b )",
        "property $id=p1 x=1\nproperty p2: y=2",
    ] {
        assert!(crmsh::parse_configuration(s).is_ok(), "{s}");
        check(s);
    }
}
