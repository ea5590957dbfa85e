//! The retention bound (`cache_size`) and the order in which epochs go.
//!
//! A store may be given a bound on the events it retains and/or on the bytes
//! of their values. After an add pushes the store over a bound, whole epochs
//! are evicted, smallest epoch number first, until the store is within its
//! bounds again, except that the newest (largest) epoch is never evicted: one
//! epoch bigger than the bound is kept whole rather than torn. An evicted epoch
//! stays evicted: an event added later to an epoch at or below the highest
//! evicted one goes at once (its add still succeeds and counts as evicted),
//! even if the store has room by then. Evicted events are
//! counted in the stats; asking for them afterwards finds nothing, exactly as
//! for an epoch that was cleared.
//!
//! Choose the bound above what all epochs still in flight hold together: the
//! store cannot know which epochs a pipeline still reads.
//!
//! Eviction works in steps: once over a bound, it removes whole oldest epochs
//! until the store is at or below the bound's low mark, `bound - bound / 64`
//! (the bound itself for bounds under 64). One step visits each shard once,
//! however many epochs go, so its cost spreads over the ~1/64 of the bound
//! added before the next step, instead of every epoch's add paying a visit to
//! every shard (the store then holds between the low mark and the bound). The
//! add that runs a step pays for all of it: tens of microseconds at a bound of
//! 100,000 events. `evicted_epochs` counts the epochs a step planned for; an
//! epoch another thread's add creates below the floor meanwhile goes too (its
//! events counted) without being counted as an epoch.
//!
//! With adds on several threads, one thread evicts at a time and keeps going
//! until the store is within bounds, counting what others add meanwhile; an
//! add that finds an eviction under way returns at once. So the bound can be
//! exceeded, briefly, by the events added while the last eviction finished;
//! the next add evicts them. With one thread the bound is exact.

/// Limits on what a store retains; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    pub max_events: Option<usize>,
    pub max_bytes: Option<usize>,
}

impl Retention {
    pub const UNBOUNDED: Retention = Retention {
        max_events: None,
        max_bytes: None,
    };

    /// Keep at most `max_events` events (the seed's `cache_size`).
    pub fn events(max_events: usize) -> Self {
        Retention {
            max_events: Some(max_events),
            max_bytes: None,
        }
    }

    #[inline]
    pub(crate) fn exceeded(&self, events: usize, bytes: usize) -> bool {
        self.max_events.is_some_and(|max| events > max)
            || self.max_bytes.is_some_and(|max| bytes > max)
    }

    /// What an eviction step brings the store down to: (events, bytes), the
    /// bound less 1/64th of it (see the module's comment).
    pub(crate) fn low_marks(&self) -> (Option<usize>, Option<usize>) {
        let low = |max: usize| max - max / 64;
        (self.max_events.map(low), self.max_bytes.map(low))
    }

    pub(crate) fn is_bounded(&self) -> bool {
        self.max_events.is_some() || self.max_bytes.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(!Retention::UNBOUNDED.exceeded(usize::MAX, usize::MAX));
        assert!(Retention::events(10).exceeded(11, 0));
        assert!(!Retention::events(10).exceeded(10, usize::MAX));
        let bytes = Retention {
            max_events: None,
            max_bytes: Some(100),
        };
        assert!(bytes.exceeded(1, 101) && !bytes.exceeded(1000, 100));
        assert_eq!(bytes.low_marks(), (None, Some(99)));
        assert_eq!(Retention::events(63).low_marks(), (Some(63), None));
        assert_eq!(Retention::events(100_000).low_marks().0, Some(98_438));
    }
}
