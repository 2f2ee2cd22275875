//! The request headers the mock reads by name, as ready-made [`HeaderName`]s: looking one up
//! then hashes the name without parsing and lower-casing the text first, on every request.

use hyper::header::HeaderName;

/// `X-API-Token`: an API token (`prodgy_...`).
pub const API_TOKEN: HeaderName = HeaderName::from_static("x-api-token");
/// `X-Organization-Id`: the organization a call acts for (a UUID).
pub const ORGANIZATION_ID: HeaderName = HeaderName::from_static("x-organization-id");
/// `X-Mock-Namespace`: the namespace a request runs in.
pub const MOCK_NAMESPACE: HeaderName = HeaderName::from_static("x-mock-namespace");
/// `X-Mock-Scenario`: the scenarios one request runs under.
pub const MOCK_SCENARIO: HeaderName = HeaderName::from_static("x-mock-scenario");
/// `Prefer`: `code=NNN` asks for that status (Prism's convention).
pub const PREFER: HeaderName = HeaderName::from_static("prefer");
/// `Last-Event-ID`: where an event stream resumes.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");
