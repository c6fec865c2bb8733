// SPDX-License-Identifier: BSD-2-Clause
use super::*;

fn block(path: &[u8], args: &[&[u8]], env: &[&[u8]]) -> Result<Vec<u8>, Errno> {
    let mut out = vec![0u8; BLOCK_MAX as usize];
    let n = write_block(&mut out, path, args.iter().copied(), env.iter().copied())?;
    out.truncate(n);
    Ok(out)
}

#[test]
fn block_round_trip() {
    let b = block(b"/bin/x", &[b"x", b"-v", b""], &[b"A=1"]).unwrap();
    let p = ArgBlock::parse(&b).unwrap();
    assert_eq!(p.path, b"/bin/x");
    assert_eq!((p.argc, p.envc), (3, 1));
    assert_eq!(p.args().collect::<Vec<_>>(), vec![&b"x"[..], b"-v", b""]);
    assert_eq!(p.env().collect::<Vec<_>>(), vec![&b"A=1"[..]]);
    let none = block(b"/a", &[], &[]).unwrap();
    let p = ArgBlock::parse(&none).unwrap();
    assert_eq!(p.all().count(), 0);
}

#[test]
fn block_errors() {
    assert_eq!(block(&[b'a'; 1025], &[], &[]), Err(ENAMETOOLONG));
    assert_eq!(block(b"/a", &[b"x\0y"], &[]), Err(EINVAL));
    // Exactly ARG_MAX fits; one byte more is E2BIG.
    let fill = ARG_MAX as usize - 8 * 3 - 1;
    let big = vec![b'a'; fill];
    assert!(block(b"/a", &[&big], &[]).is_ok());
    let bigger = vec![b'a'; fill + 1];
    assert_eq!(block(b"/a", &[&bigger], &[]), Err(E2BIG));
    let good = block(b"/bin/x", &[b"x"], &[b"A=1"]).unwrap();
    let mut bad = good.clone();
    bad[0] = b'Y';
    assert_eq!(ArgBlock::parse(&bad), Err(EINVAL));
    let mut bad = good.clone();
    bad[4] = 5; // argc 5: too few strings
    assert_eq!(ArgBlock::parse(&bad), Err(EINVAL));
    let mut bad = good.clone();
    bad.push(b'z'); // bytes after the last NUL
    assert_eq!(ArgBlock::parse(&bad), Err(EINVAL));
    let mut bad = good.clone();
    bad[12] = 0; // an empty path
    assert!(ArgBlock::parse(&bad).is_err());
    let mut bad = good.clone();
    bad[17] = 0; // a NUL in the path
    assert_eq!(ArgBlock::parse(&bad), Err(ENOENT));
    let mut bad = good.clone();
    bad[12..16].copy_from_slice(&2000u32.to_le_bytes());
    assert_eq!(ArgBlock::parse(&bad), Err(ENAMETOOLONG));
    let mut bad = good;
    bad[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(ArgBlock::parse(&bad), Err(E2BIG));
    for n in 0..40 {
        let _ = ArgBlock::parse(&[b'X'; 40][..n]);
    }
}

fn word(img: &[u8], sp: u32, addr: u64) -> u64 {
    let at = (addr - sp as u64) as usize;
    u64::from_le_bytes(img[at..at + 8].try_into().unwrap())
}

fn cstr(img: &[u8], sp: u32, addr: u64) -> Vec<u8> {
    let at = (addr - sp as u64) as usize;
    img[at..].iter().take_while(|&&c| c != 0).copied().collect()
}

#[test]
fn stack_layout_as_start_code_reads_it() {
    let aux = AuxInfo { phdr: 0x40_0040, phnum: 4, entry: 0x40_1000, random: [7; 16], ..Default::default() };
    let mut img = vec![0u8; STACK_IMAGE_MAX as usize];
    let args: [&[u8]; 2] = [b"prog", b"arg one"];
    let env: [&[u8]; 1] = [b"HOME=/"];
    let (sp, len) = build_stack(&mut img, STACK_TOP, b"/bin/prog", args.iter().copied(), env.iter().copied(), &aux).unwrap();
    assert_eq!(sp % 16, 0);
    assert_eq!(sp as usize + len, STACK_TOP as usize);
    let img = &img[..len];
    let sp64 = sp as u64;
    assert_eq!(word(img, sp, sp64), 2);
    assert_eq!(cstr(img, sp, word(img, sp, sp64 + 8)), b"prog");
    assert_eq!(cstr(img, sp, word(img, sp, sp64 + 16)), b"arg one");
    assert_eq!(word(img, sp, sp64 + 24), 0);
    assert_eq!(cstr(img, sp, word(img, sp, sp64 + 32)), b"HOME=/");
    assert_eq!(word(img, sp, sp64 + 40), 0);
    let mut at = sp64 + 48;
    let mut seen = std::collections::HashMap::new();
    loop {
        let (k, v) = (word(img, sp, at), word(img, sp, at + 8));
        at += 16;
        if k == AT_NULL {
            break;
        }
        seen.insert(k, v);
    }
    assert_eq!(seen[&AT_PHDR], 0x40_0040);
    assert_eq!(seen[&AT_PHNUM], 4);
    assert_eq!(seen[&AT_ENTRY], 0x40_1000);
    assert_eq!(seen[&AT_PAGESZ], 4096);
    assert_eq!(cstr(img, sp, seen[&AT_EXECFN]), b"/bin/prog");
    let r = (seen[&AT_RANDOM] - sp64) as usize;
    assert_eq!(&img[r..r + 16], &[7; 16]);
    // Nothing overlaps: the strings start past the vectors.
    assert!(word(img, sp, sp64 + 8) >= at);
    // No arguments at all still gives two NULLs.
    let mut img2 = vec![0u8; 4096];
    let (sp2, _) = build_stack(&mut img2, STACK_TOP, b"/x", [].into_iter(), [].into_iter(), &aux).unwrap();
    assert_eq!(word(&img2, sp2, sp2 as u64), 0);
    assert_eq!(word(&img2, sp2, sp2 as u64 + 8), 0);
    assert_eq!(word(&img2, sp2, sp2 as u64 + 16), 0);
    assert_eq!(word(&img2, sp2, sp2 as u64 + 24), AT_PHDR);
    // stack_bytes says exactly how much build_stack writes.
    assert_eq!(stack_bytes(b"/bin/prog", args.iter().copied(), env.iter().copied()), len);
    assert_eq!(block_bytes(b"/a", [&b"xy"[..]].into_iter(), [].into_iter()), BLOCK_HEADER as usize + 2 + 3);
    // Too small a buffer is E2BIG.
    assert_eq!(build_stack(&mut [0u8; 64], STACK_TOP, b"/x", [].into_iter(), [].into_iter(), &aux), Err(E2BIG));
}

#[test]
fn description_checks() {
    let head = [1u8; 100];
    let stack = [2u8; 64];
    let mut d = Description::header(5000, 100, 3, 64, STACK_TOP - 64).to_vec();
    d.extend_from_slice(&head);
    d.extend_from_slice(&[9, 9, 9]);
    d.extend_from_slice(&stack);
    let p = Description::parse(&d).unwrap();
    assert_eq!((p.file_size, p.head.len(), p.tails, p.stack.len(), p.sp), (5000, 100, &[9u8, 9, 9][..], 64, STACK_TOP - 64));
    assert_eq!(Description::parse(&d[..d.len() - 1]), Err(EINVAL));
    let mut bad = d.clone();
    bad[16..20].copy_from_slice(&(STACK_TOP - 48).to_le_bytes());
    assert_eq!(Description::parse(&bad), Err(EINVAL));
    let mut bad = d.clone();
    bad[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(Description::parse(&bad), Err(EINVAL));
    for n in 0..30 {
        let _ = Description::parse(&d[..n]);
    }
}
