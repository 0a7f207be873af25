//! Bounds-checked access to the guest's linear memory: every pointer the
//! guest passes goes through here, and a bad one is `EFAULT`, never a panic.

use super::errno::{Errno, WasiResult};

/// The guest's linear memory for the duration of one WASI call.
pub struct GuestMem<'a>(pub &'a mut [u8]);

impl GuestMem<'_> {
    fn range(&self, ptr: u32, len: u32) -> WasiResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.0.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    pub fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.0[r])
    }

    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.0[r])
    }

    fn array<const N: usize>(&self, ptr: u32) -> WasiResult<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.slice(ptr, N as u32)?);
        Ok(out)
    }

    pub fn read_u8(&self, ptr: u32) -> WasiResult<u8> {
        Ok(self.array::<1>(ptr)?[0])
    }
    pub fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }
    pub fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }
    pub fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> WasiResult<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> WasiResult<()> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> WasiResult<()> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// A guest string (a path or a symlink target): UTF-8, no NUL.
    pub fn read_str(&self, ptr: u32, len: u32) -> WasiResult<String> {
        let bytes = self.slice(ptr, len)?;
        if bytes.contains(&0) {
            return Err(Errno::Inval);
        }
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| Errno::Ilseq)
    }

    /// The `(ptr, len)` pairs of an iovec/ciovec array, all checked to lie
    /// inside memory before anything is read or written.
    pub fn iovecs(&self, iovs: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        let bytes = count.checked_mul(super::abi::IOVEC_SIZE).ok_or(Errno::Fault)?;
        self.range(iovs, bytes)?;
        let mut out = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = iovs + i * super::abi::IOVEC_SIZE;
            let (ptr, len) = (self.read_u32(at)?, self.read_u32(at + 4)?);
            self.range(ptr, len)?;
            out.push((ptr, len));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_efault() {
        let mut buf = vec![0u8; 16];
        let mut m = GuestMem(&mut buf);
        assert_eq!(m.read_u32(12), Ok(0));
        assert_eq!(m.read_u32(13), Err(Errno::Fault));
        assert_eq!(m.read_u64(u32::MAX), Err(Errno::Fault));
        assert_eq!(m.write_u64(9, 1), Err(Errno::Fault));
        assert_eq!(m.slice(16, 0).map(<[u8]>::len), Ok(0));
        assert_eq!(m.slice(17, 0), Err(Errno::Fault));
        // An iovec whose buffer runs off the end.
        m.write_u32(0, 8).unwrap();
        m.write_u32(4, 9).unwrap();
        assert_eq!(m.iovecs(0, 1), Err(Errno::Fault));
        assert_eq!(m.iovecs(0, u32::MAX), Err(Errno::Fault));
    }
}
