//! Writing a prepared recording: into a new directory beside the target, renamed into place,
//! so a failure never leaves a half-written directory and a reader never sees one.

use std::path::{Path, PathBuf};

use super::RecordError;
use super::write::Prepared;

/// Refuses an `out` that is a file, or a directory with files in it (unless `force`).
pub fn check_out(out: &Path, force: bool) -> Result<(), RecordError> {
    let refuse = |why: &str| RecordError::OutDir {
        path: out.to_owned(),
        why: why.to_owned(),
    };
    match std::fs::read_dir(out).map(|mut entries| entries.next().is_some()) {
        Ok(true) if !force => Err(refuse(
            "is not empty: choose another directory, or pass --force to replace it",
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory || out.is_file() => {
            Err(refuse("is a file"))
        }
        Err(e) => Err(refuse(&e.to_string())),
    }
}

/// Writes the files into a new directory beside `out`, then renames it into place (an
/// `out` that exists is moved aside first and removed once the new one is there).
pub fn commit(prepared: &Prepared, out: &Path) -> Result<(), RecordError> {
    let failed = |path: &Path, source: std::io::Error| RecordError::Write {
        path: path.to_owned(),
        source,
    };
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| failed(&parent, e))?;
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("fixtures");
    let temp = parent.join(format!(".{name}.recording-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    let written = std::fs::create_dir(&temp).and_then(|()| {
        for (kind, text) in &prepared.files {
            std::fs::write(temp.join(kind.file_name()), text)?;
        }
        Ok(())
    });
    if let Err(source) = written {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(failed(&temp, source));
    }
    let aside = parent.join(format!(".{name}.replaced-{}", std::process::id()));
    let moved_aside = out.exists() && std::fs::rename(out, &aside).is_ok();
    if out.exists() {
        let _ = std::fs::remove_dir_all(&temp);
        let source = std::io::Error::other("cannot move the old directory aside");
        return Err(failed(out, source));
    }
    if let Err(source) = std::fs::rename(&temp, out) {
        let _ = std::fs::remove_dir_all(&temp);
        if moved_aside {
            let _ = std::fs::rename(&aside, out);
        }
        return Err(failed(out, source));
    }
    if moved_aside {
        let _ = std::fs::remove_dir_all(&aside);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::FixtureSet;
    use crate::record::Recording;
    use crate::record::write::{WriteOptions, prepare};
    use crate::schema::Kind;
    use serde_json::json;

    #[test]
    fn a_full_directory_is_refused_without_force() {
        let dir = std::env::temp_dir().join(format!("prodgy-record-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("agents.json"), "[]").expect("file");
        assert!(matches!(
            check_out(&dir, false),
            Err(RecordError::OutDir { .. })
        ));
        assert!(check_out(&dir, true).is_ok());
        let mut recording = Recording::new();
        let product = json!({"id": "p1", "name": "P"});
        recording.put(
            Kind::Product,
            product.as_object().cloned().unwrap_or_default(),
        );
        let prepared = prepare(recording, &WriteOptions::default()).expect("prepared");
        commit(&prepared, &dir).expect("replaced");
        assert!(FixtureSet::load_dir(&dir).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
