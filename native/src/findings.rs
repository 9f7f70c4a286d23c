//! The two derived columns of a findings row, `fingerprint` (keyed HMAC-SHA256 of the
//! normalised value) and `preview` (the masked form an analyst sees), for a whole batch of
//! findings in one call: ported from `detectors/normalize.py` and `operators.preview`.
//!
//! Only ASCII values are handled here, which is nearly every value a lake holds (phones,
//! ids, e-mails, most names); for any other value the answer is `None` and the caller uses
//! the Python functions, so Unicode case folding and `str.isalnum` stay in one place.

use hmac::{Hmac, Mac};
use sha2::Sha256;

const SECRET_ENTITIES: &[&str] = &["AWS_ACCESS_KEY", "JWT", "PRIVATE_KEY", "SECRET"];
const FULLY_MASKED_EXTRA: &[&str] = &["CVV", "OTP_CODE"];
#[rustfmt::skip]
const ALNUM_UPPER: &[&str] = &[
    "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IN_AADHAAR", "IN_PAN", "IN_PASSPORT", "IN_GSTIN",
    "IN_VOTER", "IN_IFSC", "MAC_ADDRESS", "CVV", "OTP_CODE",
];
#[rustfmt::skip]
const AWS_PREFIXES: &[&str] = &[
    "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA",
];
const PREVIEW_MAX_CHARS: usize = 64;
const PREVIEW_MAX_REVEALED: usize = 4;

/// `str.isspace()` on an ASCII character (Python counts the separators U+001C–U+001F).
fn py_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1f'
    )
}

fn strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// `normalize(entity_type, value)` for an ASCII value (the tests' form of
/// [`normalize_into`]).
#[cfg(test)]
pub fn normalize(entity: &str, value: &str) -> String {
    let mut out = String::new();
    normalize_into(entity, value, &mut out);
    out
}

/// [`normalize`] written into `out` (cleared first): a column's values reuse one buffer,
/// where building a String per value (and a Vec of words, a `format!`) cost more than
/// the HMAC of short values.
pub fn normalize_into(entity: &str, value: &str, out: &mut String) {
    out.clear();
    match entity {
        "PHONE_NUMBER" => normalize_phone(value, out),
        "EMAIL_ADDRESS" | "IN_UPI_ID" => {
            out.push_str(strip(value));
            out.make_ascii_lowercase();
        }
        "PERSON" | "STREET_ADDRESS" => {
            for word in value.split(py_space).filter(|w| !w.is_empty()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
            out.make_ascii_lowercase();
        }
        e if ALNUM_UPPER.contains(&e) => out.extend(
            value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase()),
        ),
        _ => out.push_str(strip(value)),
    }
}

/// `normalize_phone`: E.164-like digits, Indian numbers gaining +91, into `out` (empty).
fn normalize_phone(value: &str, out: &mut String) {
    out.push('+');
    out.extend(value.chars().filter(char::is_ascii_digit));
    if value.trim_start_matches(py_space).starts_with('+') {
        return;
    }
    let digits = &out[1..];
    let n = digits.len();
    if digits.starts_with("00") && n > 10 {
        out.replace_range(1..3, "");
    } else if n == 10 {
        out.insert_str(1, "91");
    } else if n == 11 && digits.starts_with('0') {
        out.replace_range(1..2, "91");
    } // else 91 and ten digits, or anything else: the digits as written
}

/// `fingerprint`: hex HMAC-SHA256 of the normalised value under `keyed` (a MAC already
/// keyed once for the whole batch: a copy of its state per value, not a key schedule).
pub fn fingerprint(keyed: &Hmac<Sha256>, entity: &str, value: &str) -> String {
    let mut out = [0u8; 64];
    fingerprint_into(keyed, entity, value, &mut out, &mut String::new());
    String::from_utf8(out.to_vec()).expect("hex is ASCII")
}

/// [`fingerprint`] written as 64 hex bytes into `out`, for a column of them; `scratch`
/// holds the normalised value (any content; reused from value to value).
pub fn fingerprint_into(
    keyed: &Hmac<Sha256>,
    entity: &str,
    value: &str,
    out: &mut [u8; 64],
    scratch: &mut String,
) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut mac = keyed.clone();
    normalize_into(entity, value, scratch);
    mac.update(scratch.as_bytes());
    for (i, b) in mac.finalize().into_bytes().iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
}

/// `_split_at`: (local part, `@domain`) at the last `@`, `%40` or `%2540` of an e-mail or
/// UPI id, found the way `re.finditer(r"@|%(?:25)?40")` walks the value.
pub(crate) fn split_at<'a>(value: &'a str, entity: &str) -> Option<(&'a str, &'a str)> {
    if entity != "EMAIL_ADDRESS" && entity != "IN_UPI_ID" {
        return None;
    }
    let b = value.as_bytes();
    let (mut i, mut last) = (0, None);
    while i < b.len() {
        if b[i] == b'@' {
            last = Some(i);
            i += 1;
        } else if b[i..].starts_with(b"%2540") {
            last = Some(i);
            i += 5;
        } else if b[i..].starts_with(b"%40") {
            last = Some(i);
            i += 3;
        } else {
            i += 1;
        }
    }
    last.map(|at| (&value[..at], &value[at..]))
}

/// `_reveal_ends` on ASCII, in place: `masked` (the masked `value`) showing the first
/// `head` and last `tail` letters or digits of `value` again.
fn reveal_ends(value: &str, masked: &mut [u8], mut head: usize, mut tail: usize) {
    let b = value.as_bytes();
    let mut start = 0;
    while head > 0 {
        if b[start].is_ascii_alphanumeric() {
            head -= 1;
        }
        start += 1;
    }
    let mut stop = b.len();
    while tail > 0 {
        stop -= 1;
        if b[stop].is_ascii_alphanumeric() {
            tail -= 1;
        }
    }
    masked[..start].copy_from_slice(&b[..start]);
    masked[stop..].copy_from_slice(&b[stop..]);
}

/// `_reveal_initials` on ASCII, in place: the first letter or digit of each of the first
/// `budget` words (runs of letters and digits) shown again.
fn reveal_initials(value: &str, masked: &mut [u8], mut budget: usize) {
    let mut in_word = false;
    for (i, &c) in value.as_bytes().iter().enumerate() {
        let alnum = c.is_ascii_alphanumeric();
        if alnum && !in_word {
            if budget == 0 {
                break;
            }
            masked[i] = c;
            budget -= 1;
        }
        in_word = alnum;
    }
}

/// `preview(value, entity_type)` for an ASCII value.
pub fn preview(value: &str, entity: &str) -> String {
    let mut out = Vec::with_capacity(value.len() + 3);
    preview_into(value, entity, &mut out);
    String::from_utf8(out).expect("ASCII in, UTF-8 out")
}

/// [`preview`] appended to `out`: a column's previews go into one buffer, with no String
/// per value (nor the two copies the reveal steps made).
pub fn preview_into(value: &str, entity: &str, out: &mut Vec<u8>) {
    if SECRET_ENTITIES.contains(&entity) {
        let compact = strip(value);
        if entity == "AWS_ACCESS_KEY" && compact.len() >= 4 && AWS_PREFIXES.contains(&&compact[..4])
        {
            out.extend_from_slice(format!("{}…({})", &compact[..4], compact.len()).as_bytes());
        } else {
            out.extend_from_slice(format!("[{entity} len={}]", compact.len()).as_bytes());
        }
        return;
    }
    let parts = split_at(value, entity);
    let (local, domain) = parts.unwrap_or((value, ""));
    let start = out.len();
    out.extend(
        local
            .bytes()
            .map(|c| if c.is_ascii_alphanumeric() { b'X' } else { c }),
    );
    let n = local.bytes().filter(u8::is_ascii_alphanumeric).count();
    let fully = FULLY_MASKED_EXTRA.contains(&entity);
    let budget = if fully {
        0
    } else {
        PREVIEW_MAX_REVEALED.min(n / 3)
    };
    let masked = &mut out[start..];
    if budget == 0 {
        // fully masked
    } else if parts.is_some() {
        reveal_ends(local, masked, budget.min(2), 0);
    } else if entity == "PERSON" {
        reveal_initials(local, masked, budget);
    } else if entity == "CREDIT_CARD" {
        reveal_ends(local, masked, 0, budget);
    } else {
        let head = budget.div_ceil(2);
        reveal_ends(local, masked, head, budget - head);
    }
    out.extend_from_slice(domain.as_bytes());
    if out.len() - start > PREVIEW_MAX_CHARS {
        out.truncate(start + PREVIEW_MAX_CHARS - 1);
        out.extend_from_slice("…".as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_phones_are_written_differently_then_one_normal_form() {
        for v in [
            "+91 98765 43210",
            "098765-43210",
            "9876543210",
            "919876543210",
        ] {
            assert_eq!(normalize("PHONE_NUMBER", v), "+919876543210");
        }
        assert_eq!(normalize("PERSON", " Rahul \t Sharma "), "rahul sharma");
        assert_eq!(normalize("IN_PAN", "abcpe-1234f"), "ABCPE1234F");
    }

    #[test]
    fn when_previewed_then_python_forms() {
        assert_eq!(preview("9876543210", "PHONE_NUMBER"), "98XXXXXXX0");
        assert_eq!(
            preview("ravi.kumar@gmail.com", "EMAIL_ADDRESS"),
            "raXX.XXXXX@gmail.com"
        );
        assert_eq!(
            preview("ravi%40gmail.com", "EMAIL_ADDRESS"),
            "rXXX%40gmail.com"
        );
        assert_eq!(
            preview("4111 1111 1111 1111", "CREDIT_CARD"),
            "XXXX XXXX XXXX 1111"
        );
        assert_eq!(preview("Rahul Sharma", "PERSON"), "RXXXX SXXXXX");
        assert_eq!(
            preview("AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY"),
            "AKIA…(20)"
        );
        assert_eq!(preview("482913", "OTP_CODE"), "XXXXXX");
    }

    #[test]
    fn when_keyed_then_rfc4231_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        assert_eq!(
            fingerprint(&mac, "X", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
