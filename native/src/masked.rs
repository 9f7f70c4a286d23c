//! Values that are already masked (`98XXXXXX10`, `liXX.X@shopkart.in`, `****1234`): a
//! redacted copy must rescan clean. The same test as `_looks_masked` in the Python engine.

use crate::pyre::is_alnum;

pub fn looks_masked(value: &str) -> bool {
    // Every candidate of a scan is asked, and most have no mask character at all.
    let bytes = value.as_bytes();
    if !has_mask_byte(bytes) {
        return false;
    }
    let part = match memchr::memchr(b'@', bytes) {
        Some(i) => &value[..i],
        None => value,
    };
    let masks = part.bytes().filter(|&b| b == b'X' || b == b'*').count();
    if masks == 0 {
        return false;
    }
    if part.chars().all(|c| c == 'X' || c == '*' || !is_alnum(c)) {
        return true;
    }
    if masks < 2 || (!part.contains("XX") && !part.contains("**")) {
        return false;
    }
    let alnum = part.chars().filter(|&c| is_alnum(c)).count();
    let stars = part.bytes().filter(|&b| b == b'*').count();
    masks * 10 >= 3 * (alnum + stars)
}

/// Whether `b` holds an `X` or a `*`, eight bytes at a time: candidates are short (a
/// phone, a name), where memchr2's vector setup cost ~95 instructions a call and a byte
/// loop ~10 a byte.
fn has_mask_byte(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // A byte of `w` equal to `c` is a zero byte of `w ^ c…c`; the classic test for a zero
    // byte sets a high bit only if some byte is zero.
    let any = |w: u64| {
        let x = w ^ (LO * b'X' as u64);
        let s = w ^ (LO * b'*' as u64);
        ((x.wrapping_sub(LO) & !x) | (s.wrapping_sub(LO) & !s)) & HI != 0
    };
    if b.len() < 8 {
        return b.iter().any(|&c| c == b'X' || c == b'*');
    }
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
    let mut i = 0;
    while i + 8 <= b.len() {
        if any(word(i)) {
            return true;
        }
        i += 8;
    }
    // The tail, as the last eight bytes (overlapping ones already seen).
    i < b.len() && any(word(b.len() - 8))
}

#[cfg(test)]
mod tests {
    use super::{has_mask_byte, looks_masked};

    #[test]
    fn when_a_mask_byte_is_anywhere_then_it_is_found() {
        for len in 0..40 {
            let plain: Vec<u8> = (0..len).map(|i| b"0123456789ab@.W+Y)"[i % 18]).collect();
            assert!(!has_mask_byte(&plain), "{len}");
            for at in 0..len {
                for c in [b'X', b'*'] {
                    let mut v = plain.clone();
                    v[at] = c;
                    assert!(has_mask_byte(&v), "{len} {at}");
                }
            }
        }
        // Bytes one off the mask bytes, and high bytes, are no mask.
        assert!(!has_mask_byte(b"WY)+\xff\x80\xd8\xaa\x2b\x29WYWY"));
    }

    #[test]
    fn when_mask_characters_then_masked() {
        assert!(looks_masked("98XXXXXX10"));
        assert!(looks_masked("X.X@yahoo.com"));
        assert!(looks_masked("****1234"));
        assert!(!looks_masked("9876543210"));
        assert!(!looks_masked("XAVIER"));
        assert!(!looks_masked(""));
        assert!(!looks_masked("@XXXX")); // the masks after the `@` do not count
        assert!(looks_masked("XXXXXX@XXXX"));
        assert!(looks_masked("\u{967}XX\u{967}")); // Devanagari digits are alphanumeric
        assert!(!looks_masked(
            "\u{967}\u{967}\u{967}\u{967}XX\u{967}\u{967}\u{967}"
        ));
    }
}
