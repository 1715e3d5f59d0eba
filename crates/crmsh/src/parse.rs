//! Statements → the XML elements they stand for, without generated ids.
//!
//! crmsh defines its syntax as a thin layer over the CIB XML: every statement
//! becomes one element tree (a `primitive` with `instance_attributes`,
//! `operations` …), ids that the user did not write are filled in afterwards
//! (see [`crate::ids`]), and a group or clone names its children by id
//! (`<crmsh-ref id="…"/>` placeholders, replaced by the real elements when the
//! statement is applied). This module follows crmsh 4.4's parser
//! (`crmsh/parse.py`) rule by rule; where pacer is stricter or more lenient the
//! function says so.

use cib::Element;

use crate::error::{did_you_mean, Error, Pos};
use crate::lex::{Statement, Token};

/// One parsed statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// The element this statement defines. For `rsc_defaults`/`op_defaults`
    /// it is the section element holding one `meta_attributes`.
    pub el: Element,
    /// Physical line the statement starts on.
    pub line: u32,
}

impl Object {
    /// The element that carries the object's id (the `meta_attributes` of a
    /// defaults statement, the element itself otherwise).
    pub fn id_element(&self) -> &Element {
        match self.el.name.as_str() {
            "rsc_defaults" | "op_defaults" => self.el.children.first().unwrap_or(&self.el),
            _ => &self.el,
        }
    }

    pub fn id_element_mut(&mut self) -> &mut Element {
        match self.el.name.as_str() {
            "rsc_defaults" | "op_defaults" if !self.el.children.is_empty() => {
                &mut self.el.children[0]
            }
            _ => &mut self.el,
        }
    }

    /// `primitive "web"`, for messages.
    pub fn describe(&self) -> String {
        let el = self.id_element();
        let kind = cli_name(&self.el.name);
        match el.attr("id").or_else(|| el.attr("uname")) {
            Some(id) => format!("{kind} \"{id}\""),
            None => kind.to_string(),
        }
    }
}

/// The crm statement keyword for an element name.
pub fn cli_name(tag: &str) -> &str {
    match tag {
        "template" => "rsc_template",
        "master" => "ms",
        "rsc_location" => "location",
        "rsc_colocation" => "colocation",
        "rsc_order" => "order",
        "cluster_property_set" => "property",
        "fencing-topology" => "fencing_topology",
        other => other,
    }
}

/// Statements pacer reads, for "unknown command" messages.
const COMMANDS: [&str; 19] = [
    "node",
    "primitive",
    "rsc_template",
    "group",
    "clone",
    "ms",
    "master",
    "location",
    "colocation",
    "collocation",
    "order",
    "rsc_ticket",
    "property",
    "rsc_defaults",
    "op_defaults",
    "tag",
    "alert",
    "xml",
    "bundle",
];

/// crmsh statements pacer does not read in crm form (they can be loaded as
/// `xml <…>`, which is also how `show` prints them).
const UNSUPPORTED: [&str; 7] = [
    "bundle",
    "fencing_topology",
    "fencing-topology",
    "user",
    "role",
    "acl_target",
    "acl_group",
];

/// Words that end a name/value list (crmsh's `TERMINATORS`).
const TERMINATORS: [&str; 9] = [
    "params",
    "meta",
    "utilization",
    "operations",
    "op",
    "op_params",
    "op_meta",
    "rule",
    "attributes",
];

/// Attributes of `<op>` itself; any other `name=value` after `op NAME` is an
/// instance attribute of the operation (as in crmsh).
pub const OP_ATTRS: [&str; 11] = [
    "id",
    "name",
    "interval",
    "description",
    "start-delay",
    "interval-origin",
    "timeout",
    "enabled",
    "record-pending",
    "role",
    "on-fail",
];

const ROLES: [&str; 6] = [
    "Stopped",
    "Started",
    "Promoted",
    "Unpromoted",
    "Master",
    "Slave",
];
const ACTIONS: [&str; 4] = ["start", "promote", "demote", "stop"];
const ORDER_KINDS: [&str; 3] = ["Optional", "Mandatory", "Serialize"];
const EXPR_TYPES: [&str; 4] = ["string", "integer", "number", "version"];
const BINARY_OPS: [&str; 6] = ["lt", "gt", "lte", "gte", "eq", "ne"];
const UNARY_OPS: [&str; 2] = ["defined", "not_defined"];
/// `date_spec` fields Pacemaker knows (crmsh 4.4 lists `yearsdays`, a typo
/// Pacemaker's schema rejects, and lacks minutes/seconds; pacer follows the schema).
pub const DATE_SPEC_FIELDS: [&str; 11] = [
    "hours",
    "minutes",
    "seconds",
    "monthdays",
    "weekdays",
    "yeardays",
    "months",
    "weeks",
    "years",
    "weekyears",
    "moon",
];
/// `duration` fields Pacemaker knows.
pub const DURATION_FIELDS: [&str; 7] = [
    "years", "months", "weeks", "days", "hours", "minutes", "seconds",
];
/// Resource classes Pacemaker knows.
const CLASSES: [&str; 8] = [
    "ocf",
    "lsb",
    "service",
    "systemd",
    "stonith",
    "upstart",
    "nagios",
    "heartbeat",
];

type Result<T> = std::result::Result<T, Error>;

/// Parses every statement of a crm text.
pub fn parse(text: &str) -> Result<Vec<Object>> {
    let mut out = Vec::new();
    for st in crate::lex::statements(text)? {
        out.push(parse_statement(&st)?);
    }
    Ok(out)
}

/// Parses one statement.
pub fn parse_statement(st: &Statement) -> Result<Object> {
    let mut p = P::new(st);
    let kw = p.next_word("a command")?.to_ascii_lowercase();
    let mut el = match kw.as_str() {
        "node" => p.node()?,
        "primitive" => p.primitive("primitive")?,
        "rsc_template" => p.primitive("template")?,
        "group" => p.group()?,
        "clone" => p.clone_("clone")?,
        "ms" | "master" => p.clone_("master")?,
        "location" => p.location()?,
        "colocation" | "collocation" => p.colocation()?,
        "order" => p.order()?,
        "rsc_ticket" => p.ticket()?,
        "property" | "rsc_defaults" | "op_defaults" => p.property(&kw)?,
        "tag" => p.tag()?,
        "alert" => p.alert()?,
        "xml" => return xml_statement(st),
        other if UNSUPPORTED.contains(&other) => {
            return Err(p.err_at(
                0,
                format!(
                    "'{other}' statements are not supported in crm form yet; \
                     write the element as `xml <…>` instead"
                ),
            ))
        }
        other => {
            return Err(p.err_at(
                0,
                format!(
                    "unknown command '{other}'{}; expected one of: {}",
                    did_you_mean(other, &COMMANDS),
                    COMMANDS.join(", ")
                ),
            ))
        }
    };
    if let Some(t) = p.peek() {
        let rest: Vec<&str> = p.toks[p.i..].iter().map(|t| t.text.as_str()).collect();
        let _ = t;
        return Err(p.err(format!(
            "unexpected '{}'{}",
            rest.join(" "),
            p.expected_hint()
        )));
    }
    set_line(&mut el, st.line);
    Ok(Object { el, line: st.line })
}

/// `xml <element …/>`: a raw CIB element.
fn xml_statement(st: &Statement) -> Result<Object> {
    let raw = st.rest_after_first_word();
    let pos = Pos {
        line: st.line,
        col: 0,
    };
    if raw.is_empty() {
        return Err(Error::Syntax {
            pos,
            object: None,
            message: "xml: expected an XML element after 'xml'".into(),
        });
    }
    let mut el = Element::parse(raw).map_err(|e| Error::Syntax {
        pos,
        object: None,
        message: format!("xml: {e}"),
    })?;
    const OBJECTS: [&str; 19] = [
        "node",
        "primitive",
        "template",
        "group",
        "clone",
        "master",
        "bundle",
        "rsc_location",
        "rsc_colocation",
        "rsc_order",
        "rsc_ticket",
        "cluster_property_set",
        "rsc_defaults",
        "op_defaults",
        "fencing-topology",
        "tag",
        "alert",
        "acl_role",
        "acl_target",
    ];
    if !OBJECTS.contains(&el.name.as_str()) && el.name != "acl_group" && el.name != "acl_user" {
        return Err(Error::Syntax {
            pos,
            object: None,
            message: format!(
                "xml: <{}> is not a configuration object; expected one of <{}>",
                el.name,
                OBJECTS.join(">, <")
            ),
        });
    }
    if (el.name == "rsc_defaults" || el.name == "op_defaults")
        && (el.children.len() != 1 || el.children[0].name != "meta_attributes")
    {
        return Err(Error::Syntax {
            pos,
            object: None,
            message: format!("xml: <{}> must hold exactly one <meta_attributes>", el.name),
        });
    }
    set_line(&mut el, st.line);
    Ok(Object { el, line: st.line })
}

/// Sets the source line on an element tree (so CIB errors point at the crm text).
pub fn set_line(el: &mut Element, line: u32) {
    el.line = line;
    for c in &mut el.children {
        set_line(c, line);
    }
}

/// `<nvpair name=… value=…>`.
fn nvpair(name: &str, value: Option<&str>) -> Element {
    let mut e = Element::new("nvpair").with_attr("name", name);
    if let Some(v) = value {
        e.set_attr("value", v);
    }
    e
}

/// How a word of a name/value list reads.
enum NvWord<'a> {
    /// `@idref` or `@idref:name`.
    Ref(&'a str, Option<&'a str>),
    /// `$id:name=value` or `$id=value`.
    WithId(&'a str, &'a str, &'a str),
    /// `name=value`.
    Pair(&'a str, &'a str),
    /// `name` (an nvpair without a value).
    Key(&'a str),
}

fn classify_nv(tok: &str) -> Option<NvWord<'_>> {
    if let Some(rest) = tok.strip_prefix('@') {
        let (idref, name) = match rest.split_once(':') {
            Some((i, n)) => (i, Some(n)),
            None => (rest, None),
        };
        if idref.is_empty() || name.is_some_and(str::is_empty) {
            return None;
        }
        return Some(NvWord::Ref(idref, name));
    }
    if let Some(rest) = tok.strip_prefix('$') {
        let cut = rest.find([':', '='])?;
        let id = &rest[..cut];
        if id.is_empty() {
            return None;
        }
        let after = &rest[cut..];
        if let Some(v) = after.strip_prefix('=') {
            return Some(NvWord::WithId(id, id, v));
        }
        let named = after.strip_prefix(':')?;
        let (name, value) = named.rsplit_once('=')?;
        if name.is_empty() {
            return None;
        }
        return Some(NvWord::WithId(id, name, value));
    }
    if let Some((name, value)) = tok.split_once('=') {
        if name.is_empty() {
            return None;
        }
        return Some(NvWord::Pair(name, value));
    }
    if tok.is_empty() || tok.contains(':') {
        return None;
    }
    Some(NvWord::Key(tok))
}

/// `([^:]+):$` — a score or kind word like `100:`, `inf:`, `pingd:`.
/// Unlike crmsh, a word with `=` is never a score: `name=:` is a pair whose
/// value is `:` (crmsh would read a set score `name=`).
fn score_word(tok: &str) -> Option<&str> {
    let s = tok.strip_suffix(':')?;
    (!s.is_empty() && !s.contains(':') && !s.contains('=')).then_some(s)
}

/// What a score word means (crmsh's `validate_score`).
enum ScoreWord {
    Score(String),
    Attribute(String),
}

fn is_numeric_score(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    matches!(t, "inf" | "infinity" | "INF" | "INFINITY")
        || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

/// `inf`/`infinity` (either case, not mixed) → `INFINITY`, keeping a sign.
fn normalize_score(s: &str) -> String {
    let (sign, t) = match s.strip_prefix(['+', '-']) {
        Some(t) => (&s[..1], t),
        None => ("", s),
    };
    if matches!(t, "inf" | "infinity" | "INF" | "INFINITY") {
        format!("{sign}INFINITY")
    } else {
        s.to_string()
    }
}

fn read_score(s: &str) -> ScoreWord {
    match s.to_ascii_lowercase().as_str() {
        "advisory" => return ScoreWord::Score("0".into()),
        "mandatory" => return ScoreWord::Score("INFINITY".into()),
        _ => {}
    }
    if is_numeric_score(s) {
        ScoreWord::Score(normalize_score(s))
    } else {
        ScoreWord::Attribute(s.to_string())
    }
}

/// crmsh's identifier pattern `[a-z0-9_#$-][^=]*`.
fn is_identifier(tok: &str) -> bool {
    tok.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || "_#$-".contains(c))
        && !tok.contains('=')
}

/// crmsh's resource pattern `[a-z_#$][^=]*`.
fn is_resource_word(tok: &str) -> bool {
    tok.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || "_#$".contains(c))
        && !tok.contains('=')
}

/// An XML id as crmsh checks it: `[A-Za-z_][\w.-]*`.
pub fn is_valid_id(id: &str) -> bool {
    let mut cs = id.chars();
    cs.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && cs.all(|c| c.is_alphanumeric() || "_.-".contains(c))
}

fn canonize<'a>(v: &str, list: &[&'a str]) -> Option<&'a str> {
    list.iter().find(|x| x.eq_ignore_ascii_case(v)).copied()
}

/// The parser state for one statement.
struct P<'a> {
    toks: &'a [Token],
    i: usize,
    line: u32,
    end: Pos,
    object: Option<String>,
    /// What the parser would have accepted at the point it stopped.
    expected: Vec<&'static str>,
    /// Words that also end a name/value list here (an alert's `to`, …).
    stop_words: &'static [&'static str],
}

impl<'a> P<'a> {
    fn new(st: &'a Statement) -> Self {
        let end = st
            .tokens
            .last()
            .map(|t| Pos {
                line: t.pos.line,
                col: t.pos.col + u32::try_from(t.text.chars().count()).unwrap_or(0),
            })
            .unwrap_or(Pos {
                line: st.line,
                col: 0,
            });
        P {
            toks: &st.tokens,
            i: 0,
            line: st.line,
            end,
            object: None,
            expected: Vec::new(),
            stop_words: &[],
        }
    }

    fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.i)
    }

    fn peek_text(&self) -> Option<&'a str> {
        self.peek().map(|t| t.text.as_str())
    }

    fn peek_is(&self, kw: &str) -> bool {
        self.peek_text().is_some_and(|t| t.eq_ignore_ascii_case(kw))
    }

    fn bump(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.i)?;
        self.i += 1;
        Some(t)
    }

    fn eat(&mut self, kw: &str) -> bool {
        if self.peek_is(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn remaining(&self) -> usize {
        self.toks.len().saturating_sub(self.i)
    }

    fn pos(&self) -> Pos {
        self.peek().map(|t| t.pos).unwrap_or(self.end)
    }

    fn err(&self, message: String) -> Error {
        Error::Syntax {
            pos: self.pos(),
            object: self.object.clone(),
            message,
        }
    }

    fn err_at(&self, tok: usize, message: String) -> Error {
        let pos = self.toks.get(tok).map(|t| t.pos).unwrap_or(Pos {
            line: self.line,
            col: 0,
        });
        Error::Syntax {
            pos,
            object: self.object.clone(),
            message,
        }
    }

    fn expected_hint(&self) -> String {
        if self.expected.is_empty() {
            String::new()
        } else {
            format!("; expected {}", self.expected.join(", "))
        }
    }

    /// The next word, whatever it is.
    fn next_word(&mut self, what: &str) -> Result<&'a str> {
        match self.bump() {
            Some(t) => Ok(t.text.as_str()),
            None => Err(self.err(format!("expected {what} at the end of the statement"))),
        }
    }

    fn identifier(&mut self, what: &str) -> Result<&'a str> {
        match self.peek_text() {
            Some(t) if is_identifier(t) => {
                self.i += 1;
                Ok(t)
            }
            Some(t) => Err(self.err(format!("expected {what}, found '{t}'"))),
            None => Err(self.err(format!("expected {what} at the end of the statement"))),
        }
    }

    /// The id of the object being defined; names it for later messages.
    fn object_id(&mut self, kind: &str) -> Result<&'a str> {
        let id = self.identifier(&format!("the {kind}'s id"))?;
        self.object = Some(format!("{kind} \"{id}\""));
        if !is_valid_id(id) {
            return Err(self.err_at(
                self.i - 1,
                format!(
                    "'{id}' is not a valid id: ids start with a letter or '_' and \
                     contain only letters, digits, '_', '.' and '-'"
                ),
            ));
        }
        Ok(id)
    }

    fn resource(&mut self, what: &str) -> Result<&'a str> {
        match self.peek_text() {
            Some(t) if is_resource_word(t) => {
                self.i += 1;
                Ok(t)
            }
            Some(t) => Err(self.err(format!("expected {what}, found '{t}'"))),
            None => Err(self.err(format!("expected {what} at the end of the statement"))),
        }
    }

    /// `description=…` if it comes next.
    fn description(&mut self) -> Option<&'a str> {
        let t = self.peek_text()?;
        let (k, v) = t.split_once('=')?;
        if k.eq_ignore_ascii_case("description") && !v.is_empty() {
            self.i += 1;
            Some(v)
        } else {
            None
        }
    }

    // ---- name/value lists -------------------------------------------------

    /// `name=value …` until a terminator or a word that is not a pair.
    fn nvpairs(&mut self) -> Vec<Element> {
        let mut out = Vec::new();
        while let Some(t) = self.peek_text() {
            if TERMINATORS
                .iter()
                .chain(self.stop_words)
                .any(|k| k.eq_ignore_ascii_case(t))
            {
                break;
            }
            let el = match classify_nv(t) {
                Some(NvWord::Ref(idref, name)) => {
                    let mut e = Element::new("nvpair").with_attr("id-ref", idref);
                    if let Some(n) = name {
                        e.set_attr("name", n);
                    }
                    e
                }
                Some(NvWord::WithId(id, name, value)) => Element::new("nvpair")
                    .with_attr("id", id)
                    .with_attr("name", name)
                    .with_attr("value", value),
                Some(NvWord::Pair(name, value)) => nvpair(name, Some(value)),
                Some(NvWord::Key(name)) => nvpair(name, None),
                None => break,
            };
            self.i += 1;
            out.push(el);
        }
        out
    }

    /// `[$id=<id>|$id-ref=<id>] [<score>:] [rule …]… <name>=<value>…`
    fn attr_list(&mut self, tag: &str, allow_empty: bool) -> Result<Option<Element>> {
        let mut el = Element::new(tag);
        if let Some((k, v)) = self.peek_text().and_then(idspec) {
            self.i += 1;
            if v.is_empty() {
                return Err(self.err_at(self.i - 1, format!("{k}= needs an id")));
            }
            if k == "id-ref" {
                el.set_attr("id-ref", v);
                return Ok(Some(el));
            }
            el.set_attr("id", v);
        }
        if let Some(s) = self.peek_text().and_then(score_word) {
            self.i += 1;
            el.set_attr("score", normalize_score(s));
        }
        for r in self.rules()? {
            el.push(r);
        }
        for nv in self.nvpairs() {
            el.push(nv);
        }
        if !allow_empty && el.attrs.is_empty() && el.children.is_empty() {
            return Ok(None);
        }
        Ok(Some(el))
    }

    /// `params …`, `meta …` and the like, in any order and number; the first
    /// list may come without its keyword (`implicit`).
    fn attr_lists(
        &mut self,
        out: &mut Element,
        map: &[(&'static str, &'static str)],
        implicit: Option<&'static str>,
        ops: bool,
    ) -> Result<()> {
        self.expected = map.iter().map(|(k, _)| *k).collect();
        if ops {
            self.expected.push("op");
            self.expected.push("operations");
        }
        let mut initial = true;
        while let Some(t) = self.peek_text() {
            let lower = t.to_ascii_lowercase();
            if ops && (lower == "op" || lower == "operations") {
                initial = false;
                self.operations(out, lower == "operations")?;
                continue;
            }
            if let Some((_, tag)) = map.iter().find(|(k, _)| *k == lower) {
                initial = false;
                self.i += 1;
                if let Some(l) = self.attr_list(tag, true)? {
                    out.push(l);
                }
                continue;
            }
            if initial {
                initial = false;
                if let Some(kw) = implicit {
                    let tag = map
                        .iter()
                        .find(|(k, _)| *k == kw)
                        .map(|(_, t)| *t)
                        .unwrap_or("instance_attributes");
                    if let Some(l) = self.attr_list(tag, false)? {
                        out.push(l);
                    }
                    continue;
                }
            }
            break;
        }
        Ok(())
    }

    // ---- rules --------------------------------------------------------------

    fn rules(&mut self) -> Result<Vec<Element>> {
        let mut rules = Vec::new();
        while self.eat("rule") {
            let mut rule = Element::new("rule");
            let mut idref = false;
            if let Some((k, v)) = self.peek_text().and_then(idspec) {
                self.i += 1;
                rule.set_attr(k, v);
                idref = k == "id-ref";
            }
            if let Some(role) = self.peek_text().and_then(role_word) {
                self.i += 1;
                rule.set_attr("role", role);
            }
            if idref {
                rules.push(rule);
                continue;
            }
            match self.peek_text().and_then(score_word) {
                Some(s) => {
                    self.i += 1;
                    match read_score(s) {
                        ScoreWord::Score(v) => rule.set_attr("score", v),
                        ScoreWord::Attribute(a) => rule.set_attr("score-attribute", a),
                    }
                }
                None => rule.set_attr("score", "INFINITY"),
            }
            let mut boolop: Option<String> = None;
            rule.push(self.simple_expression()?);
            while let Some(t) = self.peek_text() {
                let lower = t.to_ascii_lowercase();
                if lower != "and" && lower != "or" {
                    break;
                }
                if let Some(b) = &boolop {
                    if *b != lower {
                        return Err(self.err(format!(
                            "a rule cannot mix 'and' and 'or' (this rule uses '{b}'); \
                             split it into several rules"
                        )));
                    }
                }
                boolop = Some(lower);
                self.i += 1;
                rule.push(self.simple_expression()?);
            }
            if boolop.as_deref() == Some("or") {
                rule.set_attr("boolean-op", "or");
            }
            rules.push(rule);
        }
        Ok(rules)
    }

    fn simple_expression(&mut self) -> Result<Element> {
        if self.eat("date") {
            return self.date_expression();
        }
        if let Some(op) = self.peek_text().and_then(|t| canonize(t, &UNARY_OPS)) {
            self.i += 1;
            let attr = self.identifier("a node attribute name")?;
            return Ok(Element::new("expression")
                .with_attr("operation", op)
                .with_attr("attribute", attr));
        }
        let attr = self.identifier("an expression: <attribute> <op> <value>, defined <attribute>, not_defined <attribute> or date …")?;
        let optok = self.next_word("a comparison (lt, gt, lte, gte, eq, ne)")?;
        let (ty, op) = match optok.split_once(':') {
            Some((t, o)) => (Some(t), o),
            None => (None, optok),
        };
        let Some(op) = canonize(op, &BINARY_OPS) else {
            return Err(self.err_at(
                self.i - 1,
                format!(
                    "'{optok}' is not a comparison{}; expected [type:]op with op one of {} \
                     (after attribute '{attr}')",
                    did_you_mean(op, &BINARY_OPS),
                    BINARY_OPS.join(", ")
                ),
            ));
        };
        let mut e = Element::new("expression")
            .with_attr("operation", op)
            .with_attr("attribute", attr);
        if let Some(t) = ty {
            let Some(t) = canonize(t, &EXPR_TYPES) else {
                return Err(self.err_at(
                    self.i - 1,
                    format!(
                        "'{t}' is not a comparison type{}; expected one of {}",
                        did_you_mean(t, &EXPR_TYPES),
                        EXPR_TYPES.join(", ")
                    ),
                ));
            };
            e.set_attr("type", t);
        }
        let value = self.next_word(&format!("a value to compare '{attr}' with"))?;
        // `param{name}` / `meta{name}`: compare with a resource parameter.
        match value.strip_suffix('}').and_then(|v| v.split_once('{')) {
            Some((src, v))
                if !src.is_empty()
                    && !v.is_empty()
                    && !src.contains(char::is_whitespace)
                    && !v.contains(char::is_whitespace) =>
            {
                const SOURCES: [&str; 3] = ["literal", "param", "meta"];
                if SOURCES.contains(&src) {
                    e.set_attr("value", v);
                    e.set_attr("value-source", src);
                } else if crate::error::closest(src, &SOURCES, 2).is_some() {
                    return Err(self.err_at(
                        self.i - 1,
                        format!(
                            "unknown value source '{src}' in '{value}'{}; expected literal{{…}}, \
                             param{{…}} or meta{{…}}",
                            did_you_mean(src, &SOURCES)
                        ),
                    ));
                } else {
                    // Not a source at all (crmsh would write value-source="{src}",
                    // which Pacemaker's schema rejects): a plain value.
                    e.set_attr("value", value);
                }
            }
            _ => e.set_attr("value", value),
        }
        Ok(e)
    }

    fn date_expression(&mut self) -> Result<Element> {
        let optok = self.next_word("a date operation (gt, lt, in_range, date_spec)")?;
        let op = match optok.to_ascii_lowercase().as_str() {
            "in" | "in_range" => "in_range",
            "spec" | "date_spec" => "date_spec",
            "gt" => "gt",
            "lt" => "lt",
            _ => {
                return Err(self.err_at(
                    self.i - 1,
                    format!(
                        "'{optok}' is not a date operation; expected gt, lt, in_range (in) \
                         or date_spec (spec)"
                    ),
                ))
            }
        };
        let mut node = Element::new("date_expression").with_attr("operation", op);
        match op {
            "gt" | "lt" => {
                let v = self.next_word("a date")?;
                node.set_attr(if op == "lt" { "end" } else { "start" }, v);
            }
            "in_range" => {
                let mut keys: Vec<&str> = vec!["start", "end"];
                keys.extend(DURATION_FIELDS);
                let vals = self.pairs_by_key(&keys, 2, "date in_range")?;
                let only_range = vals.iter().all(|(k, _)| *k == "start" || *k == "end");
                let mut sub = Element::new("duration");
                for (k, v) in vals {
                    if k == "start" || k == "end" {
                        node.set_attr(k, v);
                    } else {
                        sub.set_attr(k, v);
                    }
                }
                if !only_range {
                    node.push(sub);
                }
            }
            _ => {
                let vals = self.pairs_by_key(&DATE_SPEC_FIELDS, 1, "date spec")?;
                let mut sub = Element::new("date_spec");
                for (k, v) in vals {
                    sub.set_attr(k, v);
                }
                node.push(sub);
            }
        }
        Ok(node)
    }

    /// `key=value` words whose key is in `keys` (crmsh's `match_nvpairs_bykey`).
    fn pairs_by_key(
        &mut self,
        keys: &[&'static str],
        min: usize,
        what: &str,
    ) -> Result<Vec<(&'static str, &'a str)>> {
        let mut out = Vec::new();
        while let Some(t) = self.peek_text() {
            let (k, v) = t.split_once('=').unwrap_or((t, ""));
            match keys.iter().find(|x| **x == k) {
                Some(key) => {
                    if t.contains('=') && v.is_empty() {
                        break;
                    }
                    out.push((*key, v));
                    self.i += 1;
                }
                None => {
                    if t.contains('=') && out.len() < min {
                        return Err(self.err(format!(
                            "{what}: unknown field '{k}'{}; expected one of {}",
                            did_you_mean(k, keys),
                            keys.join(", ")
                        )));
                    }
                    break;
                }
            }
        }
        if out.len() < min {
            return Err(self.err(format!(
                "{what}: expected at least {min} of {}",
                keys.join("=…, ") + "=…"
            )));
        }
        Ok(out)
    }

    // ---- statements ---------------------------------------------------------

    /// `node [<id>:|$id=<id>] <uname>[:<type>] [description=…] [attributes …] [utilization …]`
    fn node(&mut self) -> Result<Element> {
        let mut out = Element::new("node");
        if let Some(t) = self.peek_text() {
            if let Some(id) = t.strip_prefix("$id=").or_else(|| t.strip_prefix("$ID=")) {
                out.set_attr("id", id);
                self.i += 1;
            } else if let Some(id) = t.strip_suffix(':') {
                if !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                {
                    out.set_attr("id", id);
                    self.i += 1;
                }
            }
        }
        let t = self.next_word("the node name")?;
        let (uname, ty) = match t.split_once(':') {
            Some((u, ty)) => (u, Some(ty)),
            None => (t, None),
        };
        self.object = Some(format!("node \"{uname}\""));
        if uname.is_empty() {
            return Err(self.err_at(self.i - 1, "expected uname[:type]".into()));
        }
        out.set_attr("uname", uname);
        if let Some(ty) = ty {
            const TYPES: [&str; 4] = ["normal", "member", "ping", "remote"];
            if canonize(ty, &TYPES).is_none() {
                return Err(self.err_at(
                    self.i - 1,
                    format!(
                        "unknown node type '{ty}'{}; expected uname[:type] with type one of {}",
                        did_you_mean(ty, &TYPES),
                        TYPES.join(", ")
                    ),
                ));
            }
            out.set_attr("type", ty);
        }
        if let Some(d) = self.description() {
            out.set_attr("description", d);
        }
        self.attr_lists(
            &mut out,
            &[
                ("attributes", "instance_attributes"),
                ("utilization", "utilization"),
            ],
            Some("attributes"),
            false,
        )?;
        Ok(out)
    }

    /// `primitive <id> {[<class>:[<provider>:]]<type>|@<template>} [description=…]
    /// [params …] [meta …] [utilization …] [operations …] [op <name> …]…`
    fn primitive(&mut self, tag: &'static str) -> Result<Element> {
        let kind = if tag == "template" {
            "rsc_template"
        } else {
            "primitive"
        };
        let id = self.object_id(kind)?;
        let mut out = Element::new(tag).with_attr("id", id);
        let spec = self.next_word("the resource agent ([class:[provider:]]type or @template)")?;
        if let Some(t) = spec.strip_prefix('@').filter(|_| tag == "primitive") {
            if t.is_empty() {
                return Err(self.err_at(self.i - 1, "expected @<template>".into()));
            }
            out.set_attr("template", t);
        } else {
            self.agent(&mut out, spec)?;
        }
        if let Some(d) = self.description() {
            out.set_attr("description", d);
        }
        self.attr_lists(
            &mut out,
            &[
                ("params", "instance_attributes"),
                ("meta", "meta_attributes"),
                ("utilization", "utilization"),
            ],
            Some("params"),
            true,
        )?;
        Ok(out)
    }

    /// `[class:[provider:]]type`. Without a class crmsh assumes `ocf` and asks
    /// the installed agents for a provider, falling back to `heartbeat`; pacer
    /// reads no files here and always takes `heartbeat` (write the provider
    /// for other agents, e.g. `ocf:pacemaker:Stateful`).
    fn agent(&mut self, out: &mut Element, spec: &str) -> Result<()> {
        let at = self.i - 1;
        let parts: Vec<&str> = spec.split(':').collect();
        let (class, provider, ty) = match parts.as_slice() {
            [t] => ("ocf", Some("heartbeat"), *t),
            [c, t] if c.eq_ignore_ascii_case("ocf") => (*c, Some("heartbeat"), *t),
            [c, t] => (*c, None, *t),
            [c, p, t] => (*c, Some(*p), *t),
            _ => {
                return Err(self.err_at(
                    at,
                    format!("'{spec}' is not a resource agent; expected [class:[provider:]]type"),
                ))
            }
        };
        if ty.is_empty() {
            return Err(self.err_at(at, format!("'{spec}' names no agent type")));
        }
        if canonize(class, &CLASSES).is_none() {
            return Err(self.err_at(
                at,
                format!(
                    "unknown resource class '{class}'{}; expected one of {}",
                    did_you_mean(class, &CLASSES),
                    CLASSES.join(", ")
                ),
            ));
        }
        if class.eq_ignore_ascii_case("ocf") && !provider.is_some_and(|p| !p.is_empty()) {
            return Err(self.err_at(at, format!("'{spec}': ocf agents need a provider")));
        }
        out.set_attr("class", class);
        if let Some(p) = provider.filter(|p| !p.is_empty()) {
            out.set_attr("provider", p);
        }
        out.set_attr("type", ty);
        Ok(())
    }

    /// `operations [$id=…|$id-ref=…]` and/or `op <name> [<attr>=<value>…] [op_params …] [op_meta …]`…
    ///
    /// crmsh starts a new `<operations>` element at every run of `op`s, which
    /// Pacemaker's schema rejects when `meta`/`params` come between two runs;
    /// pacer collects all operations of a primitive in one element.
    fn operations(&mut self, out: &mut Element, with_keyword: bool) -> Result<()> {
        let idx = match out.children.iter().position(|c| c.name == "operations") {
            Some(i) => i,
            None => {
                out.push(Element::new("operations"));
                out.children.len() - 1
            }
        };
        if with_keyword {
            self.i += 1;
            match self.peek_text().and_then(idspec) {
                Some((k, v)) => {
                    self.i += 1;
                    out.children[idx].set_attr(k, v);
                }
                None => {
                    return Err(
                        self.err("expected $id=<id> or $id-ref=<id> after 'operations'".into())
                    )
                }
            }
        }
        while self.peek_is("op") {
            self.i += 1;
            let op = self.op()?;
            out.children[idx].push(op);
        }
        Ok(())
    }

    fn op(&mut self) -> Result<Element> {
        let name = self.identifier("an operation name (monitor, start, stop …)")?;
        let mut node = Element::new("op").with_attr("name", name);
        let start = self.i;
        let pairs = self.nvpairs();
        let mut inst: Option<Element> = None;
        let mut has_interval = false;
        for (k, nv) in pairs.into_iter().enumerate() {
            let at = start + k;
            let Some(n) = nv.attr("name").map(str::to_string) else {
                return Err(self.err_at(
                    at,
                    format!("op {name}: expected <attribute>=<value>, not a reference"),
                ));
            };
            if OP_ATTRS.contains(&n.as_str()) {
                let Some(v) = nv.attr("value") else {
                    return Err(self.err_at(at, format!("op {name}: '{n}' needs a value ({n}=…)")));
                };
                if n == "interval" {
                    has_interval = true;
                }
                if n == "name" {
                    return Err(self.err_at(
                        at,
                        format!("op {name}: the operation's name comes right after 'op'"),
                    ));
                }
                node.set_attr(&n, v);
            } else if let Some(hint) = op_attr_typo(&n) {
                return Err(self.err_at(
                    at,
                    format!("unknown operation attribute '{n}' (did you mean '{hint}'?)"),
                ));
            } else {
                inst.get_or_insert_with(|| Element::new("instance_attributes"))
                    .push(nv);
            }
        }
        if !has_interval {
            node.set_attr("interval", "0");
        }
        if let Some(i) = inst {
            node.push(i);
        }
        let saved = std::mem::take(&mut self.expected);
        self.attr_lists(
            &mut node,
            &[
                ("op_params", "instance_attributes"),
                ("op_meta", "meta_attributes"),
            ],
            None,
            false,
        )?;
        self.expected = saved;
        Ok(node)
    }

    /// `clone|ms <id> <rsc> [description=…] [params …] [meta …]`
    fn clone_(&mut self, tag: &'static str) -> Result<Element> {
        let kind = if tag == "master" { "ms" } else { "clone" };
        let id = self.object_id(kind)?;
        let mut out = Element::new(tag).with_attr("id", id);
        let child = self.resource("the resource to clone")?;
        if let Some(d) = self.description() {
            out.set_attr("description", d);
        }
        self.attr_lists(
            &mut out,
            &[
                ("params", "instance_attributes"),
                ("meta", "meta_attributes"),
            ],
            Some("params"),
            false,
        )?;
        out.push(Element::new("crmsh-ref").with_attr("id", child));
        Ok(out)
    }

    /// `group <id> <rsc>… [description=…] [params …] [meta …]`
    fn group(&mut self) -> Result<Element> {
        let id = self.object_id("group")?;
        let mut out = Element::new("group").with_attr("id", id);
        let mut children: Vec<&str> = Vec::new();
        while let Some(t) = self.peek_text() {
            if t.contains('=') || t.eq_ignore_ascii_case("params") || t.eq_ignore_ascii_case("meta")
            {
                break;
            }
            if children.contains(&t) {
                return Err(self.err(format!("'{t}' is listed twice in group \"{id}\"")));
            }
            children.push(t);
            self.i += 1;
        }
        if children.is_empty() {
            return Err(self.err(format!("group \"{id}\" needs at least one resource")));
        }
        if let Some(d) = self.description() {
            out.set_attr("description", d);
        }
        self.attr_lists(
            &mut out,
            &[
                ("params", "instance_attributes"),
                ("meta", "meta_attributes"),
            ],
            Some("params"),
            false,
        )?;
        for c in children {
            out.push(Element::new("crmsh-ref").with_attr("id", c));
        }
        Ok(out)
    }

    /// `location <id> <rsc> [role=<role>] [resource-discovery=…] <score>: <node>`
    /// or `location <id> <rsc> [role=…] [resource-discovery=…] rule … [rule …]`,
    /// where rsc is `<id>`, `/<pattern>/` or `{ <resource set> }`.
    fn location(&mut self) -> Result<Element> {
        let id = self.object_id("location")?;
        let mut out = Element::new("rsc_location").with_attr("id", id);
        let t = self.next_word("the resource: <rsc>, /<pattern>/ or { <resources> }")?;
        if t.len() > 2 && t.starts_with('/') && t.ends_with('/') {
            out.set_attr("rsc-pattern", &t[1..t.len() - 1]);
        } else if t == "{" {
            let start = self.i;
            while self.peek_text().is_some_and(|t| t != "}") {
                self.i += 1;
            }
            if !self.eat("}") {
                return Err(self.err("expected '}' to close the resource set".into()));
            }
            if self.i - 1 == start {
                return Err(self.err_at(start - 1, "empty resource set".into()));
            }
            let sets = self.resource_sets(start, self.i - 1, Qualifier::Role)?;
            for s in sets {
                out.push(s);
            }
        } else {
            self.i -= 1;
            let r = self.resource("the resource")?;
            out.set_attr("rsc", r);
        }
        while let Some(t) = self.peek_text() {
            let Some((k, v)) = t.split_once('=') else {
                break;
            };
            let k = k.strip_prefix('$').unwrap_or(k);
            match k {
                "role" => out.set_attr("role", v),
                "resource-discovery" => {
                    const RD: [&str; 3] = ["always", "never", "exclusive"];
                    if !RD.contains(&v) {
                        return Err(self.err(format!(
                            "resource-discovery must be one of {}, not '{v}'",
                            RD.join(", ")
                        )));
                    }
                    out.set_attr("resource-discovery", v);
                }
                _ => {
                    return Err(self.err(format!(
                    "unknown location attribute '{k}'{}; expected role=… or resource-discovery=…",
                    did_you_mean(k, &["role", "resource-discovery"])
                )))
                }
            }
            self.i += 1;
        }
        if let Some(s) = self.peek_text().and_then(score_word) {
            self.i += 1;
            match read_score(s) {
                ScoreWord::Score(v) => out.set_attr("score", v),
                ScoreWord::Attribute(a) => {
                    return Err(self.err_at(
                        self.i - 1,
                        format!(
                            "'{a}' is not a score; expected a number, inf or -inf before ':' \
                             (use a rule to take the score from a node attribute)"
                        ),
                    ))
                }
            }
            let node = self.identifier("the node name after the score")?;
            out.set_attr("node", node);
            if out.attr("role").is_none() {
                if let Some(role) = self.peek_text().and_then(role_word) {
                    self.i += 1;
                    out.set_attr("role", role);
                }
            }
            return Ok(out);
        }
        let rules = self.rules()?;
        if rules.is_empty() {
            self.expected = vec!["<score>: <node>", "rule"];
            return Err(self.err(format!(
                "expected <score>: <node> or rule …{}",
                self.peek_text()
                    .map(|t| format!(", found '{t}'"))
                    .unwrap_or_default()
            )));
        }
        for r in rules {
            out.push(r);
        }
        Ok(out)
    }

    /// `colocation <id> <score>: <rsc>[:<role>] <rsc>[:<role>] … [node-attribute=<attr>]`
    fn colocation(&mut self) -> Result<Element> {
        let id = self.object_id("colocation")?;
        let mut out = Element::new("rsc_colocation").with_attr("id", id);
        let Some(s) = self.peek_text().and_then(score_word) else {
            return Err(self.err("expected <score>: (a number, inf or -inf, then ':')".into()));
        };
        self.i += 1;
        match read_score(s) {
            ScoreWord::Score(v) => out.set_attr("score", v),
            ScoreWord::Attribute(a) => {
                return Err(self.err_at(
                    self.i - 1,
                    format!("'{a}' is not a score; expected a number, inf or -inf"),
                ))
            }
        }
        let mut end = self.toks.len();
        if let Some(v) = self.tail("node-attribute=") {
            out.set_attr("node-attribute", v.to_lowercase());
            end -= 1;
        }
        self.rsc_set(&mut out, end, Qualifier::Role, 2)?;
        Ok(out)
    }

    /// `order <id> [<kind>:|<score>:] <rsc>[:<action>] <rsc>[:<action>] … [symmetrical=<bool>]`
    fn order(&mut self) -> Result<Element> {
        let id = self.object_id("order")?;
        let mut out = Element::new("rsc_order").with_attr("id", id);
        if let Some(s) = self.peek_text().and_then(score_word) {
            if let Some(kind) = canonize(s, &ORDER_KINDS) {
                out.set_attr("kind", kind);
            } else if is_numeric_score(s) {
                let kind = if normalize_score(s) == "0" {
                    "Optional"
                } else {
                    "Mandatory"
                };
                out.set_attr("kind", kind);
            } else {
                return Err(self.err(format!(
                    "'{s}' is not an order kind{}; expected Mandatory:, Optional:, Serialize: or a score",
                    did_you_mean(s, &["mandatory", "optional", "serialize"])
                )));
            }
            self.i += 1;
        }
        let mut end = self.toks.len();
        if let Some(v) = self.tail("symmetrical=") {
            match cib::value::parse_bool(v) {
                Some(b) if !["y", "n"].contains(&v.to_ascii_lowercase().as_str()) => {
                    out.set_attr("symmetrical", if b { "true" } else { "false" });
                }
                _ => {
                    return Err(self.err_at(
                        self.toks.len() - 1,
                        format!("symmetrical must be true or false, not '{v}'"),
                    ))
                }
            }
            end -= 1;
        }
        self.rsc_set(&mut out, end, Qualifier::Action, 2)?;
        Ok(out)
    }

    /// `rsc_ticket <id> <ticket>: <rsc>[:<role>] [<rsc>[:<role>] …] [loss-policy=<policy>]`
    fn ticket(&mut self) -> Result<Element> {
        let id = self.object_id("rsc_ticket")?;
        let mut out = Element::new("rsc_ticket").with_attr("id", id);
        let Some(t) = self.peek_text().and_then(score_word) else {
            return Err(self.err("expected <ticket>: (the ticket name, then ':')".into()));
        };
        self.i += 1;
        out.set_attr("ticket", t);
        let mut end = self.toks.len();
        if let Some(v) = self.tail("loss-policy=") {
            const LP: [&str; 4] = ["stop", "demote", "fence", "freeze"];
            if !LP.contains(&v) {
                return Err(self.err_at(
                    self.toks.len() - 1,
                    format!("loss-policy must be one of {}, not '{v}'", LP.join(", ")),
                ));
            }
            out.set_attr("loss-policy", v);
            end -= 1;
        }
        self.rsc_set(&mut out, end, Qualifier::Role, 1)?;
        Ok(out)
    }

    /// The value of the statement's last word when it is `<prefix><value>`.
    fn tail(&self, prefix: &str) -> Option<&'a str> {
        if self.remaining() == 0 {
            return None;
        }
        let last = self.toks.last()?;
        let v = last.text.strip_prefix(prefix)?;
        (!v.is_empty()).then_some(v)
    }

    /// Exactly `count` words left: the simple form (`rsc=`/`with-rsc=` or
    /// `first=`/`then=`); otherwise resource sets.
    fn rsc_set(&mut self, out: &mut Element, end: usize, q: Qualifier, count: usize) -> Result<()> {
        self.rsc_set_inner(out, end, q, count)?;
        if self.i == end {
            // The tail word (node-attribute=, symmetrical=, loss-policy=) was read first.
            self.i = self.toks.len();
        }
        Ok(())
    }

    fn rsc_set_inner(
        &mut self,
        out: &mut Element,
        end: usize,
        q: Qualifier,
        count: usize,
    ) -> Result<()> {
        let n = end.saturating_sub(self.i);
        if n == count {
            let names: &[&str] = match (q, count) {
                (Qualifier::Action, _) => &["first", "then"],
                (Qualifier::Role, 1) => &["rsc"],
                _ => &["rsc", "with-rsc"],
            };
            for name in names {
                let at = self.i;
                let t = self.next_word("a resource")?;
                let parts: Vec<&str> = t.split(':').collect();
                let (rsc, qual) = match parts.as_slice() {
                    [r] => (*r, None),
                    [r, x] => (*r, Some(*x)),
                    _ => {
                        return Err(self
                            .err_at(at, format!("expected <rsc>[:<{}>], found '{t}'", q.name())))
                    }
                };
                if rsc.is_empty() {
                    return Err(
                        self.err_at(at, format!("expected <rsc>[:<{}>], found '{t}'", q.name()))
                    );
                }
                out.set_attr(name, rsc);
                if let Some(x) = qual.filter(|x| !x.is_empty()) {
                    if let Some(c) = canonize(x, q.values()) {
                        out.set_attr(&format!("{name}-{}", q.name()), c);
                    } else if x.bytes().all(|b| b.is_ascii_digit()) {
                        out.set_attr(&format!("{name}-instance"), x);
                    } else {
                        return Err(self.err_at(
                            at,
                            format!(
                                "invalid {} '{x}' for '{rsc}'{}; expected one of {}",
                                q.name(),
                                did_you_mean(x, q.values()),
                                q.values().join(", ")
                            ),
                        ));
                    }
                }
            }
            return Ok(());
        }
        let start = self.i;
        self.i = end;
        let sets = self.resource_sets(start, end, q)?;
        if sets.is_empty() {
            let one = format!("<rsc>[:<{}>]", q.name());
            return Err(self.err_at(
                start,
                format!("expected {} or resource sets", vec![one; count].join(" ")),
            ));
        }
        for s in sets {
            out.push(s);
        }
        Ok(())
    }

    /// crmsh's resource set syntax: `a b` is one sequential set, `( a b )` a
    /// set with sequential=false, `[ a b ]` one with require-all=false too;
    /// `sequential=`/`require-all=` words adjust the current set, and a change
    /// of role/action starts a new set.
    fn resource_sets(&mut self, start: usize, end: usize, q: Qualifier) -> Result<Vec<Element>> {
        // crmsh splits one bracket off the front or back of a word: "(a" → "(", "a".
        let mut words: Vec<(usize, String)> = Vec::new();
        for idx in start..end {
            let t = self.toks[idx].text.as_str();
            let first = t.chars().next();
            let last = t.chars().last();
            if t.len() > 1 && first.is_some_and(|c| c == '(' || c == '[') {
                words.push((idx, t[..1].to_string()));
                words.push((idx, t[1..].to_string()));
            } else if t.len() > 1 && last.is_some_and(|c| c == ')' || c == ']') {
                words.push((idx, t[..t.len() - 1].to_string()));
                words.push((idx, t[t.len() - 1..].to_string()));
            } else {
                words.push((idx, t.to_string()));
            }
        }
        let mut sets = Vec::new();
        let mut cur = Element::new("resource_set");
        let mut prev_q = String::new();
        let mut cur_attr = false;
        let mut opened: Option<char> = None;
        let mut sequential = true;
        let mut require_all = true;
        let save = |sets: &mut Vec<Element>,
                    cur: &mut Element,
                    prev_q: &mut String,
                    cur_attr: &mut bool,
                    sequential: bool,
                    require_all: bool| {
            if cur.children.is_empty() {
                return;
            }
            if !require_all {
                cur.set_attr("require-all", "false");
            }
            if !sequential {
                cur.set_attr("sequential", "false");
            }
            if *cur_attr {
                cur.set_attr(q.name(), prev_q.as_str());
            }
            sets.push(std::mem::replace(cur, Element::new("resource_set")));
            prev_q.clear();
            *cur_attr = false;
        };
        for (idx, w) in &words {
            let idx = *idx;
            match w.as_str() {
                "_rsc_set_" => continue,
                "(" | "[" => {
                    save(
                        &mut sets,
                        &mut cur,
                        &mut prev_q,
                        &mut cur_attr,
                        sequential,
                        require_all,
                    );
                    if opened.is_some() {
                        return Err(self.err_at(idx, "resource sets cannot be nested".into()));
                    }
                    sequential = false;
                    if w == "[" {
                        require_all = false;
                    }
                    opened = w.chars().next();
                    continue;
                }
                ")" | "]" => {
                    if cur.children.is_empty() {
                        return Err(self.err_at(idx, "empty resource set".into()));
                    }
                    save(
                        &mut sets,
                        &mut cur,
                        &mut prev_q,
                        &mut cur_attr,
                        sequential,
                        require_all,
                    );
                    let want = match opened {
                        Some('(') => ')',
                        Some(_) => ']',
                        None => {
                            return Err(self.err_at(idx, format!("'{w}' closes no resource set")))
                        }
                    };
                    if w.starts_with(want) {
                        sequential = true;
                        require_all = true;
                        opened = None;
                    } else {
                        return Err(self.err_at(
                            idx,
                            format!("'{w}' does not match the open bracket; expected '{want}'"),
                        ));
                    }
                    continue;
                }
                _ => {}
            }
            if let Some((k, v)) = w.split_once('=') {
                let b = match cib::value::parse_bool(v) {
                    Some(b)
                        if ["yes", "true", "on", "1", "no", "false", "off", "0"]
                            .contains(&v.to_ascii_lowercase().as_str()) =>
                    {
                        b
                    }
                    _ => return Err(self.err_at(idx, format!("{k}: '{v}' is not a boolean"))),
                };
                match k {
                    "sequential" => sequential = b,
                    "require-all" => require_all = b,
                    _ => {
                        return Err(self.err_at(
                            idx,
                            format!(
                                "unknown resource set attribute '{k}'{}; expected sequential= or require-all=",
                                did_you_mean(k, &["sequential", "require-all"])
                            ),
                        ))
                    }
                }
                continue;
            }
            let parts: Vec<&str> = w.split(':').collect();
            let (rsc, qual) = match parts.as_slice() {
                [r] => (*r, String::new()),
                [r, x] => match canonize(x, q.values()) {
                    Some(c) => (*r, c.to_string()),
                    None => {
                        return Err(self.err_at(
                            idx,
                            format!(
                                "invalid {} '{x}' for '{r}'{}; expected one of {}",
                                q.name(),
                                did_you_mean(x, q.values()),
                                q.values().join(", ")
                            ),
                        ))
                    }
                },
                _ => {
                    return Err(
                        self.err_at(idx, format!("expected <rsc>[:<{}>], found '{w}'", q.name()))
                    )
                }
            };
            if rsc.is_empty() {
                return Err(self.err_at(idx, format!("expected a resource, found '{w}'")));
            }
            if qual != prev_q {
                save(
                    &mut sets,
                    &mut cur,
                    &mut prev_q,
                    &mut cur_attr,
                    sequential,
                    require_all,
                );
                prev_q = qual.clone();
            }
            cur_attr = !qual.is_empty();
            cur.push(Element::new("resource_ref").with_attr("id", rsc));
        }
        if opened.is_some() {
            return Err(self.err_at(
                end.saturating_sub(1),
                "a resource set is never closed".into(),
            ));
        }
        save(
            &mut sets,
            &mut cur,
            &mut prev_q,
            &mut cur_attr,
            sequential,
            require_all,
        );
        Ok(sets)
    }

    /// `property [<id>:|$id=<id>] [rule …] <name>=<value>…` and likewise
    /// `rsc_defaults`, `op_defaults`.
    fn property(&mut self, kw: &str) -> Result<Element> {
        let (mut root, is_defaults) = match kw {
            "property" => (Element::new("cluster_property_set"), false),
            other => (Element::new(other), true),
        };
        let mut set = if is_defaults {
            Element::new("meta_attributes")
        } else {
            std::mem::take(&mut root)
        };
        self.object = Some(kw.to_string());
        if let Some(t) = self.peek_text() {
            if let Some((k, v)) = idspec(t) {
                set.set_attr(k, v);
                self.i += 1;
            } else if let Some(id) = t.strip_suffix(':') {
                if !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                {
                    set.set_attr("id", id);
                    self.i += 1;
                }
            }
        }
        if let Some(id) = set.attr("id") {
            self.object = Some(format!("{kw} \"{id}\""));
        }
        for r in self.rules()? {
            set.push(r);
        }
        for nv in self.nvpairs() {
            set.push(nv);
        }
        self.expected = vec!["<name>=<value>"];
        if is_defaults {
            root.push(set);
            Ok(root)
        } else {
            set.name = "cluster_property_set".into();
            Ok(set)
        }
    }

    /// `tag <id>[:] <rsc>…`
    /// `alert <id> <path> [description=…] [attributes …] [meta …]
    /// [select nodes|fencing|resources|attributes { <name>… }…]
    /// [to [{] <recipient> [description=…] [attributes …] [meta …] [}]]…`,
    /// as crmsh's `parse_alert` reads it (recipients get the ids
    /// `<id>-recipient-<n>`).
    fn alert(&mut self) -> Result<Element> {
        const CLAUSES: [&str; 4] = ["attributes", "meta", "select", "to"];
        const KINDS: [&str; 4] = ["nodes", "fencing", "resources", "attributes"];
        let id = self.object_id("alert")?;
        let path = self.next_word("the alert agent's path")?;
        let mut out = Element::new("alert")
            .with_attr("id", id)
            .with_attr("path", path);
        if let Some(d) = self.description() {
            out.set_attr("description", d);
        }
        let mut recipients = 0;
        while let Some(t) = self.peek_text() {
            self.expected = CLAUSES.to_vec();
            let lower = t.to_ascii_lowercase();
            match lower.as_str() {
                "attributes" | "meta" => {
                    self.i += 1;
                    self.stop_words = &["to", "select"];
                    let tag = if lower == "meta" {
                        "meta_attributes"
                    } else {
                        "instance_attributes"
                    };
                    if let Some(l) = self.attr_list(tag, true)? {
                        out.push(l);
                    }
                }
                "select" => {
                    self.i += 1;
                    let mut select: Option<Element> = None;
                    while let Some(k) = self.peek_text().map(str::to_ascii_lowercase) {
                        if !KINDS.contains(&k.as_str()) {
                            break;
                        }
                        // `attributes` without `{` starts an attribute list.
                        let brace = self.toks.get(self.i + 1).is_some_and(|t| t.text == "{");
                        if k == "attributes" && !brace {
                            break;
                        }
                        self.i += 1;
                        let mut kind = Element::new(format!("select_{k}"));
                        if k == "attributes" {
                            self.i += 1;
                            loop {
                                match self.peek_text() {
                                    Some("}") => {
                                        self.i += 1;
                                        break;
                                    }
                                    Some(name) if is_identifier(name) => {
                                        self.i += 1;
                                        kind.push(Element::new("attribute").with_attr("name", name));
                                    }
                                    Some(other) => {
                                        return Err(self.err(format!(
                                            "'{other}' is not an attribute name: write `select attributes {{ name1 name2 }}`"
                                        )))
                                    }
                                    None => {
                                        return Err(self.err(
                                            "`select attributes {` is not closed: end the names with `}`".into(),
                                        ))
                                    }
                                }
                            }
                        }
                        select
                            .get_or_insert_with(|| Element::new("select"))
                            .push(kind);
                    }
                    if let Some(sel) = select {
                        out.push(sel);
                    }
                }
                "to" => {
                    self.i += 1;
                    recipients += 1;
                    let brace = self.eat("{");
                    let value = self
                        .next_word("a recipient (a file, address or other value for the agent)")?;
                    let mut r = Element::new("recipient")
                        .with_attr("id", format!("{id}-recipient-{recipients}"))
                        .with_attr("value", value);
                    if let Some(d) = self.description() {
                        r.set_attr("description", d);
                    }
                    self.stop_words = if brace {
                        &["to", "select", "}"]
                    } else {
                        &["to", "select"]
                    };
                    while let Some(kw) = self.peek_text().map(str::to_ascii_lowercase) {
                        let tag = match kw.as_str() {
                            "attributes" => "instance_attributes",
                            "meta" => "meta_attributes",
                            _ => break,
                        };
                        self.i += 1;
                        if let Some(l) = self.attr_list(tag, true)? {
                            r.push(l);
                        }
                    }
                    if brace && !self.eat("}") {
                        return Err(self.err(format!(
                            "the recipient `{{ {value} …` is not closed: end it with `}}`"
                        )));
                    }
                    out.push(r);
                }
                _ => {
                    return Err(self.err(format!(
                    "unexpected '{t}' in alert \"{id}\"; expected attributes, meta, select or to"
                )))
                }
            }
        }
        self.stop_words = &[];
        Ok(out)
    }

    fn tag(&mut self) -> Result<Element> {
        let t = self.next_word("the tag's name")?;
        let id = t.strip_suffix(':').unwrap_or(t);
        self.object = Some(format!("tag \"{id}\""));
        if !is_valid_id(id) {
            return Err(self.err_at(self.i - 1, format!("'{id}' is not a valid tag name")));
        }
        let mut out = Element::new("tag").with_attr("id", id);
        while self.peek().is_some() {
            let r = self.resource("a resource to tag")?;
            out.push(Element::new("obj_ref").with_attr("id", r));
        }
        if out.children.is_empty() {
            return Err(self.err(format!("tag \"{id}\" needs at least one resource")));
        }
        Ok(out)
    }
}

/// `$id=<v>` / `$id-ref=<v>` (any case) → ("id"|"id-ref", v).
fn idspec(t: &str) -> Option<(&'static str, &str)> {
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("$id-ref=") {
        Some(("id-ref", &t[8..]))
    } else if lower.starts_with("$id=") {
        Some(("id", &t[4..]))
    } else {
        None
    }
}

/// `role=<r>` / `$role=<r>` (any case) → r.
fn role_word(t: &str) -> Option<&str> {
    let s = t.strip_prefix('$').unwrap_or(t);
    match (s.get(..5), s.get(5..)) {
        (Some(k), Some(v)) if k.eq_ignore_ascii_case("role=") && !v.is_empty() => Some(v),
        _ => None,
    }
}

/// A misspelt operation attribute: a lower-case word within two edits of a
/// real one. crmsh would silently make it an operation parameter (an
/// `instance_attributes` nvpair of the op), which is almost never meant; real
/// operation parameters (`OCF_CHECK_LEVEL`, `depth`) are not that close.
fn op_attr_typo(name: &str) -> Option<&'static str> {
    if name.len() < 4 || name.chars().any(|c| c.is_ascii_uppercase() || c == '_') {
        return None;
    }
    crate::error::closest(name, &OP_ATTRS, 2).filter(|c| *c != "id" && *c != "name")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    Role,
    Action,
}

impl Qualifier {
    fn name(self) -> &'static str {
        match self {
            Qualifier::Role => "role",
            Qualifier::Action => "action",
        }
    }
    fn values(self) -> &'static [&'static str] {
        match self {
            Qualifier::Role => &ROLES,
            Qualifier::Action => &ACTIONS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Element {
        let mut v = parse(s).expect("parse");
        assert_eq!(v.len(), 1);
        v.remove(0).el
    }

    fn err(s: &str) -> String {
        parse(s).expect_err("error").to_string()
    }

    #[test]
    fn primitive_with_everything() {
        let e = one("primitive ip IPaddr2 params ip=1.2.3.4 op monitor interval=10s OCF_CHECK_LEVEL=10 op_meta a=b meta target-role=Stopped");
        assert_eq!(e.attr("class"), Some("ocf"));
        assert_eq!(e.attr("provider"), Some("heartbeat"));
        let ops = e.child("operations").expect("ops");
        let op = &ops.children[0];
        assert_eq!(op.attr("interval"), Some("10s"));
        assert_eq!(op.children.len(), 2);
    }

    #[test]
    fn misspelt_op_attribute() {
        assert_eq!(
            err("\n\nprimitive web Dummy op monitor intervall=10s"),
            "line 3, column 32: primitive \"web\": unknown operation attribute 'intervall' (did you mean 'interval'?)"
        );
    }

    #[test]
    fn leftovers_are_reported() {
        let m = err("primitive a Dummy op monitor interval=1 bogus:word");
        assert!(m.contains("unexpected 'bogus:word'"), "{m}");
    }

    #[test]
    fn sets() {
        let e = one("colocation c inf: ( a b ) c:Master [ d e ]");
        let sets: Vec<_> = e.children.iter().collect();
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].attr("sequential"), Some("false"));
        assert_eq!(sets[1].attr("role"), Some("Master"));
        assert_eq!(sets[2].attr("require-all"), Some("false"));
    }
}
