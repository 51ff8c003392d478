//! Building a server: the built-in tools, tools registered in Rust, the tools directory, and governance.
//!
//! ```no_run
//! # async fn demo(client: netsuite_mcp::netsuite::NetSuiteClient, my_tool: netsuite_mcp::catalog::CatalogTool)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use netsuite_mcp::server::NetSuiteServer;
//! let server = NetSuiteServer::builder()
//!     .tool(my_tool)                 // e.g. made with CatalogTool::typed
//!     .tools_dir("tools")            // custom tool files, reloaded while serving
//!     .build(client)?;
//! let _watch = server.watch_tools_dir(); // hot reload; stops when dropped
//! netsuite_mcp::transport::stdio::serve(server).await?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::NetSuiteServer;
use super::exports::{ExportStore, OwnedExports};
use super::listeners::Listeners;
use super::reload::{ToolsDir, load_custom};
use crate::catalog::governance::Governance;
use crate::catalog::live::LiveCatalog;
use crate::catalog::{Catalog, CatalogTool, TOOLSETS, ToolContext};
use crate::config::{ConfirmConfig, ExportsConfig, GovernanceConfig, ServerConfig, SettingError};
use crate::custom::DirState;
use crate::netsuite::NetSuiteClient;

/// Directory of custom tool files used when none is configured, if it exists.
pub const DEFAULT_TOOLS_DIR: &str = "tools";
pub use crate::config::{DEFAULT_POLL_INTERVAL, MAX_POLL_INTERVAL, MIN_POLL_INTERVAL};

/// Why a server could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A governance setting names something the catalog does not have.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// Two tools registered in code share a name, or one takes a built-in name.
    #[error("cannot register tool {name:?}: {reason}")]
    Tool { name: String, reason: String },
}

enum GovernanceSource {
    Given(Governance),
    Config(GovernanceConfig),
}

/// Collects the parts of a [`NetSuiteServer`]; see the module documentation.
pub struct ServerBuilder {
    catalog: Catalog,
    errors: Vec<BuildError>,
    governance: GovernanceSource,
    tools_dir: Option<PathBuf>,
    poll: Duration,
    confirm: ConfirmConfig,
    exports: ExportsConfig,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            catalog: Catalog::builtin(),
            errors: Vec::new(),
            governance: GovernanceSource::Given(Governance::default()),
            tools_dir: None,
            poll: DEFAULT_POLL_INTERVAL,
            confirm: ConfirmConfig::default(),
            exports: ExportsConfig::default(),
        }
    }
}

/// Everything a server needs except the NetSuite client: checked, so configuration mistakes are reported before
/// credentials are loaded.
pub struct PreparedServer {
    catalog: Arc<LiveCatalog>,
    governance: Governance,
    tools_dir: Option<ToolsDir>,
    confirm: ConfirmConfig,
    /// Where confirmations are remembered as used: Redis when several instances serve the account.
    confirm_markers: Option<crate::scale::Redis>,
    exports: ExportsConfig,
}

impl ServerBuilder {
    /// The built-in tools, default governance, no tools directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes governance (toolsets, include/exclude lists, read-only mode, record types, result budget), the tools
    /// directory and its poll interval from `config`. No configured directory means `./tools` when it exists.
    pub fn config(mut self, config: &ServerConfig) -> Self {
        self.governance = GovernanceSource::Config(config.governance.clone());
        self.tools_dir = match &config.tools_dir.dir {
            Some(dir) => Some(dir.clone()),
            None => Some(PathBuf::from(DEFAULT_TOOLS_DIR)).filter(|d| d.is_dir()),
        };
        if let Some(poll) = config.tools_dir.poll {
            self.poll = poll;
        }
        self.confirm = config.confirm.clone();
        self.exports = config.exports.clone();
        self
    }

    /// Which writes the user confirms first, when the client can ask (default: the destructive ones).
    pub fn confirmations(mut self, confirm: ConfirmConfig) -> Self {
        self.confirm = confirm;
        self
    }

    /// How long `export_suiteql` files are kept and how many bytes and files at most (replaces what
    /// [`ServerBuilder::config`] set).
    pub fn exports(mut self, exports: ExportsConfig) -> Self {
        self.exports = exports;
        self
    }

    /// Uses this governance instead of the default one (replaces what [`ServerBuilder::config`] set).
    pub fn governance(mut self, governance: Governance) -> Self {
        self.governance = GovernanceSource::Given(governance);
        self
    }

    /// Adds a tool written in Rust (e.g. with [`CatalogTool::typed`]). Its toolset must be one of
    /// [`TOOLSETS`] (`custom` is the natural one: on by default, and turned off with the file tools) and its name
    /// must be free; [`ServerBuilder::build`] reports a clash. Files in the tools directory cannot take its name.
    pub fn tool(mut self, tool: CatalogTool) -> Self {
        let name = tool.name().to_owned();
        if !TOOLSETS.iter().any(|(t, _, _)| *t == tool.toolset) {
            let known: Vec<&str> = TOOLSETS.iter().map(|(t, _, _)| *t).collect();
            self.errors.push(BuildError::Tool {
                name,
                reason: format!(
                    "unknown toolset {:?}; use one of {}",
                    tool.toolset,
                    known.join(", ")
                ),
            });
        } else if let Err(reason) = self.catalog.register(tool) {
            self.errors.push(BuildError::Tool { name, reason });
        }
        self
    }

    /// Serves the tool files in `dir` (toolset `custom`) and, with [`NetSuiteServer::watch_tools_dir`], reloads
    /// them when they change.
    pub fn tools_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.tools_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// How often the tools directory is checked for changes; zero turns hot reload off.
    pub fn poll_interval(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }

    /// Checks everything and loads the tools directory (files with problems are skipped with a warning).
    pub fn prepare(mut self) -> Result<PreparedServer, BuildError> {
        if !self.errors.is_empty() {
            return Err(self.errors.remove(0));
        }
        let live = Arc::new(LiveCatalog::new(self.catalog));
        let tools_dir = self.tools_dir.map(|dir| {
            // The state is taken before loading, so a change during the load is seen by the first poll.
            let state = DirState::scan(&dir);
            load_custom(&live, &dir);
            ToolsDir {
                dir,
                poll: self.poll,
                loaded: state,
            }
        });
        let governance = match self.governance {
            GovernanceSource::Given(g) => g,
            GovernanceSource::Config(c) => Governance::from_config(&c, &live.snapshot())?,
        };
        Ok(PreparedServer {
            catalog: live,
            governance,
            tools_dir,
            confirm: self.confirm,
            confirm_markers: None,
            exports: self.exports,
        })
    }

    /// [`ServerBuilder::prepare`], then the server over `client`.
    pub fn build(self, client: NetSuiteClient) -> Result<NetSuiteServer, BuildError> {
        Ok(self.prepare()?.build(client))
    }
}

impl PreparedServer {
    /// The tools clients would see now.
    pub fn visible_tools(&self) -> Vec<rmcp::model::Tool> {
        super::visible_tools(&self.catalog.snapshot(), &self.governance)
    }

    /// The complete catalog now (built-in, registered, loaded from files).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.snapshot()
    }

    /// The effective governance.
    pub fn governance(&self) -> &Governance {
        &self.governance
    }

    /// Remembers answered write confirmations in `redis`, so each is accepted once across every instance (they
    /// are accepted by any instance that shares `NETSUITE_MCP_STATE_KEY`).
    pub fn share_confirmations(mut self, redis: crate::scale::Redis) -> Self {
        self.confirm_markers = Some(redis);
        self
    }

    /// The server over `client`.
    pub fn build(self, client: NetSuiteClient) -> NetSuiteServer {
        let mut confirm = super::confirm::Confirmations::new(&self.confirm);
        if let Some(redis) = self.confirm_markers {
            confirm = confirm.shared(redis);
        }
        let max_result_chars = self.governance.max_result_chars;
        let exports = Arc::new(ExportStore::new(self.exports));
        NetSuiteServer {
            catalog: self.catalog,
            ctx: ToolContext {
                client,
                governance: Arc::new(self.governance),
                max_result_chars,
                progress: None,
                exports: Some(OwnedExports::local(&exports)),
            },
            listeners: Listeners::default(),
            tools_dir: self.tools_dir.map(Arc::new),
            confirm: Arc::new(confirm),
            exports,
        }
    }
}
