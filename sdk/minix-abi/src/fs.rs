// SPDX-License-Identifier: BSD-2-Clause
//! FS's interface: the requests VFS sends the file-system server.
//!
//! They are MINIX's VFS→FS requests (`minix/include/minix/vfsif.h`): call
//! number = [`BASE`] + MINIX's ordinal (`REQ_PUTNODE` is `FS_BASE + 2`
//! there, [`PUTNODE`] is `BASE + 2` here). Every request names inodes by
//! number and moves bytes only through grants that VFS made. Unlike MINIX's
//! LOOKUP, ours resolves one path component; VFS walks the path.
//!
//! **Who may call.** VFS may make every request. PM may ask [`STATVFS`]
//! (its boot check) and, like everyone, `PING`. FS answers anyone else
//! `EPERM`.
//!
//! **Grants.** The granter of every grant in a request is the sender (VFS).
//! A grant on a user's buffer (READ, WRITE, GETDENTS, RDLINK, STAT and
//! SYMLINK's target) is a magic grant carrying `CPF_TRY`: when the user's
//! page is not present the copy fails with `EFAULT` at once, FS fails the
//! whole request and changes nothing it would not change anyway, and VFS,
//! seeing the fault mark on revoke, has VM make the range present and sends
//! the request again. A name grant covers a buffer inside VFS.
//!
//! ## Packing
//!
//! Every request and reply fits the fastpath: at most four words. The
//! packed words, bit 0 being the least significant:
//!
//! * **node word** ([`node_word`]): inode number in bits 0-31, grant id
//!   (as its 32-bit pattern) in bits 32-63. Every 64-bit value is one.
//! * **name length**: a 16-bit count in bits 0-15; bits above it are
//!   `EINVAL` unless the request packs more there. A name is never longer
//!   than [`NAME_MAX`] on disk; FS answers `ENAMETOOLONG` above it without
//!   copying anything, and `ENOENT` for an empty name.
//! * **creation word** ([`create_word`], CREATE and MKDIR): name length in
//!   bits 0-15, mode 16-31, uid 32-47, gid 48-63.
//! * **symlink word** (SYMLINK): name length 0-15, uid 16-31, gid 32-47;
//!   bits 48-63 must be 0.
//!
//! | request | w0 | w1 | w2 | w3 | reply |
//! |---|---|---|---|---|---|
//! | `PUTNODE` | inode | count (1..=`i32::MAX`) | | | 0 |
//! | `SYMLINK` | node word (dir, name grant) | symlink word | target grant | target length | 0 |
//! | `FTRUNC` | inode | start | end (0: truncate to start; else free `[start, end)`) | | 0 |
//! | `CHMOD` | inode | mode (`0o7777` bits only) | | | the new mode |
//! | `CHOWN` | inode | uid (≤ `0xffff`, or [`KEEP_ID`]) | gid (the same) | | the mode |
//! | `STAT` | node word (inode, grant of [`STAT_SIZE`] bytes) | | | | 0 |
//! | `UTIME` | inode | atime (u32 seconds) | mtime (u32) | | 0 |
//! | `STATVFS` | | | | | [`StatVfs`] in the reply words |
//! | `UNLINK`, `RMDIR`, `LOOKUP` | node word (dir, name grant) | name length | | | 0; LOOKUP: [`Node`] |
//! | `SYNC` | | | | | 0 |
//! | `READ`, `WRITE` | node word (inode, buffer grant) | position | bytes (≤ [`IO_MAX`]) | | [`Io`] |
//! | `MKDIR`, `CREATE` | node word (dir, name grant) | creation word | | | 0; CREATE: [`Node`] |
//! | `MKNOD` | node word (dir, name grant) | creation word (the mode with its type: FIFO, socket, character or block device, regular) | device number (u32, `major << 8 \| minor`) | | 0 |
//! | `LINK` | node word (dir, name grant) | name length | inode to link | | 0 |
//! | `RENAME` | node word (old dir, old name grant) | old name length | node word (new dir, new name grant) | new name length | 0 |
//! | `LOOKUP_INLINE` | dir | name length (≤ 16) | name bytes 0-7 | name bytes 8-15 | as LOOKUP |
//! | `UNMOUNT` (PM only) | | | | | 0 |
//! | `SEEK_DATA` | inode | offset | 0 data, 1 hole | | the offset of the next data or hole; `ENXIO` |
//! | `PAGE_IN` | inode | first page index (u32) | pages (1..=[`PAGE_IN_MAX`]) | | bytes read; vals\[0] the hole mask |
//! | `RDLINK` | node word (inode, buffer grant) | buffer bytes (≤ [`IO_MAX`]) | | | bytes copied |
//! | `GETDENTS` | node word (dir, buffer grant) | position | buffer bytes (≤ [`IO_MAX`]) | | [`Io`] |
//!
//! **References.** LOOKUP and CREATE hand VFS one reference on the inode
//! they answer with; VFS gives references back with PUTNODE (any number at
//! once). An inode whose last name is gone lives until its last reference
//! goes, as an open file must.
//!
//! Positions and sizes are [`Offset`]s (`0..=i64::MAX`; a word above is
//! `EINVAL`), except WRITE's position, a [`WritePos`] whose one word above
//! that range, [`APPEND_POS`], means the end of the file. The file system
//! answers `EFBIG` or reads nothing past its own limits; transfers are at most
//! [`IO_MAX`] bytes, so that FS moves each through one bounce buffer and
//! a copy fault leaves the file untouched (VFS splits larger transfers).

use crate::errno::{Errno, EINVAL, EIO, ENOSYS};
use crate::message::{need_words, RawRequest, Reply};
use crate::offset::{Offset, WritePos};
use crate::word::{at_most, bits_of, i32_of, u32_of};

pub const BASE: u64 = 0x400;
/// Drop references on an inode.
pub const PUTNODE: u64 = BASE + 2;
/// Create a symbolic link.
pub const SYMLINK: u64 = BASE + 3;
/// Truncate, or free a range of, a regular file.
pub const FTRUNC: u64 = BASE + 4;
/// Set an inode's owner and group.
pub const CHOWN: u64 = BASE + 5;
pub const CHMOD: u64 = BASE + 6;
/// Copy an inode's [`Stat`] into a grant.
pub const STAT: u64 = BASE + 8;
pub const UTIME: u64 = BASE + 9;
/// File-system totals, answered in the reply words.
pub const STATVFS: u64 = BASE + 10;
pub const UNLINK: u64 = BASE + 13;
pub const RMDIR: u64 = BASE + 14;
/// Write every changed block to the device.
pub const SYNC: u64 = BASE + 16;
pub const READ: u64 = BASE + 19;
pub const WRITE: u64 = BASE + 20;
/// Make a special file: a FIFO, a socket, or a device node.
pub const MKNOD: u64 = BASE + 21;
pub const MKDIR: u64 = BASE + 22;
pub const CREATE: u64 = BASE + 23;
pub const LINK: u64 = BASE + 24;
pub const RENAME: u64 = BASE + 25;
/// Find one name in a directory.
pub const LOOKUP: u64 = BASE + 26;
/// Read a symbolic link's target.
pub const RDLINK: u64 = BASE + 30;
/// Read directory entries as [`Dirent`] records.
pub const GETDENTS: u64 = BASE + 31;
/// LOOKUP of a name of at most [`INLINE_NAME_MAX`] bytes carried in the
/// request's words: no grant, and no copy through VM (most path
/// components are this short).
pub const LOOKUP_INLINE: u64 = BASE + 0x40;
/// Longest name LOOKUP_INLINE carries: two words.
pub const INLINE_NAME_MAX: usize = 16;
/// VFS's pager: read pages of a file straight into the FS's cache window,
/// where VM has mapped the page-cache frames of the page-in under way
/// (`vm::CACHE_WINDOW`). Page `i` of the run goes to the window's page
/// `i`; bytes past the end of the file are left alone (VM's frames start
/// zeroed). The reply counts the bytes read (0 at or past the end) and
/// marks in vals\[0] the pages that had no block at all (holes), which VM
/// maps but does not cache. Nothing is copied through a grant.
pub const PAGE_IN: u64 = BASE + 0x41;
/// PM only, at shutdown: frees inodes unlinked while open, writes every
/// changed block, sets the clean flag and flushes the device; the file
/// system then refuses changes (`EROFS`) until the next boot. No words.
pub const UNMOUNT: u64 = BASE + 0x42;
/// `lseek`'s `SEEK_DATA` / `SEEK_HOLE` on a regular file: (inode, from
/// offset, 0 data / 1 hole). Reply: the offset found, or `ENXIO`.
pub const SEEK_DATA: u64 = BASE + 0x43;
/// Most pages one PAGE_IN reads: the window's size.
pub const PAGE_IN_MAX: u64 = 16;

/// Every call number of this interface.
pub const CALLS: &[u64] = &[
    PUTNODE,
    SYMLINK,
    FTRUNC,
    CHOWN,
    CHMOD,
    STAT,
    UTIME,
    STATVFS,
    UNLINK,
    RMDIR,
    SYNC,
    READ,
    WRITE,
    MKNOD,
    MKDIR,
    CREATE,
    LINK,
    RENAME,
    LOOKUP,
    RDLINK,
    GETDENTS,
    LOOKUP_INLINE,
    PAGE_IN,
    UNMOUNT,
    SEEK_DATA,
];

/// Most bytes one READ, WRITE, GETDENTS or RDLINK moves: the size of FS's
/// bounce buffer.
pub const IO_MAX: u64 = 128 * 1024;
/// WRITE's position word meaning "at the end of the file" (O_APPEND,
/// [`WritePos::Append`]); the answer's position tells where the bytes
/// went. No [`Offset`] has this word.
pub const APPEND_POS: u64 = crate::offset::APPEND_WORD;
/// Longest name a MINIX v3 directory entry holds.
pub const NAME_MAX: usize = 60;
/// Mask of a 16-bit name length.
const LEN_MASK: u64 = 0xffff;
/// CHOWN's word for an id it leaves as it is (`(uid_t)-1` as a `u32`).
pub const KEEP_ID: u64 = 0xffff_ffff;

/// A user or group id of CHOWN: [`KEEP_ID`], or one the disk's 16-bit
/// fields hold (`EINVAL` otherwise: MINIX's inode cannot keep it).
fn id_of(w: u64) -> Result<Option<u16>, Errno> {
    match w {
        KEEP_ID => Ok(None),
        0..=0xffff => Ok(Some(w as u16)),
        _ => Err(EINVAL),
    }
}

fn id_word(id: Option<u16>) -> u64 {
    id.map_or(KEEP_ID, u64::from)
}

/// Permission bits CHMOD may set.
pub const MODE_PERM: u64 = 0o7777;

/// Packs an inode number and a grant id into one word.
pub const fn node_word(ino: u32, grant: i32) -> u64 {
    ino as u64 | (grant as u32 as u64) << 32
}

/// Unpacks [`node_word`]; every word is one.
pub const fn split_node_word(w: u64) -> (u32, i32) {
    (w as u32, (w >> 32) as u32 as i32)
}

/// Packs CREATE's and MKDIR's second word.
pub const fn create_word(len: u16, mode: u16, uid: u16, gid: u16) -> u64 {
    len as u64 | (mode as u64) << 16 | (uid as u64) << 32 | (gid as u64) << 48
}

/// The name (with the node word `node`), mode, uid and gid of a creation
/// word `c`: [`create_word`]'s inverse.
fn split_create_word(node: u64, c: u64) -> Result<(Name, u16, u16, u16), Errno> {
    Ok((Name::decode(node, c & LEN_MASK)?, (c >> 16) as u16, (c >> 32) as u16, (c >> 48) as u16))
}

/// A name in a directory: the directory's inode and a grant on the name's
/// bytes (no terminating NUL; `len` bytes exactly).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Name {
    pub dir: u32,
    pub grant: i32,
    pub len: u16,
}

impl Name {
    fn decode(node: u64, len: u64) -> Result<Name, Errno> {
        let (dir, grant) = split_node_word(node);
        Ok(Name { dir, grant, len: bits_of(len, LEN_MASK)? as u16 })
    }
    fn words(&self) -> (u64, u64) {
        (node_word(self.dir, self.grant), self.len as u64)
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Request {
    Putnode {
        ino: u32,
        count: u32,
    },
    Symlink {
        name: Name,
        uid: u16,
        gid: u16,
        target: i32,
        target_len: u64,
    },
    Ftrunc {
        ino: u32,
        start: Offset,
        end: Offset,
    },
    Chmod {
        ino: u32,
        mode: u16,
    },
    /// `None`: the id stays as it is.
    Chown {
        ino: u32,
        uid: Option<u16>,
        gid: Option<u16>,
    },
    Stat {
        ino: u32,
        grant: i32,
    },
    Utime {
        ino: u32,
        atime: u32,
        mtime: u32,
    },
    Statvfs,
    Unlink {
        name: Name,
    },
    Rmdir {
        name: Name,
    },
    Sync,
    Read {
        ino: u32,
        grant: i32,
        pos: Offset,
        bytes: u64,
    },
    Write {
        ino: u32,
        grant: i32,
        pos: WritePos,
        bytes: u64,
    },
    Mkdir {
        name: Name,
        mode: u16,
        uid: u16,
        gid: u16,
    },
    Create {
        name: Name,
        mode: u16,
        uid: u16,
        gid: u16,
    },
    Mknod {
        name: Name,
        mode: u16,
        uid: u16,
        gid: u16,
        dev: u32,
    },
    Link {
        name: Name,
        ino: u32,
    },
    Rename {
        old: Name,
        new: Name,
    },
    Lookup {
        name: Name,
    },
    Unmount,
    /// `lseek`'s `SEEK_DATA` (`hole` false) or `SEEK_HOLE` from `pos`.
    SeekData {
        ino: u32,
        pos: Offset,
        hole: bool,
    },
    /// `count` pages of `ino` from page `page` on, into the cache window.
    PageIn {
        ino: u32,
        page: u32,
        count: u8,
    },
    /// `len` bytes of name, little-endian in `bytes`.
    LookupInline {
        dir: u32,
        len: u16,
        bytes: [u64; 2],
    },
    Rdlink {
        ino: u32,
        grant: i32,
        bytes: u64,
    },
    Getdents {
        ino: u32,
        grant: i32,
        pos: Offset,
        bytes: u64,
    },
}

impl Request {
    /// Decodes a request. Unknown call numbers are `ENOSYS`; too few words
    /// (or more than four on a call with arguments) and any word out of its
    /// argument's range are `EINVAL` (see the packing table): an inode
    /// number alone in a word is a `u32`, a name length 16 bits, a CHMOD
    /// mode only permission bits, UTIME's times `u32`s, a transfer at most
    /// [`IO_MAX`] bytes, a PUTNODE count at most `i32::MAX`, and a grant
    /// alone in a word a zero-extended `i32`. Inode numbers are checked by
    /// FS against the file system (`EINVAL` for one not in use), grant ids
    /// by VM's copy engine.
    pub fn decode(r: &RawRequest) -> Result<Request, Errno> {
        let w = &r.words;
        Ok(match r.call {
            PUTNODE => {
                need_words(r, 2)?;
                Request::Putnode { ino: u32_of(w[0])?, count: at_most(w[1], i32::MAX as u64)? as u32 }
            }
            SYMLINK => {
                need_words(r, 4)?;
                let s = bits_of(w[1], (1 << 48) - 1)?;
                Request::Symlink {
                    name: Name::decode(w[0], s & LEN_MASK)?,
                    uid: (s >> 16) as u16,
                    gid: (s >> 32) as u16,
                    target: i32_of(w[2])?,
                    target_len: w[3],
                }
            }
            FTRUNC => {
                need_words(r, 3)?;
                Request::Ftrunc { ino: u32_of(w[0])?, start: Offset::new(w[1])?, end: Offset::new(w[2])? }
            }
            CHOWN => {
                need_words(r, 3)?;
                Request::Chown { ino: u32_of(w[0])?, uid: id_of(w[1])?, gid: id_of(w[2])? }
            }
            CHMOD => {
                need_words(r, 2)?;
                Request::Chmod { ino: u32_of(w[0])?, mode: bits_of(w[1], MODE_PERM)? as u16 }
            }
            STAT => {
                need_words(r, 1)?;
                let (ino, grant) = split_node_word(w[0]);
                Request::Stat { ino, grant }
            }
            UTIME => {
                need_words(r, 3)?;
                Request::Utime { ino: u32_of(w[0])?, atime: u32_of(w[1])?, mtime: u32_of(w[2])? }
            }
            STATVFS => Request::Statvfs,
            UNLINK | RMDIR | LOOKUP => {
                need_words(r, 2)?;
                let name = Name::decode(w[0], w[1])?;
                match r.call {
                    UNLINK => Request::Unlink { name },
                    RMDIR => Request::Rmdir { name },
                    _ => Request::Lookup { name },
                }
            }
            SYNC => Request::Sync,
            READ | WRITE => {
                need_words(r, 3)?;
                let (ino, grant) = split_node_word(w[0]);
                let bytes = at_most(w[2], IO_MAX)?;
                if r.call == READ {
                    Request::Read { ino, grant, pos: Offset::new(w[1])?, bytes }
                } else {
                    Request::Write { ino, grant, pos: WritePos::decode(w[1])?, bytes }
                }
            }
            MKDIR | CREATE => {
                need_words(r, 2)?;
                let (name, mode, uid, gid) = split_create_word(w[0], w[1])?;
                if r.call == MKDIR {
                    Request::Mkdir { name, mode, uid, gid }
                } else {
                    Request::Create { name, mode, uid, gid }
                }
            }
            MKNOD => {
                need_words(r, 3)?;
                let (name, mode, uid, gid) = split_create_word(w[0], w[1])?;
                Request::Mknod { name, mode, uid, gid, dev: u32_of(w[2])? }
            }
            LINK => {
                need_words(r, 3)?;
                Request::Link { name: Name::decode(w[0], w[1])?, ino: u32_of(w[2])? }
            }
            RENAME => {
                need_words(r, 4)?;
                Request::Rename { old: Name::decode(w[0], w[1])?, new: Name::decode(w[2], w[3])? }
            }
            LOOKUP_INLINE => {
                need_words(r, 2)?;
                let len = at_most(w[1], INLINE_NAME_MAX as u64)?;
                let sent = len.div_ceil(8);
                need_words(r, 2 + sent)?;
                // Registers past the sent words hold stale values: zero.
                let word = |i: u64| if i < sent { w[2 + i as usize] } else { 0 };
                Request::LookupInline { dir: u32_of(w[0])?, len: len as u16, bytes: [word(0), word(1)] }
            }
            UNMOUNT => Request::Unmount,
            SEEK_DATA => {
                need_words(r, 3)?;
                let hole = match w[2] {
                    0 => false,
                    1 => true,
                    _ => return Err(EINVAL),
                };
                Request::SeekData { ino: u32_of(w[0])?, pos: Offset::new(w[1])?, hole }
            }
            PAGE_IN => {
                need_words(r, 3)?;
                let count = at_most(w[2], PAGE_IN_MAX)?;
                if count == 0 {
                    return Err(crate::errno::EINVAL);
                }
                Request::PageIn { ino: u32_of(w[0])?, page: u32_of(w[1])?, count: count as u8 }
            }
            RDLINK => {
                need_words(r, 2)?;
                let (ino, grant) = split_node_word(w[0]);
                Request::Rdlink { ino, grant, bytes: at_most(w[1], IO_MAX)? }
            }
            GETDENTS => {
                need_words(r, 3)?;
                let (ino, grant) = split_node_word(w[0]);
                Request::Getdents { ino, grant, pos: Offset::new(w[1])?, bytes: at_most(w[2], IO_MAX)? }
            }
            _ => return Err(ENOSYS),
        })
    }

    /// Call number, words and word count.
    pub fn encode(&self) -> (u64, [u64; 4], u64) {
        match *self {
            Request::Putnode { ino, count } => (PUTNODE, [ino as u64, count as u64, 0, 0], 2),
            Request::Symlink { name, uid, gid, target, target_len } => {
                let s = name.len as u64 | (uid as u64) << 16 | (gid as u64) << 32;
                (SYMLINK, [node_word(name.dir, name.grant), s, target as u32 as u64, target_len], 4)
            }
            Request::Ftrunc { ino, start, end } => (FTRUNC, [ino as u64, start.get(), end.get(), 0], 3),
            Request::Chmod { ino, mode } => (CHMOD, [ino as u64, mode as u64, 0, 0], 2),
            Request::Chown { ino, uid, gid } => (CHOWN, [ino as u64, id_word(uid), id_word(gid), 0], 3),
            Request::Stat { ino, grant } => (STAT, [node_word(ino, grant), 0, 0, 0], 1),
            Request::Utime { ino, atime, mtime } => (UTIME, [ino as u64, atime as u64, mtime as u64, 0], 3),
            Request::Statvfs => (STATVFS, [0; 4], 0),
            Request::Unlink { name } => Self::named(UNLINK, name),
            Request::Rmdir { name } => Self::named(RMDIR, name),
            Request::Lookup { name } => Self::named(LOOKUP, name),
            Request::LookupInline { dir, len, bytes } => {
                (LOOKUP_INLINE, [dir as u64, len as u64, bytes[0], bytes[1]], 2 + (len as u64).div_ceil(8))
            }
            Request::Sync => (SYNC, [0; 4], 0),
            Request::Unmount => (UNMOUNT, [0; 4], 0),
            Request::SeekData { ino, pos, hole } => (SEEK_DATA, [ino as u64, pos.get(), hole as u64, 0], 3),
            Request::PageIn { ino, page, count } => (PAGE_IN, [ino as u64, page as u64, count as u64, 0], 3),
            Request::Read { ino, grant, pos, bytes } => (READ, [node_word(ino, grant), pos.get(), bytes, 0], 3),
            Request::Write { ino, grant, pos, bytes } => (WRITE, [node_word(ino, grant), pos.word(), bytes, 0], 3),
            Request::Mkdir { name, mode, uid, gid } => {
                (MKDIR, [node_word(name.dir, name.grant), create_word(name.len, mode, uid, gid), 0, 0], 2)
            }
            Request::Create { name, mode, uid, gid } => {
                (CREATE, [node_word(name.dir, name.grant), create_word(name.len, mode, uid, gid), 0, 0], 2)
            }
            Request::Mknod { name, mode, uid, gid, dev } => {
                (MKNOD, [node_word(name.dir, name.grant), create_word(name.len, mode, uid, gid), dev as u64, 0], 3)
            }
            Request::Link { name, ino } => {
                let (a, b) = name.words();
                (LINK, [a, b, ino as u64, 0], 3)
            }
            Request::Rename { old, new } => {
                let ((a, b), (c, d)) = (old.words(), new.words());
                (RENAME, [a, b, c, d], 4)
            }
            Request::Rdlink { ino, grant, bytes } => (RDLINK, [node_word(ino, grant), bytes, 0, 0], 2),
            Request::Getdents { ino, grant, pos, bytes } => (GETDENTS, [node_word(ino, grant), pos.get(), bytes, 0], 3),
        }
    }

    fn named(call: u64, name: Name) -> (u64, [u64; 4], u64) {
        let (a, b) = name.words();
        (call, [a, b, 0, 0], 2)
    }
}

/// Packs a name of at most [`INLINE_NAME_MAX`] bytes for LOOKUP_INLINE;
/// `None` when it is longer.
pub fn inline_name(name: &[u8]) -> Option<[u64; 2]> {
    (name.len() <= INLINE_NAME_MAX).then(|| crate::word::pack_bytes(name))
}

/// The bytes of an inline name (`out.len()` of them, at most 16).
pub fn unpack_inline_name(bytes: &[u64; 2], out: &mut [u8]) {
    crate::word::unpack_bytes(bytes, out)
}

/// LOOKUP's and CREATE's answer: the inode (with one reference now held by
/// VFS) and what VFS needs to know of it without a STAT. Reply: status =
/// inode number; vals\[0] = mode | uid << 16 | gid << 32 | nlinks << 48;
/// vals\[1] = size.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Node {
    pub ino: u32,
    pub mode: u16,
    pub uid: u16,
    pub gid: u16,
    pub nlinks: u16,
    pub size: u64,
}

impl Node {
    pub fn reply(&self) -> Reply {
        let attrs = self.mode as u64 | (self.uid as u64) << 16 | (self.gid as u64) << 32 | (self.nlinks as u64) << 48;
        Reply::ok_with(self.ino as u64, [attrs, self.size, 0])
    }

    /// Reads a reply: the errno it carries, or `EIO` for a status that is
    /// no inode number.
    pub fn from_reply(r: &Reply) -> Result<Node, Errno> {
        let ino = u32_of(r.result()?).map_err(|_| EIO)?;
        let a = r.vals[0];
        Ok(Node { ino, mode: a as u16, uid: (a >> 16) as u16, gid: (a >> 32) as u16, nlinks: (a >> 48) as u16, size: r.vals[1] })
    }
}

/// READ's, WRITE's and GETDENTS's answer: status = bytes moved; vals\[0] =
/// the position to continue from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Io {
    pub bytes: u64,
    pub pos: u64,
}

impl Io {
    pub fn reply(&self) -> Reply {
        Reply::ok_with(self.bytes, [self.pos, 0, 0])
    }
    pub fn from_reply(r: &Reply) -> Result<Io, Errno> {
        Ok(Io { bytes: r.result()?, pos: r.vals[0] })
    }
}

/// STATVFS's answer, all in the reply words so that no grant is needed:
/// status = block size; vals\[0] = blocks | free blocks << 32; vals\[1] =
/// inodes | free inodes << 32; vals\[2] = longest name. Blocks count every
/// block of the device, metadata included.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct StatVfs {
    pub block_size: u32,
    pub blocks: u32,
    pub free_blocks: u32,
    pub files: u32,
    pub free_files: u32,
    pub name_max: u32,
    /// The device the file system is on ([`RAM_DEV`] or [`DISK_DEV`]).
    pub dev: u32,
}

/// The device number of the boot RAM disk, as STAT and STATVFS report it.
pub const RAM_DEV: u64 = 1;
/// The device number of the disk behind the block driver.
pub const DISK_DEV: u64 = 2;

impl StatVfs {
    pub fn reply(&self) -> Reply {
        let pair = |a: u32, b: u32| a as u64 | (b as u64) << 32;
        Reply::ok_with(
            self.block_size as u64,
            [pair(self.blocks, self.free_blocks), pair(self.files, self.free_files), pair(self.name_max, self.dev)],
        )
    }
    pub fn from_reply(r: &Reply) -> Result<StatVfs, Errno> {
        let block_size = u32_of(r.result()?).map_err(|_| EIO)?;
        let (b, f) = (r.vals[0], r.vals[1]);
        Ok(StatVfs {
            block_size,
            blocks: b as u32,
            free_blocks: (b >> 32) as u32,
            files: f as u32,
            free_files: (f >> 32) as u32,
            name_max: r.vals[2] as u32,
            dev: (r.vals[2] >> 32) as u32,
        })
    }
}

/// Bytes STAT copies: one [`Stat`].
pub const STAT_SIZE: usize = 88;

/// What STAT copies into its grant, little-endian at these offsets:
/// dev 0 (u64), ino 8 (u64), mode 16 (u32), nlink 20 (u32), uid 24 (u32),
/// gid 28 (u32), rdev 32 (u64), size 40 (u64), atime 48, mtime 56,
/// ctime 64 (u64 seconds), blocks 72 (u64, 512-byte units), blksize 80
/// (u32), then 4 bytes of zero.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    pub size: u64,
    pub atime: u64,
    pub mtime: u64,
    pub ctime: u64,
    pub blocks: u64,
    pub blksize: u32,
}

impl Stat {
    pub fn encode(&self, out: &mut [u8; STAT_SIZE]) {
        let mut put = |off: usize, bytes: &[u8]| out[off..off + bytes.len()].copy_from_slice(bytes);
        put(0, &self.dev.to_le_bytes());
        put(8, &self.ino.to_le_bytes());
        put(16, &self.mode.to_le_bytes());
        put(20, &self.nlink.to_le_bytes());
        put(24, &self.uid.to_le_bytes());
        put(28, &self.gid.to_le_bytes());
        put(32, &self.rdev.to_le_bytes());
        put(40, &self.size.to_le_bytes());
        put(48, &self.atime.to_le_bytes());
        put(56, &self.mtime.to_le_bytes());
        put(64, &self.ctime.to_le_bytes());
        put(72, &self.blocks.to_le_bytes());
        put(80, &self.blksize.to_le_bytes());
        put(84, &[0; 4]);
    }

    /// Any bytes decode (the padding is ignored).
    pub fn decode(b: &[u8; STAT_SIZE]) -> Stat {
        let u64_at = |o: usize| u64::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7]]);
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        Stat {
            dev: u64_at(0),
            ino: u64_at(8),
            mode: u32_at(16),
            nlink: u32_at(20),
            uid: u32_at(24),
            gid: u32_at(28),
            rdev: u64_at(32),
            size: u64_at(40),
            atime: u64_at(48),
            mtime: u64_at(56),
            ctime: u64_at(64),
            blocks: u64_at(72),
            blksize: u32_at(80),
        }
    }
}

/// Bytes before the name in a [`Dirent`] record.
pub const DIRENT_HEADER: usize = 13;

/// One GETDENTS record, shaped like NetBSD's (and so MINIX's) `struct
/// dirent`: `d_fileno` u64 at 0, `d_reclen` u16 at 8, `d_namlen` u16 at
/// 10, `d_type` u8 at 12 (always 0, `DT_UNKNOWN`: the type would cost an
/// inode read per entry), then the name and a NUL, the record padded with
/// zeros to a multiple of 8 bytes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Dirent<'a> {
    pub ino: u64,
    pub name: &'a [u8],
    /// The record's length: where the next one starts.
    pub reclen: usize,
}

/// The record length of a name of `namlen` bytes.
pub const fn dirent_len(namlen: usize) -> usize {
    (DIRENT_HEADER + namlen + 1).next_multiple_of(8)
}

/// Writes one record at the start of `out`; returns its length, or `None`
/// (writing nothing) if it does not fit or the name is longer than a
/// record can say.
pub fn encode_dirent(out: &mut [u8], ino: u64, name: &[u8]) -> Option<usize> {
    let len = dirent_len(name.len());
    let rec = out.get_mut(..len)?;
    let namlen = u16::try_from(name.len()).ok()?;
    rec.fill(0);
    rec[0..8].copy_from_slice(&ino.to_le_bytes());
    rec[8..10].copy_from_slice(&(len as u16).to_le_bytes());
    rec[10..12].copy_from_slice(&namlen.to_le_bytes());
    rec[DIRENT_HEADER..DIRENT_HEADER + name.len()].copy_from_slice(name);
    Some(len)
}

/// Reads the record at the start of `buf`; `None` when `buf` is empty or
/// the record is malformed (a length shorter than its name needs, or past
/// the end of `buf`). Total: any bytes give a record or `None`.
pub fn decode_dirent(buf: &[u8]) -> Option<Dirent<'_>> {
    let head = buf.get(..DIRENT_HEADER)?;
    let ino = u64::from_le_bytes(head[0..8].try_into().ok()?);
    let reclen = u16::from_le_bytes([head[8], head[9]]) as usize;
    let namlen = u16::from_le_bytes([head[10], head[11]]) as usize;
    if reclen < DIRENT_HEADER + namlen + 1 || reclen > buf.len() {
        return None;
    }
    Some(Dirent { ino, name: &buf[DIRENT_HEADER..DIRENT_HEADER + namlen], reclen })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::EINVAL;

    fn raw(call: u64, words: [u64; 4], len: u64) -> RawRequest {
        RawRequest { call, words, len }
    }

    fn name(dir: u32, grant: i32, len: u16) -> Name {
        Name { dir, grant, len }
    }

    fn off(v: u64) -> Offset {
        Offset::new(v).unwrap()
    }

    #[test]
    fn round_trip() {
        let n = name(1, 7, 5);
        for req in [
            Request::Putnode { ino: 3, count: 2 },
            Request::Symlink { name: n, uid: 0xffff, gid: 2, target: -1, target_len: u64::MAX },
            Request::Ftrunc { ino: 9, start: off(10), end: Offset::ZERO },
            Request::SeekData { ino: 9, pos: off(4096), hole: true },
            Request::SeekData { ino: 1, pos: Offset::ZERO, hole: false },
            Request::Chmod { ino: 9, mode: 0o4755 },
            Request::Chown { ino: 9, uid: Some(0xffff), gid: None },
            Request::Chown { ino: 1, uid: None, gid: Some(0) },
            Request::Stat { ino: u32::MAX, grant: i32::MIN },
            Request::Utime { ino: 9, atime: u32::MAX, mtime: 0 },
            Request::Statvfs,
            Request::Unlink { name: n },
            Request::Rmdir { name: n },
            Request::Sync,
            Request::Read { ino: 2, grant: 3, pos: Offset::MAX, bytes: IO_MAX },
            Request::Write { ino: 2, grant: 3, pos: WritePos::At(Offset::ZERO), bytes: 0 },
            Request::Write { ino: 2, grant: 3, pos: WritePos::Append, bytes: 7 },
            Request::Mkdir { name: n, mode: 0o755, uid: 1, gid: 0xffff },
            Request::Create { name: name(2, -5, 0xffff), mode: 0o100644, uid: 0, gid: 0 },
            Request::Mknod { name: n, mode: 0o010644, uid: 3, gid: 4, dev: 0 },
            Request::Mknod { name: n, mode: 0o020600, uid: 0, gid: 0, dev: u32::MAX },
            Request::Link { name: n, ino: 4 },
            Request::Rename { old: n, new: name(u32::MAX, i32::MAX, 60) },
            Request::Lookup { name: n },
            Request::Rdlink { ino: 5, grant: 1, bytes: 1024 },
            Request::Getdents { ino: 1, grant: 1, pos: off(128), bytes: 4096 },
        ] {
            let (call, words, len) = req.encode();
            assert!(CALLS.contains(&call));
            assert_eq!(Request::decode(&raw(call, words, len)), Ok(req));
        }
    }

    #[test]
    fn malformed_and_unknown() {
        // Too few words.
        assert_eq!(Request::decode(&raw(READ, [0; 4], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(RENAME, [0; 4], 3)), Err(EINVAL));
        // More than four on a call with arguments.
        assert_eq!(Request::decode(&raw(LOOKUP, [0; 4], 5)), Err(EINVAL));
        // Calls without arguments take any length.
        assert_eq!(Request::decode(&raw(STATVFS, [0; 4], 99)), Ok(Request::Statvfs));
        // Out of range.
        assert_eq!(Request::decode(&raw(READ, [0, 0, IO_MAX + 1, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(PUTNODE, [1 << 32, 1, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(PUTNODE, [1, i32::MAX as u64 + 1, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(CHMOD, [1, 0o10000, 0, 0], 2)), Err(EINVAL));
        // An id the disk cannot hold, or a word past u32.
        assert_eq!(Request::decode(&raw(CHOWN, [1, 0x1_0000, 0, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(CHOWN, [1, 0, 1 << 40, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(CHOWN, [1, KEEP_ID, 5, 0], 3)), Ok(Request::Chown { ino: 1, uid: None, gid: Some(5) }));
        assert_eq!(Request::decode(&raw(UTIME, [1, 1 << 32, 0, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(LOOKUP, [1, 0x1_0000, 0, 0], 2)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SYMLINK, [1, 1 << 48, 0, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(SYMLINK, [1, 1, 1 << 32, 0], 4)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(LINK, [1, 1, 1 << 32, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(MKNOD, [1, 1, 1 << 32, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(MKNOD, [1, 1, 0, 0], 2)), Err(EINVAL));
        // Positions and sizes are never negative; only WRITE has the
        // append word, and no other word above i64::MAX means anything.
        for neg in [-1i64 as u64, -2i64 as u64, 1 << 63] {
            assert_eq!(Request::decode(&raw(READ, [0, neg, 1, 0], 3)), Err(EINVAL));
            assert_eq!(Request::decode(&raw(GETDENTS, [0, neg, 1, 0], 3)), Err(EINVAL));
            assert_eq!(Request::decode(&raw(FTRUNC, [1, neg, 0, 0], 3)), Err(EINVAL));
            assert_eq!(Request::decode(&raw(FTRUNC, [1, 0, neg, 0], 3)), Err(EINVAL));
        }
        assert_eq!(Request::decode(&raw(READ, [0, APPEND_POS, 1, 0], 3)), Err(EINVAL));
        assert_eq!(Request::decode(&raw(WRITE, [0, APPEND_POS - 1, 1, 0], 3)), Err(EINVAL));
        assert_eq!(
            Request::decode(&raw(WRITE, [0, APPEND_POS, 1, 0], 3)),
            Ok(Request::Write { ino: 0, grant: 0, pos: WritePos::Append, bytes: 1 })
        );
        // Unknown, and known calls with high label bits.
        assert_eq!(Request::decode(&raw(BASE, [0; 4], 0)), Err(ENOSYS));
        assert_eq!(Request::decode(&raw(BASE + 1, [0; 4], 0)), Err(ENOSYS));
        for call in CALLS {
            for bit in [20, 32, 51, 63] {
                assert_eq!(Request::decode(&raw(call | 1 << bit, [0; 4], 4)), Err(ENOSYS));
            }
        }
    }

    #[test]
    fn words_pack_as_documented() {
        assert_eq!(node_word(0x1234, -1), 0xffff_ffff_0000_1234);
        assert_eq!(split_node_word(0xffff_ffff_0000_1234), (0x1234, -1));
        assert_eq!(create_word(5, 0o100644, 7, 9), 5 | 0o100644 << 16 | 7 << 32 | 9 << 48);
    }

    #[test]
    fn replies_round_trip() {
        let n = Node { ino: 12, mode: 0o100644, uid: 3, gid: 0xffff, nlinks: 2, size: 1 << 40 };
        assert_eq!(Node::from_reply(&n.reply()), Ok(n));
        assert_eq!(Node::from_reply(&Reply::err(crate::errno::ENOENT)), Err(crate::errno::ENOENT));
        assert_eq!(Node::from_reply(&Reply::ok(1 << 32)), Err(EIO));
        let io = Io { bytes: 4096, pos: 1 << 33 };
        assert_eq!(Io::from_reply(&io.reply()), Ok(io));
        let s = StatVfs { block_size: 1024, blocks: 4096, free_blocks: 4000, files: 1376, free_files: 1370, name_max: 60, dev: 2 };
        assert_eq!(StatVfs::from_reply(&s.reply()), Ok(s));
        assert_eq!(StatVfs::from_reply(&Reply::ok(1 << 32)), Err(EIO), "a block size past u32");
    }

    #[test]
    fn stat_layout() {
        let s = Stat {
            dev: 1,
            ino: 2,
            mode: 3,
            nlink: 4,
            uid: 5,
            gid: 6,
            rdev: 7,
            size: 8,
            atime: 9,
            mtime: 10,
            ctime: 11,
            blocks: 12,
            blksize: 13,
        };
        let mut b = [0xaa; STAT_SIZE];
        s.encode(&mut b);
        assert_eq!(Stat::decode(&b), s);
        assert_eq!(b[16], 3);
        assert_eq!(b[40], 8);
        assert_eq!(b[80], 13);
        assert_eq!(&b[84..], &[0; 4]);
    }

    #[test]
    fn dirents() {
        let mut buf = [0xffu8; 64];
        assert_eq!(dirent_len(1), 16);
        assert_eq!(dirent_len(2), 16);
        assert_eq!(dirent_len(3), 24);
        let a = encode_dirent(&mut buf, 1, b".").unwrap();
        let b = encode_dirent(&mut buf[a..], 2, b"abc").unwrap();
        assert_eq!((a, b), (16, 24));
        assert_eq!(encode_dirent(&mut buf[a + b..], 3, &[b'x'; 30]), None);
        let d = decode_dirent(&buf).unwrap();
        assert_eq!((d.ino, d.name, d.reclen), (1, &b"."[..], 16));
        let d = decode_dirent(&buf[16..]).unwrap();
        assert_eq!((d.ino, d.name, d.reclen), (2, &b"abc"[..], 24));
        // The NUL and the padding are zero.
        assert_eq!(&buf[16 + 13..40], &[b'a', b'b', b'c', 0, 0, 0, 0, 0, 0, 0, 0][..]);
        // Malformed records.
        assert_eq!(decode_dirent(&buf[..10]), None);
        let mut bad = [0u8; 16];
        bad[8] = 8; // shorter than its header
        assert_eq!(decode_dirent(&bad), None);
        bad[8] = 32; // past the end
        assert_eq!(decode_dirent(&bad), None);
    }
}
