//! Governance (design.md §1.2–1.3): toolsets, include and exclude lists (exclude wins), the record-type
//! allow-list, and read-only mode, which wins over everything. A tool that is hidden is also refused when
//! called by name.

use std::collections::BTreeSet;

use super::{Catalog, CatalogTool, DEFAULT_MAX_RESULT_CHARS, TOOLSETS, ToolError};
use crate::config::{GovernanceConfig, Key, SettingError};
use crate::netsuite::RecordType;
use crate::netsuite::records::is_name;

/// The keyword that enables every toolset.
pub const ALL_TOOLSETS: &str = "all";

/// The effective rules of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Governance {
    pub read_only: bool,
    /// Enabled toolsets.
    pub toolsets: BTreeSet<String>,
    /// Tools enabled by name, on top of the toolsets.
    pub tools: BTreeSet<String>,
    pub exclude: BTreeSet<String>,
    /// Allowed record types, lower case; `None` allows all.
    pub record_types: Option<BTreeSet<String>>,
    pub max_result_chars: usize,
}

impl Default for Governance {
    fn default() -> Self {
        Self {
            read_only: false,
            toolsets: default_toolsets(),
            tools: BTreeSet::new(),
            exclude: BTreeSet::new(),
            record_types: None,
            max_result_chars: DEFAULT_MAX_RESULT_CHARS,
        }
    }
}

fn default_toolsets() -> BTreeSet<String> {
    TOOLSETS
        .iter()
        .filter(|(_, on, _)| *on)
        .map(|(n, _, _)| (*n).to_owned())
        .collect()
}

/// Why a tool is not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hidden {
    ReadOnly,
    Excluded,
    ToolsetOff(String),
}

impl std::fmt::Display for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hidden::ReadOnly => write!(
                f,
                "this server runs in read-only mode ({}), which disables every tool that writes",
                Key::ReadOnly.env()
            ),
            Hidden::Excluded => write!(
                f,
                "it is excluded by this server's configuration ({})",
                Key::ExcludeTools.env()
            ),
            Hidden::ToolsetOff(toolset) => write!(
                f,
                "its toolset `{toolset}` is not enabled ({}) and it is not listed in {}",
                Key::Toolsets.env(),
                Key::Tools.env()
            ),
        }
    }
}

impl Governance {
    /// Checks the configured governance against the tools of `catalog`. Unknown toolsets, tool names or
    /// malformed record types are reported for their setting, with the valid values.
    pub fn from_config(config: &GovernanceConfig, catalog: &Catalog) -> Result<Self, SettingError> {
        let tool_names: Vec<&str> = catalog.iter().map(CatalogTool::name).collect();
        let check_tools = |key: Key, items: &[String]| {
            for item in items {
                if !tool_names.contains(&item.as_str()) {
                    return Err(SettingError {
                        key,
                        reason: format!(
                            "unknown tool {item:?}; valid tools: {}",
                            tool_names.join(", ")
                        ),
                    });
                }
            }
            Ok(items.iter().cloned().collect::<BTreeSet<_>>())
        };
        let tools = check_tools(Key::Tools, config.tools.as_deref().unwrap_or_default())?;
        let exclude = check_tools(Key::ExcludeTools, &config.exclude_tools)?;
        let toolsets = match &config.toolsets {
            // A list of tools alone means exactly those tools.
            None if config.tools.is_some() => BTreeSet::new(),
            None => default_toolsets(),
            Some(list) => {
                let mut set = BTreeSet::new();
                for item in list {
                    let item = item.to_ascii_lowercase();
                    if item == ALL_TOOLSETS {
                        set.extend(TOOLSETS.iter().map(|(n, _, _)| (*n).to_owned()));
                    } else if TOOLSETS.iter().any(|(n, _, _)| *n == item) {
                        set.insert(item);
                    } else {
                        let valid: Vec<&str> = TOOLSETS.iter().map(|(n, _, _)| *n).collect();
                        return Err(SettingError {
                            key: Key::Toolsets,
                            reason: format!(
                                "unknown toolset {item:?}; valid toolsets: {}, or {ALL_TOOLSETS}",
                                valid.join(", ")
                            ),
                        });
                    }
                }
                set
            }
        };
        let record_types = match &config.record_types {
            None => None,
            Some(list) => {
                let mut set = BTreeSet::new();
                for item in list {
                    if !is_name(item) {
                        return Err(SettingError {
                            key: Key::RecordTypes,
                            reason: format!(
                                "{item:?} is not a record type; use names such as customer,salesorder"
                            ),
                        });
                    }
                    set.insert(item.to_ascii_lowercase());
                }
                Some(set)
            }
        };
        Ok(Self {
            read_only: config.read_only,
            toolsets,
            tools,
            exclude,
            record_types,
            max_result_chars: config.max_result_chars,
        })
    }

    /// Whether `tool` is listed and may run; the error says why not. Read-only mode is checked first and
    /// wins over every list; then exclude beats include.
    pub fn check(&self, tool: &CatalogTool) -> Result<(), Hidden> {
        if self.read_only && !tool.is_read_only() {
            return Err(Hidden::ReadOnly);
        }
        if self.exclude.contains(tool.name()) {
            return Err(Hidden::Excluded);
        }
        if self.toolsets.contains(&tool.toolset) || self.tools.contains(tool.name()) {
            Ok(())
        } else {
            Err(Hidden::ToolsetOff(tool.toolset.clone()))
        }
    }

    /// The tools of `catalog` this server exposes, in catalog order.
    pub fn visible<'a>(
        &'a self,
        catalog: &'a Catalog,
    ) -> impl Iterator<Item = &'a CatalogTool> + 'a {
        catalog.iter().filter(|t| self.check(t).is_ok())
    }

    /// Whether the record-type allow-list admits `record_type` (case-insensitive).
    pub fn allows_record_type(&self, record_type: &str) -> bool {
        self.record_types
            .as_ref()
            .is_none_or(|set| set.contains(&record_type.to_ascii_lowercase()))
    }

    /// Refuses a record type outside the allow-list.
    pub fn check_record_type(&self, record_type: &RecordType) -> Result<(), ToolError> {
        match &self.record_types {
            Some(set) if !self.allows_record_type(record_type.as_str()) => {
                Err(ToolError::Refused(format!(
                    "record type {:?} is not allowed on this server ({}); allowed record types: {}",
                    record_type.as_str(),
                    Key::RecordTypes.env(),
                    set.iter().cloned().collect::<Vec<_>>().join(", ")
                )))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ListSetting, ServerConfig, Settings};

    /// The way the composition root gets there: settings → typed config → governance.
    fn from_settings(s: &Settings, catalog: &Catalog) -> Result<Governance, SettingError> {
        let config = ServerConfig::from_settings(s).unwrap().governance;
        Governance::from_config(&config, catalog)
    }

    fn settings(f: impl FnOnce(&mut Settings)) -> Settings {
        let mut s = Settings::default();
        f(&mut s);
        s
    }

    fn csv(s: &str) -> Option<ListSetting> {
        Some(ListSetting::Csv(s.into()))
    }

    fn visible(s: Settings) -> Vec<String> {
        let catalog = Catalog::builtin();
        let g = from_settings(&s, &catalog).unwrap();
        g.visible(&catalog).map(|t| t.name().to_owned()).collect()
    }

    #[test]
    fn defaults_hide_delete_and_restlets() {
        let v = visible(Settings::default());
        assert_eq!(
            v,
            [
                "run_suiteql",
                "export_suiteql",
                "get_record",
                "list_records",
                "create_record",
                "update_record",
                "upsert_record",
                "list_record_types",
                "describe_record_type",
                "list_saved_searches",
                "run_saved_search",
                "list_datasets",
                "run_dataset"
            ]
        );
    }

    #[test]
    fn read_only_wins_over_toolsets_and_includes() {
        let v = visible(settings(|s| {
            s.read_only = Some(true);
            s.toolsets = csv("all");
            s.tools = csv("delete_record,create_record");
        }));
        assert_eq!(
            v,
            [
                "run_suiteql",
                "export_suiteql",
                "get_record",
                "list_records",
                "list_record_types",
                "describe_record_type",
                "list_saved_searches",
                "run_saved_search",
                "list_datasets",
                "run_dataset"
            ]
        );
    }

    #[test]
    fn exclude_beats_include_and_tools_alone_are_exact() {
        let v = visible(settings(|s| {
            s.tools = csv("run_suiteql,get_record");
            s.exclude_tools = csv("get_record");
        }));
        assert_eq!(v, ["run_suiteql"]);
        let v = visible(settings(|s| {
            s.toolsets = csv("metadata");
            s.tools = csv("delete_record");
        }));
        assert_eq!(
            v,
            ["delete_record", "list_record_types", "describe_record_type"]
        );
    }

    #[test]
    fn unknown_names_are_config_errors_listing_valid_values() {
        let catalog = Catalog::builtin();
        let e = from_settings(&settings(|s| s.toolsets = csv("suiteql,recordz")), &catalog)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("NETSUITE_MCP_TOOLSETS")
                && e.contains("recordz")
                && e.contains("records_delete"),
            "{e}"
        );
        let e = from_settings(&settings(|s| s.exclude_tools = csv("drop_table")), &catalog)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("NETSUITE_MCP_EXCLUDE_TOOLS") && e.contains("run_suiteql"),
            "{e}"
        );
        let e = from_settings(&settings(|s| s.tools = csv("x")), &catalog)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("NETSUITE_MCP_TOOLS:"), "{e}");
        let e = from_settings(
            &settings(|s| s.record_types = csv("customer,../x")),
            &catalog,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("NETSUITE_MCP_RECORD_TYPES"), "{e}");
    }

    #[test]
    fn record_type_allow_list_is_case_insensitive() {
        let catalog = Catalog::builtin();
        let g = from_settings(
            &settings(|s| s.record_types = csv("Customer, salesorder")),
            &catalog,
        )
        .unwrap();
        assert!(g.allows_record_type("customer") && g.allows_record_type("salesOrder"));
        let e = g
            .check_record_type(&RecordType::parse("vendor").unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("customer, salesorder"), "{e}");
    }
}
