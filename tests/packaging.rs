//! Packaging: the MCP registry's server.json, the container image definition, the release profile and
//! scripts/release.sh.
//!
//! server.json is checked against the rules the registry's documentation lists for the 2025-12-11 schema
//! (required fields, name pattern and lengths, package fields per registry type, transport types, input
//! formats), offline. `scripts/validate-server-json.sh` validates it against the published schema itself (from
//! PyPI's `skillsaw`, which ships the registry schemas); it needs the package registry, so it is not run here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cargo_version() -> String {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    manifest["package"]["version"].as_str().unwrap().to_owned()
}

fn server_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("server.json")).unwrap()).unwrap()
}

#[test]
fn server_json_follows_the_registry_schema_rules() {
    let s = server_json();
    let top: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
    for key in &top {
        assert!(
            [
                "$schema",
                "name",
                "title",
                "description",
                "version",
                "repository",
                "websiteUrl",
                "packages",
                "remotes",
                "icons",
                "_meta"
            ]
            .contains(key),
            "unknown top-level field {key}"
        );
    }
    assert_eq!(
        s["$schema"],
        "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    );
    let name = s["name"].as_str().unwrap();
    let pattern = regex::Regex::new(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$").unwrap();
    assert!(
        pattern.is_match(name) && (3..=200).contains(&name.len()),
        "{name}"
    );
    let description = s["description"].as_str().unwrap();
    assert!(
        (1..=100).contains(&description.chars().count()),
        "description ≤ 100 characters"
    );
    let version = s["version"].as_str().unwrap();
    assert_eq!(
        version,
        cargo_version(),
        "server.json version follows Cargo.toml"
    );
    assert!(!version.starts_with(['^', '~', '>', '<']) && !version.contains('*'));

    let packages = s["packages"].as_array().unwrap();
    assert!(!packages.is_empty());
    for p in packages {
        for key in p.as_object().unwrap().keys() {
            assert!(
                [
                    "registryType",
                    "registryBaseUrl",
                    "identifier",
                    "version",
                    "fileSha256",
                    "runtimeHint",
                    "transport",
                    "runtimeArguments",
                    "packageArguments",
                    "environmentVariables"
                ]
                .contains(&key.as_str()),
                "unknown package field {key}"
            );
        }
        let kind = p["registryType"].as_str().unwrap();
        assert!(
            ["npm", "pypi", "oci", "nuget", "mcpb"].contains(&kind),
            "{kind}"
        );
        let identifier = p["identifier"].as_str().unwrap();
        if kind == "oci" {
            // OCI: the version is the image tag, no separate version field.
            assert!(
                identifier.ends_with(&format!(":{}", cargo_version())),
                "{identifier}"
            );
            assert!(p.get("version").is_none());
        }
        assert_eq!(p["transport"]["type"], "stdio");
        for var in p["environmentVariables"].as_array().unwrap() {
            let var_name = var["name"].as_str().unwrap();
            assert!(var_name.starts_with("NETSUITE_"), "{var_name}");
            assert!(
                var["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{var_name}"
            );
            if let Some(format) = var.get("format") {
                assert!(
                    ["string", "number", "boolean", "filepath"].contains(&format.as_str().unwrap())
                );
            }
            if var["isSecret"] == true {
                assert!(
                    var.get("value").is_none() && var.get("default").is_none(),
                    "{var_name}: no secret values"
                );
            }
        }
    }
}

#[test]
fn the_container_image_is_labelled_with_the_server_name_and_runs_stdio() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let name = server_json()["name"].as_str().unwrap().to_owned();
    assert!(
        dockerfile.contains(&format!(
            "LABEL io.modelcontextprotocol.server.name=\"{name}\""
        )),
        "the registry matches an OCI package to its server by this label"
    );
    assert!(dockerfile.contains("cargo build --release --locked"));
    assert!(
        dockerfile.contains("ENTRYPOINT [\"netsuite-mcp\"]")
            && dockerfile.contains("CMD [\"serve\"]")
    );
    assert!(dockerfile.contains("USER 65534"), "not root");
}

#[test]
fn the_release_profile_is_optimised_and_stripped() {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let release = &manifest["profile"]["release"];
    assert_eq!(release["strip"].as_bool(), Some(true));
    assert!(release.get("lto").is_some());
}

#[cfg(unix)]
#[test]
fn release_script_packages_a_binary_with_completions_and_man_pages() {
    let dist = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .args(["--bin", &common::bin()])
        .env("DIST_DIR", dist.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(archive.ends_with(".tar.gz"), "{archive}");
    let list = std::process::Command::new("tar")
        .args(["-tzf", &archive])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    let version = cargo_version();
    for file in [
        "netsuite-mcp",
        "README.md",
        "INSTALL.md",
        "completions/netsuite-mcp.bash",
        "completions/_netsuite-mcp",
        "completions/netsuite-mcp.fish",
        "completions/_netsuite-mcp.ps1",
        "man/netsuite-mcp.1",
        "man/netsuite-mcp-install.1",
    ] {
        assert!(
            list.lines()
                .any(|l| l == format!("netsuite-mcp-{version}-{}/{file}", host())),
            "{file} missing from {archive}:\n{list}"
        );
    }
    let sums = std::fs::read_to_string(dist.path().join("SHA256SUMS")).unwrap();
    assert!(sums.contains(".tar.gz"), "{sums}");
}

fn host() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned()
}
