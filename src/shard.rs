//! Per-thread shards of state that every request writes: request counts, the journal's
//! rings, token use counts. A value written by both worker threads on every request moves its
//! cache line between their cores each time, and that move costs more than the work itself;
//! in a shard of its own, a thread's writes stay in its core's cache.
//!
//! [`Sharded`] holds a few copies of a value, each on cache lines of its own. A thread always
//! gets the same shard ([`Sharded::mine`]); readers that need the whole picture visit every
//! shard ([`Sharded::all`]). Two threads may share a shard (more threads than shards): that is
//! only slower, never wrong, because a shard is as thread-safe as the value it holds.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A value on cache lines of its own (128 bytes: two lines, as adjacent-line prefetchers
/// pair them), so a write to it never disturbs its neighbours. Each shard is one; so is a
/// value that every thread must write and no shard can split (the journal's id counter).
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Padded<T>(pub T);

/// One copy of `T` per shard; see the module docs.
#[derive(Debug)]
pub struct Sharded<T> {
    shards: Box<[Padded<T>]>,
}

impl<T> Sharded<T> {
    /// Enough shards for the machine's threads (twice its cores, a power of two), each made
    /// by `make`.
    pub fn new(make: impl FnMut() -> T) -> Self {
        let cores = std::thread::available_parallelism().map_or(4, usize::from);
        Self::with_shards((cores * 2).next_power_of_two(), make)
    }

    /// Exactly `count` shards (at least one).
    pub fn with_shards(count: usize, mut make: impl FnMut() -> T) -> Self {
        let shards = (0..count.max(1)).map(|_| Padded(make())).collect();
        Self { shards }
    }

    /// The calling thread's shard.
    #[inline]
    pub fn mine(&self) -> &T {
        // The length is a power of two when built by `new`; `%` keeps any other count right.
        &self.shards[thread_index() % self.shards.len()].0
    }

    /// Every shard, in a fixed order (the order locks must be taken in).
    pub fn all(&self) -> impl Iterator<Item = &T> {
        self.shards.iter().map(|shard| &shard.0)
    }
}

/// Hands each thread its index once: the first thread gets 0, the next 1, and so on.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's index, drawn from [`NEXT_THREAD`] on first use.
    static THREAD_INDEX: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

/// The calling thread's index (stable for its lifetime; threads started one after another
/// get consecutive indexes, so a runtime's workers get distinct shards).
#[inline]
fn thread_index() -> usize {
    THREAD_INDEX.try_with(|i| *i).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn a_thread_always_gets_its_own_shard_and_readers_see_them_all() {
        let counts = Sharded::with_shards(4, || AtomicU64::new(0));
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    let mine = counts.mine() as *const AtomicU64;
                    for _ in 0..1000 {
                        assert!(std::ptr::eq(counts.mine(), mine), "always the same shard");
                        counts.mine().fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        let total: u64 = counts.all().map(|c| c.load(Ordering::Relaxed)).sum();
        assert_eq!(total, 3000);
        assert_eq!(counts.all().count(), 4);
    }

    #[test]
    fn shards_sit_on_cache_lines_of_their_own() {
        let shards = Sharded::with_shards(2, || 0u8);
        let addresses: Vec<usize> = shards.all().map(|s| s as *const u8 as usize).collect();
        assert!(addresses[1] - addresses[0] >= 128);
    }
}
