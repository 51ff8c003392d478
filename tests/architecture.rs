//! Data flows one way (design.md §2): each top-level module of the product may use only modules below it in
//! [`LAYERS`], never one above it or beside it in a circle. Read from the sources, outside `#[cfg(test)]` items
//! and comments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::path::Path;

/// Bottom first. Modules on one line may not use each other.
const LAYERS: &[&[&str]] = &[
    &["account", "seal"],
    &["auth"],
    &["cert"],
    &["config"],
    &["scale"],
    &["netsuite", "custom"],
    &["catalog"],
    &["server"],
    &["transport"],
    &["oauth"],
    &["sandbox"],
    &["install"],
    &["commands"],
    &["cli"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crate::name` references in code: not in comments, not in items marked `#[cfg(test)]`.
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut skipping = false;
    let mut opened = false;
    let mut depth = 0usize;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default();
        if line.trim() == "#[cfg(test)]" {
            (skipping, opened, depth) = (true, false, 0);
            continue;
        }
        if skipping {
            opened |= line.contains('{');
            depth = (depth + line.matches('{').count()).saturating_sub(line.matches('}').count());
            // The item ends where its braces close, or at its `;` if it has none.
            skipping = if opened {
                depth > 0
            } else {
                !line.trim_end().ends_with(';')
            };
            continue;
        }
        for (i, _) in line.match_indices("crate::") {
            let name: String = line[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut problems = Vec::new();
    for path in all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(own) = rank(&top) else {
            problems.push(format!("src/{top} is in no layer: add it to LAYERS"));
            continue;
        };
        for used in uses(&std::fs::read_to_string(&path).unwrap()) {
            if used == top {
                continue;
            }
            match rank(&used) {
                Some(r) if r < own => {}
                Some(_) => problems.push(format!("{} uses crate::{used}", rel.display())),
                None => problems.push(format!("{} uses unknown crate::{used}", rel.display())),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}
