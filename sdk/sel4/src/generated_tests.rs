// SPDX-License-Identifier: BSD-2-Clause
//! Host checks that the numbers generated from the kernel tree agree with
//! what this crate's code assumes about them. A kernel whose headers move
//! a field or renumber a call fails here (or at compile time, where the
//! code has a `const` assertion), not in the guest.
use crate::*;

#[test]
fn syscall_numbers_are_distinct_and_negative() {
    // The syscall wrappers pass the number in rdx as a negative i64;
    // positive numbers are not syscalls to the kernel.
    let all = [
        syscall::CALL,
        syscall::REPLY_RECV,
        syscall::SEND,
        syscall::NB_SEND,
        syscall::RECV,
        syscall::REPLY,
        syscall::YIELD,
        syscall::NB_RECV,
        syscall::DEBUG_PUT_CHAR,
        syscall::DEBUG_HALT,
        syscall::BENCHMARK_RESET_LOG,
        syscall::BENCHMARK_GET_THREAD_UTILISATION,
        syscall::BENCHMARK_RESET_THREAD_UTILISATION,
    ];
    for (i, a) in all.iter().enumerate() {
        assert!(*a < 0, "{a}");
        assert!(!all[i + 1..].contains(a), "{a} repeated");
    }
    // The fastpath is taken for Call and ReplyRecv, the first two.
    assert_eq!((syscall::CALL, syscall::REPLY_RECV), (-1, -2));
}

#[test]
fn initial_caps_are_distinct_slots_of_the_root_cnode() {
    let slots = [
        init::TCB.bits(),
        init::CNODE.bits(),
        init::VSPACE.bits(),
        init::IRQ_CONTROL.bits(),
        init::ASID_CONTROL.bits(),
        init::ASID_POOL.bits(),
        init::IO_PORT.bits(),
        init::BOOTINFO_FRAME.bits(),
        init::IPC_BUFFER.bits(),
    ];
    for (i, s) in slots.iter().enumerate() {
        // Slot 0 is the null cap.
        assert!(*s > 0 && *s < 1 << ROOT_CNODE_SIZE_BITS, "slot {s}");
        assert!(!slots[i + 1..].contains(s), "slot {s} repeated");
    }
}

#[test]
fn rights_are_distinct_single_bits() {
    let [w, r, g] = [CapRights::WRITE.0, CapRights::READ.0, CapRights::GRANT.0];
    for b in [w, r, g] {
        assert!(b.is_power_of_two());
    }
    assert_eq!(w | r | g, CapRights::ALL.0);
    assert_eq!(w + r + g, CapRights::ALL.0, "no two rights share a bit");
    assert_eq!(CapRights::READ_WRITE.0, r | w);
    // The whole rights word fits the low bits of an invocation argument.
    const { assert!(CapRights::ALL.0 < 1 << 32) };
}

#[test]
fn cnode_depth_is_a_whole_cptr() {
    assert_eq!(CNODE_DEPTH, WORD_BITS);
    assert_eq!(WORD_BITS, u64::BITS as u64, "a CPtr is one u64 word");
    // The guard a radix-r CNode gets makes up the rest of the word: its
    // size field, read back at the generated position, is WORD_BITS - r.
    use bitfield::guard;
    for radix in [5, 12, 18] {
        let data = cnode_guard_data(radix);
        let size = (data >> guard::GUARD_SIZE_SHIFT) & ((1 << guard::GUARD_SIZE_BITS) - 1);
        assert_eq!(size + radix, CNODE_DEPTH);
        assert_eq!(data >> guard::GUARD_BITS_SHIFT, 0, "guard value 0");
    }
}

#[test]
fn page_and_user_context_sizes() {
    assert_eq!(1usize << PAGE_BITS, PAGE_SIZE);
    assert_eq!(PAGE_BITS as u64, size_bits::PAGE);
    assert_eq!(core::mem::size_of::<UserContext>(), USER_CONTEXT_WORDS * 8);
}

/// A bootinfo written at the generated offsets reads back field by field:
/// the reader uses the offsets and widths libsel4's struct has.
#[test]
fn bootinfo_reads_the_generated_layout() {
    use bootinfo_layout as bl;
    let n = 3u64;
    let mut buf = vec![0u8; (bl::UNTYPED_LIST + bl::UNTYPED_DESC_SIZE * MAX_BOOTINFO_UNTYPED_CAPS as u64) as usize];
    let mut put = |at: u64, bytes: &[u8]| buf[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    put(bl::IPC_BUFFER, &0x1234_5000u64.to_le_bytes());
    put(bl::EMPTY, &100u64.to_le_bytes());
    put(bl::EMPTY + 8, &4096u64.to_le_bytes());
    put(bl::USER_IMAGE_FRAMES, &12u64.to_le_bytes());
    put(bl::USER_IMAGE_FRAMES + 8, &40u64.to_le_bytes());
    put(bl::USER_IMAGE_PAGING, &40u64.to_le_bytes());
    put(bl::USER_IMAGE_PAGING + 8, &45u64.to_le_bytes());
    put(bl::CNODE_SIZE_BITS, &[ROOT_CNODE_SIZE_BITS as u8]);
    put(bl::ARCH_INFO, &2400u64.to_le_bytes());
    put(bl::UNTYPED, &50u64.to_le_bytes());
    put(bl::UNTYPED + 8, &(50 + n).to_le_bytes());
    for i in 0..n {
        let at = bl::UNTYPED_LIST + i * bl::UNTYPED_DESC_SIZE;
        put(at + bl::UNTYPED_DESC_PADDR, &(0x10_0000 * (i + 1)).to_le_bytes());
        put(at + bl::UNTYPED_DESC_SIZE_BITS, &[12 + i as u8]);
        put(at + bl::UNTYPED_DESC_IS_DEVICE, &[(i == 1) as u8]);
    }
    // SAFETY: `buf` is as long as the whole structure, outlives `bi` and
    // is not written again while `bi` reads it.
    let bi = unsafe { BootInfo::from_addr(buf.as_ptr() as u64) };
    assert_eq!(bi.ipc_buffer(), 0x1234_5000);
    assert_eq!(bi.empty(), SlotRegion { start: 100, end: 4096 });
    assert_eq!(bi.user_image_frames(), SlotRegion { start: 12, end: 40 });
    assert_eq!(bi.user_image_paging(), SlotRegion { start: 40, end: 45 });
    assert_eq!(bi.init_cnode_size_bits() as u64, ROOT_CNODE_SIZE_BITS);
    assert_eq!(bi.tsc_mhz(), 2400);
    assert_eq!(bi.untyped().len(), n);
    for i in 0..n {
        let d = bi.untyped_desc(i).expect("listed");
        assert_eq!(d, UntypedDesc { paddr: 0x10_0000 * (i + 1), size_bits: 12 + i as u8, is_device: i == 1 });
    }
    assert_eq!(bi.untyped_desc(n), None, "past the untyped region");
}

#[test]
fn io_port_range_data_packs_both_ports_apart() {
    // The kernel reads firstPort and lastPort from the Mint data as two
    // 16-bit fields; each must survive the packing untouched.
    use crate::bitfield::io_port_capdata as d;
    assert_eq!((d::FIRST_PORT_BITS, d::LAST_PORT_BITS), (16, 16));
    let w = io_port_range_data(0xc040, 0xc07f);
    assert_eq!((w >> d::FIRST_PORT_SHIFT) & 0xffff, 0xc040);
    assert_eq!((w >> d::LAST_PORT_SHIFT) & 0xffff, 0xc07f);
    assert_eq!(io_port_range_data(0, 0), 0);
}

#[test]
fn irq_and_port_labels_are_distinct() {
    let all = [
        label::X86_IO_PORT_IN8,
        label::X86_IO_PORT_IN16,
        label::X86_IO_PORT_IN32,
        label::X86_IO_PORT_OUT8,
        label::X86_IO_PORT_OUT16,
        label::X86_IO_PORT_OUT32,
        label::X86_IRQ_ISSUE_IRQ_HANDLER_IOAPIC,
        label::IRQ_ACK_IRQ,
        label::IRQ_SET_IRQ_HANDLER,
        label::IRQ_CLEAR_IRQ_HANDLER,
    ];
    for (i, a) in all.iter().enumerate() {
        assert!(!all[i + 1..].contains(a), "label {a} repeated");
    }
}
