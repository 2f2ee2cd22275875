//! The `Date` header of every response: the server clock's current second, so a frozen or
//! advanced clock shows in `Date` as it does in the bodies. hyper adds a wall-time `Date`
//! only to responses that lack one; those the mock answers itself always have this one.

use std::cell::RefCell;

use hyper::HeaderMap;
use hyper::header::{DATE, Entry, HeaderValue};

use crate::clock::Timestamp;

/// Stamps `Date` on responses. Formatting happens at most once per second of server time
/// and thread: each thread keeps the last value it formatted (see [`LAST`]), and every
/// other response clones it (a reference count no other core touches).
#[derive(Debug, Default)]
pub struct DateHeader;

thread_local! {
    /// The last `Date` value this thread formatted, and its second. Per thread, like hyper's
    /// own date cache, because a value shared by all threads would move its cache line (and
    /// its reference count's) between cores on every response. The value depends only on the
    /// second, so servers with different clocks in one process share it safely.
    static LAST: RefCell<Option<(i64, HeaderValue)>> = const { RefCell::new(None) };
}

impl DateHeader {
    /// Sets `Date` in `headers` to the second of `now`, unless a scenario rule set one on
    /// purpose. A time HTTP cannot show (before year 0 or after 9999) leaves it to hyper.
    pub fn stamp(&self, headers: &mut HeaderMap, now: Timestamp) {
        // One lookup for both the check and the insert.
        if let Entry::Vacant(slot) = headers.entry(DATE)
            && let Some(value) = self.value(now.unix_seconds())
        {
            slot.insert(value);
        }
    }

    fn value(&self, second: i64) -> Option<HeaderValue> {
        let cached = LAST
            .try_with(|last| {
                let last = last.borrow();
                let (at, value) = last.as_ref()?;
                (*at == second).then(|| value.clone())
            })
            .ok()
            .flatten();
        if cached.is_some() {
            return cached;
        }
        let text = Timestamp::from_millis(second.saturating_mul(1000)).http_date()?;
        let value = HeaderValue::from_str(&text).ok()?;
        let _ = LAST.try_with(|last| *last.borrow_mut() = Some((second, value.clone())));
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_reformatted_only_when_the_second_changes() {
        let dates = DateHeader;
        let t0 = Timestamp::parse("2026-03-05T14:30:00Z").expect("valid");
        let date_at = |now: Timestamp| {
            let mut headers = HeaderMap::new();
            dates.stamp(&mut headers, now);
            headers[DATE].clone()
        };
        let later = t0.plus(std::time::Duration::from_millis(999));
        assert_eq!(date_at(later), "Thu, 05 Mar 2026 14:30:00 GMT");
        let next = t0.plus(std::time::Duration::from_secs(1));
        assert_eq!(date_at(next), "Thu, 05 Mar 2026 14:30:01 GMT");
        assert_eq!(date_at(t0), "Thu, 05 Mar 2026 14:30:00 GMT", "back again");
    }

    #[test]
    fn a_date_set_on_purpose_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            DATE,
            HeaderValue::from_static("Mon, 01 Jan 2001 00:00:00 GMT"),
        );
        DateHeader.stamp(&mut headers, Timestamp::from_millis(0));
        assert_eq!(headers[DATE], "Mon, 01 Jan 2001 00:00:00 GMT");
    }
}
