//! The helper threads parallel runs borrow, kept between runs.
//!
//! A run with `k` workers is its calling thread plus up to `k - 1` helpers taken
//! from this pool. Nothing exists until the first run with two or more workers
//! (a process that never runs in parallel starts no thread); a run that finds too
//! few idle helpers starts new ones, which stay in the pool afterwards. A helper
//! between runs yields for `SPIN_BETWEEN_RUNS`, then parks; after `IDLE_EXIT`
//! without a run it ends, so an idle process keeps no threads for long and the
//! pool shrinks back after a burst of concurrent or nested runs.
//!
//! A run never waits for a helper to start or to leave: the calling thread can do
//! all the work alone, a helper that arrives late finds nothing to do, and the run's
//! shared state is reference counted (whoever holds it last frees it; usually the
//! caller, which keeps it for its next run).
//! This is also why a callback may start a nested run without deadlock: the nested
//! run gets whatever helpers are idle (maybe none) and its caller works through it.
//!
//! Fork: the pool remembers the process id that created it. A child process made by
//! `fork` has none of the parent's threads (and maybe a pool lock held by a thread
//! that no longer exists there), so on the first run in the child the parent's pool
//! is abandoned (leaked, never touched) and a fresh one is made.
//!
//! Unloading: helpers are ordinary threads using Rust thread-locals, whose destructors
//! glibc registers against the library, so `dlclose` leaves it loaded until they end
//! (`IDLE_EXIT` after the last run). A process that exits with helpers parked just
//! ends them; valgrind lists their thread structures as "possibly lost".

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a helper that finished a run yields, ready for the next, before parking.
const SPIN_BETWEEN_RUNS: Duration = Duration::from_micros(50);
/// How long a helper waits for a run before it ends.
const IDLE_EXIT: Duration = Duration::from_secs(2);

/// A run a helper can join.
pub(crate) trait Help: Send + Sync {
    /// Works on the run as worker `index` until the run has no work left.
    fn help(&self, index: usize);
}

/// A run as handed to helpers. `'static` because a helper may hold it after the
/// run's caller returned; see [`Help`]'s implementors for what that requires.
pub(crate) type Job = Arc<dyn Help>;

/// One helper thread's mailbox.
struct Seat {
    job: Mutex<Option<(Job, usize)>>,
    given: AtomicBool,
    thread: OnceLock<Thread>,
}

impl Seat {
    fn give(&self, job: Job, index: usize) {
        *self.job.lock() = Some((job, index));
        self.given.store(true, Ordering::Release);
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }

    /// Waits for a job: yields for `spin`, then parks; `None` after `IDLE_EXIT`.
    fn wait(&self, spin: Duration) -> Option<(Job, usize)> {
        let start = Instant::now();
        loop {
            if self.given.load(Ordering::Acquire) {
                self.given.store(false, Ordering::Relaxed);
                if let Some(job) = self.job.lock().take() {
                    return Some(job);
                }
            }
            let waited = start.elapsed();
            if waited >= IDLE_EXIT {
                return None;
            }
            if waited < spin {
                std::thread::yield_now();
            } else {
                // A `give` before this park makes it return at once (unpark token).
                std::thread::park_timeout(IDLE_EXIT - waited);
            }
        }
    }
}

struct Pool {
    pid: u32,
    /// Helpers waiting for a run, most recently active last.
    idle: Mutex<Vec<Arc<Seat>>>,
    /// Helpers started since this pool was made (numbers their thread names).
    started: AtomicUsize,
}

static POOL: AtomicPtr<Pool> = AtomicPtr::new(std::ptr::null_mut());

/// This process's pool, made on first use (and again in a forked child).
fn pool() -> &'static Pool {
    let pid = std::process::id();
    loop {
        let current = POOL.load(Ordering::Acquire);
        // SAFETY: a published pool is never freed.
        if let Some(pool) = unsafe { current.as_ref() } {
            if pool.pid == pid {
                return pool;
            }
        }
        let fresh = Box::into_raw(Box::new(Pool {
            pid,
            idle: Mutex::new(Vec::new()),
            started: AtomicUsize::new(0),
        }));
        match POOL.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // The replaced pool (if any) belonged to the parent process: leaked.
            // SAFETY: just published; never freed.
            Ok(_) => return unsafe { &*fresh },
            // SAFETY: `fresh` was never published.
            Err(_) => drop(unsafe { Box::from_raw(fresh) }),
        }
    }
}

/// Hands `job` to up to `wanted` helpers as workers `1..=wanted`, idle ones first,
/// then newly started ones; returns how many took it (fewer than `wanted` only if
/// the system refused to start a thread).
pub(crate) fn hire(job: &Job, wanted: usize) -> usize {
    let pool = pool();
    let mut hired = 0;
    while hired < wanted {
        let Some(seat) = pool.idle.lock().pop() else {
            break;
        };
        hired += 1;
        seat.give(Arc::clone(job), hired);
    }
    while hired < wanted {
        let seat = Arc::new(Seat {
            job: Mutex::new(Some((Arc::clone(job), hired + 1))),
            given: AtomicBool::new(true),
            thread: OnceLock::new(),
        });
        let number = pool.started.fetch_add(1, Ordering::Relaxed);
        let mine = Arc::clone(&seat);
        let spawned = std::thread::Builder::new()
            .name(format!("noob-worker-{number}"))
            .spawn(move || {
                // Before the thread can put itself on the idle list, where `give` needs it.
                let _ = mine.thread.set(std::thread::current());
                serve(pool, mine)
            });
        match spawned {
            Ok(_) => hired += 1,
            Err(_) => break,
        }
    }
    hired
}

/// A helper thread's life: runs jobs until it has waited `IDLE_EXIT` for one.
fn serve(pool: &'static Pool, seat: Arc<Seat>) {
    let mut spin = Duration::ZERO;
    loop {
        match seat.wait(spin) {
            Some((job, index)) => {
                job.help(index);
                drop(job);
                pool.idle.lock().push(Arc::clone(&seat));
                spin = SPIN_BETWEEN_RUNS;
            }
            None => {
                let mut idle = pool.idle.lock();
                if let Some(at) = idle.iter().position(|s| Arc::ptr_eq(s, &seat)) {
                    idle.swap_remove(at);
                    return;
                }
                // Taken off the idle list by a run that is about to give it a job.
                spin = Duration::ZERO;
            }
        }
    }
}
