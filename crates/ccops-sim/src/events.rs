//! The future event list: a 4-ary min-heap of compact entries keyed by (time, sequence).
//!
//! Profiling the single-queue model showed `BinaryHeap::pop` at 30 % of the run. A 4-ary heap
//! halves the depth, its four children share a cache line, and the key is two integers: event
//! times are never negative, so the bits of an `f64` order like the number itself, and the
//! sequence number carries the kind in its low byte (sequence numbers are unique, so ties in
//! time still resolve by insertion order, as before).

use std::hint::select_unpredictable;

/// One scheduled event: `(t, seq)` is the order; `kind`, `a`, `b` are the payload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    t_bits: u64,
    /// `seq << 8 | kind`.
    seq_kind: u64,
    pub a: u32,
    pub b: u32,
}

impl Entry {
    #[inline]
    pub fn new(t: f64, seq: u64, kind: u8, a: u32, b: u32) -> Entry {
        // -0.0 and NaN never occur (times come from now + a non-negative delay); clamp anyway so
        // a bad model cannot break the heap order.
        let t = if t >= 0.0 { t } else { 0.0 };
        Entry { t_bits: t.to_bits(), seq_kind: (seq << 8) | kind as u64, a, b }
    }

    #[inline]
    pub fn t(&self) -> f64 {
        f64::from_bits(self.t_bits)
    }

    #[inline]
    pub fn kind(&self) -> u8 {
        self.seq_kind as u8
    }

    /// The order as one integer: comparing two `u128` is branch-free, comparing two tuples
    /// is not.
    #[inline(always)]
    fn key(&self) -> u128 {
        ((self.t_bits as u128) << 64) | self.seq_kind as u128
    }

    #[inline]
    pub fn before(&self, o: &Entry) -> bool {
        self.key() < o.key()
    }
}

/// Min-heap of [`Entry`] with four children per node.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    v: Vec<Entry>,
}

impl EventQueue {
    pub fn with_capacity(n: usize) -> EventQueue {
        EventQueue { v: Vec::with_capacity(n) }
    }

    #[inline]
    pub fn peek(&self) -> Option<&Entry> {
        self.v.first()
    }

    #[inline]
    pub fn push(&mut self, e: Entry) {
        let mut i = self.v.len();
        self.v.push(e);
        while i > 0 {
            let p = (i - 1) / 4;
            if !e.before(&self.v[p]) {
                break;
            }
            self.v[i] = self.v[p];
            i = p;
        }
        self.v[i] = e;
    }

    #[inline]
    pub fn pop(&mut self) -> Option<Entry> {
        let last = self.v.pop()?;
        let n = self.v.len();
        if n == 0 {
            return Some(last);
        }
        let v = &mut self.v[..];
        let top = v[0];
        let lk = last.key();
        // Sift `last` down from the root. Which child is smallest is a coin toss for the branch
        // predictor, so the four-way minimum is a branch-free tournament (the profile had the
        // mispredicted compares of this loop as the largest single cost of a run).
        let mut i = 0;
        loop {
            let c = 4 * i + 1;
            let (m, mk) = if c + 4 <= n {
                let k = [v[c].key(), v[c + 1].key(), v[c + 2].key(), v[c + 3].key()];
                let a = select_unpredictable(k[1] < k[0], 1, 0);
                let b = select_unpredictable(k[3] < k[2], 3, 2);
                let m = select_unpredictable(k[b] < k[a], b, a);
                (m, k[m])
            } else if c < n {
                let mut m = 0;
                for j in 1..n - c {
                    if v[c + j].key() < v[c + m].key() {
                        m = j;
                    }
                }
                (m, v[c + m].key())
            } else {
                break;
            };
            if mk >= lk {
                break;
            }
            v[i] = v[c + m];
            i = c + m;
        }
        v[i] = last;
        Some(top)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.v.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    /// Pops come out in (time, insertion) order, whatever the push order, with pops interleaved
    /// — the same order a sorted list gives.
    #[test]
    fn pops_in_time_then_sequence_order() {
        let mut s = Stream::new(3, 0, 0);
        let mut q = EventQueue::with_capacity(8);
        let mut reference: Vec<(f64, u64)> = Vec::new();
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        for seq in 0..20_000u64 {
            // Coarse times so that ties are frequent.
            let t = (s.uniform() * 50.0).floor();
            q.push(Entry::new(t, seq, (seq % 7) as u8, seq as u32, 0));
            reference.push((t, seq));
            if s.uniform() < 0.4 {
                let e = q.pop().expect("non-empty");
                popped.push((e.t(), e.seq_kind >> 8));
                reference.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                expected.push(reference.remove(0));
                assert_eq!(e.kind() as u64, (e.seq_kind >> 8) % 7);
            }
        }
        while let Some(e) = q.pop() {
            popped.push((e.t(), e.seq_kind >> 8));
        }
        reference.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        expected.extend(reference);
        assert_eq!(popped, expected);
        assert_eq!(q.len(), 0);
    }
}
