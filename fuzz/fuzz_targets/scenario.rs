//! Scenario parsing: arbitrary text as a scenario file (`--scenario FILE`) must parse and
//! compile to a scenario or give a `ScenarioError` with its location, never panic.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use prodgy_mock::routes::{ApiRouter, OPERATIONS};
use prodgy_mock::scenario::Scenario;

static ROUTER: LazyLock<ApiRouter> = LazyLock::new(|| ApiRouter::new(OPERATIONS));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(error) = Scenario::from_text(Path::new("fuzz.json"), text, &ROUTER) {
        let _ = error.to_string();
    }
});
