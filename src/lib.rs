//! prodgy-mock: a fast, deterministic local emulator of the Prodgy REST API.
//!
//! Point any HTTP client at it and it answers every documented `/api` endpoint from
//! in-memory state seeded from fixture files, with the documented envelope, auth and errors.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use prodgy_mock::MockServer;
//!
//! let server = MockServer::start().await; // 127.0.0.1 on a free port, built-in fixtures
//! let url = format!("{}/api/agent-base", server.uri());
//! // GET `url` with the header `X-API-Token: prodgy_AcmeSupportDefaultToken000000001` …
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - [`server`]: [`MockServer`] and its builder: listener, accept loop, graceful shutdown.
//! - `service`: the ordered request stages (route, body, auth, handler, envelope).
//! - `routes`: the route table, recognition, and one module of handlers per resource.
//! - `store`: the state handle; DashMap collections behind typed methods.
//! - [`scenario`]: scenario files, precompiled matching, fault injection, `/__admin/scenario`.
//! - [`ratelimit`]: the documented fixed-window limits, when a scenario enables them.
//! - [`reload`]: watching fixtures and scenario files, all-or-nothing swaps.
//! - [`fixtures`]: loading and validating seed data, with file:line:column errors.
//! - `auth`: credentials to a [`Principal`](auth::Principal).
//! - `envelope`: the only place results become HTTP responses.
//! - `trace`: what a request leaves behind: its journal entry and its debug log line.
//! - [`clock`]: the one server clock tests can advance.
//! - `date`: the `Date` header from that clock, formatted once per second.
//! - [`engine`]: executions: started here, their progress derived from the clock.
//! - [`config`] / [`cli`]: typed settings and the raw flags they come from.
//! - [`healthcheck`]: the `healthcheck` subcommand's plain HTTP/1.0 probe.
//! - [`logging`]: the binary's stderr logs: level filter, format, colour on terminals only.
//! - [`error`]: request errors and startup errors with their exit codes.

mod admin;
mod app;
pub mod auth;
mod body;
pub mod cli;
pub mod clock;
pub mod config;
mod cors;
mod date;
pub mod envelope;
pub mod error;
pub mod executions;
pub mod fixtures;
mod hash;
pub mod healthcheck;
pub mod journal;
pub mod logging;
pub mod namespace;
pub mod openapi;
pub mod ratelimit;
pub mod reload;
pub mod routes;
pub mod scenario;
pub mod schema;
pub mod server;
mod service;
pub mod store;
mod trace;

pub use clock::{Clock, Timestamp};
pub use config::{AuthMode, LogFormat, Settings};
pub use error::{ApiError, FixtureError, ScenarioError, StartError};
pub use reload::ReloadReport;
pub use server::{MockServer, MockServerBuilder};
