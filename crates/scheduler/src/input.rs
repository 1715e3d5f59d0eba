//! Reading a CIB the way the scheduler does: Pacemaker skips malformed
//! entries (a `<node_state>` without an id, an operation without a name) with
//! a log message and schedules from the rest, while [`cib::Cib::from_xml_lenient`]
//! refuses a document that lacks a required attribute anywhere.
//!
//! [`read_cib`] bridges the two: when the lenient reader stops at an element
//! Pacemaker would ignore, that element is dropped and the read retried (a
//! bounded number of times). A value that is not a number where Pacemaker
//! reads one leniently is dropped instead, so its default applies. Everything
//! dropped is returned as a warning.

use cib::read::{Ctx, Mode};
use cib::{Cib, CibError, Element};

/// How many malformed entries are dropped before giving up.
const MAX_REPAIRS: usize = 1000;

/// Elements Pacemaker ignores when they are malformed, rather than refusing
/// the whole document.
const SKIPPABLE: [&str; 12] = [
    "node_state",
    "lrm_resource",
    "lrm_rsc_op",
    "transient_attributes",
    "ticket_state",
    "node",
    "primitive",
    "group",
    "clone",
    "master",
    "bundle",
    "op",
];

/// Parses CIB text like Pacemaker: configuration problems it tolerates come
/// back as warnings, and malformed entries it skips are dropped (also
/// reported as warnings). Malformed XML is still an error.
pub fn read_cib(text: &str) -> Result<(Cib, Vec<CibError>), Box<CibError>> {
    let mut el = Element::parse(text).map_err(Box::new)?;
    let mut dropped = Vec::new();
    for _ in 0..MAX_REPAIRS {
        let cx = Ctx::new(Mode::Lenient);
        let result = match cib::check::check(&cx, &el) {
            Ok(()) => cib::read::cib(&cx, &el),
            Err(e) => Err(e),
        };
        match result {
            Ok(cib) => {
                let mut warnings = cx.into_warnings();
                warnings.extend(dropped);
                return Ok((cib, warnings));
            }
            Err(e) => {
                if !repair(&mut el, &e) {
                    return Err(Box::new(e));
                }
                dropped.push(e);
            }
        }
    }
    Err(Box::new(CibError::Invalid {
        at: cib::Loc {
            element: "cib".into(),
            id: None,
            line: 0,
        },
        problem: format!("more than {MAX_REPAIRS} malformed entries"),
    }))
}

/// Removes what made the read fail; false when it is not something
/// Pacemaker tolerates.
fn repair(root: &mut Element, e: &CibError) -> bool {
    match e {
        CibError::MissingAttr { at, .. } | CibError::Invalid { at, .. }
            if SKIPPABLE.contains(&at.element.as_str()) =>
        {
            remove_element(root, &at.element, at.line)
        }
        CibError::InvalidValue { at, attr, .. } => remove_attr(root, &at.element, at.line, attr),
        _ => false,
    }
}

fn remove_element(el: &mut Element, name: &str, line: u32) -> bool {
    if let Some(i) = el
        .children
        .iter()
        .position(|c| c.name == name && c.line == line)
    {
        el.children.remove(i);
        return true;
    }
    el.children
        .iter_mut()
        .any(|c| remove_element(c, name, line))
}

fn remove_attr(el: &mut Element, name: &str, line: u32, attr: &str) -> bool {
    if el.name == name && el.line == line {
        let before = el.attrs.len();
        el.attrs.retain(|(k, _)| k != attr);
        return el.attrs.len() != before;
    }
    el.children
        .iter_mut()
        .any(|c| remove_attr(c, name, line, attr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_a_node_state_without_id() {
        let xml = r#"<cib><configuration><crm_config/><nodes><node id="1" uname="a"/></nodes>
          <resources/><constraints/></configuration>
          <status><node_state id="1" uname="a" in_ccm="true"/>
            <node_state uname="b" in_ccm="false"/></status></cib>"#;
        assert!(Cib::from_xml_lenient(xml).is_err());
        match read_cib(xml) {
            Ok((cib, warnings)) => {
                assert_eq!(cib.status.node_states.len(), 1);
                assert_eq!(warnings.len(), 1);
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn drops_a_bad_number() {
        let xml = r#"<cib><configuration><crm_config/><nodes/><resources/><constraints/></configuration>
          <status><node_state id="1" uname="a"><lrm id="1"><lrm_resources><lrm_resource id="r" class="ocf" provider="p" type="t">
            <lrm_rsc_op id="r_start_0" operation="start" call-id="x"/></lrm_resource></lrm_resources></lrm></node_state></status></cib>"#;
        let Ok((cib, _)) = read_cib(xml) else {
            panic!("not repaired")
        };
        let op = &cib.status.node_states[0].lrm_resources()[0].ops[0];
        assert_eq!(op.call_id, None);
    }

    #[test]
    fn malformed_xml_is_still_an_error() {
        assert!(read_cib("<cib><configuration>").is_err());
    }
}
