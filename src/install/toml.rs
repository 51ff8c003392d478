//! Codex's `config.toml`: `[mcp_servers.NAME]` with `command` and `args`, edited with `toml_edit` so that
//! comments, order and every other table stay as they were.

use toml_edit::{Array, DocumentMut, Item, Table, value};

use super::Entry;

/// Sets `[mcp_servers.name]` `command` and `args`, keeping other keys of an existing entry (e.g. `env`,
/// `enabled`). Returns the new text, or `None` when nothing would change.
pub(super) fn upsert(text: &str, name: &str, entry: &Entry) -> Result<Option<String>, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("not valid TOML: {}", e.message()))?;
    let servers = doc.entry("mcp_servers").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let servers = servers
        .as_table_like_mut()
        .ok_or("`mcp_servers` is not a table")?;
    let existing = servers.entry(name).or_insert(Item::Table(Table::new()));
    let existing = existing
        .as_table_like_mut()
        .ok_or_else(|| format!("`mcp_servers.{name}` is not a table"))?;
    let same_command =
        existing.get("command").and_then(Item::as_str) == Some(entry.command.as_str());
    let same_args = existing
        .get("args")
        .and_then(Item::as_array)
        .map(|a| a.iter().map(|v| v.as_str()).collect::<Vec<_>>())
        == Some(entry.args.iter().map(|a| Some(a.as_str())).collect());
    let had_url = existing.remove("url").is_some();
    if same_command && same_args && !had_url {
        return Ok(None);
    }
    if !same_command {
        existing.insert("command", value(entry.command.as_str()));
    }
    if !same_args {
        existing.insert(
            "args",
            value(entry.args.iter().map(String::as_str).collect::<Array>()),
        );
    }
    Ok(Some(doc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            command: "/bin/netsuite-mcp".into(),
            args: vec!["serve".into()],
        }
    }

    #[test]
    fn new_and_existing_files() {
        let out = upsert("", "netsuite", &entry()).unwrap().unwrap();
        assert_eq!(
            out,
            "[mcp_servers.netsuite]\ncommand = \"/bin/netsuite-mcp\"\nargs = [\"serve\"]\n"
        );
        let text = "# mine\nmodel = \"o3\"\n\n[mcp_servers.other]\ncommand = \"x\" # keep\n\n[mcp_servers.netsuite]\ncommand = \"/old\"\nargs = [\"serve\"]\nenv = { A = \"1\" }\n";
        let out = upsert(text, "netsuite", &entry()).unwrap().unwrap();
        assert!(out.starts_with("# mine\nmodel = \"o3\"\n"), "{out}");
        assert!(out.contains("command = \"x\" # keep"), "{out}");
        assert!(out.contains("command = \"/bin/netsuite-mcp\""), "{out}");
        assert!(out.contains("env = { A = \"1\" }"), "{out}");
        assert_eq!(upsert(&out, "netsuite", &entry()).unwrap(), None);
    }

    #[test]
    fn wrong_shapes_are_refused() {
        assert!(upsert("mcp_servers = 3", "netsuite", &entry()).is_err());
        assert!(upsert("[mcp_servers]\nnetsuite = 1", "netsuite", &entry()).is_err());
        assert!(upsert("= broken", "netsuite", &entry()).is_err());
    }
}
