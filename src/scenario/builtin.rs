//! The shipped scenarios, compiled into the binary from `scenarios/*.json`.

/// `(name, JSON text)` of every built-in scenario, in the order the README lists them.
pub const BUILTIN: [(&str, &str); 7] = [
    ("default", include_str!("../../scenarios/default.json")),
    ("ratelimit", include_str!("../../scenarios/ratelimit.json")),
    (
        "unauthorized",
        include_str!("../../scenarios/unauthorized.json"),
    ),
    (
        "server-errors",
        include_str!("../../scenarios/server-errors.json"),
    ),
    ("flaky", include_str!("../../scenarios/flaky.json")),
    ("slow", include_str!("../../scenarios/slow.json")),
    (
        "retry-then-succeed",
        include_str!("../../scenarios/retry-then-succeed.json"),
    ),
];
