//! Errors for reading and checking a CIB. Every variant names the element (and
//! its id when it has one), the line, and what would make it valid.

use std::fmt;

/// Where in the document a problem is: element name, id (if any) and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loc {
    pub element: String,
    pub id: Option<String>,
    pub line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "<{} id=\"{}\">", self.element, id)?,
            None => write!(f, "<{}>", self.element)?,
        }
        if self.line > 0 {
            write!(f, " (line {})", self.line)?;
        }
        Ok(())
    }
}

/// A CIB that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CibError {
    #[error("malformed XML at line {line}, column {column}: {message}")]
    Xml {
        line: u32,
        column: u32,
        message: String,
    },
    #[error("the document's root element is <{found}>; a CIB starts with <cib>")]
    NotACib { found: String },
    #[error("{at}: required attribute '{attr}' is missing")]
    MissingAttr { at: Loc, attr: &'static str },
    #[error("{at}: {attr}=\"{value}\" is not valid: expected {expected}")]
    InvalidValue {
        at: Loc,
        attr: String,
        value: String,
        expected: String,
    },
    #[error("{at}: {problem}")]
    Invalid { at: Loc, problem: String },
    #[error(
        "id \"{id}\" is used twice: by <{first_element}> at line {first_line} and by <{second_element}> at line {second_line}; ids must be unique in the configuration, rename one"
    )]
    DuplicateId {
        id: String,
        first_element: String,
        first_line: u32,
        second_element: String,
        second_line: u32,
    },
    #[error("{at}: {attr}=\"{target}\" refers to nothing: no element has id \"{target}\"{hint}")]
    DanglingRef {
        at: Loc,
        attr: String,
        target: String,
        /// Extra advice, e.g. what kind of element was expected. Starts with "; " when set.
        hint: String,
    },
}

impl CibError {
    /// The location of the problem, when it has one.
    pub fn loc(&self) -> Option<&Loc> {
        match self {
            CibError::MissingAttr { at, .. }
            | CibError::InvalidValue { at, .. }
            | CibError::Invalid { at, .. }
            | CibError::DanglingRef { at, .. } => Some(at),
            _ => None,
        }
    }
}
