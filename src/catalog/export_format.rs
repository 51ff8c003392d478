//! The text of an export: CSV per RFC 4180 or JSON Lines, from a SuiteQL table (columns + rows of JSON values).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum ExportFormat {
    // Plain comments: doc comments on variants would turn the schema's `enum` into a `oneOf`.
    // Comma-separated values (RFC 4180): a header row, then one line per row.
    #[default]
    Csv,
    // JSON Lines: one JSON object per row, with every column (null where empty).
    Jsonl,
}

impl ExportFormat {
    /// The MIME type of the file.
    pub fn mime_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::Jsonl => "application/jsonl",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The whole file for `columns` and `rows`.
    pub fn render(self, columns: &[String], rows: &[Vec<Value>]) -> String {
        match self {
            ExportFormat::Csv => to_csv(columns, rows),
            ExportFormat::Jsonl => to_jsonl(columns, rows),
        }
    }
}

/// CSV per RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, a quote, CR or LF, and
/// quotes inside doubled. Null is an empty field; strings are written as they are; other JSON values (NetSuite
/// sends strings, so these are rare) as their JSON text.
pub fn to_csv(columns: &[String], rows: &[Vec<Value>]) -> String {
    let mut out = String::new();
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    write_record(&mut out, header.iter().copied());
    for row in rows {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        write_record(&mut out, cells.iter().map(String::as_str));
    }
    out
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    let fields: Vec<&str> = fields.collect();
    // A record of one empty field would be a blank line, which many readers skip: quote it.
    if let [""] = fields.as_slice() {
        out.push_str("\"\"\r\n");
        return;
    }
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

/// JSON Lines: one object per row with every column in order (null where NetSuite sent no value), `\n` after
/// each line.
pub fn to_jsonl(columns: &[String], rows: &[Vec<Value>]) -> String {
    let mut out = String::new();
    for row in rows {
        let object: Map<String, Value> = columns.iter().cloned().zip(row.iter().cloned()).collect();
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_empty_field_is_quoted_so_its_row_is_not_a_blank_line() {
        let csv = to_csv(&["memo".to_owned()], &[vec![Value::Null], vec![json!("x")]]);
        assert_eq!(csv, "memo\r\n\"\"\r\nx\r\n");
    }

    #[test]
    fn csv_quotes_only_what_rfc_4180_requires_and_ends_lines_with_crlf() {
        let columns = vec!["id".to_owned(), "memo".to_owned()];
        let rows = vec![
            vec![json!("1"), json!("plain")],
            vec![json!("2"), json!("a, b")],
            vec![json!("3"), json!("say \"hi\"")],
            vec![json!("4"), json!("two\nlines\r")],
            vec![json!("5"), Value::Null],
        ];
        assert_eq!(
            to_csv(&columns, &rows),
            "id,memo\r\n1,plain\r\n2,\"a, b\"\r\n3,\"say \"\"hi\"\"\"\r\n4,\"two\nlines\r\"\r\n5,\r\n"
        );
    }

    #[test]
    fn jsonl_has_one_object_per_row_with_every_column() {
        let columns = vec!["id".to_owned(), "email".to_owned()];
        let rows = vec![
            vec![json!("1"), Value::Null],
            vec![json!("2"), json!("a\"b")],
        ];
        let text = to_jsonl(&columns, &rows);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines,
            vec![
                json!({"id": "1", "email": null}),
                json!({"id": "2", "email": "a\"b"})
            ]
        );
        assert!(text.ends_with('\n'));
    }
}
