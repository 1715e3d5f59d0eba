//! Text → statements → tokens, the way crmsh reads a file.
//!
//! crmsh first joins physical lines into *logical* lines: every line is
//! stripped of surrounding white space, and a line ending in `\` is glued to
//! the next one (the backslashes are dropped, nothing is inserted in their
//! place). Empty logical lines are dropped and one starting with `#` is a
//! comment. Each remaining logical line is one statement, split into words by
//! POSIX shell rules (Python's `shlex.split`): white space separates words,
//! `'…'` quotes literally, `"…"` quotes with `\"` and `\\` as the only
//! escapes, a `\` outside quotes takes the next character literally, and
//! quoted and unquoted parts of one word are concatenated (`a"b c"` is `ab c`).
//! `#` is an ordinary character inside a statement (`#uname`).
//!
//! The tokenizer is written by hand rather than generated (e.g. with `logos`):
//! shell words are not regular tokens — quotes switch state in the middle of
//! a word and the escape rules differ per state — and every token must carry
//! the physical line and column it started at even though continuation lines
//! were glued together. A small state machine says all that directly.

use crate::error::{Error, Pos};

/// One shell word, with the position of its first character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub pos: Pos,
}

/// One logical line: its words, and its text (for `xml` statements, whose
/// rest is XML rather than shell words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub tokens: Vec<Token>,
    /// The logical line as crmsh sees it (continuations joined).
    pub text: String,
    /// Position of each character of `text`.
    positions: Vec<Pos>,
    /// Physical line the statement starts on.
    pub line: u32,
}

impl Statement {
    /// The text after the first word (for `xml …`), trimmed.
    pub fn rest_after_first_word(&self) -> &str {
        let t = self.text.trim_start();
        let end = t.find(char::is_whitespace).unwrap_or(t.len());
        t[end..].trim()
    }

    /// Position of the character at byte offset `at` in `text`.
    fn pos_at(&self, at: usize) -> Pos {
        let idx = self.text[..at.min(self.text.len())].chars().count();
        self.positions.get(idx).copied().unwrap_or(Pos {
            line: self.line,
            col: 0,
        })
    }
}

/// Python's `str.strip()` white space (ASCII and Unicode).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || c == '\x1c' || c == '\x1d' || c == '\x1e' || c == '\x1f'
}

/// Splits text into statements (logical lines), dropping comments and blank lines.
pub fn statements(input: &str) -> Result<Vec<Statement>, Error> {
    let mut out = Vec::new();
    let mut cum_text = String::new();
    let mut cum_pos: Vec<Pos> = Vec::new();
    let mut start_line = 0u32;
    for (i, raw) in input.split('\n').enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        // Strip, remembering columns of what is left.
        let chars: Vec<char> = raw.chars().collect();
        let first = chars.iter().position(|c| !is_py_space(*c));
        let last = chars.iter().rposition(|c| !is_py_space(*c));
        let (lo, hi) = match (first, last) {
            (Some(lo), Some(hi)) => (lo, hi + 1),
            _ => (0, 0),
        };
        let mut body = &chars[lo..hi];
        let continued = body.last() == Some(&'\\');
        if continued {
            while body.last() == Some(&'\\') {
                body = &body[..body.len() - 1];
            }
        }
        if cum_text.is_empty() && cum_pos.is_empty() {
            start_line = line_no;
        }
        for (k, c) in body.iter().enumerate() {
            cum_text.push(*c);
            cum_pos.push(Pos {
                line: line_no,
                col: u32::try_from(lo + k + 1).unwrap_or(u32::MAX),
            });
        }
        if !continued {
            finish(&mut out, &mut cum_text, &mut cum_pos, start_line)?;
        }
    }
    if !cum_text.is_empty() {
        finish(&mut out, &mut cum_text, &mut cum_pos, start_line)?;
    }
    Ok(out)
}

fn finish(
    out: &mut Vec<Statement>,
    text: &mut String,
    pos: &mut Vec<Pos>,
    line: u32,
) -> Result<(), Error> {
    let t = std::mem::take(text);
    let p = std::mem::take(pos);
    // crmsh strips the joined line again.
    let chars: Vec<char> = t.chars().collect();
    let first = chars.iter().position(|c| !is_py_space(*c));
    let last = chars.iter().rposition(|c| !is_py_space(*c));
    let (lo, hi) = match (first, last) {
        (Some(lo), Some(hi)) => (lo, hi + 1),
        _ => return Ok(()),
    };
    let text: String = chars[lo..hi].iter().collect();
    let positions = p.get(lo..hi).map(<[Pos]>::to_vec).unwrap_or_default();
    let line = positions.first().map(|p| p.line).unwrap_or(line);
    if text.starts_with('#') {
        return Ok(());
    }
    let mut st = Statement {
        tokens: Vec::new(),
        text,
        positions,
        line,
    };
    st.tokens = split_words(&st)?;
    out.push(st);
    Ok(())
}

/// POSIX shell word splitting of one statement.
fn split_words(st: &Statement) -> Result<Vec<Token>, Error> {
    #[derive(PartialEq)]
    enum State {
        Between,
        Word,
        Single,
        Double,
    }
    let mut tokens = Vec::new();
    let mut state = State::Between;
    let mut word = String::new();
    let mut word_start = 0usize;
    let mut quote_start = 0usize;
    let text = st.text.as_str();
    let mut it = text.char_indices().peekable();
    while let Some((at, c)) = it.next() {
        match state {
            State::Between | State::Word => {
                if c.is_whitespace() {
                    if state == State::Word {
                        tokens.push(Token {
                            text: std::mem::take(&mut word),
                            pos: st.pos_at(word_start),
                        });
                        state = State::Between;
                    }
                    continue;
                }
                if state == State::Between {
                    word_start = at;
                    state = State::Word;
                }
                match c {
                    '\\' => match it.next() {
                        Some((_, n)) => word.push(n),
                        None => {
                            return Err(Error::Syntax {
                                pos: st.pos_at(at),
                                object: None,
                                message: "a backslash at the end of the statement escapes nothing"
                                    .into(),
                            })
                        }
                    },
                    '\'' => {
                        quote_start = at;
                        state = State::Single;
                    }
                    '"' => {
                        quote_start = at;
                        state = State::Double;
                    }
                    c => word.push(c),
                }
            }
            State::Single => {
                if c == '\'' {
                    state = State::Word;
                } else {
                    word.push(c);
                }
            }
            State::Double => match c {
                '"' => state = State::Word,
                '\\' => match it.peek() {
                    Some(&(_, n)) if n == '"' || n == '\\' => {
                        word.push(n);
                        it.next();
                    }
                    _ => word.push('\\'),
                },
                c => word.push(c),
            },
        }
    }
    match state {
        State::Single | State::Double => Err(Error::Syntax {
            pos: st.pos_at(quote_start),
            object: None,
            message: format!(
                "this {} quote is never closed",
                if state == State::Single {
                    "single"
                } else {
                    "double"
                }
            ),
        }),
        State::Word => {
            tokens.push(Token {
                text: word,
                pos: st.pos_at(word_start),
            });
            Ok(tokens)
        }
        State::Between => Ok(tokens),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Vec<String>> {
        statements(s)
            .expect("lex")
            .into_iter()
            .map(|st| st.tokens.into_iter().map(|t| t.text).collect())
            .collect()
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            words(r#"params a="x y" b='p q' c=r\ s d="say \"hi\"" e="a\b" f="" g=a"b c"d"#),
            vec![vec![
                "params",
                "a=x y",
                "b=p q",
                "c=r s",
                r#"d=say "hi""#,
                r"e=a\b",
                "f=",
                "g=ab cd"
            ]]
        );
    }

    #[test]
    fn continuations_comments_and_positions() {
        let text = "# comment\nprimitive a \\\n\tDummy \\\n  params x=1\n\n  group g a\n";
        let sts = statements(text).expect("lex");
        assert_eq!(sts.len(), 2);
        assert_eq!(sts[0].line, 2);
        assert_eq!(sts[0].text, "primitive a Dummy params x=1");
        let t = &sts[0].tokens[2];
        assert_eq!((t.text.as_str(), t.pos.line, t.pos.col), ("Dummy", 3, 2));
        let t = &sts[0].tokens[4];
        assert_eq!((t.text.as_str(), t.pos.line, t.pos.col), ("x=1", 4, 10));
        assert_eq!(sts[1].line, 6);
        assert_eq!(sts[1].tokens[0].pos.col, 3);
    }

    #[test]
    fn continuation_glues_without_space() {
        assert_eq!(words("a=1\\\nb"), vec![vec!["a=1b"]]);
    }

    #[test]
    fn unclosed_quote_is_an_error_with_position() {
        let e = statements("\nprimitive a Dummy params x=\"oops").expect_err("unclosed");
        assert_eq!(
            e.to_string(),
            "line 2, column 28: this double quote is never closed"
        );
    }
}
