//! Values that are already masked (`98XXXXXX10`, `liXX.X@shopkart.in`, `****1234`): a
//! redacted copy must rescan clean. The same test as `_looks_masked` in the Python engine.

use crate::pyre::is_alnum;

pub fn looks_masked(value: &str) -> bool {
    // One pass to the `@` counts the mask characters: most values (every candidate of a
    // scan is asked) have none, and are answered here.
    let (mut end, mut masks) = (value.len(), 0usize);
    for (i, &b) in value.as_bytes().iter().enumerate() {
        match b {
            b'@' => {
                end = i;
                break;
            }
            b'X' | b'*' => masks += 1,
            _ => {}
        }
    }
    if masks == 0 {
        return false;
    }
    let part = &value[..end];
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
