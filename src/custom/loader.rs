//! Loading tool files: one TOML file per tool, every problem reported as `file:line: message`, bad files skipped.
//! The loader does not log: the server logs the problems, `tools validate` prints them.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::CustomTool;
use super::params::{ParamEntry, parse_params};
use super::spec::{DEFAULT_LIMIT, MAX_LIMIT, Method, ParamType, ToolKind};
use super::template::Template;
use super::toml_source::{Ctx, string_value, type_name};
use super::value::Target;
use super::{LIMIT_ARG, OFFSET_ARG, RESERVED_QUERY_PARAMS};

/// Largest tool file read; a bigger one is a mistake (or not a tool file).
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Longest tool or parameter name; some MCP clients refuse tool names over 64 characters.
pub(crate) const MAX_NAME_LEN: usize = 64;

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, as found in the directory.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

/// The outcome of loading a directory: the good tools, and every problem of the files that were skipped.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Valid tools, ordered by file name.
    pub tools: Vec<CustomTool>,
    /// Problems, ordered by file name then line; a file with any problem contributes no tool.
    pub problems: Vec<Problem>,
    /// How many tool files were examined.
    pub files: usize,
}

impl LoadReport {
    /// No problems at all.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The directory itself could not be read (a file that cannot be read is a [`Problem`] instead).
#[derive(Debug, thiserror::Error)]
#[error("cannot read the tools directory {}: {source}", dir.display())]
pub struct LoadError {
    /// The directory.
    pub dir: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Loads every `*.toml` file directly in `dir` (hidden files and subdirectories are ignored), refusing the names
/// in `reserved`: the tools already in the catalog (built-ins and tools registered in code), which the catalog
/// names, not this module. When two files declare one name, the first by file name keeps it and the other is
/// reported and skipped.
pub fn load_dir(dir: &Path, reserved: &[&str]) -> Result<LoadReport, LoadError> {
    let err = |source| LoadError {
        dir: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        let visible = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.'));
        if visible && path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut report = LoadReport {
        files: files.len(),
        ..LoadReport::default()
    };
    for path in files {
        let loaded = read_file(&path).and_then(|text| parse_file(&path, &text, reserved));
        match loaded {
            Ok((tool, name_line)) => {
                if let Some(first) = report.tools.iter().find(|t| t.name == tool.name) {
                    report.problems.push(Problem {
                        file: path,
                        line: name_line,
                        message: format!(
                            "tool name `{}` is already used by {}; this file is skipped",
                            tool.name,
                            first.source.display()
                        ),
                    });
                } else {
                    report.tools.push(tool);
                }
            }
            Err(mut problems) => report.problems.append(&mut problems),
        }
    }
    Ok(report)
}

fn read_file(path: &Path) -> Result<String, Vec<Problem>> {
    let problem = |line: usize, message: String| {
        vec![Problem {
            file: path.to_owned(),
            line,
            message,
        }]
    };
    let size = std::fs::metadata(path)
        .map_err(|e| problem(1, format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(problem(
            1,
            format!("file is {size} bytes; a tool file may have at most {MAX_FILE_BYTES}"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| problem(1, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        problem(line, "the file is not valid UTF-8".into())
    })
}

/// Parses one tool file's text, refusing the names in `reserved` as [`load_dir`] does; `file` is only used in
/// problems and [`CustomTool::source`].
pub fn parse_tool(file: &Path, text: &str, reserved: &[&str]) -> Result<CustomTool, Vec<Problem>> {
    parse_file(file, text, reserved).map(|(tool, _)| tool)
}

pub(crate) fn is_name(s: &str) -> bool {
    let mut b = s.bytes();
    s.len() <= MAX_NAME_LEN
        && matches!(b.next(), Some(b'a'..=b'z'))
        && b.all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

fn integer_value(v: &DeValue<'_>) -> Option<i64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

const SUITEQL_KEYS: &[&str] = &["query", "limit"];
const RESTLET_KEYS: &[&str] = &["script", "deploy", "method"];
const COMMON_KEYS: &[&str] = &[
    "name",
    "description",
    "read_only",
    "destructive",
    "kind",
    "params",
];

/// Top-level values of a file, by key.
#[derive(Default)]
struct Top<'t, 'i> {
    name: Option<&'t Spanned<DeValue<'i>>>,
    description: Option<&'t Spanned<DeValue<'i>>>,
    read_only: Option<&'t Spanned<DeValue<'i>>>,
    destructive: Option<&'t Spanned<DeValue<'i>>>,
    kind: Option<&'t Spanned<DeValue<'i>>>,
    params: Option<&'t Spanned<DeValue<'i>>>,
    query: Option<&'t Spanned<DeValue<'i>>>,
    limit: Option<&'t Spanned<DeValue<'i>>>,
    script: Option<&'t Spanned<DeValue<'i>>>,
    deploy: Option<&'t Spanned<DeValue<'i>>>,
    method: Option<&'t Spanned<DeValue<'i>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KindName {
    Suiteql,
    Restlet,
}

fn parse_file(
    file: &Path,
    text: &str,
    reserved: &[&str],
) -> Result<(CustomTool, usize), Vec<Problem>> {
    let mut ctx = Ctx::new(file, text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let line = e.span().map_or(1, |s| ctx.line(s.start));
            ctx.at_line(line, format!("TOML syntax: {}", e.message().trim()));
        }
        return Err(ctx.problems);
    }
    let mut top = Top::default();
    for (key, value) in doc.get_ref().iter() {
        let slot = match key.get_ref().as_ref() {
            "name" => &mut top.name,
            "description" => &mut top.description,
            "read_only" => &mut top.read_only,
            "destructive" => &mut top.destructive,
            "kind" => &mut top.kind,
            "params" => &mut top.params,
            "query" => &mut top.query,
            "limit" => &mut top.limit,
            "script" => &mut top.script,
            "deploy" => &mut top.deploy,
            "method" => &mut top.method,
            other => {
                let mut allowed = COMMON_KEYS.to_vec();
                allowed.extend_from_slice(SUITEQL_KEYS);
                allowed.extend_from_slice(RESTLET_KEYS);
                ctx.at(
                    key.span().start,
                    format!("unknown key `{other}`; allowed: {}", allowed.join(", ")),
                );
                continue;
            }
        };
        *slot = Some(value);
    }

    let name = match top.name {
        Some(v) => string_value(&mut ctx, "name", v).and_then(|n| {
            if !is_name(n) {
                ctx.at(
                    v.span().start,
                    format!("tool name `{n}` must match [a-z][a-z0-9_]* and have at most {MAX_NAME_LEN} characters"),
                );
                None
            } else if reserved.contains(&n) {
                ctx.at(
                    v.span().start,
                    format!("tool name `{n}` is taken by a built-in tool; choose another"),
                );
                None
            } else {
                Some((n.to_owned(), ctx.line(v.span().start)))
            }
        }),
        None => {
            ctx.at_line(1, "missing `name`, e.g. name = \"open_invoices\"");
            None
        }
    };
    let description = match top.description {
        Some(v) => string_value(&mut ctx, "description", v).map(|d| d.trim().to_owned()),
        None => {
            ctx.at_line(
                1,
                "missing `description`: tell the model what the tool returns and when to use it",
            );
            None
        }
    };
    let kind = match top.kind {
        Some(v) => match string_value(&mut ctx, "kind", v) {
            Some("suiteql") => Some(KindName::Suiteql),
            Some("restlet") => Some(KindName::Restlet),
            Some(other) => {
                ctx.at(
                    v.span().start,
                    format!("unknown kind `{other}`; use \"suiteql\" or \"restlet\""),
                );
                None
            }
            None => None,
        },
        None => {
            ctx.at_line(
                1,
                "missing `kind`: add kind = \"suiteql\" or kind = \"restlet\"",
            );
            None
        }
    };
    // Keys of the other kind are mistakes worth naming precisely.
    let misplaced: &[(&str, Option<&Spanned<DeValue<'_>>>, KindName)] = &[
        ("query", top.query, KindName::Suiteql),
        ("limit", top.limit, KindName::Suiteql),
        ("script", top.script, KindName::Restlet),
        ("deploy", top.deploy, KindName::Restlet),
        ("method", top.method, KindName::Restlet),
    ];
    if let Some(k) = kind {
        for (key, v, owner) in misplaced {
            if let Some(v) = v
                && *owner != k
            {
                let owner = if *owner == KindName::Suiteql {
                    "suiteql"
                } else {
                    "restlet"
                };
                ctx.at(
                    v.span().start,
                    format!("`{key}` is only for kind = \"{owner}\""),
                );
            }
        }
    }
    let read_only = boolean(&mut ctx, "read_only", top.read_only);
    let destructive = boolean(&mut ctx, "destructive", top.destructive);
    let target = if kind == Some(KindName::Restlet) {
        Target::Restlet
    } else {
        Target::Sql
    };
    let params = parse_params(&mut ctx, top.params, target);

    let tool_kind = match kind {
        Some(KindName::Suiteql) => suiteql_kind(&mut ctx, &top, params.as_deref(), read_only),
        Some(KindName::Restlet) => restlet_kind(&mut ctx, &top, params.as_deref()),
        None => None,
    };
    match (name, description, tool_kind, params) {
        (Some((name, name_line)), Some(description), Some(kind), Some(params))
            if ctx.problems.is_empty() =>
        {
            let read_only = match kind {
                ToolKind::Suiteql { .. } => true,
                ToolKind::Restlet { .. } => read_only.is_some_and(|(b, _)| b),
            };
            if let Some((true, at)) = destructive.filter(|_| read_only) {
                ctx.at(
                    at,
                    "a tool that only reads cannot be destructive: remove `destructive` (or, for a restlet tool \
                     that writes, set read_only = false)",
                );
                return Err(ctx.problems);
            }
            // A tool that writes is destructive unless its file says otherwise (MCP's default, and the
            // conservative one: hosts and NETSUITE_MCP_CONFIRM_WRITES ask before destructive calls).
            let destructive = !read_only && destructive.is_none_or(|(b, _)| b);
            let Some(params) = params.into_iter().map(|e| e.param).collect() else {
                return Err(ctx.problems);
            };
            Ok((
                CustomTool {
                    name,
                    description,
                    read_only,
                    destructive,
                    kind,
                    params,
                    source: file.to_owned(),
                },
                name_line,
            ))
        }
        _ => {
            let mut problems = ctx.problems;
            problems.sort_by_key(|p| p.line);
            Err(problems)
        }
    }
}

type Params = [ParamEntry];

/// A `true`/`false` value of `key`, with where it is; a problem for anything else.
fn boolean(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: Option<&Spanned<DeValue<'_>>>,
) -> Option<(bool, usize)> {
    value.and_then(|v| match v.get_ref() {
        DeValue::Boolean(b) => Some((*b, v.span().start)),
        other => {
            ctx.at(
                v.span().start,
                format!("`{key}` must be true or false, found {}", type_name(other)),
            );
            None
        }
    })
}

fn suiteql_kind(
    ctx: &mut Ctx<'_>,
    top: &Top<'_, '_>,
    params: Option<&Params>,
    read_only: Option<(bool, usize)>,
) -> Option<ToolKind> {
    if let Some((false, at)) = read_only {
        ctx.at(
            at,
            "suiteql tools only read: remove `read_only` or set it to true",
        );
    }
    let limit = match top.limit {
        None => Some(DEFAULT_LIMIT),
        Some(v) => match integer_value(v.get_ref()) {
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => u32::try_from(n).ok(),
            _ => {
                ctx.at(
                    v.span().start,
                    format!("`limit` must be an integer from 1 to {MAX_LIMIT}"),
                );
                None
            }
        },
    };
    let Some(qv) = top.query else {
        ctx.at_line(
            1,
            "missing `query`: the SuiteQL the tool runs, with {{param}} placeholders",
        );
        return None;
    };
    let query = string_value(ctx, "query", qv)?;
    let line_of = query_lines(ctx, qv.span(), query);
    let template = match Template::parse(query) {
        Ok(t) => t,
        Err(issues) => {
            for i in issues {
                ctx.at_line(line_of(i.offset), i.message);
            }
            return None;
        }
    };
    for (name, reserved) in [(LIMIT_ARG, "rows per page"), (OFFSET_ARG, "rows to skip")] {
        if let Some(e) = params.into_iter().flatten().find(|e| e.name == name) {
            ctx.at(
                e.at,
                format!(
                    "parameter `{name}` is reserved: every suiteql tool takes `{name}` ({reserved})"
                ),
            );
        }
    }
    if let Some(params) = params {
        for ph in template.placeholders() {
            match params.iter().find(|e| e.name == ph.name) {
                None => ctx.at_line(
                    line_of(ph.offset),
                    format!("placeholder {{{{{}}}}} has no [params.{}]", ph.name, ph.name),
                ),
                Some(e) if ph.parenthesized && e.ty.is_some_and(ParamType::is_list) => ctx.at_line(
                    line_of(ph.offset),
                    format!(
                        "list placeholder {{{{{0}}}}} renders its own parentheses; write IN {{{{{0}}}}}",
                        ph.name
                    ),
                ),
                Some(_) => {}
            }
        }
        for e in params {
            if !template.placeholders().iter().any(|ph| ph.name == e.name) {
                ctx.at(
                    e.at,
                    format!("parameter `{}` is never used in the query", e.name),
                );
            }
        }
    }
    Some(ToolKind::Suiteql {
        template,
        limit: limit?,
    })
}

/// Maps a byte offset in the decoded `query` string to a file line. Exact unless the string uses escapes that
/// add or remove newlines (`\n`, or a line-ending backslash in a basic string).
fn query_lines(
    ctx: &Ctx<'_>,
    span: std::ops::Range<usize>,
    decoded: &str,
) -> impl Fn(usize) -> usize + use<> {
    let raw = ctx.src.get(span.clone()).unwrap_or_default();
    let delim = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|d| raw.starts_with(d))
        .unwrap_or_default();
    let mut start = span.start + delim.len();
    if delim.len() == 3 {
        let after = ctx.src.get(start..).unwrap_or_default();
        if after.starts_with("\r\n") {
            start += 2;
        } else if after.starts_with('\n') {
            start += 1;
        }
    }
    let first_line = ctx.line(start);
    let newlines: Vec<usize> = decoded.match_indices('\n').map(|(i, _)| i).collect();
    move |offset| first_line + newlines.partition_point(|&n| n < offset)
}

fn restlet_kind(ctx: &mut Ctx<'_>, top: &Top<'_, '_>, params: Option<&Params>) -> Option<ToolKind> {
    let id = |ctx: &mut Ctx<'_>, key: &str, v: Option<&Spanned<DeValue<'_>>>| -> Option<String> {
        let Some(v) = v else {
            ctx.at_line(
                1,
                format!("missing `{key}`: the RESTlet's {key} id (a number or a custom{key}_… id)"),
            );
            return None;
        };
        let value = match v.get_ref() {
            DeValue::Integer(_) => integer_value(v.get_ref())
                .filter(|n| *n >= 1)
                .map(|n| n.to_string()),
            DeValue::String(s) => {
                let ok = !s.is_empty()
                    && s.len() <= 100
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                ok.then(|| s.to_string())
            }
            _ => None,
        };
        if value.is_none() {
            ctx.at(
                v.span().start,
                format!("`{key}` must be a positive integer or an id of lowercase letters, digits and `_`"),
            );
        }
        value
    };
    let script = id(ctx, "script", top.script);
    let deploy = id(ctx, "deploy", top.deploy);
    let method = match top.method {
        None => Some(Method::Get),
        Some(v) => match v.get_ref() {
            DeValue::String(s) if Method::parse(s).is_some() => Method::parse(s),
            _ => {
                ctx.at(
                    v.span().start,
                    "`method` must be \"GET\", \"POST\", \"PUT\" or \"DELETE\"",
                );
                None
            }
        },
    };
    if let (Some(m), Some(params)) = (method, params)
        && !m.has_body()
    {
        for e in params {
            if RESERVED_QUERY_PARAMS.contains(&e.name.as_str()) {
                ctx.at(
                    e.at,
                    format!(
                        "parameter `{}` is reserved: NetSuite reads it from the query string of a {} RESTlet call",
                        e.name,
                        m.as_str()
                    ),
                );
            }
        }
    }
    Some(ToolKind::Restlet {
        script: script?,
        deploy: deploy?,
        method: method?,
    })
}
