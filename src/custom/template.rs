//! SuiteQL query templates: a small lexer that knows Oracle's quoting and comment rules, splits a template into
//! text and `{{name}}` placeholders, and refuses every construct that could let a rendered literal be read as
//! anything but one literal.
//!
//! Rules (checked when the file loads, reported at the offending line):
//! - a placeholder is `{{name}}` (spaces inside the braces allowed) and may appear only outside string literals,
//!   quoted identifiers and comments: inside them it would not be replaced by a literal, so writing `'{{x}}'`
//!   is refused rather than silently changing meaning (the rendered value is quoted for you);
//! - a placeholder must not touch an identifier character, a quote, a `.` or another placeholder, so a literal
//!   can never merge with the text around it (`N{{s}}`, `{{a}}{{b}}`, `''{{s}}`);
//! - no `;` outside quotes and comments: a template is exactly one statement;
//! - no braces other than placeholders, no `[`, `]` or backquotes (not SuiteQL; SQLite would read them as
//!   identifier quotes), and no Oracle `q'…'` literals (their end marker is not a doubled quote);
//! - the statement starts with `SELECT` or `WITH`.

/// Byte offset into the template plus what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateIssue {
    /// Byte offset in the template text.
    pub offset: usize,
    /// What is wrong, for a `file:line: message` report.
    pub message: String,
}

/// One occurrence of a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Parameter name.
    pub name: String,
    /// Byte offset of `{{` in the template.
    pub offset: usize,
    /// Written as `( {{name}} )`: wrong for lists, which render their own parentheses.
    pub parenthesized: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Text(String),
    Param(String),
}

/// Counts of lexical structures; rendering must add exactly the string literals it renders and nothing else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    pub strings: usize,
    pub quoted_identifiers: usize,
    pub comments: usize,
}

/// A parsed SuiteQL template.
#[derive(Debug, Clone)]
pub struct Template {
    pub(crate) segments: Vec<Segment>,
    placeholders: Vec<Placeholder>,
    pub(crate) shape: Shape,
}

impl Template {
    /// Parses and checks a template; every problem found is returned.
    pub fn parse(src: &str) -> Result<Template, Vec<TemplateIssue>> {
        let scan = scan(src, Mode::Template);
        let mut issues = scan.issues;
        if let Some(issue) = first_keyword_issue(src) {
            issues.insert(0, issue);
        }
        if issues.is_empty() {
            Ok(Template {
                segments: scan.segments,
                placeholders: scan.placeholders,
                shape: scan.shape,
            })
        } else {
            Err(issues)
        }
    }

    /// Every placeholder occurrence, in order.
    pub fn placeholders(&self) -> &[Placeholder] {
        &self.placeholders
    }
}

/// Checks a rendered query: one statement, nothing unterminated, and the expected lexical shape.
pub(crate) fn verify_rendered(query: &str, expected: Shape) -> Result<(), String> {
    let scan = scan(query, Mode::Rendered);
    if let Some(issue) = scan.issues.first() {
        return Err(issue.message.clone());
    }
    if scan.shape != expected {
        return Err(format!(
            "the rendered query has an unexpected shape ({:?}, expected {:?})",
            scan.shape, expected
        ));
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Template,
    Rendered,
}

#[derive(Clone, Copy)]
enum State {
    Normal,
    Single(usize),
    Double(usize),
    Line,
    Block(usize),
}

struct Scan {
    segments: Vec<Segment>,
    placeholders: Vec<Placeholder>,
    issues: Vec<TemplateIssue>,
    shape: Shape,
}

fn is_ident(b: u8) -> bool {
    // Bytes of multi-byte UTF-8 characters count as identifier characters: Oracle allows letters beyond ASCII.
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'#') || b >= 0x80
}

/// A parameter name: an ASCII letter, then letters, digits and `_` (camelCase allowed: RESTlet query
/// parameters often use it).
pub(crate) fn is_param_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= MAX_PARAM_NAME_LEN
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Longest parameter name.
pub(crate) const MAX_PARAM_NAME_LEN: usize = 64;

fn scan(src: &str, mode: Mode) -> Scan {
    let b = src.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut out = Scan {
        segments: Vec::new(),
        placeholders: Vec::new(),
        issues: Vec::new(),
        shape: Shape::default(),
    };
    let mut issue =
        |offset: usize, message: String| out.issues.push(TemplateIssue { offset, message });
    let mut segments = Vec::new();
    let mut placeholders = Vec::new();
    let mut shape = Shape::default();
    let mut state = State::Normal;
    let mut text_start = 0;
    let mut last_placeholder_end = None;
    let mut i = 0;
    while i < b.len() {
        let (c, next) = (b[i], at(i + 1));
        let opens_placeholder = c == b'{' && next == b'{' && mode == Mode::Template;
        match state {
            State::Normal => match c {
                b'\'' => {
                    shape.strings += 1;
                    state = State::Single(i);
                }
                b'"' => {
                    shape.quoted_identifiers += 1;
                    state = State::Double(i);
                }
                b'-' if next == b'-' => {
                    shape.comments += 1;
                    state = State::Line;
                    i += 1;
                }
                b'/' if next == b'*' => {
                    shape.comments += 1;
                    state = State::Block(i);
                    i += 1;
                }
                b';' => issue(
                    i,
                    "`;` outside a string: a query must be exactly one statement (remove the `;`)".into(),
                ),
                b'q' | b'Q' if next == b'\'' => issue(
                    i,
                    "Oracle q'…' literals are not supported in templates; use '…' with doubled quotes".into(),
                ),
                b'[' | b']' | b'`' => issue(
                    i,
                    format!("`{}` is not SuiteQL syntax; quote identifiers with double quotes", c as char),
                ),
                _ if opens_placeholder => {
                    let Some(len) = src[i + 2..].find("}}") else {
                        issue(i, "`{{` without a closing `}}`".into());
                        break;
                    };
                    let end = i + 2 + len + 2;
                    let inner = src[i + 2..i + 2 + len].trim();
                    if !is_param_name(inner) {
                        issue(
                            i,
                            format!(
                                "malformed placeholder `{}`: write {{{{name}}}} with a name of letters, digits and `_`",
                                &src[i..end]
                            ),
                        );
                    } else {
                        adjacency_issues(b, i, end, last_placeholder_end, inner, &mut issue);
                        segments.push(Segment::Text(src[text_start..i].to_owned()));
                        segments.push(Segment::Param(inner.to_owned()));
                        placeholders.push(Placeholder {
                            name: inner.to_owned(),
                            offset: i,
                            parenthesized: prev_significant(b, i) == Some(b'(')
                                && next_significant(b, end) == Some(b')'),
                        });
                    }
                    text_start = end;
                    last_placeholder_end = Some(end);
                    i = end;
                    continue;
                }
                b'{' | b'}' => issue(
                    i,
                    "braces are only allowed as {{placeholder}}; SuiteQL has no other use for them".into(),
                ),
                _ => {}
            },
            State::Single(_) => {
                if c == b'\'' {
                    if next == b'\'' {
                        i += 1;
                    } else {
                        state = State::Normal;
                    }
                } else if opens_placeholder {
                    issue(i, "placeholder inside a string literal is not replaced; write {{name}} without quotes (the value is quoted for you)".into());
                    i += 1;
                }
            }
            State::Double(_) => {
                if c == b'"' {
                    state = State::Normal;
                } else if opens_placeholder {
                    issue(i, "placeholder inside a quoted identifier is not allowed".into());
                    i += 1;
                }
            }
            State::Line => {
                if c == b'\n' {
                    state = State::Normal;
                } else if opens_placeholder {
                    issue(i, "placeholder inside a comment is not replaced; move it out of the comment".into());
                    i += 1;
                }
            }
            State::Block(_) => {
                if c == b'*' && next == b'/' {
                    state = State::Normal;
                    i += 1;
                } else if opens_placeholder {
                    issue(i, "placeholder inside a comment is not replaced; move it out of the comment".into());
                    i += 1;
                }
            }
        }
        i += 1;
    }
    let mut tail = src.get(text_start..).unwrap_or_default().to_owned();
    match state {
        State::Normal => {}
        // A final line comment gets its newline so that nothing appended later can be commented out.
        State::Line => tail.push('\n'),
        State::Single(start) => issue(start, "string literal is never closed".into()),
        State::Double(start) => issue(start, "quoted identifier is never closed".into()),
        State::Block(start) => issue(start, "comment /* is never closed".into()),
    }
    segments.push(Segment::Text(tail));
    out.segments = segments;
    out.placeholders = placeholders;
    out.shape = shape;
    out
}

fn adjacency_issues(
    b: &[u8],
    start: usize,
    end: usize,
    last_placeholder_end: Option<usize>,
    name: &str,
    issue: &mut impl FnMut(usize, String),
) {
    let touches = |x: u8| is_ident(x) || matches!(x, b'\'' | b'"' | b'.');
    let before = start.checked_sub(1).and_then(|p| b.get(p).copied());
    if last_placeholder_end == Some(start) || before.is_some_and(touches) {
        issue(
            start,
            format!(
                "placeholder {{{{{name}}}}} touches the text before it; separate it with a space or an operator"
            ),
        );
    }
    let after = b.get(end).copied();
    if after.is_some_and(|x| touches(x) || x == b'{') {
        issue(
            start,
            format!(
                "placeholder {{{{{name}}}}} touches the text after it; separate it with a space or an operator"
            ),
        );
    }
}

fn prev_significant(b: &[u8], i: usize) -> Option<u8> {
    b[..i]
        .iter()
        .rev()
        .copied()
        .find(|x| !x.is_ascii_whitespace())
}

fn next_significant(b: &[u8], i: usize) -> Option<u8> {
    b.get(i..)?
        .iter()
        .copied()
        .find(|x| !x.is_ascii_whitespace())
}

/// The first word after whitespace and comments must be SELECT or WITH: SuiteQL only reads.
fn first_keyword_issue(src: &str) -> Option<TemplateIssue> {
    let mut rest = src;
    loop {
        let trimmed = rest.trim_start();
        if let Some(r) = trimmed.strip_prefix("--") {
            rest = r.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if let Some(r) = trimmed.strip_prefix("/*") {
            rest = r.split_once("*/").map(|(_, r)| r).unwrap_or("");
        } else {
            rest = trimmed;
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if word.eq_ignore_ascii_case("select") || word.eq_ignore_ascii_case("with") {
        None
    } else {
        Some(TemplateIssue {
            offset: src.len() - rest.len(),
            message: "a SuiteQL query must start with SELECT or WITH".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(src: &str) -> Vec<String> {
        match Template::parse(src) {
            Ok(_) => Vec::new(),
            Err(v) => v.into_iter().map(|i| i.message).collect(),
        }
    }

    fn names(src: &str) -> Vec<String> {
        Template::parse(src)
            .unwrap()
            .placeholders()
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    #[test]
    fn finds_placeholders_outside_quotes_and_comments() {
        assert_eq!(
            names("SELECT a FROM t WHERE a = {{x}} AND b IN {{ ys }} AND c > {{x}}"),
            ["x", "ys", "x"]
        );
        assert_eq!(
            names("SELECT 'it''s', \"col\" FROM t -- c\nWHERE a = {{x}}"),
            ["x"]
        );
    }

    #[test]
    fn refuses_placeholders_inside_quotes_and_comments() {
        for t in [
            "SELECT a FROM t WHERE a = '{{x}}'",
            "SELECT a FROM t WHERE a = 'it''s {{x}}'",
            "SELECT \"{{x}}\" FROM t",
            "SELECT a FROM t -- {{x}}\n",
            "SELECT a FROM t /* {{x}} */",
        ] {
            let found = issues(t);
            assert_eq!(found.len(), 1, "{t}: {found:?}");
            assert!(found[0].contains("inside"), "{t}: {found:?}");
        }
    }

    #[test]
    fn refuses_semicolons_outside_quotes_only() {
        assert!(issues("SELECT 'a;b' FROM t /* ; */ -- ;\n").is_empty());
        assert!(issues("SELECT a FROM t;")[0].contains("one statement"));
        assert!(issues("SELECT a FROM t; DELETE FROM t")[0].contains("one statement"));
    }

    #[test]
    fn refuses_unterminated_constructs() {
        assert!(issues("SELECT 'a FROM t")[0].contains("never closed"));
        assert!(issues("SELECT \"a FROM t")[0].contains("never closed"));
        assert!(issues("SELECT a FROM t /* x")[0].contains("never closed"));
        assert!(issues("SELECT a FROM t WHERE a = {{x")[0].contains("closing"));
    }

    #[test]
    fn refuses_placeholders_touching_text() {
        for t in [
            "SELECT a FROM t WHERE a = N{{x}}",
            "SELECT a FROM t WHERE a = {{x}}{{y}}",
            "SELECT a FROM t WHERE a = ''{{x}}",
            "SELECT a FROM t WHERE a = {{x}}''",
            "SELECT a FROM t WHERE a = t.{{x}}",
            "SELECT a FROM t WHERE a = {{x}}.5",
            "SELECT a FROM t WHERE a = {{x}}b",
        ] {
            assert!(issues(t).iter().any(|m| m.contains("touches")), "{t}");
        }
        assert!(issues("SELECT a FROM t WHERE a=-{{x}} AND b IN({{y}})").is_empty());
    }

    #[test]
    fn refuses_foreign_quoting_and_stray_braces() {
        assert!(issues("SELECT q'[a' {{x}} ']' FROM t")[0].contains("q'"));
        assert!(issues("SELECT [a] FROM t")[0].contains("not SuiteQL"));
        assert!(issues("SELECT `a` FROM t")[0].contains("not SuiteQL"));
        assert!(issues("SELECT {a} FROM t")[0].contains("braces"));
        assert!(issues("SELECT a FROM t WHERE a = {{ bad-name }}")[0].contains("malformed"));
    }

    #[test]
    fn must_start_with_select_or_with() {
        assert!(issues("  -- c\n/* d */ select 1 FROM dual").is_empty());
        assert!(issues("WITH x AS (SELECT 1 FROM dual) SELECT * FROM x").is_empty());
        assert!(issues("DELETE FROM t")[0].contains("SELECT or WITH"));
        assert!(issues("")[0].contains("SELECT or WITH"));
    }

    #[test]
    fn marks_parenthesized_placeholders() {
        let t = Template::parse("SELECT a FROM t WHERE a IN ( {{x}} ) AND b IN {{y}}").unwrap();
        assert!(t.placeholders()[0].parenthesized);
        assert!(!t.placeholders()[1].parenthesized);
    }

    #[test]
    fn trailing_line_comment_gets_a_newline() {
        let t = Template::parse("SELECT a FROM t -- done").unwrap();
        match t.segments.last() {
            Some(Segment::Text(s)) => assert!(s.ends_with("done\n")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn verify_rendered_checks_shape() {
        let t = Template::parse("SELECT a FROM t WHERE a = {{x}}").unwrap();
        let mut want = t.shape;
        want.strings += 1;
        assert!(verify_rendered("SELECT a FROM t WHERE a = 'x''y'", want).is_ok());
        assert!(verify_rendered("SELECT a FROM t WHERE a = 'x' OR 'a'='a'", want).is_err());
        assert!(verify_rendered("SELECT a FROM t WHERE a = 'x'; DROP TABLE t", want).is_err());
        assert!(verify_rendered("SELECT a FROM t WHERE a = 'x' -- ", want).is_err());
    }
}
