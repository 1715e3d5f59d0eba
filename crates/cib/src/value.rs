//! Typed attribute values that remember how they were written.
//!
//! Pacemaker accepts several spellings for the same value (`true`/`yes`/`1`,
//! `INFINITY`/`+INFINITY`, `10s`/`10000ms`, `Master`/`Promoted`). The model keeps
//! both the parsed value (for the code that reads the CIB) and the original text
//! (so a document written back is the document that was read). See [`Typed`].

use std::fmt;

use crate::score::Score;

/// A value read from an XML attribute: the exact text, and the value it means.
///
/// The value is `None` when the text is not valid for the type and the
/// document was read leniently (as Pacemaker reads a CIB: it logs a
/// configuration error and carries on with the attribute's default). A strict
/// read refuses such text instead. Equality compares the text too, so a round
/// trip that changed a spelling is caught.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Typed<T> {
    raw: String,
    value: Option<T>,
}

impl<T: AttrValue> Typed<T> {
    /// Parses `raw`; the error says what kind of value was expected.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = T::parse_attr(raw)?;
        Ok(Typed {
            raw: raw.to_string(),
            value: Some(value),
        })
    }

    /// Keeps `raw` even when it is not valid (the value is then `None`).
    pub fn parse_lenient(raw: &str) -> (Self, Option<String>) {
        match T::parse_attr(raw) {
            Ok(v) => (
                Typed {
                    raw: raw.to_string(),
                    value: Some(v),
                },
                None,
            ),
            Err(expected) => (
                Typed {
                    raw: raw.to_string(),
                    value: T::parse_tolerant(raw),
                },
                Some(expected),
            ),
        }
    }

    /// A value made by code rather than read from XML: written in canonical form.
    pub fn new(value: T) -> Self {
        Typed {
            raw: value.to_attr(),
            value: Some(value),
        }
    }
}

impl<T: Copy> Typed<T> {
    /// The value, or `None` when the text was not valid (and Pacemaker would
    /// fall back to the attribute's default).
    pub fn get(&self) -> Option<T> {
        self.value
    }
}

impl<T> Typed<T> {
    /// The text as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }
    pub fn is_valid(&self) -> bool {
        self.value.is_some()
    }
}

/// Reading an optional typed attribute: absent and invalid both give `None`.
pub trait TypedOpt<T> {
    fn val(&self) -> Option<T>;
}

impl<T: Copy> TypedOpt<T> for Option<Typed<T>> {
    fn val(&self) -> Option<T> {
        self.as_ref().and_then(Typed::get)
    }
}

impl<T: fmt::Debug> fmt::Debug for Typed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{:?}({:?})", v, self.raw),
            None => write!(f, "Invalid({:?})", self.raw),
        }
    }
}

impl<T> fmt::Display for Typed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A type that can be read from and written to an XML attribute.
pub trait AttrValue: Sized {
    /// Parses an attribute's text; `Err` describes what was expected.
    fn parse_attr(s: &str) -> Result<Self, String>;
    /// The value Pacemaker would still give text that [`AttrValue::parse_attr`]
    /// refuses, when it gives one (a lenient read keeps it, with a warning).
    fn parse_tolerant(_s: &str) -> Option<Self> {
        None
    }
    /// The canonical spelling Pacemaker itself writes.
    fn to_attr(&self) -> String;
}

impl AttrValue for bool {
    fn parse_attr(s: &str) -> Result<Self, String> {
        parse_bool(s).ok_or_else(|| "a boolean (true/false, yes/no, on/off, 1/0)".to_string())
    }
    fn to_attr(&self) -> String {
        if *self { "true" } else { "false" }.to_string()
    }
}

impl AttrValue for Score {
    fn parse_attr(s: &str) -> Result<Self, String> {
        Score::parse(s).map_err(|_| {
            "a score: an integer, INFINITY, +INFINITY, -INFINITY, red, yellow or green".to_string()
        })
    }
    fn to_attr(&self) -> String {
        self.to_string()
    }
}

impl AttrValue for i64 {
    fn parse_attr(s: &str) -> Result<Self, String> {
        s.trim().parse().map_err(|_| "an integer".to_string())
    }
    fn to_attr(&self) -> String {
        self.to_string()
    }
}

/// Pacemaker's boolean spellings (`crm_str_to_boolean`): case-insensitive
/// true/on/yes/y/1 and false/off/no/n/0.
pub fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    const TRUE: [&str; 5] = ["true", "on", "yes", "y", "1"];
    const FALSE: [&str; 5] = ["false", "off", "no", "n", "0"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(true)
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(false)
    } else {
        None
    }
}

/// `crm_is_true`: anything that is not a true spelling is false.
pub fn is_true(s: Option<&str>) -> bool {
    s.and_then(parse_bool).unwrap_or(false)
}

/// A time span in milliseconds, as written in `interval`, `timeout`, `start-delay`
/// and the like: a number with an optional unit (`ms`, `msec`, `us`, `usec`, `s`,
/// `sec`, `m`, `min`, `h`, `hr`; seconds when absent) or an ISO 8601 duration
/// (`PT30S`, `P1DT2H`).
///
/// A strict read accepts exactly those spellings; the value is always what
/// Pacemaker computes for the text ([`parse_duration_ms`]), quirks included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DurationMs(pub u64);

impl AttrValue for DurationMs {
    fn parse_attr(s: &str) -> Result<Self, String> {
        let expected = || {
            "a duration such as 10s, 500ms, 2min, 1h or PT30S (a bare number means seconds)"
                .to_string()
        };
        if !is_plain_duration(s) && crate::iso8601::Duration::parse(s.trim()).is_err() {
            return Err(expected());
        }
        parse_duration_ms(s).map(DurationMs).ok_or_else(expected)
    }
    fn parse_tolerant(s: &str) -> Option<Self> {
        parse_duration_ms(s).map(DurationMs)
    }
    fn to_attr(&self) -> String {
        if self.0 % 1000 == 0 {
            format!("{}s", self.0 / 1000)
        } else {
            format!("{}ms", self.0)
        }
    }
}

/// `<digits>[.<digits>][ ]<unit>` with one of the units Pacemaker documents.
fn is_plain_duration(input: &str) -> bool {
    let s = input.trim();
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let mut rest = &s[digits..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let unit = rest.trim().to_ascii_lowercase();
    matches!(
        unit.as_str(),
        "" | "ms" | "msec" | "us" | "usec" | "s" | "sec" | "m" | "min" | "h" | "hr"
    )
}

/// The milliseconds Pacemaker's `crm_parse_interval_spec` computes for a
/// duration text, with its quirks (units read by their first letter, `P1D`
/// counted as 0 …); see [`crate::rules::parse_interval_spec`]. `None` when
/// Pacemaker would reject it (and use 0).
pub fn parse_duration_ms(input: &str) -> Option<u64> {
    crate::rules::parse_interval_spec(input).map(u64::from)
}

/// Defines a closed enum of attribute spellings. The first spelling listed for a
/// variant is its canonical one; the others are accepted aliases (matched without
/// regard to case, as Pacemaker does).
macro_rules! attr_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident => [$($spelling:literal),+]),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => [$($spelling),+][0]),+ }
            }
        }

        impl $crate::value::AttrValue for $name {
            fn parse_attr(s: &str) -> Result<Self, String> {
                let t = s.trim();
                $( if [$($spelling),+].iter().any(|x: &&str| x.eq_ignore_ascii_case(t)) {
                    return Ok($name::$variant);
                } )+
                let all: Vec<&str> = vec![$([$($spelling),+][0]),+];
                Err(format!("{} (one of: {})", $what, all.join(", ")))
            }
            fn to_attr(&self) -> String {
                self.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

attr_enum!(
    /// A resource role. `Master`/`Slave` are the legacy names of Promoted/Unpromoted.
    Role, "a role" {
        Unknown => ["Unknown"],
        Stopped => ["Stopped"],
        Started => ["Started"],
        Unpromoted => ["Unpromoted", "Slave"],
        Promoted => ["Promoted", "Master"],
    }
);

attr_enum!(
    /// Resource agent standard (the `class` attribute).
    RscClass, "a resource class" {
        Ocf => ["ocf"],
        Lsb => ["lsb"],
        Service => ["service"],
        Systemd => ["systemd"],
        Stonith => ["stonith"],
        Upstart => ["upstart"],
        Nagios => ["nagios"],
        Heartbeat => ["heartbeat"],
    }
);

attr_enum!(
    /// `boolean-op` of a rule.
    BoolOp, "a boolean operator" { And => ["and"], Or => ["or"] }
);

attr_enum!(
    /// `operation` of an `expression`.
    ExprOp, "an expression operation" {
        Lt => ["lt"], Gt => ["gt"], Lte => ["lte"], Gte => ["gte"],
        Eq => ["eq"], Ne => ["ne"], Defined => ["defined"], NotDefined => ["not_defined"],
    }
);

attr_enum!(
    /// `type` of an `expression`: how the two sides are compared.
    ExprType, "a comparison type" {
        String => ["string"], Integer => ["integer"], Number => ["number"], Version => ["version"],
    }
);

attr_enum!(
    /// `value-source` of an `expression`.
    ValueSource, "a value source" { Literal => ["literal"], Param => ["param"], Meta => ["meta"] }
);

attr_enum!(
    /// `operation` of a `date_expression`.
    DateOp, "a date operation" {
        InRange => ["in_range"], Gt => ["gt"], Lt => ["lt"], DateSpec => ["date_spec"],
    }
);

attr_enum!(
    /// `kind` of an ordering constraint.
    OrderKind, "an order kind" {
        Mandatory => ["Mandatory"], Optional => ["Optional"], Serialize => ["Serialize"],
    }
);

attr_enum!(
    /// The action an ordering or resource set refers to.
    RscAction, "an action" {
        Start => ["start"], Stop => ["stop"], Promote => ["promote"], Demote => ["demote"],
    }
);

attr_enum!(
    /// `loss-policy` of a ticket constraint.
    LossPolicy, "a loss policy" {
        Stop => ["stop"], Demote => ["demote"], Fence => ["fence"], Freeze => ["freeze"],
    }
);

attr_enum!(
    /// `resource-discovery` of a location constraint.
    ResourceDiscovery, "a resource-discovery mode" {
        Always => ["always"], Never => ["never"], Exclusive => ["exclusive"],
    }
);

attr_enum!(
    /// `on-fail` of an operation.
    OnFail, "an on-fail policy" {
        Ignore => ["ignore"], Block => ["block"], Stop => ["stop"], Restart => ["restart"],
        Standby => ["standby"], Fence => ["fence"], Demote => ["demote"],
        RestartContainer => ["restart-container"], ResetRemote => ["reset-remote"],
    }
);

attr_enum!(
    /// `type` of a configured node.
    NodeType, "a node type" {
        Member => ["member"], Normal => ["normal"], Remote => ["remote"], Ping => ["ping"],
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_accept_pacemaker_spellings() {
        for t in ["true", "TRUE", "on", "yes", "Y", "1"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "Off", "no", "n", "0"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
        assert!(!is_true(Some("maybe")));
        assert!(!is_true(None));
    }

    #[test]
    fn durations_follow_crm_get_msec() {
        let strict = |t: &str| DurationMs::parse_attr(t).map(|d| d.0).ok();
        assert_eq!(strict("10"), Some(10_000));
        assert_eq!(strict("10s"), Some(10_000));
        assert_eq!(strict("10sec"), Some(10_000));
        assert_eq!(strict("500ms"), Some(500));
        assert_eq!(strict("500msec"), Some(500));
        assert_eq!(strict("2000us"), Some(2));
        assert_eq!(strict("2m"), Some(120_000));
        assert_eq!(strict("2min"), Some(120_000));
        assert_eq!(strict("1h"), Some(3_600_000));
        assert_eq!(strict("1hr"), Some(3_600_000));
        assert_eq!(strict(" 15 s "), Some(15_000));
        assert_eq!(strict("1.5s"), Some(1_000));
        assert_eq!(strict("PT30S"), Some(30_000));
        assert_eq!(strict("P10S"), Some(10_000));
        for bad in ["10x", "", "s", "2 mango"] {
            assert_eq!(strict(bad), None, "{bad:?}");
        }
        // Pacemaker reads units by their first letter and counts ISO days as
        // ordinals; the value is Pacemaker's, a lenient read keeps it.
        assert_eq!(parse_duration_ms("2 mango"), Some(120_000));
        let (kept, why) = Typed::<DurationMs>::parse_lenient("2 mango");
        assert!(why.is_some());
        assert_eq!(kept.get(), Some(DurationMs(120_000)));
        assert_eq!(strict("P1D"), Some(0));
        assert_eq!(strict("P2D"), Some(86_400_000));
    }

    #[test]
    fn typed_keeps_spelling() {
        let r: Typed<Role> = Typed::parse("Master").expect("role");
        assert_eq!(r.get(), Some(Role::Promoted));
        assert_eq!(r.raw(), "Master");
        assert_ne!(r, Typed::new(Role::Promoted));
        assert_eq!(Typed::new(Role::Promoted).raw(), "Promoted");
        let e = Typed::<Role>::parse("Boss").expect_err("bad role");
        assert!(e.contains("Promoted"), "{e}");
        let (kept, why) = Typed::<Role>::parse_lenient("Boss");
        assert_eq!(kept.raw(), "Boss");
        assert_eq!(kept.get(), None);
        assert!(why.is_some());
    }
}
