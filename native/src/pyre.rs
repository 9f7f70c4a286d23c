//! Python `re` patterns for fancy-regex, with Python's meaning kept.
//!
//! The detectors are written once, as Python patterns, and both engines run those very
//! strings. Where Rust's classes differ from Python's they are spelled out:
//! Python's `\w` is letters, numbers and `_` (Rust's also takes marks and connectors), its
//! `\s` also takes the separators U+001C–U+001F, its `\b` is a boundary of its own `\w`, and
//! its `$` also matches before a final newline.

use regex::Regex;
use std::sync::OnceLock;

const WORD: &str = r"\p{L}\p{N}_";
const SPACE: &str = r"\s\x1C-\x1F";

pub const IGNORECASE: u32 = 2;
pub const MULTILINE: u32 = 8;
pub const DOTALL: u32 = 16;
pub const VERBOSE: u32 = 64;

/// `pattern` (Python syntax, compiled with `flags`) in fancy-regex syntax.
pub fn translate(pattern: &str, flags: u32) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut prefix = String::new();
    if flags & IGNORECASE != 0 {
        prefix.push('i');
    }
    if flags & MULTILINE != 0 {
        prefix.push('m');
    }
    if flags & DOTALL != 0 {
        prefix.push('s');
    }
    if flags & VERBOSE != 0 {
        prefix.push('x');
    }
    if !prefix.is_empty() {
        out.push_str("(?");
        out.push_str(&prefix);
        out.push(')');
    }
    let multiline = flags & MULTILINE != 0;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false; // just after `[` or `[^`, where `]` is a literal
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            i += 2;
            let piece: String = match (e, in_class) {
                ('w', false) => format!("[{WORD}]"),
                ('W', false) => format!("[^{WORD}]"),
                ('s', false) => format!("[{SPACE}]"),
                ('S', false) => format!("[^{SPACE}]"),
                ('w', true) => WORD.to_string(),
                ('W', true) => format!("[^{WORD}]"),
                ('s', true) => SPACE.to_string(),
                ('S', true) => format!("[^{SPACE}]"),
                ('b', false) => format!("(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))"),
                ('B', false) => format!("(?:(?<=[{WORD}])(?=[{WORD}])|(?<![{WORD}])(?![{WORD}]))"),
                ('Z', false) => r"\z".to_string(),
                (' ', _) => " ".to_string(),
                ('#', _) => r"\#".to_string(),
                _ => format!("\\{e}"),
            };
            out.push_str(&piece);
            class_start = false;
            continue;
        }
        if in_class {
            if c == ']' && !class_start {
                in_class = false;
            } else if c == '[' {
                out.push_str(r"\[");
                i += 1;
                class_start = false;
                continue;
            } else if c == '&' || c == '~' || c == '-' && chars.get(i + 1) == Some(&'-') {
                // Rust reads `&&`, `~~` and `--` in a class as set operations.
                out.push('\\');
            }
            class_start = c == '^' && class_start && chars[i - 1] == '[';
            out.push(c);
            i += 1;
            continue;
        }
        if c == '(' && chars[i..].starts_with(&['(', '?', 'P', '<']) {
            // A named group becomes a numbered one (same number, as in Python): fancy-regex
            // refuses numbered backreferences (`\2`) once a group has a name.
            while i < chars.len() && chars[i] != '>' {
                i += 1;
            }
            out.push('(');
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                class_start = true;
                out.push('[');
            }
            '$' if !multiline => out.push_str(r"(?=\n?\z)"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn letter_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\p{L}$").expect("letter class"))
}

fn alnum_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[\p{L}\p{N}]$").expect("alnum class"))
}

/// Python's `str.isalpha()` for one character (categories L*).
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    let mut buf = [0u8; 4];
    letter_re().is_match(c.encode_utf8(&mut buf))
}

/// Python's `str.isalnum()` for one character (categories L* and N*).
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let mut buf = [0u8; 4];
    alnum_re().is_match(c.encode_utf8(&mut buf))
}

/// Python's `str.isdigit()` for one character, close enough for validators that only ever
/// see ASCII digits from their own patterns.
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric() && c.to_digit(10).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_word_class_then_python_meaning() {
        assert_eq!(translate(r"\w", 0), r"[\p{L}\p{N}_]");
        assert_eq!(translate(r"[^\w.]", 0), r"[^\p{L}\p{N}_.]");
        assert_eq!(translate(r"a$", 0), r"a(?=\n?\z)");
        assert_eq!(translate(r"[$]", 0), r"[$]");
        assert_eq!(translate(r"[]a]", 0), r"[]a]");
        assert_eq!(translate(r"x", IGNORECASE), r"(?i)x");
    }

    #[test]
    fn when_marks_then_not_alnum() {
        assert!(!is_alnum('\u{093F}')); // Devanagari vowel sign I: a mark, not a letter
        assert!(is_alnum('क'));
        assert!(is_alnum('²'));
        assert!(!is_letter('²'));
    }
}
