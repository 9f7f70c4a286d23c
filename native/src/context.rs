//! Context around a candidate, as `detectors/context.py` reads it: the key a value belongs
//! to and the lower-cased words just before it. Offsets are bytes of the line's text; the
//! limits are counted in code points, as in Python.

use std::borrow::Cow;

use crate::pyre::{is_alnum, is_letter};

pub const WINDOW: usize = 48;

/// The normalised key whose value starts at byte `start`, if the value follows one.
pub fn key_before(line: &str, start: usize) -> Option<Cow<'_, str>> {
    let head = &line[..start];
    let mut it = head.char_indices().rev().peekable();
    // Openers: up to 6 code points of ` \t"'([`.
    let mut steps = 0;
    while steps < 6 {
        match it.peek() {
            Some(&(_, ' ' | '\t' | '"' | '\'' | '(' | '[')) => {
                it.next();
                steps += 1;
            }
            _ => break,
        }
    }
    let (i, c) = it.next()?;
    if !matches!(c, '=' | ':' | '>') {
        return None;
    }
    let mut j = i;
    if c == '>' {
        if let Some(&(k, '=')) = it.peek() {
            j = k;
            it.next();
        }
    }
    // Closers: up to 4 code points of ` \t"']`.
    steps = 0;
    while steps < 4 {
        match it.peek() {
            Some(&(i, ' ' | '\t' | '"' | '\'' | ']')) => {
                j = i;
                it.next();
                steps += 1;
            }
            _ => break,
        }
    }
    let end = j;
    steps = 0;
    while steps < 49 {
        match it.peek() {
            Some(&(i, c)) if is_alnum(c) || matches!(c, '_' | '.' | '-') => {
                j = i;
                it.next();
                steps += 1;
            }
            _ => break,
        }
    }
    if j == end {
        return None;
    }
    let first = line[j..].chars().next()?;
    if !(is_letter(first) || first == '_') {
        return None;
    }
    Some(normalize_field(&line[j..end]))
}

/// `customerPhone`, `Customer-Phone` and `customer.phone` all become `customer_phone`;
/// JSON paths keep only their last key.
pub fn normalize_field(name: &str) -> Cow<'_, str> {
    let stripped = name.trim_matches(|c| c == '$' || c == '.');
    let leaf = stripped
        .split(['.', '[', ']', '$'])
        .rev()
        .find(|p| !p.is_empty() && !p.chars().all(is_py_digit))
        .unwrap_or(name);
    if already_snake(leaf) {
        // What snake_case would give back; borrowed, since every candidate with a key
        // asks (an allocation and a free, ~150 instructions).
        return Cow::Borrowed(leaf);
    }
    Cow::Owned(snake_case(leaf))
}

/// The general steps of [`normalize_field`] on a key's leaf: `_` before an upper-case
/// letter that follows a lower-case one or a digit, Python's lower-casing, and every run
/// of other characters a single `_` between words.
fn snake_case(leaf: &str) -> String {
    let mut snake = String::with_capacity(leaf.len() + 4);
    let mut prev: Option<char> = None;
    for c in leaf.chars() {
        if c.is_ascii_uppercase()
            && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            snake.push('_');
        }
        snake.push(c);
        prev = Some(c);
    }
    let lower = crate::text::py_lower(&snake);
    let mut out = String::with_capacity(lower.len());
    let mut gap = false;
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Whether [`normalize_field`] leaves `leaf` as it is: lower-case ASCII letters and digits
/// in runs joined by single `_`. Most keys are (`customer_name`), and the three strings the
/// general steps build cost ~1,500 instructions a candidate on a name column.
fn already_snake(leaf: &str) -> bool {
    let b = leaf.as_bytes();
    let word = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.first().is_some_and(word)
        && b.last().is_some_and(word)
        && b.iter().all(|c| word(c) || *c == b'_')
        && !b.windows(2).any(|w| w == b"__")
}

fn is_py_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.to_digit(10).is_some())
}

/// The lower-cased `WINDOW` code points before byte `start`, into `out` (a buffer kept
/// across candidates: one allocation per candidate was a visible share of a dense scan).
pub fn window_before(line: &str, ascii: bool, start: usize, out: &mut String) {
    let lo = crate::text::back_chars(line, ascii, start, WINDOW);
    out.clear();
    let head = &line[lo..start];
    if head.is_ascii() {
        out.push_str(head);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&crate::text::py_lower(head));
    }
}

/// A hint matches a whole underscore-separated run of the field's parts: `_{hint}_` is in
/// `_{field}_` (Python's test), checked in place. It runs for every candidate of a column
/// with hints, and the two strings formatted per hint were a seventh of a column scan.
pub fn field_matches(field: &str, hints: &[String]) -> bool {
    if field.is_empty() {
        return false;
    }
    let f = field.as_bytes();
    hints.iter().any(|hint| {
        let h = hint.as_bytes();
        // `_{hint}_` at padded offset i: the hint at field offset i, with the padding or an
        // underscore on either side.
        h.len() <= f.len()
            && (0..=f.len() - h.len()).any(|i| {
                (i == 0 || f[i - 1] == b'_')
                    && (i + h.len() == f.len() || f[i + h.len()] == b'_')
                    && f[i..].starts_with(h)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_key_value_then_key_found() {
        let line = "user customerPhone=9876543210";
        assert_eq!(key_before(line, 19).as_deref(), Some("customer_phone"));
        let json = r#"{"mobile": "9876543210"}"#;
        assert_eq!(key_before(json, 12).as_deref(), Some("mobile"));
        assert_eq!(key_before("call 9876543210", 5), None);
        assert_eq!(
            key_before("'pan' => 'ABCDE1234F'", 10).as_deref(),
            Some("pan")
        );
    }

    #[test]
    fn when_json_path_then_last_key() {
        assert_eq!(normalize_field("$.contacts[0].mobileNo"), "mobile_no");
        assert_eq!(normalize_field("Customer-Phone"), "customer_phone");
        assert_eq!(normalize_field("a.b[0]"), "b");
    }

    #[test]
    fn when_a_key_is_already_snake_case_then_the_quick_path_gives_what_the_steps_give() {
        // Every string of up to five characters over an alphabet that holds each case the
        // steps treat apart: lower, upper, digit, `_`, another separator, non-ASCII.
        let alphabet = ['a', 'Z', '7', '_', '-', 'é'];
        let mut words = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
            words.dedup();
        }
        for w in &words {
            if already_snake(w) {
                assert_eq!(&snake_case(w), w, "{w:?}");
            }
        }
        assert!(already_snake("customer_name") && already_snake("line1"));
        assert!(!already_snake("_name") && !already_snake("a__b") && !already_snake("Name"));
    }

    #[test]
    fn when_hint_is_part_then_matches() {
        let hints = vec!["phone".to_string()];
        assert!(field_matches("customer_phone", &hints));
        assert!(!field_matches("headphones", &hints));
        assert!(field_matches("phone", &hints));
        assert!(field_matches("phone_no", &hints));
        assert!(!field_matches("phone2", &hints));
        assert!(!field_matches("", &hints));
        assert!(!field_matches("phone", &[]));
        // as `"_" + hint + "_" in "_" + field + "_"` with odd hints
        let odd = |h: &str, f: &str| field_matches(f, &[h.to_string()]);
        assert!(odd("", "a__b") && odd("", "_a") && odd("", "a_") && !odd("", "a_b"));
        assert!(odd("_x", "a__x") && odd("_x", "_x") && !odd("_x", "a_x"));
        assert!(odd("x_", "x__a") && !odd("x_", "x_a"));
        assert!(!odd("long_hint", "long"));
    }
}
