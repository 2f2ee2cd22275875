//! The MCP server the SDK runs for each session (or each stateless request): it lists the
//! tools of [`TOOLS`] and answers their calls from the namespace the HTTP stage resolved.
//!
//! Everything a call needs travels with its request: the HTTP stage puts an [`Exchange`] in
//! the request's extensions, and the SDK hands the request's `http::request::Parts` to the
//! handler. So the server itself holds nothing, and a session is bound to no namespace or
//! token: each request is served with the namespace and credentials it carries.
//!
//! A tool's answer is a tool result whose structured content is the envelope a REST client
//! would get for the same operation (`success`, `message`, `data`, `pagination`), and whose
//! text is that envelope as JSON. A refusal (400, 403, 404, an injected failure) is a tool
//! result with `isError: true`, so an LLM client reads why; only an unknown tool is a
//! JSON-RPC error (invalid params), as the MCP specification prescribes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, DiscoverResult,
    Implementation, InitializeRequestParams, InitializeResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool as McpTool, ToolAnnotations,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use super::Exchange;
use crate::error::ApiError;
use crate::routes::tools::{self, Args, Standing, TOOLS, Tool};
use crate::routes::{Ctx, operation::Outcome};
use crate::scenario::catalog::Effect;

/// The gateway's MCP server: stateless, see the module docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Server;

/// The exchange the HTTP stage attached to the request of `context`.
fn exchange_of(extensions: &rmcp::model::Extensions) -> Option<&Exchange> {
    extensions
        .get::<hyper::http::request::Parts>()?
        .extensions
        .get::<Exchange>()
}

/// What the handlers of `exchange` see.
fn ctx(exchange: &Exchange) -> Ctx<'_> {
    Ctx {
        state: &exchange.namespace.state,
        runs: &exchange.namespace.runs,
        clock: &exchange.app.clock,
        caller: &exchange.caller,
        settings: &exchange.app.settings,
    }
}

/// The tools as MCP describes them, in [`TOOLS`] order.
pub fn listed() -> Vec<McpTool> {
    TOOLS.iter().map(describe).collect()
}

fn describe(tool: &Tool) -> McpTool {
    let schema = match tool.input_schema() {
        Value::Object(schema) => schema,
        _ => serde_json::Map::new(),
    };
    let read_only = tool.grant == tools::Grant::Read;
    let annotations = ToolAnnotations::with_title(tool.title)
        .read_only(read_only)
        .destructive(tool.destructive);
    McpTool::new(tool.name, tool.description, Arc::new(schema))
        .with_title(tool.title)
        .annotate(annotations)
}

impl Server {
    /// The server's description, with the instructions of the caller's workspace when the
    /// request carries an exchange.
    fn info(&self, extensions: &rmcp::model::Extensions) -> ServerConfig {
        let mut info = self.get_info();
        if let Some(instructions) =
            exchange_of(extensions).and_then(|e| tools::instructions(&ctx(e)))
        {
            info.instructions = Some(instructions);
        }
        info
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let mut implementation = Implementation::new("prodgy-mock", env!("CARGO_PKG_VERSION"));
        implementation.title = Some("Prodgy MCP gateway (prodgy-mock)".to_owned());
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(implementation)
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        let mut result = self.negotiate_initialize(&request)?;
        result.instructions = self.info(&context.extensions).instructions;
        Ok(result)
    }

    async fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<DiscoverResult, ErrorData> {
        Ok(DiscoverResult::from_server_info(
            self.supported_protocol_versions().into_owned(),
            self.info(&context.extensions),
        ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(listed()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = tools::find(&request.name) else {
            let names: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool '{}'; the tools are: {}",
                    request.name,
                    names.join(", ")
                ),
                None,
            ));
        };
        let Some(exchange) = exchange_of(&context.extensions) else {
            return Err(ErrorData::internal_error(
                "the tool call arrived without its HTTP request",
                None,
            ));
        };
        if let Some(effect) = exchange.decision.as_ref().map(|d| &*d.effect)
            && effect.status.is_some()
        {
            return Ok(injected(effect).into());
        }
        let args = request.arguments.unwrap_or_default();
        let outcome =
            catch_unwind(AssertUnwindSafe(|| run(exchange, tool, &args))).unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                tracing::error!(tool = tool.name, panic = %what, "tool panicked; answered 500");
                Err(ApiError::internal(format!(
                    "the mock failed while running tool '{}': {what}",
                    tool.name
                )))
            });
        Ok(result(outcome).into())
    }

    async fn on_initialized(&self, _context: NotificationContext<RoleServer>) {}
}

/// Runs `tool` for `exchange`: the caller's role and scopes, the arguments, the handler.
fn run(exchange: &Exchange, tool: &Tool, args: &Args) -> Outcome {
    let ctx = ctx(exchange);
    Standing::of(&ctx).allows(tool)?;
    tool.check(args)?;
    (tool.handler)(&ctx, args)
}

/// The tool result of a handler's outcome: the REST envelope, flagged as an error when it is
/// one.
fn result(outcome: Outcome) -> CallToolResult {
    let (envelope, failed) = tools::envelope(outcome);
    match failed {
        true => CallToolResult::structured_error(envelope),
        false => CallToolResult::structured(envelope),
    }
}

/// The tool result of an injected answer (a scenario rule or `Prefer: code=`): its body, as
/// an error from status 400 up.
fn injected(effect: &Effect) -> CallToolResult {
    let failed = effect.status.is_some_and(|s| s.as_u16() >= 400);
    match serde_json::from_slice::<Value>(&effect.body) {
        Ok(body @ Value::Object(_)) if failed => CallToolResult::structured_error(body),
        Ok(body @ Value::Object(_)) => CallToolResult::structured(body),
        _ => {
            let text = String::from_utf8_lossy(&effect.body).into_owned();
            match failed {
                true => CallToolResult::error(vec![ContentBlock::text(text)]),
                false => CallToolResult::success(vec![ContentBlock::text(text)]),
            }
        }
    }
}
