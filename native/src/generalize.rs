//! `generalize` of `detectors/operators.py` for ASCII values: an IP address to its /24 or
//! /48 network, a date to `YYYY-MM`, a street address to its PIN district.
//!
//! IP addresses and dates of birth are generalized under the default policy, and an
//! IP-heavy log has one in every other line: sent back to Python, each cost a round trip
//! and a regex or `ipaddress` call. Every form Python handles by its own parsing is ported;
//! the forms it leaves to `ipaddress` (an embedded IPv4, a zone id, `[::1]:80`…) are
//! answered `Fallback`, and the caller asks Python. Python's `\s` and `str.strip` count
//! U+001C–U+001F as white space, so the classes below do too.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::rows::ints_of;
use regex::Regex;
use std::sync::OnceLock;

/// What `generalize(value, entity)` gives: the text, an `OperatorError` (the policy then
/// writes `replace`'s text), or a form only Python's `ipaddress` decides.
#[derive(Debug, PartialEq, Eq)]
pub enum Generalized {
    Text(String),
    Refused,
    Fallback,
}

/// `str.isspace()` on ASCII.
fn py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f)
}

/// `str.strip()` on ASCII.
fn strip(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_ascii() && py_space(c as u8))
}

/// `_native.generalize(value, entity)`: `(0, text)`, `(1, None)` where Python raises
/// OperatorError, `(2, None)` where only Python decides (and for a value that is not
/// ASCII). The tests hold it to `operators.generalize`.
#[pyfunction(name = "generalize")]
pub fn generalize_py(value: &str, entity: &str) -> (u8, Option<String>) {
    if !value.is_ascii() {
        return (2, None);
    }
    match generalize(value, entity) {
        Generalized::Text(t) => (0, Some(t)),
        Generalized::Refused => (1, None),
        Generalized::Fallback => (2, None),
    }
}

/// [`generalize_py`]'s status (0, 1 or 2) of each span of `data`, given as rows of
/// `detectors.native.FLAT_COLUMNS` in the native-endian int64 buffer `cols`: the value is
/// code points `start..end` of line `data[lo..hi]`, its entity `entities[source]`. A line
/// that is not ASCII gets 2 (its offsets count code points; Python answers). For
/// `jobs/textrows.py`, which asked one value at a time: a log's IPs and dates are
/// thousands per buffer, and each call cost more than the answer.
#[pyfunction]
pub fn generalize_statuses<'py>(
    py: Python<'py>,
    data: &[u8],
    cols: &[u8],
    entities: Vec<String>,
) -> PyResult<Bound<'py, PyBytes>> {
    const COLS: usize = 7; // line, lo, hi, start, end, source, ascii
    let cols = ints_of(cols)?;
    if cols.len() % COLS != 0 {
        return Err(PyValueError::new_err("span rows of a wrong width"));
    }
    let at = |x: i64| usize::try_from(x).ok();
    let mut out = Vec::with_capacity(cols.len() / COLS);
    // Whether the current line is ASCII, checked once a line: spans come line by line,
    // and a 64 MiB line may hold hundreds of thousands of them.
    let mut seen: Option<((i64, i64), bool)> = None;
    for row in cols.chunks_exact(COLS) {
        let line = at(row[1]).zip(at(row[2])).and_then(|(a, b)| data.get(a..b));
        let entity = at(row[5]).and_then(|s| entities.get(s));
        let (Some(line), Some(entity)) = (line, entity) else {
            return Err(PyValueError::new_err(
                "a span out of the buffer or entities",
            ));
        };
        let ascii = match seen {
            Some((bounds, ascii)) if bounds == (row[1], row[2]) => ascii,
            _ => {
                let ascii = line.is_ascii();
                seen = Some(((row[1], row[2]), ascii));
                ascii
            }
        };
        let value = at(row[3]).zip(at(row[4])).and_then(|(a, b)| line.get(a..b));
        out.push(match value {
            Some(v) if ascii => generalize_py(std::str::from_utf8(v).unwrap_or(""), entity).0,
            _ => 2,
        });
    }
    Ok(PyBytes::new(py, &out))
}

/// `operators.generalize` for an ASCII `value`.
pub fn generalize(value: &str, entity: &str) -> Generalized {
    match entity {
        "IP_ADDRESS" => network(value),
        "DATE_OF_BIRTH" | "DATE" | "DATE_TIME" => match year_month(value) {
            Some(t) => Generalized::Text(t),
            None => Generalized::Refused,
        },
        "STREET_ADDRESS" => match last_pin(value) {
            Some(p) => Generalized::Text(format!("PIN {p}XXX")),
            None => Generalized::Refused,
        },
        _ => Generalized::Refused,
    }
}

/// `_network`: a plain dotted quad cut at its last dot, a plain IPv6 address to its /48;
/// anything else is `ipaddress`'s to judge.
fn network(value: &str) -> Generalized {
    let address = strip(value).trim_matches(|c| c == '[' || c == ']');
    if is_dotted_quad(address) {
        let cut = address.rfind('.').expect("a dotted quad has dots");
        return Generalized::Text(format!("{}.0/24", &address[..cut]));
    }
    let hex_colon =
        !address.is_empty() && address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
    match hex_colon.then(|| ipv6_network(address)).flatten() {
        Some(t) => Generalized::Text(t),
        None => Generalized::Fallback,
    }
}

/// `_IPV4.fullmatch`: four decimal octets of at most 255, without leading zeros.
fn is_dotted_quad(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            let b = p.as_bytes();
            !b.is_empty()
                && b.len() <= 3
                && b.iter().all(u8::is_ascii_digit)
                && (b.len() == 1 || b[0] != b'0')
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// `_ipv6_network`: the /48 of an address in plain hex-and-colon form, compressed as
/// `ipaddress` writes it; None for anything `ipaddress` must judge.
fn ipv6_network(address: &str) -> Option<String> {
    if address.matches("::").count() > 1 {
        return None;
    }
    let split = |s: &str| -> Vec<String> {
        if s.is_empty() {
            Vec::new()
        } else {
            s.split(':').map(str::to_string).collect()
        }
    };
    let parts: Vec<String> = match address.split_once("::") {
        Some((head, tail)) => {
            let (hp, tp) = (split(head), split(tail));
            if hp.len() + tp.len() > 7 {
                return None;
            }
            let zeros = 8 - hp.len() - tp.len();
            hp.into_iter()
                .chain(std::iter::repeat_n("0".to_string(), zeros))
                .chain(tp)
                .collect()
        }
        None => {
            let p: Vec<String> = address.split(':').map(str::to_string).collect();
            if p.len() != 8 {
                return None;
            }
            p
        }
    };
    if !parts.iter().all(|p| !p.is_empty() && p.len() <= 4) {
        return None;
    }
    let mut first: Vec<u32> = parts[..3]
        .iter()
        .map(|p| u32::from_str_radix(p, 16).ok())
        .collect::<Option<_>>()?;
    while first.last() == Some(&0) {
        first.pop();
    }
    let hex: Vec<String> = first.iter().map(|h| format!("{h:x}")).collect();
    Some(format!("{}::/48", hex.join(":")))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Python's `\s` on ASCII, as a regex class.
const S: &str = r"[\t\n\x0B\x0C\r\x1C-\x1F ]";

/// `_DATE_FORMS`, anchored as `fullmatch` anchors them, in their order of trial.
fn date_forms() -> &'static [(Regex, &'static str); 4] {
    static FORMS: OnceLock<[(Regex, &'static str); 4]> = OnceLock::new();
    FORMS.get_or_init(|| {
        let ord = "(?:st|nd|rd|th)?";
        let rx = |p: String| Regex::new(&format!("^(?:{p})$")).expect("a date form compiles");
        [
            (
                rx(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[T ].*)?".into()),
                "ymd",
            ),
            (
                rx(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})".into()),
                "dmy",
            ),
            (
                rx(format!(
                    r"([0-9]{{1,2}}){ord}(?:{S}|[/.\-])*([A-Za-z]{{3,9}})\.?(?:{S}|[/.,\-])*([0-9]{{4}})"
                )),
                "dMy",
            ),
            (
                rx(format!(
                    r"([A-Za-z]{{3,9}})\.?{S}*([0-9]{{1,2}}){ord},?{S}+([0-9]{{4}})"
                )),
                "Mdy",
            ),
        ]
    })
}

fn month(name: &str) -> Option<u32> {
    let prefix = name.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
}

fn valid_date(y: u32, m: u32, d: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=9999).contains(&y) && (1..=days).contains(&d)
}

/// `_year_month`: None where Python raises OperatorError.
fn year_month(value: &str) -> Option<String> {
    let text = strip(value);
    for (rx, order) in date_forms() {
        let Some(c) = rx.captures(text) else {
            continue;
        };
        let (a, b, c) = (&c[1], &c[2], &c[3]);
        let n = |s: &str| s.parse::<u32>().ok();
        let (y, m, d) = match *order {
            "ymd" => (n(a)?, n(b)?, n(c)?),
            "dmy" => {
                let (a, b) = (n(a)?, n(b)?);
                if b <= 12 {
                    (n(c)?, b, a)
                } else {
                    (n(c)?, a, b)
                }
            }
            "dMy" => (n(c)?, month(b)?, n(a)?),
            _ => (n(c)?, month(a)?, n(b)?),
        };
        return valid_date(y, m, d).then(|| format!("{y:04}-{m:02}"));
    }
    None
}

/// The last match of `_PIN` (`(?<!\d)([1-9]\d{2})\s?\d{3}(?!\d)`) as `findall` finds
/// them, left to right without overlaps: its first three digits.
fn last_pin(value: &str) -> Option<&str> {
    let b = value.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let digits = |i: usize, n: usize| (i..i + n).all(digit);
    let mut found = None;
    let mut i = 0;
    while i + 6 <= b.len() {
        let free = i == 0 || !digit(i - 1);
        if free && matches!(b[i], b'1'..=b'9') && digits(i + 1, 2) {
            // `\s?` first takes the space, then backtracks to none.
            let spaced = b.get(i + 3).is_some_and(|&c| py_space(c));
            let end = [spaced.then_some(i + 4), Some(i + 3)]
                .into_iter()
                .flatten()
                .find(|&at| digits(at, 3) && !digit(at + 3));
            if let Some(at) = end {
                found = Some(&value[i..i + 3]);
                i = at + 3;
                continue;
            }
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &str, e: &str) -> String {
        match generalize(v, e) {
            Generalized::Text(t) => t,
            other => panic!("{v:?}: {other:?}"),
        }
    }

    #[test]
    fn when_an_ip_is_plain_then_its_network() {
        assert_eq!(text(" 49.36.12.7 ", "IP_ADDRESS"), "49.36.12.0/24");
        assert_eq!(
            text("[2001:db8:85a3::8a2e:370:7334]", "IP_ADDRESS"),
            "2001:db8:85a3::/48"
        );
        assert_eq!(
            text("2001:0db8:0000:0:1:2:3:4", "IP_ADDRESS"),
            "2001:db8::/48"
        );
        assert_eq!(text("::1", "IP_ADDRESS"), "::/48");
    }

    #[test]
    fn when_an_ip_is_not_plain_then_python_decides() {
        for v in [
            "01.2.3.4",
            "256.1.1.1",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            "1:2",
            ":::",
        ] {
            assert_eq!(generalize(v, "IP_ADDRESS"), Generalized::Fallback, "{v}");
        }
    }

    #[test]
    fn when_a_date_has_a_known_form_then_year_and_month() {
        assert_eq!(text("1990-07-14", "DATE_OF_BIRTH"), "1990-07");
        assert_eq!(text("1990-7-4T10:00:00Z", "DATE_OF_BIRTH"), "1990-07");
        assert_eq!(text("14/07/1990", "DATE_OF_BIRTH"), "1990-07");
        assert_eq!(text("07/14/1990", "DATE_OF_BIRTH"), "1990-07");
        assert_eq!(text("14th July, 1990", "DATE_OF_BIRTH"), "1990-07");
        assert_eq!(text("Jul. 4th, 1990", "DATE_OF_BIRTH"), "1990-07");
        assert_eq!(text("29-02-2000", "DATE_OF_BIRTH"), "2000-02");
    }

    #[test]
    fn when_a_date_is_impossible_or_unknown_then_refused() {
        for v in [
            "29-02-1900",
            "31/04/1990",
            "1990-13-01",
            "0000-01-01",
            "14 Foo 1990",
            "x",
        ] {
            assert_eq!(generalize(v, "DATE_OF_BIRTH"), Generalized::Refused, "{v}");
        }
    }

    #[test]
    fn when_an_address_has_pins_then_the_last_district() {
        assert_eq!(
            text("12 MG Road, Bengaluru 560001", "STREET_ADDRESS"),
            "PIN 560XXX"
        );
        assert_eq!(
            text("110 001 then 400 0011 and 4000012", "STREET_ADDRESS"),
            "PIN 110XXX"
        );
        assert_eq!(
            generalize("flat 12, no pin", "STREET_ADDRESS"),
            Generalized::Refused
        );
        assert_eq!(
            generalize("0123456", "STREET_ADDRESS"),
            Generalized::Refused
        );
        assert_eq!(generalize("a@b", "EMAIL_ADDRESS"), Generalized::Refused);
    }
}
