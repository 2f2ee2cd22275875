//! Route recognition: an arbitrary method byte and path must give a route or a 404/405
//! `ApiError`, never a panic; a recognized route's parameter is present exactly when its path has one.
#![no_main]

use std::sync::LazyLock;

use hyper::Method;
use libfuzzer_sys::fuzz_target;
use prodgy_mock::routes::{ApiRouter, OPERATIONS};

const METHODS: [Method; 7] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
];

static ROUTER: LazyLock<ApiRouter> = LazyLock::new(|| ApiRouter::new(OPERATIONS));

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Ok(path) = std::str::from_utf8(rest) else {
        return;
    };
    let method = &METHODS[usize::from(*first) % METHODS.len()];
    if let Ok(route) = ROUTER.recognize(method, path) {
        let asked = if *method == hyper::Method::HEAD { &hyper::Method::GET } else { method };
        assert_eq!(route.op.method, *asked);
        assert_eq!(route.param.is_some(), route.op.param_name().is_some());
    }
});
