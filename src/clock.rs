//! The one server clock.
//!
//! Every time-dependent behaviour (timestamps on new records, token expiry, execution
//! progress, rate-limit windows) reads [`Clock::now`]. Tests and the admin API move time with
//! [`Clock::advance`] instead of sleeping, so suites stay deterministic.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Builds a timestamp from milliseconds since the Unix epoch.
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Parses an RFC 3339 string such as `2026-03-05T14:30:00Z`.
    pub fn parse(text: &str) -> Option<Self> {
        let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        let ms = at.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(ms).ok().map(Self)
    }

    /// This timestamp moved forward by `by`.
    pub fn plus(self, by: Duration) -> Self {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(ms))
    }

    /// The HTTP date of this second (IMF-fixdate, RFC 7231 §7.1.1.1), e.g.
    /// `Thu, 05 Mar 2026 14:30:00 GMT`; `None` outside the years 0000 to 9999 it can show.
    pub fn http_date(self) -> Option<String> {
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let at = OffsetDateTime::from_unix_timestamp(self.unix_seconds()).ok()?;
        (0..=9999).contains(&at.year()).then_some(())?;
        at.format(format).ok()
    }

    /// The time from `earlier` to `self`, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(self.0 - earlier.0).unwrap_or(0))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: whole seconds end in `Z`, otherwise milliseconds are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i128::from(self.0) * 1_000_000;
        let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
            return write!(f, "{}ms", self.0);
        };
        let (y, mo, d) = (at.year(), u8::from(at.month()), at.day());
        let (h, mi, s) = (at.hour(), at.minute(), at.second());
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        match self.0.rem_euclid(1000) {
            0 => f.write_str("Z"),
            ms => write!(f, ".{ms:03}Z"),
        }
    }
}

/// The server clock: wall time (or a fixed start) plus a manual offset.
///
/// Cloning is cheap and every clone reads the same time.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    start: Timestamp,
    /// `None` when the clock is frozen: it only moves through [`Clock::advance`].
    started: Option<Instant>,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock that follows wall time from now on.
    pub fn system() -> Self {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self::build(Timestamp(ms), Some(Instant::now()))
    }

    /// A clock frozen at `start`: it only moves when advanced. Ideal for byte-identical tests.
    pub fn frozen(start: Timestamp) -> Self {
        Self::build(start, None)
    }

    fn build(start: Timestamp, started: Option<Instant>) -> Self {
        let inner = Inner {
            start,
            started,
            offset_ms: AtomicI64::new(0),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The current server time.
    pub fn now(&self) -> Timestamp {
        let running = self.inner.started.map_or(0, |at| at.elapsed().as_millis());
        let running = i64::try_from(running).unwrap_or(i64::MAX);
        let offset = self.inner.offset_ms.load(Ordering::Relaxed);
        Timestamp(
            self.inner
                .start
                .0
                .saturating_add(running)
                .saturating_add(offset),
        )
    }

    /// Moves the clock forward by `by` for every reader at once.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.inner.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Whether the clock only moves through [`Clock::advance`].
    pub fn is_frozen(&self) -> bool {
        self.inner.started.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339_utc() {
        let t = Timestamp::parse("2026-03-05T14:30:00Z").expect("valid");
        assert_eq!(t.to_string(), "2026-03-05T14:30:00Z");
        assert_eq!(
            t.plus(Duration::from_millis(250)).to_string(),
            "2026-03-05T14:30:00.250Z"
        );
    }

    #[test]
    fn http_dates_are_imf_fixdate() {
        let t = Timestamp::parse("2026-03-05T14:30:00.999Z").expect("valid");
        assert_eq!(
            t.http_date().as_deref(),
            Some("Thu, 05 Mar 2026 14:30:00 GMT")
        );
        let epoch = Timestamp::from_millis(0);
        assert_eq!(
            epoch.http_date().as_deref(),
            Some("Thu, 01 Jan 1970 00:00:00 GMT")
        );
        let before_epoch = Timestamp::from_millis(-1);
        assert_eq!(
            before_epoch.http_date().as_deref(),
            Some("Wed, 31 Dec 1969 23:59:59 GMT")
        );
        assert_eq!(Timestamp::from_millis(i64::MAX).http_date(), None);
    }

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let start = Timestamp::from_millis(1_000_000);
        let clock = Clock::frozen(start);
        assert_eq!(clock.now(), start);
        clock.clone().advance(Duration::from_secs(61));
        assert_eq!(clock.now(), start.plus(Duration::from_secs(61)));
    }
}
