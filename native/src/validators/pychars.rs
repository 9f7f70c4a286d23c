//! Python's character predicates and number parsing as the validators use them, exact for
//! the interpreter the tables were generated from (CPython 3.11, Unicode 14.0):
//! `str.isdecimal` (what `re`'s `\d` matches), `str.isdigit`, `str.isspace` (`\s`), `\w`,
//! `re.IGNORECASE` against an ASCII letter, and `int()` of a decimal string.

use crate::pyre::is_alnum;

/// The zero of every run of decimal digits (category Nd): each run is ten code points,
/// zero to nine (`[ord(c) for c in chars if c.isdecimal() and unicodedata.decimal(c) == 0]`).
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Digits that are not decimal (`c.isdigit() and not c.isdecimal()`): superscripts,
/// circled digits and the like.
const DIGIT_ONLY: [(u32, u32); 20] = [
    (0xB2, 0xB3),
    (0xB9, 0xB9),
    (0x1369, 0x1371),
    (0x19DA, 0x19DA),
    (0x2070, 0x2070),
    (0x2074, 0x2079),
    (0x2080, 0x2089),
    (0x2460, 0x2468),
    (0x2474, 0x247C),
    (0x2488, 0x2490),
    (0x24EA, 0x24EA),
    (0x24F5, 0x24FD),
    (0x24FF, 0x24FF),
    (0x2776, 0x277E),
    (0x2780, 0x2788),
    (0x278A, 0x2792),
    (0x10A40, 0x10A43),
    (0x10E60, 0x10E68),
    (0x11052, 0x1105A),
    (0x1F100, 0x1F10A),
];

/// The value of a decimal digit (`unicodedata.decimal`), None for any other character.
#[inline]
pub fn decimal_value(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.is_ascii_digit().then(|| c as u32 - 0x30);
    }
    let u = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= u);
    if i == 0 {
        return None;
    }
    let d = u - DECIMAL_ZEROS[i - 1];
    (d < 10).then_some(d)
}

/// `c.isdecimal()`: what `re`'s `\d` matches in a str pattern.
#[inline]
pub fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        decimal_value(c).is_some()
    }
}

/// `c.isdigit()`.
#[inline]
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let u = c as u32;
    decimal_value(c).is_some() || DIGIT_ONLY.iter().any(|&(a, b)| (a..=b).contains(&u))
}

/// `s.isdigit()`: not empty, and digits only.
pub fn str_is_digit(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_digit)
}

/// `c.isspace()`, which is also what `re`'s `\s` matches: Unicode's White_Space and the
/// separators U+001C–U+001F.
#[inline]
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `re`'s `\w` in a str pattern: `c.isalnum()` or `_`.
#[inline]
pub fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        is_alnum(c)
    }
}

/// `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Whether `c` matches the ASCII letter or digit `lit` under `re.IGNORECASE`: its cases,
/// and the few other characters whose case mapping or `re`'s equivalences lead to it
/// (`İ` and `ı` for `i`, the Kelvin sign for `k`, the long `ſ` for `s`).
#[inline]
pub fn caseless_eq(c: char, lit: u8) -> bool {
    if c.is_ascii() {
        return c.to_ascii_lowercase() as u8 == lit.to_ascii_lowercase();
    }
    matches!(
        (lit.to_ascii_lowercase(), c),
        (b'i', '\u{130}' | '\u{131}') | (b'k', '\u{212A}') | (b's', '\u{17F}')
    )
}

/// Whether `text` starts with the ASCII word `lit` under `re.IGNORECASE`; the byte length
/// matched when it does.
pub fn caseless_prefix(text: &str, lit: &str) -> Option<usize> {
    let mut it = text.char_indices();
    for &b in lit.as_bytes() {
        match it.next() {
            Some((_, c)) if caseless_eq(c, b) => {}
            _ => return None,
        }
    }
    Some(it.next().map_or(text.len(), |(i, _)| i))
}

/// Python's `str.upper()`.
pub fn upper(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_uppercase()
    } else {
        s.to_uppercase()
    }
}

/// Why `int(s)` raised.
#[derive(Debug, PartialEq, Eq)]
pub struct NotAnInt;

/// `int(s)` in base 10: surrounding whitespace, a sign, decimal digits of any script and
/// single underscores between digits. The value saturates at ±2^127 (the validators only
/// compare small numbers). The whitespace `int` strips is Unicode's White_Space, without
/// the separators U+001C–U+001F that `str.isspace` also takes.
pub fn int(s: &str) -> Result<i128, NotAnInt> {
    let t = s.trim_matches(char::is_whitespace);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut value: i128 = 0;
    let mut any = false;
    let mut after_underscore = false;
    for c in body.chars() {
        if c == '_' {
            if !any || after_underscore {
                return Err(NotAnInt);
            }
            after_underscore = true;
            continue;
        }
        let d = decimal_value(c).ok_or(NotAnInt)?;
        value = value.saturating_mul(10).saturating_add(d as i128);
        any = true;
        after_underscore = false;
    }
    if !any || after_underscore {
        return Err(NotAnInt);
    }
    Ok(if neg { -value } else { value })
}

/// `int(c, 36)` of one character: a decimal digit of any script, or an ASCII letter.
pub fn base36_digit(c: char) -> Option<u32> {
    if c.is_ascii_alphabetic() {
        return Some(c.to_ascii_lowercase() as u32 - 'a' as u32 + 10);
    }
    decimal_value(c)
}

/// Whether `chars` holds at least `k` distinct characters (`len(set(s)) >= k`), for the
/// small `k` validators ask: it stops at the `k`-th, and keeps them on the stack (it ran
/// on every card, Aadhaar and SSN candidate; a `Vec` per call was 3% of the core).
pub fn distinct_at_least<I: IntoIterator<Item = char>>(chars: I, k: usize) -> bool {
    const MOST: usize = 8;
    assert!(k <= MOST, "distinct_at_least counts up to {MOST}");
    if k == 0 {
        return true;
    }
    let mut seen = ['\0'; MOST];
    let mut n = 0;
    for c in chars {
        if !seen[..n].contains(&c) {
            seen[n] = c;
            n += 1;
            if n == k {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_characters_repeat_then_distinct_counts_them_once() {
        assert!(distinct_at_least("".chars(), 0));
        assert!(!distinct_at_least("".chars(), 1));
        assert!(distinct_at_least("1111".chars(), 1));
        assert!(!distinct_at_least("1111".chars(), 2));
        assert!(distinct_at_least("1112".chars(), 2));
        assert!(!distinct_at_least("121212".chars(), 3));
        assert!(distinct_at_least("1212123".chars(), 3));
        assert!(distinct_at_least("९९१".chars(), 2));
        assert!(!distinct_at_least("abcabc".chars(), 4));
    }

    #[test]
    fn when_digits_of_other_scripts_then_python_values() {
        assert_eq!(decimal_value('7'), Some(7));
        assert_eq!(decimal_value('٣'), Some(3));
        assert_eq!(decimal_value('९'), Some(9));
        assert_eq!(decimal_value('²'), None);
        assert!(is_digit('²') && !is_decimal('²'));
        assert!(is_digit('①'));
        assert_eq!(decimal_value('a'), None);
        assert_eq!(decimal_value('\u{65F}'), None);
    }

    #[test]
    fn when_int_then_as_python() {
        assert_eq!(int("0012"), Ok(12));
        assert_eq!(int(" -1_000 "), Ok(-1000));
        assert_eq!(int("٢٣"), Ok(23));
        assert_eq!(int(""), Err(NotAnInt));
        assert_eq!(int("1__0"), Err(NotAnInt));
        assert_eq!(int("_1"), Err(NotAnInt));
        assert_eq!(int("1_"), Err(NotAnInt));
        assert_eq!(int("²"), Err(NotAnInt));
        assert_eq!(int("+"), Err(NotAnInt));
        assert_eq!(int("\u{a0}7\u{3000}"), Ok(7));
        assert_eq!(int("2\u{1e}"), Err(NotAnInt));
    }

    #[test]
    fn when_ignorecase_then_python_equivalences() {
        assert!(caseless_eq('S', b's') && caseless_eq('\u{17F}', b's'));
        assert!(caseless_eq('\u{130}', b'i') && caseless_eq('\u{131}', b'i'));
        assert!(caseless_eq('\u{212A}', b'k'));
        assert!(!caseless_eq('\u{130}', b'k'));
        assert_eq!(caseless_prefix("SECONDS left", "seconds"), Some(7));
        assert_eq!(caseless_prefix("ſec", "sec"), Some(4));
        assert_eq!(caseless_prefix("se", "sec"), None);
    }

    #[test]
    fn when_space_then_python_isspace() {
        assert!(is_space('\u{1c}') && is_space('\u{85}') && is_space('\u{3000}'));
        assert!(!is_space('\u{200b}') && !is_space('\u{180e}'));
        assert_eq!(strip("\u{a0} a b\u{1f}"), "a b");
    }
}
