//! Human-readable summaries of the catalog: the README tool table and `tools list`.

use rmcp::model::ToolAnnotations;

use super::{Catalog, TOOLSETS};

/// Start marker of the generated README section.
pub const README_START: &str = "<!-- tools:start -->";
/// End marker of the generated README section.
pub const README_END: &str = "<!-- tools:end -->";

/// The first sentence of a description.
pub fn first_sentence(description: &str) -> &str {
    let mut from = 0;
    while let Some(i) = description[from..].find(". ").map(|i| i + from) {
        let before = &description[..i];
        if !(before.ends_with("e.g") || before.ends_with("i.e")) {
            return &description[..=i];
        }
        from = i + 2;
    }
    description
}

/// e.g. `read-only, idempotent, open-world` or `writes, destructive, idempotent, open-world`.
pub fn annotation_summary(a: &ToolAnnotations) -> String {
    let mut parts = vec![if a.read_only_hint == Some(true) {
        "read-only"
    } else {
        "writes"
    }];
    if a.destructive_hint == Some(true) {
        parts.push("destructive");
    }
    if a.idempotent_hint == Some(true) {
        parts.push("idempotent");
    }
    if a.open_world_hint == Some(true) {
        parts.push("open-world");
    }
    parts.join(", ")
}

/// The README section between the markers (markers included): every built-in tool with its toolset,
/// annotations and the first sentence of its description.
pub fn readme_section(catalog: &Catalog) -> String {
    let mut out = format!(
        "{README_START}\n<!-- Generated from the catalog; `UPDATE_README=1 cargo test --test catalog` rewrites it. -->\n\n\
         | tool | toolset | readOnly / destructive / idempotent / openWorld | description |\n|---|---|---|---|\n"
    );
    for t in catalog.iter() {
        let a = t.tool.annotations.clone().unwrap_or_default();
        let flag = |v: Option<bool>| if v == Some(true) { "true" } else { "false" };
        let default_on = TOOLSETS.iter().any(|(n, on, _)| *n == t.toolset && *on);
        out.push_str(&format!(
            "| `{}` | `{}`{} | {} / {} / {} / {} | {} |\n",
            t.name(),
            t.toolset,
            if default_on { "" } else { " (off by default)" },
            flag(a.read_only_hint),
            flag(a.destructive_hint),
            flag(a.idempotent_hint),
            flag(a.open_world_hint),
            first_sentence(t.tool.description.as_deref().unwrap_or_default()).replace('|', "\\|"),
        ));
    }
    out.push('\n');
    out.push_str(README_END);
    out
}
