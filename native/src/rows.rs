//! `piisweep detect` on plain text without Python per finding: a buffer's spans handed
//! over flat (no `Span` object per span), and its findings rows written as JSON Lines in
//! one call, byte for byte the text `jobs.findings.jsonl_rows` gives (the reference).
//!
//! Python still decides each span's action (the policy lives there) and the fingerprint
//! and preview of a value that is not ASCII (`findings.rs` covers ASCII only); it passes
//! those in, so the value itself never leaves this module except as those two.

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};
use rustc_hash::FxHashMap;
use sha2::Sha256;

use crate::engine::{LineSpans, Scratch};
use crate::findings;
use crate::text::{decode, Positions};

/// Columns of a flat span: line index, line byte range (lo, hi), code-point start and
/// end within the line, span source, and a last column: in [`flatten`]'s output whether
/// the value is ASCII, in [`text_rows`]' input the action's index.
pub const COLS: usize = 7;

/// The spans of `scan_buffer`'s lines as [`COLS`] native-endian int64 each, and their
/// float64 scores, in the order `scan_buffer` returns them: two Python `bytes` for
/// `numpy.frombuffer`, written in place (see [`ne_bytes`]).
pub fn flatten<'py>(
    py: Python<'py>,
    data: &[u8],
    lines: &[LineSpans],
    scratch: &Scratch,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let n: usize = lines.iter().map(|l| l.spans.len()).sum();
    let ints = PyBytes::new_with(py, n * COLS * 8, |buf| {
        let mut cells = buf.chunks_exact_mut(8);
        for l in lines {
            let raw = &data[l.lo..l.hi];
            let text = if raw.is_ascii() {
                None
            } else {
                Some(decode(raw))
            };
            let pos = text.as_deref().map(Positions::new);
            for s in scratch.spans_of(l) {
                let ascii = match (&text, &pos) {
                    (Some(t), Some(p)) => t[p.byte(s.start)..p.byte(s.end)].is_ascii(),
                    _ => true,
                };
                let row = [
                    l.line as i64,
                    l.lo as i64,
                    l.hi as i64,
                    s.start as i64,
                    s.end as i64,
                    s.det as i64,
                    i64::from(ascii),
                ];
                // The row first: zip stops on it without taking the next row's cell.
                for (v, cell) in row.into_iter().zip(cells.by_ref()) {
                    cell.copy_from_slice(&v.to_ne_bytes());
                }
            }
        }
        Ok(())
    })?;
    let scores = PyBytes::new_with(py, n * 8, |buf| {
        let spans = lines.iter().flat_map(|l| scratch.spans_of(l));
        fill_ne(buf, spans.map(|s| s.score), f64::to_ne_bytes);
        Ok(())
    })?;
    Ok((ints, scores))
}

/// Native-endian bytes of a slice of numbers, for `numpy.frombuffer`, written straight
/// into a new Python `bytes`: a dense buffer's spans are tens of megabytes, and a
/// collected `Vec<u8>` copied into Python doubled them (and their page faults).
pub fn ne_bytes<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    values: &[T],
    to: fn(T) -> [u8; N],
) -> PyResult<Bound<'py, PyBytes>> {
    PyBytes::new_with(py, values.len() * N, |buf| {
        fill_ne(buf, values.iter().copied(), to);
        Ok(())
    })
}

/// [`ne_bytes`] as a `bytearray` (a writable buffer for numpy).
pub fn ne_bytearray<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    values: &[T],
    to: fn(T) -> [u8; N],
) -> PyResult<Bound<'py, PyByteArray>> {
    PyByteArray::new_with(py, values.len() * N, |buf| {
        fill_ne(buf, values.iter().copied(), to);
        Ok(())
    })
}

fn fill_ne<T: Copy, const N: usize>(
    buf: &mut [u8],
    values: impl IntoIterator<Item = T>,
    to: fn(T) -> [u8; N],
) {
    for (chunk, v) in buf.chunks_exact_mut(N).zip(values) {
        chunk.copy_from_slice(&to(v));
    }
}

/// `x` in `LowerExp` form with the shortest digits that read back as `x`, chosen as
/// Python's `repr` chooses them: Rust's formatter gives the shortest digits too, but where
/// two of that length are equally near `x` (70368744177664.125 -> ...64.12 or ...64.13) it
/// may take the odd one, and Python takes the even one.
fn shortest(x: f64) -> String {
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let last = mantissa.as_bytes()[mantissa.len() - 1];
    if last % 2 == 0 || !mantissa.contains('.') {
        return sci; // even already, or one digit (a tie there would need two)
    }
    for step in [-1i8, 1] {
        let mut alt = mantissa.as_bytes().to_vec();
        let n = alt.len();
        alt[n - 1] = (last as i8 + step) as u8;
        if !alt[n - 1].is_ascii_digit() {
            continue;
        }
        let alt = String::from_utf8(alt).expect("ASCII digits");
        let other = format!("{alt}e{exp}");
        if other.parse::<f64>() != Ok(x) {
            continue;
        }
        // Both read back as x: a tie when x lies exactly half way between them, i.e. its
        // exact expansion is the shorter digits' midpoint: "...5" then zeros only.
        let digits = mantissa.len() - mantissa.starts_with('-') as usize - 1;
        let exact = format!("{:.*e}", 1100, x);
        let (exact_m, _) = exact.split_once('e').expect("LowerExp has an exponent");
        let tail = &exact_m[exact_m.len() - (1100 - (digits - 1))..];
        if tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0') {
            return other;
        }
    }
    sci
}

/// Python's `repr(float)` as the JSON encoder writes a finite float (`NaN`, `Infinity`
/// otherwise): the shortest digits that round-trip, positional from 1e-4 up to 1e16,
/// else `d.ddde-05` / `de+16`; always a `.0` on a whole number.
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sci = shortest(x); // shortest round-trip digits: "-9.5e-1", "1e0", "0e0"
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp has an exponent");
    let exp: i32 = exp.parse().expect("LowerExp exponent is a number");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let sign_e = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mantissa}e{sign_e}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = exp as usize + 1;
    if digits.len() <= point {
        let zeros = "0".repeat(point - digits.len());
        return format!("{sign}{digits}{zeros}.0");
    }
    format!("{sign}{}.{}", &digits[..point], &digits[point..])
}

/// `json.encoder.encode_basestring` (ensure_ascii off) of a string: quoted, with `"`,
/// `\`, and control characters escaped the way Python's C encoder writes them.
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let b = s.as_bytes();
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&b[from..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
        } else {
            out.extend_from_slice(esc);
        }
        from = i + 1;
    }
    out.extend_from_slice(&b[from..]);
    out.push(b'"');
}

/// What every row of a batch shares: JSON text written once per batch by Python.
pub struct Template<'a> {
    /// `{"source_uri": "...", "line_number": `
    pub lead: &'a [u8],
    /// Line number of the buffer's first line, minus one.
    pub base: i64,
    /// Per span source: `"entity_type": "...", "detector": "...", "score": `
    pub heads: &'a [Vec<u8>],
    /// Per span source: its entity type, which the fingerprint and preview depend on.
    pub entities: &'a [String],
    /// Per action index: the action as a JSON string.
    pub actions: &'a [Vec<u8>],
}

/// Fingerprints and previews given by Python, by row: values that are not ASCII.
pub type Overrides = HashMap<usize, (String, Vec<u8>)>;

fn bad(what: &str, row: usize) -> String {
    format!("findings row {row}: {what}")
}

/// The JSON Lines text of the rows `cols` ([`COLS`] integers each, the last the action)
/// with `scores`, over the lines of `data`.
pub fn write_rows(
    data: &[u8],
    cols: &[i64],
    scores: &[f64],
    t: &Template<'_>,
    keyed: &Hmac<Sha256>,
    overrides: &Overrides,
) -> Result<Vec<u8>, String> {
    if cols.len() != scores.len() * COLS {
        return Err("one score per row of columns".into());
    }
    let mut out = Vec::with_capacity(scores.len() * 330);
    let mut line: Option<((i64, i64), String, Positions)> = None;
    // Kept across rows: a score's text (a few distinct scores, each formatted once), the
    // fingerprint's and the preview's buffers.
    let mut floats: FxHashMap<u64, String> = FxHashMap::default();
    let (mut fp, mut scratch, mut preview) = ([0u8; 64], String::new(), Vec::new());
    for (row, (c, &score)) in cols.chunks_exact(COLS).zip(scores).enumerate() {
        let [li, lo, hi, start, end, src, action] = <[i64; COLS]>::try_from(c).expect("COLS");
        let (lo_u, hi_u) = (lo as usize, hi as usize);
        if lo < 0 || hi_u > data.len() || lo_u > hi_u || start < 0 || end < start {
            return Err(bad("bounds outside the buffer", row));
        }
        let (Some(head), Some(entity), Some(act)) = (
            t.heads.get(src as usize),
            t.entities.get(src as usize),
            t.actions.get(action as usize),
        ) else {
            return Err(bad("unknown source or action", row));
        };
        if line.as_ref().is_none_or(|(k, _, _)| *k != (lo, hi)) {
            let text = decode(&data[lo_u..hi_u]).into_owned();
            let pos = Positions::new(&text);
            line = Some(((lo, hi), text, pos));
        }
        let (_, text, pos) = line.as_ref().expect("set above");
        if end as usize > pos.len_cp(text) {
            return Err(bad("span past the end of its line", row));
        }
        out.extend_from_slice(t.lead);
        write_int(&mut out, t.base + li + 1);
        out.extend_from_slice(b", \"record_index\": null, \"field_path\": null, \"char_start\": ");
        write_int(&mut out, start);
        out.extend_from_slice(b", \"char_end\": ");
        write_int(&mut out, end);
        out.extend_from_slice(b", ");
        out.extend_from_slice(head);
        let score_text = floats
            .entry(score.to_bits())
            .or_insert_with(|| py_float(score));
        out.extend_from_slice(score_text.as_bytes());
        out.extend_from_slice(b", \"action\": ");
        out.extend_from_slice(act);
        out.extend_from_slice(b", \"fingerprint\": ");
        if let Some((fp, preview)) = overrides.get(&row) {
            json_str(&mut out, fp);
            out.extend_from_slice(b", \"preview\": ");
            out.extend_from_slice(preview);
        } else {
            let value = &text[pos.byte(start as usize)..pos.byte(end as usize)];
            if !value.is_ascii() {
                return Err(bad(
                    "a value that is not ASCII needs its digests given",
                    row,
                ));
            }
            findings::fingerprint_into(keyed, entity, value, &mut fp, &mut scratch);
            out.push(b'"'); // 64 hex digits: nothing to escape
            out.extend_from_slice(&fp);
            out.extend_from_slice(b"\", \"preview\": ");
            preview.clear();
            findings::preview_into(value, entity, &mut preview);
            let preview = std::str::from_utf8(&preview)
                .map_err(|_| bad("a preview that is not UTF-8", row))?;
            json_str(&mut out, preview);
        }
        out.extend_from_slice(b"}\n");
    }
    Ok(out)
}

/// `v` in decimal, written from a stack buffer (`to_string` allocated for each of a row's
/// three numbers).
fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[at..]);
}

pub(crate) fn ints_of(raw: &[u8]) -> PyResult<Vec<i64>> {
    if raw.len() % 8 != 0 {
        return Err(PyValueError::new_err("int64 buffer of a wrong length"));
    }
    Ok(raw
        .chunks_exact(8)
        .map(|b| i64::from_ne_bytes(b.try_into().expect("8 bytes")))
        .collect())
}

fn floats_of(raw: &[u8]) -> PyResult<Vec<f64>> {
    if raw.len() % 8 != 0 {
        return Err(PyValueError::new_err("float64 buffer of a wrong length"));
    }
    Ok(raw
        .chunks_exact(8)
        .map(|b| f64::from_ne_bytes(b.try_into().expect("8 bytes")))
        .collect())
}

/// Findings rows of a text buffer as JSON Lines bytes (see `jobs/textrows.py`): `cols` and
/// `scores` are native-endian int64 and float64 buffers, [`COLS`] integers per row, the last
/// the index into `actions`; `overrides` maps a row to its (fingerprint, preview as JSON)
/// where the value is not ASCII. Undecodable bytes come out as they came in.
#[pyfunction]
#[pyo3(signature = (data, cols, scores, base, lead, heads, entities, actions, key, overrides))]
#[allow(clippy::too_many_arguments)]
pub fn text_rows<'py>(
    py: Python<'py>,
    data: &[u8],
    cols: &[u8],
    scores: &[u8],
    base: i64,
    lead: &[u8],
    heads: Vec<Vec<u8>>,
    entities: Vec<String>,
    actions: Vec<Vec<u8>>,
    key: &[u8],
    overrides: Overrides,
) -> PyResult<Bound<'py, PyBytes>> {
    let keyed = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|_| PyValueError::new_err("bad fingerprint key"))?;
    let (cols, scores) = (ints_of(cols)?, floats_of(scores)?);
    let t = Template {
        lead,
        base,
        heads: &heads,
        entities: &entities,
        actions: &actions,
    };
    let out = py
        .allow_threads(|| write_rows(data, &cols, &scores, &t, &keyed, &overrides))
        .map_err(PyValueError::new_err)?;
    Ok(PyBytes::new(py, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_ints_are_written_then_they_read_as_to_string_writes_them() {
        for v in [0, 7, -7, 10, 99, -100, 123_456_789, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            super::write_int(&mut out, v);
            assert_eq!(out, v.to_string().into_bytes(), "{v}");
        }
    }

    #[test]
    fn when_floats_are_written_then_python_repr() {
        let cases = [
            (0.95, "0.95"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1234.5, "1234.5"),
            (1e15, "1000000000000000.0"),
            (1.5e-7, "1.5e-07"),
            // Two shortest forms equally near: Python takes the even digit.
            (70368744177664.125, "70368744177664.12"),
            (-70368744177664.125, "-70368744177664.12"),
            (281474976710656.5, "281474976710656.5"),
        ];
        for (x, want) in cases {
            assert_eq!(py_float(x), want, "{x}");
        }
    }

    #[test]
    fn when_strings_have_controls_then_escaped_as_python() {
        let mut out = Vec::new();
        json_str(&mut out, "a\"b\\c\n\x01\x7f…");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001\x7f…\"".as_bytes());
    }
}
