//! prodgy-mock: a fast, deterministic local emulator of the Prodgy REST API.
//!
//! Point any HTTP client at it and it answers every documented `/api` endpoint from
//! in-memory state seeded from fixture files, with the documented envelope, auth and errors;
//! MCP clients get the documented gateway's tools at `/mcp`, from the same state.
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
//! # Public API
//! [`MockServer`] and its [`MockServerBuilder`] (with [`Settings`], [`AuthMode`],
//! [`FixtureSource`], [`LogFormat`]), the server [`Clock`] and [`Timestamp`], hot-reload
//! outcomes ([`ReloadReport`]), the errors a server start or a scenario switch can give
//! ([`StartError`], [`FixtureError`], [`ScenarioError`], [`UnknownScenario`], [`Location`]) and
//! the [`openapi`] document. Modules marked hidden exist for the binary, the fuzz targets and
//! the tests.
//!
//! # Layout
//! From the bottom layer up; a module uses only modules above it in this list (checked by
//! `tests/layers.rs`). `docs/ARCHITECTURE.md` walks through a request.
//! - `error`, `clock`, `hash`: request and startup errors; the one server clock; stable hashes.
//! - `shard`: per-thread copies of what every request writes; `timer`: the header-read timer
//!   of each connection; `headers`: the few request headers the stages read, found in one scan.
//! - `schema`: the one type system of records, request bodies, queries and answers.
//! - `store`: records (collections, a namespace's `State`, the seed); `fixtures`: loading it.
//! - `executions`: the execution simulation; `auth`: credentials to a caller.
//! - `envelope`, `body`, `cors`, `date`, `journal`, `upstream`: HTTP plumbing, the request
//!   journal and the client of a real instance.
//! - `routes`: the operation rows (`routes::table`), the router, request validation, one
//!   module of handlers per resource, and the MCP tools (`routes::tools`).
//! - `ratelimit`, `scenario`: the documented limits and fault injection.
//! - `record`: an instance's records as fixtures (`prodgy-mock record`); `proxy`: proxy mode
//!   (`--proxy`, `--record`).
//! - `namespace`: one object per `X-Mock-Namespace` (records, runs, counters, buckets).
//! - `app`: what all requests share; `admin`, `mcp` (the MCP gateway at `/mcp`), `reload`,
//!   `openapi`, `trace`: around it.
//! - `service`: the request path as ordered stages; `server`: [`MockServer`].
//! - `config`, `cli`, `logging`, `healthcheck`: settings and the binary's parts.
//! - `drift`: where the mock differs from an instance or its OpenAPI document
//!   (`prodgy-mock drift`).

mod admin;
mod app;
mod auth;
mod body;
#[doc(hidden)]
pub mod cli;
mod clock;
mod config;
mod cors;
mod date;
#[doc(hidden)]
pub mod drift;
mod envelope;
mod error;
mod executions;
#[doc(hidden)]
pub mod fixtures;
mod hash;
mod headers;
#[doc(hidden)]
pub mod healthcheck;
mod journal;
#[doc(hidden)]
pub mod logging;
mod mcp;
mod namespace;
pub mod openapi;
mod proxy;
mod ratelimit;
#[doc(hidden)]
pub mod record;
mod reload;
#[doc(hidden)]
pub mod routes;
#[doc(hidden)]
pub mod scenario;
#[doc(hidden)]
pub mod schema;
mod server;
mod service;
mod shard;
mod store;
mod timer;
mod trace;
#[doc(hidden)]
pub mod upstream;
mod verify;

pub use app::ReloadReport;
pub use clock::{Clock, Timestamp};
pub use config::{AuthMode, FixtureSource, LogFormat, Settings};
pub use error::{ApiError, FixtureError, Location, ScenarioError, StartError, UnknownScenario};
pub use server::{MockServer, MockServerBuilder};
pub use verify::{Expectation, ReceivedRequest, RequestFilter, Times};

/// The README's Rust examples, compiled as doc tests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
