//! Fixture parsing: arbitrary bytes split on NUL into the per-kind files (products, catalog,
//! tokens, agents, …, in `Kind::ALL` order), and the whole input as an exported state file.
//! Loading must return a set or a `FixtureError`, never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use prodgy_mock::fixtures::FixtureSet;
use prodgy_mock::schema::Kind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let texts: Vec<(Kind, &str)> = Kind::ALL.into_iter().zip(text.split('\0')).collect();
    if let Err(error) = FixtureSet::from_texts(&texts) {
        let _ = error.to_string();
    }
    if let Err(error) = FixtureSet::from_export(Path::new("state.json"), text) {
        let _ = error.to_string();
    }
});
