//! Rust port of the shared event workload (`shared/bench/workloads.py`:
//! `events`, `event_key`, `lookup_keys`, `batch_keys`), same LCG, same output,
//! for benchmarks and tests. Not part of the API.

/// `state = state * MUL + INC (mod 2^64)`; `draw(n) = (state >> 33) % n`, advancing first.
pub struct Lcg {
    state: u64,
}

const LCG_MUL: u64 = 6364136223846793005;
const LCG_INC: u64 = 1442695040888963407;

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg { state: seed }
    }

    pub fn draw(&mut self, n: u64) -> u64 {
        self.state = self.state.wrapping_mul(LCG_MUL).wrapping_add(LCG_INC);
        (self.state >> 33) % n
    }
}

/// One LCG step applied to `x`, top 31 bits.
pub fn mix(x: u64) -> u64 {
    x.wrapping_mul(LCG_MUL).wrapping_add(LCG_INC) >> 33
}

pub const NODES: usize = 50;
pub const SIGNALS: [&str; 3] = ["value", "frame", "meta"];
pub const EVENTS_PER_EPOCH: u64 = 20;
const STRIDES: [u64; 10] = [1, 3, 7, 9, 11, 13, 17, 19, 21, 23];
const T0: f64 = 1_700_000_000.0;

/// `node_00` .. `node_49`.
pub fn node_name(index: usize) -> String {
    format!("node_{index:02}")
}

/// The pool's names interned in `store`: the node ids by node index and the
/// signal ids by [`SIGNALS`] index, so a [`Key`]'s indices give its ids.
pub fn intern_pool(
    store: &super::EventStore,
) -> Result<(Vec<super::NameId>, Vec<super::NameId>), super::StoreError> {
    let nodes = (0..NODES)
        .map(|i| store.intern(&node_name(i)))
        .collect::<Result<_, _>>()?;
    let signals = SIGNALS
        .iter()
        .map(|s| store.intern(s))
        .collect::<Result<_, _>>()?;
    Ok((nodes, signals))
}

/// A key as indices into the node pool and [`SIGNALS`], plus the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub node: usize,
    pub signal: usize,
    pub epoch: u64,
}

impl Key {
    pub fn names(&self) -> (String, &'static str, u64) {
        (node_name(self.node), SIGNALS[self.signal], self.epoch)
    }
}

/// The key of event `i` (`event_key(i, seed)`).
pub fn event_key(i: u64, seed: u64) -> Key {
    let (epoch, j) = (i / EVENTS_PER_EPOCH, i % EVENTS_PER_EPOCH);
    let h = mix((seed << 20).wrapping_add(epoch));
    let node = (h % 50 + j * STRIDES[((h >> 8) % 10) as usize]) % 50;
    Key {
        node: node as usize,
        signal: (mix(seed.wrapping_add(i)) % 3) as usize,
        epoch,
    }
}

/// One workload event; `value` is `value_size` bytes of the 8 KiB pool.
#[derive(Clone, Debug)]
pub struct WorkloadEvent {
    pub key: Key,
    pub value: Vec<u8>,
    pub timestamp: f64,
}

fn value_pool(seed: u64) -> Vec<u8> {
    let mut rng = Lcg::new(seed ^ 0x5EED);
    (0..8192).map(|_| rng.draw(256) as u8).collect()
}

/// `events(n, seed, value_size)`.
pub fn events(n: u64, seed: u64, value_size: usize) -> Vec<WorkloadEvent> {
    let pool = value_pool(seed);
    assert!(value_size < pool.len(), "value_size must be < 8192");
    let span = (pool.len() - value_size) as u64;
    (0..n)
        .map(|i| {
            let offset = ((i * 97) % span) as usize;
            WorkloadEvent {
                key: event_key(i, seed),
                value: pool[offset..offset + value_size].to_vec(),
                timestamp: T0 + i as f64 * 0.001,
            }
        })
        .collect()
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn coprime_step(n: u64) -> u64 {
    let mut a = 2654435761 % n;
    if a == 0 {
        a = 1;
    }
    while gcd(a, n) != 1 {
        a += 1;
    }
    a
}

/// `lookup_keys(n_events, count, mode, seed)`; `cached` false is `mode='cold'`.
pub fn lookup_keys(n_events: u64, count: u64, cached: bool, seed: u64) -> Vec<Key> {
    let a = coprime_step(n_events);
    let key = |k: u64| event_key((a * k + 12345) % n_events, seed);
    if !cached {
        assert!(
            count <= n_events,
            "cold mode visits each event at most once"
        );
        return (0..count).map(key).collect();
    }
    let hot: Vec<Key> = (0..n_events.min(1000)).map(key).collect();
    (0..count as usize).map(|k| hot[k % hot.len()]).collect()
}

/// `batch_keys(n_events, batch, seed)`.
pub fn batch_keys(n_events: u64, batch: u64, seed: u64) -> Vec<Key> {
    (0..batch)
        .map(|k| event_key(mix(seed * 7919 + k) % n_events, seed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fnv(mut hash: u64, data: &[u8]) -> u64 {
        for &byte in data {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x100000001b3);
        }
        hash
    }

    const FNV_START: u64 = 0xcbf29ce484222325;

    fn digest_events(n: u64, seed: u64, size: usize) -> u64 {
        let mut hash = FNV_START;
        for event in events(n, seed, size) {
            let (node, signal, epoch) = event.key.names();
            let text = format!("{node},{signal},{epoch},{:?};", event.timestamp);
            hash = fnv(hash, text.as_bytes());
            hash = fnv(hash, &event.value);
        }
        hash
    }

    /// Digests printed by the Python reference (FNV-1a over
    /// `f"{node},{signal},{epoch},{ts!r};"` + value, per event; see the module doc).
    #[test]
    fn matches_the_python_workload() {
        assert_eq!(digest_events(2000, 7, 64), 0xc73dd0a4ad055d72);
        assert_eq!(digest_events(300, 3, 10), 0x60c215b01d36f3c4);
        let mut keys = lookup_keys(5000, 1000, false, 7);
        keys.extend(lookup_keys(5000, 2500, true, 7));
        keys.extend(batch_keys(5000, 1000, 7));
        let mut hash = FNV_START;
        for key in keys {
            let (node, signal, epoch) = key.names();
            hash = fnv(hash, format!("{node},{signal},{epoch};").as_bytes());
        }
        assert_eq!(hash, 0x867bc2564a205d40);
        assert_eq!(coprime_step(1_000_000), 435761);
    }
}
