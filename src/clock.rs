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
        let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999);
        let Some(year) = year else {
            // Outside four-digit years (never from a real clock): the general path.
            let (y, mo, d) = (at.year(), u8::from(at.month()), at.day());
            let (h, mi, s) = (at.hour(), at.minute(), at.second());
            write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
            return match self.0.rem_euclid(1000) {
                0 => f.write_str("Z"),
                ms => write!(f, ".{ms:03}Z"),
            };
        };
        // Written digit by digit into one buffer: every record written stamps two of these,
        // and `write!` costs several times as much.
        let mut text = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, value: u32, digits: usize| {
            let mut value = value;
            for i in (at..at + digits).rev() {
                // A digit is below 10, so the cast is exact.
                text[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, year, 4);
        put(5, u32::from(u8::from(at.month())), 2);
        put(8, u32::from(at.day()), 2);
        put(11, u32::from(at.hour()), 2);
        put(14, u32::from(at.minute()), 2);
        put(17, u32::from(at.second()), 2);
        let ms = self.0.rem_euclid(1000);
        let end = if ms == 0 {
            text[19] = b'Z';
            20
        } else {
            put(20, u32::try_from(ms).unwrap_or_default(), 3);
            24
        };
        f.write_str(std::str::from_utf8(&text[..end]).unwrap_or_default())
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
        self.at(Instant::now())
    }

    /// The server time at `instant` (a reading of the wall clock the caller already has:
    /// the request path reads it once per request).
    pub fn at(&self, instant: Instant) -> Timestamp {
        let running = self
            .inner
            .started
            .map_or(0, |at| instant.saturating_duration_since(at).as_millis());
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
    fn timestamps_print_as_formatted_field_by_field() {
        // Spread over 0000..9999 and the millisecond digits, by a fixed sequence.
        let mut n: i64 = 1;
        for _ in 0..2000 {
            n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let ms = n.rem_euclid(253_402_300_800_000) - 62_167_219_200_000;
            let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .expect("in range");
            let (y, mo, d) = (at.year(), u8::from(at.month()), at.day());
            let (h, mi, s) = (at.hour(), at.minute(), at.second());
            let expected = match ms.rem_euclid(1000) {
                0 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
                ms => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z"),
            };
            assert_eq!(Timestamp(ms).to_string(), expected, "{ms}");
        }
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999Z");
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
