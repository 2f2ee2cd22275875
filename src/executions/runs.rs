//! The recorded timelines of live executions, keyed by execution id.
//!
//! The simulation ([`super::Executions`]) owns the logic; this map only stores the facts.
//! Guards stay inside these methods, and no other map is touched while one is held.

use crate::hash::FastMap;

use super::timeline::{Command, Status, Timeline};
use crate::clock::Timestamp;
use crate::store::Id;

/// Timelines of the executions the engine drives.
#[derive(Debug, Default)]
pub struct Runs {
    timelines: FastMap<Id, Timeline>,
}

impl Runs {
    /// A copy of the timeline of execution `id`.
    pub fn get(&self, id: &str) -> Option<Timeline> {
        self.timelines.get(id).map(|t| t.clone())
    }

    /// Records a timeline, unless `id` already has one (returns the one that is kept).
    pub fn adopt(&self, id: Id, timeline: Timeline) -> Timeline {
        self.timelines.entry(id).or_insert(timeline).clone()
    }

    /// Records `action` at `now` if it is legal then, atomically with the check.
    ///
    /// `None` when `id` has no timeline; `Some(Err(status))` names the status that refused it.
    pub fn act(&self, id: &str, action: Command, now: Timestamp) -> Option<Result<(), Status>> {
        let mut timeline = self.timelines.get_mut(id)?;
        let checked = timeline.check(action, now);
        if checked.is_ok() {
            timeline.actions.push((now, action));
        }
        Some(checked)
    }
}
