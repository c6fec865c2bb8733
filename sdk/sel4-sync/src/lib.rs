// SPDX-License-Identifier: BSD-2-Clause
//! Mutexes for the threads of one process, shaped like the upstream
//! `sel4-sync` crate: a "benaphore", an atomic count of the threads that
//! hold or want the lock plus one notification the waiters block on. An
//! uncontended lock or unlock is one atomic instruction and no system
//! call. The logic and its one `unsafe impl` (of `lock_api::RawMutex`)
//! are in [`sel4::sync`], with the argument that no wake-up is lost and
//! host tests on threads; this crate names the mutex types.
//!
//! * [`Mutex<NTFN, T>`](Mutex): a `lock_api::Mutex` whose notification is
//!   the cap at slot `NTFN` (our servers keep caps at fixed slots), so it
//!   can be a `static`:
//!
//!   ```
//!   static TABLE: sel4_sync::Mutex<12, [u64; 4]> = sel4_sync::Mutex::new([0; 4]);
//!   TABLE.lock()[0] += 1; // uncontended: no system call
//!   ```
//! * [`NotificationMutex<T>`]: the same lock made at run time on a
//!   notification cap, with its own guard.
//!
//! The notification must be the mutex's alone: nothing else may signal
//! it or wait on it, and it must not be bound to a thread.
#![no_std]
#![forbid(unsafe_code)]

pub use lock_api;
pub use sel4::sync::{
    Benaphore, BenaphoreMutex, BenaphoreMutexGuard, ConstSemaphore, NotificationMutex, RawNotificationMutex, Semaphore, StaticNotification,
};

/// A mutex on the notification at slot `NTFN`.
pub type Mutex<const NTFN: u64, T> = lock_api::Mutex<RawNotificationMutex<NTFN>, T>;
/// The held lock of a [`Mutex`].
pub type MutexGuard<'a, const NTFN: u64, T> = lock_api::MutexGuard<'a, RawNotificationMutex<NTFN>, T>;
/// A `lock_api` mutex on any semaphore with a constant value.
pub type GenericMutex<S, T> = lock_api::Mutex<Benaphore<S>, T>;
/// The held lock of a [`NotificationMutex`].
pub type NotificationMutexGuard<'a, T> = BenaphoreMutexGuard<'a, sel4::Notification, T>;

#[cfg(test)]
mod tests {
    use super::*;

    // Uncontended locking touches only the count, never the notification,
    // so it runs on the host; the contended path is tested in sel4::sync
    // with a stand-in semaphore.
    static COUNTER: Mutex<12, u64> = Mutex::new(0);

    #[test]
    fn static_mutex_uncontended() {
        {
            let mut g: MutexGuard<'_, 12, u64> = COUNTER.lock();
            *g += 1;
            assert!(COUNTER.is_locked());
            assert!(COUNTER.try_lock().is_none());
        }
        assert!(!COUNTER.is_locked());
        *COUNTER.try_lock().unwrap() += 1;
        assert_eq!(*COUNTER.lock(), 2);
    }

    #[test]
    fn runtime_mutex_uncontended() {
        let m = NotificationMutex::new(sel4::Notification::from_bits(13), [0u8; 3]);
        {
            let mut g: NotificationMutexGuard<'_, [u8; 3]> = m.lock();
            g[1] = 7;
            assert!(m.try_lock().is_none());
        }
        assert_eq!(m.try_lock().map(|g| *g), Some([0, 7, 0]));
        assert_eq!(m.into_inner(), [0, 7, 0]);
    }

    #[test]
    fn shared_between_threads() {
        fn sync<T: Sync>(_: &T) {}
        fn send<T: Send>(_: &T) {}
        sync(&COUNTER);
        let m = NotificationMutex::new(sel4::Notification::from_bits(13), 0u32);
        sync(&m);
        send(&m);
    }
}
