//! Event queue of the discrete-event simulation: events ordered by `(time, insertion sequence)`,
//! so simultaneous events run first-in first-out and every run is deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Simulation time in seconds: a total order that excludes NaN by construction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Time(f64);

impl Time {
    /// A time; `None` for NaN, which would break the queue's order.
    pub fn new(seconds: f64) -> Option<Time> {
        (!seconds.is_nan()).then_some(Time(seconds))
    }

    /// Seconds.
    pub fn seconds(self) -> f64 {
        self.0
    }
}

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

struct Entry<E> {
    /// `(time, seq)` packed so that one integer comparison orders entries: the time's bits mapped
    /// to an unsigned integer in the order of [`f64::total_cmp`], above the sequence number.
    key: u128,
    event: E,
}

fn ordered_bits(t: Time) -> u64 {
    let bits = t.seconds().to_bits();
    // Negative floats order backwards as integers: flip them all; positive ones just gain the top bit.
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and the earliest (time, seq) must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl<E> Entry<E> {
    fn time(&self) -> f64 {
        let bits = (self.key >> 64) as u64;
        f64::from_bits(if bits >> 63 == 1 {
            bits & !(1 << 63)
        } else {
            !bits
        })
    }
}

/// A priority queue of events by `(time, insertion sequence)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `time`.
    ///
    /// # Panics
    /// On a NaN time: every caller computes times from validated, finite inputs, so a NaN is a bug.
    pub fn push(&mut self, time: f64, event: E) {
        let time = Time::new(time).expect("event times are finite");
        self.heap.push(Entry {
            key: u128::from(ordered_bits(time)) << 64 | u128::from(self.seq),
            event,
        });
        self.seq += 1;
    }

    /// Time of the earliest event.
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|e| e.time())
    }

    /// Removes the earliest event.
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap.pop().map(|e| (e.time(), e.event))
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_come_out_in_insertion_order() {
        let mut q = EventQueue::default();
        q.push(2.0, "late");
        q.push(1.0, "a");
        q.push(1.0, "b");
        q.push(1.0, "c");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, vec!["a", "b", "c", "late"]);
    }

    #[test]
    fn times_of_either_sign_come_out_in_order_and_unchanged() {
        // +0 before −0: were the two one key, first-in first-out would keep +0 first.
        let times = [
            3.5,
            0.0,
            -0.0,
            -2.25,
            1e-300,
            -1e300,
            f64::INFINITY,
            2.6e6 + 1e-9,
        ];
        let mut q = EventQueue::default();
        for (i, t) in times.iter().enumerate() {
            q.push(*t, i);
        }
        let out: Vec<f64> = std::iter::from_fn(|| q.pop()).map(|(t, _)| t).collect();
        let mut want = times.to_vec();
        want.sort_by(f64::total_cmp);
        assert_eq!(
            out.iter().map(|t| t.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|t| t.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn random_pushes_and_pops_come_out_as_a_stable_sort_would() {
        use rand::RngExt;
        let mut rng = crate::sampling::stream(7, 0);
        let mut q = EventQueue::default();
        // Reference: every pushed (time, sequence) not yet popped.
        let mut pending: Vec<(f64, u64)> = Vec::new();
        let mut seq = 0u64;
        for _ in 0..20_000 {
            if pending.is_empty() || rng.random::<f64>() < 0.55 {
                // Few distinct times, so ties are common; both signs, zeros of both signs.
                let t = f64::from(rng.random_range(-20i32..20)) * 0.25;
                let t = if t == 0.0 && rng.random::<bool>() {
                    -0.0
                } else {
                    t
                };
                q.push(t, seq);
                pending.push((t, seq));
                seq += 1;
            } else {
                let (t, s) = q.pop().expect("not empty");
                let (i, want) = pending
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.0.total_cmp(&b.1.0).then(a.1.1.cmp(&b.1.1)))
                    .map(|(i, w)| (i, *w))
                    .expect("not empty");
                assert_eq!((t.to_bits(), s), (want.0.to_bits(), want.1));
                pending.swap_remove(i);
            }
        }
        assert_eq!(q.len(), pending.len());
    }

    #[test]
    fn nan_times_are_rejected() {
        assert!(Time::new(f64::NAN).is_none());
        assert!(Time::new(0.0).is_some());
    }
}
