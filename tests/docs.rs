//! The configuration reference stays complete: every setting of the settings table is documented, with its
//! TOML key and (where it has one) its flag, and the docs name no setting the table lacks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;

use netsuite_mcp::config::{CONFIG_ENV, PROFILE_ENV, SETTINGS};

fn reference() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/configuration.md"
    ))
    .unwrap()
}

#[test]
fn every_setting_is_in_the_configuration_reference_with_its_key_and_flag() {
    let doc = reference();
    for s in SETTINGS {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", s.env)))
            .unwrap_or_else(|| panic!("docs/configuration.md has no table row for {}", s.env));
        assert!(
            row.contains(&format!("`{}`", s.key)),
            "{} row lacks its TOML key: {row}",
            s.env
        );
        if let Some(flag) = s.flag {
            assert!(
                row.contains(&format!("`{flag}")),
                "{} row lacks {flag}: {row}",
                s.env
            );
        }
    }
}

#[test]
fn the_configuration_reference_names_no_setting_the_table_lacks() {
    let known: BTreeSet<&str> = SETTINGS
        .iter()
        .map(|s| s.env)
        .chain([CONFIG_ENV, PROFILE_ENV])
        .collect();
    let doc = reference();
    let unknown: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `NETSUITE_"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| format!("NETSUITE_{name}"))
        .filter(|env| !known.contains(env.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "documented but not in the table: {unknown:?}"
    );
}
