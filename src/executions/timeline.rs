//! The pure half of the execution engine: an execution's recorded facts (when it was
//! created, how much running time it needs, its nodes, and the pause/continue/stop actions
//! clients sent) replayed against a point in time.
//!
//! Everything a client can observe (status, current node, the event stream) is derived from
//! one [`Timeline::replay`], so polling and streaming always tell the same story. Paused time
//! does not count towards the run's duration.

use std::sync::Arc;
use std::time::Duration;

use super::output::Recipe;
use crate::clock::Timestamp;

/// The status of an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Accepted, not yet running (instantaneous in the mock).
    Pending,
    /// Making progress on the clock.
    Running,
    /// Held; the clock does not count.
    Paused,
    /// Stopped by a client (terminal).
    Stopped,
    /// Finished with output (terminal).
    Completed,
    /// Finished with an error (terminal).
    Failed,
}

impl Status {
    /// The wire name, e.g. `running`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
            Status::Completed => "completed",
            Status::Failed => "failed",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Status::Pending,
            Status::Running,
            Status::Paused,
            Status::Stopped,
            Status::Completed,
            Status::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether nothing can change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Stopped | Status::Completed | Status::Failed)
    }
}

/// A client action on an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `running` → `paused`.
    Pause,
    /// `paused` → `running`.
    Continue,
    /// `running` or `paused` → `stopped`.
    Stop,
}

impl Command {
    /// The verb, for messages (`pause`).
    pub fn verb(self) -> &'static str {
        match self {
            Command::Pause => "pause",
            Command::Continue => "continue",
            Command::Stop => "stop",
        }
    }

    /// Whether the action is legal from `status`.
    pub fn allowed_from(self, status: Status) -> bool {
        match self {
            Command::Pause => status == Status::Running,
            Command::Continue => status == Status::Paused,
            Command::Stop => matches!(status, Status::Running | Status::Paused),
        }
    }

    /// The statuses the action is legal from, for messages.
    pub fn legal_from(self) -> &'static str {
        match self {
            Command::Pause => "'running'",
            Command::Continue => "'paused'",
            Command::Stop => "'running' or 'paused'",
        }
    }
}

/// What happened at one moment of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The status changed.
    Status(Status),
    /// The run entered the node at this index.
    Node(usize),
    /// The run ended with this status (always the last event).
    Done(Status),
}

/// One event of a run; ids count from 1 in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Sequence number, from 1 (the SSE `id`).
    pub id: u64,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub step: Step,
}

/// The recorded facts of one execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// When it was created (and started running).
    pub created: Timestamp,
    /// The running time it needs to finish.
    pub duration: Duration,
    /// The ids of its nodes, in order (never empty).
    pub nodes: Vec<String>,
    /// `Some(error)` when the run fails on its last node instead of completing.
    pub failure: Option<String>,
    /// Client actions in the order they were accepted.
    pub actions: Vec<(Timestamp, Command)>,
    /// What it outputs when it completes (fixed when it starts).
    pub recipe: Arc<Recipe>,
}

/// The state of a run at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The current status.
    pub status: Status,
    /// The index of the current (or last) node.
    pub node: usize,
    /// When it reached a terminal status.
    pub finished_at: Option<Timestamp>,
    /// Running time so far (paused time excluded).
    pub active: Duration,
    /// Every event up to that moment.
    pub events: Vec<Event>,
}

impl Timeline {
    /// The run as seen at `now`.
    pub fn replay(&self, now: Timestamp) -> View {
        let mut run = Replay {
            timeline: self,
            active_ms: 0,
            view: View {
                status: Status::Pending,
                node: 0,
                finished_at: None,
                active: Duration::ZERO,
                events: Vec::new(),
            },
        };
        run.push(self.created, Step::Status(Status::Pending));
        run.push(self.created, Step::Status(Status::Running));
        run.push(self.created, Step::Node(0));
        let mut since = self.created;
        for &(at, action) in self.actions.iter().filter(|(at, _)| *at <= now) {
            if run.view.status == Status::Running && run.advance(since, at) {
                return run.finish();
            }
            match action {
                Command::Pause => run.push(at, Step::Status(Status::Paused)),
                Command::Continue => {
                    since = at;
                    run.push(at, Step::Status(Status::Running));
                }
                Command::Stop => {
                    run.end(at, Status::Stopped);
                    return run.finish();
                }
            }
        }
        if run.view.status == Status::Running {
            run.advance(since, now);
        }
        run.finish()
    }

    /// Whether `action` is legal at `now`; the error names the current status.
    pub fn check(&self, action: Command, now: Timestamp) -> Result<(), Status> {
        let status = self.replay(now).status;
        if action.allowed_from(status) {
            Ok(())
        } else {
            Err(status)
        }
    }
}

struct Replay<'a> {
    timeline: &'a Timeline,
    active_ms: i64,
    view: View,
}

impl Replay<'_> {
    fn push(&mut self, at: Timestamp, step: Step) {
        let id = self.view.events.len() as u64 + 1;
        match step {
            Step::Status(status) => self.view.status = status,
            Step::Node(index) => self.view.node = index,
            Step::Done(_) => {}
        }
        self.view.events.push(Event { id, at, step });
    }

    fn end(&mut self, at: Timestamp, status: Status) {
        self.push(at, Step::Status(status));
        self.push(at, Step::Done(status));
        self.view.finished_at = Some(at);
    }

    /// Runs from `from` to `to` (wall time), emitting node changes; true when it finished.
    fn advance(&mut self, from: Timestamp, to: Timestamp) -> bool {
        let total = i64::try_from(self.timeline.duration.as_millis()).unwrap_or(i64::MAX);
        let nodes = self.timeline.nodes.len().max(1) as i64;
        for index in (self.view.node + 1)..self.timeline.nodes.len() {
            let boundary = total.saturating_mul(index as i64) / nodes;
            let at =
                Timestamp::from_millis(from.millis().saturating_add(boundary - self.active_ms));
            if at > to {
                break;
            }
            self.push(at, Step::Node(index));
        }
        let finish = Timestamp::from_millis(from.millis().saturating_add(total - self.active_ms));
        if finish <= to {
            self.active_ms = total;
            let status = match self.timeline.failure {
                Some(_) => Status::Failed,
                None => Status::Completed,
            };
            self.end(finish, status);
            return true;
        }
        self.active_ms += to.millis() - from.millis();
        false
    }

    fn finish(mut self) -> View {
        self.view.active = Duration::from_millis(u64::try_from(self.active_ms).unwrap_or(0));
        self.view
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    fn timeline(actions: Vec<(Timestamp, Command)>) -> Timeline {
        Timeline {
            created: at(0),
            duration: Duration::from_millis(3000),
            nodes: vec!["a".into(), "b".into(), "c".into()],
            failure: None,
            actions,
            recipe: Arc::default(),
        }
    }

    #[test]
    fn a_run_moves_through_its_nodes_and_completes_on_time() {
        let t = timeline(vec![]);
        let early = t.replay(at(1500));
        assert_eq!((early.status, early.node), (Status::Running, 1));
        let done = t.replay(at(10_000));
        assert_eq!(done.status, Status::Completed);
        assert_eq!(done.finished_at, Some(at(3000)));
        assert_eq!(done.active, Duration::from_millis(3000));
        let last = done.events.last().expect("events");
        assert_eq!((last.id, last.step), (7, Step::Done(Status::Completed)));
    }

    #[test]
    fn paused_time_does_not_count() {
        let t = timeline(vec![
            (at(1000), Command::Pause),
            (at(5000), Command::Continue),
        ]);
        assert_eq!(t.replay(at(4000)).status, Status::Paused);
        assert_eq!(t.replay(at(6500)).status, Status::Running);
        assert_eq!(t.replay(at(7000)).finished_at, Some(at(7000)));
    }

    #[test]
    fn stop_is_terminal_and_only_legal_while_running_or_paused() {
        let t = timeline(vec![(at(500), Command::Stop)]);
        let view = t.replay(at(9000));
        assert_eq!((view.status, view.node), (Status::Stopped, 0));
        assert_eq!(t.check(Command::Continue, at(9000)), Err(Status::Stopped));
        assert_eq!(
            timeline(vec![]).check(Command::Continue, at(1)),
            Err(Status::Running)
        );
    }

    #[test]
    fn a_failing_run_fails_at_the_end() {
        let mut t = timeline(vec![]);
        t.failure = Some("boom".into());
        assert_eq!(t.replay(at(3000)).status, Status::Failed);
    }
}
