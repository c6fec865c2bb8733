// SPDX-License-Identifier: BSD-2-Clause
//! A mutex for the threads of one process: an atomic count and one seL4
//! notification (a "benaphore"), shaped like the upstream `sel4-sync`
//! crate. Uncontended, locking and unlocking are one atomic instruction
//! each and no system call; only a thread that finds the lock taken waits
//! on the notification, and only an unlock that sees a waiter signals it.
//!
//! [`Benaphore`] implements `lock_api::RawMutex` for any [`Semaphore`]
//! with a constant value ([`ConstSemaphore`]), so `lock_api::Mutex` gives
//! the guarded data: `sel4-sync` names the seL4 ones. The notification's
//! cap is a const generic ([`StaticNotification`]): our servers keep their
//! caps at fixed CNode slots, and `RawMutex` needs a constant `INIT`.
//! [`BenaphoreMutex`] is the same lock made at run time, on a cap
//! ([`NotificationMutex`]).
//!
//! **The notification must be this mutex's alone**: nothing else may
//! signal it or wait on it, and it must not be bound to a thread. A signal
//! from anywhere else would let a waiter in while the lock is held. (The
//! kernel cannot check this: a cap is just a number here.)
//!
//! **Why no signal is lost.** `count` is the number of threads that hold
//! or want the lock. `lock` adds 1 and, if anyone was there before it,
//! waits. `unlock` takes 1 and, if anyone was there besides itself,
//! signals: that thread has already counted itself in, and waits or is
//! about to. A notification holds one bit, so two signals before a wait
//! would count as one; but at most one signal is ever outstanding. After
//! a signal the lock belongs to whichever waiter consumes it (the count
//! never dropped to 0, so nobody else can take it), and the next unlock,
//! and with it the next signal, can only come from that owner, after its
//! wait has returned and consumed the first. A waiter that has not reached
//! `wait` yet when the signal comes finds the notification active and
//! goes straight through. And while `count` is 0 no signal is
//! outstanding (a signal leaves the count at 1 or more until its consumer
//! unlocks), so a lock taken by `try_lock`'s 0 → 1 leaves no stale signal
//! behind that could let a later waiter in while it is held.
use crate::{CPtr, Notification};
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicI64, Ordering};

/// A binary semaphore that starts empty, as a notification is: `signal`
/// makes it full, `wait` blocks until it is full and empties it.
///
/// # Safety
///
/// A [`Benaphore`]'s mutual exclusion rests on this: `wait` returns only
/// once a `signal` has been made that no other `wait` consumed, and
/// consumes it (two signals with no wait between them may count as one);
/// and everything the signalling thread did before `signal` happens
/// before the return of the `wait` that consumes it.
pub unsafe trait Semaphore {
    fn wait(&self);
    fn signal(&self);
}

/// A semaphore with a constant initial value, so that a mutex on it can
/// be a `static` (`lock_api::RawMutex::INIT`).
pub trait ConstSemaphore: Semaphore {
    const INIT: Self;
}

/// The notification at slot `NTFN` of this thread's CSpace.
#[derive(Copy, Clone, Debug, Default)]
pub struct StaticNotification<const NTFN: u64>;

// SAFETY: a notification is a binary semaphore: Signal makes it active
// (with any badge, 0 included), Recv returns at once from an active one and
// makes it idle, or blocks until a Signal. The kernel runs both one at a
// time, and kernel entry and exit order memory (and the asm of every
// syscall is a compiler barrier), so the signaller's writes happen before
// the woken waiter's reads. A slot that holds no notification makes the
// call fault, which stops the thread: it never returns as if signalled.
unsafe impl<const NTFN: u64> Semaphore for StaticNotification<NTFN> {
    fn wait(&self) {
        crate::wait(CPtr(NTFN));
    }
    fn signal(&self) {
        crate::signal(CPtr(NTFN));
    }
}

impl<const NTFN: u64> ConstSemaphore for StaticNotification<NTFN> {
    const INIT: Self = StaticNotification;
}

// SAFETY: as for `StaticNotification` above: the same two syscalls on the
// cap this value names.
unsafe impl Semaphore for Notification {
    fn wait(&self) {
        crate::wait(self.cptr());
    }
    fn signal(&self) {
        crate::signal(self.cptr());
    }
}

/// A notification named at run time as a const semaphore, so that a
/// `lock_api::Mutex` can be built on any notification with
/// `lock_api::Mutex::from_raw(Benaphore::new(ntfn), value)` (a server's
/// many locks, each on its own notification). `INIT` names slot 0, which
/// never holds a cap: a mutex made from `INIT` instead works until two
/// threads contend, and then the waiting thread's Recv faults, stopping
/// it loudly; it never lets two threads in.
impl ConstSemaphore for Notification {
    const INIT: Self = Notification::from_bits(0);
}

/// The lock: a count of the threads that hold or want it, and a semaphore
/// for the ones that wait (see the module docs).
#[derive(Debug)]
pub struct Benaphore<S> {
    count: AtomicI64,
    sem: S,
}

/// The raw mutex of `sel4-sync`'s `Mutex`: a benaphore on the
/// notification at slot `NTFN`.
pub type RawNotificationMutex<const NTFN: u64> = Benaphore<StaticNotification<NTFN>>;

impl<S: Semaphore> Benaphore<S> {
    /// An unlocked benaphore waiting on `sem`, which must be empty and
    /// this benaphore's alone.
    pub const fn new(sem: S) -> Benaphore<S> {
        Benaphore { count: AtomicI64::new(0), sem }
    }

    fn acquire(&self) {
        // Acquire: an uncontended lock sees the last unlock's writes. A
        // contended one gets them through the semaphore.
        if self.count.fetch_add(1, Ordering::Acquire) > 0 {
            self.sem.wait();
        }
    }

    fn try_acquire(&self) -> bool {
        self.count.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Only the holder may call this.
    fn release(&self) {
        if self.count.fetch_sub(1, Ordering::Release) > 1 {
            self.sem.signal();
        }
    }

    fn held(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }
}

// SAFETY: mutual exclusion: a thread holds the lock when its fetch_add saw
// 0, when its compare_exchange moved 0 to 1, or when its wait consumed a
// signal. The module docs show that a signal is made only for a thread
// that counted itself in, that at most one is outstanding, and that none
// is while the count is 0; a Semaphore passes each signal to exactly one
// wait. So a thread enters only when the count was 0 (nobody holding) or
// the holder has just handed over with its signal. Acquire and release:
// an uncontended lock's Acquire reads from the last unlock's Release
// (the count's RMWs form one release sequence); a contended one is
// ordered by the semaphore (its safety contract). Unlocking from another
// thread is fine (GuardSend): the signal wakes whoever waits.
unsafe impl<S: ConstSemaphore> lock_api::RawMutex for Benaphore<S> {
    const INIT: Self = Benaphore::new(S::INIT);
    type GuardMarker = lock_api::GuardSend;

    fn lock(&self) {
        self.acquire();
    }

    fn try_lock(&self) -> bool {
        self.try_acquire()
    }

    unsafe fn unlock(&self) {
        self.release();
    }

    fn is_locked(&self) -> bool {
        self.held()
    }
}

/// Data behind a benaphore made at run time, on any [`Semaphore`] (a
/// notification cap: [`NotificationMutex`]).
pub struct BenaphoreMutex<S, T: ?Sized> {
    lock: Benaphore<S>,
    data: UnsafeCell<T>,
}

/// A mutex on the notification a cap names; see the module docs for what
/// the notification must be.
pub type NotificationMutex<T> = BenaphoreMutex<Notification, T>;

// SAFETY: the data is reached only through a guard, and the benaphore lets
// one guard exist at a time (see the RawMutex impl), so sharing the mutex
// hands the data from thread to thread, never to two at once: T: Send
// suffices, as for std's Mutex. The semaphore is used from every thread
// that locks, so it must be Sync itself.
unsafe impl<S: Semaphore + Sync, T: ?Sized + Send> Sync for BenaphoreMutex<S, T> {}

impl<S: Semaphore, T> BenaphoreMutex<S, T> {
    /// `value` behind a lock waiting on `sem` (for a notification: one
    /// that nothing else signals or waits on, not bound to a thread).
    pub const fn new(sem: S, value: T) -> BenaphoreMutex<S, T> {
        BenaphoreMutex { lock: Benaphore::new(sem), data: UnsafeCell::new(value) }
    }

    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<S: Semaphore, T: ?Sized> BenaphoreMutex<S, T> {
    /// Waits for the lock.
    pub fn lock(&self) -> BenaphoreMutexGuard<'_, S, T> {
        self.lock.acquire();
        BenaphoreMutexGuard { mutex: self, _data: PhantomData }
    }

    /// The lock if nobody holds or wants it now.
    pub fn try_lock(&self) -> Option<BenaphoreMutexGuard<'_, S, T>> {
        self.lock.try_acquire().then(|| BenaphoreMutexGuard { mutex: self, _data: PhantomData })
    }

    /// Whether someone holds the lock (a snapshot).
    pub fn is_locked(&self) -> bool {
        self.lock.held()
    }

    /// The data, without locking: `&mut self` says nobody else can.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<S, T: ?Sized> core::fmt::Debug for BenaphoreMutex<S, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BenaphoreMutex").finish_non_exhaustive()
    }
}

/// The held lock: the data while it lives, unlocked when it is dropped.
pub struct BenaphoreMutexGuard<'a, S: Semaphore, T: ?Sized> {
    mutex: &'a BenaphoreMutex<S, T>,
    /// The guard hands out `&mut T`, so it is Send and Sync only as
    /// `&mut T` is (Send for T: Send, Sync only for T: Sync).
    _data: PhantomData<&'a mut T>,
}

impl<S: Semaphore, T: ?Sized> Deref for BenaphoreMutexGuard<'_, S, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock, so no other guard exists and
        // nothing else reaches the data until it is dropped; the borrow of
        // `self` bounds the reference.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<S: Semaphore, T: ?Sized> DerefMut for BenaphoreMutexGuard<'_, S, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in deref, and `&mut self` makes this the only
        // reference the guard hands out meanwhile.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<S: Semaphore, T: ?Sized> Drop for BenaphoreMutexGuard<'_, S, T> {
    fn drop(&mut self) {
        self.mutex.lock.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lock_api::RawMutex as _;
    use std::sync::atomic::{AtomicBool, AtomicU64};
    use std::sync::{Arc, Barrier, Condvar, Mutex};

    /// A notification's semantics on the host: one bit, set by signal,
    /// waited for and cleared by wait. It also checks the claim that no
    /// signal is lost: a signal while one is outstanding fails the test.
    struct CondvarSemaphore {
        active: Mutex<bool>,
        cv: Condvar,
        /// Waits made: the contended path was taken this often.
        waits: AtomicU64,
    }

    // SAFETY: wait returns only when the bit is set, and clears it, under
    // the mutex; signal sets it under the same mutex, which orders the
    // signaller's writes before the waiter's return.
    unsafe impl Semaphore for CondvarSemaphore {
        fn wait(&self) {
            self.waits.fetch_add(1, Ordering::Relaxed);
            let mut active = self.active.lock().unwrap();
            while !*active {
                active = self.cv.wait(active).unwrap();
            }
            *active = false;
        }
        fn signal(&self) {
            let mut active = self.active.lock().unwrap();
            assert!(!*active, "a second signal while one is outstanding");
            *active = true;
            self.cv.notify_one();
        }
    }

    impl ConstSemaphore for CondvarSemaphore {
        const INIT: Self = CondvarSemaphore { active: Mutex::new(false), cv: Condvar::new(), waits: AtomicU64::new(0) };
    }

    const THREADS: u64 = 4;
    const ROUNDS: u64 = 100_000;

    /// Each thread runs `with_lock(body)` ROUNDS times, where the body
    /// adds 1 to a counter by a separate read and write and marks itself
    /// inside while it does: any overlap or lost update shows. The threads
    /// start together, and every 64th body yields the CPU while inside, so
    /// the others find the lock taken and wait however the host schedules.
    fn hammer(with_lock: &(dyn Fn(&mut dyn FnMut()) + Sync)) -> u64 {
        let inside = AtomicBool::new(false);
        let counter = AtomicU64::new(0);
        let start = Barrier::new(THREADS as usize);
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    start.wait();
                    for round in 0..ROUNDS {
                        with_lock(&mut || {
                            assert!(!inside.swap(true, Ordering::Relaxed), "two threads inside");
                            let v = counter.load(Ordering::Relaxed);
                            if round % 64 == 0 {
                                std::thread::yield_now();
                            }
                            counter.store(v + 1, Ordering::Relaxed);
                            inside.store(false, Ordering::Relaxed);
                        });
                    }
                });
            }
        });
        counter.into_inner()
    }

    #[test]
    fn lock_api_mutex_counts_exactly() {
        static M: lock_api::Mutex<Benaphore<CondvarSemaphore>, u64> = lock_api::Mutex::new(0);
        let total = hammer(&|body| {
            let mut g = M.lock();
            body();
            *g += 1;
        });
        assert_eq!((total, *M.lock()), (THREADS * ROUNDS, THREADS * ROUNDS));
        assert!(!M.is_locked());
        // SAFETY: only to read the stand-in's count; nothing locks now.
        let waits = unsafe { M.raw() }.sem.waits.load(Ordering::Relaxed);
        std::println!("lock_api mutex: {waits} contended locks");
        assert!(waits > 0, "the threads never contended");
    }

    #[test]
    fn runtime_mutex_counts_exactly() {
        let m = BenaphoreMutex::new(CondvarSemaphore::INIT, 0u64);
        let total = hammer(&|body| {
            let mut g = m.lock();
            body();
            *g += 1;
        });
        let waits = m.lock.sem.waits.load(Ordering::Relaxed);
        std::println!("runtime mutex: {waits} contended locks");
        assert!(waits > 0, "the threads never contended");
        assert_eq!((total, m.into_inner()), (THREADS * ROUNDS, THREADS * ROUNDS));
    }

    #[test]
    fn try_lock_only_when_free() {
        let b: Benaphore<CondvarSemaphore> = Benaphore::INIT;
        assert!(b.try_lock());
        assert!(b.is_locked());
        assert!(!b.try_lock());
        // SAFETY: held since the try_lock above.
        unsafe { b.unlock() };
        assert!(!b.is_locked());
        b.lock();
        assert!(!b.try_lock());
        // SAFETY: held since the lock above.
        unsafe { b.unlock() };
        assert_eq!(b.count.load(Ordering::Relaxed), 0);

        let mut m = BenaphoreMutex::new(CondvarSemaphore::INIT, 5);
        {
            let mut g = m.try_lock().unwrap();
            *g += 1;
            assert!(m.try_lock().is_none());
            assert!(m.is_locked());
        }
        assert!(!m.is_locked());
        *m.get_mut() += 1;
        assert_eq!(m.into_inner(), 7);
    }

    #[test]
    fn a_waiter_gets_the_lock_when_it_is_passed() {
        // One thread holds; another finds it taken and waits; the unlock
        // signals and hands over.
        let m = Arc::new(BenaphoreMutex::new(CondvarSemaphore::INIT, Vec::new()));
        let mut g = m.lock();
        let t = {
            let m = Arc::clone(&m);
            std::thread::spawn(move || m.lock().push(2))
        };
        while m.lock.count.load(Ordering::Relaxed) < 2 {
            std::thread::yield_now();
        }
        g.push(1);
        drop(g);
        t.join().unwrap();
        assert_eq!(*m.lock(), [1, 2]);
    }
}
