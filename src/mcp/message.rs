//! A look at the JSON-RPC message of a `/mcp` request before the MCP SDK reads it: which
//! method, which tool, which id. The stages need it to name the call (journal, log), to pick
//! the tool call's scenario rule and rate-limit bucket, and to answer a refusal with the
//! request's id. Parsing it is the SDK's job; anything this look does not understand is
//! passed on for the SDK to refuse.

use hyper::Method;
use serde_json::Value;

use crate::routes::tools::{self, Tool};

/// What a `/mcp` request carries, as far as the stages care.
#[derive(Debug, Clone)]
pub struct Message {
    /// Its name in the journal and in the log: `mcp.<tool>` for a tool call, else the kind
    /// of message (`mcp.initialize`, `mcp.tools_list`, `mcp.stream`, …).
    pub route: &'static str,
    /// The tool called, when it is a `tools/call` of a known tool.
    pub tool: Option<&'static Tool>,
    /// The JSON-RPC id of a request (`null` when there is none).
    pub id: Value,
}

/// The names of the messages that are not tool calls, by JSON-RPC method.
const METHODS: &[(&str, &str)] = &[
    ("initialize", "mcp.initialize"),
    ("ping", "mcp.ping"),
    ("tools/list", "mcp.tools_list"),
    ("tools/call", "mcp.tools_call"),
    ("server/discover", "mcp.discover"),
];

impl Message {
    /// The message of a request with `method` and `body`.
    pub fn peek(method: &Method, body: &[u8]) -> Self {
        let named = |route| Self {
            route,
            tool: None,
            id: Value::Null,
        };
        match *method {
            Method::GET => return named("mcp.stream"),
            Method::DELETE => return named("mcp.end_session"),
            Method::POST => {}
            _ => return named("mcp.other"),
        }
        let Ok(Value::Object(message)) = serde_json::from_slice::<Value>(body) else {
            return named("mcp.invalid");
        };
        let id = message.get("id").cloned().unwrap_or(Value::Null);
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            // A response or error to a request the server sent.
            return named("mcp.response");
        };
        if id.is_null() {
            return named("mcp.notification");
        }
        let tool = (method == "tools/call")
            .then(|| message.get("params")?.get("name")?.as_str())
            .flatten()
            .and_then(tools::find);
        let route = match tool {
            Some(tool) => tool.route(),
            None => METHODS
                .iter()
                .find(|(m, _)| *m == method)
                .map_or("mcp.request", |(_, route)| route),
        };
        Self { route, tool, id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peek(body: &str) -> Message {
        Message::peek(&Method::POST, body.as_bytes())
    }

    #[test]
    fn tool_calls_are_named_by_their_tool() {
        let call = peek(
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"invoke_agent"}}"#,
        );
        assert_eq!(call.route, "mcp.invoke_agent");
        assert_eq!(call.tool.map(|t| t.name), Some("invoke_agent"));
        assert_eq!(call.id, serde_json::json!(7));
        let unknown =
            peek(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#);
        assert_eq!(
            (unknown.route, unknown.tool.is_none()),
            ("mcp.tools_call", true)
        );
    }

    #[test]
    fn other_messages_are_named_by_their_kind() {
        let route = |body: &str| peek(body).route;
        assert_eq!(
            route(r#"{"jsonrpc":"2.0","id":"a","method":"initialize"}"#),
            "mcp.initialize"
        );
        assert_eq!(
            route(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#),
            "mcp.tools_list"
        );
        assert_eq!(
            route(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            "mcp.notification"
        );
        assert_eq!(
            route(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#),
            "mcp.response"
        );
        assert_eq!(
            route(r#"{"jsonrpc":"2.0","id":3,"method":"x/y"}"#),
            "mcp.request"
        );
        assert_eq!(route("[1, 2]"), "mcp.invalid");
        assert_eq!(route("not json"), "mcp.invalid");
        assert_eq!(Message::peek(&Method::GET, b"").route, "mcp.stream");
        assert_eq!(Message::peek(&Method::DELETE, b"").route, "mcp.end_session");
    }

    #[test]
    fn every_name_given_is_a_known_message() {
        let names = METHODS.iter().map(|(_, route)| *route).chain([
            "mcp.stream",
            "mcp.end_session",
            "mcp.other",
            "mcp.invalid",
            "mcp.response",
            "mcp.notification",
            "mcp.request",
        ]);
        for name in names {
            assert!(tools::MESSAGES.contains(&name), "{name}");
        }
    }
}
