// SPDX-License-Identifier: BSD-2-Clause
//! A set of processes and their grant tables, standing in for the copy
//! engine's view of the system.

use std::collections::BTreeMap;

use crate::verify::{GrantLookup, GrantTableView};
use crate::{Endpoint, GrantEntry, GrantTable, VecStorage};

pub const VFS: Endpoint = 1;
pub const FS: Endpoint = 2;
pub const USER: Endpoint = 3;
pub const DRIVER: Endpoint = 4;
/// A known process that registered no table.
pub const NO_TABLE: Endpoint = 5;
/// No such process.
pub const UNKNOWN: Endpoint = 99;

/// One process's table as the engine finds it.
pub enum Tbl {
    Grants(GrantTable<VecStorage>),
    Raw(Vec<GrantEntry>),
    Missing,
}

#[derive(Default)]
pub struct World {
    pub tables: BTreeMap<Endpoint, Tbl>,
}

impl World {
    /// VFS, FS, USER and DRIVER with tables of at most `max_slots`, and
    /// NO_TABLE without one.
    pub fn new(max_slots: usize) -> World {
        let mut w = World::default();
        for p in [VFS, FS, USER, DRIVER] {
            w.tables.insert(p, Tbl::Grants(GrantTable::with_max_slots(VecStorage::new(), max_slots)));
        }
        w.tables.insert(NO_TABLE, Tbl::Missing);
        w
    }

    pub fn standard() -> World {
        World::new(crate::MAX_SLOTS)
    }

    /// The grant table of `p` (panics in tests if it has none).
    pub fn t(&mut self, p: Endpoint) -> &mut GrantTable<VecStorage> {
        match self.tables.get_mut(&p) {
            Some(Tbl::Grants(t)) => t,
            _ => panic!("{p} has no grant table"),
        }
    }
}

pub enum View<'a> {
    Grants(&'a GrantTable<VecStorage>),
    Raw(&'a [GrantEntry]),
    Empty,
}

impl GrantTableView for View<'_> {
    fn entry(&self, slot: u32) -> Option<GrantEntry> {
        match self {
            View::Grants(t) => t.entry(slot),
            View::Raw(r) => r.entry(slot),
            View::Empty => None,
        }
    }
}

impl GrantLookup for World {
    type Table<'a> = View<'a>;

    fn table(&self, granter: Endpoint) -> Option<View<'_>> {
        Some(match self.tables.get(&granter)? {
            Tbl::Grants(t) => View::Grants(t),
            Tbl::Raw(r) => View::Raw(r),
            Tbl::Missing => View::Empty,
        })
    }
}
