//! Custom sections: kept as ranges, and the two weft reads: `name`
//! (best effort, never an error) and `dylink.0` / legacy `dylink`.

use super::module::*;
use super::reader::{Reader, EOF_TOP};
use crate::error::Error;

/// Dylink.0 subsection types (tool-conventions DynamicLinking.md).
pub mod dylink_sub {
    pub const MEM_INFO: u8 = 1;
    pub const NEEDED: u8 = 2;
    pub const EXPORT_INFO: u8 = 3;
    pub const IMPORT_INFO: u8 = 4;
    pub const RUNTIME_PATH: u8 = 5;
}

/// Records the custom section whose payload (name included) is
/// `bytes[start..end]`, and reads it if weft knows it.
pub(crate) fn custom_section(m: &mut Module, bytes: &[u8], start: usize, end: usize) -> Result<(), Error> {
    let mut r = Reader::new(&bytes[start..end], start);
    r.set_eof_message(EOF_TOP);
    let name = r.name()?;
    let data = r.offset()..end;
    let payload = &bytes[data.clone()];
    match name.as_str() {
        // The first well-formed `name` section wins.
        "name" if m.names == Names::default() => {
            m.names = parse_names(payload, data.start).unwrap_or_default()
        }
        "dylink.0" if m.dylink.is_none() => m.dylink = Some(parse_dylink0(payload, data.start)?),
        "dylink" if m.dylink.is_none() => m.dylink = Some(parse_dylink_legacy(payload, data.start)?),
        _ => {}
    }
    m.customs.push(CustomSection { name, data });
    Ok(())
}

/// Subsections of the `name` section: 0 (module name) and 1 (function
/// names); others are skipped. Any malformation drops the whole section.
pub fn parse_names(payload: &[u8], base: usize) -> Result<Names, Error> {
    let mut names = Names::default();
    let mut r = Reader::new(payload, base);
    while !r.is_end() {
        let id = r.u8()?;
        let sub = r.byte_vec()?;
        let mut s = Reader::new(sub, 0);
        match id {
            0 => names.module = Some(s.name()?),
            1 => {
                let n = s.count()?;
                for _ in 0..n {
                    let index = s.u32()?;
                    let name = s.name()?;
                    names.funcs.push((index, name));
                }
            }
            _ => continue,
        }
        if !s.is_end() {
            return Err(s.error("name subsection size mismatch"));
        }
    }
    names.funcs.sort_by_key(|(i, _)| *i);
    names.funcs.dedup_by_key(|(i, _)| *i);
    Ok(names)
}

fn dylink_error(e: Error) -> Error {
    match e {
        Error::Malformed { offset, message } => {
            Error::malformed(offset, format!("malformed dylink.0 section: {message}"))
        }
        e => e,
    }
}

fn names_vec(s: &mut Reader<'_>) -> Result<Vec<String>, Error> {
    let n = s.count()?;
    let mut v = Vec::with_capacity(super::reader::capacity(n));
    for _ in 0..n {
        v.push(s.name()?);
    }
    Ok(v)
}

/// The `dylink.0` section: typed, sized subsections; unknown ones skipped.
pub fn parse_dylink0(payload: &[u8], base: usize) -> Result<Dylink, Error> {
    let mut d = Dylink::default();
    let mut r = Reader::new(payload, base);
    r.set_eof_message(EOF_TOP);
    let mut read = || -> Result<(), Error> {
        while !r.is_end() {
            let ty = r.u8()?;
            let at = r.offset();
            let sub = r.byte_vec()?;
            let mut s = Reader::new(sub, r.offset() - sub.len());
            s.set_eof_message(EOF_TOP);
            match ty {
                dylink_sub::MEM_INFO => {
                    d.mem_size = s.u32()?;
                    d.mem_align = s.u32()?;
                    d.table_size = s.u32()?;
                    d.table_align = s.u32()?;
                }
                dylink_sub::NEEDED => d.needed.extend(names_vec(&mut s)?),
                dylink_sub::EXPORT_INFO => {
                    let n = s.count()?;
                    for _ in 0..n {
                        let name = s.name()?;
                        let flags = s.u32()?;
                        d.export_info.push((name, flags));
                    }
                }
                dylink_sub::IMPORT_INFO => {
                    let n = s.count()?;
                    for _ in 0..n {
                        let module = s.name()?;
                        let field = s.name()?;
                        let flags = s.u32()?;
                        d.import_info.push((module, field, flags));
                    }
                }
                dylink_sub::RUNTIME_PATH => d.runtime_path.extend(names_vec(&mut s)?),
                _ => continue,
            }
            if !s.is_end() {
                return Err(Error::malformed(at, "subsection size mismatch"));
            }
        }
        Ok(())
    };
    read().map_err(dylink_error)?;
    Ok(d)
}

/// The legacy `dylink` section (LLVM 13 and older): one flat record.
pub fn parse_dylink_legacy(payload: &[u8], base: usize) -> Result<Dylink, Error> {
    let mut r = Reader::new(payload, base);
    r.set_eof_message(EOF_TOP);
    let mut read = || -> Result<Dylink, Error> {
        let mut d = Dylink { legacy: true, ..Dylink::default() };
        d.mem_size = r.u32()?;
        d.mem_align = r.u32()?;
        d.table_size = r.u32()?;
        d.table_align = r.u32()?;
        d.needed = names_vec(&mut r)?;
        if !r.is_end() {
            return Err(r.error("unexpected content after the needed list"));
        }
        Ok(d)
    };
    read().map_err(dylink_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_module;

    /// A custom section with the given name and payload (sizes < 128).
    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = vec![name.len() as u8];
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        let mut v = vec![0, body.len() as u8];
        v.extend_from_slice(&body);
        v
    }

    fn module(sections: &[Vec<u8>]) -> Vec<u8> {
        let mut v = b"\0asm\x01\0\0\0".to_vec();
        for s in sections {
            v.extend_from_slice(s);
        }
        v
    }

    fn sub(ty: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![ty, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn dylink0() {
        let mut payload = Vec::new();
        payload.extend(sub(dylink_sub::MEM_INFO, &[0x90, 0x01, 4, 3, 0]));
        payload.extend(sub(dylink_sub::NEEDED, b"\x02\x07libx.so\x07liby.so"));
        payload.extend(sub(9, b"ignored"));
        payload.extend(sub(dylink_sub::EXPORT_INFO, b"\x01\x03tls\x80\x02"));
        payload.extend(sub(dylink_sub::IMPORT_INFO, b"\x01\x03env\x01w\x11"));
        payload.extend(sub(dylink_sub::RUNTIME_PATH, b"\x01\x07$ORIGIN"));
        let m = decode_module(&module(&[custom("dylink.0", &payload)])).unwrap();
        let d = m.dylink.unwrap();
        assert_eq!((d.mem_size, d.mem_align, d.table_size, d.table_align), (144, 4, 3, 0));
        assert_eq!(d.needed, vec!["libx.so", "liby.so"]);
        assert_eq!(d.export_info, vec![("tls".to_string(), sym_flags::TLS)]);
        assert_eq!(
            d.import_info,
            vec![("env".to_string(), "w".to_string(), sym_flags::WEAK | sym_flags::UNDEFINED)]
        );
        assert_eq!(d.runtime_path, vec!["$ORIGIN"]);
        assert!(!d.legacy);
        assert_eq!(m.customs[0].name, "dylink.0");
    }

    #[test]
    fn dylink0_errors() {
        // A subsection longer than its content.
        let payload = sub(dylink_sub::MEM_INFO, &[1, 2, 3, 4, 5]);
        let e = decode_module(&module(&[custom("dylink.0", &payload)])).unwrap_err();
        assert_eq!(e.message(), "malformed dylink.0 section: subsection size mismatch");
        // A subsection cut short.
        let payload = sub(dylink_sub::MEM_INFO, &[1, 2]);
        let e = decode_module(&module(&[custom("dylink.0", &payload)])).unwrap_err();
        assert_eq!(e.message(), "malformed dylink.0 section: unexpected end");
    }

    #[test]
    fn legacy_dylink() {
        let m = decode_module(&module(&[custom("dylink", b"\x10\x02\x01\x00\x01\x04libc")])).unwrap();
        let d = m.dylink.unwrap();
        assert!(d.legacy);
        assert_eq!((d.mem_size, d.mem_align, d.table_size, d.table_align), (16, 2, 1, 0));
        assert_eq!(d.needed, vec!["libc"]);
    }

    #[test]
    fn names() {
        let n = parse_names(b"\x00\x02\x01m\x01\x08\x02\x03\x01c\x01\x02ab\x07\x01x", 0).unwrap();
        assert_eq!(n.module.as_deref(), Some("m"));
        assert_eq!(n.funcs, vec![(1, "ab".to_string()), (3, "c".to_string())]);
        assert_eq!(n.func(3), Some("c"));
        assert!(parse_names(b"\x01\x03\x01\x00", 0).is_err());
    }
}
