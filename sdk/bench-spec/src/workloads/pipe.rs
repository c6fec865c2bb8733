// SPDX-License-Identifier: BSD-2-Clause
//! Pipe round trip between two processes: message passing at heart.
use super::{Os, PIPE};
use crate::measure::{per_iteration, Samples};

/// One byte to a child over one pipe and one byte back over another.
pub fn pipe_rtt<O: Os>(os: &mut O, s: &mut Samples) -> Option<u64> {
    let (to_child_r, to_child_w) = os.pipe()?;
    let (to_parent_r, to_parent_w) = os.pipe()?;
    // The child echoes every byte until the parent closes its end.
    let pid = os.fork_with(&mut |os: &mut O| {
        os.close(to_child_w);
        os.close(to_parent_r);
        let mut byte = [0u8; 1];
        while os.read(to_child_r, &mut byte) == Some(1) {
            if os.write(to_parent_w, &byte) != Some(1) {
                return 1;
            }
        }
        0
    });
    os.close(to_child_r);
    os.close(to_parent_w);
    let mut failed = pid.is_none();
    let mut byte = [7u8; 1];
    let m = per_iteration(os, s, PIPE.warmup, PIPE.iters, |os, _| {
        if !failed {
            failed |= os.write(to_child_w, &byte) != Some(1);
            failed |= os.read(to_parent_r, &mut byte) != Some(1);
        }
    });
    os.close(to_child_w);
    if let Some(pid) = pid {
        failed |= os.waitpid(pid) != Some(0);
    }
    os.close(to_parent_r);
    (!failed).then_some(m)
}
