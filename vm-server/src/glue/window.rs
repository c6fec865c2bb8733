// SPDX-License-Identifier: BSD-2-Clause
//! The FS's cache window: the page cache's frames go to the FS, not the
//! bytes. When a pager takes a page-in, VM maps the run's frames (fresh
//! and zeroed) into the window, in place of the window's own pages; the
//! FS reads the file's blocks straight into them (`fs::PAGE_IN`); when the
//! pager reports, VM puts the window's own pages back, so the FS never
//! keeps a writable mapping of a page others map, and the frames become
//! cached pages with no copy anywhere.
//!
//! One page-in at a time is lent: there is one pager, and it reports each
//! page-in before it takes the next. The window is made on the FS's first
//! PAGE_IN (VM adopts the FS only after boot); a page-in handed out
//! before that is lent when the window is made.
extern crate alloc;
use super::Vm;
use alloc::vec::Vec;
use minix_abi::endpoint::{Endpoint, FS};
use minix_abi::errno::{Errno, EPERM};
use minix_abi::vm::{MAP_ANON, MAP_PRIVATE, PAGER_MAX, PROT_READ, PROT_WRITE};
use sel4::PAGE_SIZE;
use vm_server::page::{Page, PageFrame};
use vm_server::FrameAllocator;

const PAGE: u64 = PAGE_SIZE as u64;

#[derive(Default)]
pub(super) struct Window {
    /// The window's address in the FS, once made.
    base: Option<u64>,
    /// The page-in whose frames the window holds (or will, once made).
    lent: Option<u64>,
    /// How many of its frames are mapped there.
    count: usize,
    /// The window's own pages, set aside while frames are lent.
    own: Vec<Option<Page>>,
    /// A frame could not be lent: the FS read part of the run into its
    /// own pages, so the page-in's bytes are not in its frames.
    broken: bool,
}

impl Vm {
    /// The FS's CACHE_WINDOW: makes the window (mapped at once, as all of
    /// a server's memory is) and lends it the page-in under way, if any.
    pub(super) fn cache_window(&mut self, who: Endpoint) -> Result<u64, Errno> {
        if who != FS {
            return Err(EPERM);
        }
        if let Some(b) = self.window.base {
            return Ok(b);
        }
        let base = self.mmap(who, 0, PAGER_MAX, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE)?;
        self.window.base = Some(base);
        if let Some(token) = self.window.lent.take() {
            self.lend_window(token);
        }
        Ok(base)
    }

    /// A pager takes page-in `token`: its frames go into the window.
    pub(super) fn lend_window(&mut self, token: u64) {
        self.window.lent = Some(token);
        self.window.count = 0;
        self.window.broken = false;
        let Some(base) = self.window.base else { return };
        let Some((_, run)) = self.cache.pending_frames(token) else { return };
        let run: Vec<_> = run.to_vec();
        let Some(fs) = self.procs.get_mut(&FS.0) else {
            self.window.broken = true;
            return;
        };
        self.window.own.clear();
        for (i, &f) in run.iter().enumerate() {
            let v = base + i as u64 * PAGE;
            fs.tlb.invalidate(v);
            self.frames.add_ref(f);
            let lent = Page { frame: PageFrame::Pool(f), cow: false };
            let ok = match fs.space.swap_page(v, Some(lent), &self.frames) {
                Ok((own, Some(m))) => {
                    self.window.own.push(own);
                    self.window.count = i + 1;
                    if fs.vs.install(&mut self.frames, &m, None).is_ok() {
                        true
                    } else {
                        // The FS's own page is unmapped now, and this one
                        // is not mapped: map the own page back.
                        self.window.broken = true;
                        false
                    }
                }
                _ => {
                    self.frames.drop_ref(f);
                    self.window.broken = true;
                    false
                }
            };
            if !ok {
                break;
            }
        }
        if self.window.broken {
            self.unlend_window();
        }
    }

    /// Puts the window's own pages back in place of the lent frames.
    /// True if every lent frame held what the FS read.
    pub(super) fn unlend_window(&mut self) -> bool {
        let (Some(base), Some(fs)) = (self.window.base, self.procs.get_mut(&FS.0)) else {
            return false;
        };
        let own = core::mem::take(&mut self.window.own);
        for (i, page) in own.into_iter().enumerate().take(self.window.count) {
            let v = base + i as u64 * PAGE;
            fs.tlb.invalidate(v);
            fs.vs.remove(&mut self.frames, v);
            if let Ok((lent, m)) = fs.space.swap_page(v, page, &self.frames) {
                if let Some(m) = m {
                    // The FS's own page was mapped here before: the page
                    // tables exist, and a failure leaves the page to be
                    // unreachable only until the next lend remaps it.
                    let _ = fs.vs.install(&mut self.frames, &m, None);
                }
                if let Some(Page { frame: PageFrame::Pool(f), .. }) = lent {
                    // The run still holds its own reference.
                    self.frames.drop_ref(f);
                }
            }
        }
        self.window.count = 0;
        !self.window.broken
    }

    /// The pager reported `token`: the window's own pages go back. False
    /// if the FS could not have read into the run's frames.
    pub(super) fn return_window(&mut self, token: u64) -> bool {
        if self.window.lent != Some(token) {
            return false;
        }
        self.window.lent = None;
        if self.window.base.is_none() {
            // The FS never asked for the window: it read nothing.
            return false;
        }
        let whole = !self.window.broken;
        whole && self.unlend_window()
    }
}
