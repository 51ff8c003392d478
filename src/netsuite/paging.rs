//! NetSuite pages collections by `limit` (1..=1000) and an `offset` that must be a multiple of `limit`
//! (netsuite-api.md §3.1, §4). Callers want any window `[offset, offset + limit)`; this module plans the
//! aligned NetSuite pages that cover it and cuts the window back out of them.

/// Largest page NetSuite serves.
pub const MAX_PAGE: u32 = 1000;
/// NetSuite serves at most this many pages of a collection (netsuite-api.md §3.1): a page's index,
/// `offset / limit`, must stay below it.
pub const MAX_PAGES: u64 = 1000;

/// The NetSuite pages to fetch for one window: `pages` requests of `page_size` rows from `first_offset` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagePlan {
    pub page_size: u32,
    pub first_offset: u64,
    /// 1 or 2.
    pub pages: u32,
}

impl PagePlan {
    /// Plans the fewest aligned pages (then the fewest surplus rows) covering `[offset, offset + limit)`.
    /// `limit` is clamped to 1..=1000.
    pub fn for_window(offset: u64, limit: u32) -> PagePlan {
        let limit = limit.clamp(1, MAX_PAGE);
        let last = offset + u64::from(limit) - 1;
        // Pages deeper than MAX_PAGES are not served, so small pages far into a result are not allowed.
        let min_size = u32::try_from((last + 1).div_ceil(MAX_PAGES))
            .unwrap_or(MAX_PAGE)
            .clamp(limit, MAX_PAGE);
        // One page is enough when some size P in min_size..=1000 puts the whole window in one aligned block.
        for size in min_size..=MAX_PAGE {
            let p = u64::from(size);
            if offset / p == last / p {
                return PagePlan {
                    page_size: size,
                    first_offset: offset / p * p,
                    pages: 1,
                };
            }
        }
        // Otherwise two pages of `min_size` (≥ limit) rows: the window straddles them.
        let p = u64::from(min_size);
        PagePlan {
            page_size: min_size,
            first_offset: offset / p * p,
            pages: 2,
        }
    }

    /// Offsets of the pages to request, in order.
    pub fn offsets(&self) -> impl Iterator<Item = u64> + '_ {
        (0..u64::from(self.pages)).map(|i| self.first_offset + i * u64::from(self.page_size))
    }

    /// Index, within the rows of all planned pages concatenated, of the window's first row.
    pub fn skip(&self, offset: u64) -> usize {
        usize::try_from(offset - self.first_offset).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: every planned page is aligned, within limits, and the plan covers the window.
    #[test]
    fn every_window_is_covered_by_aligned_pages() {
        for limit in [1u32, 2, 3, 7, 10, 100, 333, 999, 1000] {
            for offset in (0u64..2100).chain([9_999, 15_000, 50_001, 99_000, 99_999, 123_457]) {
                let plan = PagePlan::for_window(offset, limit);
                assert!((1..=MAX_PAGE).contains(&plan.page_size));
                assert!(plan.page_size >= limit);
                let offsets: Vec<u64> = plan.offsets().collect();
                for o in &offsets {
                    assert_eq!(o % u64::from(plan.page_size), 0, "{plan:?}");
                }
                let start = offsets[0];
                let end = offsets[offsets.len() - 1] + u64::from(plan.page_size);
                assert!(
                    start <= offset && offset + u64::from(limit) <= end,
                    "{offset} {limit} {plan:?}"
                );
                assert_eq!(plan.skip(offset) as u64, offset - start);
                if offset + u64::from(limit) <= 100_000 {
                    for o in &offsets {
                        assert!(
                            o / u64::from(plan.page_size) < MAX_PAGES,
                            "page too deep: {plan:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn deep_windows_use_pages_large_enough_to_stay_within_1000_pages() {
        // limit 10 at offset 15000 would be page 1500; pages of at least 16 rows keep it under 1000.
        let plan = PagePlan::for_window(15_000, 10);
        assert!(plan.page_size >= 16, "{plan:?}");
        assert!(plan.first_offset / u64::from(plan.page_size) < MAX_PAGES);
    }

    #[test]
    fn aligned_windows_take_one_page_of_their_own_size() {
        assert_eq!(
            PagePlan::for_window(200, 100),
            PagePlan {
                page_size: 100,
                first_offset: 200,
                pages: 1
            }
        );
    }

    #[test]
    fn unaligned_windows_prefer_one_slightly_larger_page() {
        // [5, 15) fits in the block [0, 15).
        assert_eq!(
            PagePlan::for_window(5, 10),
            PagePlan {
                page_size: 15,
                first_offset: 0,
                pages: 1
            }
        );
        // [999, 1999) fits no block of ≤ 1000 rows: two pages of 1000.
        assert_eq!(
            PagePlan::for_window(999, 1000),
            PagePlan {
                page_size: 1000,
                first_offset: 0,
                pages: 2
            }
        );
    }
}
