// SPDX-License-Identifier: BSD-2-Clause
//! Host fuzzing of every decoder in the ABI, as a hostile process would
//! feed them: random labels (known calls, other protocols' calls, high
//! bits, wild values), every length 0..=127, and words at the boundaries
//! (0, 1, `u32::MAX`, `u64::MAX`), at wild addresses and near valid
//! values. Over a million cases in all; `FUZZ_SCALE=n` multiplies them
//! (`make fuzz`).
//!
//! Properties:
//! * decoding never panics and answers a request, `ENOSYS` (exactly when
//!   the label is not one of the interface's calls) or `EINVAL`;
//! * decoding never narrows: re-encoding an accepted request gives back
//!   the very words that were decoded, bit for bit;
//! * encode then decode gives back every valid request of every type, even
//!   with stale garbage in the registers past the message length.

use minix_abi::common::{self, Common};
use minix_abi::endpoint::{Endpoint, Sender, BADGE_BITS};
use minix_abi::errno::{Errno, EINVAL, ENOSYS};
use minix_abi::message::{RawRequest, Reply, MSG_WORDS};
use minix_abi::offset::{Offset, WritePos, OFF_MAX};
use minix_abi::{blk, errno, fs, pm, signal, timer, vfs, vm};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// `n` cases, times `FUZZ_SCALE` when set.
fn cases(n: u32) -> Config {
    let scale = std::env::var("FUZZ_SCALE").ok().and_then(|s| s.parse::<u32>().ok()).unwrap_or(1).max(1);
    Config { cases: n.saturating_mul(scale), failure_persistence: None, ..Config::default() }
}

fn all_calls() -> Vec<u64> {
    [common::CALLS, pm::CALLS, vm::CALLS, vfs::CALLS, fs::CALLS, blk::CALLS, timer::CALLS].concat()
}

/// Labels: this interface's calls most often, then every other known call,
/// known calls with one high bit set, and anything at all.
fn label(own: &'static [u64]) -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => prop::sample::select(own.to_vec()),
        2 => prop::sample::select(all_calls()),
        2 => (prop::sample::select(all_calls()), 9u32..64).prop_map(|(c, b)| c | 1 << b),
        1 => prop::sample::select(vec![0, 1, 0xfffff, 1 << 20, u32::MAX as u64, (1 << 52) - 1, u64::MAX]),
        1 => 0u64..0x400,
        1 => any::<u64>(),
    ]
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    (any::<u16>(), 1u16..(1 << 15)).prop_map(|(s, g)| Endpoint::new(s, g))
}

/// Message words: boundaries, small values, valid and nearly valid
/// endpoints and grant words, wild and edge addresses, anything.
fn word() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => prop::sample::select(vec![
            0, 1, 2, 3, 7, 8, 0xff, 0x100, 0x1000, 0x1001, 4094,
            u32::MAX as u64, u32::MAX as u64 + 1, i32::MAX as u64, i32::MIN as i64 as u64,
            u64::MAX, u64::MAX - 1, u64::MAX - 4095, i64::MAX as u64, i64::MIN as u64,
            0x7000_0000, 0x4000_0000 + 4094, 1 << 32, (1 << 32) | 3, 1 << 47, 1 << 63,
            vm::GRANT_TABLE_MAX_ENTRIES, vm::GRANT_TABLE_MAX_ENTRIES + 1, vm::FIX_RANGE_MAX, vm::FIX_RANGE_MAX + 1,
            vm::VSAFECOPY_MAX, vm::VSAFECOPY_MAX + 1, vfs::poll::POLL_MAX as u64, vfs::poll::POLL_MAX as u64 + 1, vfs::EXERCISE_MAX, vfs::EXERCISE_MAX + 1,
            fs::IO_MAX, fs::IO_MAX + 1, blk::MAX_TRANSFER, blk::MAX_TRANSFER + 1, blk::IOV_MAX, blk::IOV_MAX + 1, 0xffff, 0x1_0000, fs::MODE_PERM, fs::MODE_PERM + 1, (1 << 48) - 1, 1 << 48,
            timer::NSEC_PER_SEC - 1, timer::NSEC_PER_SEC, pm::USEC_PER_SEC as u64 - 1, pm::USEC_PER_SEC as u64, timer::MAX_SETTIME_SECS >> 32, (timer::MAX_SETTIME_SECS >> 32) + 1, 1 << 31,
            31, 32, 0x7fff_ffff, pm::SIGACTION_QUERY | 10, pm::SIGACTION_QUERY | 10 | 1 << 8, 10 | 0x3f << 8, 10 | 0x40 << 8,
            pm::ALTSTACK_QUERY, signal::SS_DISABLE, u32::MAX as u64 - 0xbf, u32::MAX as u64 - 0xc0,
        ]),
        3 => 0u64..300,
        2 => endpoint().prop_map(|e| e.0 as u64),
        1 => (endpoint(), 27u32..64).prop_map(|(e, b)| e.0 as u64 | 1 << b),
        2 => (endpoint(), any::<i32>()).prop_map(|(e, g)| vm::grant_word(e, g)),
        1 => any::<u32>().prop_map(|x| x as u64),
        1 => any::<i32>().prop_map(|x| x as i64 as u64),
        1 => (0u64..(1 << 20)).prop_map(|p| p << 12),
        3 => any::<u64>(),
    ]
}

fn raw(own: &'static [u64]) -> impl Strategy<Value = RawRequest> {
    (label(own), prop::array::uniform4(word()), prop_oneof![3 => 0u64..=5, 1 => 0u64..=127]).prop_map(|(call, words, len)| RawRequest {
        call,
        words,
        len,
    })
}

/// The shared property of every decoder; `decode`/`encode` are one
/// interface's.
fn check_raw<R: PartialEq + std::fmt::Debug>(
    r: &RawRequest,
    own: &[u64],
    decode: impl Fn(&RawRequest) -> Result<R, Errno>,
    encode: impl Fn(&R) -> (u64, [u64; 4], u64),
) -> Result<(), TestCaseError> {
    match decode(r) {
        Err(e) if !own.contains(&r.call) => prop_assert_eq!(e, ENOSYS),
        // VFS answers two malformations the POSIX way (see its docs).
        Err(e) if own == vfs::CALLS && (e == errno::EBADF || e == errno::ENAMETOOLONG) => {}
        // POLL's array where no user memory is.
        Err(e) if own == vfs::CALLS && r.call == vfs::POLL && e == errno::EFAULT => {}
        // PM's EXEC answers a block it cannot take as the call would.
        Err(e) if own == pm::CALLS && r.call == pm::EXEC && (e == errno::EFAULT || e == errno::E2BIG) => {}
        Err(e) => prop_assert_eq!(e, EINVAL, "{:?}", r),
        Ok(req) => {
            prop_assert!(own.contains(&r.call), "{:?} decoded from an unknown call", req);
            let (call, words, len) = encode(&req);
            prop_assert_eq!(call, r.call);
            // VM's SPAWN is longer: its block's words, past the first two,
            // are not part of the request (VM reads them itself).
            let shown = if own == vm::CALLS && call == vm::SPAWN { 2 } else { len as usize };
            prop_assert!(shown <= MSG_WORDS && len <= r.len);
            // No narrowing: every word the request was built from comes
            // back exactly.
            prop_assert_eq!(&words[..shown], &r.words[..shown], "{:?} from {:?}", req, r);
            prop_assert_eq!(decode(&RawRequest { call, words, len }), Ok(req));
        }
    }
    Ok(())
}

/// Encodes, fills the registers past the length with garbage, decodes.
fn round_trip<R: PartialEq + std::fmt::Debug>(
    req: R,
    garbage: [u64; 4],
    decode: impl Fn(&RawRequest) -> Result<R, Errno>,
    encode: impl Fn(&R) -> (u64, [u64; 4], u64),
) -> Result<(), TestCaseError> {
    let (call, mut words, len) = encode(&req);
    // A request longer than four words (VM's SPAWN) carries the rest in
    // the IPC buffer, which the server reads itself.
    prop_assert!(len <= minix_abi::message::LENGTH_MASK);
    let used = (len as usize).min(MSG_WORDS);
    words[used..].copy_from_slice(&garbage[used..]);
    prop_assert_eq!(decode(&RawRequest { call, words, len }), Ok(req));
    Ok(())
}

fn signal() -> impl Strategy<Value = signal::Signal> {
    (1u32..32).prop_map(|n| signal::Signal::new(n).unwrap())
}

fn sigset() -> impl Strategy<Value = signal::SigSet> {
    prop_oneof![
        Just(signal::SigSet::EMPTY),
        Just(signal::SigSet::FULL),
        (0u32..=0x7fff_ffff).prop_map(|b| signal::SigSet::from_bits(b).unwrap())
    ]
}

fn sigaction() -> impl Strategy<Value = signal::SigAction> {
    use signal::Handler;
    let handler = prop_oneof![
        Just(Handler::Default),
        Just(Handler::Ignore),
        (2u32.., 1u32..).prop_map(|(entry, restorer)| Handler::Catch { entry, restorer }),
    ];
    (handler, 0u32..=signal::SaFlags::ALL.bits(), sigset()).prop_map(|(handler, f, mask)| signal::SigAction {
        handler,
        flags: signal::SaFlags::from_bits(f).unwrap(),
        mask,
    })
}

fn pm_request() -> impl Strategy<Value = pm::Request> {
    use pm::Request::*;
    let pid = prop_oneof![Just(0i32), Just(-1), Just(i32::MAX), Just(i32::MIN), any::<i32>()];
    let process_pid = 0..=i32::MAX as u32;
    let id = 0..u32::MAX;
    let altstack = prop_oneof![
        Just(None),
        Just(Some(signal::AltStackChange::Disable)),
        (any::<u32>(), any::<u32>())
            .prop_map(|(sp, size)| Some(signal::AltStackChange::Enable { sp, size: (size as u64).min((1u64 << 32) - sp as u64) as u32 })),
    ];
    let how = prop::sample::select(vec![signal::MaskHow::Block, signal::MaskHow::Unblock, signal::MaskHow::SetMask]);
    prop_oneof![
        Just(GetPid),
        Just(GetPpid),
        any::<u8>().prop_map(|code| Exit { code }),
        (pid.clone().prop_filter("no group", |p| *p != i32::MIN), 0..=pm::WAIT_OPTIONS)
            .prop_map(|(pid, o)| Wait { pid: pid as i64, options: o & pm::WAIT_OPTIONS }),
        Just(Fork),
        Just(GetSysInfo),
        (any::<u32>(), 0..=minix_abi::exec::BLOCK_MAX).prop_map(|(block, len)| Exec { block, len }),
        (pid, prop::option::of(signal())).prop_map(|(pid, sig)| Kill { pid, sig }),
        (signal(), prop::option::of(sigaction())).prop_map(|(sig, new)| SigAction { sig, new }),
        (how, sigset()).prop_map(|(how, set)| SigProcMask { how, set }),
        Just(SigPending),
        sigset().prop_map(|mask| SigSuspend { mask }),
        (0..=u32::MAX - minix_abi::sigframe::FRAME_BYTES as u32).prop_map(|frame| SigReturn { frame }),
        altstack.prop_map(|change| SigAltStack { change }),
        (process_pid.clone(), process_pid.clone()).prop_map(|(pid, pgid)| SetPgid { pid, pgid }),
        process_pid.clone().prop_map(|pid| GetPgid { pid }),
        Just(SetSid),
        process_pid.prop_map(|pid| GetSid { pid }),
        Just(GetUid),
        Just(GetGid),
        id.clone().prop_map(|uid| SetUid { uid }),
        id.prop_map(|gid| SetGid { gid }),
        any::<u32>().prop_map(|seconds| Alarm { seconds }),
        (any::<u8>(), prop::option::of(sigset())).prop_map(|(token, mask)| HandlerDone { token, mask }),
        any::<u8>().prop_map(|token| HandlerInfo { token }),
        (any::<u32>(), 0..pm::USEC_PER_SEC, any::<u32>(), 0..pm::USEC_PER_SEC).prop_map(|(s, us, is, ius)| SetItimer {
            new: pm::Itimerval { value: pm::Timeval { sec: s, usec: us }, interval: pm::Timeval { sec: is, usec: ius } }
        }),
        Just(GetItimer),
        Just(SrvReady),
        (0..=pm::MAX_TALLY, 0..=pm::MAX_TALLY).prop_map(|(passed, failed)| Shutdown { passed, failed }),
    ]
}

fn vm_request() -> impl Strategy<Value = vm::Request> {
    use vm::Request::*;
    // Any set of known flags, never both SHARED and PRIVATE.
    let flags = any::<u64>().prop_map(|x| {
        let f = x & vm::MAP_KNOWN;
        if f & vm::MAP_SHARED != 0 {
            f & !vm::MAP_PRIVATE
        } else {
            f
        }
    });
    let table = (any::<u64>(), 0..=vm::GRANT_TABLE_MAX_ENTRIES)
        .prop_map(|(b, entries)| (b.min(u64::MAX - entries * vm::GRANT_ENTRY_SIZE) & !(vm::GRANT_TABLE_ALIGN - 1), entries));
    prop_oneof![
        (endpoint(), 0..=vm::SPAWN_BLOCK_MAX as u32).prop_map(|(child, block_len)| Spawn { child, block_len }),
        (endpoint(), endpoint()).prop_map(|(child, parent)| Fork { child, parent }),
        endpoint().prop_map(|proc_| Exit { proc_ }),
        Just(Events),
        any::<u64>().prop_map(|addr| Brk { addr }),
        (any::<u64>(), any::<u64>(), 0..=vm::PROT_MASK, flags).prop_map(|(addr, len, prot, flags)| Mmap { addr, len, prot, flags }),
        (any::<u64>(), any::<u64>()).prop_map(|(addr, len)| Munmap { addr, len }),
        (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(addr, len, advice)| Madvise { addr, len, advice }),
        prop::sample::select(vec![vm::InfoOf::Caller, vm::InfoOf::Vm, vm::InfoOf::Servers]).prop_map(|of| Info { of }),
        endpoint().prop_map(|server| Adopt { server }),
        (endpoint(), any::<u32>(), 0..=minix_abi::exec::DESC_MAX, any::<u32>()).prop_map(|(who, desc, len, ino)| Exec {
            who,
            desc,
            len,
            ino
        }),
        (endpoint(), any::<u64>(), prop_oneof![0..=vm::FIX_RANGE_MAX, Just(vm::FIX_RANGE_MAX)], any::<bool>())
            .prop_map(|(who, addr, len, write)| FixRange { who, addr, len, write }),
        table.prop_map(|(base, entries)| GrantTable { base, entries }),
        (any::<bool>(), endpoint(), any::<i32>(), any::<u64>(), any::<u64>(), any::<u64>())
            .prop_map(|(to_granter, granter, grant, offset, addr, bytes)| SafeCopy { to_granter, granter, grant, offset, addr, bytes }),
        (endpoint(), any::<i32>(), any::<u64>(), any::<u8>(), any::<u64>()).prop_map(|(granter, grant, offset, byte, bytes)| SafeMemset {
            granter,
            grant,
            offset,
            byte,
            bytes
        }),
        (any::<u64>(), 0..=vm::VSAFECOPY_MAX).prop_map(|(addr, count)| VSafeCopy { addr, count }),
    ]
}

fn vfs_request() -> impl Strategy<Value = vfs::Request> {
    use vfs::Request::*;
    prop_oneof![
        (any::<i32>(), 0..=vfs::EXERCISE_MAX, any::<u8>()).prop_map(|(grant, len, delta)| GrantExercise { grant, len, delta }),
        (any::<i32>(), any::<u64>(), any::<u64>()).prop_map(|(grant, len, rounds)| GrantBench { grant, len, rounds }),
        (any::<u32>(), any::<u64>(), 0..=OFF_MAX).prop_map(|(fd, addr, len)| Read { fd, buf: vfs::UserBuf { addr, len } }),
        // A transfer's offset plus length stays a position.
        (any::<u32>(), any::<u64>(), 0..=OFF_MAX, 0..=OFF_MAX).prop_map(|(fd, addr, len, offset)| Pwrite {
            fd,
            buf: vfs::UserBuf { addr, len },
            offset: Offset::new(offset.min(OFF_MAX - len)).unwrap()
        }),
        (any::<u32>(), 0..=vfs::SMALL_MAX, prop::array::uniform3(any::<u64>())).prop_map(|(fd, len, data)| {
            // Words past the length are not sent: they decode as whatever
            // the registers held, so only the sent ones are compared.
            let mut d = [0; 3];
            let n = len.div_ceil(8) as usize;
            d[..n].copy_from_slice(&data[..n]);
            WriteSmall { fd, len, data: d }
        }),
        (any::<u64>(), 0..=vfs::PATH_MAX, prop::sample::select(vec![0, 1, 2, 0x202, 0x40_0e0e, 0x60_050e]), 0u32..=0o7777)
            .prop_map(|(addr, len, flags, mode)| Open { path: vfs::UserPath { addr, len }, flags, mode }),
        (any::<u64>(), 0..=vfs::PATH_MAX, any::<u64>(), 0..=vfs::PATH_MAX)
            .prop_map(|(a, al, b, bl)| Rename { old: vfs::UserPath { addr: a, len: al }, new: vfs::UserPath { addr: b, len: bl } }),
        (endpoint(), endpoint()).prop_map(|(parent, child)| ProcFork { parent, child }),
        (endpoint(), any::<bool>()).prop_map(|(who, thaw)| ProcCancel { who, thaw }),
        (endpoint(), any::<u32>(), 0..=minix_abi::exec::BLOCK_MAX).prop_map(|(who, block, len)| ProcExec { who, block, len }),
        Just(Sync),
        (any::<u32>(), 0..=vfs::poll::POLL_MAX as u32, any::<i32>()).prop_map(|(fds, nfds, timeout_ms)| Poll { fds, nfds, timeout_ms }),
        (any::<u64>(), 0..=vfs::PATH_MAX, 0u32..=0o177_777, any::<u32>()).prop_map(|(addr, len, mode, dev)| Mknod {
            path: vfs::UserPath { addr, len },
            mode,
            dev
        }),
    ]
}

/// Any position: 0..=i64::MAX.
fn offset() -> impl Strategy<Value = Offset> + Clone {
    (0..=OFF_MAX).prop_map(|v| Offset::new(v).unwrap())
}

fn fs_request() -> impl Strategy<Value = fs::Request> {
    use fs::Request::*;
    let name = (any::<u32>(), any::<i32>(), any::<u16>()).prop_map(|(dir, grant, len)| fs::Name { dir, grant, len });
    let io = (any::<u32>(), any::<i32>(), offset(), 0..=fs::IO_MAX);
    prop_oneof![
        (any::<u32>(), 0..=i32::MAX as u32).prop_map(|(ino, count)| Putnode { ino, count }),
        (name.clone(), any::<u16>(), any::<u16>(), any::<i32>(), any::<u64>()).prop_map(|(name, uid, gid, target, target_len)| Symlink {
            name,
            uid,
            gid,
            target,
            target_len
        }),
        (any::<u32>(), offset(), offset()).prop_map(|(ino, start, end)| Ftrunc { ino, start, end }),
        (any::<u32>(), offset(), any::<bool>()).prop_map(|(ino, pos, hole)| SeekData { ino, pos, hole }),
        (any::<u32>(), 0..=fs::MODE_PERM as u16).prop_map(|(ino, mode)| Chmod { ino, mode }),
        (any::<u32>(), any::<i32>()).prop_map(|(ino, grant)| Stat { ino, grant }),
        (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(ino, atime, mtime)| Utime { ino, atime, mtime }),
        Just(Statvfs),
        name.clone().prop_map(|name| Unlink { name }),
        name.clone().prop_map(|name| Rmdir { name }),
        Just(Sync),
        io.clone().prop_map(|(ino, grant, pos, bytes)| Read { ino, grant, pos, bytes }),
        io.clone().prop_map(|(ino, grant, pos, bytes)| Write { ino, grant, pos: WritePos::At(pos), bytes }),
        (any::<u32>(), any::<i32>(), 0..=fs::IO_MAX).prop_map(|(ino, grant, bytes)| Write { ino, grant, pos: WritePos::Append, bytes }),
        (name.clone(), any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(name, mode, uid, gid)| Mkdir { name, mode, uid, gid }),
        (name.clone(), any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(name, mode, uid, gid)| Create { name, mode, uid, gid }),
        (name.clone(), any::<u16>(), any::<u16>(), any::<u16>(), any::<u32>()).prop_map(|(name, mode, uid, gid, dev)| Mknod {
            name,
            mode,
            uid,
            gid,
            dev
        }),
        (name.clone(), any::<u32>()).prop_map(|(name, ino)| Link { name, ino }),
        (name.clone(), name.clone()).prop_map(|(old, new)| Rename { old, new }),
        name.prop_map(|name| Lookup { name }),
        (any::<u32>(), any::<i32>(), 0..=fs::IO_MAX).prop_map(|(ino, grant, bytes)| Rdlink { ino, grant, bytes }),
        io.prop_map(|(ino, grant, pos, bytes)| Getdents { ino, grant, pos, bytes }),
        (any::<u32>(), prop::collection::vec(any::<u8>(), 0..=fs::INLINE_NAME_MAX)).prop_map(|(dir, name)| LookupInline {
            dir,
            len: name.len() as u16,
            bytes: fs::inline_name(&name).unwrap()
        }),
    ]
}

proptest! {
    #![proptest_config(cases(300_000))]
    #[test]
    fn vm_decodes_any_message(r in raw(vm::CALLS)) {
        check_raw(&r, vm::CALLS, vm::Request::decode, vm::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(200_000))]
    #[test]
    fn pm_decodes_any_message(r in raw(pm::CALLS)) {
        check_raw(&r, pm::CALLS, pm::Request::decode, pm::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(150_000))]
    #[test]
    fn vfs_decodes_any_message(r in raw(vfs::CALLS)) {
        check_raw(&r, vfs::CALLS, vfs::Request::decode, vfs::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(200_000))]
    #[test]
    fn fs_decodes_any_message(r in raw(fs::CALLS)) {
        check_raw(&r, fs::CALLS, fs::Request::decode, fs::Request::encode)?;
    }
}

fn blk_request() -> impl Strategy<Value = blk::Request> {
    use blk::Request::*;
    let dir = prop::sample::select(vec![blk::Dir::In, blk::Dir::Out]);
    prop_oneof![
        (any::<u32>(), 1..=3u64).prop_map(|(minor, access)| Open { minor, access }),
        any::<u32>().prop_map(|minor| Close { minor }),
        (dir.clone(), any::<u32>(), any::<u64>(), any::<i32>(), 0..=blk::MAX_TRANSFER)
            .prop_map(|(dir, minor, position, grant, bytes)| Transfer { dir, minor, position, grant, bytes }),
        (dir, any::<u32>(), any::<u64>(), any::<i32>(), 1..=blk::IOV_MAX).prop_map(|(dir, minor, position, grant, count)| Vector {
            dir,
            minor,
            position,
            grant,
            count
        }),
        any::<u32>().prop_map(|minor| Flush { minor }),
        any::<u32>().prop_map(|minor| GetSize { minor }),
        Just(Stats),
    ]
}

fn timer_request() -> impl Strategy<Value = timer::Request> {
    use timer::{Request::*, Timespec};
    let ns = 0..timer::NSEC_PER_SEC as u32;
    prop_oneof![
        (0..=u32::MAX as u64, ns.clone()).prop_map(|(sec, nsec)| Sleep(Timespec { sec, nsec })),
        (0..=timer::MAX_SETTIME_SECS, ns).prop_map(|(sec, nsec)| SetTime(Timespec { sec, nsec })),
        prop::option::of(1..=u64::MAX).prop_map(Alarm),
        Just(Stats),
    ]
}

proptest! {
    #![proptest_config(cases(100_000))]
    #[test]
    fn timer_decodes_any_message(r in raw(timer::CALLS)) {
        check_raw(&r, timer::CALLS, timer::Request::decode, timer::Request::encode)?;
    }

    /// Every request encodes to words of 32 bits (the 32-bit port's
    /// registers) and decodes back to itself.
    #[test]
    fn timer_requests_round_trip_in_32_bit_words(req in timer_request()) {
        let (call, words, len) = req.encode();
        prop_assert!(words.iter().all(|&w| w <= u32::MAX as u64));
        prop_assert_eq!(timer::Request::decode(&RawRequest { call, words, len }), Ok(req));
    }
}

proptest! {
    #![proptest_config(cases(100_000))]
    #[test]
    fn blk_decodes_any_message(r in raw(blk::CALLS)) {
        check_raw(&r, blk::CALLS, blk::Request::decode, blk::Request::encode)?;
    }

    /// Vectors in client memory: any bytes decode to pieces or EINVAL,
    /// and accepted pieces encode back to the same bytes.
    #[test]
    fn blk_vectors_decode_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), count in 0u64..20) {
        if let Ok(v) = blk::IoVec::decode(&bytes, count) {
            let mut out = vec![0u8; bytes.len()];
            prop_assert_eq!(blk::IoVec::encode(v.pieces(), &mut out), Ok(bytes.len()));
            prop_assert_eq!(out, bytes);
            prop_assert!(v.total() <= blk::MAX_TRANSFER);
        }
    }
}

proptest! {
    #![proptest_config(cases(30_000))]
    #[test]
    fn blk_round_trips(req in blk_request(), garbage in prop::array::uniform4(any::<u64>())) {
        round_trip(req, garbage, blk::Request::decode, blk::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(100_000))]
    #[test]
    fn common_decodes_any_message(r in raw(common::CALLS)) {
        check_raw(&r, common::CALLS, Common::decode, Common::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(100_000))]
    #[test]
    fn vm_round_trips(req in vm_request(), garbage in prop::array::uniform4(any::<u64>())) {
        round_trip(req, garbage, vm::Request::decode, vm::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(50_000))]
    #[test]
    fn pm_round_trips(req in pm_request(), garbage in prop::array::uniform4(any::<u64>())) {
        round_trip(req, garbage, pm::Request::decode, pm::Request::encode)?;
    }

    /// PM's answers to a caller that runs handlers: a RUN_HANDLER reply
    /// and HANDLER_INFO's decode from any words, never panicking, and
    /// never narrow (what decodes encodes back to the same words).
    #[test]
    fn pm_handler_replies_decode_any_words(w in prop::array::uniform4(word()), len in 0u64..=127, status in any::<i64>()) {
        if let Ok(s) = pm::HandlerStart::decode(w, len) {
            prop_assert_eq!(len, 4);
            prop_assert_eq!(s.words(), w);
        }
        let r = Reply { status, vals: [w[0], w[1], w[2]] };
        if let Ok(d) = pm::HandlerDetails::from_reply(&r) {
            prop_assert_eq!(d.to_reply(), r);
        }
    }

    #[test]
    fn pm_handler_starts_round_trip(
        sig in signal(), token in any::<u8>(), f in 0u32..=signal::SaFlags::ALL.bits(),
        entry in any::<u32>(), code in any::<i32>(), pid in any::<u32>(),
    ) {
        let s = pm::HandlerStart { sig, token, flags: signal::SaFlags::from_bits(f).unwrap(), entry, code, pid };
        let w = s.words();
        prop_assert!(w.iter().all(|&x| x <= u32::MAX as u64));
        prop_assert_eq!(pm::HandlerStart::decode(w, 4), Ok(s));
    }

    /// Every PM request's words carry 32-bit values (the 32-bit port's
    /// registers): a `u32`, or an `i32` written sign-extended (pids).
    #[test]
    fn pm_words_hold_32_bit_values(req in pm_request()) {
        let (_, words, len) = req.encode();
        for &w in &words[..len as usize] {
            prop_assert!(w <= u32::MAX as u64 || (w as i64) >= i32::MIN as i64, "{:#x} in {:?}", w, req);
        }
    }
}

proptest! {
    #![proptest_config(cases(50_000))]
    /// Signal frames: any bytes decode to a frame or EINVAL, and an
    /// accepted frame encodes back to the same bytes.
    #[test]
    fn sigframes_decode_any_bytes(bytes in prop::collection::vec(any::<u8>(), minix_abi::sigframe::FRAME_BYTES), magic in any::<bool>()) {
        use minix_abi::sigframe::{SigFrame, FRAME_BYTES, MAGIC};
        let mut b = [0u8; FRAME_BYTES];
        b.copy_from_slice(&bytes);
        if magic {
            // Most random frames fail at the magic; give half of them the
            // right one so the fields behind it are reached.
            b[..4].copy_from_slice(&MAGIC.to_le_bytes());
            b[4] %= 40;
            b[5..8].fill(0);
        }
        if let Ok(f) = SigFrame::decode(&b) {
            prop_assert_eq!(f.encode(), b);
        }
    }
}

proptest! {
    #![proptest_config(cases(30_000))]
    #[test]
    fn vfs_round_trips(req in vfs_request(), garbage in prop::array::uniform4(any::<u64>())) {
        round_trip(req, garbage, vfs::Request::decode, vfs::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(50_000))]
    #[test]
    fn fs_round_trips(req in fs_request(), garbage in prop::array::uniform4(any::<u64>())) {
        round_trip(req, garbage, fs::Request::decode, fs::Request::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(1_000))]
    #[test]
    fn common_round_trips(garbage in prop::array::uniform4(any::<u64>())) {
        round_trip(Common::Ping, garbage, Common::decode, Common::encode)?;
    }
}

proptest! {
    #![proptest_config(cases(50_000))]
    /// Badges: total, and a process or fault badge names its endpoint
    /// exactly (no bit of the badge is dropped on the way).
    #[test]
    fn badges_decode_exactly(badge in prop_oneof![any::<u64>(), 0u64..(1 << BADGE_BITS), endpoint().prop_map(|e| e.badge())]) {
        match Sender::from_badge(badge) {
            Sender::Process(e) => prop_assert_eq!(e.badge(), badge),
            Sender::Fault(e) => prop_assert_eq!(e.fault_badge(), badge),
            Sender::Unbadged => prop_assert_eq!(badge, 0),
            Sender::Unknown(b) => {
                prop_assert_eq!(b, badge);
                prop_assert!(badge >> BADGE_BITS != 0 || Endpoint(badge as u32 & ((1 << 27) - 1)).generation() == 0);
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(30_000))]
    /// Tags: the whole label and the 7-bit length, whatever the word.
    #[test]
    fn tags_keep_the_whole_label(tag in any::<u64>(), words in prop::array::uniform4(any::<u64>())) {
        let r = RawRequest::from_tag(tag, words);
        prop_assert_eq!(r.call, tag >> 12);
        prop_assert!(r.len <= 127);
        prop_assert_eq!(RawRequest::tag(r.call, r.len) | (tag & 0xf80), tag);
    }

    /// Replies: total, and the words past the length read as zero.
    #[test]
    fn replies_decode(words in prop::array::uniform4(word()), len in 0u64..=127) {
        let r = Reply::from_received(words, len);
        for (i, v) in r.vals.iter().enumerate() {
            if (i as u64) + 1 >= len {
                prop_assert_eq!(*v, 0);
            }
        }
        let _ = r.result();
    }
}
