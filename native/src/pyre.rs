//! Python `re` patterns for PCRE2, with Python's meaning kept.
//!
//! The detectors are written once, as Python patterns, and both engines run those very
//! strings. Where Rust's classes differ from Python's they are spelled out:
//! Python's `\w` is letters, numbers and `_` (Rust's also takes marks and connectors), its
//! `\s` also takes the separators U+001C–U+001F, its `\b` is a boundary of its own `\w`, and
//! its `$` also matches before a final newline.

use std::sync::OnceLock;

/// A compiled detector pattern: PCRE2 with its JIT, in UTF-8 mode with Unicode properties,
/// where `\w`, `\d` and `\b` mean what they mean in Python (`\w` is letters, numbers
/// and `_`).
pub type Pattern = crate::pcre::Pattern;

const SPACE_EXTRA: &str = r"\x{1C}-\x{1F}";
/// Python's word characters: letters, numbers and `_`.
const WORD: &str = r"\p{L}\p{N}_";

pub const IGNORECASE: u32 = 2;
pub const MULTILINE: u32 = 8;
pub const DOTALL: u32 = 16;
pub const VERBOSE: u32 = 64;

/// `pattern` (Python syntax, compiled with `flags`) in PCRE2 syntax. PCRE2 with UCP reads
/// Python's syntax the same way except for `\s`, where Python also takes the separators
/// U+001C–U+001F, `\w` (and so `\b`), where PCRE2 also takes combining marks, and named
/// groups, which become numbered ones (same numbers).
pub fn translate(pattern: &str, flags: u32) -> String {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut prefix = String::new();
    for (bit, letter) in [
        (IGNORECASE, 'i'),
        (MULTILINE, 'm'),
        (DOTALL, 's'),
        (VERBOSE, 'x'),
    ] {
        if flags & bit != 0 {
            prefix.push(letter);
        }
    }
    if !prefix.is_empty() {
        out.push_str("(?");
        out.push_str(&prefix);
        out.push(')');
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false; // just after `[` or `[^`, where `]` is a literal
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let e = chars[i + 1];
            i += 2;
            match (e, in_class) {
                ('s', false) => out.push_str(&format!(r"[\s{SPACE_EXTRA}]")),
                ('S', false) => out.push_str(&format!(r"[^\s{SPACE_EXTRA}]")),
                ('s', true) => out.push_str(&format!(r"\s{SPACE_EXTRA}")),
                ('Z', false) => out.push_str(r"\z"),
                // PCRE2 10.43+ takes combining marks (Mn) and connectors (Pc) into UCP `\w`,
                // as Perl does; Python's `\w` is `str.isalnum()` or `_`. (`\W` inside a class
                // cannot be spelled as a union and keeps PCRE2's meaning; no built-in
                // detector writes it.)
                ('w', false) => out.push_str(&format!("[{WORD}]")),
                ('w', true) => out.push_str(WORD),
                ('W', false) => out.push_str(&format!("[^{WORD}]")),
                ('b', false) => out.push_str(&format!(
                    "(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))"
                )),
                ('B', false) => out.push_str(&format!(
                    "(?:(?<=[{WORD}])(?=[{WORD}])|(?<![{WORD}])(?![{WORD}]))"
                )),
                _ => {
                    out.push('\\');
                    out.push(e);
                }
            }
            class_start = false;
            continue;
        }
        if in_class {
            if c == ']' && !class_start {
                in_class = false;
            }
            class_start = c == '^' && class_start && chars[i - 1] == '[';
            out.push(c);
            i += 1;
            continue;
        }
        if c == '(' && chars[i..].starts_with(&['(', '?', 'P', '<']) {
            while i < chars.len() && chars[i] != '>' {
                i += 1;
            }
            out.push('(');
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            class_start = true;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A Python pattern compiled for the native engine.
pub fn compile(pattern: &str, flags: u32) -> Result<Pattern, String> {
    Pattern::new(&translate(pattern, flags))
        .map_err(|e| format!("pattern does not compile for the native engine ({e})"))
}

/// A Python pattern compiled for `re.fullmatch`: anchored at both ends of the subject. In
/// verbose mode a newline closes the pattern first, so a trailing `#` comment cannot swallow
/// the anchors.
pub fn compile_full(pattern: &str, flags: u32) -> Result<Pattern, String> {
    let close = if flags & VERBOSE != 0 { "\n" } else { "" };
    compile(&format!("\\A(?:{pattern}{close})\\z"), flags)
}

fn letter_re() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^\p{L}$").expect("letter class"))
}

fn alnum_re() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^[\p{L}\p{N}]$").expect("alnum class"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_python_pattern_then_pcre2_meaning() {
        assert_eq!(translate(r"\w\s", 0), r"[\p{L}\p{N}_][\s\x{1C}-\x{1F}]");
        assert_eq!(translate(r"[\w.]", 0), r"[\p{L}\p{N}_.]");
        assert_eq!(translate(r"[^\s.]", 0), r"[^\s\x{1C}-\x{1F}.]");
        assert_eq!(translate(r"(?P<v>a)\1", 0), r"(a)\1");
        assert_eq!(translate(r"[]a]$", 0), r"[]a]$");
        assert_eq!(translate(r"x", IGNORECASE), r"(?i)x");
        let p = compile(r"(?<![\w.])(?P<v>\d{3})\b", 0).unwrap();
        assert!(p.is_match("call 123 now"));
        assert!(!p.is_match("call x123 now"));
        // é is a word character, as in Python.
        assert!(!p.is_match("call 123é now"));
        // A combining mark (U+0591) is no word character in Python: PCRE2's own UCP `\w`
        // (10.43+) would take it and reject the number.
        let num = compile(r"(?P<v>\d{3})(?![\w])", 0).unwrap();
        assert!(num.is_match("call 123\u{0591}"));
        let word = compile(r"\bab\b", 0).unwrap();
        assert!(word.is_match("ab\u{0591}"));
        assert!(!word.is_match("abc"));
    }

    #[test]
    fn when_marks_then_not_alnum() {
        assert!(!is_alnum('\u{093F}')); // Devanagari vowel sign I: a mark, not a letter
        assert!(is_alnum('क'));
        assert!(is_alnum('²'));
        assert!(!is_letter('²'));
    }
}
