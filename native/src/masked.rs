//! Values that are already masked (`98XXXXXX10`, `liXX.X@shopkart.in`, `****1234`): a
//! redacted copy must rescan clean. The same test as `_looks_masked` in the Python engine.

use crate::pyre::is_alnum;

pub fn looks_masked(value: &str) -> bool {
    // Every candidate of a scan is asked, and most have no mask character at all: one
    // memchr2 answers them.
    let bytes = value.as_bytes();
    if memchr::memchr2(b'X', b'*', bytes).is_none() {
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

#[cfg(test)]
mod tests {
    use super::looks_masked;

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
