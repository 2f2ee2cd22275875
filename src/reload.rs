//! Hot reload: watch the fixtures directory and the scenario files, swap only valid sets.
//!
//! Directories are watched (editors save by writing a temporary file and renaming it), and
//! bursts of events are debounced. A reload parses and validates the whole new set (every
//! fixture file and every scenario file) and swaps only if all are valid; otherwise the error
//! is logged with its file, line and column and the old set keeps serving. The outcome of each
//! attempt is published on a watch channel ([`ReloadReport`]).
//!
//! A reloaded fixture set replaces the seed and is merged into the live state: records the
//! edit added, changed or removed are applied; records clients created, and seed records the
//! edit did not touch (with any client changes), stay until an explicit reset.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::FixtureSource;
use crate::error::StartError;
use crate::fixtures::FixtureSet;
use crate::scenario::Catalog;
use crate::service::App;

/// How long the watcher waits for a burst of events to settle before reloading.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The outcome of the latest reload attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// How many reloads were attempted (0 before the first).
    pub attempts: u64,
    /// How many succeeded.
    pub applied: u64,
    /// Why the latest attempt was refused (`file:line:column: what`), if it was.
    pub error: Option<String>,
}

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
    if let FixtureSource::Dir(dir) = &app.settings.fixtures {
        dirs.push(canonical(dir)?);
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
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let parent = canonical(parent)?;
        if let Some(name) = path.file_name() {
            files.push(parent.join(name));
        }
    }
    if dirs.is_empty() && files.is_empty() {
        return Ok(None);
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .map_err(|e| StartError::Config(format!("cannot start the file watcher: {e}")))?;
    let mut watched: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    watched.extend(files.iter().filter_map(|f| f.parent()));
    watched.sort();
    watched.dedup();
    for dir in watched {
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| StartError::Config(format!("cannot watch {}: {e}", dir.display())))?;
    }
    let relevant = move |path: &Path| {
        files.iter().any(|f| f == path)
            || (path.extension().is_some_and(|e| e == "json")
                && path.parent().is_some_and(|p| dirs.iter().any(|d| d == p)))
    };
    let task = tokio::spawn(run(Arc::clone(app), rx, relevant));
    Ok(Some(Watcher {
        _watcher: watcher,
        task,
    }))
}

fn canonical(path: &Path) -> Result<PathBuf, StartError> {
    path.canonicalize()
        .map_err(|e| StartError::Config(format!("cannot watch {}: {e}", path.display())))
}

async fn run(
    app: Arc<App>,
    mut events: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
    relevant: impl Fn(&Path) -> bool,
) {
    let touches = |event: &notify::Result<notify::Event>| match event {
        Ok(event) => event.paths.iter().any(|p| relevant(p)),
        Err(error) => {
            tracing::warn!(%error, "file watcher error");
            false
        }
    };
    while let Some(event) = events.recv().await {
        if !touches(&event) {
            continue;
        }
        while let Ok(Some(_)) = tokio::time::timeout(DEBOUNCE, events.recv()).await {}
        reload(&app);
    }
}

/// Reloads every fixture and scenario file now; swaps only when all are valid.
pub fn reload(app: &App) {
    let outcome = load(app);
    app.reloads.send_modify(|report| {
        report.attempts += 1;
        match outcome {
            Ok(()) => {
                report.applied += 1;
                report.error = None;
                tracing::info!("reloaded fixtures and scenarios");
            }
            Err(error) => {
                tracing::error!("reload refused, still serving the previous set: {error}");
                report.error = Some(error);
            }
        }
    });
}

fn load(app: &App) -> Result<(), String> {
    let fixtures = match &app.settings.fixtures {
        FixtureSource::Dir(dir) => Some(FixtureSet::load_dir(dir).map_err(|e| e.to_string())?),
        FixtureSource::Builtin => None,
    };
    let catalog = Catalog::load(&app.settings.scenarios, &app.router).map_err(|e| e.to_string())?;
    if let Some(fixtures) = fixtures {
        app.store.replace_seed(fixtures);
    }
    app.scenarios.replace_catalog(catalog);
    Ok(())
}
