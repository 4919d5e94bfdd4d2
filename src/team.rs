//! A team of helper threads that stays up for a whole run and shares out the items of one
//! round at a time with the calling thread ([`Team::for_each`]): the engine's threaded acts
//! and observers, and the chain's epochs of one block.
//!
//! **Why not a general pool.** A block hands out about a hundred small jobs (an agent's act,
//! 0.5–10 µs each) and then has about 150 µs of serial work before the next round. A pool
//! whose workers go to sleep between rounds pays a futex wake-up (tens of µs here) every
//! block, which on two cores ate everything the second thread saved (`--threads 2` measured
//! slower than one). Here helpers spin briefly between rounds, yielding their core to any
//! other runnable thread (a table writer), and park after tens of µs idle; and the items are
//! claimed, in small chunks, from one counter, so a helper that is late, parked or
//! descheduled delays nothing: the calling thread claims what is left and waits only for
//! chunks already started.
//!
//! **Determinism.** Which thread runs an item changes nothing: each item is its own
//! (`&mut T`), and callers merge results in item order afterwards.
//!
//! **The `unsafe` boundary** (the crate's second, beside [`crate::yuma::simd`]). A round
//! lends the helpers a borrowed closure and a borrowed slice, which outlive no round: the
//! caller closes the round and waits until every helper that entered it has left before
//! [`Team::for_each`] returns or unwinds (the scoped-thread argument, made per round because
//! the threads outlive the borrow). Each item index is handed out once by an atomic counter,
//! so no item is reached through two references.

#![allow(unsafe_code)]

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

/// Spin-loop hints between two yields of a waiting thread.
const SPINS_PER_YIELD: u32 = 64;
/// Yields an idle helper makes before it parks (tens of µs). Measured on the network-year
/// workload, 2 threads on 2 cores: with 4 096 (a helper that practically never parks) 600 000
/// blocks took 153–163 s, and the whole year no less than on one thread (12 min 35 s): a
/// spinning helper keeps a core from the table writers and the kernel, and the run slows
/// as the run goes on; with 16, 128 s. A helper that parks joins the next round late, which
/// costs nothing: the caller claims what the helper has not ([`Team::for_each`]).
const YIELDS_BEFORE_PARK: u32 = 16;

/// The round's work as the helpers see it: a borrowed closure whose lifetime was erased.
#[derive(Clone, Copy)]
struct Task(*const (dyn Fn() + Sync + 'static));

// SAFETY: the pointee is `Sync`, and the pointer is only dereferenced by a helper counted in
// `Shared::busy` while the round is open (see `Team::for_each`).
unsafe impl Send for Task {}

struct Shared {
    /// The open round's work (`None` between rounds). Helpers enter a round under this lock.
    task: Mutex<Option<Task>>,
    /// Incremented when a round opens; idle helpers watch it.
    round: AtomicU64,
    /// Helpers inside a round's work.
    busy: AtomicUsize,
    /// The first panic of a helper in the current round, re-raised by the caller.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Set when the team is dropped.
    stop: AtomicBool,
    /// Helpers parked (or about to): the caller unparks them when a round opens.
    sleeping: AtomicUsize,
}

/// A mutex's guard, poisoned or not: what the crate shares between threads (a round's task, a
/// run's tables and analysis) stays usable, to be finished or cleaned up, after a panic on
/// another thread, which is reported on its own.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Helper threads kept for a run (see the module docs).
pub(crate) struct Team {
    shared: Arc<Shared>,
    helpers: Vec<JoinHandle<()>>,
}

impl Team {
    /// `threads − 1` helpers, so that with the calling thread `threads` threads work.
    ///
    /// # Errors
    /// A message if a thread cannot be started.
    pub(crate) fn new(threads: usize) -> Result<Team, String> {
        let shared = Arc::new(Shared {
            task: Mutex::new(None),
            round: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            panic: Mutex::new(None),
            stop: AtomicBool::new(false),
            sleeping: AtomicUsize::new(0),
        });
        let mut team = Team {
            shared,
            helpers: Vec::new(),
        };
        for i in 1..threads {
            let shared = team.shared.clone();
            let h = thread::Builder::new()
                .name(format!("yumalab-agents-{i}"))
                .spawn(move || help(&shared))
                .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
            team.helpers.push(h);
        }
        Ok(team)
    }

    /// Threads working a round: the helpers and the caller.
    pub(crate) fn threads(&self) -> usize {
        self.helpers.len() + 1
    }

    /// How many items a thread claims at a time in a round of `n` (items `k·chunk` start
    /// the chunks): about eight chunks per thread, few enough claims that the shared counter
    /// costs little, enough that the threads finish together.
    pub(crate) fn chunk(&self, n: usize) -> usize {
        (n / (8 * self.threads())).max(1)
    }

    /// Runs `work` on every item, each exactly once, on the calling thread and the helpers;
    /// returns when every item is done. A panic in `work` (on any thread) is raised here once
    /// the round has ended.
    pub(crate) fn for_each<T: Send>(&self, items: &mut [T], work: &(dyn Fn(&mut T) + Sync)) {
        let n = items.len();
        let chunk = self.chunk(n);
        let next = AtomicUsize::new(0);
        let base = Items(items.as_mut_ptr());
        let worker = || {
            let base = &base;
            loop {
                let start = next.fetch_add(chunk, Ordering::Relaxed);
                if start >= n {
                    break;
                }
                for i in start..(start + chunk).min(n) {
                    // SAFETY: `i < n`, and the counter hands out each index once, so this is
                    // the only reference to item `i`; the slice outlives the round (the
                    // caller waits for every helper before returning).
                    work(unsafe { &mut *base.0.add(i) });
                }
            }
        };
        let task: &(dyn Fn() + Sync) = &worker;
        // SAFETY: only the lifetime is erased. The round is closed and every helper that
        // entered it has left (`Close::drop`, which also runs on unwinding) before `worker`
        // and the borrows it holds go out of scope.
        let task = Task(unsafe {
            std::mem::transmute::<*const (dyn Fn() + Sync + '_), *const (dyn Fn() + Sync + 'static)>(
                task,
            )
        });
        // A helper's panic left over from a round the caller's own panic ended is stale.
        drop(lock(&self.shared.panic).take());
        *lock(&self.shared.task) = Some(task);
        self.shared.round.fetch_add(1, Ordering::SeqCst);
        if self.shared.sleeping.load(Ordering::SeqCst) > 0 {
            for h in &self.helpers {
                h.thread().unpark();
            }
        }
        let close = Close(&self.shared);
        worker();
        drop(close);
        if let Some(p) = lock(&self.shared.panic).take() {
            resume_unwind(p);
        }
    }
}

/// A slice's base pointer, shared by the threads of a round.
struct Items<T>(*mut T);

// SAFETY: the threads reach disjoint items through it (one index each, see `for_each`), and
// `T: Send` lets an item be used from another thread.
unsafe impl<T: Send> Sync for Items<T> {}

/// Closes a round: no helper enters it any more, and those inside have left.
struct Close<'a>(&'a Shared);

impl Drop for Close<'_> {
    fn drop(&mut self) {
        *lock(&self.0.task) = None;
        // A helper inside the round finishes its chunk; if it was descheduled mid-chunk (a
        // loaded machine), yielding lets it run instead of spinning against it.
        let mut wait = Backoff::default();
        while self.0.busy.load(Ordering::Acquire) > 0 {
            wait.snooze();
        }
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for h in &self.helpers {
            h.thread().unpark();
        }
        for h in self.helpers.drain(..) {
            let _ = h.join();
        }
    }
}

/// How a thread waits for another: spin-loop hints, then a yield of its core, and again.
#[derive(Default)]
struct Backoff {
    spins: u32,
    /// Yields so far.
    yields: u32,
}

impl Backoff {
    fn snooze(&mut self) {
        if self.spins < SPINS_PER_YIELD {
            self.spins += 1;
            std::hint::spin_loop();
        } else {
            self.spins = 0;
            self.yields += 1;
            thread::yield_now();
        }
    }
}

/// A helper's life: wait for a round, work it, repeat until the team is dropped.
fn help(shared: &Shared) {
    let mut seen = 0;
    loop {
        let mut wait = Backoff::default();
        loop {
            if shared.stop.load(Ordering::Acquire) {
                return;
            }
            let r = shared.round.load(Ordering::Acquire);
            if r != seen {
                seen = r;
                break;
            }
            if wait.yields < YIELDS_BEFORE_PARK {
                wait.snooze();
            } else {
                // Announce the nap, then look once more: the caller either sees the count
                // and unparks, or this sees its new round (both sides use SeqCst).
                shared.sleeping.fetch_add(1, Ordering::SeqCst);
                if shared.round.load(Ordering::SeqCst) == seen
                    && !shared.stop.load(Ordering::SeqCst)
                {
                    thread::park();
                }
                shared.sleeping.fetch_sub(1, Ordering::SeqCst);
                wait = Backoff::default();
            }
        }
        let task = {
            let open = lock(&shared.task);
            let task = *open;
            if task.is_some() {
                // Counted while the round is open: the caller cannot close it and return
                // until this helper has left.
                shared.busy.fetch_add(1, Ordering::AcqRel);
            }
            task
        };
        if let Some(Task(work)) = task {
            // SAFETY: the helper entered the open round (counted in `busy`), so the closure
            // behind `work` is alive until the `fetch_sub` below.
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { (*work)() }));
            if let Err(p) = outcome {
                lock(&shared.panic).get_or_insert(p);
            }
            shared.busy.fetch_sub(1, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_worked_once_whatever_the_threads() {
        for threads in 1..=4 {
            let team = Team::new(threads).unwrap();
            for round in 0..200u64 {
                let mut items: Vec<(u64, u32)> = (0..(round % 37)).map(|i| (i, 0)).collect();
                team.for_each(&mut items, &|(x, seen)| {
                    *x = x.wrapping_mul(31).wrapping_add(round);
                    *seen += 1;
                });
                for (i, (x, seen)) in items.iter().enumerate() {
                    assert_eq!(*seen, 1, "item {i} of round {round} on {threads} threads");
                    assert_eq!(*x, (i as u64).wrapping_mul(31).wrapping_add(round));
                }
            }
        }
    }

    #[test]
    fn a_panic_on_any_thread_reaches_the_caller_after_the_round() {
        let team = Team::new(2).unwrap();
        let mut items: Vec<u32> = (0..64).collect();
        let caught = catch_unwind(AssertUnwindSafe(|| {
            team.for_each(&mut items, &|x| {
                if *x == 40 {
                    panic!("item 40");
                }
                *x += 1000;
            });
        }));
        assert!(caught.is_err());
        // The team still works afterwards.
        let mut items: Vec<u32> = (0..64).collect();
        team.for_each(&mut items, &|x| *x += 1);
        assert_eq!(items, (1..65).collect::<Vec<_>>());
    }
}
