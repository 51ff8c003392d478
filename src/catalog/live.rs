//! A catalog whose custom part can be replaced while the server runs (hot reload). Readers take a snapshot, an
//! `Arc` of a complete catalog; a reload builds a new catalog and swaps it in at once, so a list or a call sees
//! either the old set of tools or the new one, never a mix.

use std::sync::{Arc, PoisonError, RwLock};

use super::{Catalog, CatalogTool};

/// The fixed tools (built-in and registered in code) plus the current custom tools.
#[derive(Debug)]
pub struct LiveCatalog {
    base: Catalog,
    current: RwLock<Arc<Catalog>>,
}

impl LiveCatalog {
    /// A catalog of `base` alone; custom tools come with [`LiveCatalog::replace_custom`].
    pub fn new(base: Catalog) -> Self {
        let current = RwLock::new(Arc::new(base.clone()));
        Self { base, current }
    }

    /// The tools that never change (built-in and registered in code).
    pub fn base(&self) -> &Catalog {
        &self.base
    }

    /// The complete catalog as it is now.
    pub fn snapshot(&self) -> Arc<Catalog> {
        // A panic while holding the lock cannot leave the `Arc` half-written, so a poisoned lock is still usable.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces every custom tool with `tools` (a name the base already has is skipped with a warning) and
    /// says whether the tool definitions clients see changed (a changed query alone does not).
    pub fn replace_custom(&self, tools: Vec<CatalogTool>) -> bool {
        let mut next = self.base.clone();
        for tool in tools {
            let name = tool.name().to_owned();
            if let Err(e) = next.register(tool) {
                tracing::warn!(tool = %name, "custom tool skipped: {e}");
            }
        }
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let changed = self.custom_part(&current) != self.custom_part(&next);
        *current = Arc::new(next);
        changed
    }

    /// The definitions and toolsets of the tools beyond the base, in order.
    fn custom_part<'a>(&self, catalog: &'a Catalog) -> Vec<(&'a rmcp::model::Tool, &'a str)> {
        catalog
            .iter()
            .filter(|t| self.base.get(t.name()).is_none())
            .map(|t| (&t.tool, t.toolset.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::suiteql::run_suiteql;

    fn renamed(name: &'static str, description: &'static str) -> CatalogTool {
        let mut t = run_suiteql();
        t.tool.name = name.into();
        t.tool.description = Some(description.into());
        t
    }

    #[test]
    fn replacing_swaps_the_custom_part_and_reports_definition_changes() {
        let live = LiveCatalog::new(Catalog::builtin());
        let before = live.snapshot();
        assert!(live.replace_custom(vec![renamed("a", "one")]));
        assert!(live.snapshot().get("a").is_some());
        assert!(before.get("a").is_none(), "an old snapshot stays as it was");
        assert!(!live.replace_custom(vec![renamed("a", "one")]));
        assert!(live.replace_custom(vec![renamed("a", "two")]));
        assert!(live.replace_custom(vec![]));
        assert!(live.snapshot().get("a").is_none());
        assert!(live.snapshot().get("run_suiteql").is_some());
    }

    #[test]
    fn a_custom_tool_cannot_replace_a_base_tool() {
        let live = LiveCatalog::new(Catalog::builtin());
        assert!(!live.replace_custom(vec![renamed("run_suiteql", "evil")]));
        let snap = live.snapshot();
        let t = snap.get("run_suiteql").unwrap();
        assert_ne!(t.tool.description.as_deref(), Some("evil"));
    }
}
