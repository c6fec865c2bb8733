// SPDX-License-Identifier: BSD-2-Clause
//! A process table as boot makes it (PM, the five servers, init) and a
//! stand-in for the glue that carries out effects the way PM will.
#![allow(dead_code)]
use minix_abi::endpoint::{Endpoint, BLK, FS, INIT, PM, TIMER, VFS, VM};
use root_task::effects::{Effect, Effects};
use root_task::proctab::{ProcCaps, ProcTable};
use root_task::signals::Delivery;

pub fn boot() -> ProcTable {
    let mut t = ProcTable::new(64);
    for ep in [PM, VM, VFS, FS, BLK, TIMER, INIT] {
        assert!(t.add_at(ep.slot(), PM.slot(), ProcCaps::default()).is_some());
    }
    t
}

pub const INIT_SLOT: usize = INIT.slot();

/// Forks the process in `parent`; the child's slot.
pub fn fork(t: &mut ProcTable, parent: usize) -> usize {
    t.add_user(parent, ProcCaps::default()).unwrap().slot()
}

pub fn pid(t: &ProcTable, slot: usize) -> u32 {
    t.get(slot).unwrap().pid
}

pub fn ep(t: &ProcTable, slot: usize) -> Endpoint {
    t.get(slot).unwrap().ep
}

/// What the stand-in glue did.
#[derive(Default, Debug)]
pub struct Log {
    pub killed: Vec<(usize, u64)>,
    pub stopped: Vec<usize>,
    pub resumed: Vec<usize>,
    pub handlers: Vec<(usize, root_task::signals::HandlerRun)>,
    pub woken: Vec<(usize, u32, u64)>,
}

/// Carries out every effect: a termination exits the process (its
/// children go to init), a handler is only logged (the test plays its
/// return).
pub fn settle(t: &mut ProcTable, fx: &mut Effects, log: &mut Log) {
    while let Some(e) = fx.pop() {
        match e {
            Effect::Deliver(slot) => {
                while let Some(d) = t.next_delivery(slot, fx) {
                    match d {
                        Delivery::Terminate { .. } => {
                            log.killed.push((slot, d.wait_status()));
                            let out = t.exit(slot, d.wait_status(), INIT_SLOT);
                            if let Some(w) = out.wake_parent {
                                log.woken.push(w);
                            }
                            fx.append(out.effects);
                            break;
                        }
                        Delivery::Stop { .. } => log.stopped.push(slot),
                        Delivery::RunHandler(run) => log.handlers.push((slot, run)),
                        Delivery::Ignore(s) => panic!("next_delivery returned Ignore({:?})", s),
                    }
                }
            }
            Effect::Resume(slot) => log.resumed.push(slot),
            Effect::WakeWaiter { parent, pid, status } => log.woken.push((parent, pid, status)),
        }
    }
}
