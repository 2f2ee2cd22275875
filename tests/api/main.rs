//! End-to-end tests through the public library, each on its own mock on port 0.

mod helpers;

mod agents;
mod auth;
mod errors;
mod faults;
mod fixtures;
mod integrations;
mod overhead;
mod ratelimit;
mod reload;
mod scenario_files;
mod scenarios;
