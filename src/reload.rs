//! Hot reload: watch the fixtures directory and the scenario files, swap only valid sets.
//!
//! Directories are watched (editors save by writing a temporary file and renaming it). Only
//! events that can change content count (create, write, rename, remove): opening or reading a
//! file, or touching its times, is ignored. Bursts are debounced, and a reload happens only when
//! the content of a watched file really changed: each file's content is fingerprinted, so an
//! editor that saves an unchanged buffer, a `touch` or a `cat` reloads nothing. One edit gives
//! one reload and one log line naming the files that changed.
//!
//! A reload parses and validates the whole new set (every fixture file and every scenario file)
//! and swaps only if all are valid; otherwise the error is logged with its file, line and
//! column and the old set keeps serving. A scenario file whose content did not change keeps its
//! compiled rules, and with them its call counters. The outcome of each attempt is published on
//! a watch channel ([`ReloadReport`](crate::app::ReloadReport)).
//!
//! A reloaded fixture set replaces the seed and is merged into the live state: records the
//! edit added, changed or removed are applied; records clients created, and seed records the
//! edit did not touch (with any client changes), stay until an explicit reset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::FixtureSource;
use crate::error::StartError;
use crate::fixtures::FixtureSet;
use crate::scenario::Catalog;

/// How long the watcher waits for a burst of events to settle before reloading.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// A running file watcher; dropping it stops watching.
#[derive(Debug)]
pub struct Watcher {
    _watcher: RecommendedWatcher,
    task: JoinHandle<()>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching what `app` was loaded from, if there is anything to watch.
pub fn watch(app: &Arc<App>) -> Result<Option<Watcher>, StartError> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    if let FixtureSource::Dir(source) = &app.settings.fixtures {
        // A directory of fixture files, or one exported state file.
        match source.is_dir() {
            true => dirs.push(canonical(source)?),
            false => files.push(canonical_file(source)?),
        }
    }
    let catalog = app.scenarios.catalog();
    for want in &app.settings.scenarios {
        let path = Path::new(want.trim());
        if catalog
            .get(want.trim())
            .is_some_and(|s| s.source == "built-in")
            || !path.exists()
        {
            continue;
        }
        files.push(canonical_file(path)?);
    }
    if dirs.is_empty() && files.is_empty() {
        return Ok(None);
    }
    // Fingerprinted before watching starts: an edit in between is then seen as a change.
    let inputs = Inputs { dirs, files };
    let loaded = inputs.fingerprints();
    let (tx, rx) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .map_err(|source| StartError::Watch {
        path: PathBuf::from("the fixtures and scenario files"),
        source,
    })?;
    let mut watched: Vec<&Path> = inputs.dirs.iter().map(PathBuf::as_path).collect();
    watched.extend(inputs.files.iter().filter_map(|f| f.parent()));
    watched.sort();
    watched.dedup();
    for dir in watched {
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|source| StartError::Watch {
                path: dir.to_owned(),
                source,
            })?;
    }
    let task = tokio::spawn(run(Arc::clone(app), rx, inputs, loaded));
    Ok(Some(Watcher {
        _watcher: watcher,
        task,
    }))
}

/// The canonical directory of `path` joined with its file name (the file itself may be
/// replaced by a rename, so its directory is what is resolved).
fn canonical_file(path: &Path) -> Result<PathBuf, StartError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default();
    Ok(canonical(parent)?.join(name))
}

fn canonical(path: &Path) -> Result<PathBuf, StartError> {
    path.canonicalize().map_err(|e| StartError::Watch {
        path: path.to_owned(),
        source: notify::Error::io(e),
    })
}

/// What a server was loaded from: fixture directories and scenario files.
struct Inputs {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

/// The content fingerprint of every watched file, by path.
type Fingerprints = BTreeMap<PathBuf, u64>;

impl Inputs {
    /// Whether `path` is one of the watched files (or a JSON file in a fixtures directory).
    fn covers(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f == path)
            || (path.extension().is_some_and(|e| e == "json")
                && path
                    .parent()
                    .is_some_and(|p| self.dirs.iter().any(|d| d == p)))
    }

    /// Fingerprints the content of every watched file that exists now.
    fn fingerprints(&self) -> Fingerprints {
        let in_dirs = self.dirs.iter().flat_map(|dir| {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
        });
        in_dirs
            .chain(self.files.iter().cloned())
            .filter(|path| self.covers(path))
            .filter_map(|path| {
                let bytes = std::fs::read(&path).ok()?;
                Some((path, crate::hash::fnv1a(&bytes)))
            })
            .collect()
    }
}

/// The files whose fingerprint differs between `before` and `after` (added, changed or gone).
fn changed(before: &Fingerprints, after: &Fingerprints) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = after
        .iter()
        .filter(|(path, print)| before.get(*path) != Some(print))
        .map(|(path, _)| path.clone())
        .chain(before.keys().filter(|p| !after.contains_key(*p)).cloned())
        .collect();
    paths.sort();
    paths
}

/// Whether a file event can mean new content. Opening, reading and closing a file, and
/// changing its times or permissions (`touch`, `cat`, the watcher's own reads), cannot.
fn may_change_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(modify) => !matches!(modify, ModifyKind::Metadata(_)),
        EventKind::Access(_) | EventKind::Other => false,
    }
}

async fn run(
    app: Arc<App>,
    mut events: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
    inputs: Inputs,
    mut loaded: Fingerprints,
) {
    let counts = |event: &notify::Result<notify::Event>| match event {
        Ok(event) => {
            may_change_content(&event.kind) && event.paths.iter().any(|p| inputs.covers(p))
        }
        Err(error) => {
            tracing::warn!(%error, "file watcher error");
            false
        }
    };
    while let Some(event) = events.recv().await {
        if !counts(&event) {
            continue;
        }
        while let Ok(Some(_)) = tokio::time::timeout(DEBOUNCE, events.recv()).await {}
        let now = inputs.fingerprints();
        let changed = changed(&loaded, &now);
        if changed.is_empty() {
            tracing::debug!("watched files saved without changes; nothing to reload");
            app.reloads.send_modify(|report| report.unchanged += 1);
            continue;
        }
        if reload_changed(&app, changed) {
            loaded = now;
        }
    }
}

/// Reloads every fixture and scenario file after `changed` files changed; swaps only when
/// everything is valid, logs one line either way and reports whether the new set was applied.
fn reload_changed(app: &App, changed: Vec<PathBuf>) -> bool {
    let outcome = load(app);
    let files = changed
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let applied = outcome.is_ok();
    app.reloads.send_modify(|report| {
        report.attempts += 1;
        report.changed = changed;
        report.latest = Some(std::time::Instant::now());
        match outcome {
            Ok(()) => {
                report.applied += 1;
                report.error = None;
                tracing::info!(changed = %files, "reloaded fixtures and scenarios");
            }
            Err(error) => {
                tracing::error!(
                    changed = %files,
                    "reload refused, still serving the previous set: {error}"
                );
                report.error = Some(error);
            }
        }
    });
    applied
}

fn load(app: &App) -> Result<(), String> {
    let fixtures = match &app.settings.fixtures {
        FixtureSource::Dir(source) => Some(FixtureSet::load(source).map_err(|e| e.to_string())?),
        FixtureSource::Builtin => None,
    };
    let previous = app.scenarios.catalog();
    let catalog = Catalog::reload(&app.settings.scenarios, &app.router, &previous)
        .map_err(|e| e.to_string())?;
    if let Some(fixtures) = fixtures {
        app.namespaces.replace_seed(fixtures.into_seed());
    }
    app.replace_catalog(catalog);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind, RenameMode};

    #[test]
    fn only_events_that_can_change_content_count() {
        let counts = [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            EventKind::Remove(notify::event::RemoveKind::File),
        ];
        let ignored = [
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(notify::event::AccessMode::Write)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)),
            EventKind::Other,
        ];
        assert!(counts.iter().all(may_change_content));
        assert!(!ignored.iter().any(may_change_content));
    }

    #[test]
    fn changed_files_are_the_added_edited_and_removed_ones() {
        let before: Fingerprints = [("a".into(), 1), ("b".into(), 2), ("c".into(), 3)].into();
        let after: Fingerprints = [("a".into(), 1), ("b".into(), 9), ("d".into(), 4)].into();
        let names: Vec<PathBuf> = ["b", "c", "d"].iter().map(PathBuf::from).collect();
        assert_eq!(changed(&before, &after), names);
        assert!(changed(&after, &after).is_empty());
    }
}
