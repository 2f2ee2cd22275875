//! End-to-end tests through the public library, each on its own mock on port 0.

mod helpers;

mod admin;
mod agents;
mod auth;
mod errors;
mod fixtures;
mod integrations;
mod namespaces;
mod openapi;
mod robustness;
mod stress;
