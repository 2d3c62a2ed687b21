//! A small reader of the kernel's BTF (`/sys/kernel/btf/vmlinux`): enough to learn whether a
//! function exists, what its prototype returns, and where a struct member lives.
//!
//! Format: `Documentation/bpf/btf.rst` (header, type section of `btf_type` records each
//! followed by kind-specific data, string section). Only little-endian BTF is read, which is
//! what x86_64 and arm64 kernels carry.

use std::collections::HashMap;

/// Why a BTF blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BtfError {
    /// The blob is shorter than its header or its sections say.
    #[error("btf data is truncated at byte {offset}: expected a complete {what}")]
    Truncated {
        /// Where reading stopped.
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// The magic number is not 0xeb9f (little-endian BTF).
    #[error("btf magic is '{magic:#06x}', expected '0xeb9f' (little-endian btf)")]
    BadMagic {
        /// The magic found.
        magic: u16,
    },
    /// A type kind this reader does not know.
    #[error("btf type {id} has unknown kind '{kind}'")]
    UnknownKind {
        /// The type id.
        id: u32,
        /// The kind number.
        kind: u32,
    },
}

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

/// The C type a function returns, as far as the probe cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnType {
    /// `void`.
    Void,
    /// `bool` (BTF int with the BOOL encoding).
    Bool,
    /// Another integer of `size` bytes.
    Int {
        /// Size in bytes.
        size: u32,
        /// True for signed types.
        signed: bool,
    },
    /// A pointer.
    Pointer,
    /// Anything else (struct by value, enum, …).
    Other,
}

/// A function's prototype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuncSig {
    /// What it returns.
    pub ret: ReturnType,
    /// Number of parameters.
    pub params: u32,
}

#[derive(Debug, Clone)]
struct Type {
    name_off: u32,
    kind: u32,
    kind_flag: bool,
    size_or_type: u32,
    /// INT: the encoding word. Others: unused.
    int_info: u32,
    /// STRUCT/UNION: (name_off, type, offset word); FUNC_PROTO: (name_off, type, 0).
    members: Vec<(u32, u32, u32)>,
}

/// Parsed BTF.
#[derive(Debug, Clone)]
pub struct Btf {
    types: Vec<Type>,
    strings: Vec<u8>,
    funcs: HashMap<String, u32>,
    structs: HashMap<String, u32>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn u32(&mut self, what: &'static str) -> Result<u32, BtfError> {
        let end = self.pos + 4;
        let bytes = self.data.get(self.pos..end).ok_or(BtfError::Truncated {
            offset: self.pos,
            what,
        })?;
        self.pos = end;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
}

fn le_u32(data: &[u8], at: usize, what: &'static str) -> Result<u32, BtfError> {
    Cursor { data, pos: at }.u32(what)
}

impl Btf {
    /// Parses a raw BTF blob such as `/sys/kernel/btf/vmlinux`.
    pub fn parse(data: &[u8]) -> Result<Btf, BtfError> {
        let magic_bytes = data.get(0..2).ok_or(BtfError::Truncated {
            offset: 0,
            what: "header",
        })?;
        let magic = u16::from_le_bytes([magic_bytes[0], magic_bytes[1]]);
        if magic != 0xeb9f {
            return Err(BtfError::BadMagic { magic });
        }
        let hdr_len = le_u32(data, 4, "header")? as usize;
        let type_off = le_u32(data, 8, "header")? as usize;
        let type_len = le_u32(data, 12, "header")? as usize;
        let str_off = le_u32(data, 16, "header")? as usize;
        let str_len = le_u32(data, 20, "header")? as usize;
        let types_start = hdr_len + type_off;
        let types_end = types_start + type_len;
        let str_start = hdr_len + str_off;
        let strings = data
            .get(str_start..str_start + str_len)
            .ok_or(BtfError::Truncated {
                offset: str_start,
                what: "string section",
            })?
            .to_vec();
        let section = data.get(..types_end).ok_or(BtfError::Truncated {
            offset: types_start,
            what: "type section",
        })?;
        let mut cur = Cursor {
            data: section,
            pos: types_start,
        };
        let mut types = Vec::new();
        while cur.pos < types_end {
            let id = types.len() as u32 + 1;
            let name_off = cur.u32("type")?;
            let info = cur.u32("type")?;
            let size_or_type = cur.u32("type")?;
            let vlen = info & 0xffff;
            let kind = (info >> 24) & 0x1f;
            let kind_flag = info >> 31 == 1;
            let mut t = Type {
                name_off,
                kind,
                kind_flag,
                size_or_type,
                int_info: 0,
                members: vec![],
            };
            match kind {
                KIND_INT => t.int_info = cur.u32("int")?,
                KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
                | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => {}
                KIND_ARRAY => {
                    for _ in 0..3 {
                        cur.u32("array")?;
                    }
                }
                KIND_STRUCT | KIND_UNION => {
                    for _ in 0..vlen {
                        let m = (cur.u32("member")?, cur.u32("member")?, cur.u32("member")?);
                        t.members.push(m);
                    }
                }
                KIND_ENUM => {
                    for _ in 0..vlen * 2 {
                        cur.u32("enum")?;
                    }
                }
                KIND_ENUM64 | KIND_DATASEC => {
                    for _ in 0..vlen * 3 {
                        cur.u32("enum64/datasec")?;
                    }
                }
                KIND_FUNC_PROTO => {
                    for _ in 0..vlen {
                        let p = (cur.u32("param")?, cur.u32("param")?, 0);
                        t.members.push(p);
                    }
                }
                KIND_VAR | KIND_DECL_TAG => {
                    cur.u32("var/decl_tag")?;
                }
                other => return Err(BtfError::UnknownKind { id, kind: other }),
            }
            types.push(t);
        }
        let mut btf = Btf {
            types,
            strings,
            funcs: HashMap::new(),
            structs: HashMap::new(),
        };
        for (i, t) in btf.types.iter().enumerate() {
            let id = i as u32 + 1;
            let name = btf.name(t.name_off);
            if name.is_empty() {
                continue;
            }
            match t.kind {
                KIND_FUNC => {
                    btf.funcs.entry(name.to_owned()).or_insert(id);
                }
                // Keep the first complete definition; forward declarations have no members.
                KIND_STRUCT if !t.members.is_empty() => {
                    btf.structs.entry(name.to_owned()).or_insert(id);
                }
                _ => {}
            }
        }
        Ok(btf)
    }

    fn name(&self, off: u32) -> &str {
        let start = off as usize;
        let Some(rest) = self.strings.get(start..) else {
            return "";
        };
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        std::str::from_utf8(&rest[..end]).unwrap_or("")
    }

    fn get(&self, id: u32) -> Option<&Type> {
        if id == 0 {
            return None;
        }
        self.types.get(id as usize - 1)
    }

    /// Follows typedefs and qualifiers to the underlying type id.
    fn resolve(&self, mut id: u32) -> u32 {
        for _ in 0..32 {
            match self.get(id) {
                Some(t)
                    if matches!(
                        t.kind,
                        KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG
                    ) =>
                {
                    id = t.size_or_type;
                }
                _ => break,
            }
        }
        id
    }

    /// True if and only if BTF has a function (`BTF_KIND_FUNC`) of this name.
    pub fn has_func(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// The prototype of function `name`, if BTF has it.
    pub fn func(&self, name: &str) -> Option<FuncSig> {
        let func = self.get(*self.funcs.get(name)?)?;
        let proto = self.get(func.size_or_type)?;
        if proto.kind != KIND_FUNC_PROTO {
            return None;
        }
        let ret_id = self.resolve(proto.size_or_type);
        let ret = match self.get(ret_id) {
            None => ReturnType::Void,
            Some(t) if t.kind == KIND_INT => {
                let encoding = (t.int_info >> 24) & 0xf;
                if encoding & 4 != 0 {
                    ReturnType::Bool
                } else {
                    ReturnType::Int {
                        size: t.size_or_type,
                        signed: encoding & 1 != 0,
                    }
                }
            }
            Some(t) if t.kind == KIND_PTR => ReturnType::Pointer,
            Some(_) => ReturnType::Other,
        };
        Some(FuncSig {
            ret,
            params: proto.members.len() as u32,
        })
    }

    /// Byte offset of `member` in `struct name`, looking inside anonymous struct and union
    /// members. `None` if the struct or member is absent, or the member is a bitfield.
    pub fn member_offset(&self, name: &str, member: &str) -> Option<u32> {
        let id = *self.structs.get(name)?;
        self.find_member(id, member, 0).map(|bits| bits / 8)
    }

    fn find_member(&self, id: u32, member: &str, depth: u32) -> Option<u32> {
        if depth > 8 {
            return None;
        }
        let t = self.get(id)?;
        if t.kind != KIND_STRUCT && t.kind != KIND_UNION {
            return None;
        }
        for &(name_off, type_id, offset_word) in &t.members {
            let (bit_off, bitfield) = if t.kind_flag {
                (offset_word & 0xff_ffff, offset_word >> 24)
            } else {
                (offset_word, 0)
            };
            let mname = self.name(name_off);
            if mname == member {
                return (bitfield == 0 && bit_off % 8 == 0).then_some(bit_off);
            }
            if mname.is_empty() {
                let inner = self.resolve(type_id);
                if let Some(found) = self.find_member(inner, member, depth + 1) {
                    return Some(bit_off + found);
                }
            }
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds little-endian BTF blobs for tests.
    #[derive(Default)]
    pub(crate) struct BtfBuilder {
        types: Vec<u8>,
        strings: Vec<u8>,
        next_id: u32,
    }

    impl BtfBuilder {
        pub(crate) fn new() -> Self {
            BtfBuilder {
                types: vec![],
                strings: vec![0],
                next_id: 1,
            }
        }
        fn s(&mut self, name: &str) -> u32 {
            if name.is_empty() {
                return 0;
            }
            let off = self.strings.len() as u32;
            self.strings.extend_from_slice(name.as_bytes());
            self.strings.push(0);
            off
        }
        fn w(&mut self, v: u32) {
            self.types.extend_from_slice(&v.to_le_bytes());
        }
        fn head(&mut self, name: &str, kind: u32, vlen: u32, kind_flag: bool, st: u32) -> u32 {
            let n = self.s(name);
            self.w(n);
            self.w((kind << 24) | vlen | if kind_flag { 1 << 31 } else { 0 });
            self.w(st);
            let id = self.next_id;
            self.next_id += 1;
            id
        }
        pub(crate) fn int(&mut self, name: &str, size: u32, encoding: u32) -> u32 {
            let id = self.head(name, KIND_INT, 0, false, size);
            self.w((encoding << 24) | (size * 8));
            id
        }
        pub(crate) fn ptr(&mut self, to: u32) -> u32 {
            self.head("", KIND_PTR, 0, false, to)
        }
        pub(crate) fn typedef(&mut self, name: &str, to: u32) -> u32 {
            self.head(name, KIND_TYPEDEF, 0, false, to)
        }
        pub(crate) fn record(
            &mut self,
            union: bool,
            name: &str,
            size: u32,
            members: &[(&str, u32, u32)],
        ) -> u32 {
            let kind = if union { KIND_UNION } else { KIND_STRUCT };
            let id = self.head(name, kind, members.len() as u32, false, size);
            for &(m, ty, byte_off) in members {
                let n = self.s(m);
                self.w(n);
                self.w(ty);
                self.w(byte_off * 8);
            }
            id
        }
        pub(crate) fn func(&mut self, name: &str, ret: u32, params: &[u32]) -> u32 {
            let proto = self.head("", KIND_FUNC_PROTO, params.len() as u32, false, ret);
            for &p in params {
                self.w(0);
                self.w(p);
            }
            self.head(name, KIND_FUNC, 0, false, proto)
        }
        pub(crate) fn build(&self) -> Vec<u8> {
            let mut out = Vec::new();
            out.extend_from_slice(&0xeb9fu16.to_le_bytes());
            out.push(1);
            out.push(0);
            for v in [24, 0, self.types.len() as u32, self.types.len() as u32] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&(self.strings.len() as u32).to_le_bytes());
            out.extend_from_slice(&self.types);
            out.extend_from_slice(&self.strings);
            out
        }
    }

    fn sample() -> Btf {
        let mut b = BtfBuilder::new();
        let boolean = b.int("_Bool", 1, 4);
        let int = b.int("int", 4, 1);
        let ulong = b.int("long unsigned int", 8, 0);
        let u64t = b.typedef("u64", ulong);
        let folio = b.record(false, "folio", 64, &[("flags", ulong, 0)]);
        let pfolio = b.ptr(folio);
        b.func("zswap_store", boolean, &[pfolio]);
        b.func("zswap_load", int, &[pfolio]);
        let inner = b.record(false, "", 16, &[("a", ulong, 0), ("memcg_data", ulong, 8)]);
        let un = b.record(true, "", 16, &[("", inner, 0), ("x", ulong, 0)]);
        b.record(false, "page", 64, &[("flags", ulong, 0), ("", un, 40)]);
        b.record(
            false,
            "kernfs_node",
            128,
            &[("count", int, 0), ("id", u64t, 96)],
        );
        Btf::parse(&b.build()).unwrap()
    }

    #[test]
    fn bool_return_is_detected() {
        let sig = sample().func("zswap_store").unwrap();
        assert_eq!(
            sig,
            FuncSig {
                ret: ReturnType::Bool,
                params: 1
            }
        );
    }

    #[test]
    fn int_return_is_detected() {
        let sig = sample().func("zswap_load").unwrap();
        assert_eq!(
            sig.ret,
            ReturnType::Int {
                size: 4,
                signed: true
            }
        );
    }

    #[test]
    fn missing_function_is_none() {
        assert!(sample().func("zswap_frontswap_store").is_none());
        assert!(!sample().has_func("zswap_frontswap_store"));
    }

    #[test]
    fn member_offset_of_plain_member() {
        assert_eq!(sample().member_offset("kernfs_node", "id"), Some(96));
    }

    #[test]
    fn member_offset_through_anonymous_union_and_struct() {
        assert_eq!(sample().member_offset("page", "memcg_data"), Some(48));
    }

    #[test]
    fn member_offset_missing_is_none() {
        assert_eq!(sample().member_offset("page", "nope"), None);
        assert_eq!(sample().member_offset("nope", "id"), None);
    }

    #[test]
    fn bad_magic_is_an_error() {
        assert_eq!(
            Btf::parse(&[0, 0, 0, 0]).unwrap_err(),
            BtfError::BadMagic { magic: 0 }
        );
    }

    #[test]
    fn truncated_blob_is_an_error() {
        let mut blob = BtfBuilder::new().build();
        blob[12] = 200; // type_len beyond the end
        assert!(matches!(Btf::parse(&blob), Err(BtfError::Truncated { .. })));
    }
}
