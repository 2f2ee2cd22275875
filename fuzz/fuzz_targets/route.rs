//! Route recognition: an arbitrary method byte and path must give a route or a 404/405
//! `ApiError`, never a panic; a recognized route's params are all present.
#![no_main]

use std::sync::LazyLock;

use hyper::Method;
use libfuzzer_sys::fuzz_target;
use prodgy_mock::routes::Router;

const METHODS: [Method; 7] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
];

static ROUTER: LazyLock<Router> = LazyLock::new(Router::default);

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Ok(path) = std::str::from_utf8(rest) else {
        return;
    };
    let method = &METHODS[usize::from(*first) % METHODS.len()];
    if let Ok(route) = ROUTER.recognize(method, path) {
        assert_eq!(route.def.method, *method);
        for (name, _) in &route.params {
            assert!(route.def.path.contains(&format!("{{{name}}}")));
        }
    }
});
