//! The checked form of a custom tool file (design.md §1.4): parameter types, constraints and tool kinds.
//! Everything here was validated by the loader; the types keep fields private where an invariant matters.

use std::fmt;

use regex::Regex;

use super::template::Template;

/// Page size of a suiteql tool when its file sets no `limit` (the same as `run_suiteql`).
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page NetSuite serves.
pub const MAX_LIMIT: u32 = 1000;
/// Most elements a list argument may have (Oracle's limit on the expressions of one `IN` list).
pub const MAX_LIST_LEN: usize = 1000;

/// A scalar parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// Text, rendered as a single-quoted literal.
    String,
    /// A whole number in the `i64` range.
    Integer,
    /// A finite decimal number.
    Number,
    /// `true`/`false`, rendered `'T'`/`'F'`.
    Boolean,
    /// A calendar date `YYYY-MM-DD`.
    Date,
}

impl ScalarType {
    /// The name used in tool files.
    pub fn as_str(self) -> &'static str {
        match self {
            ScalarType::String => "string",
            ScalarType::Integer => "integer",
            ScalarType::Number => "number",
            ScalarType::Boolean => "boolean",
            ScalarType::Date => "date",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => ScalarType::String,
            "integer" => ScalarType::Integer,
            "number" => ScalarType::Number,
            "boolean" => ScalarType::Boolean,
            "date" => ScalarType::Date,
            _ => return None,
        })
    }
}

/// The declared type of a parameter: a scalar, or a non-empty list of one scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// One value.
    Scalar(ScalarType),
    /// `list<T>`: one or more values of `T`.
    List(ScalarType),
}

impl ParamType {
    /// Parses `string`, `integer`, `number`, `boolean`, `date` or `list<T>` of one of these.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        match s.strip_prefix("list<").and_then(|r| r.strip_suffix('>')) {
            Some(inner) => ScalarType::parse(inner.trim()).map(ParamType::List),
            None => ScalarType::parse(s).map(ParamType::Scalar),
        }
    }

    /// The type of one value (the element type for lists).
    pub fn element(self) -> ScalarType {
        match self {
            ParamType::Scalar(t) | ParamType::List(t) => t,
        }
    }

    /// Whether this is `list<T>`.
    pub fn is_list(self) -> bool {
        matches!(self, ParamType::List(_))
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::Scalar(t) => f.write_str(t.as_str()),
            ParamType::List(t) => write!(f, "list<{}>", t.as_str()),
        }
    }
}

/// A checked value of a scalar type.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Text without forbidden characters.
    String(String),
    /// A whole number.
    Integer(i64),
    /// A finite number.
    Number(f64),
    /// A boolean.
    Boolean(bool),
    /// A real calendar date.
    Date(time::Date),
}

impl Scalar {
    /// Orders two values of the same numeric or date type (`None` for other pairs).
    pub(crate) fn compare(&self, other: &Scalar) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Scalar::Integer(a), Scalar::Integer(b)) => Some(a.cmp(b)),
            (Scalar::Number(a), Scalar::Number(b)) => a.partial_cmp(b),
            (Scalar::Date(a), Scalar::Date(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Scalar {
    /// The plain (unquoted) text of the value, as used in messages and RESTlet query parameters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::String(s) => f.write_str(s),
            Scalar::Integer(i) => write!(f, "{i}"),
            // `Display` for f64 never uses an exponent and prints the shortest digits that read back exactly.
            Scalar::Number(n) => write!(f, "{n}"),
            Scalar::Boolean(b) => write!(f, "{b}"),
            Scalar::Date(d) => f.write_str(&format_date(*d)),
        }
    }
}

/// A checked argument: one value, or a non-empty list for `list<T>` parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgValue {
    /// A scalar parameter's value.
    One(Scalar),
    /// A list parameter's values (never empty).
    List(Vec<Scalar>),
}

/// A `pattern` constraint: the regex source as written and the compiled, whole-value-anchored form.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub(crate) source: String,
    pub(crate) regex: Regex,
}

impl Pattern {
    /// The pattern as written in the file.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The anchored form `^(?:…)$` used for matching and in the JSON Schema.
    pub fn anchored(&self) -> &str {
        self.regex.as_str()
    }

    /// Whether the whole of `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

/// One parameter of a custom tool.
#[derive(Debug, Clone)]
pub struct Param {
    pub(crate) name: String,
    pub(crate) ty: ParamType,
    pub(crate) description: String,
    pub(crate) min: Option<Scalar>,
    pub(crate) max: Option<Scalar>,
    pub(crate) max_length: Option<usize>,
    pub(crate) allowed: Option<Vec<Scalar>>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) default: Option<serde_json::Value>,
}

impl Param {
    /// The parameter (and argument) name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The declared type.
    pub fn ty(&self) -> ParamType {
        self.ty
    }
    /// The model-facing description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Inclusive lower bound (integer, number and date parameters; each element for lists).
    pub fn min(&self) -> Option<&Scalar> {
        self.min.as_ref()
    }
    /// Inclusive upper bound.
    pub fn max(&self) -> Option<&Scalar> {
        self.max.as_ref()
    }
    /// Longest string in characters (string parameters).
    pub fn max_length(&self) -> Option<usize> {
        self.max_length
    }
    /// The only values allowed (`enum` in the file).
    pub fn allowed(&self) -> Option<&[Scalar]> {
        self.allowed.as_deref()
    }
    /// Regex every string must match as a whole.
    pub fn pattern(&self) -> Option<&Pattern> {
        self.pattern.as_ref()
    }
    /// The default, as JSON (already checked against every constraint); `None` means required.
    pub fn default(&self) -> Option<&serde_json::Value> {
        self.default.as_ref()
    }
    /// Absent and no default.
    pub fn is_required(&self) -> bool {
        self.default.is_none()
    }
}

/// HTTP method of a RESTlet tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Arguments go in the query string.
    Get,
    /// Arguments go in a JSON body.
    Post,
    /// Arguments go in a JSON body.
    Put,
    /// Arguments go in the query string.
    Delete,
}

impl Method {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    /// Whether arguments travel in a JSON body (POST, PUT) rather than the query string (GET, DELETE).
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put)
    }
}

/// What a custom tool runs.
#[derive(Debug, Clone)]
pub enum ToolKind {
    /// A SuiteQL query template.
    Suiteql {
        /// The parsed template.
        template: Template,
        /// Default page size.
        limit: u32,
    },
    /// A RESTlet call.
    Restlet {
        /// Script id: digits or a `customscript_…` id.
        script: String,
        /// Deployment id: digits or a `customdeploy_…` id.
        deploy: String,
        /// HTTP method.
        method: Method,
    },
}

impl ToolKind {
    /// `suiteql` or `restlet`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ToolKind::Suiteql { .. } => "suiteql",
            ToolKind::Restlet { .. } => "restlet",
        }
    }
}

/// A date value in its one written form, `YYYY-MM-DD` (file defaults, schemas, RESTlet bodies, SQL literals).
pub(crate) fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
