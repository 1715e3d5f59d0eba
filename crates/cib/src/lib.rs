//! The cluster information base (CIB): Pacemaker's configuration + status
//! document as typed Rust data.
//!
//! This crate owns the model ([`Cib`] and everything under it), reading and
//! writing Pacemaker's CIB XML without losing anything (unknown attributes and
//! elements are kept), the document-wide checks (unique ids, references that
//! resolve), scores and their arithmetic, and the values Pacemaker spells in
//! several ways. It does no I/O: callers hand it text and get text back.
//!
//! ```
//! let xml = r#"<cib epoch="3" num_updates="0" admin_epoch="0">
//!   <configuration><crm_config/><nodes/>
//!     <resources><primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
//!     <constraints/></configuration>
//!   <status/></cib>"#;
//! let cib = cib::Cib::from_xml(xml).unwrap();
//! assert_eq!(cib.configuration.resources[0].id(), "ip");
//! let again = cib::Cib::from_xml(&cib.to_xml()).unwrap();
//! assert_eq!(cib, again);
//! ```
//!
//! **Architecture Invariant:** pure data and pure functions; no clock, file,
//! socket or process is touched here.

// Errors carry the element, id, line, value and what was expected, so they are
// large; they are returned only on the cold path of reading a bad document.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod digest;
pub mod element;
pub mod error;
pub mod idref;
pub mod iso8601;
pub mod model;
pub mod nvpair;
pub mod read;
pub mod rules;
pub mod score;
#[cfg(test)]
mod testutil;
pub mod value;
pub mod write;

pub use element::Element;
pub use error::{CibError, Loc};
pub use model::*;
pub use score::Score;
pub use value::{Role, Typed, TypedOpt};

impl Cib {
    /// Parses CIB XML strictly: checks ids and references and refuses any
    /// invalid value. Use this for anything about to be stored.
    pub fn from_xml(text: &str) -> Result<Cib, CibError> {
        Self::from_element(&Element::parse(text)?)
    }

    /// Builds the model (strictly) from an already parsed element tree.
    pub fn from_element(el: &Element) -> Result<Cib, CibError> {
        let cx = read::Ctx::new(read::Mode::Strict);
        check::check(&cx, el)?;
        read::cib(&cx, el)
    }

    /// Parses CIB XML the way Pacemaker reads an existing CIB: problems it
    /// tolerates (an invalid spelling, a constraint naming a missing resource,
    /// a duplicate id) are returned as warnings, and the text is kept as
    /// written. Malformed XML and missing required attributes are still errors.
    pub fn from_xml_lenient(text: &str) -> Result<(Cib, Vec<CibError>), CibError> {
        let el = Element::parse(text)?;
        let cx = read::Ctx::new(read::Mode::Lenient);
        check::check(&cx, &el)?;
        let cib = read::cib(&cx, &el)?;
        Ok((cib, cx.into_warnings()))
    }

    /// The document as an element tree.
    pub fn to_element(&self) -> Element {
        write::cib(self)
    }

    /// The document as XML text (two-space indented, no XML declaration).
    pub fn to_xml(&self) -> String {
        self.to_element().to_xml()
    }

    /// Runs the document-wide checks on a model built or edited by code.
    pub fn check(&self) -> Result<(), CibError> {
        check::check(&read::Ctx::new(read::Mode::Strict), &self.to_element())
    }

    /// The configured node with this name (`uname`).
    pub fn node_by_uname(&self, uname: &str) -> Option<&Node> {
        self.configuration.nodes.iter().find(|n| n.uname == uname)
    }

    /// Finds a resource anywhere in the tree (inside groups, clones, bundles).
    pub fn find_resource(&self, id: &str) -> Option<&Resource> {
        self.configuration
            .resources
            .iter()
            .flat_map(|r| r.walk())
            .find(|r| r.id() == id)
    }
}
