//! Noticing changes in the tools directory by polling: a [`DirState`] is the name, size and modification time of
//! every file the loader would read. Two equal states mean nothing the loader sees has changed (a rewrite within
//! the file system's timestamp resolution that keeps the size is the one change this can miss).

use std::ffi::OsString;
use std::path::Path;
use std::time::SystemTime;

/// What the loader would read in a directory, cheaply: `None` when the directory cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirState(Option<Vec<(OsString, u64, Option<SystemTime>)>>);

impl DirState {
    /// Scans `dir` with the loader's rules: visible `*.toml` regular files (symlinks followed).
    pub fn scan(dir: &Path) -> DirState {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return DirState(None);
        };
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let visible = name.to_str().is_some_and(|n| !n.starts_with('.'));
            let path = entry.path();
            if !visible || path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => {
                    files.push((name, meta.len(), meta.modified().ok()));
                }
                // A file that disappeared between listing and reading, or a directory: not a tool file.
                _ => {}
            }
        }
        files.sort();
        DirState(Some(files))
    }

    /// Whether the directory could be read.
    pub fn exists(&self) -> bool {
        self.0.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_changes_with_tool_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let empty = DirState::scan(dir.path());
        assert!(empty.exists());
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden.toml"), "x").unwrap();
        std::fs::create_dir(dir.path().join("sub.toml")).unwrap();
        assert_eq!(DirState::scan(dir.path()), empty);
        std::fs::write(dir.path().join("a.toml"), "x").unwrap();
        let one = DirState::scan(dir.path());
        assert_ne!(one, empty);
        std::fs::write(dir.path().join("a.toml"), "xy").unwrap();
        assert_ne!(DirState::scan(dir.path()), one, "a size change is seen");
        std::fs::remove_file(dir.path().join("a.toml")).unwrap();
        assert_eq!(DirState::scan(dir.path()), empty);
        assert!(!DirState::scan(&dir.path().join("missing")).exists());
    }
}
