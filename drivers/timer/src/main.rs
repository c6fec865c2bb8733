// SPDX-License-Identifier: BSD-2-Clause
//! The timer driver's seL4 glue: measure the TSC against the PIT, read the
//! CMOS clock, publish the clock page, report ready to PM, then serve
//! sleeps and alarms on the PIT's interrupt. The decisions are the library's
//! (`timer_driver::server` answers every message and says when the PIT
//! must fire); the glue does the port I/O, saves and uses reply caps, and
//! writes the page.
//!
//! The start-up word holds the endpoint in its low half and, in bits 32
//! and up, the kernel's TSC frequency in MHz (from boot info), which
//! only bounds the calibration's steps.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod glue {
    use core::sync::atomic::Ordering;
    use minix_abi::clock::{self, Params, Words};
    use minix_abi::cspace::{self, timer as slots};
    use minix_abi::endpoint::{Sender, TIMER};
    use minix_abi::errno::{Errno, ENOMEM};
    use minix_abi::message::Reply;
    use minix_abi::pm;
    use sel4::{CNode, CPtr, IoPort, IrqHandler, Notification, SharedWords, Tcb};
    use sel4_root_task::println;
    use timer_driver::calibrate::Calibration;
    use timer_driver::server::{Hw, Timer};
    use timer_driver::{pit, rtc};

    sel4_root_task::declare_main!("timer", main);

    /// The clock page, mapped read-write here by the root task.
    struct Page(SharedWords);

    impl Words for Page {
        fn load(&self, i: usize, o: Ordering) -> u64 {
            self.0.load(i, o)
        }
        fn store(&self, i: usize, v: u64, o: Ordering) {
            self.0.store(i, v, o)
        }
    }

    struct Glue {
        pit: IoPort,
        page: Page,
        params: Params,
    }

    const SELF_CNODE: CNode = CNode::from_bits(cspace::SELF_CNODE);

    fn main(arg: u64) -> ! {
        let kernel_mhz = arg >> 32;
        // SAFETY: the root task mapped the clock frame read-write at
        // CLOCK_PAGE (page-aligned) in this VSpace, inside the server area
        // VM keeps out of, for the driver's life; every process that maps
        // it (read-only) reaches it only with atomic loads, and this
        // driver only through this value.
        let page = Page(unsafe { SharedWords::new(cspace::addr::CLOCK_PAGE, clock::WORDS, true) });
        let pit = IoPort::from_bits(slots::PIT_PORTS);
        let hz = calibrate(pit, kernel_mhz);
        let mut params = Params::new(hz, sel4::rdtsc());
        let real = read_rtc();
        // The monotonic time the CMOS reading was taken at (reading it
        // may wait out an update).
        let mono = params.mono_ns(sel4::rdtsc());
        params.real_offset = Params::offset_for(real.unwrap_or(0).saturating_mul(minix_abi::timer::NSEC_PER_SEC), mono);
        clock::publish(&page, &params);
        match real {
            Some(s) => println!("timer: TSC at {}.{:06} MHz; CMOS clock {} s since the epoch", hz / 1_000_000, hz % 1_000_000, s),
            None => println!(
                "timer: TSC at {}.{:06} MHz; the CMOS clock is unreadable, realtime starts at the epoch",
                hz / 1_000_000,
                hz % 1_000_000
            ),
        }
        let mut glue = Glue { pit, page, params };
        // Quiet until someone sleeps, then take the interrupt through the
        // endpoint (the notification bound to this thread).
        glue.disarm();
        let ntfn = Notification(CPtr(slots::IRQ_NTFN));
        if Tcb::from_bits(cspace::SELF_TCB).bind_notification(ntfn).is_err() {
            println!("timer: cannot bind the interrupt's notification");
        }
        let irq = IrqHandler::from_bits(slots::IRQ_HANDLER);
        // The kernel routes a pin masked: this unmasks it.
        if irq.ack().is_err() {
            println!("timer: cannot unmask the PIT's interrupt");
        }
        let (c, w, l) = pm::Request::SrvReady.encode();
        if mxrt::ipc::sendrec(cspace::PM_EP, c, w, l).result().is_err() {
            println!("timer: PM refused the ready report");
        }
        let mut timer = Timer::new();
        mxrt::server::serve(CPtr(cspace::SERVICE_EP), TIMER, |inc| {
            if inc.sender == Sender::Unknown(slots::IRQ_BADGE) && inc.raw.info.label() == 0 {
                let _ = irq.ack();
                timer.interrupt(&mut glue);
                return None;
            }
            timer.request(&mut glue, inc.sender, &inc.req)
        })
    }

    /// The TSC's frequency, measured against the PIT for about 100 ms (at
    /// most about 2 s); the kernel's figure if that fails.
    fn calibrate(pit: IoPort, kernel_mhz: u64) -> u64 {
        let mut cal = Calibration::new(kernel_mhz);
        let fallback = kernel_mhz.max(1) * 1_000_000;
        // Mode 2 with count 0: 65536 counts a turn, free-running.
        let started = pit.out8(pit::COMMAND, pit::RATE).and(pit.out8(pit::CH0, 0)).and(pit.out8(pit::CH0, 0));
        if started.is_err() {
            println!("timer: the PIT's ports refused; using the kernel's TSC figure");
            return fallback;
        }
        let begin = sel4::rdtsc();
        while !cal.done() && sel4::rdtsc().wrapping_sub(begin) < fallback.saturating_mul(2) {
            let before = sel4::rdtsc();
            if pit.out8(pit::COMMAND, pit::LATCH).is_err() {
                break;
            }
            let after = sel4::rdtsc();
            let (Ok(lo), Ok(hi)) = (pit.in8(pit::CH0), pit.in8(pit::CH0)) else { break };
            cal.sample(before, u16::from_le_bytes([lo, hi]), after);
        }
        match cal.hz() {
            Some(hz) if cal.done() => hz,
            _ => {
                println!("timer: the PIT measurement did not finish or strays from the kernel's; using the kernel's TSC figure");
                fallback
            }
        }
    }

    /// Seconds since the epoch from the CMOS clock: the registers read
    /// while no update is in progress, twice alike.
    fn read_rtc() -> Option<u64> {
        let io = IoPort::from_bits(slots::CMOS_PORTS);
        let reg = |r: u8| -> Option<u8> {
            io.out8(rtc::INDEX_PORT, r).ok()?;
            io.in8(rtc::DATA_PORT).ok()
        };
        let read_all = || -> Option<[u8; 8]> {
            let mut b = [0u8; 8];
            for (x, r) in b.iter_mut().zip(rtc::READ_ORDER) {
                *x = reg(r)?;
            }
            Some(b)
        };
        let mut last: Option<[u8; 8]> = None;
        for _ in 0..100_000 {
            if reg(rtc::STATUS_A)? & rtc::UPDATE_IN_PROGRESS != 0 {
                continue;
            }
            let now = read_all()?;
            if last == Some(now) {
                return rtc::Regs::from_bytes(now).unix_seconds();
            }
            last = Some(now);
        }
        None
    }

    impl Hw for Glue {
        fn now(&self) -> u64 {
            self.params.mono_ns(sel4::rdtsc())
        }

        fn save_reply(&mut self, index: usize) -> Result<(), Errno> {
            let slot = slots::REPLY_BASE + index as u64;
            // A reply cap left from a process of this slot that died is
            // already gone (the kernel deletes a reply cap when its caller
            // is torn down); delete anything there all the same.
            let _ = SELF_CNODE.delete(slot, sel4::CNODE_DEPTH);
            SELF_CNODE.save_caller(slot, sel4::CNODE_DEPTH).map_err(|_| ENOMEM)
        }

        fn wake(&mut self, index: usize, reply: Reply) {
            // A dead sleeper's slot is empty: sending to it does nothing.
            mxrt::server::reply_saved(CPtr(slots::REPLY_BASE + index as u64), reply);
        }

        fn signal_alarm(&mut self, client: usize) {
            // The root task put client i's notification (write only) at
            // ALARM_NTFN_BASE + i; a signal never blocks.
            sel4::signal(CPtr(slots::ALARM_NTFN_BASE + client as u64));
        }

        fn arm(&mut self, count: u16) {
            let [lo, hi] = count.to_le_bytes();
            let _ = self.pit.out8(pit::COMMAND, pit::ONE_SHOT).and(self.pit.out8(pit::CH0, lo)).and(self.pit.out8(pit::CH0, hi));
        }

        fn disarm(&mut self) {
            // Mode 0 waiting for a count: the output stays low.
            let _ = self.pit.out8(pit::COMMAND, pit::ONE_SHOT);
        }

        fn set_realtime(&mut self, real_ns: u64) {
            self.params.real_offset = Params::offset_for(real_ns, self.now());
            clock::publish(&self.page, &self.params);
        }

        fn tsc_khz(&self) -> u64 {
            self.params.tsc_hz / 1000
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {}
