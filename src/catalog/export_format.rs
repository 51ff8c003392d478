//! The text of an export: CSV per RFC 4180 or JSON Lines, from a SuiteQL table (columns + rows of JSON values).

use std::collections::HashSet;

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

    fn terminator(self) -> &'static str {
        match self {
            ExportFormat::Csv => "\r\n",
            ExportFormat::Jsonl => "\n",
        }
    }
}

/// Rows rendered with the first `columns` columns.
struct Segment {
    columns: usize,
    lines: Vec<String>,
    /// Lines that are empty text (CSV: no field or one empty field).
    empty: usize,
}

/// Renders an export page by page as the rows arrive, so that its size is known at every step and the raw rows
/// need not be kept: each row becomes its line at once. The columns are the union over all rows in first-seen
/// order, so a column first seen late only adds to the end: lines made before it get the empty fields (CSV) or
/// the `null` members (JSON Lines) added when the file is finished. Gives the same text as [`to_csv`] and
/// [`to_jsonl`].
pub struct ExportWriter {
    format: ExportFormat,
    columns: Vec<String>,
    seen: HashSet<String>,
    segments: Vec<Segment>,
    /// Bytes of the lines made so far, terminators included.
    line_bytes: u64,
    rows: usize,
}

impl ExportWriter {
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            columns: Vec::new(),
            seen: HashSet::new(),
            segments: Vec::new(),
            line_bytes: 0,
            rows: 0,
        }
    }

    /// Adds NetSuite row objects (their `links` are dropped).
    pub fn push_items(&mut self, items: Vec<Value>) {
        for item in items {
            let mut obj = match item {
                Value::Object(o) => o,
                other => Map::from_iter([("value".to_owned(), other)]),
            };
            // Not `remove`: with serde_json's `preserve_order` it swaps the last column into the hole.
            obj.retain(|k, _| k != "links");
            for key in obj.keys() {
                if !self.seen.contains(key) {
                    self.seen.insert(key.clone());
                    self.columns.push(key.clone());
                }
            }
            let line = self.line(&obj);
            self.line_bytes += (line.len() + self.format.terminator().len()) as u64;
            self.rows += 1;
            let empty = usize::from(line.is_empty());
            match self.segments.last_mut() {
                Some(seg) if seg.columns == self.columns.len() => {
                    seg.lines.push(line);
                    seg.empty += empty;
                }
                _ => self.segments.push(Segment {
                    columns: self.columns.len(),
                    lines: vec![line],
                    empty,
                }),
            }
        }
    }

    /// The row's line with the columns known now, without its terminator. CSV: a lone empty field is left
    /// unquoted here (more columns may come); [`Self::finish`] quotes it if it stays alone.
    fn line(&self, obj: &Map<String, Value>) -> String {
        match self.format {
            ExportFormat::Csv => {
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .map(|c| obj.get(c).map(cell_text).unwrap_or_default())
                    .collect();
                if cells.iter().all(String::is_empty) && cells.len() <= 1 {
                    return String::new();
                }
                let mut line = String::new();
                write_record(&mut line, cells.iter().map(String::as_str));
                line.truncate(line.len().saturating_sub(2));
                line
            }
            ExportFormat::Jsonl => {
                let object: Map<String, Value> = self
                    .columns
                    .iter()
                    .map(|c| (c.clone(), obj.get(c).cloned().unwrap_or(Value::Null)))
                    .collect();
                Value::Object(object).to_string()
            }
        }
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The size the file would have if it were finished now.
    pub fn bytes(&self) -> u64 {
        let total = self.columns.len();
        let mut bytes = self.line_bytes;
        for seg in &self.segments {
            let lines = seg.lines.len() as u64;
            bytes += lines * self.padding(seg.columns).len() as u64;
            match self.format {
                ExportFormat::Csv if total == 1 => bytes += 2 * seg.empty as u64,
                ExportFormat::Csv => {}
                // `{}` takes the members without a leading comma.
                ExportFormat::Jsonl if seg.columns == 0 && total > 0 => bytes -= lines,
                ExportFormat::Jsonl => {}
            }
        }
        if self.format == ExportFormat::Csv && total > 0 {
            bytes += header_line(&self.columns).len() as u64;
        }
        bytes
    }

    /// What a line made with the first `known` columns lacks: CSV, the commas before the missing fields (a line
    /// of no field and one of one empty field both are empty text); JSON Lines, `,"key":null` per missing key.
    fn padding(&self, known: usize) -> String {
        match self.format {
            ExportFormat::Csv => ",".repeat(self.columns.len().saturating_sub(known.max(1))),
            ExportFormat::Jsonl => self
                .columns
                .get(known..)
                .unwrap_or_default()
                .iter()
                .map(|c| format!(",{}:null", Value::String(c.clone())))
                .collect(),
        }
    }

    /// The columns and the whole file. Lines are moved into the file one by one, so the memory held stays
    /// about the file's size.
    pub fn finish(mut self) -> (Vec<String>, String) {
        let capacity = usize::try_from(self.bytes()).unwrap_or(0);
        let mut out = String::with_capacity(capacity);
        // No columns (no rows, or only null values, which NetSuite leaves out): no header line; with no rows an
        // empty file rather than one blank record.
        if self.format == ExportFormat::Csv && !self.columns.is_empty() {
            out.push_str(&header_line(&self.columns));
        }
        let total = self.columns.len();
        let terminator = self.format.terminator();
        for seg in std::mem::take(&mut self.segments) {
            let pad = self.padding(seg.columns);
            for line in seg.lines {
                match self.format {
                    // A record of one empty field would be a blank line, which many readers skip: quote it.
                    ExportFormat::Csv if line.is_empty() && total == 1 => out.push_str("\"\""),
                    ExportFormat::Csv => {
                        out.push_str(&line);
                        out.push_str(&pad);
                    }
                    ExportFormat::Jsonl if pad.is_empty() => out.push_str(&line),
                    ExportFormat::Jsonl => {
                        out.push_str(line.strip_suffix('}').unwrap_or(&line));
                        let members = match seg.columns {
                            0 => pad.strip_prefix(',').unwrap_or(&pad),
                            _ => &pad,
                        };
                        out.push_str(members);
                        out.push('}');
                    }
                }
                out.push_str(terminator);
            }
        }
        (self.columns, out)
    }
}

fn header_line(columns: &[String]) -> String {
    let mut out = String::new();
    write_record(&mut out, columns.iter().map(String::as_str));
    out
}

/// CSV per RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma, a quote, CR or LF, and
/// quotes inside doubled. Null is an empty field; strings are written as they are; other JSON values (NetSuite
/// sends strings, so these are rare) as their JSON text.
pub fn to_csv(columns: &[String], rows: &[Vec<Value>]) -> String {
    let mut out = String::new();
    if !columns.is_empty() {
        write_record(&mut out, columns.iter().map(String::as_str));
    }
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

    /// NetSuite rows whose columns appear late (nulls are omitted), including a row with no columns at all.
    fn items() -> Vec<Value> {
        vec![
            json!({"links": [], "id": "1"}),
            json!({"links": []}),
            json!({"links": [], "id": ""}),
            json!({"links": [], "id": "2", "memo": "a, \"b\""}),
            json!({"links": [], "memo": "x"}),
            json!({"links": [], "id": "3", "memo": "y", "email": "e@x"}),
        ]
    }

    #[test]
    fn the_streaming_writer_gives_the_same_file_as_rendering_the_whole_table_and_knows_its_size() {
        for format in [ExportFormat::Csv, ExportFormat::Jsonl] {
            for split in 0..=items().len() {
                let mut writer = ExportWriter::new(format);
                let mut all = items();
                let rest = all.split_off(split);
                writer.push_items(all);
                writer.push_items(rest);
                let (expected_columns, rows) = crate::netsuite::suiteql::shape_rows(items());
                let expected = format.render(&expected_columns, &rows);
                assert_eq!(writer.rows(), 6);
                assert_eq!(writer.bytes(), expected.len() as u64, "{format:?}");
                let (columns, text) = writer.finish();
                assert_eq!(columns, expected_columns);
                assert_eq!(text, expected, "{format:?}, split at {split}");
            }
        }
    }

    #[test]
    fn an_export_without_rows_is_an_empty_file() {
        for format in [ExportFormat::Csv, ExportFormat::Jsonl] {
            let mut writer = ExportWriter::new(format);
            writer.push_items(Vec::new());
            assert_eq!(writer.bytes(), 0, "{format:?}");
            assert_eq!(format.render(&[], &[]), "", "{format:?}");
            assert_eq!(writer.finish(), (Vec::new(), String::new()), "{format:?}");
        }
    }

    #[test]
    fn a_lone_empty_first_row_is_padded_like_a_whole_table_render() {
        for (items, format) in [
            (vec![json!({}), json!({"a": "1"})], ExportFormat::Csv),
            (
                vec![json!({}), json!({"a": "1", "b": "2"})],
                ExportFormat::Csv,
            ),
            (vec![json!({"a": ""}), json!({"b": "2"})], ExportFormat::Csv),
            (vec![json!({}), json!({"a": "1"})], ExportFormat::Jsonl),
        ] {
            let mut writer = ExportWriter::new(format);
            for item in items.clone() {
                writer.push_items(vec![item]);
            }
            let (columns, rows) = crate::netsuite::suiteql::shape_rows(items);
            assert_eq!(writer.finish().1, format.render(&columns, &rows));
        }
    }
}
