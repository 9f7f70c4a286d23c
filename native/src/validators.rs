//! Validators of the built-in detectors, ported from their Python modules. A detector whose
//! validator has no port here calls its Python hook (phone numbers through libphonenumber,
//! custom detectors' hooks), or a screen answers for the hook where it is sure (a +91
//! mobile, a JWT header that is plain JSON) and calls it for the rest.
//!
//! Each port returns exactly what its Python function returns, for any value and line:
//! offsets are bytes here and code points there, `\d` is any decimal digit, `\s` and
//! `str.strip` take Unicode spaces, `re.IGNORECASE` takes `ſ`, `K`, `İ` and `ı` (see
//! `pychars`). Where the Python function raises (a Verhoeff or GSTIN check over digits of
//! another script), the port sets the same Python exception, which the scan raises at its
//! end as the hook's would, and rejects the candidate.

mod jwt;
mod pychars;

use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;

use crate::context::key_before;
use crate::engine::Line;
use crate::text::{back_chars, char_at, char_before, py_lower};
use pychars::{
    base36_digit, caseless_prefix, decimal_value, distinct_at_least, int, is_decimal, is_digit,
    is_space, is_word, str_is_digit, strip, upper,
};

/// Word lists the validators read (`first_names`, `last_names`, `all_first_names`), given
/// once by the Python side from `detectors/names.py`, so both engines use the same lists.
/// Hashed with FxHash: a name column asks two or three lookups a value, and std's SipHash
/// (keyed against collisions an attacker could insert) cost more than the lookups; these
/// sets are fixed at start and only read.
static DICTIONARIES: OnceLock<FxHashMap<String, FxHashSet<String>>> = OnceLock::new();

pub fn set_dictionaries(lists: HashMap<String, Vec<String>>) {
    let _ = DICTIONARIES.set(
        lists
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect(),
    );
}

/// Whether `word` is in the named list (false when the list was not given).
pub fn in_dictionary(list: &str, word: &str) -> bool {
    DICTIONARIES
        .get()
        .and_then(|d| d.get(list))
        .is_some_and(|s| s.contains(word))
}

/// `validate(value, line, start, end)`: None rejects, else a score delta. Offsets are bytes
/// of `line.text`.
pub type Check = fn(&str, &Line, usize, usize) -> Option<f64>;

pub enum Validator {
    None,
    Builtin(Check),
    /// Python's hook, unless the screen rejects the value first.
    Screened(Screen),
    Python,
}

/// The port of a built-in validator, by the name the Python side gives it
/// (`PORTED` in `detectors/native.py`).
pub fn builtin(name: &str) -> Option<Check> {
    Some(match name {
        "indian_mobile" => indian_mobile,
        "email" => email,
        "card" => card,
        "aadhaar" => aadhaar,
        "ipv4" => ipv4,
        "ipv6" => ipv6,
        "person_pair" => person_pair,
        "address_free" => address_free,
        "person_key_value" => person_key_value,
        "address_key_value" => address_key_value,
        "person_titled" => person_titled,
        "otp" => otp,
        "birth_date" => birth_date,
        "not_placeholder" => not_placeholder,
        "bearer" => bearer,
        "ssn" => ssn,
        "iban" => iban,
        "gstin" => gstin,
        "ifsc" => ifsc,
        "mac" => mac,
        "device" => device,
        _ => return None,
    })
}

/// A screen's answer on a value: the Python validator's verdict, where it is certain, or
/// a call to the validator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Screened {
    Decided(Option<f64>),
    Ask,
}

/// A cheap Rust test that answers for a validator that stays in Python where it can; the
/// values it cannot answer for go to Python.
pub type Screen = fn(&str) -> Screened;

/// The screen of a validator that stays in Python, by name.
pub fn screen(name: &str) -> Option<Screen> {
    match name {
        "international" => Some(international),
        "jwt" => Some(jwt::screen),
        _ => None,
    }
}

/// `_international`'s first test: a +91 number written as an Indian mobile is in_mobile's
/// (answered without libphonenumber, whose parse costs ~100 µs); the rest is Python's.
fn international(value: &str) -> Screened {
    if indian_mobile_form(value) {
        Screened::Decided(None)
    } else {
        Screened::Ask
    }
}

fn indian_mobile_form(value: &str) -> bool {
    if value.is_ascii() {
        return indian_mobile_form_ascii(value.as_bytes());
    }
    indian_mobile_form_regex(value)
}

/// [`indian_mobile_form_regex`] on ASCII text, where `\d` is `[0-9]`: +91 or 0091, an
/// optional space or hyphen, then ten digits from 6–9 written whole, 5-5 or 3-3-4.
fn indian_mobile_form_ascii(b: &[u8]) -> bool {
    let rest = match b {
        [b'+', b'9', b'1', rest @ ..] | [b'0', b'0', b'9', b'1', rest @ ..] => rest,
        _ => return false,
    };
    let rest = match rest {
        [b' ' | b'-', tail @ ..] => tail,
        _ => rest,
    };
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let sep = |c: u8| c == b' ' || c == b'-';
    if !matches!(rest.first(), Some(b'6'..=b'9')) {
        return false;
    }
    match rest.len() {
        10 => digits(&rest[1..]),
        11 => digits(&rest[1..5]) && sep(rest[5]) && digits(&rest[6..]),
        12 => {
            digits(&rest[1..3])
                && sep(rest[3])
                && digits(&rest[4..7])
                && sep(rest[7])
                && digits(&rest[8..])
        }
        _ => false,
    }
}

fn indian_mobile_form_regex(value: &str) -> bool {
    static FORM: OnceLock<crate::pyre::Pattern> = OnceLock::new();
    let form = FORM.get_or_init(|| {
        crate::pyre::compile(
            r"\A(?:(?:\+|00)91[ \-]?(?:[6-9]\d{9}|[6-9]\d{4}[ \-]\d{5}|[6-9]\d{2}[ \-]\d{3}[ \-]\d{4}))\z",
            0,
        )
        .expect("the Indian mobile form compiles")
    });
    form.is_match(value)
}

/// Test hook, `detectors._native._validate(name, line, start, end)`: the port `name` run on
/// `line` (bytes: UTF-8, undecodable bytes as `surrogateescape` writes them) with the value
/// `line[start:end]` (code points), as the Python validator is called. Raises what the
/// Python validator would raise.
#[pyfunction]
#[pyo3(name = "_validate")]
#[allow(dead_code)] // registered by lib.rs where the hook is wanted
pub fn validate_builtin(
    py: Python<'_>,
    name: &str,
    line: &[u8],
    start: usize,
    end: usize,
) -> PyResult<Option<f64>> {
    let check = builtin(name)
        .ok_or_else(|| PyValueError::new_err(format!("no native validator {name:?}")))?;
    let text = crate::text::decode(line);
    let line = Line::new(&text);
    if start > end || end > line.pos.len_cp(&text) {
        return Err(PyValueError::new_err("offsets outside the line"));
    }
    let (a, b) = (line.pos.byte(start), line.pos.byte(end));
    let result = check(&text[a..b], &line, a, b);
    match PyErr::take(py) {
        Some(err) => Err(err),
        None => Ok(result),
    }
}

/// Test hook, `detectors._native._screen(name, value)`: the screen `name`'s answer on
/// `value`, as (decided, verdict): (True, the verdict the Python validator would give) or
/// (False, None) where the screen asks Python.
#[pyfunction]
#[pyo3(name = "_screen")]
#[allow(dead_code)] // registered by lib.rs where the hook is wanted
pub fn screen_value(name: &str, value: &str) -> PyResult<(bool, Option<f64>)> {
    let screen =
        screen(name).ok_or_else(|| PyValueError::new_err(format!("no screen {name:?}")))?;
    Ok(match screen(value) {
        Screened::Decided(verdict) => (true, verdict),
        Screened::Ask => (false, None),
    })
}

/// What a Python validator raised.
enum Raised {
    Index(&'static str),
    Value(&'static str),
    /// A ValueError whose message ends with the `repr` of a str.
    ValueRepr(&'static str, String),
}

/// Rejects the candidate and sets the Python exception the Python validator raises on it
/// (unless one is already set: the first wins, as the first ends a Python scan). The core
/// raises it after the scan, as it does a hook's.
#[cold]
fn raise(err: Raised) -> Option<f64> {
    // SAFETY: Py_IsInitialized may be called at any time, with or without the GIL.
    if unsafe { pyo3::ffi::Py_IsInitialized() } != 0 {
        Python::with_gil(|py| {
            if PyErr::occurred(py) {
                return;
            }
            match err {
                Raised::Index(m) => PyIndexError::new_err(m),
                Raised::Value(m) => PyValueError::new_err(m),
                Raised::ValueRepr(m, arg) => {
                    PyValueError::new_err(format!("{m}{}", py_repr(py, &arg)))
                }
            }
            .restore(py)
        });
    }
    None
}

/// Python's `repr` of `s` as the Python side holds it (undecodable bytes as surrogates).
fn py_repr(py: Python<'_>, s: &str) -> String {
    let bytes = pyo3::types::PyBytes::new(py, &crate::text::encode(s));
    bytes
        .call_method1("decode", ("utf-8", "surrogateescape"))
        .and_then(|o| o.repr())
        .map(|r| r.to_string())
        .unwrap_or_else(|_| format!("{s:?}"))
}

/// `int(s)`, raising its ValueError as Python does.
fn py_int(s: &str) -> Result<i128, Option<f64>> {
    int(s).map_err(|_| {
        raise(Raised::ValueRepr(
            "invalid literal for int() with base 10: ",
            s.to_string(),
        ))
    })
}

/// The value of a string of decimal digits (`int(s)` of what `\d` matched).
fn decimal_number<I: IntoIterator<Item = char>>(chars: I) -> u64 {
    chars.into_iter().fold(0u64, |n, c| {
        n.saturating_mul(10)
            .saturating_add(decimal_value(c).unwrap_or(0) as u64)
    })
}

/// `luhn_valid` of `detectors/checksums.py` over any characters (`ord(ch) - 48`).
fn luhn_chars(chars: &[char]) -> bool {
    let mut total: i64 = 0;
    for (i, &c) in chars.iter().rev().enumerate() {
        let mut d = c as i64 - 48;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        total += d;
    }
    total.rem_euclid(10) == 0
}

// ---------------------------------------------------------------- common.py

/// `inside_number_run`: a value written in space-separated groups with another bare number
/// beside it across a single space (HDFS's `081111 060015 21733`, a list of fan speeds) is
/// a window of a longer run of numbers. `start`/`end` are byte offsets into `text`.
fn inside_number_run(value: &str, text: &str, start: usize, end: usize) -> bool {
    value.contains(' ')
        && (bare_number(text[..start].chars().rev()) || bare_number(text[end..].chars()))
}

/// `_bare_number_before` / `_bare_number_after`, walking away from the value: a space, one
/// or more decimals, then the line's edge or a character that does not glue the number to a
/// word, a time, a decimal, a date or a path.
fn bare_number(mut walk: impl Iterator<Item = char>) -> bool {
    if walk.next() != Some(' ') {
        return false;
    }
    let mut digits = 0usize;
    for c in walk {
        if is_decimal(c) {
            digits += 1;
        } else {
            return digits > 0 && !(is_word(c) || matches!(c, ':' | '.' | '-' | '/'));
        }
    }
    digits > 0
}

// ---------------------------------------------------------------- phones.py

/// `_indian_mobile`.
fn indian_mobile(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    let mut n = 0usize;
    let mut head = [' '; 2];
    let mut all_digits = !value.is_empty();
    for c in value.chars() {
        if is_decimal(c) {
            if n < 2 {
                head[n] = c;
            }
            n += 1;
        } else if !is_digit(c) {
            all_digits = false;
        }
    }
    let prefixed = head[0] == '0' || (n >= 2 && head == ['9', '1']);
    if n > 10 && !prefixed {
        return None;
    }
    if inside_number_run(value, line.text, start, end) {
        return None;
    }
    Some(if n > 10 || !all_digits { 0.2 } else { 0.0 })
}

// ---------------------------------------------------------------- generic.py

#[rustfmt::skip]
const COMMON_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "mobi",
    "app", "dev", "io", "ai", "co", "me", "tv", "xyz", "online", "site", "store", "shop",
    "tech", "cloud", "email", "live", "today", "world", "life", "news", "blog", "club", "top",
    "vip", "work", "space", "website", "digital", "agency", "solutions", "services",
    "company", "network", "media", "global", "group", "systems", "bank", "insure", "health",
    "academy", "school", "university", "travel", "finance", "money", "ltd", "llc", "inc",
    "page", "one", "art", "design", "studio", "fashion", "food", "guru", "ninja", "rocks",
    "social", "team", "tips", "zone", "in",
];
#[rustfmt::skip]
const FILE_LIKE: &[&str] = &[
    "js", "ts", "py", "sh", "rb", "pm", "gz", "db", "so", "md", "rs", "cs", "go", "kt", "hs",
    "ml", "jar",
];

/// `_email`.
fn email(value: &str, line: &Line, start: usize, _end: usize) -> Option<f64> {
    if start > 0 && char_before(line.text, start) == Some('*') {
        return None;
    }
    let b = value.as_bytes();
    let token_user = (b.len() >= 4 && &b[..2] == b"gh" && b"pousr".contains(&b[2]) && b[3] == b'_')
        || b.starts_with(b"glpat-")
        || (b.len() >= 4
            && &b[..3] == b"xox"
            && b"abprs".contains(&b[3])
            && b.get(4) == Some(&b'-'));
    if token_user || in_message_id(line.text, start) {
        return None;
    }
    let last = value.rsplit('.').next().unwrap_or(value);
    // Lower-cased without an allocation when it already is (the usual case).
    let tld = if last
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        std::borrow::Cow::Borrowed(last)
    } else {
        std::borrow::Cow::Owned(py_lower(last))
    };
    if COMMON_TLDS.contains(&tld.as_ref())
        || (tld.chars().count() == 2 && !FILE_LIKE.contains(&tld.as_ref()))
    {
        return Some(0.0);
    }
    None
}

/// `_in_message_id`: inside `<…>` after a message-id key (`message-id=<…@host>`), the
/// candidate names a message, not a mailbox.
fn in_message_id(text: &str, start: usize) -> bool {
    let mut lt = None;
    for (i, c) in text[..start].char_indices().rev() {
        if c == '<' {
            lt = Some(i);
            break;
        }
        if c == '>' || is_space(c) {
            return false;
        }
    }
    let Some(lt) = lt else { return false };
    // `_MESSAGE_ID_KEY` (ASCII, caseless) searched in the 40 characters before the `<`.
    let window: String = {
        let mut w: Vec<char> = text[..lt].chars().rev().take(40).collect();
        w.reverse();
        w.into_iter().collect()
    };
    let ascii_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let mut w = window.trim_end_matches(ascii_space);
    if let Some(rest) = w.strip_suffix([':', '=']) {
        w = rest.trim_end_matches(ascii_space);
    }
    let lower = w.to_ascii_lowercase();
    [
        "message-id",
        "message_id",
        "messageid",
        "in-reply-to",
        "references",
        "msgid",
    ]
    .iter()
    .any(|k| lower.ends_with(k))
}

/// Unit words that say the number before them is no code (`_NOT_A_CODE_AFTER`).
#[rustfmt::skip]
const NOT_A_CODE_AFTER: &[&str] = &[
    "s", "sec", "secs", "seconds", "ms", "min", "mins", "minutes", "hours", "hour", "attempts",
    "attempt", "retries", "times", "tries", "chars", "characters", "digits",
];

/// `_otp`: `_NOT_A_CODE_AFTER.match(line, end)` is
/// `\s*(?:s|sec|…|digits)\b` under IGNORECASE, anchored at `end`.
fn otp(_value: &str, line: &Line, _start: usize, end: usize) -> Option<f64> {
    let rest = &line.text[end..];
    let rest = rest.trim_start_matches(is_space);
    for word in NOT_A_CODE_AFTER {
        if let Some(n) = caseless_prefix(rest, word) {
            // The word ends with a letter (a word character), so `\b` wants none after it.
            if !rest[n..].chars().next().is_some_and(is_word) {
                return None;
            }
        }
    }
    Some(0.0)
}

/// `_birth_date`.
fn birth_date(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    // years[0]: the first run of four decimal digits (re.findall(r"\d{4}")).
    let chars: Vec<char> = value.chars().collect();
    let year = chars
        .windows(4)
        .find(|w| w.iter().all(|&c| is_decimal(c)))
        .map(|w| decimal_number(w.iter().copied()))?;
    if !(1900..=2026).contains(&year) {
        return None;
    }
    let rest = value.replace(&year.to_string(), "");
    // re.findall(r"\d{1,2}(?!\d)"): the last one or two digits of every run of digits.
    let mut run: Vec<char> = Vec::new();
    let mut numbers_ok = true;
    let mut flush = |run: &mut Vec<char>| {
        if !run.is_empty() {
            let tail = &run[run.len().saturating_sub(2)..];
            let n = decimal_number(tail.iter().copied());
            if n == 0 || n > 31 {
                numbers_ok = false;
            }
            run.clear();
        }
    };
    for c in rest.chars() {
        if is_decimal(c) {
            run.push(c);
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    numbers_ok.then_some(0.0)
}

// ---------------------------------------------------------------- payment.py

/// `_CARD_LENGTHS`: (IIN range, prefix width, lengths).
#[rustfmt::skip]
const CARD_LENGTHS: &[((u64, u64), usize, &[usize])] = &[
    ((4, 4), 1, &[13, 16, 19]),
    ((51, 55), 2, &[16]),
    ((2221, 2720), 4, &[16]),
    ((34, 34), 2, &[15]),
    ((37, 37), 2, &[15]),
    ((6011, 6011), 4, &[16, 19]),
    ((644, 649), 3, &[16, 19]),
    ((65, 65), 2, &[16, 19]),
    ((60, 60), 2, &[16]),
    ((81, 82), 2, &[16]),
    ((508, 508), 3, &[16]),
    ((3528, 3589), 4, &[16, 19]),
    ((300, 305), 3, &[14, 16]),
    ((36, 36), 2, &[14]),
    ((38, 39), 2, &[14, 16]),
    ((62, 62), 2, &[16, 17, 18, 19]),
    ((50, 50), 2, &[16, 19]),
    ((56, 58), 2, &[16, 19]),
    ((67, 67), 2, &[16, 19]),
];
#[rustfmt::skip]
const CARD_GROUPS: &[&[usize]] = &[
    &[4, 4, 4, 4],
    &[4, 6, 5],
    &[4, 6, 4],
    &[4, 4, 4, 4, 3],
    &[4, 4, 4, 2],
    &[4, 4, 4, 3],
];

/// `_card`.
fn card(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    let mut sep: Option<char> = None;
    // _NON_DIGIT.split(value): the digit runs between single non-digits. No card layout
    // has more than GROUPS runs, so a value with more is rejected as soon as it shows.
    const GROUPS: usize = 6;
    let mut groups = [0usize; GROUPS];
    let mut n_groups = 1;
    for c in value.chars() {
        if is_decimal(c) {
            groups[n_groups - 1] += 1;
        } else {
            match sep {
                Some(s) if s != c => return None, // len(seps) > 1
                _ => sep = Some(c),
            }
            if n_groups == GROUPS {
                return None;
            }
            n_groups += 1;
        }
    }
    if sep.is_some() && !CARD_GROUPS.contains(&&groups[..n_groups]) {
        return None;
    }
    let (mut stack, mut heap) = (['\0'; STACK_CHARS], Vec::new());
    let digits = chars_of(
        value.chars().filter(|&c| is_decimal(c)),
        &mut stack,
        &mut heap,
    );
    if !luhn_chars(digits) || !distinct_at_least(digits.iter().copied(), 2) {
        return None;
    }
    if inside_number_run(value, line.text, start, end) {
        return None;
    }
    for &((low, high), width, lengths) in CARD_LENGTHS {
        let prefix = decimal_number(digits.iter().take(width).copied());
        if low <= prefix && prefix <= high && lengths.contains(&digits.len()) {
            return Some(if sep.is_some() { 0.15 } else { 0.0 });
        }
    }
    None
}

#[rustfmt::skip]
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
    ("BG", 22), ("BH", 22), ("BR", 29), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24),
    ("DE", 22), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18),
    ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27),
    ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26),
    ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21),
    ("LT", 20), ("LU", 20), ("LV", 21), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19),
    ("MR", 27), ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15), ("PK", 24), ("PL", 28),
    ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("SA", 24), ("SC", 31),
    ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("ST", 25), ("SV", 28), ("TL", 23),
    ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
];

/// `_iban`, with `iban_valid` (mod 97 of the rearranged, letter-expanded IBAN).
fn iban(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let compact: Vec<char> = value.chars().filter(|&c| c != ' ').collect();
    let country: String = compact.iter().take(2).collect();
    let expected = IBAN_LENGTHS.iter().find(|(c, _)| *c == country)?.1;
    if compact.len() != expected {
        return None;
    }
    let mut rem: u32 = 0;
    for &c in compact[4..].iter().chain(&compact[..4]) {
        let Some(v) = base36_digit(c) else {
            return raise(Raised::ValueRepr(
                "invalid literal for int() with base 36: ",
                c.to_string(),
            ));
        };
        rem = (rem * if v >= 10 { 100 } else { 10 } + v) % 97;
    }
    (rem == 1).then_some(0.0)
}

/// `_ssn`.
fn ssn(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let digits: String = value.chars().filter(|&c| is_decimal(c)).collect();
    let cut = |a: usize, b: Option<usize>| -> String {
        let it = digits.chars().skip(a);
        match b {
            Some(b) => it.take(b.saturating_sub(a)).collect(),
            None => it.collect(),
        }
    };
    let (area, group, serial) = (cut(0, Some(3)), cut(3, Some(5)), cut(5, None));
    // `area >= "900"` compares code points, as UTF-8 bytes order them.
    if area == "000" || area == "666" || area.as_str() >= "900" || group == "00" || serial == "0000"
    {
        return None;
    }
    if ["078051120", "219099999", "123456789"].contains(&digits.as_str())
        || (distinct_at_least(digits.chars(), 1) && !distinct_at_least(digits.chars(), 2))
    {
        return None;
    }
    Some(0.0)
}

// ---------------------------------------------------------------- india.py

use crate::checksums::{VERHOEFF_D, VERHOEFF_P};

/// `verhoeff_valid` over any characters: `ord(ch) - 48` indexes a 10-tuple, so `&` to `/`
/// wrap around from its end and anything past `9` raises IndexError.
fn verhoeff_chars(chars: &[char]) -> Result<bool, Option<f64>> {
    let mut c = 0usize;
    for (i, &ch) in chars.iter().rev().enumerate() {
        let k = ch as i64 - 48;
        let k = if (-10..0).contains(&k) { k + 10 } else { k };
        if !(0..10).contains(&k) {
            return Err(raise(Raised::Index("tuple index out of range")));
        }
        c = VERHOEFF_D[c][VERHOEFF_P[i % 8][k as usize] as usize] as usize;
    }
    Ok(c == 0)
}

/// Characters a validator looks at, kept on the stack: an Aadhaar or a card number is at
/// most 19 digits and its pattern bounds the value; past [`STACK_CHARS`] (a custom
/// pattern's value) they go to `heap`. A vector per candidate was a malloc and a free per
/// finding on a dense export.
const STACK_CHARS: usize = 24;

fn chars_of<'a>(
    chars: impl Iterator<Item = char>,
    stack: &'a mut [char; STACK_CHARS],
    heap: &'a mut Vec<char>,
) -> &'a [char] {
    let mut n = 0;
    for c in chars {
        if n < STACK_CHARS {
            stack[n] = c;
        } else {
            if heap.is_empty() {
                heap.extend_from_slice(&stack[..]);
            }
            heap.push(c);
        }
        n += 1;
    }
    if heap.is_empty() {
        &stack[..n]
    } else {
        heap
    }
}

/// `_aadhaar`.
fn aadhaar(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    let (mut stack, mut heap) = (['\0'; STACK_CHARS], Vec::new());
    let digits = chars_of(
        value.chars().filter(|&c| c != ' ' && c != '-'),
        &mut stack,
        &mut heap,
    );
    let valid = match verhoeff_chars(digits) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !valid || !distinct_at_least(digits.iter().copied(), 4) {
        return None;
    }
    if inside_number_run(value, line.text, start, end) {
        return None;
    }
    Some(if digits.len() != value.chars().count() {
        0.1
    } else {
        0.0
    })
}

const PAN_HOLDER_TYPES: &str = "PCHFATBLJG";
const GSTIN_CHARS: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// `_gstin`, with `gstin_valid` (Luhn mod 36 over the first 14 characters).
fn gstin(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let chars: Vec<char> = value.chars().collect();
    let head: String = chars.iter().take(2).collect();
    let state = match py_int(&head) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !((1..=38).contains(&state) || state == 97 || state == 99) {
        return None;
    }
    let Some(&sixth) = chars.get(5) else {
        return raise(Raised::Index("string index out of range"));
    };
    if !PAN_HOLDER_TYPES.contains(sixth) {
        return None;
    }
    if chars.len() != 15 {
        return None;
    }
    let mut total = 0usize;
    for (i, &ch) in chars[..14].iter().enumerate() {
        let Some(idx) = GSTIN_CHARS.find(ch) else {
            return raise(Raised::Value("substring not found"));
        };
        let v = idx * if i % 2 == 1 { 2 } else { 1 };
        total += v / 36 + v % 36;
    }
    let check = GSTIN_CHARS.as_bytes()[(36 - total % 36) % 36] as char;
    (check == chars[14]).then_some(0.0)
}

#[rustfmt::skip]
const IFSC_BANKS: &[&str] = &[
    "SBIN", "HDFC", "ICIC", "UTIB", "PUNB", "KKBK", "BARB", "CNRB", "UBIN", "IDIB", "IOBA",
    "YESB", "INDB", "FDRL", "IDFB", "BKID", "CBIN", "MAHB", "UCBA", "PSIB", "KARB", "KVBL",
    "SIBL", "TMBL", "CIUB", "DBSS", "HSBC", "CITI", "SCBL", "RATN", "AUBL", "ESFB", "DLXB",
    "JAKA", "IBKL", "BDBL", "NKGS", "SVCB", "COSB", "ABHY", "APGB",
];

/// `_ifsc`.
fn ifsc(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let head = match value.char_indices().nth(4) {
        Some((i, _)) => &value[..i],
        None => value,
    };
    Some(if IFSC_BANKS.contains(&head) {
        0.1
    } else {
        -0.2
    })
}

// ---------------------------------------------------------------- network.py

/// `_ipv4`.
/// `network._ipv6`: an address `ipaddress.IPv6Address` accepts, neither loopback,
/// unspecified nor multicast. The detector's pattern gives only hex digits and colons, so
/// the embedded-IPv4 and zone-id forms `ipaddress` also parses never reach it; a value
/// with any other character is rejected here rather than guessed at.
fn ipv6(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    if value.matches(':').count() < 2 || !value.chars().any(is_digit) {
        return None;
    }
    let ip = ipv6_int(value)?;
    if ip == 0 || ip == 1 || ip >> 120 == 0xff {
        return None;
    }
    Some(0.0)
}

/// `IPv6Address._ip_int_from_string` for hex-and-colon text: None where it raises.
fn ipv6_int(text: &str) -> Option<u128> {
    if !text.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
        return None;
    }
    let parts: Vec<&str> = text.split(':').collect();
    let n = parts.len();
    if !(3..=9).contains(&n) {
        return None;
    }
    let mut skip = None;
    for (i, p) in parts.iter().enumerate().take(n - 1).skip(1) {
        if p.is_empty() {
            if skip.is_some() {
                return None; // two `::`
            }
            skip = Some(i);
        }
    }
    let (hi, lo, skipped) = match skip {
        Some(i) => {
            let (mut hi, mut lo) = (i, n - i - 1);
            if parts[0].is_empty() {
                hi -= 1;
                if hi > 0 {
                    return None; // a leading `:` only as part of `::`
                }
            }
            if parts[n - 1].is_empty() {
                lo -= 1;
                if lo > 0 {
                    return None;
                }
            }
            if hi + lo >= 8 {
                return None;
            }
            (hi, lo, 8 - hi - lo)
        }
        None => {
            if n != 8 || parts[0].is_empty() || parts[n - 1].is_empty() {
                return None;
            }
            (n, 0, 0)
        }
    };
    let hextet = |p: &str| -> Option<u128> {
        if p.is_empty() || p.len() > 4 {
            return None; // int("", 16) raises, as does a fifth digit
        }
        u128::from_str_radix(p, 16).ok()
    };
    let mut ip: u128 = 0;
    for p in &parts[..hi] {
        ip = ip << 16 | hextet(p)?;
    }
    ip = ip.checked_shl(16 * skipped as u32).unwrap_or(0); // `::` alone skips all 128 bits
    for p in &parts[n - lo..] {
        ip = ip << 16 | hextet(p)?;
    }
    Some(ip)
}

fn ipv4(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    let text = line.text;
    if char_before(text, start) == Some('/') {
        let before = &text[..start - 1];
        if before
            .chars()
            .next_back()
            .is_some_and(crate::pyre::is_letter)
        {
            return None; // a product version in a user agent: OPR/106.0.0.0
        }
    }
    if char_at(text, end) == Some('/') && char_at(text, end + 1).is_some_and(is_digit) {
        return None; // a CIDR network
    }
    let mut nums = [0i128; 2];
    for (i, p) in value.split('.').enumerate() {
        if p.chars().count() > 1 && p.starts_with('0') {
            return None;
        }
        let n = match py_int(p) {
            Ok(n) => n,
            Err(r) => return r,
        };
        if n > 255 {
            return None;
        }
        if i < 2 {
            nums[i] = n;
        }
    }
    if !value.contains('.') {
        return raise(Raised::Index("list index out of range"));
    }
    let [a, b] = nums;
    if a == 0 || a == 127 || a == 255 || a >= 224 {
        return None;
    }
    let private = a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168);
    Some(if private || (a == 169 && b == 254) {
        -0.25
    } else {
        0.05
    })
}

/// `_mac`.
fn mac(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let digits: Vec<char> = value
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if value.contains('.') && !digits.is_empty() && digits.iter().all(|c| c.is_ascii_digit()) {
        return None; // a CalVer build
    }
    if !distinct_at_least(digits.iter().copied(), 2) {
        return None;
    }
    Some(0.0)
}

/// `_device`.
fn device(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    if str_is_digit(value) {
        let chars: Vec<char> = value.chars().collect();
        if !luhn_chars(&chars) {
            return None;
        }
    }
    if !distinct_at_least(value.chars().filter(|&c| c != '-'), 3) {
        return None;
    }
    Some(0.0)
}

// ---------------------------------------------------------------- secrets.py

/// `_PLACEHOLDER.match(value)`: the whole value (or all of it but a final newline, as `$`
/// allows) is a placeholder, case-insensitively.
fn placeholder(value: &str) -> bool {
    let full = is_placeholder(value);
    full || value.strip_suffix('\n').is_some_and(is_placeholder)
}

#[rustfmt::skip]
const PLACEHOLDER_WORDS: &[&str] = &[
    "null", "none", "nil", "true", "false", "undefined", "redacted", "masked", "hidden",
    "secret", "password", "changeme", "%s",
];

/// One of `_PLACEHOLDER`'s alternatives matches all of `s` (under IGNORECASE).
fn is_placeholder(s: &str) -> bool {
    let same = |ok: &dyn Fn(char) -> bool| !s.is_empty() && s.chars().all(ok);
    if same(&|c| c == '*')
        || same(&|c| c == 'x' || c == 'X')
        || same(&|c| c == '#')
        || same(&|c| c == '.')
        || same(&|c| c == '-')
    {
        return true;
    }
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| caseless_prefix(s, w) == Some(s.len()))
    {
        return true;
    }
    // <[^>]*>
    if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        if !inner.contains('>') {
            return true;
        }
    }
    // \$\{[^}]*\}?
    if let Some(rest) = s.strip_prefix("${") {
        let inner = rest.strip_suffix('}').unwrap_or(rest);
        if !inner.contains('}') {
            return true;
        }
    }
    // \{\{[^}]*\}\}
    if let Some(inner) = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) {
        if !inner.contains('}') {
            return true;
        }
    }
    // %\(\w+\)s
    if let Some(rest) = s.strip_prefix("%(") {
        let mut it = rest.chars();
        if let (Some(last), Some(paren)) = (it.next_back(), it.next_back()) {
            let name = it.as_str();
            if paren == ')'
                && caseless_prefix(&last.to_string(), "s").is_some()
                && !name.is_empty()
                && name.chars().all(is_word)
            {
                return true;
            }
        }
    }
    // \[REDACTED[^\]]*\] and \[(?:FILTERED|MASKED|REDACTED)[^\]]*\]?
    if let Some(rest) = s.strip_prefix('[') {
        for word in ["filtered", "masked", "redacted"] {
            if let Some(n) = caseless_prefix(rest, word) {
                let tail = &rest[n..];
                let inner = tail.strip_suffix(']').unwrap_or(tail);
                if !inner.contains(']') {
                    return true;
                }
            }
        }
    }
    false
}

/// `_CLAIMED.match(value)`: a JWT, an AWS access key or a PEM block, which their own
/// detectors report.
fn claimed(value: &str) -> bool {
    let b = value.as_bytes();
    let token = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    if let Some(rest) = b.strip_prefix(b"eyJ") {
        let n1 = rest.iter().take_while(|&&c| token(c)).count();
        if n1 > 0 && rest.get(n1) == Some(&b'.') {
            let rest = &rest[n1 + 1..];
            let n2 = rest.iter().take_while(|&&c| token(c)).count();
            if n2 > 0 && rest.get(n2) == Some(&b'.') {
                return true;
            }
        }
    }
    if b.starts_with(b"AKIA") || b.starts_with(b"ASIA") {
        let run = b[4..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            .count();
        if run == 16 {
            return true;
        }
    }
    b.starts_with(b"-----BEGIN")
}

/// `_NESTED_KEY.match(value)`: `^[A-Za-z_][A-Za-z0-9_]*=`.
fn nested_key(value: &str) -> bool {
    let b = value.as_bytes();
    if !b
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
    {
        return false;
    }
    let n = b[1..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
        .count();
    b.get(1 + n) == Some(&b'=')
}

/// `_OBJECT_DUMP.match(value)`:
/// `^[A-Z][A-Za-z0-9_$.]*(?:\{|@(?=[0-9]*[a-f])[0-9a-f]{6,8}$)`.
fn object_dump(value: &str) -> bool {
    let b = value.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_uppercase()) {
        return false;
    }
    let n = b[1..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'.')
        .count();
    match b.get(1 + n) {
        Some(b'{') => true,
        Some(b'@') => {
            let rest = &b[2 + n..];
            let hex = rest.strip_suffix(b"\n").unwrap_or(rest);
            let lower_hex = |c: &u8| c.is_ascii_digit() || (b'a'..=b'f').contains(c);
            (6..=8).contains(&hex.len())
                && hex.iter().all(lower_hex)
                && hex.iter().any(|c| (b'a'..=b'f').contains(c))
        }
        _ => false,
    }
}

/// `_not_placeholder`.
fn not_placeholder(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    if placeholder(value) || value.contains("XXX") || claimed(value) {
        return None;
    }
    if nested_key(value) || object_dump(value) {
        return None;
    }
    // value[:1] in "/~" (true of an empty value too)
    if value.is_empty() || value.starts_with('/') || value.starts_with('~') {
        let lo = back_chars(line.text, line.pos.is_ascii(), start, 4);
        if upper(&line.text[lo..start]).starts_with("PWD") {
            return None;
        }
    }
    if windows_insert(value) || operation_pair(line.text, start, end) {
        return None;
    }
    if key_before(line.text, start).is_some_and(|k| PAGING_KEYS.contains(&k.as_ref())) {
        return None;
    }
    Some(0.0)
}

/// `_PAGING_KEYS`: cursors an API hands back to page through results.
const PAGING_KEYS: &[&str] = &[
    "next_token",
    "next_page_token",
    "page_token",
    "continuation_token",
    "pagination_token",
    "sync_token",
    "resume_token",
    "cursor",
    "next_cursor",
];

/// `_WINDOWS_INSERT.fullmatch`: `%%?\d+`, a Windows message-table insert (`%%1842`).
fn windows_insert(value: &str) -> bool {
    let rest = value.strip_prefix('%').unwrap_or(value);
    let rest = rest.strip_prefix('%').unwrap_or(rest);
    rest.len() < value.len() && !rest.is_empty() && rest.chars().all(is_decimal)
}

/// `_operation_pair`: the value ends `(program:value)` (`pam_unix(chpasswd:chauthtok)`).
/// The walk back is over ASCII word characters, `.` and `-`, so bytes serve as characters.
fn operation_pair(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    if end >= b.len() || b[end] != b')' || start < 2 || b[start - 1] != b':' {
        return false;
    }
    let mut i = start - 1;
    while i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'.' | b'-')) {
        i -= 1;
    }
    i < start - 1 && i > 0 && b[i - 1] == b'('
}

/// `_bearer`.
fn bearer(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    if matches!(char_at(line.text, end), Some('=' | ':'))
        || (!value.is_empty() && value.chars().all(crate::pyre::is_letter))
        || value.chars().count() < 16
    {
        return None;
    }
    not_placeholder(value, line, start, end)
}

// ---------------------------------------------------------------- people.py

/// A key part that makes a `name` key a person's (`customer_name`).
#[rustfmt::skip]
fn person_key_part(w: &str) -> bool {
    matches!(
        w,
        "customer" | "cust" | "contact" | "recipient" | "receiver" | "sender" | "consignee" |
        "consignor" | "beneficiary" | "holder" | "cardholder" | "buyer" | "payee" | "payer" |
        "passenger" | "guest" | "patient" | "employee" | "father" | "mother" | "spouse" |
        "nominee" | "applicant" | "owner" | "person" | "full" | "first" | "last" | "given" |
        "family" | "middle" | "billing" | "shipping" | "delivery" | "driver" | "rider" |
        "account" | "legal" | "display"
    )
}

/// A key part that makes a key not a person's (`file_name`, `host_name`).
#[rustfmt::skip]
fn not_person_key_part(w: &str) -> bool {
    matches!(
        w,
        "file" | "host" | "user" | "service" | "thread" | "app" | "application" | "bucket" |
        "table" | "class" | "method" | "event" | "product" | "item" | "city" | "state" |
        "country" | "company" | "merchant" | "bank" | "branch" | "device" | "model" | "brand" |
        "category" | "queue" | "topic" | "cluster" | "node" | "pod" | "container" | "job" |
        "task" | "db" | "database" | "schema" | "column" | "field" | "key" | "domain" |
        "server" | "region" | "zone" | "project" | "env" | "stage" | "module" | "package" |
        "plugin" | "browser" | "os"
    )
}

/// A placeholder a name field holds (`null`, `test user`), lower-cased.
#[rustfmt::skip]
fn stop_value_lower(w: &str) -> bool {
    matches!(
        w,
        "null" | "none" | "nil" | "unknown" | "test" | "tester" | "na" | "n/a" | "user" |
        "admin" | "guest" | "customer" | "default" | "anonymous" | "true" | "false" | "sample" |
        "demo" | "name" | "first" | "last" | "guest user" | "guest customer" |
        "walk-in customer" | "walkin customer" | "test customer" | "test user" |
        "anonymous user" | "default user"
    )
}

/// A key's last part that names a person (`name`, `cardholder`).
#[rustfmt::skip]
fn person_leaf(w: &str) -> bool {
    matches!(
        w,
        "name" | "names" | "fullname" | "firstname" | "lastname" | "surname" | "holder" |
        "cardholder" | "consignee" | "recipient" | "beneficiary" | "payee" | "nominee"
    )
}

/// `is_person_key`, over the key's `_`-separated parts without collecting them.
fn is_person_key(key: &str) -> bool {
    let n = key.split('_').count();
    let mut parts = key.split('_');
    if n > 2
        && parts.next() == Some("name")
        && matches!(parts.next(), Some("on" | "as" | "per" | "in"))
    {
        return true;
    }
    let leaf = key.rsplit('_').next().unwrap_or(key);
    if !person_leaf(leaf) {
        return false;
    }
    let head = || key.split('_').take(n - 1);
    if head().any(not_person_key_part) {
        return false;
    }
    if leaf != "name" && leaf != "names" {
        return true;
    }
    n == 1 || head().any(person_key_part)
}

/// Whether `text` lower-cases to a [`stop_value_lower`]: other text than ASCII as Python
/// lowers it.
fn is_stop_value(text: &str) -> bool {
    if text.is_ascii() {
        ascii_lower_is(text.as_bytes(), stop_value_lower)
    } else {
        stop_value_lower(&py_lower(text))
    }
}

/// Whether the ASCII `text`, lower-cased, passes `test`, a word list's `match`: lowered in
/// a stack buffer, not a `String` per value. No listed word is longer than the buffer, so
/// longer text fails without a look.
fn ascii_lower_is(text: &[u8], test: impl Fn(&str) -> bool) -> bool {
    let mut buf = [0u8; 16];
    let Some(lower) = buf.get_mut(..text.len()) else {
        return false;
    };
    lower.copy_from_slice(text);
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower).is_ok_and(test)
}

/// `_TOKEN.fullmatch(t)`: `[A-Za-z][A-Za-z'’\-]*\.?`.
fn name_token(t: &str) -> bool {
    let body = t.strip_suffix('.').unwrap_or(t);
    let mut it = body.chars();
    it.next().is_some_and(|c| c.is_ascii_alphabetic())
        && it.all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '’' || c == '-')
}

/// `t.title()` of a name token (ASCII letters, `'`, `’`, `-`, `.`), written into `out`
/// (as long as `t`): byte by byte, since the one non-ASCII character (`’`) is no letter
/// and each of its bytes ends a cased run as the character does.
fn title_into(t: &str, out: &mut [u8]) {
    let mut cased = false;
    for (o, &b) in out.iter_mut().zip(t.as_bytes()) {
        if b.is_ascii_alphabetic() {
            *o = if cased {
                b.to_ascii_lowercase()
            } else {
                b.to_ascii_uppercase()
            };
            cased = true;
        } else {
            *o = b;
            cased = false;
        }
    }
}

/// `looks_like_name`.
fn looks_like_name(value: &str, explicit_key: bool) -> Option<f64> {
    let stripped = strip(value);
    // At most four tokens, kept on the stack.
    let mut tokens = [""; 4];
    let mut n = 0;
    for t in stripped
        .split(|c| is_space(c) || c == '+')
        .filter(|t| !t.is_empty())
    {
        if n == tokens.len() {
            return None;
        }
        tokens[n] = t;
        n += 1;
    }
    let tokens = &tokens[..n];
    if n == 0 || is_stop_value(stripped) {
        return None;
    }
    if !tokens.iter().all(|t| name_token(t)) {
        return None;
    }
    // Each token titled on the stack (a String per token was ~5% of a name column's scan).
    let mut buf = [0u8; 64];
    let mut long = Vec::new();
    let known = tokens
        .iter()
        .filter(|t| {
            let out = match buf.get_mut(..t.len()) {
                Some(out) => out,
                None => {
                    long.resize(t.len(), 0);
                    &mut long[..]
                }
            };
            title_into(t, out);
            std::str::from_utf8(out)
                .is_ok_and(|t| in_dictionary("first_names", t) || in_dictionary("last_names", t))
        })
        .count();
    if known == 0 && !explicit_key {
        return None;
    }
    Some(if known > 0 && tokens.len() > 1 {
        0.1
    } else {
        0.0
    })
}

/// `_person_key_value`.
fn person_key_value(value: &str, line: &Line, start: usize, _end: usize) -> Option<f64> {
    let key = key_before(line.text, start);
    if key.as_deref() == Some("pn") {
        if !py_lower(&line.text[..start]).contains("upi:") {
            return None;
        }
        return looks_like_name(value, true);
    }
    if let Some(k) = &key {
        if !is_person_key(k) {
            return None;
        }
    }
    looks_like_name(value, key.as_deref() != Some("name"))
}

/// `_person_pair`.
fn person_pair(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let first = value.split([' ', '+']).next().unwrap_or(value);
    if !in_dictionary("first_names", first) {
        return None;
    }
    let last = value.rsplit([' ', '+']).next().unwrap_or(value);
    in_dictionary("last_names", last).then_some(0.0)
}

const NOT_AFTER_TITLE: &[&str] = &["Lanka", "Martens", "Pepper", "Oetker"];
const HONORIFICS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Miss", "Dr", "Shri", "Smt", "Sri", "Kumari",
];

/// `_HONORIFIC_BEFORE.search(window)`: `(?:Mr|…|Kumari)\.?\s+$`.
fn honorific_before(window: &str) -> bool {
    let head = window.trim_end_matches(is_space);
    if head.len() == window.len() {
        return false;
    }
    let ends = |s: &str| HONORIFICS.iter().any(|h| s.ends_with(h));
    ends(head) || head.strip_suffix('.').is_some_and(ends)
}

/// `_person_titled`.
fn person_titled(value: &str, line: &Line, start: usize, end: usize) -> Option<f64> {
    let first = value.split(is_space).next().unwrap_or(value);
    if is_stop_value(first) || NOT_AFTER_TITLE.contains(&first) {
        return None;
    }
    let after = &line.text[end..];
    if after.starts_with("'s") || after.starts_with("’s") {
        return None; // Dr. Reddy's: a company or a brand
    }
    let mut tokens = value.split(is_space).filter(|t| !t.is_empty());
    if tokens.any(|t| in_dictionary("all_first_names", t) || in_dictionary("last_names", t)) {
        return Some(0.0);
    }
    let lo = back_chars(line.text, line.pos.is_ascii(), start, 12);
    let several = value.contains(is_space); // _SPACES.split(value) gives more than one token
    if honorific_before(&line.text[lo..start]) && several {
        return Some(0.0);
    }
    let lo = back_chars(line.text, line.pos.is_ascii(), start, 8);
    let greeting = line.text[end..].starts_with([',', '!'])
        && !NOT_ADDRESSEES.contains(&py_lower(first).as_str())
        && salutation_before(&line.text[lo..start]);
    greeting.then_some(0.0)
}

/// `_NOT_ADDRESSEES`: whom a greeting addresses when it is no person.
#[rustfmt::skip]
const NOT_ADDRESSEES: &[&str] = &[
    "team", "sir", "madam", "all", "friend", "friends", "colleague", "colleagues", "member",
    "members", "subscriber", "subscribers", "partner", "partners", "seller", "sellers",
    "merchant", "merchants", "valued", "everyone", "there", "support", "shopper", "shoppers",
    "folks", "client", "clients", "reader", "readers", "sender", "applicant",
];

/// `_SALUTATION_BEFORE.search(window)`: `(?:Dear|dear|Hi|Hello)\s+$`.
fn salutation_before(window: &str) -> bool {
    let head = window.trim_end_matches(is_space);
    head.len() < window.len()
        && ["Dear", "dear", "Hi", "Hello"]
            .iter()
            .any(|s| head.ends_with(s))
}

// STREET_ADDRESS

/// A key part that makes an address key of one with a core part (`shipping_address`).
#[rustfmt::skip]
fn address_key_part(w: &str) -> bool {
    matches!(
        w,
        "shipping" | "billing" | "delivery" | "home" | "residential" | "permanent" | "current" |
        "postal" | "street" | "customer" | "mailing" | "full" | "pickup" | "drop" | "return" |
        "office" | "communication" | "correspondence" | "registered" | "present" | "local" |
        "shipto"
    )
}

/// A key part that makes a key not an address's (`email_address`, `ip_addr`).
#[rustfmt::skip]
fn not_address_key_part(w: &str) -> bool {
    matches!(
        w,
        "id" | "ids" | "uuid" | "type" | "status" | "verified" | "hash" | "count" | "index" |
        "ref" | "code" | "key" | "ip" | "mac" | "email" | "e" | "mail" | "remote" | "server" |
        "host" | "bind" | "listen" | "wallet" | "contract" | "memory" | "hw" | "ether" |
        "peer" | "local_ip" | "client_ip" | "node" | "web" | "url" | "ipv4" | "ipv6" | "src" |
        "dst" | "source" | "destination"
    )
}

/// A key part that names an address by itself.
#[rustfmt::skip]
fn address_core(w: &str) -> bool {
    matches!(
        w,
        "address" | "addr" | "address1" | "address2" | "addressline" | "street" | "line1" |
        "line2"
    )
}

/// A street word of `_STREET` (`\b(?:road|rd|…)\b`), lower-cased. A `match` compiles to
/// a switch on the length and a few compares; a scan of the list was ~12% of an address
/// column's scan.
#[rustfmt::skip]
fn is_street_word(w: &str) -> bool {
    matches!(
        w,
        "road" | "rd" | "street" | "st" | "marg" | "nagar" | "colony" | "sector" | "lane" |
        "layout" | "cross" | "main" | "avenue" | "ave" | "vihar" | "enclave" | "bagh" | "ganj" |
        "puram" | "halli" | "palya" | "pet" | "peth" | "chowk" | "bazaar" | "bazar" | "gali" |
        "mohalla" | "society" | "apartments" | "apartment" | "apts" | "towers" | "tower" |
        "residency" | "block" | "phase" | "extension" | "extn" | "park" | "garden" | "gardens" |
        "circle" | "path" | "highway" | "nivas" | "niwas" | "bhavan" | "bhawan" | "complex" |
        "plaza" | "market" | "village" | "wadi"
    )
}

/// `is_address_key`: over the key's `_`-separated parts that are not empty or all digits.
/// Each test walks the parts again rather than collecting them (a `Vec` per candidate).
fn is_address_key(key: &str) -> bool {
    let parts = || key.split('_').filter(|p| !p.is_empty() && !str_is_digit(p));
    let n = parts().count();
    if n == 0 {
        return false;
    }
    if !parts().any(|p| address_core(p) || p.starts_with("address") || p.starts_with("addr")) {
        return false;
    }
    if parts().any(not_address_key_part) {
        return false;
    }
    n == 1 || parts().any(|p| address_key_part(p) || address_core(p))
}

/// `_HEXISH.fullmatch(text)`: `(?:0x)?[0-9a-fA-F:.\-/]+`.
fn hexish(text: &str) -> bool {
    let class = |c: u8| c.is_ascii_hexdigit() || b":.-/".contains(&c);
    let all = |s: &[u8]| !s.is_empty() && s.iter().all(|&c| class(c));
    let b = text.as_bytes();
    all(b) || b.strip_prefix(b"0x").is_some_and(all)
}

/// `_IPV4_START.match(text)`: `\d{1,3}(?:\.\d{1,3}){3}\b`.
fn ipv4_start(text: &str) -> bool {
    let mut it = text.chars().peekable();
    for group in 0..4 {
        if group > 0 && it.next() != Some('.') {
            return false;
        }
        let mut n = 0;
        while it.peek().copied().is_some_and(is_decimal) {
            it.next();
            n += 1;
        }
        if !(1..=3).contains(&n) {
            return false;
        }
    }
    // \b after a digit: no word character follows.
    !it.peek().copied().is_some_and(is_word)
}

/// `looks_like_address`.
fn looks_like_address(value: &str) -> Option<f64> {
    let text = strip(value);
    let two_letters = text
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic());
    if text.chars().count() < 6 || text.contains('@') || text.contains("://") || !two_letters {
        return None;
    }
    if hexish(text) || ipv4_start(text) || code_like(text) {
        return None;
    }
    let digit = text.chars().any(is_decimal);
    // \b(?:road|…)\b over text.lower(): a whole run of word characters is a street word.
    let street = if text.is_ascii() {
        // ASCII lower-casing keeps every word's bounds (a word is a run of `[A-Za-z0-9_]`).
        let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        text.as_bytes()
            .split(|b| !word(b))
            .any(|w| ascii_lower_is(w, is_street_word))
    } else {
        py_lower(text)
            .split(|c: char| !is_word(c))
            .any(is_street_word)
    };
    let comma = text.contains(',');
    let signals = digit as u8 + street as u8 + comma as u8 + has_pin(text) as u8;
    match signals {
        0 => None,
        1 => Some(0.0),
        _ => Some(0.05),
    }
}

/// `_CODE_LIKE.search(text)`: `->`, `=>` or an ASCII word character, `(`, another.
fn code_like(text: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    text.contains("->")
        || text.contains("=>")
        || text
            .as_bytes()
            .windows(3)
            .any(|w| word(w[0]) && w[1] == b'(' && word(w[2]))
}

/// `_PIN.search(text)`: `(?<!\d)[1-8]\d{5}(?!\d)`, a run of exactly six digits that starts
/// with 1 to 8.
fn has_pin(text: &str) -> bool {
    let mut run = 0usize;
    let mut first = ' ';
    let mut found = false;
    for c in text.chars() {
        if is_decimal(c) {
            if run == 0 {
                first = c;
            }
            run += 1;
        } else {
            found |= run == 6 && ('1'..='8').contains(&first);
            run = 0;
        }
    }
    found || (run == 6 && ('1'..='8').contains(&first))
}

/// `_LOCALITY.fullmatch(text)`: `[A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+){0,3}`.
fn locality(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    words.len() <= 4
        && words.iter().all(|w| {
            let b = w.as_bytes();
            b.len() >= 2
                && b[0].is_ascii_uppercase()
                && b[1..]
                    .iter()
                    .all(|&c| c.is_ascii_alphabetic() || c == b'.' || c == b'\'' || c == b'-')
        })
}

/// `_address_key_value`.
fn address_key_value(value: &str, line: &Line, start: usize, _end: usize) -> Option<f64> {
    let key = key_before(line.text, before_escapes(line.text, start));
    if let Some(k) = &key {
        if !is_address_key(k) {
            return None;
        }
    }
    let score = looks_like_address(value);
    if score.is_none()
        && key
            .as_deref()
            .is_some_and(|k| !k.is_empty() && k.split('_').any(|p| p == "line"))
        && locality(strip(value))
    {
        return Some(0.0);
    }
    score
}

/// `_before_escapes`: `start` moved back over `\t`, `\r`, `\n` escapes (ASCII, so bytes).
fn before_escapes(text: &str, mut start: usize) -> usize {
    let b = text.as_bytes();
    while start >= 2 && b[start - 2] == b'\\' && matches!(b[start - 1], b't' | b'n' | b'r') {
        start -= 2;
    }
    start
}

/// `_address_free`: `_PIN_AT_END.search(value)`, `(?<!\d)[1-8]\d{5}$`.
fn address_free(value: &str, _line: &Line, _start: usize, _end: usize) -> Option<f64> {
    let body = value.strip_suffix('\n').unwrap_or(value);
    let mut tail = body.chars().rev();
    let mut pin = true;
    for _ in 0..5 {
        pin &= tail.next().is_some_and(is_decimal);
    }
    pin &= tail.next().is_some_and(|c| ('1'..='8').contains(&c));
    pin &= !tail.next().is_some_and(is_decimal);
    Some(if pin { 0.2 } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written form agrees with the regex on ASCII: every written form, each
    /// with one byte changed, dropped or added, and random strings of the form's bytes.
    #[test]
    fn when_ascii_then_the_mobile_form_agrees_with_its_regex() {
        let agree = |v: &str| {
            assert_eq!(
                indian_mobile_form_ascii(v.as_bytes()),
                indian_mobile_form_regex(v),
                "{v:?}"
            )
        };
        let alphabet = b"+0915678 -x";
        let forms = [
            "+919876543210",
            "+91 9876543210",
            "+91-98765 43210",
            "0091 98765-43210",
            "+91 987 654 3210",
            "0091987-654-3210",
        ];
        let mut seen = 0;
        for f in forms {
            assert!(indian_mobile_form_ascii(f.as_bytes()), "{f}");
            for i in 0..=f.len() {
                for &c in alphabet {
                    let mut v = f.as_bytes().to_vec();
                    if i < v.len() {
                        v[i] = c;
                        agree(std::str::from_utf8(&v).unwrap());
                        v.remove(i);
                        agree(std::str::from_utf8(&v).unwrap());
                    }
                    let mut w = f.as_bytes().to_vec();
                    w.insert(i, c);
                    agree(std::str::from_utf8(&w).unwrap());
                    seen += 1;
                }
            }
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 10 + (x % 8) as usize;
            let mut v: Vec<u8> = (0..len)
                .map(|k| alphabet[((x >> (k * 3 % 60)) % alphabet.len() as u64) as usize])
                .collect();
            if x.is_multiple_of(3) {
                v.splice(0..0, *b"+91");
            }
            agree(std::str::from_utf8(&v).unwrap());
        }
        assert!(seen > 500);
        // Non-ASCII digits are Python's `\d` too: the regex answers for them.
        assert!(indian_mobile_form("+91 98765\u{966}3210"));
        assert!(!indian_mobile_form("+91 \u{96F}876543210")); // `[6-9]` is ASCII
    }

    fn run(name: &str, line: &str, value: &str) -> Option<f64> {
        let start = line.find(value).expect("value in line");
        let l = Line::new(line);
        builtin(name).expect("port")(value, &l, start, start + value.len())
    }

    fn give_names() {
        let set = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut lists = HashMap::new();
        lists.insert("first_names".to_string(), set(&["Rahul", "Priya", "Anita"]));
        lists.insert(
            "all_first_names".to_string(),
            set(&["Rahul", "Priya", "Anita", "Grant"]),
        );
        lists.insert("last_names".to_string(), set(&["Sharma", "Rao", "Iyer"]));
        set_dictionaries(lists);
    }

    #[test]
    fn when_python_would_raise_then_rejected() {
        // Python raises IndexError (Verhoeff over ord(ch) - 48), ValueError (GSTIN's
        // str.index, int()); without an interpreter the port only rejects.
        assert_eq!(run("aadhaar", "2٣٤٥ ٦٧٨٩ ٠١٢٣", "2٣٤٥ ٦٧٨٩ ٠١٢٣"), None);
        assert_eq!(run("gstin", "2٧AAPFU0939F1ZV", "2٧AAPFU0939F1ZV"), None);
        assert_eq!(run("gstin", "x7AAPFU0939F1ZV", "x7AAPFU0939F1ZV"), None);
        assert_eq!(run("ipv4", "1.2.3.", "1.2.3."), None);
        assert_eq!(
            run("iban", "GB82WEST1234569876543_", "GB82WEST1234569876543_"),
            None
        );
    }

    #[test]
    fn when_aadhaar_value_outgrows_the_stack_buffer_then_every_digit_counts() {
        // A custom pattern may hand the validator more than 24 digits: the check digit
        // is then judged over all of them, as Python's.
        for body in ["234567890123456789012345", "2345678901234567890123456789"] {
            let valid: Vec<String> = (0..10)
                .map(|d| format!("{body}{d}"))
                .filter(|v| verhoeff_chars(&v.chars().collect::<Vec<_>>()) == Ok(true))
                .collect();
            assert_eq!(valid.len(), 1, "{body}");
            let good = &valid[0];
            assert_eq!(run("aadhaar", good, good), Some(0.0));
            let spaced = format!("{} {}", &good[..4], &good[4..]);
            assert_eq!(run("aadhaar", &spaced, &spaced), Some(0.1));
            let last = good.as_bytes()[good.len() - 1] - b'0';
            let bad = format!("{body}{}", (last + 1) % 10);
            assert_eq!(run("aadhaar", &bad, &bad), None);
        }
    }

    #[test]
    fn when_card_groups_are_no_card_layout_then_rejected() {
        // 4111 1111 1111 1111 passes Luhn; only the layout of its digit runs changes.
        assert_eq!(
            run("card", "4111 1111 1111 1111", "4111 1111 1111 1111"),
            Some(0.15)
        );
        assert_eq!(
            run("card", "4111111111111111", "4111111111111111"),
            Some(0.0)
        );
        for v in [
            "41 11 11 11 11 11 11 11",
            "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            "4111 1111 1111 111 1",
            "4111-1111 1111-1111",
        ] {
            assert_eq!(run("card", v, v), None, "{v}");
        }
    }

    #[test]
    fn when_email_tld_has_capitals_then_judged_lower_cased() {
        assert_eq!(run("email", "to a.b@shop.COM", "a.b@shop.COM"), Some(0.0));
        assert_eq!(run("email", "to a.b@shop.In", "a.b@shop.In"), Some(0.0));
        assert_eq!(run("email", "to a.b@shop.PNG", "a.b@shop.PNG"), None);
        assert_eq!(run("email", "to a.b@shop.png", "a.b@shop.png"), None);
    }

    #[test]
    fn when_value_at_line_edges_then_no_panic() {
        let l = Line::new("é");
        for name in [
            "email",
            "ipv4",
            "otp",
            "bearer",
            "person_titled",
            "not_placeholder",
            "person_key_value",
            "address_key_value",
            "indian_mobile",
            "card",
        ] {
            let f = builtin(name).expect("port");
            let _ = f("", &l, 0, 0);
            let _ = f("", &l, 2, 2);
            let _ = f("é", &l, 0, 2);
        }
        // an empty value is `value[:1] in "/~"`: PWD just before it rejects it
        let l = Line::new("PWD=");
        assert_eq!(not_placeholder("", &l, 4, 4), None);
    }

    #[test]
    fn when_indian_mobile_then_prefix_and_grouping_score() {
        assert_eq!(
            run("indian_mobile", "call 9876543210", "9876543210"),
            Some(0.0)
        );
        assert_eq!(
            run("indian_mobile", "call +91 98765 43210", "+91 98765 43210"),
            Some(0.2)
        );
        assert_eq!(
            run("indian_mobile", "call 919876543210", "919876543210"),
            Some(0.2)
        );
        assert_eq!(run("indian_mobile", "x 829876543210", "829876543210"), None);
        assert_eq!(
            run("indian_mobile", "x 98765 43210", "98765 43210"),
            Some(0.2)
        );
    }

    #[test]
    fn when_email_then_tld_and_mask_checked() {
        assert_eq!(run("email", "to a.b@gmail.com", "a.b@gmail.com"), Some(0.0));
        assert_eq!(run("email", "to a@x.co.UK", "a@x.co.UK"), Some(0.0));
        assert_eq!(run("email", "r*a@gmail.com", "a@gmail.com"), None);
        assert_eq!(
            run("email", "ghp_abc@github.com", "ghp_abc@github.com"),
            None
        );
        assert_eq!(run("email", "a@b.js", "a@b.js"), None);
        assert_eq!(run("email", "a@b.museum", "a@b.museum"), None);
    }

    #[test]
    fn when_card_then_luhn_iin_and_groups() {
        assert_eq!(
            run("card", "4111111111111111", "4111111111111111"),
            Some(0.0)
        );
        assert_eq!(
            run("card", "4111 1111 1111 1111", "4111 1111 1111 1111"),
            Some(0.15)
        );
        assert_eq!(
            run("card", "4111-1111 1111-1111", "4111-1111 1111-1111"),
            None
        );
        assert_eq!(run("card", "4111111111111112", "4111111111111112"), None);
        assert_eq!(
            run("card", "3782 822463 10005", "3782 822463 10005"),
            Some(0.15)
        );
        assert_eq!(run("card", "1111111111111117", "1111111111111117"), None);
    }

    #[test]
    fn when_aadhaar_then_verhoeff() {
        assert_eq!(run("aadhaar", "2345 6789 0123", "2345 6789 0123"), None);
        let valid = (0..10)
            .map(|d| format!("23456789012{d}"))
            .find(|v| verhoeff_chars(&v.chars().collect::<Vec<_>>()) == Ok(true))
            .expect("a check digit");
        assert_eq!(run("aadhaar", &valid, &valid), Some(0.0));
        let spaced = format!("{} {} {}", &valid[..4], &valid[4..8], &valid[8..]);
        assert_eq!(run("aadhaar", &spaced, &spaced), Some(0.1));
        assert_eq!(run("aadhaar", "2222 2222 2222", "2222 2222 2222"), None);
    }

    #[test]
    fn when_ipv4_then_ranges_and_surroundings() {
        assert_eq!(run("ipv4", "ip 49.36.12.7 x", "49.36.12.7"), Some(0.05));
        assert_eq!(run("ipv4", "ip 10.1.2.3", "10.1.2.3"), Some(-0.25));
        assert_eq!(run("ipv4", "OPR/106.1.0.0", "106.1.0.0"), None);
        assert_eq!(run("ipv4", "net 49.36.12.0/24", "49.36.12.0"), None);
        assert_eq!(run("ipv4", "net 49.36.12.0/x", "49.36.12.0"), Some(0.05));
        assert_eq!(run("ipv4", "v 01.2.3.4", "01.2.3.4"), None);
        assert_eq!(run("ipv4", "v 300.2.3.4", "300.2.3.4"), None);
        assert_eq!(run("ipv4", "é/١٢.1.1.1", "١٢.1.1.1"), None);
        assert_eq!(run("ipv4", "ip ١٢.1.1.1", "١٢.1.1.1"), Some(0.05));
    }

    #[test]
    fn when_people_then_dictionaries_and_keys() {
        give_names();
        assert_eq!(
            run("person_pair", "Rahul Sharma", "Rahul Sharma"),
            Some(0.0)
        );
        assert_eq!(
            run("person_pair", "Rahul K. Sharma", "Rahul K. Sharma"),
            Some(0.0)
        );
        assert_eq!(run("person_pair", "Rahul Smith", "Rahul Smith"), None);
        assert_eq!(
            run(
                "person_key_value",
                "customer_name=Rahul Sharma",
                "Rahul Sharma"
            ),
            Some(0.1)
        );
        assert_eq!(
            run("person_key_value", "name=Wireless Mouse", "Wireless Mouse"),
            None
        );
        assert_eq!(
            run(
                "person_key_value",
                "full_name=Wireless Mouse",
                "Wireless Mouse"
            ),
            Some(0.0)
        );
        assert_eq!(run("person_key_value", "hostname=Web", "Web"), None);
        assert_eq!(
            run("person_key_value", "name=guest user", "guest user"),
            None
        );
        assert_eq!(
            run("person_key_value", "upi://pay?pa=x@ybl&pn=Priya", "Priya"),
            Some(0.0)
        );
        assert_eq!(run("person_key_value", "x?pn=Priya", "Priya"), None);
        assert_eq!(
            run("person_titled", "Dear Grant Hill", "Grant Hill"),
            Some(0.0)
        );
        assert_eq!(run("person_titled", "Mr. Foo Bar", "Foo Bar"), Some(0.0));
        assert_eq!(run("person_titled", "Dear Foo Bar", "Foo Bar"), None);
        assert_eq!(run("person_titled", "Dr. Reddy's", "Reddy"), None);
        assert_eq!(run("person_titled", "Sri Lanka", "Lanka"), None);
    }

    #[test]
    fn when_address_then_signals() {
        assert_eq!(
            run(
                "address_key_value",
                "address=12 MG Road, Bengaluru 560001",
                "12 MG Road, Bengaluru 560001"
            ),
            Some(0.05)
        );
        assert_eq!(
            run("address_key_value", "ip_address=10.0.0.1x", "10.0.0.1x"),
            None
        );
        assert_eq!(
            run("address_key_value", "address=10.0.0.1 x", "10.0.0.1 x"),
            None
        );
        assert_eq!(
            run(
                "address_key_value",
                "address_line_2=Whitefield",
                "Whitefield"
            ),
            Some(0.0)
        );
        assert_eq!(
            run("address_key_value", "address=deadbeef:12", "deadbeef:12"),
            None
        );
        assert_eq!(
            run("address_free", "12 MG Road 560001", "12 MG Road 560001"),
            Some(0.2)
        );
        assert_eq!(run("address_free", "12 MG Road", "12 MG Road"), Some(0.0));
        assert_eq!(
            run("address_free", "12 MG Road 960001", "12 MG Road 960001"),
            Some(0.0)
        );
    }

    #[test]
    fn when_otp_and_birth_date_then_context_and_ranges() {
        assert_eq!(run("otp", "otp 4821 sent", "4821"), Some(0.0));
        assert_eq!(run("otp", "otp 30 SECONDS", "30"), None);
        assert_eq!(run("otp", "otp 30 secondsx", "30"), Some(0.0));
        assert_eq!(run("otp", "otp 30 ſec", "30"), None);
        assert_eq!(run("birth_date", "dob 1990-05-17", "1990-05-17"), Some(0.0));
        assert_eq!(run("birth_date", "dob 1890-05-17", "1890-05-17"), None);
        assert_eq!(run("birth_date", "dob 1990-13-32", "1990-13-32"), None);
        assert_eq!(
            run("birth_date", "dob 17 May, 1990", "17 May, 1990"),
            Some(0.0)
        );
    }

    #[test]
    fn when_secrets_then_placeholders_rejected() {
        assert_eq!(
            run("not_placeholder", "password=s3cr3tP4ss", "s3cr3tP4ss"),
            Some(0.0)
        );
        for v in [
            "********",
            "xXxX",
            "NULL",
            "<password>",
            "${DB_PASS",
            "{{pw}}",
            "%(pw)s",
            "[REDACTED]",
            "[filtered",
            "AKIAABCDEFGHIJKLMNOP",
            "a=b",
            "Token@6d06d69c",
        ] {
            assert_eq!(run("not_placeholder", v, v), None, "{v}");
        }
        assert_eq!(run("not_placeholder", "Name@1990", "Name@1990"), Some(0.0));
        assert_eq!(run("not_placeholder", "PWD=/home/x", "/home/x"), None);
        assert_eq!(
            run("bearer", "Bearer abcdefghijklmnop1", "abcdefghijklmnop1"),
            Some(0.0)
        );
        assert_eq!(
            run("bearer", "Bearer abcdefghijklmnopq", "abcdefghijklmnopq"),
            None
        );
        assert_eq!(run("bearer", "Bearer abc1", "abc1"), None);
    }

    #[test]
    fn when_payment_and_india_ids_then_checks() {
        assert_eq!(run("ssn", "ssn 123-45-6788", "123-45-6788"), Some(0.0));
        assert_eq!(run("ssn", "ssn 923-45-6788", "923-45-6788"), None);
        assert_eq!(run("ssn", "ssn 123-45-6789", "123-45-6789"), None);
        assert_eq!(
            run(
                "iban",
                "GB82 WEST 1234 5698 7654 32",
                "GB82 WEST 1234 5698 7654 32"
            ),
            Some(0.0)
        );
        assert_eq!(
            run("iban", "GB82WEST12345698765433", "GB82WEST12345698765433"),
            None
        );
        assert_eq!(
            run("gstin", "27AAPFU0939F1ZV", "27AAPFU0939F1ZV"),
            Some(0.0)
        );
        assert_eq!(run("gstin", "27AAPFU0939F1ZW", "27AAPFU0939F1ZW"), None);
        assert_eq!(run("gstin", "45AAPFU0939F1ZV", "45AAPFU0939F1ZV"), None);
        assert_eq!(run("ifsc", "SBIN0001234", "SBIN0001234"), Some(0.1));
        assert_eq!(run("ifsc", "ABCD0001234", "ABCD0001234"), Some(-0.2));
        assert_eq!(
            run("mac", "00:1A:2B:3C:4D:5E", "00:1A:2B:3C:4D:5E"),
            Some(0.0)
        );
        assert_eq!(run("mac", "2024.0311.1502", "2024.0311.1502"), None);
        assert_eq!(run("mac", "ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"), None);
        assert_eq!(
            run("device", "imei 490154203237518", "490154203237518"),
            Some(0.0)
        );
        assert_eq!(
            run("device", "imei 490154203237519", "490154203237519"),
            None
        );
        assert_eq!(
            run(
                "device",
                "id aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaab",
                "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaab"
            ),
            None
        );
    }
}
