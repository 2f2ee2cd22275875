//! Routing and the resource handlers.
//!
//! [`table`] lists every operation once, each row carrying all its facts ([`operation`]);
//! [`router`] recognizes requests from it; each resource has one module of handlers with the
//! same shape, `fn(&Ctx, &Req) -> Result<Reply, ApiError>` (with the path parameter when the
//! path has one).

mod agents;
mod common;
mod events;
mod integrations;
mod knowledge;
mod launch;
pub mod multipart;
pub mod operation;
pub mod request;
pub mod router;
pub mod select;
pub mod table;
mod templates;
mod tokens;
pub mod tools;
mod transcription;
mod triggers;
mod webhooks;
mod workflow_bases;
mod workflows;

pub use operation::{Access, Answer, Body, Class, Handler, Operation, Paging, Source};
pub use request::Req;
pub use router::{Pattern, Router};
pub use select::{MCP_PATH, RouteSet, Selector, tool_row};
pub use table::OPERATIONS;

use std::sync::Arc;

use hyper::Method;

use crate::auth::Principal;
use crate::clock::Clock;
use crate::config::Settings;
use crate::executions::{Executions, Runs};
use crate::store::State;

/// A recognized API request.
pub type Route<'p> = router::Route<'p, Operation>;

/// The router of the API's operations.
pub type ApiRouter = Router<Operation>;

impl Pattern for Operation {
    fn method(&self) -> &Method {
        &self.method
    }

    fn path(&self) -> &'static str {
        self.path
    }
}

/// What a handler may use besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The records of the caller's namespace (an `Arc`, so event streams can keep it).
    pub state: &'a Arc<State>,
    /// The execution timelines of the caller's namespace.
    pub runs: &'a Arc<Runs>,
    /// The server clock.
    pub clock: &'a Clock,
    /// Who is calling.
    pub caller: &'a Principal,
    /// Server settings.
    pub settings: &'a Settings,
}

impl Ctx<'_> {
    /// The executions of the caller's namespace.
    pub fn executions(&self) -> Executions<'_> {
        Executions::new(self.state, self.runs, self.settings.seed)
    }
}
