//! Reading a tool file's TOML: byte offsets to lines, the problems of one file, and typed reads of values that
//! report `file:line` problems. Shared by the loader and the parameter parser.

use std::path::Path;

use toml::Spanned;
use toml::de::DeValue;

use super::Problem;

/// Byte offsets to lines, and the problems of one file.
pub(crate) struct Ctx<'a> {
    pub(crate) src: &'a str,
    file: &'a Path,
    line_starts: Vec<usize>,
    pub(crate) problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(file: &'a Path, src: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Ctx {
            src,
            file,
            line_starts,
            problems: Vec::new(),
        }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }

    /// Records a problem at a byte offset.
    pub(crate) fn at(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line(offset);
        self.at_line(line, message);
    }

    pub(crate) fn at_line(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line,
            message: message.into(),
        });
    }
}

pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A non-empty string value, or a problem.
pub(crate) fn string_value<'v>(
    ctx: &mut Ctx<'_>,
    key: &str,
    v: &'v Spanned<DeValue<'_>>,
) -> Option<&'v str> {
    match v.get_ref() {
        DeValue::String(s) if !s.trim().is_empty() => Some(s.as_ref()),
        DeValue::String(_) => {
            ctx.at(v.span().start, format!("`{key}` must not be empty"));
            None
        }
        other => {
            ctx.at(
                v.span().start,
                format!("`{key}` must be a string, found {}", type_name(other)),
            );
            None
        }
    }
}
