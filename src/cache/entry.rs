//! The file format of one cache entry, and reading it back with every
//! check: a truncated, corrupted or foreign file is `None`, never a panic.
//!
//! ```text
//! magic "JITUFUNC-CACHE\n" | u32 format | field key | field meta | field object | u64 checksum
//! field = u64 length (little endian) + bytes
//! ```
//! The key is the whole key text (compared exactly, so a hash collision in
//! the file name cannot load the wrong code); the checksum is FNV-1a over
//! everything before it.

pub const MAGIC: &[u8] = b"JITUFUNC-CACHE\n";
pub const FORMAT: u32 = 1;

/// FNV-1a, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&(field.len() as u64).to_le_bytes());
    out.extend_from_slice(field);
}

/// The bytes of an entry.
pub fn encode(key: &str, meta: &[u8], object: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + 32 + key.len() + meta.len() + object.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    push_field(&mut out, key.as_bytes());
    push_field(&mut out, meta);
    push_field(&mut out, object);
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }
}

/// The meta and object fields of `bytes`, if it is an intact entry of this
/// format for exactly `key`.
pub fn decode<'a>(bytes: &'a [u8], key: &str) -> Option<(&'a [u8], &'a [u8])> {
    if bytes.len() < MAGIC.len() + 4 + 8 {
        return None;
    }
    let (body, sum) = bytes.split_at(bytes.len() - 8);
    if fnv1a(body).to_le_bytes() != sum {
        return None;
    }
    let mut r = Reader {
        bytes: body,
        pos: 0,
    };
    if r.take(MAGIC.len())? != MAGIC {
        return None;
    }
    if u32::from_le_bytes(r.take(4)?.try_into().ok()?) != FORMAT {
        return None;
    }
    if r.field()? != key.as_bytes() {
        return None;
    }
    let meta = r.field()?;
    let object = r.field()?;
    (r.pos == body.len()).then_some((meta, object))
}

/// A list of strings as bytes (length-prefixed), for the meta field.
pub fn encode_strings(items: &[String]) -> Vec<u8> {
    let mut out = vec![];
    for s in items {
        push_field(&mut out, s.as_bytes());
    }
    out
}

pub fn decode_strings(bytes: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader { bytes, pos: 0 };
    let mut items = vec![];
    while r.pos < bytes.len() {
        items.push(String::from_utf8(r.field()?.to_vec()).ok()?);
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_is_detected() {
        let bytes = encode("key", b"meta", b"object code");
        assert_eq!(
            decode(&bytes, "key"),
            Some((&b"meta"[..], &b"object code"[..]))
        );
        assert_eq!(decode(&bytes, "other key"), None);
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut], "key"), None, "truncated at {cut}");
        }
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert_eq!(decode(&bad, "key"), None, "byte {i} flipped");
        }
        let strings = vec!["a".to_string(), String::new(), "line\nline".to_string()];
        assert_eq!(decode_strings(&encode_strings(&strings)), Some(strings));
        assert_eq!(decode_strings(&[1, 0, 0]), None);
    }
}
