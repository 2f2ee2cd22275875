//! One operation, declared once: its method and path, its name, what it reads, what it
//! answers, its rate-limit class and its handler. The router, dispatch, request validation,
//! the OpenAPI document, the rate-limit classes and the contract test's exceptions are all
//! derived from these rows ([`super::table::OPERATIONS`]).
//!
//! A row's path parameters and its handler agree at compile time: a path with one `{param}`
//! needs a handler that takes one ([`Handler::ById`]), a path without needs one that takes
//! none, and a table that mixes them up does not compile.

use std::future::Future;
use std::pin::Pin;

use hyper::{Method, StatusCode};

use super::{Ctx, Req};
use crate::envelope::Reply;
use crate::error::ApiError;
use crate::schema::{Field, Shape};

/// What a handler returns.
pub type Outcome = Result<Reply, ApiError>;

/// The future of a streaming handler.
pub type Pending<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// How an operation is answered, with the path parameter it takes.
#[derive(Clone, Copy)]
pub enum Handler {
    /// A handler of a path without parameters.
    Plain(fn(&Ctx<'_>, &Req) -> Outcome),
    /// A handler of a path with one parameter, given its (decoded) value.
    ById(fn(&Ctx<'_>, &Req, &str) -> Outcome),
    /// A handler that streams the request body (uploads), of a path without parameters.
    Streaming(for<'a> fn(Ctx<'a>, &'a Req) -> Pending<'a>),
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Handler::Plain(_) => "Plain",
            Handler::ById(_) => "ById",
            Handler::Streaming(_) => "Streaming",
        })
    }
}

impl Handler {
    /// How many path parameters it takes.
    const fn params(&self) -> usize {
        match self {
            Handler::Plain(_) | Handler::Streaming(_) => 0,
            Handler::ById(_) => 1,
        }
    }

    /// Runs a handler that answers at once (any but [`Handler::Streaming`], which gets a 500
    /// here: it must be awaited through [`Handler::call`]).
    pub fn call_now(&self, ctx: &Ctx<'_>, req: &Req<'_>, param: Option<&str>) -> Outcome {
        match (self, param) {
            (Handler::Plain(handler), _) => handler(ctx, req),
            (Handler::ById(handler), Some(id)) => handler(ctx, req, id),
            (Handler::ById(_), None) | (Handler::Streaming(_), _) => {
                Err(ApiError::internal(format!(
                    "operation {} cannot be answered this way",
                    req.route.op.name
                )))
            }
        }
    }

    /// Runs it for `req`, whose path parameter (if any) is `param`.
    pub async fn call(&self, ctx: Ctx<'_>, req: &Req<'_>, param: Option<&str>) -> Outcome {
        match (self, param) {
            (Handler::Plain(handler), _) => handler(&ctx, req),
            (Handler::ById(handler), Some(id)) => handler(&ctx, req, id),
            (Handler::Streaming(handler), _) => handler(ctx, req).await,
            (Handler::ById(_), None) => Err(ApiError::internal(format!(
                "operation {} matched without its path parameter",
                req.route.op.name
            ))),
        }
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An API token or JWT is required.
    Token,
    /// A token is optional (inbound webhooks).
    OptionalToken,
    /// A platform callback: no Prodgy token is checked.
    Platform,
}

/// The documented rate-limit class of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 10 a minute.
    Standard,
    /// 5 a minute: resource-intensive operations (uploads, search, executions).
    Strict,
}

/// Where an operation's method and path come from, as the reference's §4 checklist marks
/// them. Drift lists inferred operations as unverified until an upstream confirms them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Method and path are stated by the public docs (checklist "D").
    Documented,
    /// The path (or the whole operation) is the mock's guess (checklist "D*" and "I").
    Inferred,
}

/// What an operation reads from the request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Nothing (a body, if sent, is read and ignored).
    None,
    /// A JSON object with these fields (others are kept as sent); checked before the handler
    /// runs, whenever a body is sent.
    Json {
        /// The fields it reads.
        fields: &'static [Field],
        /// Whether a request without a body is documented as wrong.
        required: bool,
    },
    /// `multipart/form-data`, streamed by the handler.
    Form {
        /// The name of the file part.
        file: &'static str,
        /// The text parts it reads.
        fields: &'static [Field],
    },
}

/// What an operation answers on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The envelope with one value under `data`.
    One(Shape),
    /// The envelope with a page of values under `data`, and `pagination` (paged as the row's
    /// [`Paging`] says).
    List(Shape),
    /// A `text/event-stream`.
    Stream,
    /// The envelope with one value, or Slack's bare `{"challenge": …}` answer.
    OrChallenge(Shape),
}

/// How a list is paged: its page size when the client names none, and the largest one it
/// serves (larger requests are clamped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Items per page when neither `pageSize` nor `limit` is sent.
    pub default_size: u64,
    /// The largest page size; larger requests are read as this.
    pub max_size: u64,
}

/// The paging of every list unless its row says otherwise: 20 items, at most 100.
pub const PAGES: Paging = Paging {
    default_size: 20,
    max_size: 100,
};

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// A stable dotted name, used by scenarios and the journal (`agents.get`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path pattern, with at most one `{param}` segment.
    pub path: &'static str,
    /// One line for docs and OpenAPI.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// The success status.
    pub status: StatusCode,
    /// What it answers.
    pub answer: Answer,
    /// What it reads from the body.
    pub body: Body,
    /// The query parameters it reads (lists also read `page`, `pageSize` and `limit`).
    pub query: &'static [Field],
    /// How its list is paged (lists only).
    pub paging: Paging,
    /// Its rate-limit class.
    pub class: Class,
    /// Error statuses it may answer beyond those every operation may (400, 401, 404, 413,
    /// 429, 500, 503).
    pub refusals: &'static [u16],
    /// A documented rule no schema can express that a schema-valid request may still break
    /// (the contract test then expects those 400s).
    pub business_rule: Option<&'static str>,
    /// Whether its error envelopes leave out the `error` key (the documented shape of the
    /// generic webhook).
    pub bare_errors: bool,
    /// Whether its method and path are documented or inferred.
    pub source: Source,
    /// The handler.
    pub handler: Handler,
}

/// How many `{param}` segments `path` has.
const fn params_in(path: &str) -> usize {
    let bytes = path.as_bytes();
    let (mut i, mut count) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'{' {
            count += 1;
        }
        i += 1;
    }
    count
}

/// An operation answering `answer` with 200, reading nothing, in the standard class, for
/// callers with a token. Fails to compile when `path` and `handler` disagree on parameters.
pub const fn op(
    name: &'static str,
    method: Method,
    path: &'static str,
    summary: &'static str,
    answer: Answer,
    handler: Handler,
) -> Operation {
    assert!(
        params_in(path) == handler.params(),
        "an operation's path parameters and its handler's must agree"
    );
    Operation {
        name,
        method,
        path,
        summary,
        access: Access::Token,
        status: StatusCode::OK,
        answer,
        body: Body::None,
        query: &[],
        paging: PAGES,
        class: Class::Standard,
        refusals: &[],
        business_rule: None,
        bare_errors: false,
        source: Source::Documented,
        handler,
    }
}

impl Operation {
    /// Answers 201 Created.
    pub const fn created(mut self) -> Self {
        self.status = StatusCode::CREATED;
        self
    }

    /// Reads a JSON body with `fields`, which must be sent.
    pub const fn json(mut self, fields: &'static [Field]) -> Self {
        self.body = Body::Json {
            fields,
            required: true,
        };
        self
    }

    /// Reads a JSON body with `fields`, which may be left out.
    pub const fn json_optional(mut self, fields: &'static [Field]) -> Self {
        self.body = Body::Json {
            fields,
            required: false,
        };
        self
    }

    /// Streams a `multipart/form-data` body with a `file` part and text `fields`.
    pub const fn form(mut self, file: &'static str, fields: &'static [Field]) -> Self {
        self.body = Body::Form { file, fields };
        self
    }

    /// Reads these query parameters.
    pub const fn query(mut self, fields: &'static [Field]) -> Self {
        self.query = fields;
        self
    }

    /// Pages its list with `paging` instead of [`PAGES`].
    pub const fn paged(mut self, paging: Paging) -> Self {
        self.paging = paging;
        self
    }

    /// Belongs to the strict rate-limit class.
    pub const fn strict(mut self) -> Self {
        self.class = Class::Strict;
        self
    }

    /// Is called with other credentials than a Prodgy token.
    pub const fn access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    /// May also answer these error statuses.
    pub const fn refuses(mut self, statuses: &'static [u16]) -> Self {
        self.refusals = statuses;
        self
    }

    /// May refuse a schema-valid request by this documented rule.
    pub const fn rule(mut self, why: &'static str) -> Self {
        self.business_rule = Some(why);
        self
    }

    /// Answers errors without the `error` key.
    pub const fn bare_errors(mut self) -> Self {
        self.bare_errors = true;
        self
    }

    /// Its path (or the whole operation) is inferred, not documented.
    pub const fn inferred(mut self) -> Self {
        self.source = Source::Inferred;
        self
    }

    /// The name of its path parameter, if it has one.
    pub fn param_name(&self) -> Option<&'static str> {
        let start = self.path.find('{')? + 1;
        let end = self.path[start..].find('}')? + start;
        Some(&self.path[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_counted_in_the_path() {
        assert_eq!(params_in("/api/agent-base"), 0);
        assert_eq!(params_in("/api/agent-base/{id}/executions"), 1);
    }
}
