//! `netsuite-mcp install`, `completions`, `man` and the first-run help, driven through the real binary with a
//! temporary home directory (HOME, XDG_CONFIG_HOME, APPDATA set for the child only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::CstRootNode;
use serde_json::Value;

const CLIENTS: [&str; 5] = ["cursor", "vscode", "claude-desktop", "claude-code", "codex"];

/// A temporary home and the environment that points every client's user files into it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(common::bin())
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("USERPROFILE", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("xdg"))
            .env("APPDATA", self.path().join("appdata"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn install(&self, client: &str, extra: &[&str]) -> Output {
        let mut args = vec!["install", "--client", client];
        args.extend(extra);
        self.run(&args)
    }

    /// Where `client`'s user file must be, derived here independently of the binary.
    fn user_file(&self, client: &str) -> PathBuf {
        let h = self.path();
        let app = if cfg!(windows) {
            h.join("appdata")
        } else if cfg!(target_os = "macos") {
            h.join("Library/Application Support")
        } else {
            h.join("xdg")
        };
        match client {
            "cursor" => h.join(".cursor/mcp.json"),
            "vscode" => app.join("Code/User/mcp.json"),
            "claude-desktop" => app.join("Claude/claude_desktop_config.json"),
            "claude-code" => h.join(".claude.json"),
            "codex" => h.join(".codex/config.toml"),
            other => panic!("unknown client {other}"),
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The whole file as JSON (TOML converted), whichever client.
fn read_config(client: &str, path: &Path) -> Value {
    let raw = std::fs::read_to_string(path).unwrap();
    if client == "codex" {
        let v: toml::Value = toml::from_str(&raw).unwrap();
        serde_json::to_value(v).unwrap()
    } else {
        CstRootNode::parse(&raw, &ParseOptions::default())
            .unwrap()
            .to_serde_value()
            .unwrap()
    }
}

fn servers_key(client: &str) -> &'static str {
    match client {
        "vscode" => "servers",
        "codex" => "mcp_servers",
        _ => "mcpServers",
    }
}

fn entry<'a>(client: &str, config: &'a Value) -> &'a Value {
    &config[servers_key(client)]["netsuite"]
}

fn backups(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut found: Vec<PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&format!("{name}.")) && n.ends_with(".bak")
        })
        .collect();
    found.sort();
    found
}

/// A file with comments (where the format has them), another server and unrelated settings.
fn existing_file(client: &str, with_netsuite: bool) -> String {
    let netsuite_json = if with_netsuite {
        r#""netsuite": { "command": "/old/netsuite-mcp", "args": ["serve"], "env": { "NETSUITE_MCP_READ_ONLY": "true" } },"#
    } else {
        ""
    };
    match client {
        "codex" => {
            let netsuite = if with_netsuite {
                "[mcp_servers.netsuite]\ncommand = \"/old/netsuite-mcp\"\nargs = [\"serve\"]\nenv = { NETSUITE_MCP_READ_ONLY = \"true\" }\n\n"
            } else {
                ""
            };
            format!(
                "# my codex settings\nmodel = \"o3\"\n\n{netsuite}[mcp_servers.other]\ncommand = \"other-server\" # keep this\nargs = [\"--x\"]\n"
            )
        }
        // Claude Desktop and Claude Code read strict JSON: no comments there.
        "claude-desktop" | "claude-code" => format!(
            "{{\n  \"numStartups\": 3,\n  \"{key}\": {{\n    {netsuite_json}\n    \"other\": {{ \"command\": \"other-server\", \"args\": [\"--x\"] }}\n  }}\n}}\n",
            key = servers_key(client)
        ),
        _ => format!(
            "{{\n  // my servers\n  \"{key}\": {{\n    {netsuite_json}\n    \"other\": {{ \"command\": \"other-server\", \"args\": [\"--x\"] }} /* keep this */\n  }},\n}}\n",
            key = servers_key(client)
        ),
    }
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

#[test]
fn new_file_for_every_client_then_a_second_run_changes_nothing() {
    for client in CLIENTS {
        let home = Home::new();
        let out = ok(&home.install(client, &["--sandbox"]));
        let path = home.user_file(client);
        assert!(out.contains("Created"), "{client}: {out}");
        assert!(out.contains(&path.display().to_string()), "{client}: {out}");
        let config = read_config(client, &path);
        let e = entry(client, &config);
        let bin = std::fs::canonicalize(common::bin()).unwrap();
        assert_eq!(e["command"], bin.to_str().unwrap(), "{client}");
        assert_eq!(
            e["args"],
            serde_json::json!(["serve", "--sandbox"]),
            "{client}"
        );
        assert!(
            e.get("env").is_none(),
            "{client}: no environment, so no secret"
        );
        if client == "vscode" || client == "claude-code" {
            assert_eq!(e["type"], "stdio", "{client}");
        }
        let before = std::fs::read(&path).unwrap();
        let again = ok(&home.install(client, &["--sandbox"]));
        assert!(again.contains("already up to date"), "{client}: {again}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{client}");
        assert!(
            backups(&path).is_empty(),
            "{client}: no backup when nothing changed"
        );
    }
}

#[test]
fn an_existing_file_keeps_its_other_servers_settings_and_comments_and_is_backed_up() {
    for client in CLIENTS {
        let home = Home::new();
        let path = home.user_file(client);
        let original = existing_file(client, false);
        write(&path, &original);
        let out = ok(&home.install(client, &["--sandbox"]));
        assert!(out.contains("Updated"), "{client}: {out}");
        let raw = std::fs::read_to_string(&path).unwrap();
        for kept in ["my servers", "keep this", "my codex settings"] {
            if original.contains(kept) {
                assert!(raw.contains(kept), "{client}: lost {kept:?}:\n{raw}");
            }
        }
        let config = read_config(client, &path);
        assert_eq!(
            config[servers_key(client)]["other"]["command"],
            "other-server",
            "{client}"
        );
        assert_eq!(
            config[servers_key(client)]["other"]["args"],
            serde_json::json!(["--x"])
        );
        if client == "codex" {
            assert_eq!(config["model"], "o3");
        } else if client.starts_with("claude") {
            assert_eq!(config["numStartups"], 3);
        }
        assert_eq!(
            entry(client, &config)["args"],
            serde_json::json!(["serve", "--sandbox"])
        );
        let backups = backups(&path);
        assert_eq!(backups.len(), 1, "{client}: {backups:?}");
        assert_eq!(
            std::fs::read_to_string(&backups[0]).unwrap(),
            original,
            "{client}"
        );
        assert!(
            out.contains(&backups[0].display().to_string()),
            "{client}: {out}"
        );
    }
}

#[test]
fn an_existing_netsuite_entry_is_updated_in_place() {
    for client in CLIENTS {
        let home = Home::new();
        let path = home.user_file(client);
        write(&path, &existing_file(client, true));
        ok(&home.install(client, &["--sandbox"]));
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(!raw.contains("/old/netsuite-mcp"), "{client}:\n{raw}");
        assert_eq!(
            raw.matches("netsuite-mcp\"").count(),
            1,
            "{client}: one entry:\n{raw}"
        );
        // Same place: still before the other server.
        let netsuite_at = raw.find("netsuite").unwrap();
        assert!(netsuite_at < raw.find("other").unwrap(), "{client}:\n{raw}");
        let config = read_config(client, &path);
        let e = entry(client, &config);
        assert_eq!(
            e["env"]["NETSUITE_MCP_READ_ONLY"], "true",
            "{client}: the user's own keys stay"
        );
        assert_eq!(
            e["args"],
            serde_json::json!(["serve", "--sandbox"]),
            "{client}"
        );
        assert_eq!(
            config[servers_key(client)]["other"]["command"],
            "other-server"
        );
    }
}

#[cfg(unix)]
#[test]
fn an_unwritable_file_is_refused_with_a_clear_error_and_left_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    for client in CLIENTS {
        let home = Home::new();
        let path = home.user_file(client);
        let original = existing_file(client, false);
        write(&path, &original);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let out = home.install(client, &["--sandbox"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{client}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(
            err.contains(&path.display().to_string()) && err.contains("read-only"),
            "{client}: {err}"
        );
        assert!(err.contains("not changed"), "{client}: {err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            original,
            "{client}"
        );
        assert!(backups(&path).is_empty(), "{client}");
    }
}

#[test]
fn a_directory_that_cannot_be_created_is_a_clear_error() {
    let home = Home::new();
    // ~/.cursor is a regular file, so ~/.cursor/mcp.json cannot exist (even for root).
    std::fs::write(home.path().join(".cursor"), "not a directory").unwrap();
    let out = home.install("cursor", &["--sandbox"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(".cursor/mcp.json"), "{err}");
    assert!(err.contains("Nothing was changed"), "{err}");
    assert_eq!(
        std::fs::read_to_string(home.path().join(".cursor")).unwrap(),
        "not a directory"
    );
}

#[test]
fn print_shows_the_entry_and_the_target_and_writes_nothing() {
    for client in CLIENTS {
        let home = Home::new();
        let out = ok(&home.install(client, &["--sandbox", "--print"]));
        let path = home.user_file(client);
        assert!(out.contains(&path.display().to_string()), "{client}: {out}");
        assert!(
            out.contains("--sandbox") && out.contains("netsuite"),
            "{client}: {out}"
        );
        assert!(!path.exists(), "{client}: --print wrote {}", path.display());
    }
}

#[test]
fn project_scope_config_and_profile_and_usage_errors() {
    let home = Home::new();
    let project = home.path().join("proj");
    std::fs::create_dir_all(&project).unwrap();
    write(
        &home.path().join("netsuite.toml"),
        "[profiles.sb]\naccount_id = \"1\"\n",
    );
    let args = [
        "--project",
        "proj",
        "--config",
        "netsuite.toml",
        "--profile",
        "sb",
    ];
    for (client, file) in [
        ("cursor", ".cursor/mcp.json"),
        ("vscode", ".vscode/mcp.json"),
        ("claude-code", ".mcp.json"),
        ("codex", ".codex/config.toml"),
    ] {
        ok(&home.install(client, &args));
        let config = read_config(client, &project.join(file));
        let config_path = std::fs::canonicalize(home.path().join("netsuite.toml")).unwrap();
        assert_eq!(
            entry(client, &config)["args"],
            serde_json::json!([
                "serve",
                "--config",
                config_path.to_str().unwrap(),
                "--profile",
                "sb"
            ]),
            "{client}"
        );
    }
    let desktop = home.install("claude-desktop", &["--project", "proj"]);
    assert_eq!(desktop.status.code(), Some(2));
    assert!(text(&desktop.stderr).contains("no project configuration"));
    let missing = home.install("cursor", &["--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("nope.toml"));
    let unknown = home.install("emacs", &[]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_file_that_is_not_json_is_left_alone() {
    let home = Home::new();
    let path = home.user_file("cursor");
    write(&path, "{ \"mcpServers\": [ broken");
    let out = home.install("cursor", &["--sandbox"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Nothing was changed"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{ \"mcpServers\": [ broken"
    );
}

#[tokio::test]
async fn the_written_entry_starts_the_server_and_it_answers_tools_list() {
    use rmcp::ServiceExt;
    use rmcp::transport::TokioChildProcess;
    for client in CLIENTS {
        let home = Home::new();
        ok(&home.install(client, &["--sandbox"]));
        let config = read_config(client, &home.user_file(client));
        let e = entry(client, &config);
        let mut cmd = tokio::process::Command::new(e["command"].as_str().unwrap());
        for arg in e["args"].as_array().unwrap() {
            cmd.arg(arg.as_str().unwrap());
        }
        // As a client starts it: its own directory, a bare environment.
        cmd.current_dir(home.path())
            .env_clear()
            .env("HOME", home.path());
        let (transport, _stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let service = ().serve(transport).await.unwrap();
        let tools = service.list_all_tools().await.unwrap();
        assert!(
            tools.iter().any(|t| t.name == "run_suiteql"),
            "{client}: {:?}",
            tools.iter().map(|t| &t.name).collect::<Vec<_>>()
        );
        service.cancel().await.unwrap();
    }
}

#[test]
fn completions_generate_for_each_shell_and_the_man_page_renders() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = ok(&home.run(&["completions", shell]));
        assert!(out.len() > 500, "{shell}: {out}");
        assert!(
            out.contains("netsuite-mcp") && out.contains("install"),
            "{shell}"
        );
        assert!(
            out.contains("claude-desktop"),
            "{shell}: --client values complete"
        );
    }
    let man = ok(&home.run(&["man"]));
    assert!(
        man.contains(".TH netsuite-mcp 1") && man.contains("install"),
        "{man}"
    );
    let dir = home.path().join("man");
    ok(&home.run(&["man", "--out", dir.to_str().unwrap()]));
    assert!(dir.join("netsuite-mcp.1").is_file() && dir.join("netsuite-mcp-install.1").is_file());
}

#[test]
fn serve_without_configuration_shows_the_three_ways_on_stderr_and_exits_2() {
    let home = Home::new();
    let out = home.run(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout carries only protocol frames");
    let err = text(&out.stderr);
    for way in [
        "serve --sandbox",
        "login",
        "cert generate",
        "docs/install.md",
    ] {
        assert!(err.contains(way), "missing {way:?}:\n{err}");
    }
    assert!(err.lines().count() < 25, "one screen:\n{err}");
}

#[test]
fn doctor_links_each_failed_check_to_an_existing_docs_section() {
    let home = Home::new();
    let out = home.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    let fail = report
        .lines()
        .position(|l| l.starts_with("[FAIL] configuration"))
        .unwrap();
    let link = report.lines().nth(fail + 1).unwrap();
    assert!(
        link.contains("docs/install.md#doctor-configuration"),
        "{report}"
    );
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/install.md"))
            .unwrap();
    for check in [
        "configuration",
        "private key",
        "certificate",
        "token",
        "REST",
        "SuiteQL",
        "?",
    ] {
        let link = netsuite_mcp::commands::first_run::doctor_link(check);
        let anchor = link.split_once('#').unwrap().1;
        let has_heading = docs.lines().filter(|l| l.starts_with('#')).any(|l| {
            let slug: String = l
                .trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            slug == anchor
        });
        assert!(has_heading, "docs/install.md has no heading for #{anchor}");
    }
}
