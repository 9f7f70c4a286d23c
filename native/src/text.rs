//! Lines as the Python engine sees them: UTF-8 decoded with `surrogateescape`, offsets in
//! code points.
//!
//! Rust strings cannot hold the lone surrogates Python uses for undecodable bytes, so each
//! invalid byte becomes one private-use character (U+10FF00 + byte). It is one code point,
//! like the surrogate, and like it no regex class but a negated one matches it, so spans
//! and their code-point offsets come out the same.

use std::borrow::Cow;

const ESCAPE_BASE: u32 = 0x10FF00;

/// `bytes` decoded the way Python's `bytes.decode("utf-8", "surrogateescape")` does, with
/// undecodable bytes as private-use stand-ins.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    // Most lines are ASCII, which `is_ascii` tells in a fraction of `from_utf8`'s time on
    // a short line (a column value: ~25 instructions against ~110).
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(decode_lossless(bytes)),
    }
}

fn decode_lossless(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let good = e.valid_up_to();
                // SAFETY-free: the prefix was just validated.
                out.push_str(std::str::from_utf8(&bytes[..good]).unwrap_or_default());
                let bad = e.error_len().unwrap_or(bytes.len() - good);
                for &b in &bytes[good..good + bad] {
                    out.push(char::from_u32(ESCAPE_BASE + b as u32).unwrap_or('\u{FFFD}'));
                }
                bytes = &bytes[good + bad..];
            }
        }
    }
}

/// Byte offsets of a decoded line mapped to code points (and back), built only for lines
/// that are not ASCII.
pub struct Positions {
    /// Byte offset of every code point, plus the length at the end; empty for ASCII.
    starts: Vec<u32>,
}

impl Positions {
    pub fn new(text: &str) -> Positions {
        if text.is_ascii() {
            return Positions { starts: Vec::new() };
        }
        let mut starts: Vec<u32> = text.char_indices().map(|(i, _)| i as u32).collect();
        starts.push(text.len() as u32);
        Positions { starts }
    }

    pub fn is_ascii(&self) -> bool {
        self.starts.is_empty()
    }

    /// Code-point offset of byte offset `b` (a char boundary).
    pub fn cp(&self, b: usize) -> usize {
        if self.starts.is_empty() {
            return b;
        }
        self.starts.partition_point(|&s| (s as usize) < b)
    }

    /// Byte offset of code-point offset `c`.
    pub fn byte(&self, c: usize) -> usize {
        if self.starts.is_empty() {
            return c;
        }
        self.starts[c.min(self.starts.len() - 1)] as usize
    }

    /// Number of code points in the line.
    pub fn len_cp(&self, text: &str) -> usize {
        if self.starts.is_empty() {
            text.len()
        } else {
            self.starts.len() - 1
        }
    }
}

/// The byte offset `n` code points before byte offset `b` (or 0). `ascii` says the text
/// is ASCII, which makes it a subtraction: the callers know it once per line.
pub fn back_chars(text: &str, ascii: bool, b: usize, n: usize) -> usize {
    if ascii || n == 0 {
        return b.saturating_sub(n);
    }
    match text[..b].char_indices().rev().nth(n - 1) {
        Some((i, _)) => i,
        None => 0,
    }
}

/// The char just before byte offset `b`.
pub fn char_before(text: &str, b: usize) -> Option<char> {
    text[..b].chars().next_back()
}

/// The char at byte offset `b`.
pub fn char_at(text: &str, b: usize) -> Option<char> {
    text[b..].chars().next()
}

/// Python's `str.lower()`.
pub fn py_lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// The bytes a decoded line came from: the inverse of [`decode`].
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let u = c as u32;
        if (ESCAPE_BASE..ESCAPE_BASE + 0x100).contains(&u) {
            out.push((u - ESCAPE_BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}
