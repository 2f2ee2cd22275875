//! What a run looks like before the clock moves it: its nodes and duration (from its workflow
//! base and agent), and the timeline of an execution the engine did not start (a fixture),
//! rebuilt from its record.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::Runs;
use super::output::Recipe;
use super::timeline::{Command, Status, Timeline};
use crate::clock::Timestamp;
use crate::store::{Doc, Kind, Record, Scope, State};

/// The running time of an execution whose workflow base and agent set no `duration_ms`.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(5);
/// The nodes of an execution whose workflow base defines none.
pub const DEFAULT_NODES: [&str; 3] = ["trigger", "processing", "output"];

/// The first workflow base of agent `agent_id`, if it has one.
pub fn workflow_of_agent(state: &State, agent_id: &str) -> Option<Arc<Doc>> {
    state
        .collection(Kind::Workflow)
        .find(Scope::All, |w| {
            w.get("agent_base_id").and_then(Value::as_str) == Some(agent_id)
        })
        .into_iter()
        .next()
}

pub(super) fn status_of(record: &Record) -> Option<Status> {
    record
        .get("status")
        .and_then(Value::as_str)
        .and_then(Status::parse)
}

pub(super) fn last(nodes: &[String]) -> &str {
    nodes.last().map_or("output", String::as_str)
}

pub(super) fn nodes_of(workflow: Option<&Record>) -> Vec<String> {
    let ids: Vec<String> = workflow
        .and_then(|w| w.get("nodes"))
        .and_then(Value::as_array)
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| n.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        DEFAULT_NODES.iter().map(|n| (*n).to_owned()).collect()
    } else {
        ids
    }
}

pub(super) fn duration_of(workflow: Option<&Record>, agent: Option<&Record>) -> Duration {
    [workflow, agent]
        .into_iter()
        .flatten()
        .find_map(|r| r.get("duration_ms").and_then(Value::as_u64))
        .map_or(DEFAULT_DURATION, Duration::from_millis)
}

fn time(record: &Record, field: &str) -> Option<Timestamp> {
    record
        .get(field)
        .and_then(Value::as_str)
        .and_then(Timestamp::parse)
}

/// The stored timeline of `record`, or one rebuilt from it. True when the engine drives it.
pub(super) fn timeline_of(state: &State, runs: &Runs, record: &Record) -> (Timeline, bool) {
    let id = crate::store::record_id(record);
    if let Some(timeline) = runs.get(id) {
        return (timeline, true);
    }
    let workflow = text(record, "workflow_base_id")
        .and_then(|w| state.get(Kind::Workflow, w))
        .or_else(|| text(record, "agent_base_id").and_then(|a| workflow_of_agent(state, a)));
    let agent = text(record, "agent_base_id").and_then(|a| state.get(Kind::Agent, a));
    let created = time(record, "started_at").unwrap_or(Timestamp::from_millis(0));
    let status = status_of(record).unwrap_or(Status::Running);
    let mut timeline = Timeline {
        created,
        duration: duration_of(
            workflow.as_deref().map(Doc::record),
            agent.as_deref().map(Doc::record),
        ),
        nodes: nodes_of(workflow.as_deref().map(Doc::record)),
        failure: None,
        actions: Vec::new(),
        recipe: Arc::default(),
    };
    if !status.is_terminal() {
        let input = record.get("input").cloned().unwrap_or(Value::Null);
        let recipe = Recipe::of(
            workflow.as_deref().map(Doc::record),
            agent.as_deref().map(Doc::record),
            input,
        );
        timeline.recipe = Arc::new(recipe);
        if status == Status::Paused {
            timeline.actions.push((created, Command::Pause));
        }
        let kept = runs.adopt(Arc::from(id), timeline);
        return (kept, true);
    }
    let finished = time(record, "finished_at").unwrap_or(created);
    match status {
        Status::Stopped => {
            timeline.duration = Duration::MAX;
            timeline.actions.push((finished, Command::Stop));
        }
        _ => timeline.duration = finished.since(created),
    }
    if status == Status::Failed {
        let error = text(record, "error").unwrap_or("failed");
        timeline.failure = Some(error.to_owned());
    }
    (timeline, false)
}

fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}
