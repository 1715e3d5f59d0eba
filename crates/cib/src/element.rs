//! A plain XML element tree: the bridge between XML text and the typed model.
//!
//! Reading goes text → [`Element`] (with line numbers for error messages) →
//! model; writing goes model → [`Element`] → text. Elements the model does not
//! know are kept as [`Element`]s inside the model, so nothing is dropped.
//! Comments and processing instructions are not kept.

use std::fmt::Write as _;

use crate::error::CibError;

/// One XML element with its attributes (in document order), child elements and
/// any non-whitespace text.
#[derive(Clone, Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Text content, when the element holds any besides whitespace.
    pub text: Option<String>,
    /// 1-based line in the source document (0 when built by code). Not part of equality.
    pub line: u32,
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.attrs == other.attrs
            && self.children == other.children
            && self.text == other.text
    }
}

impl Element {
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            ..Default::default()
        }
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or replaces) an attribute.
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_string(), value)),
        }
    }

    /// Builder form of [`Element::set_attr`].
    pub fn with_attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_attr(name, value);
        self
    }

    /// Sets an attribute when there is a value.
    pub fn opt_attr<T: std::fmt::Display>(&mut self, name: &str, value: Option<T>) {
        if let Some(v) = value {
            self.set_attr(name, v.to_string());
        }
    }

    pub fn push(&mut self, child: Element) {
        self.children.push(child);
    }

    /// Child elements called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Parses XML text into an element tree.
    pub fn parse(text: &str) -> Result<Element, CibError> {
        let opts = roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
            let pos = e.pos();
            CibError::Xml {
                line: pos.row,
                column: pos.col,
                message: e.to_string(),
            }
        })?;
        // Line starts, for turning byte offsets into line numbers in O(log n)
        // (roxmltree's own lookup scans from the start of the text each time).
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Ok(Self::from_node(&line_starts, doc.root_element()))
    }

    fn from_node(line_starts: &[usize], node: roxmltree::Node) -> Element {
        let mut el = Element::new(qualified_name(node.tag_name()));
        let offset = node.range().start;
        el.line = line_starts.partition_point(|&s| s <= offset) as u32;
        el.attrs = node
            .attributes()
            .map(|a| {
                let name = match a.namespace() {
                    Some("http://www.w3.org/XML/1998/namespace") => {
                        format!("xml:{}", a.name())
                    }
                    _ => a.name().to_string(),
                };
                (name, a.value().to_string())
            })
            .collect();
        let mut text = String::new();
        for child in node.children() {
            if child.is_element() {
                el.children.push(Self::from_node(line_starts, child));
            } else if child.is_text() {
                if let Some(t) = child.text() {
                    text.push_str(t);
                }
            }
        }
        if !text.trim().is_empty() {
            el.text = Some(text);
        }
        el
    }

    /// Serialises with two-space indentation, as Pacemaker writes CIB files.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(4096);
        self.write_into(&mut out, 0);
        out
    }

    fn write_into(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            let _ = write!(out, " {}=\"{}\"", k, escape_attr(v));
        }
        match (&self.text, self.children.is_empty()) {
            (None, true) => out.push_str("/>\n"),
            (Some(t), true) => {
                out.push('>');
                out.push_str(&quick_xml::escape::escape(t.as_str()));
                let _ = writeln!(out, "</{}>", self.name);
            }
            (text, false) => {
                out.push_str(">\n");
                if let Some(t) = text {
                    for _ in 0..=depth {
                        out.push_str("  ");
                    }
                    out.push_str(&quick_xml::escape::escape(t.trim()));
                    out.push('\n');
                }
                for c in &self.children {
                    c.write_into(out, depth + 1);
                }
                for _ in 0..depth {
                    out.push_str("  ");
                }
                let _ = writeln!(out, "</{}>", self.name);
            }
        }
    }

    /// Semantic equality of two XML trees: same element names, same attribute
    /// sets (order ignored), same trimmed text, and for every child element
    /// name the same sequence of such children. The relative order of children
    /// with *different* names is ignored; Pacemaker gives it no meaning except
    /// among resources and constraints, whose order the model keeps exactly.
    pub fn semantic_eq(&self, other: &Element) -> bool {
        self.semantic_diff(other).is_none()
    }

    /// The first semantic difference, as a path and a description.
    pub fn semantic_diff(&self, other: &Element) -> Option<String> {
        self.diff_at(other, &mut Vec::new())
    }

    fn label(&self) -> String {
        match self.attr("id") {
            Some(id) => format!("{}[@id='{}']", self.name, id),
            None => self.name.clone(),
        }
    }

    fn diff_at(&self, other: &Element, path: &mut Vec<String>) -> Option<String> {
        path.push(self.label());
        let here = format!("/{}", path.join("/"));
        if self.name != other.name {
            return Some(format!(
                "{}: element <{}> vs <{}>",
                here, self.name, other.name
            ));
        }
        let mut a: Vec<_> = self.attrs.iter().collect();
        let mut b: Vec<_> = other.attrs.iter().collect();
        a.sort();
        b.sort();
        if a != b {
            return Some(format!("{}: attributes {:?} vs {:?}", here, a, b));
        }
        let ta = self.text.as_deref().map(str::trim).unwrap_or("");
        let tb = other.text.as_deref().map(str::trim).unwrap_or("");
        if ta != tb {
            return Some(format!("{}: text {:?} vs {:?}", here, ta, tb));
        }
        let mut names: Vec<&str> = self.children.iter().map(|c| c.name.as_str()).collect();
        names.extend(other.children.iter().map(|c| c.name.as_str()));
        names.sort_unstable();
        names.dedup();
        for name in names {
            let xs: Vec<_> = self.children_named(name).collect();
            let ys: Vec<_> = other.children_named(name).collect();
            if xs.len() != ys.len() {
                return Some(format!(
                    "{}: {} <{}> children vs {}",
                    here,
                    xs.len(),
                    name,
                    ys.len()
                ));
            }
            for (x, y) in xs.iter().zip(ys) {
                if let Some(d) = x.diff_at(y, path) {
                    return Some(d);
                }
            }
        }
        path.pop();
        None
    }
}

fn qualified_name(n: roxmltree::ExpandedName) -> String {
    n.name().to_string()
}

/// Escapes an attribute value; newlines and tabs become character references so
/// they survive attribute-value normalisation on the way back in.
fn escape_attr(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains(['&', '<', '>', '"', '\'', '\n', '\r', '\t']) {
        return std::borrow::Cow::Borrowed(v);
    }
    let mut s = String::with_capacity(v.len() + 8);
    for c in v.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\n' => s.push_str("&#10;"),
            '\r' => s.push_str("&#13;"),
            '\t' => s.push_str("&#9;"),
            c => s.push(c),
        }
    }
    std::borrow::Cow::Owned(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_escapes_and_text() {
        let src = r#"<a x="1 &amp; 2" y="&lt;&quot;&#10;&#9;"><b>t &lt; u</b><c/></a>"#;
        let e = Element::parse(src).expect("parse");
        assert_eq!(e.attr("x"), Some("1 & 2"));
        assert_eq!(e.attr("y"), Some("<\"\n\t"));
        let again = Element::parse(&e.to_xml()).expect("reparse");
        assert_eq!(e, again);
        assert_eq!(again.children[0].text.as_deref(), Some("t < u"));
    }

    #[test]
    fn semantic_eq_ignores_attribute_order_and_cross_name_order() {
        let a = Element::parse(r#"<a p="1" q="2"><x id="1"/><y/><x id="2"/></a>"#).expect("a");
        let b = Element::parse(r#"<a q="2" p="1"><y/><x id="1"/><x id="2"/></a>"#).expect("b");
        assert!(a.semantic_eq(&b));
        let c = Element::parse(r#"<a q="2" p="1"><y/><x id="2"/><x id="1"/></a>"#).expect("c");
        let d = a.semantic_diff(&c).expect("differs");
        assert!(d.contains("x[@id='1']"), "{d}");
    }

    #[test]
    fn malformed_xml_names_the_line() {
        let err = Element::parse("<a>\n<b>\n</a>").expect_err("malformed");
        let msg = err.to_string();
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn records_line_numbers() {
        let e = Element::parse("<a>\n  <b/>\n  <c/>\n</a>").expect("parse");
        assert_eq!(e.children[1].line, 3);
    }
}
