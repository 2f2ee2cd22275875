//! The timer behind `--header-timeout`: one per connection, armed lazily.
//!
//! hyper asks its timer for a fresh sleep every time it starts reading a request head, and
//! drops it once the head is in. With Tokio's timer each of those registers an entry in the
//! runtime's timer wheel and removes it again, twice per request, for a timeout that almost
//! never fires. [`HeadTimer`] keeps one Tokio sleep per connection instead. A new deadline
//! only records the time; the Tokio sleep stays armed for the earlier deadline, and when that
//! one passes while a head is still being read, it is re-armed for the current deadline. So a
//! busy keep-alive connection touches the wheel about once per timeout period, and a client
//! that takes longer than the timeout to send its head is still cut off on time.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

/// A connection's timer for hyper (`http1().timer(...)`): see the module docs.
#[derive(Debug, Clone, Default)]
pub struct HeadTimer {
    armed: Arc<Mutex<Armed>>,
}

/// The deadline hyper waits for now, and the Tokio sleep that wakes the connection.
#[derive(Debug, Default)]
struct Armed {
    deadline: Option<Instant>,
    /// Armed for `deadline` or an earlier one; made on first need.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HeadTimer {
    /// A timer for one new connection.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Armed> {
        // Every update is a single assignment: a panic cannot leave it half done.
        self.armed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.now() + duration)
    }

    /// Tokio's clock (the same as `Instant::now` outside tests that pause time).
    fn now(&self) -> Instant {
        now()
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        self.lock().deadline = Some(deadline);
        Box::pin(HeadSleep {
            timer: self.clone(),
            deadline,
            own: None,
        })
    }
}

/// One of hyper's sleeps: ready once its deadline has passed.
struct HeadSleep {
    timer: HeadTimer,
    deadline: Instant,
    /// A Tokio sleep of its own, for a sleep polled after a newer one replaced it (hyper
    /// never does that, but a future must wake whoever polls it).
    own: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let deadline = this.deadline;
        let mut armed = this.timer.lock();
        // The newest sleep owns the shared Tokio sleep.
        if armed.deadline != Some(deadline) {
            drop(armed);
            let own = this
                .own
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
            return own.as_mut().poll(cx);
        }
        loop {
            let sleep = armed
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
            if sleep.deadline().into_std() > deadline {
                sleep.as_mut().reset(deadline.into());
            }
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if now() >= deadline {
                return Poll::Ready(());
            }
            // An earlier deadline passed: wait on for this one.
            sleep.as_mut().reset(deadline.into());
        }
    }
}

impl Sleep for HeadSleep {}

/// The time on Tokio's clock, which tests may pause.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_sleep_ends_at_its_deadline_even_when_an_earlier_one_armed_the_timer() {
        let timer = HeadTimer::new();
        let start = now();
        drop(timer.sleep_until(start + Duration::from_secs(1)));
        // The first sleep armed nothing (it was never polled); poll one to arm the timer.
        let mut first = timer.sleep(Duration::from_secs(1));
        assert!(futures_util::poll!(first.as_mut()).is_pending());
        drop(first);
        tokio::time::advance(Duration::from_millis(500)).await;
        let second = timer.sleep(Duration::from_secs(1));
        second.await;
        let waited = now() - start;
        assert!(
            waited >= Duration::from_millis(1500),
            "ended after {waited:?}, before its own deadline"
        );
        assert!(
            waited < Duration::from_millis(1600),
            "ended late: {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_replaced_sleep_still_ends_at_its_own_deadline() {
        let timer = HeadTimer::new();
        let start = now();
        let old = timer.sleep(Duration::from_secs(1));
        let _newer = timer.sleep(Duration::from_secs(5));
        tokio::time::advance(Duration::from_secs(2)).await;
        old.await;
        assert!(now() - start >= Duration::from_secs(1));
    }
}
