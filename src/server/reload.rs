//! Hot reload of the tools directory: a small polling watcher (no extra dependency, same behaviour on every
//! platform and file system, including network and container mounts where change events are unreliable).
//! Every `poll` interval the directory's [`DirState`] (names, sizes, modification times of the tool files) is
//! compared with the one last loaded; a change is applied once the state has stayed the same for one more
//! interval (so a file being written is not loaded half-done). Applying means: load the directory, swap the custom
//! part of the catalog at once, and, when the tool definitions changed, send `notifications/tools/list_changed`
//! to every connected client. A file with problems is skipped with a warning; the others keep working.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::listeners::Listeners;
use crate::catalog::CatalogTool;
use crate::catalog::custom::load;
use crate::catalog::live::LiveCatalog;
use crate::custom::DirState;
use crate::scale::fanout::Fanout;

/// The tools directory of a server and what was last loaded from it.
#[derive(Debug, Clone)]
pub struct ToolsDir {
    pub(crate) dir: PathBuf,
    pub(crate) poll: Duration,
    pub(crate) loaded: DirState,
}

/// Loads `dir` into the custom part of `live`, logging each problem at warn; says whether the definitions
/// changed. A directory that cannot be read leaves no custom tools.
pub fn load_custom(live: &LiveCatalog, dir: &Path) -> bool {
    let tools = read_tools(live, dir);
    live.replace_custom(tools)
}

fn read_tools(live: &LiveCatalog, dir: &Path) -> Vec<CatalogTool> {
    let reserved: Vec<&str> = live.base().iter().map(CatalogTool::name).collect();
    match load(dir, &reserved) {
        Ok(loaded) => {
            for problem in &loaded.problems {
                tracing::warn!("custom tool file skipped: {problem}");
            }
            let names: Vec<&str> = loaded.tools.iter().map(CatalogTool::name).collect();
            tracing::info!(dir = %dir.display(), tools = %names.join(","), "custom tools loaded");
            loaded.tools
        }
        Err(e) => {
            tracing::warn!("no custom tools: {e}");
            Vec::new()
        }
    }
}

/// The running watcher; dropping it stops watching.
#[derive(Debug)]
pub struct Watcher {
    task: JoinHandle<()>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts polling `tools` (must be called inside a tokio runtime). With `fanout`, changes applied here are
/// published, and changes published by other instances are applied here at once.
pub(crate) fn spawn(
    tools: ToolsDir,
    live: Arc<LiveCatalog>,
    listeners: Listeners,
    fanout: Option<Fanout>,
) -> Watcher {
    let task = tokio::spawn(async move {
        let mut heard = fanout.as_ref().map(Fanout::subscribe);
        let ToolsDir {
            dir,
            poll,
            mut loaded,
        } = tools;
        // Bounded: a zero period panics in tokio, a huge one overflows `Instant`.
        let poll = poll.clamp(Duration::from_millis(1), crate::config::MAX_POLL_INTERVAL);
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut settling: Option<DirState> = None;
        loop {
            let remote = tokio::select! {
                _ = ticks.tick() => false,
                Some(()) = async {
                    match heard.as_mut() {
                        Some(sub) => sub.changes.recv().await,
                        None => std::future::pending().await,
                    }
                } => true,
            };
            let now = {
                let dir = dir.clone();
                match tokio::task::spawn_blocking(move || DirState::scan(&dir)).await {
                    Ok(state) => state,
                    Err(_) => continue,
                }
            };
            // Another instance already waited for the files to settle.
            if !remote {
                if now == loaded {
                    settling = None;
                    continue;
                }
                if settling.as_ref() != Some(&now) {
                    settling = Some(now);
                    continue;
                }
            }
            settling = None;
            loaded = now;
            let (live2, dir2) = (Arc::clone(&live), dir.clone());
            let Ok(changed) = tokio::task::spawn_blocking(move || load_custom(&live2, &dir2)).await
            else {
                continue;
            };
            if changed {
                let told = listeners.notify_tool_list_changed().await;
                tracing::info!(
                    clients = told,
                    remote,
                    "custom tools changed; sent tools/list_changed"
                );
                if let (Some(fanout), false) = (&fanout, remote)
                    && let Err(e) = fanout.publish().await
                {
                    tracing::warn!("{e}; the other instances see the change at their next poll");
                }
            } else {
                tracing::debug!("tools directory changed; tool definitions did not");
            }
        }
    });
    Watcher { task }
}
