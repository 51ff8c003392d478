//! The character budget of a result: rows are kept while the serialized result stays within it, and the
//! cut is reported with the exact offset to continue from.

use serde::Serialize;

/// Keeps the longest prefix of `rows` whose serialized size, added to `overhead`, fits in `budget`. At
/// least one row is always kept so that paging makes progress. Returns the kept rows and whether any were cut.
pub fn fit<T: Serialize>(rows: Vec<T>, overhead: usize, budget: usize) -> (Vec<T>, bool) {
    let mut used = overhead;
    let mut keep = 0;
    for (i, row) in rows.iter().enumerate() {
        // +1 for the comma between array elements.
        let size = serde_json::to_string(row).map_or(0, |s| s.chars().count()) + 1;
        if i > 0 && used + size > budget {
            break;
        }
        used += size;
        keep = i + 1;
    }
    let truncated = keep < rows.len();
    let mut rows = rows;
    rows.truncate(keep);
    (rows, truncated)
}

/// Serialized length of `value` in characters.
pub fn size_of<T: Serialize>(value: &T) -> usize {
    serde_json::to_string(value).map_or(0, |s| s.chars().count())
}

/// The note added to a cut result.
pub fn cut_note(kept: usize, budget: usize, next_offset: u64) -> String {
    format!(
        "Result truncated to {kept} rows to stay within {budget} characters. Call again with offset={next_offset} \
         to continue, or select fewer columns."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_rows_while_they_fit_and_at_least_one() {
        let rows: Vec<_> = (0..10).map(|i| json!(["x".repeat(8), i])).collect();
        // Each row serializes to ["xxxxxxxx",N] = 16 chars, +1 comma.
        let (kept, cut) = fit(rows.clone(), 10, 10 + 17 * 3);
        assert_eq!((kept.len(), cut), (3, true));
        let (kept, cut) = fit(rows.clone(), 10, 1_000);
        assert_eq!((kept.len(), cut), (10, false));
        let (kept, cut) = fit(rows, 10, 5);
        assert_eq!((kept.len(), cut), (1, true));
    }
}
