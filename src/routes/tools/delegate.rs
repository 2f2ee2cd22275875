//! Calling a REST operation from a tool: the request the operation's row would have seen
//! (its query and JSON body checked against the row, as the request path checks them) is
//! handed to the row's own handler, so a tool and its REST twin cannot drift apart.

use std::borrow::Cow;
use std::sync::Mutex;

use bytes::Bytes;
use hyper::HeaderMap;
use serde_json::{Map, Value};

use super::super::operation::{Body, Handler, Outcome};
use super::super::request::{Query, json_body};
use super::super::{Ctx, OPERATIONS, Req, Route};
use crate::error::ApiError;
use crate::headers::Known;
use crate::schema::check_query;

/// What a tool sends to an operation.
#[derive(Debug, Default)]
pub struct Call {
    /// The path parameter, for a row whose path has one.
    pub param: Option<String>,
    /// Query parameters, as a client would send them.
    pub query: Query<'static>,
    /// The JSON body, for a row that reads one.
    pub body: Option<Map<String, Value>>,
}

impl Call {
    /// A call with no parameter, query or body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the record of the path (`{id}`, `{productId}`).
    pub fn param(mut self, param: &str) -> Self {
        self.param = Some(param.to_owned());
        self
    }

    /// Adds query parameter `name` when `value` is given (numbers and booleans as text).
    pub fn query(mut self, name: &str, value: Option<&Value>) -> Self {
        let text = match value {
            None | Some(Value::Null) => return self,
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        self.query
            .push((Cow::Owned(name.to_owned()), Cow::Owned(text)));
        self
    }

    /// Sends `body` as the JSON body.
    pub fn body(mut self, body: Map<String, Value>) -> Self {
        self.body = Some(body);
        self
    }
}

/// Runs operation `name` for `call` as the REST request path would after auth: query and
/// body checked against the row (400 naming the field), then the row's handler.
pub fn run(ctx: &Ctx<'_>, name: &str, call: Call) -> Outcome {
    let (index, op) = OPERATIONS
        .iter()
        .enumerate()
        .find(|(_, op)| op.name == name)
        .ok_or_else(|| ApiError::internal(format!("no operation is named '{name}'")))?;
    check_query(op.query, &call.query)?;
    let body = match (&call.body, op.body) {
        (Some(object), Body::Json { .. }) => Bytes::from(Value::Object(object.clone()).to_string()),
        _ => Bytes::new(),
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    let object = json_body(op, headers.get(hyper::header::CONTENT_TYPE), &body)?;
    let path = match &call.param {
        Some(param) => {
            let start = op.path.find('{').unwrap_or(op.path.len());
            let end = op.path[start..]
                .find('}')
                .map_or(op.path.len(), |e| start + e + 1);
            format!("{}{param}{}", &op.path[..start], &op.path[end..])
        }
        None => op.path.to_owned(),
    };
    let known = Known::of(&headers);
    let req = Req {
        route: Route {
            op,
            index,
            param: call.param.as_deref().map(Cow::Borrowed),
        },
        query: call.query,
        headers: &headers,
        known: &known,
        body,
        object,
        path: &path,
        peer: None,
        stream: Mutex::new(None),
    };
    match (op.handler, req.route.param.as_deref()) {
        (Handler::Plain(handler), _) => handler(ctx, &req),
        (Handler::ById(handler), Some(param)) => handler(ctx, &req, param),
        (Handler::ById(_), None) | (Handler::Streaming(_), _) => Err(ApiError::internal(format!(
            "operation '{name}' cannot be called from a tool this way"
        ))),
    }
}
