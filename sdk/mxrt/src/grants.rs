// SPDX-License-Identifier: BSD-2-Clause
//! This process's grant table, in its own memory, registered with VM
//! (VM reads it there when someone copies through one of our grants), and
//! the copy calls through other processes' grants.
use crate::ipc::sendrec;
use grant::{GrantEntry, GrantId, GrantStorage, GrantTable, Registration, SliceStorage, VecElement, VecStorage};
use minix_abi::cspace::VM_EP;
use minix_abi::endpoint::Endpoint;
use minix_abi::errno::Errno;
use minix_abi::vm::Request;

/// The table plus where VM believes it is. VM reads the table in this
/// process's memory, so it must be memory VM manages: a user process's
/// heap is; a server's image is not, and a server keeps its table in a
/// mapping from VM ([`Grants::in_memory`]).
pub struct Grants<S: GrantStorage = VecStorage> {
    table: GrantTable<S>,
    registered: Option<Registration>,
}

impl Default for Grants {
    fn default() -> Self {
        Self::new()
    }
}

impl Grants {
    pub fn new() -> Grants {
        Grants { table: GrantTable::new(VecStorage::new()), registered: None }
    }
}

impl<'a> Grants<SliceStorage<'a>> {
    /// A table in `bytes` (page-aligned memory from VM, which this table
    /// then owns for good): as many entries as fit, and it never moves.
    pub fn in_memory(bytes: &'a mut [u8]) -> Result<Self, Errno> {
        let usable = bytes.len() - bytes.len() % core::mem::size_of::<GrantEntry>();
        let entries: &'a mut [GrantEntry] = bytemuck::try_cast_slice_mut(&mut bytes[..usable]).map_err(|_| minix_abi::errno::EINVAL)?;
        Ok(Grants { table: GrantTable::new(SliceStorage::new(entries)), registered: None })
    }
}

impl<S: GrantStorage> Grants<S> {
    /// Tells VM where the table is whenever it moved or grew.
    fn sync(&mut self) -> Result<(), Errno> {
        let reg = self.table.registration();
        if self.registered != Some(reg) {
            let (c, w, l) = Request::GrantTable { base: reg.base as u64, entries: reg.entries as u64 }.encode();
            sendrec(VM_EP, c, w, l).result()?;
            self.registered = Some(reg);
        }
        Ok(())
    }

    pub fn direct(&mut self, grantee: Endpoint, addr: u64, len: u64, access: u32) -> Result<GrantId, Errno> {
        let id = self.table.grant_direct(grantee.0, addr, len, access)?;
        self.sync().map(|_| id)
    }

    pub fn indirect(&mut self, grantee: Endpoint, orig_granter: Endpoint, orig: GrantId, access: u32) -> Result<GrantId, Errno> {
        let id = self.table.grant_indirect(grantee.0, orig_granter.0, orig, access)?;
        self.sync().map(|_| id)
    }

    pub fn magic(&mut self, who: Endpoint, grantee: Endpoint, addr: u64, len: u64, access: u32) -> Result<GrantId, Errno> {
        let id = self.table.grant_magic(who.0, grantee.0, addr, len, access)?;
        self.sync().map(|_| id)
    }

    /// Revokes; `Ok(true)` when a TRY copy through it faulted.
    pub fn revoke(&mut self, id: GrantId) -> Result<bool, Errno> {
        self.table.revoke(id)
    }
}

fn vm(req: Request) -> Result<(), Errno> {
    let (c, w, l) = req.encode();
    sendrec(VM_EP, c, w, l).result().map(|_| ())
}

/// Copies `bytes` from `granter`'s grant (at `offset`) to `addr` here.
pub fn safecopy_from(granter: Endpoint, grant: GrantId, offset: u64, addr: u64, bytes: u64) -> Result<(), Errno> {
    vm(Request::SafeCopy { to_granter: false, granter, grant: grant.0, offset, addr, bytes })
}

/// Copies `bytes` from `addr` here into `granter`'s grant at `offset`.
pub fn safecopy_to(granter: Endpoint, grant: GrantId, offset: u64, addr: u64, bytes: u64) -> Result<(), Errno> {
    vm(Request::SafeCopy { to_granter: true, granter, grant: grant.0, offset, addr, bytes })
}

/// Fills granted memory with `byte`.
pub fn safememset(granter: Endpoint, grant: GrantId, offset: u64, byte: u8, bytes: u64) -> Result<(), Errno> {
    vm(Request::SafeMemset { granter, grant: grant.0, offset, byte, bytes })
}

/// A vector of copies, each between this process and one granter.
pub fn vsafecopy(elements: &[VecElement]) -> Result<(), Errno> {
    vm(Request::VSafeCopy { addr: elements.as_ptr() as u64, count: elements.len() as u64 })
}

/// FIX_RANGE (VFS only): asks VM to make `[addr, addr + len)` of `who`
/// present, writable if `write`, after a `CPF_TRY` copy through a grant on
/// it faulted; the request is then repeated. `EFAULT` where `who` itself
/// would have been killed by the access, `ESRCH` for a process VM does not
/// know, `EPERM` from anyone but VFS.
///
/// VM answers 1 when it had to page a file page in first (the range may
/// hold more such pages): the call is made again until VM answers 0. Each
/// 1 is a page brought in and a range holds at most 257 pages, so more
/// rounds than that means pages keep vanishing: `EFAULT`.
pub fn fix_range(who: Endpoint, addr: u64, len: u64, write: bool) -> Result<(), Errno> {
    const ROUNDS: usize = 512;
    for _ in 0..=ROUNDS {
        let (c, w, l) = Request::FixRange { who, addr, len, write }.encode();
        if sendrec(VM_EP, c, w, l).result()? == 0 {
            return Ok(());
        }
    }
    Err(minix_abi::errno::EFAULT)
}
