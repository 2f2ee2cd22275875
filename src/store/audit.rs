//! Token audit trails: per token, a ring of the last [`AUDIT_CAPACITY`] entries.
//!
//! Appending is O(1) and bounded, so recording a `used` entry on every authenticated call costs
//! one small allocation and no scan. Older entries fall off the ring; the usage counter keeps
//! counting every call.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

use hyper::Method;
use serde_json::Value;

use crate::clock::Timestamp;

/// Entries kept per token; older ones are dropped.
pub const AUDIT_CAPACITY: usize = 1000;

/// The six documented audit actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// The token was created.
    Created,
    /// An authenticated call was made with it.
    Used,
    /// It was revoked.
    Revoked,
    /// Its expiry passed (written once, when first seen).
    Expired,
    /// Its expiry was renewed.
    Renewed,
    /// Its secret was regenerated.
    Regenerated,
}

impl AuditAction {
    /// Every action, in the documented order.
    pub const ALL: [AuditAction; 6] = [
        AuditAction::Created,
        AuditAction::Used,
        AuditAction::Revoked,
        AuditAction::Expired,
        AuditAction::Renewed,
        AuditAction::Regenerated,
    ];

    /// The documented name, e.g. `regenerated`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Used => "used",
            AuditAction::Revoked => "revoked",
            AuditAction::Expired => "expired",
            AuditAction::Renewed => "renewed",
            AuditAction::Regenerated => "regenerated",
        }
    }
}

/// Who made the request an entry records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The client address.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header.
    pub user_agent: Option<Arc<str>>,
}

/// What an entry adds beyond its action.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    /// Nothing.
    None,
    /// The call a `used` entry counts.
    Call {
        /// Its method.
        method: Method,
        /// Its path (shared by the calls to the same path a connection makes in a row).
        path: Arc<str>,
    },
    /// Any JSON object (boxed: it is rare, and every entry is as large as its largest kind).
    Json(Box<Value>),
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Position in the token's trail, from 0.
    pub seq: u64,
    /// What happened.
    pub action: AuditAction,
    /// When, on the server clock.
    pub at: Timestamp,
    /// Who did it.
    pub origin: Origin,
    /// More about it.
    pub details: Details,
}

/// One token's trail.
#[derive(Debug, Default)]
pub struct AuditLog {
    entries: VecDeque<AuditEntry>,
    total: u64,
    /// Calls counted for the token (its `used` entries, including those the ring dropped).
    pub uses: u64,
    /// When the last of them was made.
    pub last_used: Option<Timestamp>,
}

impl AuditLog {
    /// Appends an entry, dropping the oldest when full.
    pub fn push(&mut self, action: AuditAction, at: Timestamp, origin: Origin, details: Details) {
        if self.entries.len() == AUDIT_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(AuditEntry {
            seq: self.total,
            action,
            at,
            origin,
            details,
        });
        self.total += 1;
    }

    /// `size` entries, newest first, after skipping `offset`; and how many are kept.
    pub fn newest_first(&self, offset: usize, size: usize) -> (Vec<AuditEntry>, u64) {
        let page = self.entries.iter().rev().skip(offset).take(size).cloned();
        (page.collect(), self.entries.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_entries_and_counts_all() {
        let mut log = AuditLog::default();
        for i in 0..(AUDIT_CAPACITY as i64 + 5) {
            let at = Timestamp::from_millis(i);
            log.push(AuditAction::Used, at, Origin::default(), Details::None);
        }
        let (page, kept) = log.newest_first(0, 2);
        assert_eq!(kept, AUDIT_CAPACITY as u64);
        assert_eq!(log.total, AUDIT_CAPACITY as u64 + 5);
        assert_eq!(page[0].seq, AUDIT_CAPACITY as u64 + 4);
        assert_eq!(page[1].seq, AUDIT_CAPACITY as u64 + 3);
    }
}
