//! End-to-end tests through the public library, each on its own mock on port 0.

mod helpers;

mod admin;
mod agents;
mod auth;
mod connections;
mod date_header;
mod errors;
mod faults;
mod fixtures;
mod integrations;
mod knowledge;
mod knowledge_files;
mod knowledge_search;
mod live_fixtures;
mod mcp;
mod mcp_client;
mod mcp_tools;
mod namespaces;
mod openapi;
mod ratelimit;
mod reload;
mod robustness;
mod scenario_files;
mod scenarios;
mod sse;
mod stress;
mod templates;
mod tokens;
mod transcription;
mod triggers;
mod verify;
mod webhooks;
mod workflow_bases;
mod workflows;
