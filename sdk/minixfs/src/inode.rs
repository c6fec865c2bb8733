// SPDX-License-Identifier: BSD-2-Clause
//! The 64-byte v3 inode (the v2 layout): mode, links, owner, size, three
//! times and ten zone numbers (7 direct, single, double, triple indirect).

pub const INODE_SIZE: usize = 64;
pub const NR_ZONES: usize = 10;
pub const NR_DIRECT_ZONES: usize = 7;
pub const IND_ZONE: usize = 7;
pub const DIND_ZONE: usize = 8;
pub const TIND_ZONE: usize = 9;

pub const S_IFMT: u16 = 0o170000;
pub const S_IFSOCK: u16 = 0o140000;
pub const S_IFLNK: u16 = 0o120000;
pub const S_IFREG: u16 = 0o100000;
pub const S_IFBLK: u16 = 0o060000;
pub const S_IFDIR: u16 = 0o040000;
pub const S_IFCHR: u16 = 0o020000;
pub const S_IFIFO: u16 = 0o010000;
/// Permission, set-id and sticky bits.
pub const S_IPERM: u16 = 0o7777;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskInode {
    pub mode: u16,
    pub nlinks: u16,
    pub uid: u16,
    pub gid: u16,
    pub size: u32,
    pub atime: u32,
    pub mtime: u32,
    pub ctime: u32,
    pub zone: [u32; NR_ZONES],
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}
fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl DiskInode {
    /// Decodes one inode slot; `raw` holds at least 64 bytes.
    pub fn decode(raw: &[u8]) -> Self {
        let mut zone = [0; NR_ZONES];
        for (i, z) in zone.iter_mut().enumerate() {
            *z = u32_at(raw, 24 + 4 * i);
        }
        DiskInode {
            mode: u16_at(raw, 0),
            nlinks: u16_at(raw, 2),
            uid: u16_at(raw, 4),
            gid: u16_at(raw, 6),
            size: u32_at(raw, 8),
            atime: u32_at(raw, 12),
            mtime: u32_at(raw, 16),
            ctime: u32_at(raw, 20),
            zone,
        }
    }

    pub fn encode(&self, out: &mut [u8]) {
        out[0..2].copy_from_slice(&self.mode.to_le_bytes());
        out[2..4].copy_from_slice(&self.nlinks.to_le_bytes());
        out[4..6].copy_from_slice(&self.uid.to_le_bytes());
        out[6..8].copy_from_slice(&self.gid.to_le_bytes());
        out[8..12].copy_from_slice(&self.size.to_le_bytes());
        out[12..16].copy_from_slice(&self.atime.to_le_bytes());
        out[16..20].copy_from_slice(&self.mtime.to_le_bytes());
        out[20..24].copy_from_slice(&self.ctime.to_le_bytes());
        for (i, z) in self.zone.iter().enumerate() {
            out[24 + 4 * i..28 + 4 * i].copy_from_slice(&z.to_le_bytes());
        }
    }

    pub fn file_type(&self) -> u16 {
        self.mode & S_IFMT
    }
    pub fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }
    pub fn is_reg(&self) -> bool {
        self.file_type() == S_IFREG
    }
    pub fn is_symlink(&self) -> bool {
        self.file_type() == S_IFLNK
    }
    /// Only these keep data in zones; device nodes keep their device number
    /// in zone 0, and fifos and sockets have none.
    pub fn has_zones(&self) -> bool {
        self.is_reg() || self.is_dir() || self.is_symlink()
    }
    pub fn is_device(&self) -> bool {
        matches!(self.file_type(), S_IFCHR | S_IFBLK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ino = DiskInode {
            mode: S_IFDIR | 0o755,
            nlinks: 2,
            uid: 3,
            gid: 4,
            size: 128,
            atime: 5,
            mtime: 6,
            ctime: 7,
            zone: [90, 1, 2, 3, 4, 5, 6, 7, 8, 0xdead_beef],
        };
        let mut raw = [0u8; 64];
        ino.encode(&mut raw);
        assert_eq!(&raw[0..4], &[0xed, 0x41, 2, 0]);
        assert_eq!(&raw[24..28], &[90, 0, 0, 0]);
        assert_eq!(DiskInode::decode(&raw), ino);
        assert!(ino.is_dir() && ino.has_zones() && !ino.is_device());
    }
}
