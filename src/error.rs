//! Errors, named by how they fail.
//!
//! [`ApiError`] is a request that cannot succeed; `envelope.rs` turns it into the documented
//! error envelope. [`StartError`] is why the server could not start; each kind has its own
//! process exit code, documented in the README.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::StatusCode;

/// A request that failed, with the status and a message a client developer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status to answer with.
    pub status: StatusCode,
    /// What was wrong, naming the field or id.
    pub message: String,
    /// Methods allowed on the path, for 405 answers.
    pub allow: Option<String>,
    /// Leaves the `error` key out of the body (the documented generic-webhook shape).
    pub bare: bool,
}

impl ApiError {
    /// Any status with a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            allow: None,
            bare: false,
        }
    }

    /// 400: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: authentication is missing or refused.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: the caller is known but may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404 for a record: "agent 'abc' not found".
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{what} '{id}' not found"))
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        let message = format!("request body exceeds the limit of {limit} bytes");
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// 500: the mock itself failed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// A missing required field.
    pub fn missing_field(field: &str) -> Self {
        Self::bad_request(format!("missing required field '{field}'"))
    }

    /// A field of the wrong type or value.
    pub fn invalid_field(field: &str, expected: &str) -> Self {
        Self::bad_request(format!("field '{field}' must be {expected}"))
    }

    /// Appends what to do about it: "missing required field 'id': name the agent with …".
    pub fn with_hint(mut self, hint: &str) -> Self {
        self.message = format!("{}: {hint}", self.message);
        self
    }

    /// Drops the `error` key from the body.
    pub fn bare(mut self) -> Self {
        self.bare = true;
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// A position in a file, 1-based, as editors show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (shared: a large fixture file has one location per record).
    pub path: Arc<Path>,
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// A fixture set that cannot be loaded. Always names the file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The fixtures directory (or a file in it) cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Unreadable {
        /// The path that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{at}: invalid JSON: {message}")]
    InvalidJson {
        /// Where the parser stopped.
        at: Location,
        /// The parser's description.
        message: String,
    },
    /// A `*.json` file in the fixtures directory is not one of the fixture files (a typo
    /// such as `agent.json` would otherwise start without those records).
    #[error(
        "{}: unknown fixture file; {}Known files: {}. Files not ending in .json, and hidden files, are ignored",
        path.display(),
        did_you_mean(*suggestion),
        known
    )]
    UnknownFile {
        /// The file.
        path: PathBuf,
        /// The closest known file name, when one is close.
        suggestion: Option<&'static str>,
        /// Every fixture file name, comma-separated.
        known: String,
    },
    /// A record breaks a rule (missing field, wrong type, dangling reference, duplicate id).
    #[error("{at}: {message}")]
    InvalidRecord {
        /// Where the record starts.
        at: Location,
        /// What is wrong, naming the field.
        message: String,
    },
}

/// "did you mean agents.json? " when there is a close name.
fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|name| format!("did you mean {name}? "))
        .unwrap_or_default()
}

/// A scenario that cannot be used. File errors name the file, line and column.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Neither a built-in name nor an existing file.
    #[error("unknown scenario '{name}': use a built-in ({available}) or a path to a JSON file")]
    Unknown {
        /// What was asked for.
        name: String,
        /// The names that exist, comma-separated.
        available: String,
    },
    /// The file cannot be read.
    #[error("{}: cannot read scenario: {source}", path.display())]
    Unreadable {
        /// The path that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON or breaks the scenario format.
    #[error("{at}: {message}")]
    Invalid {
        /// Where the parser stopped.
        at: Location,
        /// What is wrong (unknown key, impossible status, …).
        message: String,
    },
}

/// Why the server could not start. Each kind maps to a distinct exit code.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Flags or builder settings that contradict each other.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The fixture set is broken.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// A scenario is unknown or its file is broken.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl StartError {
    /// The process exit code for this failure (see the README's exit-code table).
    pub fn exit_code(&self) -> u8 {
        match self {
            StartError::Config(_) => 2,
            StartError::Fixture(_) => 3,
            StartError::Scenario(_) => 4,
            StartError::Bind { .. } => 5,
        }
    }
}
