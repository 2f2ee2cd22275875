//! The execution simulation: starts executions and derives their progress from the clock.
//!
//! An execution is stored twice: its record (in the `executions` collection, what lists and
//! `status` show) and its [`Timeline`] (in the namespace's [`Runs`], the facts: creation time,
//! needed running time, nodes, accepted client commands). [`Executions::settle`] replays the
//! timeline at the current time and writes the result back into the record ("settle on
//! read"), so every route that shows an execution (status, events, the agent's executions
//! list) tells one story.
//!
//! Fixture executions in a terminal status have no stored timeline; one is rebuilt from the
//! record whenever it is needed and the record is left exactly as the fixture wrote it.

pub mod output;
mod plan;
mod runs;
pub mod timeline;

use std::convert::Infallible;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::clock::Timestamp;
use crate::error::ApiError;
use crate::store::{Doc, Kind, Record, Scope, State};
pub use plan::{DEFAULT_DURATION, workflow_of_agent};
use plan::{duration_of, last, nodes_of, status_of, timeline_of};
pub use runs::Runs;
pub use timeline::{Command, Event, Status, Step, Timeline, View};

/// What to start.
#[derive(Debug)]
pub struct Launch<'a> {
    /// The agent that runs (absent for a workflow base without one).
    pub agent: Option<&'a Record>,
    /// The workflow base that runs (absent for an agent without one).
    pub workflow: Option<&'a Record>,
    /// The trigger that fired, if any.
    pub trigger: Option<&'a Record>,
    /// `manual`, `webhook` or `schedule`.
    pub trigger_type: &'static str,
    /// The input payload.
    pub input: Map<String, Value>,
    /// The product the execution belongs to (stored only when there is no agent to tell it).
    pub product: Option<&'a str>,
}

/// An execution's record after settling, with its replayed view.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The record, up to date.
    pub record: Arc<Doc>,
    /// The replay at the time of settling.
    pub view: View,
    /// The node ids of the run.
    pub nodes: Vec<String>,
}

/// The executions of one namespace: its records, its timelines and the seed of their fake
/// output.
#[derive(Debug, Clone, Copy)]
pub struct Executions<'a> {
    state: &'a State,
    runs: &'a Runs,
    seed: u64,
}

impl<'a> Executions<'a> {
    /// The executions kept in `state` and `runs`, with output drawn from `seed`.
    pub fn new(state: &'a State, runs: &'a Runs, seed: u64) -> Self {
        Self { state, runs, seed }
    }

    /// Starts an execution at `now`: stores its record and timeline.
    pub fn start(&self, now: Timestamp, launch: Launch<'_>) -> Result<Arc<Doc>, ApiError> {
        let (state, seed) = (self.state, self.seed);
        let id = state.new_id();
        let nodes = nodes_of(launch.workflow);
        let failure = match launch.input.get("simulate_failure") {
            Some(Value::String(message)) if !message.is_empty() => Some(message.clone()),
            Some(Value::Bool(true)) => Some(output::failure(seed, &id, last(&nodes))),
            _ => None,
        };
        let field = |r: Option<&Record>, f: &str| r.and_then(|r| r.get(f)).cloned();
        let input = Value::Object(launch.input.clone());
        let recipe = output::Recipe::of(launch.workflow, launch.agent, input);
        let record = json!({
            "id": id,
            "agent_base_id": field(launch.agent, "id"),
            "workflow_base_id": field(launch.workflow, "id"),
            "trigger_id": field(launch.trigger, "id"),
            "status": Status::Running.as_str(),
            "trigger_type": launch.trigger_type,
            "input": launch.input,
            "output": null,
            "error": null,
            "started_at": now.to_string(),
            "finished_at": null,
            "duration_ms": null,
            "current_node": nodes[0],
        });
        let timeline = Timeline {
            created: now,
            duration: duration_of(launch.workflow, launch.agent),
            nodes,
            failure,
            actions: Vec::new(),
            recipe: Arc::new(recipe),
        };
        let mut record = record.as_object().cloned().unwrap_or_default();
        if launch.agent.is_none() {
            // Without an agent, the execution names its product itself (see `routes::common::owner`).
            record.insert("product_id".into(), json!(launch.product));
        }
        let stored = state
            .insert(Kind::Execution, record)
            .map_err(|d| ApiError::internal(format!("generated id '{}' collided", d.0)))?;
        self.runs.adopt(Arc::from(id.as_str()), timeline);
        Ok(stored)
    }

    /// Brings execution `id` up to `now` and returns it; `None` when it does not exist.
    pub fn settle(&self, id: &str, now: Timestamp) -> Option<Settled> {
        let record = self.state.get(Kind::Execution, id)?;
        let (timeline, live) = timeline_of(self.state, self.runs, &record);
        let view = timeline.replay(now);
        let record = if live {
            self.write_back(&record, &timeline, &view, now)
                .unwrap_or(record)
        } else {
            record
        };
        Some(Settled {
            record,
            view,
            nodes: timeline.nodes,
        })
    }

    /// Settles every unfinished execution of agent `agent_id` (before listing them).
    pub fn settle_agent(&self, agent_id: &str, now: Timestamp) {
        let unfinished = self
            .state
            .collection(Kind::Execution)
            .find(Scope::In(&[Some(agent_id)]), |r| {
                !status_of(r).is_some_and(Status::is_terminal)
            });
        for record in unfinished {
            self.settle(crate::store::record_id(&record), now);
        }
    }

    /// Settles every unfinished execution (before showing all state).
    pub fn settle_all(&self, now: Timestamp) {
        let unfinished = self
            .state
            .collection(Kind::Execution)
            .find(Scope::All, |r| {
                !status_of(r).is_some_and(Status::is_terminal)
            });
        for record in unfinished {
            self.settle(crate::store::record_id(&record), now);
        }
    }

    /// Applies a client command at `now`; 400 naming the current status when it is illegal.
    pub fn act(&self, id: &str, now: Timestamp, action: Command) -> Result<Settled, ApiError> {
        let missing = || ApiError::not_found("execution", id);
        let before = self.settle(id, now).ok_or_else(missing)?;
        let refused = |status: Status| {
            ApiError::bad_request(format!(
                "cannot {} execution '{id}': its status is '{}' ({} is only possible while {})",
                action.verb(),
                status.as_str(),
                action.verb(),
                action.legal_from()
            ))
        };
        match self.runs.act(id, action, now) {
            None => Err(refused(before.view.status)),
            Some(Err(status)) => Err(refused(status)),
            Some(Ok(())) => self.settle(id, now).ok_or_else(missing),
        }
    }
}

/// The `data` of `GET /api/workflow/{id}/status` and of the action routes.
pub fn status_data(settled: &Settled) -> Value {
    let r = &settled.record;
    let total = settled.nodes.len().max(1) as u64;
    // Live records carry the replayed node; fixture records keep the node they name.
    let current = match r.get("current_node") {
        Some(node @ Value::String(_)) => node.clone(),
        _ => json!(settled.nodes.get(settled.view.node)),
    };
    let progress = match settled.view.status {
        Status::Completed => 100,
        _ => (settled.view.node as u64 * 100) / total,
    };
    json!({
        "execution_id": r.get("id"),
        "agent_base_id": r.get("agent_base_id"),
        "workflow_base_id": r.get("workflow_base_id").unwrap_or(&Value::Null),
        "trigger_id": r.get("trigger_id").unwrap_or(&Value::Null),
        "status": settled.view.status.as_str(),
        "started_at": r.get("started_at"),
        "finished_at": r.get("finished_at"),
        "current_node": current,
        "progress": progress,
        "output": r.get("output"),
        "error": r.get("error"),
    })
}

/// The SSE event name and `data` of `event`.
pub fn event_data(settled: &Settled, event: &Event) -> (&'static str, Value) {
    let id = settled.record.get("id");
    let at = event.at.to_string();
    match event.step {
        Step::Status(status) => (
            "status",
            json!({"execution_id": id, "status": status.as_str(), "at": at}),
        ),
        Step::Node(index) => (
            "node",
            json!({
                "execution_id": id,
                "node": settled.nodes.get(index),
                "index": index,
                "total": settled.nodes.len(),
                "at": at,
            }),
        ),
        Step::Done(status) => (
            "done",
            json!({
                "execution_id": id,
                "status": status.as_str(),
                "finished_at": at,
                "output": settled.record.get("output"),
                "error": settled.record.get("error"),
            }),
        ),
    }
}

impl Executions<'_> {
    /// Writes the fields `view` decides into the record, when they changed.
    ///
    /// The fields are computed again inside the update from the timeline as it is then, so a
    /// concurrent action (recorded before its own write-back) is never overwritten by an older
    /// replay. The runs map is a different map from the executions collection, so reading it
    /// under the record's guard cannot deadlock.
    fn write_back(
        &self,
        record: &Record,
        timeline: &Timeline,
        view: &View,
        now: Timestamp,
    ) -> Option<Arc<Doc>> {
        let (state, seed) = (self.state, self.seed);
        let id = crate::store::record_id(record);
        let fields = derived(seed, id, timeline, view);
        if fields.iter().all(|(k, v)| record.get(*k) == Some(v)) {
            return None;
        }
        let updated = state.update(Kind::Execution, id, |r| {
            let fresh = self.runs.get(id);
            let fields = match &fresh {
                Some(t) => derived(seed, id, t, &t.replay(now)),
                None => fields,
            };
            for (key, value) in fields {
                r.insert(key.to_owned(), value);
            }
            Ok::<(), Infallible>(())
        });
        updated.ok().flatten()
    }
}

/// The record fields a replay decides.
fn derived(seed: u64, id: &str, timeline: &Timeline, view: &View) -> [(&'static str, Value); 6] {
    let status = view.status;
    let output = match (status, view.finished_at) {
        (Status::Completed, Some(at)) => output::output(seed, id, &timeline.recipe, at),
        _ => Value::Null,
    };
    let error = match status {
        Status::Failed => json!(timeline.failure),
        _ => Value::Null,
    };
    let duration = status
        .is_terminal()
        .then(|| u64::try_from(view.active.as_millis()).unwrap_or(u64::MAX));
    [
        ("status", json!(status.as_str())),
        ("current_node", json!(timeline.nodes.get(view.node))),
        (
            "finished_at",
            json!(view.finished_at.map(|t| t.to_string())),
        ),
        ("duration_ms", json!(duration)),
        ("output", output),
        ("error", error),
    ]
}
