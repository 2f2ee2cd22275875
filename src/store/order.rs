//! The order index of a [`Collection`](super::Collection): creation sequence → id, for the
//! whole collection and per partition.
//!
//! Each list is a `Vec` sorted by sequence number. Sequence numbers only grow, so an insert
//! is an append; a removal or a partition move is a binary search and a `remove` (a memmove
//! of 16-byte entries, cheap even at 100k). Reaching page N of one list is a slice, O(1);
//! reaching it across several partitions merged in creation order is a binary search on the
//! sequence number, O(log seq × partitions × log n), then a merge of one page.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::collection::{Id, Partition};

/// One list: `(seq, id)` pairs sorted by `seq`, each `seq` at most once.
#[derive(Debug, Default, Clone)]
pub struct SeqList(Vec<(u64, Id)>);

impl SeqList {
    /// Adds `id` at `seq`: an append when `seq` is the largest so far, which it always is
    /// for new records.
    pub fn insert(&mut self, seq: u64, id: Id) {
        match self.0.last() {
            Some(&(last, _)) if last >= seq => {
                let at = self.0.partition_point(|(s, _)| *s < seq);
                if self.0.get(at).is_some_and(|(s, _)| *s == seq) {
                    self.0[at].1 = id;
                } else {
                    self.0.insert(at, (seq, id));
                }
            }
            _ => self.0.push((seq, id)),
        }
    }

    /// Removes and returns the id at `seq`, if present.
    pub fn remove(&mut self, seq: u64) -> Option<Id> {
        let at = self.0.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        Some(self.0.remove(at).1)
    }

    /// How many ids the list holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The ids in creation order.
    pub fn ids(&self) -> impl Iterator<Item = &Id> {
        self.0.iter().map(|(_, id)| id)
    }

    /// At most `size` ids starting at position `offset`.
    pub fn window(&self, offset: usize, size: usize) -> impl Iterator<Item = &Id> {
        let start = offset.min(self.0.len());
        let end = start.saturating_add(size).min(self.0.len());
        self.0[start..end].iter().map(|(_, id)| id)
    }

    /// How many entries have a sequence number below `seq`.
    fn count_below(&self, seq: u64) -> usize {
        self.0.partition_point(|(s, _)| *s < seq)
    }
}

/// The whole index: every record, and the records of each partition.
///
/// The partitions are keyed by `str` (with records of no partition on a list of their own)
/// so that a page looks its partition up by the borrowed name, and hashed with FxHash: the
/// names are a handful of product slugs, and SipHash cost a list page more than its lookup.
#[derive(Debug, Default, Clone)]
pub struct Index {
    all: SeqList,
    parts: FxHashMap<Arc<str>, SeqList>,
    unpartitioned: SeqList,
}

impl Index {
    /// Adds `id` at `seq` in `partition`.
    pub fn insert(&mut self, seq: u64, id: Id, partition: Partition) {
        self.all.insert(seq, Arc::clone(&id));
        self.add_to(seq, id, partition);
    }

    /// Removes `seq` from the whole list and from `partition`.
    pub fn remove(&mut self, seq: u64, partition: &Partition) {
        self.all.remove(seq);
        self.remove_from(seq, partition);
    }

    /// Removes `seq` from `partition` only; returns its id when it was there.
    pub fn remove_from(&mut self, seq: u64, partition: &Partition) -> Option<Id> {
        let Some(name) = partition else {
            return self.unpartitioned.remove(seq);
        };
        let part = self.parts.get_mut(&**name)?;
        let id = part.remove(seq);
        if part.len() == 0 {
            self.parts.remove(&**name);
        }
        id
    }

    /// Puts `id` at `seq` into `partition` (after [`Index::remove_from`] another).
    pub fn add_to(&mut self, seq: u64, id: Id, partition: Partition) {
        match partition {
            Some(name) => self.parts.entry(name).or_default().insert(seq, id),
            None => self.unpartitioned.insert(seq, id),
        }
    }

    /// Every id in creation order.
    pub fn all(&self) -> &SeqList {
        &self.all
    }

    /// The lists `scope` covers (`None`: every record). Unknown partitions are skipped.
    pub fn lists<'a>(&'a self, partitions: Option<&[Option<&str>]>) -> Vec<&'a SeqList> {
        match partitions {
            None => vec![&self.all],
            Some(partitions) => partitions
                .iter()
                .filter_map(|p| match p {
                    Some(name) => self.parts.get(*name),
                    None => Some(&self.unpartitioned).filter(|list| list.len() > 0),
                })
                .collect(),
        }
    }
}

/// The ids of `lists` merged in creation order.
pub fn merged<'a>(lists: &[&'a SeqList]) -> Box<dyn Iterator<Item = &'a Id> + 'a> {
    match lists {
        [] => Box::new(std::iter::empty()),
        [one] => Box::new(one.ids()),
        _ => Box::new(merge(lists, vec![0; lists.len()])),
    }
}

/// At most `size` ids of `lists` merged in creation order, starting at position `offset`
/// of the merged order, without walking the first `offset`.
pub fn window<'a>(lists: &[&'a SeqList], offset: usize, size: usize) -> Vec<&'a Id> {
    match lists {
        [] => Vec::new(),
        [one] => one.window(offset, size).collect(),
        _ => merge(lists, starts(lists, offset)).take(size).collect(),
    }
}

/// Per list, the position where the merged order reaches `offset`: the positions of all
/// entries with a sequence number below the one of rank `offset`.
fn starts(lists: &[&SeqList], offset: usize) -> Vec<usize> {
    let total: usize = lists.iter().map(|l| l.len()).sum();
    if offset >= total {
        return lists.iter().map(|l| l.len()).collect();
    }
    let below = |seq: u64| -> usize { lists.iter().map(|l| l.count_below(seq)).sum() };
    // The smallest seq with more than `offset` entries at or below it is the one of rank
    // `offset`; it exists because offset < total.
    let (mut lo, mut hi) = (
        0u64,
        lists
            .iter()
            .filter_map(|l| l.0.last())
            .map(|(s, _)| *s)
            .max()
            .unwrap_or(0),
    );
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid.saturating_add(1)) > offset {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lists.iter().map(|l| l.count_below(lo)).collect()
}

/// Merges `lists` by sequence number, each from its position in `heads`.
fn merge<'a>(lists: &[&'a SeqList], mut heads: Vec<usize>) -> impl Iterator<Item = &'a Id> + 'a {
    let lists: Vec<&'a SeqList> = lists.to_vec();
    std::iter::from_fn(move || {
        let (_, i) = lists
            .iter()
            .zip(&heads)
            .enumerate()
            .filter_map(|(i, (list, &at))| list.0.get(at).map(|(seq, _)| (*seq, i)))
            .min()?;
        let id = &lists[i].0[heads[i]].1;
        heads[i] += 1;
        Some(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(seqs: &[u64]) -> SeqList {
        let mut l = SeqList::default();
        for &s in seqs {
            l.insert(s, Arc::from(s.to_string()));
        }
        l
    }

    fn names<'a>(ids: impl IntoIterator<Item = &'a Id>) -> Vec<u64> {
        ids.into_iter().filter_map(|id| id.parse().ok()).collect()
    }

    #[test]
    fn out_of_order_inserts_keep_the_list_sorted() {
        let l = list(&[1, 5, 3, 9, 0]);
        assert_eq!(names(l.ids()), [0, 1, 3, 5, 9]);
        assert_eq!(names(l.window(3, 10)), [5, 9]);
        assert_eq!(names(l.window(7, 10)), Vec::<u64>::new());
    }

    #[test]
    fn every_merged_window_matches_a_plain_walk() {
        let a = list(&[0, 3, 4, 8, 11, 12]);
        let b = list(&[1, 2, 9, 13]);
        let c = list(&[5, 6, 7, 10]);
        let lists = [&a, &b, &c];
        let walk = names(merged(&lists));
        assert_eq!(walk, (0..14).collect::<Vec<_>>());
        for offset in 0..16 {
            for size in [0, 1, 3, 20] {
                let expected: Vec<u64> = walk.iter().skip(offset).take(size).copied().collect();
                assert_eq!(
                    names(window(&lists, offset, size)),
                    expected,
                    "{offset}+{size}"
                );
            }
        }
    }

    #[test]
    fn emptied_partitions_are_dropped_and_moves_keep_the_place() {
        let mut index = Index::default();
        let p: Partition = Some(Arc::from("p"));
        let q: Partition = Some(Arc::from("q"));
        index.insert(0, Arc::from("0"), p.clone());
        index.insert(1, Arc::from("1"), q.clone());
        let moved = index.remove_from(0, &p).expect("was in p");
        index.add_to(0, moved, q.clone());
        assert!(index.lists(Some(&[Some("p")])).is_empty());
        assert_eq!(names(merged(&index.lists(Some(&[Some("q")])))), [0, 1]);
        index.remove(1, &q);
        assert_eq!(names(index.all().ids()), [0]);
    }
}
